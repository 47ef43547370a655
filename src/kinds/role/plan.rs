//! Planning a role: trust policy, settings, permissions boundary, tags, and the exclusive set of
//! attached managed policies (anything attached out of band is detached).

use crate::kinds::policy::plan::policy_named;
use crate::kinds::role::{ATTRIBUTES, Write};
use crate::model::Live;
use crate::model::Registered;
use crate::model::Tags;
use crate::model::Unit;
use crate::model::attribute;
use crate::model::{Address, Kind, Resource, Role, TagTarget};
use crate::model::{Env, OidcProvider};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op, tag_ops};

pub fn diff(want: &Role, live: Option<&Live>) -> Option<Change> {
    let address = Address::new(Kind::Role, &want.name);
    let role = want.name.clone();
    let Some(live) = live else {
        let attributes = crate::plan::create_attributes(&Resource::Role(want.clone()));
        return Some(Change::new(
            address,
            Action::Create,
            attributes,
            create_ops(want),
        ));
    };
    let Resource::Role(have) = &live.resource else {
        return None;
    };
    if have.path != want.path {
        return Some(replace(want, have, live, address));
    }
    // Every attribute of the table whose canonical value differs (tags have rules of their
    // own, below) is shown, then written by the calls that set it.
    let changed = attribute::changed(ATTRIBUTES, want, have);
    let mut attributes: Vec<AttributeChange> = changed
        .iter()
        .map(|a| AttributeChange::new(a.name, Some((a.shown)(have)), Some((a.shown)(want))))
        .collect();
    let mut ops: Vec<Op> = attribute::writes(&changed)
        .into_iter()
        .flat_map(|call| write(want, have, call))
        .collect();
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::Role { name: role },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))
}

/// CreateRole, then the attachments and inline policies.
fn create_ops(want: &Role) -> Vec<Op> {
    let role = want.name.clone();
    let mut ops = vec![Op::Role(RoleOp::CreateRole {
        name: want.name.clone(),
        description: want.description.clone(),
        trust_policy: want.trust_policy.to_json_string(),
        max_session_duration: want.max_session_duration,
        permissions_boundary: want.permissions_boundary.clone(),
        tags: want.tags.clone(),
        path: want.path.clone(),
    })];
    ops.extend(want.policies.iter().map(|arn| {
        Op::Role(RoleOp::AttachRolePolicy {
            role: role.clone(),
            policy_arn: arn.clone(),
        })
    }));
    ops.extend(want.inline_policies.iter().map(|(name, doc)| {
        Op::Role(RoleOp::PutRolePolicy {
            role: role.clone(),
            name: name.clone(),
            document: doc.to_json_string(),
        })
    }));
    ops
}

/// IAM cannot move a role to another path: it is deleted (as when pruned) and created again.
fn replace(want: &Role, have: &Role, live: &Live, address: Address) -> Change {
    let before: std::collections::BTreeMap<_, _> = have.attributes().into_iter().collect();
    let attributes = want
        .attributes()
        .into_iter()
        .filter(|(name, after)| before.get(name) != Some(after) && *name != "tags")
        .map(|(name, after)| {
            let mut a = AttributeChange::new(name, before.get(name).cloned(), Some(after));
            a.forces_replacement =
                attribute::mutation_of(ATTRIBUTES, name) == Some(attribute::Mutation::Replace);
            a
        })
        .collect();
    let mut ops = delete(live).ops;
    ops.extend(create_ops(want));
    let mut change = Change::new(address, Action::Replace, attributes, ops);
    change.notes.push(
        "IAM cannot change a role's path: the role is deleted and created again under its new \
         ARN; sessions of the old role keep working until they expire, and anything that names \
         the old ARN must name the new one"
            .into(),
    );
    change
}

/// Its managed policies detached and its inline policies deleted, then deleted: IAM refuses to
/// delete a role that still has either.
/// The ops of a call that writes changed attributes; attachments and inline policies are
/// exclusive, so what the spec does not name is removed.
fn write(want: &Role, have: &Role, call: Write) -> Vec<Op> {
    let role = want.name.clone();
    let mut ops = Vec::new();
    match call {
        Write::TrustPolicy => {
            ops.push(Op::Role(RoleOp::UpdateTrustPolicy {
                role: role.clone(),
                document: want.trust_policy.to_json_string(),
            }));
        }
        Write::Role => {
            ops.push(Op::Role(RoleOp::UpdateRole {
                role: role.clone(),
                description: want.description.clone(),
                max_session_duration: want.max_session_duration,
            }));
        }
        Write::PermissionsBoundary => {
            ops.push(match &want.permissions_boundary {
                Some(arn) => Op::Role(RoleOp::PutPermissionsBoundary {
                    role: role.clone(),
                    policy_arn: arn.clone(),
                }),
                None => Op::Role(RoleOp::DeletePermissionsBoundary { role: role.clone() }),
            });
        }
        Write::Policies => {
            for arn in want.policies.iter().filter(|p| !have.policies.contains(p)) {
                ops.push(Op::Role(RoleOp::AttachRolePolicy {
                    role: role.clone(),
                    policy_arn: arn.clone(),
                }));
            }
            for arn in have.policies.iter().filter(|p| !want.policies.contains(p)) {
                ops.push(Op::Role(RoleOp::DetachRolePolicy {
                    role: role.clone(),
                    policy_arn: arn.clone(),
                }));
            }
        }
        Write::InlinePolicies => {
            for (name, doc) in &want.inline_policies {
                if have.inline_policies.get(name) != Some(doc) {
                    ops.push(Op::Role(RoleOp::PutRolePolicy {
                        role: role.clone(),
                        name: name.clone(),
                        document: doc.to_json_string(),
                    }));
                }
            }
            for name in have
                .inline_policies
                .keys()
                .filter(|n| !want.inline_policies.contains_key(*n))
            {
                ops.push(Op::Role(RoleOp::DeleteRolePolicy {
                    role: role.clone(),
                    name: name.clone(),
                }));
            }
        }
    }
    ops
}

pub fn delete(live: &Live) -> Change {
    let Resource::Role(have) = &live.resource else {
        unreachable!("role::delete is only called for roles");
    };
    let role = have.name.clone();
    let mut ops: Vec<Op> = have
        .policies
        .iter()
        .map(|arn| {
            Op::Role(RoleOp::DetachRolePolicy {
                role: role.clone(),
                policy_arn: arn.clone(),
            })
        })
        .collect();
    ops.extend(have.inline_policies.keys().map(|name| {
        Op::Role(RoleOp::DeleteRolePolicy {
            role: role.clone(),
            name: name.clone(),
        })
    }));
    ops.push(Op::Role(RoleOp::DeleteRole { role }));
    Change::new(live.resource.address(), Action::Delete, Vec::new(), ops)
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "set_tags",
        Kind::Role,
        &["iam:TagRole", "iam:UntagRole"],
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
];

impl Planned for Role {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        let named = self.policies.iter().chain(&self.permissions_boundary);
        if let Some(arn) = named
            .into_iter()
            .find(|a| cx.observed.missing_policies.contains(*a))
        {
            return Err(PlanError::PolicyMissing {
                role: self.name.clone(),
                arn: arn.clone(),
                account: cx.env.account.clone(),
            });
        }
        Ok(diff(self, live))
    }

    fn prune(&self, live: &Live, _cx: &Context<'_>) -> Option<Change> {
        Some(delete(live))
    }

    /// The provider its trust names, and the spec's policies attached to it or bounding it.
    fn references(&self, desired: &[Resource], env: &Env) -> Vec<Address> {
        let mut deps: Vec<Address> = desired
            .iter()
            .filter(|r| OidcProvider::of(r).is_some())
            .map(Resource::address)
            .collect();
        deps.extend(
            self.policies
                .iter()
                .filter_map(|arn| policy_named(desired, env, arn)),
        );
        deps.extend(
            self.permissions_boundary
                .as_deref()
                .and_then(|arn| policy_named(desired, env, arn)),
        );
        deps
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RoleOp {
    CreateRole {
        name: String,
        description: String,
        trust_policy: String,
        max_session_duration: i32,
        permissions_boundary: Option<String>,
        tags: Tags,
        /// Left out of the JSON when it is `/` (plans saved before paths read as `/`).
        #[serde(
            default = "crate::kinds::role::root_path",
            skip_serializing_if = "crate::kinds::role::is_root_path"
        )]
        path: String,
    },
    UpdateTrustPolicy {
        role: String,
        document: String,
    },
    UpdateRole {
        role: String,
        description: String,
        max_session_duration: i32,
    },
    PutPermissionsBoundary {
        role: String,
        policy_arn: String,
    },
    DeletePermissionsBoundary {
        role: String,
    },
    AttachRolePolicy {
        role: String,
        policy_arn: String,
    },
    DetachRolePolicy {
        role: String,
        policy_arn: String,
    },
    /// Creates or replaces an inline policy of the role.
    PutRolePolicy {
        role: String,
        name: String,
        document: String,
    },
    DeleteRolePolicy {
        role: String,
        name: String,
    },
    /// Deletes the role; the plan detaches and deletes its policies first.
    DeleteRole {
        role: String,
    },
}

impl crate::plan::op::Writes for Role {
    type Op = RoleOp;
}

impl crate::plan::op::Details for RoleOp {
    fn carries_tags(&self) -> bool {
        matches!(self, RoleOp::CreateRole { tags, .. } if !tags.is_empty())
    }
}
