//! Who we are: the account and partition every ARN is built from.

use super::LiveError;
pub use crate::model::Identity;

pub trait StsApi {
    fn caller_identity(&self) -> impl Future<Output = Result<Identity, LiveError>>;
}
