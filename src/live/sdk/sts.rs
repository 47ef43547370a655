//! STS through the SDK.

use super::{SdkAws, live_error};
use crate::live::{ErrorKind, Identity, LiveError, StsApi};

impl StsApi for SdkAws {
    async fn caller_identity(&self) -> Result<Identity, LiveError> {
        let out = self
            .sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| live_error("sts:GetCallerIdentity", e))?;
        match (out.account(), out.arn()) {
            (Some(account), Some(arn)) => {
                Ok(Identity::from_arn(account.to_string(), arn.to_string()))
            }
            _ => Err(LiveError::new(
                "sts:GetCallerIdentity",
                ErrorKind::Other,
                None,
                "the answer had no account or ARN",
            )),
        }
    }
}
