//! The pull-through cache rules of the registry (one per prefix).

use crate::live::{Ensured, LiveError};
use crate::model::PullThroughCacheRule;

/// The registry's pull-through cache rules.
pub(crate) trait PullThroughCacheApi {
    /// `ecr:DescribePullThroughCacheRules`, every page (tags left empty: rules have none).
    fn list_pull_through_cache_rules(
        &self,
    ) -> impl Future<Output = Result<Vec<PullThroughCacheRule>, LiveError>>;
    /// `ecr:CreatePullThroughCacheRule`: `NotNeeded` when a rule of that prefix exists.
    fn create_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ecr:UpdatePullThroughCacheRule`: the credential and role (all a rule can change).
    fn update_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:DeletePullThroughCacheRule`: `NotNeeded` when there is none; cached repositories stay.
    fn delete_pull_through_cache_rule(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
}
