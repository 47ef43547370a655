//! Running one change: its operations in order, each an ensure.

use crate::kinds::account_setting::plan::AccountSettingOp;
use crate::kinds::creation_template::plan::CreationTemplateOp;
use crate::kinds::oidc_provider::plan::OidcProviderOp;
use crate::kinds::policy::plan::PolicyOp;
use crate::kinds::pull_through_cache::plan::PullThroughCacheOp;
use crate::kinds::pull_time_exclusion::plan::PullTimeExclusionOp;
use crate::kinds::registry::plan::RegistryOp;
use crate::kinds::repository::plan::RepositoryOp;
use crate::kinds::role::plan::RoleOp;
use crate::kinds::signing::plan::SigningOp;
use crate::kinds::user_attachment::plan::UserAttachmentOp;
use crate::plan::tag_ops::TagOp;
use std::time::Instant;

use super::registry;
use super::retry::with_retry;
use super::{ApplyOptions, Event, Outcome, Status};
use crate::causes::chain;
use crate::kinds::repository::plan::DeleteReason;
use crate::live::{
    Aws, Ensured, ErrorKind, LiveError, NewOidcProvider, NewPolicy, NewRepository, NewRole,
};
use crate::model::tags::owner_of_tags;
use crate::model::{Address, PolicyDocument, TagTarget};
use crate::plan::{Change, Op};

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Aws(#[from] LiveError),
    #[error(
        "{kind} {name} was created by stack {owner:?} since the plan was made; not taking it over"
    )]
    OwnedByAnotherStack {
        kind: &'static str,
        name: String,
        owner: String,
    },
    #[error("refused to delete repository {name}: it holds images and {needs}")]
    HoldsImages { name: String, needs: &'static str },
}

impl StepError {
    /// The kind named in JSON reports.
    pub fn kind(&self) -> String {
        match self {
            StepError::Aws(e) => snake_case(&format!("{:?}", e.kind)),
            StepError::OwnedByAnotherStack { .. } => "owned_by_another_stack".into(),
            StepError::HoldsImages { .. } => "holds_images".into(),
        }
    }
}

/// `AccessDenied` → `access_denied`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub async fn run<C: Aws>(
    client: &C,
    change: &Change,
    options: &ApplyOptions,
    notify: &dyn Fn(Event<'_>),
) -> Outcome {
    let started = Instant::now();
    let mut changed = false;
    let mut error = None;
    let mut error_kind = None;
    for op in &change.ops {
        let ctx = Ctx {
            client,
            options,
            notify,
            address: &change.address,
        };
        match ctx.run_op(op).await {
            Ok(Ensured::Done) => changed = true,
            Ok(Ensured::NotNeeded) => {}
            Err(e) => {
                error = Some(chain(&e));
                error_kind = Some(e.kind());
                break;
            }
        }
    }
    let status = match (&error, changed) {
        (Some(_), _) => Status::Failed,
        (None, true) => Status::Applied,
        (None, false) => Status::NotNeeded,
    };
    Outcome {
        address: change.address.clone(),
        action: change.action,
        status,
        duration_ms: started.elapsed().as_millis() as u64,
        error,
        error_kind,
    }
}

struct Ctx<'a, C> {
    client: &'a C,
    options: &'a ApplyOptions,
    notify: &'a dyn Fn(Event<'_>),
    address: &'a Address,
}

fn done(r: Result<(), LiveError>) -> Result<Ensured, StepError> {
    r.map(|()| Ensured::Done).map_err(StepError::from)
}

/// Not-found on a removal means it is already gone.
fn gone(r: Result<(), LiveError>) -> Result<Ensured, StepError> {
    match r {
        Err(e) if e.kind == ErrorKind::NotFound => Ok(Ensured::NotNeeded),
        other => done(other),
    }
}

impl<C: Aws> Ctx<'_, C> {
    async fn retrying<T, F, Fut>(&self, retry_on: &[ErrorKind], call: F) -> Result<T, LiveError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, LiveError>>,
    {
        with_retry(self.address, retry_on, self.options, self.notify, call).await
    }

    async fn run_op(&self, op: &Op) -> Result<Ensured, StepError> {
        let client = self.client;
        match op {
            Op::Repository(RepositoryOp::CreateRepository { .. })
            | Op::Repository(RepositoryOp::DeleteRepository { .. }) => {
                self.repository_lifecycle(op).await
            }
            Op::Repository(RepositoryOp::PutImageTagMutability {
                name,
                value,
                exclusion_filters,
            }) => done(
                client
                    .put_image_tag_mutability(name, *value, exclusion_filters)
                    .await,
            ),
            Op::Repository(RepositoryOp::PutScanOnPush { name, value }) => {
                done(client.put_scan_on_push(name, *value).await)
            }
            Op::Repository(RepositoryOp::PutLifecyclePolicy { name, text }) => {
                done(client.put_lifecycle_policy(name, text).await)
            }
            Op::Repository(RepositoryOp::DeleteLifecyclePolicy { name }) => {
                Ok(client.delete_lifecycle_policy(name).await?)
            }
            Op::Repository(RepositoryOp::SetRepositoryPolicy { name, text }) => done(
                self.retrying(&[ErrorKind::Invalid], || {
                    client.set_repository_policy(name, text)
                })
                .await,
            ),
            Op::Repository(RepositoryOp::DeleteRepositoryPolicy { name }) => {
                Ok(client.delete_repository_policy(name).await?)
            }
            Op::Tags(TagOp::SetTags { target, set, unset }) => {
                self.set_tags(target, set, unset).await
            }

            Op::OidcProvider(OidcProviderOp::CreateOidcProvider {
                url,
                client_ids,
                thumbprints,
                tags,
            }) => Ok(client
                .create_oidc_provider(&NewOidcProvider {
                    url,
                    client_ids,
                    thumbprints,
                    tags,
                })
                .await?),
            Op::OidcProvider(OidcProviderOp::AddClientId { arn, client_id }) => {
                done(client.add_client_id(arn, client_id).await)
            }
            Op::OidcProvider(OidcProviderOp::RemoveClientId { arn, client_id }) => {
                gone(client.remove_client_id(arn, client_id).await)
            }
            Op::OidcProvider(OidcProviderOp::UpdateThumbprints { arn, thumbprints }) => {
                done(client.update_thumbprints(arn, thumbprints).await)
            }
            Op::OidcProvider(OidcProviderOp::DeleteOidcProvider { arn }) => Ok(self
                .retrying(&[ErrorKind::Conflict], || client.delete_oidc_provider(arn))
                .await?),

            Op::Policy(PolicyOp::CreatePolicy {
                name,
                description,
                document,
                tags,
            }) => {
                let created = client
                    .create_policy(&NewPolicy {
                        name,
                        description,
                        document,
                        tags,
                    })
                    .await?;
                if created == Ensured::NotNeeded {
                    // Already there: our own create whose response was lost (the SDK retried
                    // it), or another run of this stack. Another stack's is not taken over.
                    let arn = self.policy_arn(name).await?;
                    let live_tags = client.list_policy_tags(&arn).await?;
                    self.not_anothers("policy", name, &live_tags, tags)?;
                }
                Ok(Ensured::Done)
            }
            Op::Policy(PolicyOp::CreatePolicyVersion { arn, document }) => {
                self.create_policy_version(arn, document).await
            }
            Op::Policy(PolicyOp::DeletePolicy { arn }) => Ok(self
                .retrying(&[ErrorKind::Conflict], || client.delete_policy(arn))
                .await?),

            Op::Role(RoleOp::CreateRole {
                name,
                description,
                trust_policy,
                max_session_duration,
                permissions_boundary,
                tags,
                path,
            }) => {
                let new = NewRole {
                    name,
                    description,
                    trust_policy,
                    max_session_duration: *max_session_duration,
                    permissions_boundary: permissions_boundary.as_deref(),
                    tags,
                    path,
                };
                let created = self
                    .retrying(&[ErrorKind::Invalid], || client.create_role(&new))
                    .await?;
                if created == Ensured::NotNeeded
                    && let Some(live) = client.get_role(name).await?
                {
                    self.not_anothers("role", name, &live.tags, tags)?;
                }
                Ok(Ensured::Done)
            }
            Op::Role(RoleOp::UpdateTrustPolicy { role, document }) => done(
                self.retrying(&[ErrorKind::Invalid], || {
                    client.update_trust_policy(role, document)
                })
                .await,
            ),
            Op::Role(RoleOp::UpdateRole {
                role,
                description,
                max_session_duration,
            }) => done(
                client
                    .update_role(role, description, *max_session_duration)
                    .await,
            ),
            Op::Role(RoleOp::PutPermissionsBoundary { role, policy_arn }) => done(
                self.retrying(&[ErrorKind::NotFound], || {
                    client.put_permissions_boundary(role, policy_arn)
                })
                .await,
            ),
            Op::Role(RoleOp::DeletePermissionsBoundary { role }) => {
                Ok(client.delete_permissions_boundary(role).await?)
            }
            Op::Role(RoleOp::AttachRolePolicy { role, policy_arn }) => done(
                self.retrying(&[ErrorKind::NotFound], || {
                    client.attach_role_policy(role, policy_arn)
                })
                .await,
            ),
            Op::Role(RoleOp::DetachRolePolicy { role, policy_arn }) => {
                Ok(client.detach_role_policy(role, policy_arn).await?)
            }
            Op::Role(RoleOp::PutRolePolicy {
                role,
                name,
                document,
            }) => done(client.put_role_policy(role, name, document).await),
            Op::Role(RoleOp::DeleteRolePolicy { role, name }) => {
                Ok(client.delete_role_policy(role, name).await?)
            }
            Op::Role(RoleOp::DeleteRole { role }) => Ok(self
                .retrying(&[ErrorKind::Conflict], || client.delete_role(role))
                .await?),
            Op::Policy(PolicyOp::DeletePolicyVersion { arn, version_id }) => {
                Ok(client.delete_policy_version(arn, version_id).await?)
            }
            Op::Policy(PolicyOp::DetachGroupPolicy { group, policy_arn }) => {
                Ok(client.detach_group_policy(group, policy_arn).await?)
            }
            Op::UserAttachment(UserAttachmentOp::AttachUserPolicy { user, policy_arn }) => done(
                self.retrying(&[ErrorKind::NotFound], || {
                    client.attach_user_policy(user, policy_arn)
                })
                .await,
            ),
            Op::UserAttachment(UserAttachmentOp::DetachUserPolicy { user, policy_arn }) => {
                Ok(client.detach_user_policy(user, policy_arn).await?)
            }
            Op::Registry(RegistryOp::PutRegistryScanning { part }) => {
                Ok(registry::put_scanning(client, part).await?)
            }
            Op::Registry(RegistryOp::PutReplication { part }) => {
                Ok(registry::put_replication(client, part).await?)
            }
            Op::Registry(RegistryOp::PutRegistryPolicy { part }) => {
                Ok(registry::put_policy(client, part).await?)
            }
            Op::Registry(RegistryOp::PutRegistryRecord { name, value, tags }) => {
                Ok(registry::put_record(client, name, value, tags).await?)
            }
            Op::Registry(RegistryOp::DeleteRegistryRecord { name }) => {
                Ok(client.delete_parameter(name).await?)
            }
            Op::PullThroughCache(PullThroughCacheOp::CreatePullThroughCacheRule { rule }) => {
                Ok(client.create_pull_through_cache_rule(rule).await?)
            }
            Op::PullThroughCache(PullThroughCacheOp::UpdatePullThroughCacheRule { rule }) => {
                done(client.update_pull_through_cache_rule(rule).await)
            }
            Op::PullThroughCache(PullThroughCacheOp::DeletePullThroughCacheRule { prefix }) => {
                Ok(client.delete_pull_through_cache_rule(prefix).await?)
            }
            Op::Signing(SigningOp::PutSigningRules { rules, release }) => {
                Ok(registry::put_signing(client, rules, release).await?)
            }
            Op::PullTimeExclusion(PullTimeExclusionOp::RegisterPullTimeUpdateExclusion {
                principal_arn,
            }) => Ok(client.register_pull_time_exclusion(principal_arn).await?),
            Op::PullTimeExclusion(PullTimeExclusionOp::DeregisterPullTimeUpdateExclusion {
                principal_arn,
            }) => Ok(client.deregister_pull_time_exclusion(principal_arn).await?),
            Op::AccountSetting(AccountSettingOp::PutAccountSetting { name, value }) => {
                done(client.put_account_setting(name, value).await)
            }
            Op::CreationTemplate(CreationTemplateOp::CreateCreationTemplate { template }) => {
                Ok(client.create_creation_template(template).await?)
            }
            Op::CreationTemplate(CreationTemplateOp::UpdateCreationTemplate { template }) => {
                done(client.update_creation_template(template).await)
            }
            Op::CreationTemplate(CreationTemplateOp::DeleteCreationTemplate { prefix }) => {
                Ok(client.delete_creation_template(prefix).await?)
            }
        }
    }

    async fn repository_lifecycle(&self, op: &Op) -> Result<Ensured, StepError> {
        let client = self.client;
        match op {
            Op::Repository(RepositoryOp::CreateRepository {
                name,
                image_tag_mutability,
                exclusion_filters,
                scan_on_push,
                encryption,
                tags,
            }) => {
                let created = client
                    .create_repository(&NewRepository {
                        name,
                        image_tag_mutability: *image_tag_mutability,
                        exclusion_filters,
                        scan_on_push: *scan_on_push,
                        encryption,
                        tags,
                    })
                    .await?;
                if created == Ensured::NotNeeded {
                    // It appeared since the plan was made (another run of this stack, or one that
                    // died half-way): make its settings ours, unless another stack owns it.
                    let listed = client.list_repositories().await?;
                    if let Some(repo) = listed.iter().find(|r| &r.name == name) {
                        let live_tags = client.list_tags(&repo.arn).await?;
                        self.not_anothers("repository", name, &live_tags, tags)?;
                        client
                            .put_image_tag_mutability(
                                name,
                                *image_tag_mutability,
                                exclusion_filters,
                            )
                            .await?;
                        client.put_scan_on_push(name, *scan_on_push).await?;
                        client.tag_resource(&repo.arn, tags).await?;
                    }
                }
                Ok(Ensured::Done)
            }
            Op::Repository(RepositoryOp::DeleteRepository {
                name,
                force_delete,
                reason,
            }) => {
                let Some(holds_images) = client.has_images(name).await? else {
                    return Ok(Ensured::NotNeeded);
                };
                if holds_images {
                    let (allowed, needs) = match reason {
                        DeleteReason::Replace => (
                            *force_delete && self.options.allow_replace,
                            "replacing it needs force_delete: true in the spec and --allow-replace",
                        ),
                        DeleteReason::Destroy => (
                            *force_delete || self.options.allow_destroy,
                            "deleting it needs force_delete: true on its last apply, or --allow-destroy",
                        ),
                    };
                    if !allowed {
                        return Err(StepError::HoldsImages {
                            name: name.clone(),
                            needs,
                        });
                    }
                }
                Ok(client.delete_repository(name, holds_images).await?)
            }
            _ => unreachable!("only repository creation and deletion come here"),
        }
    }

    /// Writes and removes tags through the service that holds the resource.
    async fn set_tags(
        &self,
        target: &TagTarget,
        set: &crate::model::Tags,
        unset: &[String],
    ) -> Result<Ensured, StepError> {
        let client = self.client;
        if !set.is_empty() {
            match target {
                TagTarget::Repository { arn } => client.tag_resource(arn, set).await?,
                iam => client.tag_iam(iam, set).await?,
            }
        }
        if !unset.is_empty() {
            match target {
                TagTarget::Repository { arn } => client.untag_resource(arn, unset).await?,
                iam => client.untag_iam(iam, unset).await?,
            }
        }
        Ok(Ensured::Done)
    }

    /// Makes `document` the default version of the policy, staying within IAM's five versions
    /// (the oldest non-default versions go first; never the default).
    ///
    /// A create whose response is lost (a 5xx or reset after IAM acted) is retried by the SDK, and
    /// the retry fails (LimitExceeded at five versions) or creates a second version: so a create
    /// that failed is taken as done when the default version holds the document after all, and a
    /// duplicate the retry left behind is removed. A document already in effect (another run of
    /// this stack) is not created again.
    async fn create_policy_version(&self, arn: &str, document: &str) -> Result<Ensured, StepError> {
        let client = self.client;
        let wanted = PolicyDocument::parse(document).ok();
        let versions = client.list_policy_versions(arn).await?;
        if self.default_holds(arn, &versions, wanted.as_ref()).await? {
            return Ok(Ensured::NotNeeded);
        }
        // The plan made room (one free slot); a retry of a lost create may use a second.
        let count = versions.len();
        if let Err(e) = client.create_policy_version(arn, document).await {
            let now = client.list_policy_versions(arn).await?;
            if !self.default_holds(arn, &now, wanted.as_ref()).await? {
                return Err(e.into());
            }
        }
        let after = client.list_policy_versions(arn).await?;
        if after.len() > count + 1 {
            for v in after.iter().filter(|v| !v.is_default) {
                let text = client.get_policy_version(arn, &v.version_id).await?;
                let doc = text.and_then(|t| PolicyDocument::parse(&t).ok());
                if doc.is_some() && doc.as_ref() == wanted.as_ref() {
                    client.delete_policy_version(arn, &v.version_id).await?;
                }
            }
        }
        Ok(Ensured::Done)
    }

    /// Whether the default version's document means `wanted`.
    async fn default_holds(
        &self,
        arn: &str,
        versions: &[crate::live::PolicyVersionInfo],
        wanted: Option<&PolicyDocument>,
    ) -> Result<bool, StepError> {
        let (Some(wanted), Some(default)) = (wanted, versions.iter().find(|v| v.is_default)) else {
            return Ok(false);
        };
        let text = self
            .client
            .get_policy_version(arn, &default.version_id)
            .await?;
        Ok(text
            .and_then(|t| PolicyDocument::parse(&t).ok())
            .is_some_and(|d| &d == wanted))
    }

    /// The ARN of a policy of this name (after a create race, when the create returned none).
    async fn policy_arn(&self, name: &str) -> Result<String, StepError> {
        let listed = self.client.list_policies().await?;
        Ok(listed
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.arn)
            .ok_or_else(|| {
                LiveError::new(
                    "iam:ListPolicies",
                    ErrorKind::NotFound,
                    None,
                    format!("policy {name} vanished after a create race"),
                )
            })?)
    }

    /// Refuses to take over what another stack owns; ours (or unowned) is fine.
    fn not_anothers(
        &self,
        kind: &'static str,
        name: &str,
        live: &crate::model::Tags,
        want: &crate::model::Tags,
    ) -> Result<(), StepError> {
        let owner = owner_of_tags(live);
        if owner.is_some() && owner != owner_of_tags(want) {
            return Err(StepError::OwnedByAnotherStack {
                kind,
                name: name.to_string(),
                owner: owner.unwrap_or_default().to_string(),
            });
        }
        Ok(())
    }
}
