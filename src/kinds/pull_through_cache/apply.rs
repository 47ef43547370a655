//! Carries out this kind's ops, each an ensure.

use super::plan::PullThroughCacheOp;
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured};

impl Execute for PullThroughCacheOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            PullThroughCacheOp::CreatePullThroughCacheRule { rule } => {
                Ok(client.create_pull_through_cache_rule(rule).await?)
            }
            PullThroughCacheOp::UpdatePullThroughCacheRule { rule } => {
                done(client.update_pull_through_cache_rule(rule).await)
            }
            PullThroughCacheOp::DeletePullThroughCacheRule { prefix } => {
                Ok(client.delete_pull_through_cache_rule(prefix).await?)
            }
        }
    }
}
