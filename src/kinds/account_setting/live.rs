//! The AWS calls of the registry's account settings: one call per method, decisions left to the planner.

use crate::live::LiveError;

pub(crate) trait AccountSettingApi {
    /// `ecr:GetAccountSetting`: the value of an account setting of the registry
    /// (`REGISTRY_POLICY_SCOPE`, `BASIC_SCAN_TYPE_VERSION`, `BLOB_MOUNTING`).
    fn get_account_setting(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// `ecr:PutAccountSetting`: sets an account setting's value.
    fn put_account_setting(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
}
