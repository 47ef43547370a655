//! The fake's registry's account settings, with AWS's answers.

use super::live::AccountSettingApi;
use std::collections::BTreeMap;

use crate::live::LiveError;
use crate::live::fake::{FakeAws, FakeRegistry};

impl AccountSettingApi for FakeAws {
    async fn get_account_setting(&self, name: &str) -> Result<Option<String>, LiveError> {
        let mut state = self.enter("ecr:GetAccountSetting", name).await?;
        Ok(Some(
            settings(&mut state.registry)
                .get(name)
                .cloned()
                .unwrap_or_else(|| match name {
                    "REGISTRY_POLICY_SCOPE" => "V2".to_string(),
                    "BLOB_MOUNTING" => "DISABLED".to_string(),
                    _ => "AWS_NATIVE".to_string(),
                }),
        ))
    }

    async fn put_account_setting(&self, name: &str, value: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutAccountSetting", name).await?;
        settings(&mut state.registry).insert(name.to_string(), value.to_string());
        Ok(())
    }
}

/// The fake registry's account settings set by hand (`REGISTRY_POLICY_SCOPE` …), by AWS name;
/// AWS's default when absent.
pub(crate) fn settings(registry: &mut FakeRegistry) -> &mut BTreeMap<String, String> {
    registry.kinds.get("account_settings")
}
