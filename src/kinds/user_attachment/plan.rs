//! Planning a policy attachment to an existing IAM user.

use crate::kinds::policy::plan::policy_named;
use crate::model::Kind;
use crate::model::Live;
use crate::model::{Address, Env};
use crate::model::{Resource, UserAttachment};
use crate::plan::PlanError;
use crate::plan::calls::{OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, Change, Op};

pub fn diff(want: &UserAttachment, live: Option<&Live>) -> Option<Change> {
    if live.is_some() {
        return None;
    }
    let resource = Resource::UserAttachment(want.clone());
    Some(Change::new(
        resource.address(),
        Action::Create,
        crate::plan::create_attributes(&resource),
        vec![Op::UserAttachment(UserAttachmentOp::AttachUserPolicy {
            user: want.user.clone(),
            policy_arn: want.policy_arn.clone(),
        })],
    ))
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
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
];

impl Planned for UserAttachment {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        if cx.observed.missing_users.contains(&self.user) {
            return Err(PlanError::UserMissing {
                user: self.user.clone(),
                account: cx.env.account.clone(),
            });
        }
        Ok(diff(self, live))
    }

    /// Attachments carry no tags, so they are never found as this stack's: not reached.
    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        None
    }

    fn references(&self, desired: &[Resource], env: &Env) -> Vec<Address> {
        policy_named(desired, env, &self.policy_arn)
            .into_iter()
            .collect()
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum UserAttachmentOp {
    AttachUserPolicy { user: String, policy_arn: String },
    DetachUserPolicy { user: String, policy_arn: String },
}

impl crate::plan::op::Writes for UserAttachment {
    type Op = UserAttachmentOp;
}

impl crate::plan::op::Details for UserAttachmentOp {}
