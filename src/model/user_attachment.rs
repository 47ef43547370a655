//! A managed policy attached to an existing IAM user (the recipe's assume-role grant). The user
//! itself is not managed here; users carry no stack tag, so attachments are found from the spec.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UserAttachment {
    pub(crate) user: String,
    pub(crate) policy_arn: String,
}

impl UserAttachment {
    /// `deployer:arn:…:policy/name` would be unreadable; the address uses the policy's name.
    pub(crate) fn address_name(&self) -> String {
        let policy = self
            .policy_arn
            .rsplit('/')
            .next()
            .unwrap_or(&self.policy_arn);
        format!("{}:{policy}", self.user)
    }

    pub(crate) fn attributes(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("user", json!(self.user)),
            ("policy_arn", json!(self.policy_arn)),
        ]
    }
}
