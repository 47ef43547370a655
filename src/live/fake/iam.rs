//! The fake account's IAM: OIDC providers, roles, customer-managed policies and attachments.
//!
//! It keeps the IAM rules and habits the engine must cope with: documents handed back URL-encoded,
//! at most five versions per policy, the default version undeletable, policies and roles that refuse
//! deletion while still attached, ListPolicies without descriptions, version ids that only grow,
//! versions listed newest first and stamped to the second (so one run's versions share a timestamp).
//! Documents are stored as sent; attachments are stored on the role, user or group.

use std::collections::BTreeMap;

use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};

use super::FakeAws;
use crate::live::{
    Ensured, ErrorKind, IamApi, LiveError, NewOidcProvider, NewPolicy, NewRole, OidcProviderInfo,
    PolicyEntities, PolicyInfo, PolicyVersionInfo, RoleInfo,
};
use crate::model::{TagTarget, Tags};

/// IAM's limit on the versions of one managed policy.
const MAX_POLICY_VERSIONS: usize = 5;
/// The largest page the SDK client asks for.
const PAGE: usize = 1000;
/// AWS-managed policies exist in every account; the fake cannot know them all and accepts any.
const AWS_MANAGED_POLICY_PREFIX: &str = "arn:aws:iam::aws:policy/";

/// One OIDC provider as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeOidcProvider {
    /// The provider's ARN.
    pub arn: String,
    /// Without `https://`, as AWS stores it.
    pub url: String,
    /// The audiences (client IDs) it accepts.
    pub client_ids: Vec<String>,
    /// Certificate thumbprints.
    pub thumbprints: Vec<String>,
    /// The provider's tags.
    pub tags: Tags,
}

/// One role as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRole {
    /// The role name.
    pub name: String,
    /// The role ARN.
    pub arn: String,
    /// The description; `None` for none.
    pub description: Option<String>,
    /// As sent; GetRole hands it back URL-encoded.
    pub trust_policy: String,
    /// Maximum session duration in seconds.
    pub max_session_duration: i32,
    /// ARN of the permissions boundary; `None` for none.
    pub permissions_boundary: Option<String>,
    /// The role's tags.
    pub tags: Tags,
    /// ARNs of the attached managed policies, in attachment order.
    pub attached_policies: Vec<String>,
    /// Inline policies: name → document as sent.
    pub inline_policies: BTreeMap<String, String>,
}

/// One version of a managed policy as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePolicyVersion {
    /// `v1`, `v2`, …, never reused.
    pub id: String,
    /// As sent; GetPolicyVersion hands it back URL-encoded.
    pub document: String,
    /// Whether this is the version in force.
    pub is_default: bool,
    /// Seconds since the epoch by the fake's clock, which stands still until `advance_clock`
    /// moves it (IAM's one-second timestamps often tie too).
    pub created: i64,
}

/// One customer managed policy as the fake stores it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePolicy {
    /// The policy name.
    pub name: String,
    /// The policy ARN.
    pub arn: String,
    /// The description; `None` for none.
    pub description: Option<String>,
    /// The policy's tags.
    pub tags: Tags,
    /// Oldest first.
    pub versions: Vec<FakePolicyVersion>,
    /// Who the policy is attached to. Derived from the roles, users and groups whenever a policy is
    /// handed out; changing it in `tamper_policy` has no effect (use `attach_out_of_band`).
    pub attached: PolicyEntities,
    /// The number of the next version: AWS never reuses a version id.
    next_version: u32,
}

impl FakePolicy {
    /// The version in force; `None` only for a policy tampered into having none.
    pub fn default_version(&self) -> Option<&FakePolicyVersion> {
        self.versions.iter().find(|v| v.is_default)
    }
}

#[derive(Debug, Default)]
pub(super) struct IamState {
    /// By URL without `https://`.
    oidc_providers: BTreeMap<String, FakeOidcProvider>,
    roles: BTreeMap<String, FakeRole>,
    /// By name.
    policies: BTreeMap<String, FakePolicy>,
    /// User name → attached policy ARNs.
    users: BTreeMap<String, Vec<String>>,
    /// Group name → attached policy ARNs.
    groups: BTreeMap<String, Vec<String>>,
    /// Seconds added by `advance_clock`. IAM timestamps have one-second resolution, so versions
    /// created in one run usually share a timestamp: the fake's clock stands still unless told.
    clock: i64,
}

impl IamState {
    /// Deletes a role, a managed policy (detached from everyone first) or a provider (by URL
    /// without `https://`) as another actor would; nothing when it is not there.
    pub(super) fn vanish(&mut self, victim: &super::Vanishing) {
        use super::Vanishing;
        match victim {
            Vanishing::Role(name) => {
                self.roles.remove(name);
            }
            Vanishing::Policy(name) => {
                if let Some(policy) = self.policies.remove(name) {
                    for role in self.roles.values_mut() {
                        detach(&mut role.attached_policies, &policy.arn);
                    }
                    for attached in self.users.values_mut().chain(self.groups.values_mut()) {
                        detach(attached, &policy.arn);
                    }
                }
            }
            Vanishing::OidcProvider(url) => {
                self.oidc_providers.remove(without_scheme(url));
            }
            Vanishing::Repository(_) => {}
        }
    }

    fn now(&self) -> i64 {
        1_700_000_000 + self.clock
    }

    fn provider_by_arn(&mut self, arn: &str) -> Option<&mut FakeOidcProvider> {
        self.oidc_providers.values_mut().find(|p| p.arn == arn)
    }

    fn policy_by_arn(&mut self, arn: &str) -> Option<&mut FakePolicy> {
        self.policies.values_mut().find(|p| p.arn == arn)
    }

    fn policy_exists(&self, arn: &str) -> bool {
        arn.starts_with(AWS_MANAGED_POLICY_PREFIX) || self.policies.values().any(|p| p.arn == arn)
    }

    fn entities(&self, arn: &str) -> PolicyEntities {
        let holding = |map: &BTreeMap<String, Vec<String>>| {
            map.iter()
                .filter(|(_, attached)| attached.iter().any(|a| a == arn))
                .map(|(name, _)| name.clone())
                .collect()
        };
        PolicyEntities {
            roles: self
                .roles
                .values()
                .filter(|r| r.attached_policies.iter().any(|a| a == arn))
                .map(|r| r.name.clone())
                .collect(),
            users: holding(&self.users),
            groups: holding(&self.groups),
        }
    }

    fn with_entities(&self, policy: &FakePolicy) -> FakePolicy {
        FakePolicy {
            attached: self.entities(&policy.arn),
            ..policy.clone()
        }
    }
}

/// The IAM operation tagging (`verb` Tag or Untag) a target, and the name or ARN it is keyed by.
fn iam_tag_call<'t>(target: &'t TagTarget, verb: &str) -> (&'static str, &'t str) {
    let op = match (target, verb) {
        (TagTarget::Role { .. }, "Tag") => "iam:TagRole",
        (TagTarget::Role { .. }, _) => "iam:UntagRole",
        (TagTarget::Policy { .. }, "Tag") => "iam:TagPolicy",
        (TagTarget::Policy { .. }, _) => "iam:UntagPolicy",
        (TagTarget::OidcProvider { .. }, "Tag") => "iam:TagOpenIDConnectProvider",
        (TagTarget::OidcProvider { .. }, _) => "iam:UntagOpenIDConnectProvider",
        (TagTarget::Repository { .. }, _) => unreachable!("repositories are tagged through ECR"),
    };
    let key = match target {
        TagTarget::Role { name } => name.as_str(),
        TagTarget::Policy { arn }
        | TagTarget::OidcProvider { arn }
        | TagTarget::Repository { arn } => arn.as_str(),
    };
    (op, key)
}

/// The live tags of an IAM target, if it exists.
fn iam_tags<'s>(iam: &'s mut IamState, target: &TagTarget) -> Option<&'s mut Tags> {
    match target {
        TagTarget::Role { name } => iam.roles.get_mut(name).map(|r| &mut r.tags),
        TagTarget::Policy { arn } => iam.policy_by_arn(arn).map(|p| &mut p.tags),
        TagTarget::OidcProvider { arn } => iam.provider_by_arn(arn).map(|p| &mut p.tags),
        TagTarget::Repository { .. } => None,
    }
}

/// How IAM hands documents back.
fn url_encoded(text: &str) -> String {
    utf8_percent_encode(text, NON_ALPHANUMERIC).to_string()
}

fn without_scheme(url: &str) -> &str {
    url.strip_prefix("https://").unwrap_or(url)
}

fn non_empty(text: &str) -> Option<String> {
    (!text.is_empty()).then(|| text.to_string())
}

fn attach(list: &mut Vec<String>, arn: &str) {
    if !list.iter().any(|a| a == arn) {
        list.push(arn.to_string());
    }
}

/// Removes `arn`; whether it was there.
fn detach(list: &mut Vec<String>, arn: &str) -> bool {
    let before = list.len();
    list.retain(|a| a != arn);
    list.len() != before
}

fn no_such_entity(operation: &'static str, what: impl std::fmt::Display) -> LiveError {
    FakeAws::error(
        operation,
        ErrorKind::NotFound,
        "NoSuchEntity",
        format!("{what} does not exist"),
    )
}

fn delete_conflict(operation: &'static str, message: String) -> LiveError {
    FakeAws::error(operation, ErrorKind::Conflict, "DeleteConflict", message)
}

fn check_document(operation: &'static str, text: &str) -> Result<(), LiveError> {
    serde_json::from_str::<serde_json::Value>(text)
        .map(|_| ())
        .map_err(|e| {
            FakeAws::error(
                operation,
                ErrorKind::Invalid,
                "MalformedPolicyDocument",
                e.to_string(),
            )
        })
}

/// Test helpers: look at, seed and change the fake IAM without calls.
impl FakeAws {
    /// The ARN a role of this name has in this account.
    pub fn role_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:role/{name}", self.account)
    }

    /// The ARN a customer managed policy of this name has in this account.
    pub fn policy_arn(&self, name: &str) -> String {
        format!("arn:aws:iam::{}:policy/{name}", self.account)
    }

    /// The provider's ARN for a URL, with or without `https://`.
    pub fn oidc_provider_arn(&self, url: &str) -> String {
        format!(
            "arn:aws:iam::{}:oidc-provider/{}",
            self.account,
            without_scheme(url)
        )
    }

    /// One CreatePolicyVersion as IAM acts on it (the trait method adds lost responses).
    async fn create_policy_version_once(&self, arn: &str, document: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:CreatePolicyVersion";
        let mut state = self.enter(OP, arn).await?;
        check_document(OP, document)?;
        let created = state.iam.now();
        let policy = state
            .iam
            .policy_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        if policy.versions.len() >= MAX_POLICY_VERSIONS {
            return Err(Self::error(
                OP,
                ErrorKind::LimitExceeded,
                "LimitExceeded",
                format!("policy {arn} already has {MAX_POLICY_VERSIONS} versions"),
            ));
        }
        for version in &mut policy.versions {
            version.is_default = false;
        }
        policy.versions.push(FakePolicyVersion {
            id: format!("v{}", policy.next_version),
            document: document.to_string(),
            is_default: true,
            created,
        });
        policy.next_version += 1;
        Ok(())
    }

    /// Makes a user exist (users are not managed by this tool, only their attachments).
    pub fn seed_user(&self, name: &str) {
        self.state().iam.users.entry(name.to_string()).or_default();
    }

    /// Makes a group exist (groups are not managed by this tool; policies can be attached to them).
    pub fn seed_group(&self, name: &str) {
        self.state().iam.groups.entry(name.to_string()).or_default();
    }

    /// The stored role; `None` when there is none of that name.
    pub fn role(&self, name: &str) -> Option<FakeRole> {
        self.state().iam.roles.get(name).cloned()
    }

    /// The names of every stored role, sorted.
    pub fn role_names(&self) -> Vec<String> {
        self.state().iam.roles.keys().cloned().collect()
    }

    /// The stored policy, its versions and who it is attached to.
    pub fn policy(&self, name: &str) -> Option<FakePolicy> {
        let state = self.state();
        state
            .iam
            .policies
            .get(name)
            .map(|p| state.iam.with_entities(p))
    }

    /// The provider for a URL, with or without `https://`.
    pub fn oidc_provider(&self, url: &str) -> Option<FakeOidcProvider> {
        self.state()
            .iam
            .oidc_providers
            .get(without_scheme(url))
            .cloned()
    }

    /// ARNs of the policies attached to a user; `None` when the user does not exist.
    pub fn user_policies(&self, name: &str) -> Option<Vec<String>> {
        self.state().iam.users.get(name).cloned()
    }

    /// Changes a role directly, as someone with console access would.
    pub fn tamper_role(&self, name: &str, change: impl FnOnce(&mut FakeRole)) {
        let mut state = self.state();
        change(state.iam.roles.get_mut(name).expect("no such fake role"));
    }

    /// Changes a policy directly; its `attached` field is ignored.
    pub fn tamper_policy(&self, name: &str, change: impl FnOnce(&mut FakePolicy)) {
        let mut state = self.state();
        let policy = state
            .iam
            .policies
            .get_mut(name)
            .expect("no such fake policy");
        change(policy);
        policy.attached = PolicyEntities::default();
    }

    /// Changes an OIDC provider directly; `url` with or without `https://`.
    pub fn tamper_oidc_provider(&self, url: &str, change: impl FnOnce(&mut FakeOidcProvider)) {
        let mut state = self.state();
        let provider = state
            .iam
            .oidc_providers
            .get_mut(without_scheme(url))
            .expect("no such fake OIDC provider");
        change(provider);
    }

    /// Attaches a policy to a role without a call and without checking that the policy exists.
    pub fn attach_out_of_band(&self, role: &str, policy_arn: &str) {
        self.tamper_role(role, |r| attach(&mut r.attached_policies, policy_arn));
    }

    /// Attaches a policy to a user without a call, creating the user if needed.
    pub fn attach_to_user_out_of_band(&self, user: &str, policy_arn: &str) {
        attach(
            self.state().iam.users.entry(user.to_string()).or_default(),
            policy_arn,
        );
    }

    /// Attaches a policy to a group without a call, creating the group if needed.
    pub fn attach_to_group_out_of_band(&self, group: &str, policy_arn: &str) {
        attach(
            self.state()
                .iam
                .groups
                .entry(group.to_string())
                .or_default(),
            policy_arn,
        );
    }

    /// Moves the clock that stamps new policy versions.
    pub fn advance_clock(&self, seconds: i64) {
        self.state().iam.clock += seconds;
    }

    /// Counts one more call per extra page, as the SDK's paginators would make.
    async fn count_pages(&self, operation: &'static str, items: usize) -> Result<(), LiveError> {
        for _ in 1..items.div_ceil(PAGE) {
            drop(self.enter(operation, "").await?);
        }
        Ok(())
    }
}

impl IamApi for FakeAws {
    async fn list_oidc_providers(&self) -> Result<Vec<String>, LiveError> {
        let state = self.enter("iam:ListOpenIDConnectProviders", "").await?;
        Ok(state
            .iam
            .oidc_providers
            .values()
            .map(|p| p.arn.clone())
            .collect())
    }

    async fn get_oidc_provider(&self, arn: &str) -> Result<Option<OidcProviderInfo>, LiveError> {
        let mut state = self.enter("iam:GetOpenIDConnectProvider", arn).await?;
        Ok(state.iam.provider_by_arn(arn).map(|p| OidcProviderInfo {
            arn: p.arn.clone(),
            url: p.url.clone(),
            client_ids: p.client_ids.clone(),
            thumbprints: p.thumbprints.clone(),
            tags: p.tags.clone(),
        }))
    }

    async fn create_oidc_provider(&self, new: &NewOidcProvider<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreateOpenIDConnectProvider";
        let mut state = self.enter(OP, new.url).await?;
        let Some(url) = new.url.strip_prefix("https://") else {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "InvalidInput",
                format!("{} is not an https URL", new.url),
            ));
        };
        if state.iam.oidc_providers.contains_key(url) {
            return Ok(Ensured::NotNeeded);
        }
        let mut client_ids = Vec::new();
        for id in new.client_ids {
            attach(&mut client_ids, id);
        }
        let provider = FakeOidcProvider {
            arn: self.oidc_provider_arn(url),
            url: url.to_string(),
            client_ids,
            thumbprints: new.thumbprints.to_vec(),
            tags: new.tags.clone(),
        };
        state.iam.oidc_providers.insert(url.to_string(), provider);
        Ok(Ensured::Done)
    }

    async fn add_client_id(&self, arn: &str, client_id: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:AddClientIDToOpenIDConnectProvider";
        let mut state = self.enter(OP, arn).await?;
        let provider = state
            .iam
            .provider_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        attach(&mut provider.client_ids, client_id);
        Ok(())
    }

    async fn remove_client_id(&self, arn: &str, client_id: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:RemoveClientIDFromOpenIDConnectProvider";
        let mut state = self.enter(OP, arn).await?;
        let provider = state
            .iam
            .provider_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        detach(&mut provider.client_ids, client_id);
        Ok(())
    }

    async fn update_thumbprints(&self, arn: &str, thumbprints: &[String]) -> Result<(), LiveError> {
        const OP: &str = "iam:UpdateOpenIDConnectProviderThumbprint";
        let mut state = self.enter(OP, arn).await?;
        let provider = state
            .iam
            .provider_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        provider.thumbprints = thumbprints.to_vec();
        Ok(())
    }

    async fn tag_iam(&self, target: &TagTarget, tags: &Tags) -> Result<(), LiveError> {
        let (op, key) = iam_tag_call(target, "Tag");
        let mut state = self.enter(op, key).await?;
        let live = iam_tags(&mut state.iam, target).ok_or_else(|| no_such_entity(op, key))?;
        live.extend(tags.clone());
        Ok(())
    }

    async fn untag_iam(&self, target: &TagTarget, keys: &[String]) -> Result<(), LiveError> {
        let (op, key) = iam_tag_call(target, "Untag");
        let mut state = self.enter(op, key).await?;
        let live = iam_tags(&mut state.iam, target).ok_or_else(|| no_such_entity(op, key))?;
        live.retain(|k, _| !keys.contains(k));
        Ok(())
    }

    async fn delete_oidc_provider(&self, arn: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("iam:DeleteOpenIDConnectProvider", arn).await?;
        let before = state.iam.oidc_providers.len();
        state.iam.oidc_providers.retain(|_, p| p.arn != arn);
        Ok(if state.iam.oidc_providers.len() < before {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }

    async fn list_roles(&self) -> Result<Vec<String>, LiveError> {
        const OP: &str = "iam:ListRoles";
        let names: Vec<String> = self
            .enter(OP, "")
            .await?
            .iam
            .roles
            .keys()
            .cloned()
            .collect();
        self.count_pages(OP, names.len()).await?;
        Ok(names)
    }

    async fn get_role(&self, name: &str) -> Result<Option<RoleInfo>, LiveError> {
        let state = self.enter("iam:GetRole", name).await?;
        Ok(state.iam.roles.get(name).map(|r| RoleInfo {
            name: r.name.clone(),
            arn: r.arn.clone(),
            description: r.description.clone(),
            trust_policy: url_encoded(&r.trust_policy),
            max_session_duration: r.max_session_duration,
            permissions_boundary: r.permissions_boundary.clone(),
            tags: r.tags.clone(),
        }))
    }

    async fn list_attached_role_policies(&self, role: &str) -> Result<Vec<String>, LiveError> {
        const OP: &str = "iam:ListAttachedRolePolicies";
        let state = self.enter(OP, role).await?;
        let role = state
            .iam
            .roles
            .get(role)
            .ok_or_else(|| no_such_entity(OP, format!("role {role}")))?;
        Ok(role.attached_policies.clone())
    }

    async fn create_role(&self, new: &NewRole<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreateRole";
        let mut state = self.enter(OP, new.name).await?;
        if state.iam.roles.contains_key(new.name) {
            return Ok(Ensured::NotNeeded);
        }
        check_document(OP, new.trust_policy)?;
        if let Some(boundary) = new.permissions_boundary
            && !state.iam.policy_exists(boundary)
        {
            return Err(no_such_entity(OP, format!("policy {boundary}")));
        }
        let role = FakeRole {
            name: new.name.to_string(),
            arn: format!("arn:aws:iam::{}:role{}{}", self.account, new.path, new.name),
            description: non_empty(new.description),
            trust_policy: new.trust_policy.to_string(),
            max_session_duration: new.max_session_duration,
            permissions_boundary: new.permissions_boundary.map(str::to_string),
            tags: new.tags.clone(),
            attached_policies: Vec::new(),
            inline_policies: BTreeMap::new(),
        };
        state.iam.roles.insert(new.name.to_string(), role);
        Ok(Ensured::Done)
    }

    async fn update_trust_policy(&self, role: &str, document: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:UpdateAssumeRolePolicy";
        let mut state = self.enter(OP, role).await?;
        check_document(OP, document)?;
        let role = state
            .iam
            .roles
            .get_mut(role)
            .ok_or_else(|| no_such_entity(OP, format!("role {role}")))?;
        role.trust_policy = document.to_string();
        Ok(())
    }

    async fn update_role(
        &self,
        role: &str,
        description: &str,
        max_session_duration: i32,
    ) -> Result<(), LiveError> {
        const OP: &str = "iam:UpdateRole";
        let mut state = self.enter(OP, role).await?;
        let role = state
            .iam
            .roles
            .get_mut(role)
            .ok_or_else(|| no_such_entity(OP, format!("role {role}")))?;
        role.description = non_empty(description);
        role.max_session_duration = max_session_duration;
        Ok(())
    }

    async fn put_permissions_boundary(
        &self,
        role: &str,
        policy_arn: &str,
    ) -> Result<(), LiveError> {
        const OP: &str = "iam:PutRolePermissionsBoundary";
        let mut state = self.enter(OP, role).await?;
        if !state.iam.policy_exists(policy_arn) {
            return Err(no_such_entity(OP, format!("policy {policy_arn}")));
        }
        let role = state
            .iam
            .roles
            .get_mut(role)
            .ok_or_else(|| no_such_entity(OP, format!("role {role}")))?;
        role.permissions_boundary = Some(policy_arn.to_string());
        Ok(())
    }

    async fn delete_permissions_boundary(&self, role: &str) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("iam:DeleteRolePermissionsBoundary", role)
            .await?;
        Ok(
            match state
                .iam
                .roles
                .get_mut(role)
                .and_then(|r| r.permissions_boundary.take())
            {
                Some(_) => Ensured::Done,
                None => Ensured::NotNeeded,
            },
        )
    }

    async fn attach_role_policy(&self, role: &str, policy_arn: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:AttachRolePolicy";
        let mut state = self.enter(OP, role).await?;
        if !state.iam.policy_exists(policy_arn) {
            return Err(no_such_entity(OP, format!("policy {policy_arn}")));
        }
        let role = state
            .iam
            .roles
            .get_mut(role)
            .ok_or_else(|| no_such_entity(OP, format!("role {role}")))?;
        attach(&mut role.attached_policies, policy_arn);
        Ok(())
    }

    async fn detach_role_policy(&self, role: &str, policy_arn: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("iam:DetachRolePolicy", role).await?;
        let detached = state
            .iam
            .roles
            .get_mut(role)
            .is_some_and(|r| detach(&mut r.attached_policies, policy_arn));
        Ok(if detached {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }

    async fn list_role_policies(&self, role: &str) -> Result<Vec<String>, LiveError> {
        const OP: &str = "iam:ListRolePolicies";
        let state = self.enter(OP, role).await?;
        let r = state
            .iam
            .roles
            .get(role)
            .ok_or_else(|| no_such_entity(OP, role))?;
        Ok(r.inline_policies.keys().cloned().collect())
    }

    async fn get_role_policy(&self, role: &str, name: &str) -> Result<Option<String>, LiveError> {
        let state = self.enter("iam:GetRolePolicy", role).await?;
        Ok(state
            .iam
            .roles
            .get(role)
            .and_then(|r| r.inline_policies.get(name))
            .map(|d| url_encoded(d)))
    }

    async fn put_role_policy(
        &self,
        role: &str,
        name: &str,
        document: &str,
    ) -> Result<(), LiveError> {
        const OP: &str = "iam:PutRolePolicy";
        let mut state = self.enter(OP, role).await?;
        check_document(OP, document)?;
        let r = state
            .iam
            .roles
            .get_mut(role)
            .ok_or_else(|| no_such_entity(OP, role))?;
        r.inline_policies
            .insert(name.to_string(), document.to_string());
        Ok(())
    }

    async fn delete_role_policy(&self, role: &str, name: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("iam:DeleteRolePolicy", role).await?;
        let removed = state
            .iam
            .roles
            .get_mut(role)
            .and_then(|r| r.inline_policies.remove(name));
        Ok(if removed.is_some() {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }

    async fn delete_role(&self, role: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:DeleteRole";
        let mut state = self.enter(OP, role).await?;
        match state.iam.roles.get(role) {
            None => Ok(Ensured::NotNeeded),
            Some(r) if !r.attached_policies.is_empty() || !r.inline_policies.is_empty() => {
                Err(delete_conflict(
                    OP,
                    format!(
                        "role {role} still has {} attached and {} inline policies",
                        r.attached_policies.len(),
                        r.inline_policies.len()
                    ),
                ))
            }
            Some(_) => {
                state.iam.roles.remove(role);
                Ok(Ensured::Done)
            }
        }
    }

    async fn list_policies(&self) -> Result<Vec<PolicyInfo>, LiveError> {
        const OP: &str = "iam:ListPolicies";
        let policies: Vec<PolicyInfo> = self
            .enter(OP, "")
            .await?
            .iam
            .policies
            .values()
            .map(|p| PolicyInfo {
                name: p.name.clone(),
                arn: p.arn.clone(),
                default_version_id: p
                    .default_version()
                    .map(|v| v.id.clone())
                    .unwrap_or_default(),
                // As on AWS: ListPolicies leaves the description out (only GetPolicy has it).
                description: None,
            })
            .collect();
        self.count_pages(OP, policies.len()).await?;
        Ok(policies)
    }

    async fn list_policy_tags(&self, arn: &str) -> Result<Tags, LiveError> {
        const OP: &str = "iam:ListPolicyTags";
        let mut state = self.enter(OP, arn).await?;
        let policy = state
            .iam
            .policy_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        Ok(policy.tags.clone())
    }

    async fn policy_exists(&self, arn: &str) -> Result<bool, LiveError> {
        let state = self.enter("iam:GetPolicy", arn).await?;
        Ok(state.iam.policy_exists(arn))
    }

    async fn get_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Option<String>, LiveError> {
        let mut state = self.enter("iam:GetPolicyVersion", arn).await?;
        Ok(state
            .iam
            .policy_by_arn(arn)
            .and_then(|p| p.versions.iter().find(|v| v.id == version_id))
            .map(|v| url_encoded(&v.document)))
    }

    async fn list_policy_versions(&self, arn: &str) -> Result<Vec<PolicyVersionInfo>, LiveError> {
        const OP: &str = "iam:ListPolicyVersions";
        let mut state = self.enter(OP, arn).await?;
        let policy = state
            .iam
            .policy_by_arn(arn)
            .ok_or_else(|| no_such_entity(OP, arn))?;
        // Newest first, as AWS and LocalStack list them.
        Ok(policy
            .versions
            .iter()
            .rev()
            .map(|v| PolicyVersionInfo {
                version_id: v.id.clone(),
                is_default: v.is_default,
                created: v.created,
            })
            .collect())
    }

    async fn create_policy(&self, new: &NewPolicy<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:CreatePolicy";
        let mut state = self.enter(OP, new.name).await?;
        if state.iam.policies.contains_key(new.name) {
            return Ok(Ensured::NotNeeded);
        }
        check_document(OP, new.document)?;
        let created = state.iam.now();
        let policy = FakePolicy {
            name: new.name.to_string(),
            arn: self.policy_arn(new.name),
            description: non_empty(new.description),
            tags: new.tags.clone(),
            versions: vec![FakePolicyVersion {
                id: "v1".into(),
                document: new.document.to_string(),
                is_default: true,
                created,
            }],
            attached: PolicyEntities::default(),
            next_version: 2,
        };
        state.iam.policies.insert(new.name.to_string(), policy);
        Ok(Ensured::Done)
    }

    async fn create_policy_version(&self, arn: &str, document: &str) -> Result<(), LiveError> {
        let first = self.create_policy_version_once(arn, document).await;
        match self.losing("iam:CreatePolicyVersion") {
            None => first,
            Some(retried) => {
                first?;
                if retried {
                    self.create_policy_version_once(arn, document).await
                } else {
                    Err(Self::error(
                        "iam:CreatePolicyVersion",
                        ErrorKind::Other,
                        "ServiceUnavailable",
                        "the response was lost after IAM acted".into(),
                    ))
                }
            }
        }
    }

    async fn delete_policy_version(
        &self,
        arn: &str,
        version_id: &str,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:DeletePolicyVersion";
        let mut state = self.enter(OP, arn).await?;
        let Some(policy) = state.iam.policy_by_arn(arn) else {
            return Ok(Ensured::NotNeeded);
        };
        match policy.versions.iter().position(|v| v.id == version_id) {
            None => Ok(Ensured::NotNeeded),
            Some(i) if policy.versions[i].is_default => Err(delete_conflict(
                OP,
                format!("{version_id} is the default version of {arn}"),
            )),
            Some(i) => {
                policy.versions.remove(i);
                Ok(Ensured::Done)
            }
        }
    }

    async fn list_entities_for_policy(&self, arn: &str) -> Result<PolicyEntities, LiveError> {
        const OP: &str = "iam:ListEntitiesForPolicy";
        let state = self.enter(OP, arn).await?;
        if !state.iam.policy_exists(arn) {
            return Err(no_such_entity(OP, arn));
        }
        Ok(state.iam.entities(arn))
    }

    async fn delete_policy(&self, arn: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "iam:DeletePolicy";
        let mut state = self.enter(OP, arn).await?;
        let entities = state.iam.entities(arn);
        let Some(policy) = state.iam.policy_by_arn(arn) else {
            return Ok(Ensured::NotNeeded);
        };
        if entities != PolicyEntities::default() {
            return Err(delete_conflict(
                OP,
                format!("policy {arn} is still attached: {entities:?}"),
            ));
        }
        if policy.versions.len() > 1 {
            return Err(delete_conflict(
                OP,
                format!(
                    "policy {arn} still has {} non-default versions",
                    policy.versions.len() - 1
                ),
            ));
        }
        let name = policy.name.clone();
        state.iam.policies.remove(&name);
        Ok(Ensured::Done)
    }

    async fn list_attached_user_policies(
        &self,
        user: &str,
    ) -> Result<Option<Vec<String>>, LiveError> {
        let state = self.enter("iam:ListAttachedUserPolicies", user).await?;
        Ok(state.iam.users.get(user).cloned())
    }

    async fn attach_user_policy(&self, user: &str, policy_arn: &str) -> Result<(), LiveError> {
        const OP: &str = "iam:AttachUserPolicy";
        let mut state = self.enter(OP, user).await?;
        if !state.iam.policy_exists(policy_arn) {
            return Err(no_such_entity(OP, format!("policy {policy_arn}")));
        }
        let attached = state
            .iam
            .users
            .get_mut(user)
            .ok_or_else(|| no_such_entity(OP, format!("user {user}")))?;
        attach(attached, policy_arn);
        Ok(())
    }

    async fn detach_user_policy(&self, user: &str, policy_arn: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("iam:DetachUserPolicy", user).await?;
        let detached = state
            .iam
            .users
            .get_mut(user)
            .is_some_and(|a| detach(a, policy_arn));
        Ok(if detached {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }

    async fn detach_group_policy(
        &self,
        group: &str,
        policy_arn: &str,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("iam:DetachGroupPolicy", group).await?;
        let detached = state
            .iam
            .groups
            .get_mut(group)
            .is_some_and(|a| detach(a, policy_arn));
        Ok(if detached {
            Ensured::Done
        } else {
            Ensured::NotNeeded
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::Aws;

    const DOC: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

    fn decoded(text: &str) -> String {
        percent_encoding::percent_decode_str(text)
            .decode_utf8()
            .unwrap()
            .into_owned()
    }

    fn new_policy(name: &str) -> NewPolicy<'_> {
        static NO_TAGS: Tags = Tags::new();
        NewPolicy {
            name,
            description: "test policy",
            document: DOC,
            tags: &NO_TAGS,
        }
    }

    fn new_role(name: &str) -> NewRole<'_> {
        static NO_TAGS: Tags = Tags::new();
        NewRole {
            name,
            description: "",
            trust_policy: TRUST,
            max_session_duration: 3600,
            permissions_boundary: None,
            tags: &NO_TAGS,
            path: "/",
        }
    }

    async fn with_policy(name: &str) -> (FakeAws, String) {
        let aws = FakeAws::default();
        assert_eq!(
            aws.create_policy(&new_policy(name)).await.unwrap(),
            Ensured::Done
        );
        let arn = aws.policy_arn(name);
        (aws, arn)
    }

    #[tokio::test]
    async fn creating_twice_is_not_needed() {
        let (aws, _) = with_policy("p").await;
        assert_eq!(
            aws.create_policy(&new_policy("p")).await.unwrap(),
            Ensured::NotNeeded
        );
        assert_eq!(
            aws.create_role(&new_role("r")).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(
            aws.create_role(&new_role("r")).await.unwrap(),
            Ensured::NotNeeded
        );
        let tags = Tags::new();
        let provider = NewOidcProvider {
            url: "https://token.actions.githubusercontent.com",
            client_ids: &["sts.amazonaws.com".to_string()],
            thumbprints: &[],
            tags: &tags,
        };
        assert_eq!(
            aws.create_oidc_provider(&provider).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(
            aws.create_oidc_provider(&provider).await.unwrap(),
            Ensured::NotNeeded
        );
        assert_eq!(aws.stats().calls("iam:CreateOpenIDConnectProvider"), 2);
    }

    #[tokio::test]
    async fn documents_come_back_url_encoded() {
        let (aws, arn) = with_policy("p").await;
        aws.create_role(&new_role("r")).await.unwrap();
        let role = aws.get_role("r").await.unwrap().unwrap();
        assert!(
            role.trust_policy.starts_with("%7B%22Version%22"),
            "{}",
            role.trust_policy
        );
        assert_eq!(decoded(&role.trust_policy), TRUST);
        let doc = aws.get_policy_version(&arn, "v1").await.unwrap().unwrap();
        assert!(!doc.starts_with('{'));
        assert_eq!(decoded(&doc), DOC);
        assert_eq!(aws.get_policy_version(&arn, "v9").await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_policy_holds_at_most_five_versions_with_growing_ids() {
        let (aws, arn) = with_policy("p").await;
        for _ in 2..=5 {
            aws.create_policy_version(&arn, DOC).await.unwrap();
        }
        let err = aws.create_policy_version(&arn, DOC).await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::LimitExceeded);
        assert_eq!(err.code.as_deref(), Some("LimitExceeded"));

        assert_eq!(
            aws.delete_policy_version(&arn, "v1").await.unwrap(),
            Ensured::Done
        );
        aws.create_policy_version(&arn, DOC).await.unwrap();
        let versions = aws.list_policy_versions(&arn).await.unwrap();
        let ids: Vec<&str> = versions.iter().map(|v| v.version_id.as_str()).collect();
        assert_eq!(ids, ["v6", "v5", "v4", "v3", "v2"], "newest first");
        assert!(
            versions.iter().all(|v| v.created == versions[0].created),
            "same second"
        );
        aws.delete_policy_version(&arn, "v2").await.unwrap();
        aws.advance_clock(5);
        aws.create_policy_version(&arn, DOC).await.unwrap();
        let versions = aws.list_policy_versions(&arn).await.unwrap();
        assert_eq!(versions[0].version_id, "v7");
        assert_eq!(versions[0].created, versions[1].created + 5);
        let defaults: Vec<&str> = versions
            .iter()
            .filter(|v| v.is_default)
            .map(|v| v.version_id.as_str())
            .collect();
        assert_eq!(defaults, ["v7"]);
        assert_eq!(
            aws.list_policies().await.unwrap()[0].default_version_id,
            "v7"
        );
    }

    #[tokio::test]
    async fn the_default_version_cannot_be_deleted() {
        let (aws, arn) = with_policy("p").await;
        let err = aws.delete_policy_version(&arn, "v1").await.unwrap_err();
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Conflict, Some("DeleteConflict"))
        );
        assert_eq!(
            aws.delete_policy_version(&arn, "v7").await.unwrap(),
            Ensured::NotNeeded
        );
    }

    #[tokio::test]
    async fn a_policy_is_deleted_only_when_detached_and_alone() {
        let (aws, arn) = with_policy("p").await;
        aws.create_role(&new_role("r")).await.unwrap();
        aws.attach_role_policy("r", &arn).await.unwrap();
        aws.create_policy_version(&arn, DOC).await.unwrap();

        let err = aws.delete_policy(&arn).await.unwrap_err();
        assert_eq!(err.code.as_deref(), Some("DeleteConflict"));
        assert_eq!(aws.policy("p").unwrap().attached.roles, ["r"]);
        assert_eq!(
            aws.detach_role_policy("r", &arn).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(
            aws.detach_role_policy("r", &arn).await.unwrap(),
            Ensured::NotNeeded
        );

        let err = aws.delete_policy(&arn).await.unwrap_err();
        assert_eq!(
            err.kind,
            ErrorKind::Conflict,
            "a non-default version is left"
        );
        aws.delete_policy_version(&arn, "v1").await.unwrap();
        assert_eq!(aws.delete_policy(&arn).await.unwrap(), Ensured::Done);
        assert_eq!(aws.delete_policy(&arn).await.unwrap(), Ensured::NotNeeded);
        assert!(aws.policy("p").is_none());
    }

    #[tokio::test]
    async fn a_policy_attached_to_a_user_or_group_blocks_deletion() {
        let (aws, arn) = with_policy("p").await;
        aws.seed_user("alice");
        aws.attach_user_policy("alice", &arn).await.unwrap();
        aws.attach_to_group_out_of_band("devs", &arn);
        let entities = aws.list_entities_for_policy(&arn).await.unwrap();
        assert_eq!(
            (entities.users, entities.groups),
            (vec!["alice".to_string()], vec!["devs".to_string()])
        );
        assert_eq!(
            aws.delete_policy(&arn).await.unwrap_err().kind,
            ErrorKind::Conflict
        );
        assert_eq!(
            aws.detach_user_policy("alice", &arn).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(
            aws.detach_group_policy("devs", &arn).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(
            aws.detach_group_policy("nobody", &arn).await.unwrap(),
            Ensured::NotNeeded
        );
        assert_eq!(aws.delete_policy(&arn).await.unwrap(), Ensured::Done);
    }

    #[tokio::test]
    async fn a_role_with_attached_policies_cannot_be_deleted() {
        let aws = FakeAws::default();
        aws.create_role(&new_role("r")).await.unwrap();
        aws.attach_out_of_band("r", "arn:aws:iam::aws:policy/ReadOnlyAccess");
        let err = aws.delete_role("r").await.unwrap_err();
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Conflict, Some("DeleteConflict"))
        );
        aws.detach_role_policy("r", "arn:aws:iam::aws:policy/ReadOnlyAccess")
            .await
            .unwrap();
        assert_eq!(aws.delete_role("r").await.unwrap(), Ensured::Done);
        assert_eq!(aws.delete_role("r").await.unwrap(), Ensured::NotNeeded);
        assert_eq!(aws.get_role("r").await.unwrap(), None);
    }

    #[tokio::test]
    async fn attaching_needs_an_existing_policy_and_principal() {
        let (aws, arn) = with_policy("p").await;
        aws.create_role(&new_role("r")).await.unwrap();
        let missing = aws.policy_arn("missing");
        assert_eq!(
            aws.attach_role_policy("r", &missing)
                .await
                .unwrap_err()
                .kind,
            ErrorKind::NotFound
        );
        assert_eq!(
            aws.attach_role_policy("nope", &arn).await.unwrap_err().kind,
            ErrorKind::NotFound
        );
        let err = aws.attach_user_policy("bob", &arn).await.unwrap_err();
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::NotFound, Some("NoSuchEntity"))
        );
        assert_eq!(aws.list_attached_user_policies("bob").await.unwrap(), None);
        aws.seed_user("bob");
        assert_eq!(
            aws.list_attached_user_policies("bob").await.unwrap(),
            Some(vec![])
        );
        aws.attach_user_policy("bob", &arn).await.unwrap();
        aws.attach_user_policy("bob", &arn).await.unwrap();
        assert_eq!(
            aws.list_attached_user_policies("bob").await.unwrap(),
            Some(vec![arn.clone()])
        );
        aws.attach_role_policy("r", &arn).await.unwrap();
        assert_eq!(aws.list_attached_role_policies("r").await.unwrap(), [arn]);
    }

    #[tokio::test]
    async fn oidc_providers_are_keyed_by_url_without_scheme() {
        let aws = FakeAws::default();
        let tags = Tags::from([("k".to_string(), "v".to_string())]);
        let ids = ["sts.amazonaws.com".to_string()];
        let new = NewOidcProvider {
            url: "https://token.actions.githubusercontent.com",
            client_ids: &ids,
            thumbprints: &[],
            tags: &tags,
        };
        aws.create_oidc_provider(&new).await.unwrap();
        let arn = "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com";
        assert_eq!(aws.list_oidc_providers().await.unwrap(), [arn]);
        aws.add_client_id(arn, "sts.amazonaws.com").await.unwrap();
        aws.add_client_id(arn, "other").await.unwrap();
        let got = aws.get_oidc_provider(arn).await.unwrap().unwrap();
        assert_eq!(got.url, "token.actions.githubusercontent.com");
        assert_eq!(got.client_ids, ["sts.amazonaws.com", "other"]);
        assert_eq!(got.tags, tags);
        aws.tamper_oidc_provider("token.actions.githubusercontent.com", |p| {
            p.thumbprints = vec!["ab".into()]
        });
        assert_eq!(
            aws.oidc_provider("https://token.actions.githubusercontent.com")
                .unwrap()
                .thumbprints,
            ["ab"]
        );
        assert_eq!(aws.delete_oidc_provider(arn).await.unwrap(), Ensured::Done);
        assert_eq!(
            aws.delete_oidc_provider(arn).await.unwrap(),
            Ensured::NotNeeded
        );
        assert_eq!(aws.get_oidc_provider(arn).await.unwrap(), None);
        let err = aws.add_client_id(arn, "x").await.unwrap_err();
        assert_eq!(err.kind, ErrorKind::NotFound);
    }

    #[tokio::test]
    async fn injected_faults_simulate_eventual_consistency() {
        let aws = FakeAws::default();
        aws.fail("iam:CreateRole", Some("r"), ErrorKind::Invalid, 2);
        for _ in 0..2 {
            assert_eq!(
                aws.create_role(&new_role("r")).await.unwrap_err().kind,
                ErrorKind::Invalid
            );
        }
        assert_eq!(
            aws.create_role(&new_role("r")).await.unwrap(),
            Ensured::Done
        );
        assert_eq!(aws.stats().calls("iam:CreateRole"), 3);
    }

    #[tokio::test]
    async fn list_policies_leaves_descriptions_out_as_aws_does() {
        let (aws, _) = with_policy("p").await;
        assert_eq!(aws.list_policies().await.unwrap()[0].description, None);
        assert_eq!(
            aws.policy("p").unwrap().description.as_deref(),
            Some("test policy")
        );
    }

    #[tokio::test]
    async fn malformed_documents_are_rejected() {
        let aws = FakeAws::default();
        let mut role = new_role("r");
        role.trust_policy = "{not json";
        let err = aws.create_role(&role).await.unwrap_err();
        assert_eq!(
            (err.kind, err.code.as_deref()),
            (ErrorKind::Invalid, Some("MalformedPolicyDocument"))
        );
    }

    #[tokio::test]
    async fn out_of_band_changes_show_in_reads() {
        let (aws, arn) = with_policy("p").await;
        aws.create_role(&new_role("r")).await.unwrap();
        aws.tamper_role("r", |r| r.description = Some("changed by hand".into()));
        aws.attach_out_of_band("r", &arn);
        let role = aws.get_role("r").await.unwrap().unwrap();
        assert_eq!(role.description.as_deref(), Some("changed by hand"));
        assert_eq!(
            aws.list_attached_role_policies("r").await.unwrap(),
            vec![arn.clone()]
        );
        aws.tamper_policy("p", |p| p.versions[0].document = "{}".into());
        assert_eq!(
            aws.get_policy_version(&arn, "v1").await.unwrap().as_deref(),
            Some("%7B%7D")
        );
    }
}
