//! The fake's registry's pull-time update exclusions, with AWS's answers.

use std::collections::BTreeSet;

use super::live::PullTimeExclusionApi;
use crate::live::fake::{FakeAws, FakeRegistry};
use crate::live::{Ensured, ErrorKind, LiveError};

impl PullTimeExclusionApi for FakeAws {
    async fn list_pull_time_exclusions(&self) -> Result<Vec<String>, LiveError> {
        let mut state = self.enter("ecr:ListPullTimeUpdateExclusions", "").await?;
        Ok(exclusions(&mut state.registry).iter().cloned().collect())
    }

    async fn register_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:RegisterPullTimeUpdateExclusion";
        let mut state = self.enter(OP, principal_arn).await?;
        let exclusions = exclusions(&mut state.registry);
        if exclusions.contains(principal_arn) {
            return Ok(Ensured::NotNeeded);
        }
        if exclusions.len() >= crate::kinds::pull_time_exclusion::MAX_EXCLUSIONS {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "LimitExceededException",
                "at most 100 pull-time update exclusions".into(),
            ));
        }
        exclusions.insert(principal_arn.to_string());
        Ok(Ensured::Done)
    }

    async fn deregister_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:DeregisterPullTimeUpdateExclusion", principal_arn)
            .await?;
        Ok(if exclusions(&mut state.registry).remove(principal_arn) {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }
}

/// The fake registry's pull-time update exclusions: principal ARNs.
pub(crate) fn exclusions(registry: &mut FakeRegistry) -> &mut BTreeSet<String> {
    registry.kinds.get("pull_time_update_exclusions")
}
