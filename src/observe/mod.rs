//! Reads live state: everything the planner needs to compare the spec against, read once.
//!
//! Which resources are read is decided here from the desired state alone: the spec's resources
//! and, so that what left the spec can be pruned, those whose name carries the project prefix.
//! Reads of independent resources run concurrently, at most `parallelism` at a time.

mod repositories;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use crate::live::{Aws, Identity, LiveError};
use crate::model::{Address, Desired, Resource};

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
}

impl Observed {
    pub fn get(&self, address: &Address) -> Option<&Live> {
        self.resources.get(address)
    }
}

pub async fn observe<C: Aws>(
    client: &C,
    desired: &Desired,
    parallelism: usize,
) -> Result<Observed, LiveError> {
    let identity = client.caller_identity().await?;
    let mut resources = BTreeMap::new();
    for live in repositories::read(client, desired, parallelism).await? {
        resources.insert(live.resource.address(), live);
    }
    Ok(Observed {
        identity,
        region: desired.region.clone(),
        resources,
    })
}
