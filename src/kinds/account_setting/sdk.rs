//! The registry's account settings through the SDK.

use super::live::AccountSettingApi;
use crate::live::LiveError;
use crate::live::sdk::{SdkAws, live_error};

impl AccountSettingApi for SdkAws {
    async fn get_account_setting(&self, name: &str) -> Result<Option<String>, LiveError> {
        let out = self
            .ecr
            .get_account_setting()
            .name(name)
            .send()
            .await
            .map_err(|e| live_error("ecr:GetAccountSetting", e))?;
        Ok(out.value().map(str::to_string))
    }

    async fn put_account_setting(&self, name: &str, value: &str) -> Result<(), LiveError> {
        self.ecr
            .put_account_setting()
            .name(name)
            .value(value)
            .send()
            .await
            .map_err(|e| live_error("ecr:PutAccountSetting", e))?;
        Ok(())
    }
}
