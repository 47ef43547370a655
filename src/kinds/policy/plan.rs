//! Planning a managed policy: a document change is a new default version; tags in place.

use crate::kinds::role::plan::RoleOp;
use crate::kinds::user_attachment::plan::UserAttachmentOp;
use crate::model::Tags;
use crate::plan::{Action, AttributeChange, Change, Op, tag_ops};

/// IAM allows five versions of a managed policy.
pub const MAX_POLICY_VERSIONS: usize = 5;
use crate::kinds::repository::plan::names_a_role;
use crate::kinds::signing::{
    RECORD_SECTION as SIGNING_RECORD, Signing, SigningRule, pushed_repositories,
};
use crate::model::Live;
use crate::model::Registered;
use crate::model::Repository;
use crate::model::{Address, Env, Kind, ManagedPolicy, Observed, Resource, TagTarget};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};

pub fn diff(want: &ManagedPolicy, live: Option<&Live>, env: &Env) -> Option<Change> {
    let address = Address::new(Kind::Policy, &want.name);
    let Some(live) = live else {
        let attributes = crate::plan::create_attributes(&Resource::Policy(want.clone()));
        let ops = vec![Op::Policy(PolicyOp::CreatePolicy {
            name: want.name.clone(),
            description: want.description.clone(),
            document: want.document.to_json_string(),
            tags: want.tags.clone(),
        })];
        return Some(Change::new(address, Action::Create, attributes, ops));
    };
    let Resource::Policy(have) = &live.resource else {
        return None;
    };
    let arn = if live.arn.is_empty() {
        env.iam_arn("policy", &want.name)
    } else {
        live.arn.clone()
    };
    let mut attributes = Vec::new();
    let mut ops = Vec::new();
    if want.document != have.document {
        attributes.push(AttributeChange::new(
            "document",
            Some(have.document.original().clone()),
            Some(want.document.original().clone()),
        ));
        // IAM keeps five versions: the oldest non-default ones make room, never the default.
        let mut count = live.dependents.versions.len();
        for oldest in live.dependents.versions.iter().filter(|v| !v.is_default) {
            if count < MAX_POLICY_VERSIONS {
                break;
            }
            ops.push(Op::Policy(PolicyOp::DeletePolicyVersion {
                arn: arn.clone(),
                version_id: oldest.id.clone(),
            }));
            count -= 1;
        }
        ops.push(Op::Policy(PolicyOp::CreatePolicyVersion {
            arn: arn.clone(),
            document: want.document.to_json_string(),
        }));
    }
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::Policy { arn },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))
}

/// Detached from every role, user and group and cleared of its other versions, then deleted:
/// IAM refuses to delete a policy that is attached or has non-default versions.
pub fn delete(live: &Live) -> Change {
    let arn = live.arn.clone();
    let d = &live.dependents;
    let mut ops: Vec<Op> = Vec::new();
    ops.extend(d.attached_roles.iter().map(|role| {
        Op::Role(RoleOp::DetachRolePolicy {
            role: role.clone(),
            policy_arn: arn.clone(),
        })
    }));
    ops.extend(d.attached_users.iter().map(|user| {
        Op::UserAttachment(UserAttachmentOp::DetachUserPolicy {
            user: user.clone(),
            policy_arn: arn.clone(),
        })
    }));
    ops.extend(d.attached_groups.iter().map(|group| {
        Op::Policy(PolicyOp::DetachGroupPolicy {
            group: group.clone(),
            policy_arn: arn.clone(),
        })
    }));
    ops.extend(d.versions.iter().filter(|v| !v.is_default).map(|v| {
        Op::Policy(PolicyOp::DeletePolicyVersion {
            arn: arn.clone(),
            version_id: v.id.clone(),
        })
    }));
    ops.push(Op::Policy(PolicyOp::DeletePolicy { arn }));
    Change::new(live.resource.address(), Action::Delete, Vec::new(), ops)
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "set_tags",
        Kind::Policy,
        &["iam:TagPolicy", "iam:UntagPolicy"],
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
];

impl Planned for ManagedPolicy {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        Ok(diff(self, live, cx.env))
    }

    fn prune(&self, live: &Live, _cx: &Context<'_>) -> Option<Change> {
        Some(delete(live))
    }

    /// The repositories its document names. Not one whose policy names a role: that role may
    /// need this policy, and IAM accepts ARNs of repositories that do not exist yet, so this
    /// edge is the one to drop to keep the order acyclic.
    fn references(&self, desired: &[Resource], env: &Env) -> Vec<Address> {
        let text = self.document.to_json_string();
        desired
            .iter()
            .filter(|r| {
                Repository::of(r).is_some_and(|repo| {
                    text.contains(&format!("{}\"", env.repository_arn(&repo.name)))
                        && names_a_role(repo, desired, env).is_empty()
                })
            })
            .map(Resource::address)
            .collect()
    }

    fn deleted_after() -> &'static [Kind] {
        &[Kind::Role, Kind::UserAttachment]
    }

    fn complete(
        &mut self,
        declared: &[Resource],
        observed: &Observed,
        env: &Env,
        stack: &str,
    ) -> Vec<String> {
        allow_signing(self, declared, observed, env, stack)
    }
}

/// The statement a push policy gains when signing rules cover its repositories.
const SIGNING_SID: &str = "EcrSigning";

/// `signer:SignPayload` on the profiles of the signing rules (the spec's own of this region, and
/// every rule the registry has) that cover a repository the policy pushes to: ECR signs as the
/// pusher. Reasons are returned for rules the spec does not declare.
fn allow_signing(
    policy: &mut ManagedPolicy,
    declared: &[Resource],
    observed: &Observed,
    env: &Env,
    stack: &str,
) -> Vec<String> {
    // Signing rules are the region's: only the repositories of this region are signed by them.
    let here = env.repository_arn("");
    let pushed: Vec<String> = pushed_repositories(&policy.document)
        .filter_map(|arn| arn.strip_prefix(&here).map(str::to_string))
        .collect();
    if pushed.is_empty() {
        return Vec::new();
    }
    let own: Vec<&SigningRule> = declared
        .iter()
        .filter_map(Signing::of)
        .flat_map(|s| &s.rules)
        .collect();
    // The live rules, but not those of this stack that its plan removes.
    let records = &observed.registry.records;
    let owned_by = |rule: &SigningRule, mine: bool| {
        records.values().any(|r| {
            (r.stack == stack) == mine && r.section(SIGNING_RECORD).contains_key(&rule.key())
        })
    };
    let read = observed
        .registry
        .fact::<Vec<SigningRule>>(crate::model::Kind::Signing);
    let live: Vec<&SigningRule> = read
        .iter()
        .flatten()
        .filter(|rule| own.contains(rule) || !owned_by(rule, true) || owned_by(rule, false))
        .collect();
    let mut profiles = std::collections::BTreeSet::new();
    let mut reasons = Vec::new();
    for rule in own.iter().copied().chain(live.iter().copied()) {
        let covered: Vec<&str> = pushed
            .iter()
            .filter(|name| rule.covers(name))
            .map(String::as_str)
            .collect();
        if covered.is_empty() {
            continue;
        }
        profiles.insert(rule.profile_arn.clone());
        if !own.contains(&rule) {
            reasons.push(format!(
                "signer:SignPayload on {}: the registry's signing rule with filters [{}], not this \
                 stack's, signs images pushed to {}",
                rule.profile_arn,
                rule.filters.join(", "),
                covered.join(", ")
            ));
        }
    }
    if profiles.is_empty() {
        return Vec::new();
    }
    let mut document = policy.document.original().clone();
    if let Some(statements) = document["Statement"].as_array_mut() {
        statements.retain(|s| s["Sid"] != SIGNING_SID);
        statements.push(serde_json::json!({
            "Sid": SIGNING_SID,
            "Effect": "Allow",
            "Action": "signer:SignPayload",
            "Resource": profiles.into_iter().collect::<Vec<_>>(),
        }));
    }
    if let Ok(signed) = crate::model::PolicyDocument::from_json(document) {
        policy.document = signed;
    }
    reasons.sort();
    reasons.dedup();
    reasons
}

/// The spec's policy whose ARN is `arn`, if any.
pub(crate) fn policy_named(desired: &[Resource], env: &Env, arn: &str) -> Option<Address> {
    desired
        .iter()
        .find(|r| ManagedPolicy::of(r).is_some_and(|p| env.iam_arn("policy", &p.name) == arn))
        .map(Resource::address)
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PolicyOp {
    CreatePolicy {
        name: String,
        description: String,
        document: String,
        tags: Tags,
    },
    /// Creates a version and makes it the default; when IAM's limit of five versions is reached,
    /// the oldest non-default version is deleted first. The default is never deleted.
    CreatePolicyVersion {
        arn: String,
        document: String,
    },
    /// Detaches the policy from every role, user and group, deletes its non-default versions,
    /// then deletes it.
    DeletePolicy {
        arn: String,
    },
    /// Makes room for a new version, or clears a policy before it is deleted; never the default.
    DeletePolicyVersion {
        arn: String,
        version_id: String,
    },
    DetachGroupPolicy {
        group: String,
        policy_arn: String,
    },
}

impl crate::plan::op::Writes for ManagedPolicy {
    type Op = PolicyOp;
}

impl crate::plan::op::Details for PolicyOp {
    fn carries_tags(&self) -> bool {
        matches!(self, PolicyOp::CreatePolicy { tags, .. } if !tags.is_empty())
    }
}
