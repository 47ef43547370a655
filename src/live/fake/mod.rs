//! An in-memory AWS account behind the same traits as the SDK client.
//!
//! It keeps AWS's habits that matter to the engine (policies handed back reformatted, already-exists
//! and not-found answers, repositories that refuse deletion while they hold images) and lets a test
//! inject failures: a number of failures of one operation, optionally on one resource only.
//! ECR and STS live here; IAM in `iam.rs`.

mod iam;
mod registry;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::lanes::{LaneKey, Lanes, Service};
use super::{
    ApiStats, Aws, CallCounter, EcrApi, Ensured, ErrorKind, Identity, LiveError, NewRepository,
    RepositoryInfo, StsApi,
};
use crate::model::image::Image;
use crate::model::{Encryption, TagMutability, Tags};

pub use iam::{FakeOidcProvider, FakePolicy, FakePolicyVersion, FakeRole};
pub use registry::FakeRegistry;

/// One repository as the fake stores it.
#[derive(Debug, Clone, PartialEq)]
pub struct FakeRepository {
    /// What DescribeRepositories reports for it.
    pub info: RepositoryInfo,
    /// The lifecycle policy text as stored; `None` for none.
    pub lifecycle_policy: Option<String>,
    /// The repository policy text as stored; `None` for none.
    pub repository_policy: Option<String>,
    /// The repository's tags.
    pub tags: Tags,
    /// How many images it holds; a repository with any refuses deletion without `force`.
    pub images: u32,
}

#[derive(Debug, Clone)]
struct Fault {
    operation: String,
    target: Option<String>,
    kind: ErrorKind,
    remaining: u32,
}

/// A response lost after the call acted; `retried`: the SDK sent the call again, which acted
/// (or failed) a second time.
#[derive(Debug, Clone)]
struct Lost {
    operation: String,
    retried: bool,
    remaining: u32,
}

/// A resource another actor deletes in a shared account: by name, a provider by URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Vanishing {
    /// A repository.
    Repository(String),
    /// A role.
    Role(String),
    /// A customer managed policy, detached from every role, user and group first.
    Policy(String),
    /// The OIDC provider of this URL (with or without `https://`).
    OidcProvider(String),
}

/// A deletion due once a call of `after` has answered; `armed` once it has.
#[derive(Debug, Clone)]
struct Vanish {
    after: String,
    victim: Vanishing,
    armed: bool,
}

#[derive(Debug, Default)]
pub(crate) struct State {
    lost: Vec<Lost>,
    vanishing: Vec<Vanish>,
    repositories: BTreeMap<String, FakeRepository>,
    iam: iam::IamState,
    pub(crate) registry: FakeRegistry,
    faults: Vec<Fault>,
    /// What DescribeImages lists, by repository, with what each index's manifest lists.
    images: BTreeMap<String, Vec<(Image, Vec<String>)>>,
    /// Repositories per DescribeRepositories page (AWS's 1000 when unset).
    page_size: Option<usize>,
}

/// The in-memory account: implements every live trait, counts calls like the SDK client, and
/// shares its state between clones.
#[derive(Debug, Clone)]
pub struct FakeAws {
    /// The account id every ARN is built with (partition `aws`).
    pub account: String,
    /// The region of its repositories.
    pub region: String,
    state: Arc<Mutex<State>>,
    counter: CallCounter,
    pace: Option<Pace>,
}

/// Lanes and a latency for every call ([`FakeAws::paced`]).
#[derive(Debug, Clone)]
struct Pace {
    lanes: Lanes,
    latency: std::time::Duration,
}

impl Default for FakeAws {
    fn default() -> Self {
        FakeAws::new("123456789012", "ap-southeast-1")
    }
}

#[derive(Debug, thiserror::Error)]
#[error("fake AWS: {0}")]
struct FakeError(String);

/// As DescribeRepositories lists them (sorted here, so that comparisons are stable).
fn sorted(filters: &[String]) -> Vec<String> {
    let mut out = filters.to_vec();
    out.sort();
    out
}

impl FakeAws {
    /// An empty account: no repositories, roles, policies or providers, and no faults.
    pub fn new(account: &str, region: &str) -> Self {
        FakeAws {
            account: account.into(),
            region: region.into(),
            state: Arc::default(),
            counter: CallCounter::default(),
            pace: None,
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().expect("fake state poisoned")
    }

    /// Makes the next `times` calls of `operation` (on `target` only, when given) fail with `kind`.
    pub fn fail(&self, operation: &str, target: Option<&str>, kind: ErrorKind, times: u32) {
        self.state().faults.push(Fault {
            operation: operation.into(),
            target: target.map(str::to_string),
            kind,
            remaining: times,
        });
    }

    /// Makes the next `times` calls of `operation` act and then lose their response: the caller
    /// sees a server error, or (`retried`) what a second, retried call answers.
    pub fn lose_response(&self, operation: &str, retried: bool, times: u32) {
        self.state().lost.push(Lost {
            operation: operation.into(),
            retried,
            remaining: times,
        });
    }

    /// Makes `victim` vanish right after the next call of `operation` has answered, before the
    /// fake serves any other call: listed (or read) a moment ago, then gone, as when another
    /// stack or a person deletes it in a shared account.
    pub fn vanish_after(&self, operation: &str, victim: Vanishing) {
        self.state().vanishing.push(Vanish {
            after: operation.into(),
            victim,
            armed: false,
        });
    }

    /// Carries out the deletions armed by earlier calls, and arms those this call triggers.
    fn vanish_due(state: &mut State, operation: &str) {
        let (due, rest): (Vec<Vanish>, Vec<Vanish>) = std::mem::take(&mut state.vanishing)
            .into_iter()
            .partition(|v| v.armed);
        for vanish in due {
            match &vanish.victim {
                Vanishing::Repository(name) => {
                    state.repositories.remove(name);
                }
                other => state.iam.vanish(other),
            }
        }
        state.vanishing = rest;
        for vanish in &mut state.vanishing {
            vanish.armed |= vanish.after == operation;
        }
    }

    /// Whether the response of this call of `operation` is to be lost (and the call retried).
    fn losing(&self, operation: &str) -> Option<bool> {
        let mut state = self.state();
        let due = state
            .lost
            .iter_mut()
            .find(|l| l.remaining > 0 && l.operation == operation)?;
        due.remaining -= 1;
        Some(due.retried)
    }

    /// Counts the call and answers an injected fault, if one is due; when paced, first waits
    /// for a slot in the call's lane and holds it for the latency, and tells the lane whether
    /// the answer was throttling.
    pub(crate) async fn enter(
        &self,
        operation: &'static str,
        target: &str,
    ) -> Result<MutexGuard<'_, State>, LiveError> {
        let Some(pace) = &self.pace else {
            return self.enter_now(operation, target);
        };
        let lane = pace.lanes.lane(LaneKey::new(
            Service::of_operation(operation),
            &self.account,
            &self.region,
        ));
        lane.called();
        let slot = lane.acquire().await;
        tokio::time::sleep(pace.latency).await;
        let answer = self.enter_now(operation, target);
        lane.answered(matches!(&answer, Err(e) if e.kind == ErrorKind::Throttled));
        drop(slot);
        answer
    }

    /// Calls in lanes (`live::lanes`), each holding its lane's slot for `latency`, as an SDK
    /// client over a network would.
    #[must_use]
    pub fn paced(mut self, lanes: &Lanes, latency: std::time::Duration) -> Self {
        self.pace = Some(Pace {
            lanes: lanes.clone(),
            latency,
        });
        self
    }

    fn enter_now(
        &self,
        operation: &'static str,
        target: &str,
    ) -> Result<MutexGuard<'_, State>, LiveError> {
        self.counter.record(operation);
        let mut state = self.state();
        Self::vanish_due(&mut state, operation);
        let due = state.faults.iter_mut().find(|f| {
            f.remaining > 0
                && f.operation == operation
                && f.target.as_deref().is_none_or(|t| t == target)
        });
        if let Some(fault) = due {
            fault.remaining -= 1;
            let kind = fault.kind;
            return Err(LiveError::new(
                operation,
                kind,
                Some(format!("Injected{kind:?}")),
                FakeError(format!("injected {kind:?} on {target}")),
            ));
        }
        Ok(state)
    }

    pub(crate) fn error(
        operation: &'static str,
        kind: ErrorKind,
        code: &str,
        message: String,
    ) -> LiveError {
        LiveError::new(operation, kind, Some(code.into()), FakeError(message))
    }

    /// Encryption as AWS reports it after creation: a KMS type without a key names the managed key.
    fn reported_encryption(&self, asked: &Encryption) -> Encryption {
        let managed = || Some(self.managed_kms_key_arn());
        match asked {
            Encryption::Kms { kms_key: None } => Encryption::Kms { kms_key: managed() },
            Encryption::KmsDsse { kms_key: None } => Encryption::KmsDsse { kms_key: managed() },
            other => other.clone(),
        }
    }

    /// The ARN a repository of this name has in this account and region.
    pub fn repository_arn(&self, name: &str) -> String {
        format!(
            "arn:aws:ecr:{}:{}:repository/{name}",
            self.region, self.account
        )
    }

    /// The ARN of this account's AWS managed key for ECR (`aws/ecr`): what AWS reports as the key
    /// of a repository created with a KMS type and no key.
    pub fn managed_kms_key_arn(&self) -> String {
        format!(
            "arn:aws:kms:{}:{}:key/0e0e0e0e-ec00-4000-8000-000000000000",
            self.region, self.account
        )
    }

    /// The stored state of one repository.
    pub fn repository(&self, name: &str) -> Option<FakeRepository> {
        self.state().repositories.get(name).cloned()
    }

    /// The names of every stored repository, sorted.
    pub fn repository_names(&self) -> Vec<String> {
        self.state().repositories.keys().cloned().collect()
    }

    /// Changes a repository directly, as someone with console access would.
    pub fn tamper(&self, name: &str, change: impl FnOnce(&mut FakeRepository)) {
        let mut state = self.state();
        let repo = state
            .repositories
            .get_mut(name)
            .expect("no such fake repository");
        change(repo);
    }

    /// Puts a repository in place without going through the API (and without counting a call).
    pub fn seed_repository(&self, repo: FakeRepository) {
        self.state()
            .repositories
            .insert(repo.info.name.clone(), repo);
    }

    /// Adds one image to the repository without a call.
    ///
    /// # Panics
    /// When there is no repository of that name.
    pub fn push_image(&self, name: &str) {
        self.tamper(name, |r| r.images += 1);
    }

    /// Adds this image to the repository without a call, as DescribeImages will list it;
    /// `children`: the digests its manifest lists, when it is an image index.
    ///
    /// # Panics
    /// When there is no repository of that name.
    pub fn put_image(&self, name: &str, image: Image, children: Vec<String>) {
        self.tamper(name, |r| r.images += 1);
        self.state()
            .images
            .entry(name.to_string())
            .or_default()
            .push((image, children));
    }

    fn repo_of_arn<'a>(state: &'a mut State, arn: &str) -> Option<&'a mut FakeRepository> {
        let name = arn.split_once(":repository/")?.1;
        state.repositories.get_mut(name)
    }

    fn not_found(operation: &'static str, name: &str) -> LiveError {
        Self::error(
            operation,
            ErrorKind::NotFound,
            "RepositoryNotFoundException",
            format!("repository {name} does not exist"),
        )
    }
}

/// AWS stores policy text and hands it back in its own layout; the fake pretty-prints it.
fn reformatted(text: &str) -> String {
    serde_json::from_str::<serde_json::Value>(text)
        .ok()
        .and_then(|v| serde_json::to_string_pretty(&v).ok())
        .unwrap_or_else(|| text.to_string())
}

impl Aws for FakeAws {
    fn stats(&self) -> ApiStats {
        let mut stats = self.counter.snapshot();
        if let Some(pace) = &self.pace {
            stats.lanes = [Service::Ecr, Service::Iam, Service::Sts, Service::Ssm]
                .into_iter()
                .map(|service| {
                    let lane = LaneKey::new(service, &self.account, &self.region);
                    pace.lanes.lane(lane).stats()
                })
                .filter(|(_, s)| s.calls > 0)
                .collect();
        }
        stats
    }
}

impl StsApi for FakeAws {
    async fn caller_identity(&self) -> Result<Identity, LiveError> {
        drop(self.enter("sts:GetCallerIdentity", "").await?);
        Ok(Identity::from_arn(
            self.account.clone(),
            format!("arn:aws:iam::{}:user/test", self.account),
        ))
    }
}

impl FakeAws {
    /// Lists repositories `size` to a page (AWS: 1000), to see readers work page by page.
    pub fn set_page_size(&self, size: usize) {
        self.state().page_size = Some(size.max(1));
    }
}

impl EcrApi for FakeAws {
    fn repository_pages(
        &self,
    ) -> impl futures::Stream<Item = Result<Vec<RepositoryInfo>, LiveError>> + Send {
        // One call per page of `page_size` (1000, as DescribeRepositories pages), each handed on
        // as it is read; a page is what the account holds at that moment, after the last name
        // of the page before.
        let page_size = self.state().page_size.unwrap_or(1000);
        futures::stream::unfold(Some(String::new()), move |after| async move {
            let after = after?;
            let page: Result<Vec<RepositoryInfo>, LiveError> = self
                .enter("ecr:DescribeRepositories", "")
                .await
                .map(|state| {
                    state
                        .repositories
                        .range::<String, _>((
                            std::ops::Bound::Excluded(after.clone()),
                            std::ops::Bound::Unbounded,
                        ))
                        .take(page_size)
                        .map(|(_, r)| r.info.clone())
                        .collect()
                });
            let next = match &page {
                Ok(items) if items.len() == page_size => items.last().map(|r| r.name.clone()),
                _ => None,
            };
            Some((page, next))
        })
    }

    async fn get_lifecycle_policy(&self, repository: &str) -> Result<Option<String>, LiveError> {
        const OP: &str = "ecr:GetLifecyclePolicy";
        let state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        Ok(repo.lifecycle_policy.as_deref().map(reformatted))
    }

    async fn get_repository_policy(&self, repository: &str) -> Result<Option<String>, LiveError> {
        const OP: &str = "ecr:GetRepositoryPolicy";
        let state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        Ok(repo.repository_policy.as_deref().map(reformatted))
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, LiveError> {
        const OP: &str = "ecr:ListTagsForResource";
        let mut state = self.enter(OP, arn).await?;
        Self::repo_of_arn(&mut state, arn)
            .map(|r| r.tags.clone())
            .ok_or_else(|| Self::not_found(OP, arn))
    }

    async fn has_images(&self, repository: &str) -> Result<Option<bool>, LiveError> {
        let state = self.enter("ecr:ListImages", repository).await?;
        Ok(state.repositories.get(repository).map(|r| r.images > 0))
    }

    async fn describe_images(&self, repository: &str) -> Result<Option<Vec<Image>>, LiveError> {
        const OP: &str = "ecr:DescribeImages";
        let images: Vec<Image> = {
            let state = self.enter(OP, repository).await?;
            if !state.repositories.contains_key(repository) {
                return Ok(None);
            }
            state
                .images
                .get(repository)
                .map(|list| list.iter().map(|(i, _)| i.clone()).collect())
                .unwrap_or_default()
        };
        // One call per page of 1000, as DescribeImages pages.
        for _ in 1..images.len().div_ceil(1000) {
            drop(self.enter(OP, repository).await?);
        }
        Ok(Some(images))
    }

    async fn index_children(
        &self,
        repository: &str,
        indexes: &[String],
    ) -> Result<Vec<(String, Vec<String>)>, LiveError> {
        let mut out = Vec::new();
        for chunk in indexes.chunks(100) {
            let state = self.enter("ecr:BatchGetImage", repository).await?;
            let stored = state.images.get(repository);
            for digest in chunk {
                if let Some((_, children)) = stored
                    .into_iter()
                    .flatten()
                    .find(|(i, _)| &i.digest == digest)
                {
                    out.push((digest.clone(), children.clone()));
                }
            }
        }
        Ok(out)
    }

    async fn create_repository(&self, new: &NewRepository<'_>) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:CreateRepository", new.name).await?;
        if state.repositories.contains_key(new.name) {
            return Ok(Ensured::NotNeeded);
        }
        let info = RepositoryInfo {
            name: new.name.to_string(),
            arn: self.repository_arn(new.name),
            uri: format!(
                "{}.dkr.ecr.{}.amazonaws.com/{}",
                self.account, self.region, new.name
            ),
            image_tag_mutability: new.image_tag_mutability,
            exclusion_filters: sorted(new.exclusion_filters),
            scan_on_push: new.scan_on_push,
            encryption: self.reported_encryption(new.encryption),
        };
        state.repositories.insert(
            new.name.to_string(),
            FakeRepository {
                info,
                lifecycle_policy: None,
                repository_policy: None,
                tags: new.tags.clone(),
                images: 0,
            },
        );
        Ok(Ensured::Done)
    }

    async fn delete_repository(&self, repository: &str, force: bool) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteRepository";
        let mut state = self.enter(OP, repository).await?;
        match state.repositories.get(repository) {
            None => Ok(Ensured::NotNeeded),
            Some(r) if r.images > 0 && !force => Err(Self::error(
                OP,
                ErrorKind::Conflict,
                "RepositoryNotEmptyException",
                format!("repository {repository} holds {} images", r.images),
            )),
            Some(_) => {
                state.repositories.remove(repository);
                state.images.remove(repository);
                Ok(Ensured::Done)
            }
        }
    }

    async fn put_image_tag_mutability(
        &self,
        repository: &str,
        value: TagMutability,
        exclusion_filters: &[String],
    ) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutImageTagMutability";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        repo.info.image_tag_mutability = value;
        repo.info.exclusion_filters = sorted(exclusion_filters);
        Ok(())
    }

    async fn put_scan_on_push(&self, repository: &str, value: bool) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutImageScanningConfiguration";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        repo.info.scan_on_push = value;
        Ok(())
    }

    async fn put_lifecycle_policy(&self, repository: &str, text: &str) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutLifecyclePolicy";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        repo.lifecycle_policy = Some(text.to_string());
        Ok(())
    }

    async fn delete_lifecycle_policy(&self, repository: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteLifecyclePolicy";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        Ok(match repo.lifecycle_policy.take() {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }

    async fn set_repository_policy(&self, repository: &str, text: &str) -> Result<(), LiveError> {
        const OP: &str = "ecr:SetRepositoryPolicy";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        repo.repository_policy = Some(text.to_string());
        Ok(())
    }

    async fn delete_repository_policy(&self, repository: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteRepositoryPolicy";
        let mut state = self.enter(OP, repository).await?;
        let repo = state
            .repositories
            .get_mut(repository)
            .ok_or_else(|| Self::not_found(OP, repository))?;
        Ok(match repo.repository_policy.take() {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }

    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), LiveError> {
        const OP: &str = "ecr:TagResource";
        let mut state = self.enter(OP, arn).await?;
        let repo = Self::repo_of_arn(&mut state, arn).ok_or_else(|| Self::not_found(OP, arn))?;
        repo.tags.extend(tags.clone());
        Ok(())
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), LiveError> {
        const OP: &str = "ecr:UntagResource";
        let mut state = self.enter(OP, arn).await?;
        let repo = Self::repo_of_arn(&mut state, arn).ok_or_else(|| Self::not_found(OP, arn))?;
        repo.tags.retain(|k, _| !keys.contains(k));
        Ok(())
    }
}
