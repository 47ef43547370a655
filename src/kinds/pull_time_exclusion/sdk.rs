//! The registry's pull-time update exclusions through the SDK.

use super::live::PullTimeExclusionApi;
use crate::live::sdk::{SdkAws, ensured_unless, live_error};
use crate::live::{Ensured, ErrorKind, LiveError};

impl PullTimeExclusionApi for SdkAws {
    async fn list_pull_time_exclusions(&self) -> Result<Vec<String>, LiveError> {
        const OP: &str = "ecr:ListPullTimeUpdateExclusions";
        // No paginator in the SDK: follow nextToken by hand.
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .ecr
                .list_pull_time_update_exclusions()
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| live_error(OP, e))?;
            out.extend(page.pull_time_update_exclusions().iter().cloned());
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn register_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:RegisterPullTimeUpdateExclusion";
        ensured_unless(
            ErrorKind::AlreadyExists,
            self.ecr
                .register_pull_time_update_exclusion()
                .principal_arn(principal_arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }

    async fn deregister_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeregisterPullTimeUpdateExclusion";
        ensured_unless(
            ErrorKind::NotFound,
            self.ecr
                .deregister_pull_time_update_exclusion()
                .principal_arn(principal_arn)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
