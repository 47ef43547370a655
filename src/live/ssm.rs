//! The SSM parameters this tool keeps: each stack's ownership record of the registry-wide parts
//! and the apply lock. Not-found is an answer, as everywhere in `live`.

use super::{Ensured, LiveError};
use crate::model::Tags;

pub trait SsmApi {
    /// `ssm:GetParametersByPath` (not recursive, every page): names and values under `path`.
    fn parameters_under(
        &self,
        path: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, LiveError>>;
    /// `ssm:GetParameter`: the value, `None` when there is no parameter of that name.
    fn get_parameter(&self, name: &str) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// `ssm:PutParameter` of a new String parameter with tags; `NotNeeded` when it exists.
    fn create_parameter(
        &self,
        name: &str,
        value: &str,
        tags: &Tags,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ssm:PutParameter` with overwrite (AWS refuses tags on an overwrite).
    fn overwrite_parameter(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ssm:DeleteParameter`: `NotNeeded` when it does not exist.
    fn delete_parameter(&self, name: &str) -> impl Future<Output = Result<Ensured, LiveError>>;
}
