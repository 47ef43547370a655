//! The executor's vocabulary: every write this tool can make, with every value it needs.

use serde::{Deserialize, Serialize};

use crate::kinds::registry::OwnedPart;
use crate::kinds::signing::SigningRule;
use crate::model::{CreationTemplate, PullThroughCacheRule};
use crate::model::{Encryption, TagMutability, TagTarget, Tags};

/// Why a repository is deleted; decides which opt-in flag a non-empty repository needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteReason {
    /// Replacement (a change that cannot be made in place): needs `force_delete` and `--allow-replace`.
    Replace,
    /// Pruning a repository that left the spec: needs `--allow-destroy`.
    Destroy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateRepository {
        name: String,
        image_tag_mutability: TagMutability,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
        scan_on_push: bool,
        encryption: Encryption,
        tags: Tags,
    },
    DeleteRepository {
        name: String,
        force_delete: bool,
        reason: DeleteReason,
    },
    /// The mutability with its exclusion filters (one call sets both).
    PutImageTagMutability {
        name: String,
        value: TagMutability,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
    },
    PutScanOnPush {
        name: String,
        value: bool,
    },
    PutLifecyclePolicy {
        name: String,
        text: String,
    },
    DeleteLifecyclePolicy {
        name: String,
    },
    SetRepositoryPolicy {
        name: String,
        text: String,
    },
    DeleteRepositoryPolicy {
        name: String,
    },
    /// Tags any managed resource: `set` written (added or changed), `unset` removed.
    SetTags {
        target: TagTarget,
        set: Tags,
        unset: Vec<String>,
    },
    CreateOidcProvider {
        url: String,
        client_ids: Vec<String>,
        thumbprints: Vec<String>,
        tags: Tags,
    },
    AddClientId {
        arn: String,
        client_id: String,
    },
    RemoveClientId {
        arn: String,
        client_id: String,
    },
    UpdateThumbprints {
        arn: String,
        thumbprints: Vec<String>,
    },
    /// Deletes the provider (roles trusting it are deleted or changed first).
    DeleteOidcProvider {
        arn: String,
    },
    CreatePolicy {
        name: String,
        description: String,
        document: String,
        tags: Tags,
    },
    /// Creates a version and makes it the default; when IAM's limit of five versions is reached,
    /// the oldest non-default version is deleted first. The default is never deleted.
    CreatePolicyVersion {
        arn: String,
        document: String,
    },
    /// Detaches the policy from every role, user and group, deletes its non-default versions,
    /// then deletes it.
    DeletePolicy {
        arn: String,
    },
    CreateRole {
        name: String,
        description: String,
        trust_policy: String,
        max_session_duration: i32,
        permissions_boundary: Option<String>,
        tags: Tags,
        /// Left out of the JSON when it is `/` (plans saved before paths read as `/`).
        #[serde(
            default = "crate::kinds::role::root_path",
            skip_serializing_if = "crate::kinds::role::is_root_path"
        )]
        path: String,
    },
    UpdateTrustPolicy {
        role: String,
        document: String,
    },
    UpdateRole {
        role: String,
        description: String,
        max_session_duration: i32,
    },
    PutPermissionsBoundary {
        role: String,
        policy_arn: String,
    },
    DeletePermissionsBoundary {
        role: String,
    },
    AttachRolePolicy {
        role: String,
        policy_arn: String,
    },
    DetachRolePolicy {
        role: String,
        policy_arn: String,
    },
    /// Creates or replaces an inline policy of the role.
    PutRolePolicy {
        role: String,
        name: String,
        document: String,
    },
    DeleteRolePolicy {
        role: String,
        name: String,
    },
    /// Deletes the role; the plan detaches and deletes its policies first.
    DeleteRole {
        role: String,
    },
    /// Makes room for a new version, or clears a policy before it is deleted; never the default.
    DeletePolicyVersion {
        arn: String,
        version_id: String,
    },
    DetachGroupPolicy {
        group: String,
        policy_arn: String,
    },
    AttachUserPolicy {
        user: String,
        policy_arn: String,
    },
    DetachUserPolicy {
        user: String,
        policy_arn: String,
    },
    /// Reads the registry's scanning configuration, puts the stack's part in it (keeping every
    /// other rule and filter) and writes it back when that changes it.
    PutRegistryScanning {
        part: OwnedPart,
    },
    /// The same for the replication configuration.
    PutReplication {
        part: OwnedPart,
    },
    /// The same for the registry policy; deletes the policy when no statement is left.
    PutRegistryPolicy {
        part: OwnedPart,
    },
    /// Creates or overwrites the stack's ownership record (an SSM String parameter).
    PutRegistryRecord {
        name: String,
        value: String,
        tags: Tags,
    },
    DeleteRegistryRecord {
        name: String,
    },
    CreatePullThroughCacheRule {
        rule: PullThroughCacheRule,
    },
    /// Sets the rule's credential and role.
    UpdatePullThroughCacheRule {
        rule: PullThroughCacheRule,
    },
    DeletePullThroughCacheRule {
        prefix: String,
    },
    /// The stack's signing rules merged into the registry's configuration, and the keys of rules
    /// it gives up removed from it.
    PutSigningRules {
        rules: Vec<SigningRule>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        release: Vec<String>,
    },
    RegisterPullTimeUpdateExclusion {
        principal_arn: String,
    },
    DeregisterPullTimeUpdateExclusion {
        principal_arn: String,
    },
    /// `PutAccountSetting` (the setting's AWS name and its new value).
    PutAccountSetting {
        name: String,
        value: String,
    },
    CreateCreationTemplate {
        template: CreationTemplate,
    },
    /// Writes every setting of the template.
    UpdateCreationTemplate {
        template: CreationTemplate,
    },
    DeleteCreationTemplate {
        prefix: String,
    },
}
