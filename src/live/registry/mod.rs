//! The registry-wide ECR settings (one per account and region) and the SSM parameters that
//! record which stack owns which part of them; the pull-through cache rules and creation templates
//! in their own files.

pub(crate) use crate::kinds::creation_template::live::CreationTemplateApi;
pub(crate) use crate::kinds::pull_through_cache::live::PullThroughCacheApi;

use super::{Ensured, LiveError};
use crate::kinds::registry::{ReplicationRule, Scanning};
use crate::kinds::signing::SigningRule;
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
    /// `ecr:GetAccountSetting`: the value of an account setting of the registry
    /// (`REGISTRY_POLICY_SCOPE`, `BASIC_SCAN_TYPE_VERSION`, `BLOB_MOUNTING`).
    fn get_account_setting(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
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
    /// `ecr:ListPullTimeUpdateExclusions`, every page: the principal ARNs.
    fn list_pull_time_exclusions(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// `ecr:RegisterPullTimeUpdateExclusion`: `NotNeeded` when it is registered already.
    fn register_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ecr:DeregisterPullTimeUpdateExclusion`: `NotNeeded` when it is not registered.
    fn deregister_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ecr:PutAccountSetting`: sets an account setting's value.
    fn put_account_setting(
        &self,
        name: &str,
        value: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
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
