//! Reads live state: everything the planner needs to compare the spec against, read once.
//!
//! Which resources are read is decided here from the desired state alone: the spec's resources
//! and, so that what left the spec can be pruned, those whose name carries the project prefix.
//! Reads of independent resources run concurrently, with at most `parallelism` AWS calls in
//! flight across the whole observation (see [`Limit`]), or in each of the client's lanes
//! (`live::lanes`) when several targets are read at once.

pub(crate) mod iam;
pub(crate) mod images;
mod inventory;
pub(crate) mod read;
pub(crate) mod registry;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod vanish_tests;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use tokio::sync::Semaphore;

use crate::live::{Aws, LiveError};
use crate::model::{Desired, Env, Observed};

/// Whether a name carries the project prefix: `betekk-…`, `betekk/…`, `betekk_…`, in either case
/// (roles use `{PREFIX}`). Decides which resources outside the spec are read as prune candidates
/// (observe) and which are imported (inventory).
pub(crate) fn named_with_prefix(name: &str, prefix: &str) -> bool {
    name.len() > prefix.len()
        && name.is_char_boundary(prefix.len())
        && name[..prefix.len()].eq_ignore_ascii_case(prefix)
        && matches!(name.as_bytes()[prefix.len()], b'-' | b'/' | b'_')
}

/// The listed items to read: those the spec names (`true`) and prune candidates (`false`).
pub(crate) fn candidates<T>(
    listed: Vec<T>,
    name_of: impl Fn(&T) -> &str,
    wanted: &BTreeSet<&str>,
    prefix: &str,
) -> Vec<(T, bool)> {
    listed
        .into_iter()
        .filter_map(|item| {
            let name = name_of(&item);
            let in_spec = wanted.contains(name);
            (in_spec || named_with_prefix(name, prefix)).then_some((item, in_spec))
        })
        .collect()
}

pub use inventory::inventory;

/// A read of something listed a moment ago: a not-found answer means it is gone now, which is
/// data (`None`), not an error. In a shared account anything listed may be deleted before its
/// per-item reads, by another stack or by hand; the plan then sees it as absent, as if the
/// deletion had come before the listing.
pub(crate) fn present<T>(result: Result<T, LiveError>) -> Result<Option<T>, LiveError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(e) if e.kind == crate::live::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// What a read acts on, for the IAM policy that allows it (`permissions`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadScope {
    /// No resource-level permission: `*`.
    Anything,
    /// Every repository of the region (the listing).
    EveryRepository,
    /// The spec's repositories.
    Repositories,
    /// The spec's repositories and the prefix-named ones (prune candidates).
    RepositoriesAndCandidates,
    /// The spec's GitHub OIDC provider.
    Provider,
    /// The spec's roles and the prefix-named ones.
    Roles,
    /// The spec's managed policies and the prefix-named ones.
    Policies,
    /// Policies outside the spec that its roles name (checked to exist).
    ExternalPolicies,
    /// The users the spec grants roles to.
    Users,
    /// The path of every stack's registry ownership record.
    RecordPath,
    /// Registry-wide settings, read when the spec has a `registry:` section (`*`).
    Registry,
}

/// Every read observe makes, declared once: its API action and what it acts on. The read-only
/// policy of `init`'s drift role and `permissions --for plan|drift` come from this table; a test
/// holds it to what observe really calls.
/// Every read observe makes, with its scope: the caller's identity and the registry records,
/// then each kind's (declared in its files, [`read::Read::READS`]).
pub static READS: std::sync::LazyLock<Vec<(&'static str, ReadScope)>> =
    std::sync::LazyLock::new(|| {
        let mut reads = vec![
            ("sts:GetCallerIdentity", ReadScope::Anything),
            ("ssm:GetParametersByPath", ReadScope::RecordPath),
        ];
        reads.extend(kind_reads());
        reads
    });

macro_rules! declare_kind_reads {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        fn kind_reads() -> impl Iterator<Item = (&'static str, ReadScope)> {
            [$(<crate::kinds::$module::$model as read::Read>::READS,)*]
                .into_iter()
                .flatten()
                .copied()
        }
    };
}

crate::kinds::for_each_kind!(declare_kind_reads);

/// Milliseconds since the epoch: when images were read, the moment a lifecycle preview is taken at.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The API actions of [`READS`], sorted: exactly what a read-only role (`init`'s drift role) needs.
pub fn read_actions() -> Vec<&'static str> {
    let mut actions: Vec<&'static str> = READS.iter().map(|(a, _)| *a).collect();
    actions.sort_unstable();
    actions.dedup();
    actions
}

/// The bound on AWS calls in flight, shared by every reader of one observation. Resource-level
/// streams also stop at `width` resources, so that memory stays bounded while calls wait.
#[derive(Clone)]
pub struct Limit {
    permits: Option<Arc<Semaphore>>,
    pub width: usize,
}

impl Limit {
    /// At most `parallelism` calls in flight over everything that shares this limit.
    pub fn new(parallelism: usize) -> Self {
        let width = parallelism.max(1);
        Limit {
            permits: Some(Arc::new(Semaphore::new(width))),
            width,
        }
    }

    /// Calls bounded by the client's lanes (`live::lanes`), not here: each lane, a service in an
    /// account and region, has its own window, so that one target's calls never wait for
    /// another's. Streams still stop at `width` resources.
    pub fn lanes(width: usize) -> Self {
        Limit {
            permits: None,
            width: width.max(1),
        }
    }

    /// Runs one call (or one paginated listing) once a slot is free; futures start on first poll.
    pub async fn call<T>(&self, call: impl Future<Output = T>) -> T {
        let _slot = match &self.permits {
            Some(permits) => Some(
                permits
                    .acquire()
                    .await
                    .expect("the semaphore is never closed"),
            ),
            None => None,
        };
        call.await
    }
}

/// [`observe_limited`] with at most `parallelism` calls in flight over every service: what the
/// fake's tests use (the commands bound calls per lane, `live::lanes`).
#[cfg(test)]
pub async fn observe<C: Aws>(
    client: &C,
    desired: &Desired,
    parallelism: usize,
) -> Result<Observed, LiveError> {
    observe_limited(client, desired, &Limit::new(parallelism)).await
}

/// [`observe`] under a limit shared with other reads (several targets at once).
pub async fn observe_limited<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
) -> Result<Observed, LiveError> {
    let limit = limit.clone();
    // Only IAM's per-resource reads need the account (its ARNs); STS, the IAM listings, ECR and
    // the registry go out at once, one round of latency.
    let identity_and_iam = async {
        let listings = async {
            if desired.manages_iam {
                iam::list(client, desired, &limit).await.map(Some)
            } else {
                Ok(None)
            }
        };
        let (identity, listed) =
            futures::try_join!(limit.call(client.caller_identity()), listings)?;
        let env = Env {
            account: identity.account.clone(),
            partition: identity.partition.clone(),
            region: desired.region.clone(),
        };
        let iam = match listed {
            Some(listed) => iam::read(client, desired, &env, &limit, listed).await?,
            None => iam::IamState::default(),
        };
        Ok::<_, LiveError>((identity, iam))
    };
    let ((identity, iam), repositories, (registry, registry_live)) = futures::try_join!(
        identity_and_iam,
        crate::kinds::repository::observe::read(client, desired, &limit),
        registry::read(client, desired, &limit)
    )?;
    let mut resources = BTreeMap::new();
    for live in repositories
        .into_iter()
        .chain(iam.resources)
        .chain(registry_live)
    {
        resources.insert(live.resource.address(), live);
    }
    Ok(Observed {
        identity,
        region: desired.region.clone(),
        resources,
        missing_users: iam.missing_users,
        missing_policies: iam.missing_policies,
        registry,
    })
}
