//! The IAM operations this tool uses: the GitHub OIDC provider, roles, managed policies and their
//! attachments. Documents cross this boundary as the raw text AWS returned (possibly URL-encoded);
//! the model decodes and normalizes them.

use super::{Ensured, LiveError};
use crate::model::{TagTarget, Tags};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderInfo {
    pub arn: String,
    /// As AWS reports it: the host and path, without `https://`.
    pub url: String,
    pub client_ids: Vec<String>,
    pub thumbprints: Vec<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    pub name: String,
    pub arn: String,
    pub description: Option<String>,
    /// The trust policy text as returned (URL-encoded on AWS).
    pub trust_policy: String,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<String>,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    pub name: String,
    pub arn: String,
    pub default_version_id: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionInfo {
    pub version_id: String,
    pub is_default: bool,
    /// Seconds since the epoch; orders versions oldest first.
    pub created: i64,
}

/// Who a managed policy is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    pub roles: Vec<String>,
    pub users: Vec<String>,
    pub groups: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NewOidcProvider<'a> {
    /// With `https://`.
    pub url: &'a str,
    pub client_ids: &'a [String],
    pub thumbprints: &'a [String],
    pub tags: &'a Tags,
}

#[derive(Debug, Clone)]
pub struct NewRole<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub trust_policy: &'a str,
    pub max_session_duration: i32,
    pub permissions_boundary: Option<&'a str>,
    pub tags: &'a Tags,
}

#[derive(Debug, Clone)]
pub struct NewPolicy<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub document: &'a str,
    pub tags: &'a Tags,
}

pub trait IamApi {
    // OIDC providers
    /// ARNs of every OIDC provider of the account.
    fn list_oidc_providers(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    fn get_oidc_provider(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Option<OidcProviderInfo>, LiveError>>;
    fn create_oidc_provider(
        &self,
        new: &NewOidcProvider<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn add_client_id(
        &self,
        arn: &str,
        client_id: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn remove_client_id(
        &self,
        arn: &str,
        client_id: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn update_thumbprints(
        &self,
        arn: &str,
        thumbprints: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_oidc_provider(&self, arn: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    /// Adds or overwrites tags on a role, managed policy or OIDC provider.
    fn tag_iam(
        &self,
        target: &TagTarget,
        tags: &Tags,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn untag_iam(
        &self,
        target: &TagTarget,
        keys: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;

    // Roles
    /// Names of every role of the account (all pages).
    fn list_roles(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    fn get_role(&self, name: &str) -> impl Future<Output = Result<Option<RoleInfo>, LiveError>>;
    /// ARNs of the managed policies attached to the role (all pages).
    fn list_attached_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// Names of the role's inline policies (all pages).
    fn list_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// An inline policy's document as returned (URL-encoded on AWS); `None` when it is gone.
    fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// Creates or replaces an inline policy.
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn create_role(&self, new: &NewRole<'_>) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn update_trust_policy(
        &self,
        role: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn update_role(
        &self,
        role: &str,
        description: &str,
        max_session_duration: i32,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn put_permissions_boundary(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_permissions_boundary(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn attach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn detach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Deletes the role; the caller detaches its policies and deletes its inline ones first.
    fn delete_role(&self, role: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    // Managed policies (customer managed, `Scope=Local`)
    fn list_policies(&self) -> impl Future<Output = Result<Vec<PolicyInfo>, LiveError>>;
    fn list_policy_tags(&self, arn: &str) -> impl Future<Output = Result<Tags, LiveError>>;
    /// Whether a policy of this ARN exists (customer or AWS managed): `GetPolicy`.
    fn policy_exists(&self, arn: &str) -> impl Future<Output = Result<bool, LiveError>>;
    /// The document text of one version, as returned (possibly URL-encoded).
    fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    fn list_policy_versions(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Vec<PolicyVersionInfo>, LiveError>>;
    fn create_policy(
        &self,
        new: &NewPolicy<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Creates a version and makes it the default.
    fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn list_entities_for_policy(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<PolicyEntities, LiveError>>;
    /// Deletes the policy; the caller detaches it and deletes its non-default versions first.
    fn delete_policy(&self, arn: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    // Users (only attachments: users themselves are not managed)
    /// ARNs of the managed policies attached to the user; `None` when the user does not exist.
    fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, LiveError>>;
    fn attach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn detach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn detach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
}
