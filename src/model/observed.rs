//! The planner's inputs from AWS: what exists, as read (by `observe`), in model terms. Pure data;
//! reading it is `observe`'s job.

use std::collections::{BTreeMap, BTreeSet};

use super::{Address, Env, Identity, Resource};

/// One resource as it exists in AWS.
#[derive(Debug, Clone, PartialEq)]
pub struct Live {
    pub resource: Resource,
    pub arn: String,
    /// Where images are pushed (repositories only).
    pub uri: Option<String>,
    /// False when only enough was read to tell who owns it (prune candidates).
    pub complete: bool,
}

/// Live state of everything relevant to one spec.
#[derive(Debug, Clone)]
pub struct Observed {
    pub identity: Identity,
    pub region: String,
    pub resources: BTreeMap<Address, Live>,
    /// Users named by the spec's grants that do not exist.
    pub missing_users: BTreeSet<String>,
    /// Policy ARNs named by the spec's roles that do not exist.
    pub missing_policies: BTreeSet<String>,
}

impl Observed {
    pub fn get(&self, address: &Address) -> Option<&Live> {
        self.resources.get(address)
    }

    pub fn env(&self) -> Env {
        Env {
            account: self.identity.account.clone(),
            partition: self.identity.partition.clone(),
            region: self.region.clone(),
        }
    }
}
