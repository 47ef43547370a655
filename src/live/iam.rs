//! The IAM operations this tool uses: the GitHub OIDC provider, roles, managed policies and their
//! attachments. Documents cross this boundary as the raw text AWS returned (possibly URL-encoded);
//! the model decodes and normalizes them.

use super::{Ensured, LiveError};
use crate::model::{TagTarget, Tags};

/// What GetOpenIDConnectProvider says about one provider.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcProviderInfo {
    /// The provider's ARN, as asked for.
    pub arn: String,
    /// As AWS reports it: the host and path, without `https://`.
    pub url: String,
    /// The audiences (client IDs) the provider accepts.
    pub client_ids: Vec<String>,
    /// Certificate thumbprints (40 hex digits each); possibly empty.
    pub thumbprints: Vec<String>,
    /// The provider's tags.
    pub tags: Tags,
}

/// What GetRole says about one role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleInfo {
    /// The role name.
    pub name: String,
    /// The role ARN, with its path.
    pub arn: String,
    /// The description; `None` when the role has none.
    pub description: Option<String>,
    /// The trust policy text as returned (URL-encoded on AWS).
    pub trust_policy: String,
    /// Maximum session duration in seconds (3600 when AWS leaves it out).
    pub max_session_duration: i32,
    /// ARN of the permissions boundary policy; `None` when the role has no boundary.
    pub permissions_boundary: Option<String>,
    /// The role's tags.
    pub tags: Tags,
}

/// One customer managed policy as ListPolicies reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyInfo {
    /// The policy name.
    pub name: String,
    /// The policy ARN, with its path.
    pub arn: String,
    /// The version in force, `v1`, `v2`, ….
    pub default_version_id: String,
    /// The description set at creation (IAM cannot change it later); `None` when there is none.
    pub description: Option<String>,
}

/// One version of a managed policy as ListPolicyVersions reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyVersionInfo {
    /// `v1`, `v2`, …
    pub version_id: String,
    /// Whether this is the version in force.
    pub is_default: bool,
    /// Seconds since the epoch; orders versions oldest first.
    pub created: i64,
}

/// Who a managed policy is attached to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PolicyEntities {
    /// Names of the roles it is attached to (not those using it as a permissions boundary).
    pub roles: Vec<String>,
    /// Names of the users it is attached to.
    pub users: Vec<String>,
    /// Names of the groups it is attached to.
    pub groups: Vec<String>,
}

/// Everything CreateOpenIDConnectProvider sets at once.
#[derive(Debug, Clone)]
pub struct NewOidcProvider<'a> {
    /// With `https://`.
    pub url: &'a str,
    /// The audiences (client IDs) to accept.
    pub client_ids: &'a [String],
    /// Certificate thumbprints (40 hex digits each); may be empty.
    pub thumbprints: &'a [String],
    /// Tags the provider is created with.
    pub tags: &'a Tags,
}

/// Everything CreateRole sets at once.
#[derive(Debug, Clone)]
pub struct NewRole<'a> {
    /// The role name.
    pub name: &'a str,
    /// The role description.
    pub description: &'a str,
    /// The trust policy as JSON text.
    pub trust_policy: &'a str,
    /// Maximum session duration in seconds (IAM accepts 3600 to 43200).
    pub max_session_duration: i32,
    /// ARN of a managed policy to use as permissions boundary; `None` for no boundary.
    pub permissions_boundary: Option<&'a str>,
    /// Tags the role is created with.
    pub tags: &'a Tags,
    /// IAM path, `/` by default.
    pub path: &'a str,
}

/// Everything CreatePolicy sets at once; the document becomes version `v1`.
#[derive(Debug, Clone)]
pub struct NewPolicy<'a> {
    /// The policy name.
    pub name: &'a str,
    /// The description, which IAM fixes at creation.
    pub description: &'a str,
    /// The policy document as JSON text.
    pub document: &'a str,
    /// Tags the policy is created with.
    pub tags: &'a Tags,
}

/// The IAM calls this tool makes, each one AWS API action (or one paginated listing); IAM is
/// global, so the region does not matter. A missing resource is `None`, `false` or
/// [`Ensured::NotNeeded`] where the method says so, and a [`LiveError`] everywhere else.
pub trait IamApi {
    // OIDC providers
    /// ARNs of every OIDC provider of the account (`iam:ListOpenIDConnectProviders`).
    fn list_oidc_providers(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// One provider's settings and tags (`iam:GetOpenIDConnectProvider`); `None` when no
    /// provider has this ARN.
    fn get_oidc_provider(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Option<OidcProviderInfo>, LiveError>>;
    /// Creates the provider with its audiences, thumbprints and tags
    /// (`iam:CreateOpenIDConnectProvider`); `NotNeeded` when one for this URL already exists.
    fn create_oidc_provider(
        &self,
        new: &NewOidcProvider<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Adds an audience to the provider (`iam:AddClientIDToOpenIDConnectProvider`); a missing
    /// provider is an error.
    fn add_client_id(
        &self,
        arn: &str,
        client_id: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes an audience from the provider (`iam:RemoveClientIDFromOpenIDConnectProvider`); a
    /// missing provider is an error.
    fn remove_client_id(
        &self,
        arn: &str,
        client_id: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Replaces the provider's whole thumbprint list (`iam:UpdateOpenIDConnectProviderThumbprint`);
    /// a missing provider is an error.
    fn update_thumbprints(
        &self,
        arn: &str,
        thumbprints: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Deletes the provider (`iam:DeleteOpenIDConnectProvider`); `NotNeeded` when it does not
    /// exist.
    fn delete_oidc_provider(&self, arn: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    /// Adds or overwrites tags on a role, managed policy or OIDC provider (`iam:TagRole`,
    /// `iam:TagPolicy`, `iam:TagOpenIDConnectProvider`); a missing resource is an error.
    ///
    /// # Panics
    /// On [`TagTarget::Repository`]: repositories are tagged through
    /// [`EcrApi`](super::EcrApi).
    fn tag_iam(
        &self,
        target: &TagTarget,
        tags: &Tags,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes the tags with these keys from a role, managed policy or OIDC provider
    /// (`iam:UntagRole`, `iam:UntagPolicy`, `iam:UntagOpenIDConnectProvider`); a missing resource
    /// is an error.
    ///
    /// # Panics
    /// On [`TagTarget::Repository`], like [`tag_iam`](Self::tag_iam).
    fn untag_iam(
        &self,
        target: &TagTarget,
        keys: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;

    // Roles
    /// Names of every role of the account, all pages (`iam:ListRoles`).
    fn list_roles(&self) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// The role's settings, trust policy and tags (`iam:GetRole`); `None` when no role has this
    /// name.
    fn get_role(&self, name: &str) -> impl Future<Output = Result<Option<RoleInfo>, LiveError>>;
    /// ARNs of the managed policies attached to the role, all pages
    /// (`iam:ListAttachedRolePolicies`); a missing role is an error.
    fn list_attached_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// Names of the role's inline policies, all pages (`iam:ListRolePolicies`); a missing role is
    /// an error.
    fn list_role_policies(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Vec<String>, LiveError>>;
    /// An inline policy's document as returned, URL-encoded on AWS (`iam:GetRolePolicy`); `None`
    /// when the policy or the role is gone.
    fn get_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// Creates or replaces an inline policy (`iam:PutRolePolicy`); a missing role is an error.
    fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Deletes an inline policy (`iam:DeleteRolePolicy`); `NotNeeded` when it or the role does
    /// not exist.
    fn delete_role_policy(
        &self,
        role: &str,
        name: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Creates the role with its trust policy, settings and tags (`iam:CreateRole`); `NotNeeded`
    /// when a role of that name already exists, whatever its settings.
    fn create_role(&self, new: &NewRole<'_>) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Replaces the role's trust policy with this JSON text (`iam:UpdateAssumeRolePolicy`); a
    /// missing role is an error.
    fn update_trust_policy(
        &self,
        role: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Sets the role's description and maximum session duration in seconds (`iam:UpdateRole`);
    /// a missing role is an error.
    fn update_role(
        &self,
        role: &str,
        description: &str,
        max_session_duration: i32,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Sets or replaces the role's permissions boundary (`iam:PutRolePermissionsBoundary`); a
    /// missing role is an error.
    fn put_permissions_boundary(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes the role's permissions boundary (`iam:DeleteRolePermissionsBoundary`);
    /// `NotNeeded` when AWS answers not found (no such role, or no boundary).
    fn delete_permissions_boundary(
        &self,
        role: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Attaches a managed policy to the role (`iam:AttachRolePolicy`); a missing role or policy is
    /// an error.
    fn attach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Detaches a managed policy from the role (`iam:DetachRolePolicy`); `NotNeeded` when it is
    /// not attached or the role does not exist.
    fn detach_role_policy(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Deletes the role (`iam:DeleteRole`); the caller detaches its policies and deletes its
    /// inline ones first, else AWS refuses with a `Conflict`. `NotNeeded` when it does not exist.
    fn delete_role(&self, role: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    // Managed policies (customer managed, `Scope=Local`)
    /// Every customer managed policy of the account, all pages (`iam:ListPolicies` with
    /// `Scope=Local`); AWS managed policies are not listed.
    fn list_policies(&self) -> impl Future<Output = Result<Vec<PolicyInfo>, LiveError>>;
    /// The managed policy's tags, all pages (`iam:ListPolicyTags`); a missing policy is an error.
    fn list_policy_tags(&self, arn: &str) -> impl Future<Output = Result<Tags, LiveError>>;
    /// Whether a policy of this ARN exists, customer or AWS managed (`iam:GetPolicy`); `false`
    /// when it does not.
    fn policy_exists(&self, arn: &str) -> impl Future<Output = Result<bool, LiveError>>;
    /// The document text of one version, as returned, possibly URL-encoded
    /// (`iam:GetPolicyVersion`); `None` when the policy or the version does not exist.
    fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// Every version of the managed policy, all pages (`iam:ListPolicyVersions`); a missing
    /// policy is an error.
    fn list_policy_versions(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<Vec<PolicyVersionInfo>, LiveError>>;
    /// Creates the managed policy with its document as `v1` and its tags (`iam:CreatePolicy`);
    /// `NotNeeded` when a policy of that name already exists, whatever its document.
    fn create_policy(
        &self,
        new: &NewPolicy<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Creates a version and makes it the default (`iam:CreatePolicyVersion`); with five versions
    /// already, AWS refuses (`LimitExceeded`) until one is deleted. A missing policy is an error.
    fn create_policy_version(
        &self,
        arn: &str,
        document: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Deletes a non-default version (`iam:DeletePolicyVersion`); `NotNeeded` when it or the
    /// policy does not exist.
    fn delete_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// The roles, users and groups the policy is attached to, all pages
    /// (`iam:ListEntitiesForPolicy`, attachments only); a missing policy is an error.
    fn list_entities_for_policy(
        &self,
        arn: &str,
    ) -> impl Future<Output = Result<PolicyEntities, LiveError>>;
    /// Deletes the policy (`iam:DeletePolicy`); the caller detaches it and deletes its non-default
    /// versions first, else AWS refuses with a `Conflict`. `NotNeeded` when it does not exist.
    fn delete_policy(&self, arn: &str) -> impl Future<Output = Result<Ensured, LiveError>>;

    // Users (only attachments: users themselves are not managed)
    /// ARNs of the managed policies attached to the user, all pages
    /// (`iam:ListAttachedUserPolicies`); `None` when the user does not exist.
    fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> impl Future<Output = Result<Option<Vec<String>>, LiveError>>;
    /// Attaches a managed policy to the user (`iam:AttachUserPolicy`); a missing user or policy
    /// is an error.
    fn attach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Detaches a managed policy from the user (`iam:DetachUserPolicy`); `NotNeeded` when it is
    /// not attached or the user does not exist.
    fn detach_user_policy(
        &self,
        user: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Detaches a managed policy from a group (`iam:DetachGroupPolicy`), to free a policy for
    /// deletion; `NotNeeded` when it is not attached or the group does not exist.
    fn detach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
}
