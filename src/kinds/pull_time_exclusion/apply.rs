//! Carries out this kind's ops, each an ensure.

use super::plan::PullTimeExclusionOp;
use crate::apply::step::{Ctx, Execute, StepError};
use crate::live::{Aws, Ensured};

impl Execute for PullTimeExclusionOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            PullTimeExclusionOp::RegisterPullTimeUpdateExclusion { principal_arn } => {
                Ok(client.register_pull_time_exclusion(principal_arn).await?)
            }
            PullTimeExclusionOp::DeregisterPullTimeUpdateExclusion { principal_arn } => {
                Ok(client.deregister_pull_time_exclusion(principal_arn).await?)
            }
        }
    }
}
