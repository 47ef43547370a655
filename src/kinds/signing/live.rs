//! The AWS calls of the registry's managed signing configuration: one call per method, decisions left to the planner.

use super::SigningRule;
use crate::live::{Ensured, LiveError};

pub(crate) trait SigningApi {
    /// `ecr:GetSigningConfiguration`: every rule, none when there is no configuration.
    fn get_signing_configuration(
        &self,
    ) -> impl Future<Output = Result<Vec<SigningRule>, LiveError>>;
    /// `ecr:PutSigningConfiguration`: replaces every rule.
    fn put_signing_configuration(
        &self,
        rules: &[SigningRule],
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:DeleteSigningConfiguration`: `NotNeeded` when there is none.
    fn delete_signing_configuration(&self) -> impl Future<Output = Result<Ensured, LiveError>>;
}
