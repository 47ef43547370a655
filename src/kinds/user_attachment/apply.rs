//! Carries out this kind's ops, each an ensure.

use super::plan::UserAttachmentOp;
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured, ErrorKind};

impl Execute for UserAttachmentOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            UserAttachmentOp::AttachUserPolicy { user, policy_arn } => done(
                cx.retrying(&[ErrorKind::NotFound], || {
                    client.attach_user_policy(user, policy_arn)
                })
                .await,
            ),
            UserAttachmentOp::DetachUserPolicy { user, policy_arn } => {
                Ok(client.detach_user_policy(user, policy_arn).await?)
            }
        }
    }
}
