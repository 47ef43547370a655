//! The planner's inputs from AWS: what exists, as read (by `observe`), in model terms. Pure data;
//! reading it is `observe`'s job.

use std::collections::{BTreeMap, BTreeSet};

use super::image::ImagesRead;
use super::registry_record::RegistryRecord;
use super::{Address, Env, Identity, Kind, Resource};
use crate::kinds::registry::LiveRegistry;

/// One resource as it exists in AWS.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Live {
    pub(crate) resource: Resource,
    pub(crate) arn: String,
    /// Where images are pushed (repositories only).
    pub(crate) uri: Option<String>,
    /// False when only enough was read to tell who owns it (prune candidates).
    pub(crate) complete: bool,
    /// What the planner needs to act on it beyond its settings, read only when it will.
    pub(crate) dependents: Dependents,
}

/// Read for a resource the plan will act on: a policy's versions (when a new one must be made,
/// or it is deleted), what a policy to be deleted is attached to, and the images of a repository
/// whose lifecycle rules change. A role to be deleted carries
/// its attachments and inline policies in the role itself.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Dependents {
    /// Oldest first.
    pub(crate) versions: Vec<PolicyVersion>,
    pub(crate) attached_roles: Vec<String>,
    pub(crate) attached_users: Vec<String>,
    pub(crate) attached_groups: Vec<String>,
    /// A repository's images, read only when the spec changes its lifecycle rules.
    pub(crate) images: Option<ImagesRead>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PolicyVersion {
    pub(crate) id: String,
    pub(crate) is_default: bool,
    /// Seconds since the epoch (one-second resolution; ids break ties).
    pub(crate) created: i64,
}

impl PolicyVersion {
    /// Sorts oldest first: by creation, then by the number in `v12`.
    pub(crate) fn sort(versions: &mut [PolicyVersion]) {
        versions.sort_by_key(|v| {
            (
                v.created,
                v.id.trim_start_matches('v').parse::<u64>().unwrap_or(0),
            )
        });
    }
}

/// Live state of everything relevant to one spec.
#[derive(Debug, Clone)]
pub(crate) struct Observed {
    pub(crate) identity: Identity,
    pub(crate) region: String,
    pub(crate) resources: BTreeMap<Address, Live>,
    /// Users named by the spec's grants that do not exist.
    pub(crate) missing_users: BTreeSet<String>,
    /// Policy ARNs named by the spec's roles that do not exist.
    pub(crate) missing_policies: BTreeSet<String>,
    /// The registry-wide settings and every stack's ownership record of them in this region.
    pub(crate) registry: RegistryState,
}

/// What the region's registry settings are and who owns which part of them.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct RegistryState {
    /// Every stack's record, by stack (read on every run: one call).
    pub(crate) records: BTreeMap<String, RegistryRecord>,
    /// The settings, read only when the spec declares some or this stack's record owns some.
    pub(crate) settings: Option<LiveRegistry>,
    /// What a kind's read found the plan must know of AWS beyond its resources (the registry's
    /// whole signing configuration), by kind; absent when not read.
    pub(crate) facts: BTreeMap<Kind, serde_json::Value>,
}

impl RegistryState {
    /// A kind's fact, as its read stored it (`None`: not read).
    ///
    /// # Panics
    /// When the fact is read as another type than the kind's read stored: a bug, which must not
    /// pass for "not read" (a push policy would lose the signing it needs).
    pub(crate) fn fact<T: serde::de::DeserializeOwned>(&self, kind: Kind) -> Option<T> {
        self.facts.get(&kind).map(|v| {
            T::deserialize(v)
                .unwrap_or_else(|e| panic!("the {kind:?} fact is not the type read: {e}"))
        })
    }
}

impl Observed {
    pub(crate) fn get(&self, address: &Address) -> Option<&Live> {
        self.resources.get(address)
    }

    pub(crate) fn env(&self) -> Env {
        Env {
            account: self.identity.account.clone(),
            partition: self.identity.partition.clone(),
            region: self.region.clone(),
        }
    }
}
