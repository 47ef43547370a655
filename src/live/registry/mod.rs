//! The registry-wide ECR settings (one per account and region) and the SSM parameters that
//! record which stack owns which part of them; the pull-through cache rules and creation templates
//! in their own files.

use super::{Ensured, LiveError};
use crate::kinds::registry::{ReplicationRule, Scanning};
use crate::model::Tags;

pub trait RegistryApi {
    /// `ecr:GetRegistryScanningConfiguration`: AWS's default (BASIC, no rules) when never set.
    fn get_registry_scanning(&self) -> impl Future<Output = Result<Scanning, LiveError>>;
    /// `ecr:PutRegistryScanningConfiguration`: replaces the whole configuration.
    fn put_registry_scanning(
        &self,
        scanning: &Scanning,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:DescribeRegistry`: the replication rules (none when never set).
    fn get_replication(&self) -> impl Future<Output = Result<Vec<ReplicationRule>, LiveError>>;
    /// `ecr:PutReplicationConfiguration`: replaces every rule.
    fn put_replication(
        &self,
        rules: &[ReplicationRule],
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:GetRegistryPolicy`: the policy text, `None` when the registry has none.
    fn get_registry_policy(&self) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// `ecr:PutRegistryPolicy`.
    fn put_registry_policy(&self, text: &str) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:DeleteRegistryPolicy`: `NotNeeded` when there is none.
    fn delete_registry_policy(&self) -> impl Future<Output = Result<Ensured, LiveError>>;
}

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
