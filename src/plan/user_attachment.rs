//! Planning a policy attachment to an existing IAM user.

use super::{Action, Change, Op};
use crate::model::Live;
use crate::model::{Resource, UserAttachment};

pub fn diff(want: &UserAttachment, live: Option<&Live>) -> Option<Change> {
    if live.is_some() {
        return None;
    }
    let resource = Resource::UserAttachment(want.clone());
    Some(Change::new(
        resource.address(),
        Action::Create,
        super::create_attributes(&resource),
        vec![Op::AttachUserPolicy {
            user: want.user.clone(),
            policy_arn: want.policy_arn.clone(),
        }],
    ))
}
