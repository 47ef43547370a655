//! The AWS calls of the registry's pull-time update exclusions: one call per method, decisions left to the planner.

use crate::live::{Ensured, LiveError};

pub(crate) trait PullTimeExclusionApi {
    /// `ecr:ListPullTimeUpdateExclusions`, every page: the principal ARNs.
    fn list_pull_time_exclusions(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// `ecr:RegisterPullTimeUpdateExclusion`: `NotNeeded` when it is registered already.
    fn register_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ecr:DeregisterPullTimeUpdateExclusion`: `NotNeeded` when it is not registered.
    fn deregister_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
}
