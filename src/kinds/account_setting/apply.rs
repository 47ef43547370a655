//! Carries out this kind's ops, each an ensure.

use super::plan::AccountSettingOp;
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured};

impl Execute for AccountSettingOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            AccountSettingOp::PutAccountSetting { name, value } => {
                done(client.put_account_setting(name, value).await)
            }
        }
    }
}
