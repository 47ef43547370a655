//! Who we are: the account and partition every ARN is built from.

use super::LiveError;
pub(crate) use crate::model::Identity;

pub(crate) trait StsApi {
    fn caller_identity(&self) -> impl Future<Output = Result<Identity, LiveError>>;
}
