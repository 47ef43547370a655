//! Who the caller is: the account and partition every ARN is built from.

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Identity {
    pub(crate) account: String,
    pub(crate) partition: String,
    pub(crate) arn: String,
}

impl Identity {
    /// The partition is the second field of the caller's ARN (`arn:aws-cn:…`).
    pub(crate) fn from_arn(account: String, arn: String) -> Self {
        let partition = arn.split(':').nth(1).unwrap_or("aws").to_string();
        Identity {
            account,
            partition,
            arn,
        }
    }
}
