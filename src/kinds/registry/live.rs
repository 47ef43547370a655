//! The calls of the registry-wide settings: scanning, replication and the registry policy, one
//! call per method, each replacing the whole setting (the executor merges the stack's part first).

use super::{ReplicationRule, Scanning};
use crate::live::{Ensured, LiveError};

pub(crate) trait RegistryApi {
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
