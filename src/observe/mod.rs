//! Reads live state: everything the planner needs to compare the spec against, read once.
//!
//! Which resources are read is decided here from the desired state alone: the spec's resources
//! and, so that what left the spec can be pruned, those whose name carries the project prefix.
//! Reads of independent resources run concurrently, with at most `parallelism` AWS calls in
//! flight across the whole observation (see [`Limit`]).

mod iam;
pub(crate) mod images;
mod inventory;
mod registry;
mod repositories;
#[cfg(test)]
mod tests;

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
fn candidates<T>(
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

/// Milliseconds since the epoch: when images were read, the moment a lifecycle preview is taken at.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// Every API action reading live state calls: exactly what a read-only role (the drift role of
/// `init`) needs. A test holds this list to what observe really calls. `ecr:DescribeImages` is
/// called only for a repository whose lifecycle rules the spec changes; so is
/// `ecr:BatchGetImage` when it holds image indexes, which is not listed here: it pulls
/// manifests, and denied it only leaves the indexes unread (see `images`).
pub const READ_ACTIONS: &[&str] = &[
    "ecr:DescribeImages",
    "ecr:DescribePullThroughCacheRules",
    "ecr:DescribeRegistry",
    "ecr:DescribeRepositories",
    "ecr:DescribeRepositoryCreationTemplates",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRegistryPolicy",
    "ecr:GetRegistryScanningConfiguration",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "iam:GetOpenIDConnectProvider",
    "iam:GetPolicy",
    "iam:GetPolicyVersion",
    "iam:GetRole",
    "iam:GetRolePolicy",
    "iam:ListAttachedRolePolicies",
    "iam:ListAttachedUserPolicies",
    "iam:ListOpenIDConnectProviders",
    "iam:ListPolicies",
    "iam:ListPolicyTags",
    "iam:ListRolePolicies",
    "iam:ListRoles",
    "ssm:GetParametersByPath",
    "sts:GetCallerIdentity",
];

/// The bound on AWS calls in flight, shared by every reader of one observation. Resource-level
/// streams also stop at `width` resources, so that memory stays bounded while calls wait.
#[derive(Clone)]
pub struct Limit {
    permits: Arc<Semaphore>,
    pub width: usize,
}

impl Limit {
    pub fn new(parallelism: usize) -> Self {
        let width = parallelism.max(1);
        Limit {
            permits: Arc::new(Semaphore::new(width)),
            width,
        }
    }

    /// Runs one call (or one paginated listing) once a slot is free; futures start on first poll.
    pub async fn call<T>(&self, call: impl Future<Output = T>) -> T {
        let _slot = self
            .permits
            .acquire()
            .await
            .expect("the semaphore is never closed");
        call.await
    }
}

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
    let identity = client.caller_identity().await?;
    let env = Env {
        account: identity.account.clone(),
        partition: identity.partition.clone(),
        region: desired.region.clone(),
    };
    let iam_side = async {
        if desired.manages_iam {
            iam::read(client, desired, &env, &limit).await
        } else {
            Ok(iam::IamState::default())
        }
    };
    let (repositories, iam, (registry, registry_live)) = futures::try_join!(
        repositories::read(client, desired, &limit),
        iam_side,
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
