//! Every AWS call an op may make, declared once, with the kind of resource it acts on.
//!
//! An op's row lists every call the executor may make for it, the ensure paths included (after a
//! create race a repository's settings are written again; a policy version's lost response is
//! checked by listing versions), so that the plan names everything apply can do. From this table
//! come the `action` of each op in `plan --output json`, the writes of `permissions`, and a test
//! that apply makes no call its plan's ops and observe's reads did not declare. The IAM action of
//! every call is the call's own name (`ecr:PutLifecyclePolicy`); where AWS asks for more (tags at
//! creation, a role passed to ECR), [`Dependent`] says which and when.

use crate::model::{Kind, TagTarget};

use super::Op;

/// An IAM action a call needs beyond its own, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependent {
    /// Needed when the call carries tags (CreateRepository → `ecr:TagResource`, …).
    WithTags(&'static str),
    /// Needed when the call names a role for ECR to assume (`iam:PassRole` on that role).
    PassRole,
    /// Always needed: AWS checks it as part of the call (a creation template is checked for the
    /// repository writes it will make, `ecr:CreateRepository` on the repositories it shapes).
    Always(&'static str),
}

/// One op's declaration: what it is called in JSON, the kind it writes, and the calls it may make.
#[derive(Debug)]
pub struct OpCalls {
    /// The op as JSON names it (`put_lifecycle_policy`).
    pub op: &'static str,
    /// The kind of resource it writes; its ARN scopes the calls in `permissions`.
    pub kind: Kind,
    /// Every AWS call it may make (`service:Operation`), in the order it may make them.
    pub calls: &'static [&'static str],
    /// IAM actions needed beyond the calls' own.
    pub dependent: &'static [Dependent],
    /// When apply looks again before it writes, what it does (shown as `ensure` in JSON).
    pub ensure: Option<&'static str>,
}

const fn row(
    op: &'static str,
    kind: Kind,
    calls: &'static [&'static str],
    dependent: &'static [Dependent],
) -> OpCalls {
    OpCalls {
        op,
        kind,
        calls,
        dependent,
        ensure: None,
    }
}

impl OpCalls {
    const fn ensuring(self, ensure: &'static str) -> OpCalls {
        OpCalls {
            ensure: Some(ensure),
            ..self
        }
    }
}

/// The table: one row per op (`set_tags` one per kind of target).
pub const OPS: &[OpCalls] = &[
    row(
        "create_repository",
        Kind::Repository,
        // After a create race: listed again, its owner checked, its settings and tags made ours.
        &[
            "ecr:CreateRepository",
            "ecr:DescribeRepositories",
            "ecr:ListTagsForResource",
            "ecr:PutImageTagMutability",
            "ecr:PutImageScanningConfiguration",
            "ecr:TagResource",
        ],
        &[Dependent::WithTags("ecr:TagResource")],
    )
    .ensuring("exists already (created since the plan): listed, refused if another stack owns it, else its mutability, scanning and tags are written"),
    row(
        "delete_repository",
        Kind::Repository,
        // Whether it holds images decides the opt-in it needs.
        &["ecr:ListImages", "ecr:DeleteRepository"],
        &[],
    )
    .ensuring("whether it holds images is read first: with images it is deleted only with the opt-in (force_delete and --allow-replace, or --allow-destroy)"),
    row(
        "put_image_tag_mutability",
        Kind::Repository,
        &["ecr:PutImageTagMutability"],
        &[],
    ),
    row(
        "put_scan_on_push",
        Kind::Repository,
        &["ecr:PutImageScanningConfiguration"],
        &[],
    ),
    row(
        "put_lifecycle_policy",
        Kind::Repository,
        &["ecr:PutLifecyclePolicy"],
        &[],
    ),
    row(
        "delete_lifecycle_policy",
        Kind::Repository,
        &["ecr:DeleteLifecyclePolicy"],
        &[],
    ),
    row(
        "set_repository_policy",
        Kind::Repository,
        &["ecr:SetRepositoryPolicy"],
        &[],
    ),
    row(
        "delete_repository_policy",
        Kind::Repository,
        &["ecr:DeleteRepositoryPolicy"],
        &[],
    ),
    row(
        "set_tags",
        Kind::Repository,
        &["ecr:TagResource", "ecr:UntagResource"],
        &[],
    ),
    row(
        "set_tags",
        Kind::OidcProvider,
        &[
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ],
        &[],
    ),
    row(
        "set_tags",
        Kind::Policy,
        &["iam:TagPolicy", "iam:UntagPolicy"],
        &[],
    ),
    row(
        "set_tags",
        Kind::Role,
        &["iam:TagRole", "iam:UntagRole"],
        &[],
    ),
    row(
        "create_oidc_provider",
        Kind::OidcProvider,
        &["iam:CreateOpenIDConnectProvider"],
        &[Dependent::WithTags("iam:TagOpenIDConnectProvider")],
    ),
    row(
        "add_client_id",
        Kind::OidcProvider,
        &["iam:AddClientIDToOpenIDConnectProvider"],
        &[],
    ),
    row(
        "remove_client_id",
        Kind::OidcProvider,
        &["iam:RemoveClientIDFromOpenIDConnectProvider"],
        &[],
    ),
    row(
        "update_thumbprints",
        Kind::OidcProvider,
        &["iam:UpdateOpenIDConnectProviderThumbprint"],
        &[],
    ),
    row(
        "delete_oidc_provider",
        Kind::OidcProvider,
        &["iam:DeleteOpenIDConnectProvider"],
        &[],
    ),
    row(
        "create_policy",
        Kind::Policy,
        // After a create race: found by name and its owner checked.
        &["iam:CreatePolicy", "iam:ListPolicies", "iam:ListPolicyTags"],
        &[Dependent::WithTags("iam:TagPolicy")],
    )
    .ensuring("exists already: found by name and refused if another stack owns it"),
    row(
        "create_policy_version",
        Kind::Policy,
        // A document already in force is not written again; a lost response is checked by
        // listing the versions and reading the default; a duplicate a retry left is deleted.
        &[
            "iam:ListPolicyVersions",
            "iam:GetPolicyVersion",
            "iam:CreatePolicyVersion",
            "iam:DeletePolicyVersion",
        ],
        &[],
    )
    .ensuring("the versions are listed and the default read first: a document already in force is not written again; after a lost response the default is checked, and a duplicate version the retry left is deleted"),
    row("delete_policy", Kind::Policy, &["iam:DeletePolicy"], &[]),
    row(
        "delete_policy_version",
        Kind::Policy,
        &["iam:DeletePolicyVersion"],
        &[],
    ),
    row(
        "detach_group_policy",
        Kind::Policy,
        &["iam:DetachGroupPolicy"],
        &[],
    ),
    row(
        "create_role",
        Kind::Role,
        // After a create race: read, and its owner checked.
        &["iam:CreateRole", "iam:GetRole"],
        &[Dependent::WithTags("iam:TagRole")],
    )
    .ensuring("exists already: read and refused if another stack owns it"),
    row(
        "update_trust_policy",
        Kind::Role,
        &["iam:UpdateAssumeRolePolicy"],
        &[],
    ),
    row("update_role", Kind::Role, &["iam:UpdateRole"], &[]),
    row(
        "put_permissions_boundary",
        Kind::Role,
        &["iam:PutRolePermissionsBoundary"],
        &[],
    ),
    row(
        "delete_permissions_boundary",
        Kind::Role,
        &["iam:DeleteRolePermissionsBoundary"],
        &[],
    ),
    row(
        "attach_role_policy",
        Kind::Role,
        &["iam:AttachRolePolicy"],
        &[],
    ),
    row(
        "detach_role_policy",
        Kind::Role,
        &["iam:DetachRolePolicy"],
        &[],
    ),
    row("put_role_policy", Kind::Role, &["iam:PutRolePolicy"], &[]),
    row(
        "delete_role_policy",
        Kind::Role,
        &["iam:DeleteRolePolicy"],
        &[],
    ),
    row("delete_role", Kind::Role, &["iam:DeleteRole"], &[]),
    row(
        "attach_user_policy",
        Kind::UserAttachment,
        &["iam:AttachUserPolicy"],
        &[],
    ),
    row(
        "detach_user_policy",
        Kind::UserAttachment,
        &["iam:DetachUserPolicy"],
        &[],
    ),
    row(
        "put_registry_scanning",
        Kind::Registry,
        // Read again and merged with what other stacks wrote since the plan.
        &[
            "ecr:GetRegistryScanningConfiguration",
            "ecr:PutRegistryScanningConfiguration",
        ],
        &[],
    )
    .ensuring("the configuration is read again and this stack's part merged into what is there now, so that rules other stacks wrote since the plan are kept; written only when that changes it"),
    row(
        "put_replication",
        Kind::Registry,
        &["ecr:DescribeRegistry", "ecr:PutReplicationConfiguration"],
        &[],
    )
    .ensuring("the configuration is read again and this stack's part merged into what is there now; written only when that changes it"),
    row(
        "put_registry_policy",
        Kind::Registry,
        // Deleted when no statement is left after the merge.
        &[
            "ecr:GetRegistryPolicy",
            "ecr:PutRegistryPolicy",
            "ecr:DeleteRegistryPolicy",
        ],
        &[],
    )
    .ensuring("the policy is read again and this stack's statements merged into what is there now; deleted when no statement is left"),
    row(
        "put_registry_record",
        Kind::RegistryRecord,
        // Created with tags, or overwritten when it exists.
        &["ssm:PutParameter"],
        &[Dependent::WithTags("ssm:AddTagsToResource")],
    )
    .ensuring("created, or overwritten when it exists"),
    row(
        "delete_registry_record",
        Kind::RegistryRecord,
        &["ssm:DeleteParameter"],
        &[],
    ),
    row(
        "create_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:CreatePullThroughCacheRule"],
        &[Dependent::PassRole],
    ),
    row(
        "update_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:UpdatePullThroughCacheRule"],
        &[Dependent::PassRole],
    ),
    row(
        "delete_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:DeletePullThroughCacheRule"],
        &[],
    ),
    row(
        "create_creation_template",
        Kind::CreationTemplate,
        &["ecr:CreateRepositoryCreationTemplate"],
        &[
            Dependent::Always("ecr:CreateRepository"),
            Dependent::Always("ecr:PutLifecyclePolicy"),
            Dependent::Always("ecr:SetRepositoryPolicy"),
            Dependent::PassRole,
        ],
    ),
    row(
        "update_creation_template",
        Kind::CreationTemplate,
        &["ecr:UpdateRepositoryCreationTemplate"],
        &[
            Dependent::Always("ecr:CreateRepository"),
            Dependent::Always("ecr:PutLifecyclePolicy"),
            Dependent::Always("ecr:SetRepositoryPolicy"),
            Dependent::PassRole,
        ],
    ),
    row(
        "delete_creation_template",
        Kind::CreationTemplate,
        &["ecr:DeleteRepositoryCreationTemplate"],
        &[],
    ),
];

fn find(op: &str, kind: Kind) -> &'static OpCalls {
    OPS.iter()
        .find(|r| r.op == op && r.kind == kind)
        .unwrap_or_else(|| panic!("no row for op {op} on {kind:?} in plan::calls::OPS"))
}

impl Op {
    /// This op's declaration in [`OPS`].
    pub fn declared(&self) -> &'static OpCalls {
        let (name, kind) = match self {
            Op::CreateRepository { .. } => ("create_repository", Kind::Repository),
            Op::DeleteRepository { .. } => ("delete_repository", Kind::Repository),
            Op::PutImageTagMutability { .. } => ("put_image_tag_mutability", Kind::Repository),
            Op::PutScanOnPush { .. } => ("put_scan_on_push", Kind::Repository),
            Op::PutLifecyclePolicy { .. } => ("put_lifecycle_policy", Kind::Repository),
            Op::DeleteLifecyclePolicy { .. } => ("delete_lifecycle_policy", Kind::Repository),
            Op::SetRepositoryPolicy { .. } => ("set_repository_policy", Kind::Repository),
            Op::DeleteRepositoryPolicy { .. } => ("delete_repository_policy", Kind::Repository),
            Op::SetTags { target, .. } => (
                "set_tags",
                match target {
                    TagTarget::Repository { .. } => Kind::Repository,
                    TagTarget::OidcProvider { .. } => Kind::OidcProvider,
                    TagTarget::Policy { .. } => Kind::Policy,
                    TagTarget::Role { .. } => Kind::Role,
                },
            ),
            Op::CreateOidcProvider { .. } => ("create_oidc_provider", Kind::OidcProvider),
            Op::AddClientId { .. } => ("add_client_id", Kind::OidcProvider),
            Op::RemoveClientId { .. } => ("remove_client_id", Kind::OidcProvider),
            Op::UpdateThumbprints { .. } => ("update_thumbprints", Kind::OidcProvider),
            Op::DeleteOidcProvider { .. } => ("delete_oidc_provider", Kind::OidcProvider),
            Op::CreatePolicy { .. } => ("create_policy", Kind::Policy),
            Op::CreatePolicyVersion { .. } => ("create_policy_version", Kind::Policy),
            Op::DeletePolicy { .. } => ("delete_policy", Kind::Policy),
            Op::DeletePolicyVersion { .. } => ("delete_policy_version", Kind::Policy),
            Op::DetachGroupPolicy { .. } => ("detach_group_policy", Kind::Policy),
            Op::CreateRole { .. } => ("create_role", Kind::Role),
            Op::UpdateTrustPolicy { .. } => ("update_trust_policy", Kind::Role),
            Op::UpdateRole { .. } => ("update_role", Kind::Role),
            Op::PutPermissionsBoundary { .. } => ("put_permissions_boundary", Kind::Role),
            Op::DeletePermissionsBoundary { .. } => ("delete_permissions_boundary", Kind::Role),
            Op::AttachRolePolicy { .. } => ("attach_role_policy", Kind::Role),
            Op::DetachRolePolicy { .. } => ("detach_role_policy", Kind::Role),
            Op::PutRolePolicy { .. } => ("put_role_policy", Kind::Role),
            Op::DeleteRolePolicy { .. } => ("delete_role_policy", Kind::Role),
            Op::DeleteRole { .. } => ("delete_role", Kind::Role),
            Op::AttachUserPolicy { .. } => ("attach_user_policy", Kind::UserAttachment),
            Op::DetachUserPolicy { .. } => ("detach_user_policy", Kind::UserAttachment),
            Op::PutRegistryScanning { .. } => ("put_registry_scanning", Kind::Registry),
            Op::PutReplication { .. } => ("put_replication", Kind::Registry),
            Op::PutRegistryPolicy { .. } => ("put_registry_policy", Kind::Registry),
            Op::PutRegistryRecord { .. } => ("put_registry_record", Kind::RegistryRecord),
            Op::DeleteRegistryRecord { .. } => ("delete_registry_record", Kind::RegistryRecord),
            Op::CreatePullThroughCacheRule { .. } => {
                ("create_pull_through_cache_rule", Kind::PullThroughCache)
            }
            Op::UpdatePullThroughCacheRule { .. } => {
                ("update_pull_through_cache_rule", Kind::PullThroughCache)
            }
            Op::DeletePullThroughCacheRule { .. } => {
                ("delete_pull_through_cache_rule", Kind::PullThroughCache)
            }
            Op::CreateCreationTemplate { .. } => {
                ("create_creation_template", Kind::CreationTemplate)
            }
            Op::UpdateCreationTemplate { .. } => {
                ("update_creation_template", Kind::CreationTemplate)
            }
            Op::DeleteCreationTemplate { .. } => {
                ("delete_creation_template", Kind::CreationTemplate)
            }
        };
        find(name, kind)
    }

    /// The IAM actions this op may need: its calls', and the dependent ones that apply to it
    /// (tags at creation, a role passed to ECR), sorted.
    pub fn actions(&self) -> Vec<&'static str> {
        let declared = self.declared();
        let mut actions: Vec<&'static str> = declared.calls.to_vec();
        for dependent in declared.dependent {
            match dependent {
                Dependent::WithTags(action) if self.carries_tags() => actions.push(action),
                Dependent::PassRole if self.passes_role() => actions.push("iam:PassRole"),
                Dependent::Always(action) => actions.push(action),
                _ => {}
            }
        }
        actions.sort_unstable();
        actions.dedup();
        actions
    }

    fn carries_tags(&self) -> bool {
        match self {
            Op::CreateRepository { tags, .. }
            | Op::CreateOidcProvider { tags, .. }
            | Op::CreatePolicy { tags, .. }
            | Op::CreateRole { tags, .. }
            | Op::PutRegistryRecord { tags, .. } => !tags.is_empty(),
            _ => false,
        }
    }

    fn passes_role(&self) -> bool {
        match self {
            Op::CreatePullThroughCacheRule { rule } | Op::UpdatePullThroughCacheRule { rule } => {
                rule.custom_role_arn.is_some()
            }
            Op::CreateCreationTemplate { template } | Op::UpdateCreationTemplate { template } => {
                template.custom_role_arn.is_some()
            }
            _ => false,
        }
    }
}

/// `ops` as JSON, each with its `action`: the IAM action it needs, or a list when it may need
/// several; and `ensure` where apply looks again before it writes. Additions to the op's own
/// fields; saved plans read back ignore them.
pub fn serialize_ops<S: serde::Serializer>(ops: &[Op], serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::{Error, SerializeSeq};
    let mut seq = serializer.serialize_seq(Some(ops.len()))?;
    for op in ops {
        let mut value = serde_json::to_value(op).map_err(S::Error::custom)?;
        let actions = op.actions();
        let action = match actions.as_slice() {
            [one] => serde_json::Value::from(*one),
            many => serde_json::Value::from(many.to_vec()),
        };
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("action".into(), action);
            if let Some(ensure) = op.declared().ensure {
                map.insert("ensure".into(), ensure.into());
            }
        }
        seq.serialize_element(&value)?;
    }
    seq.end()
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
