//! The planner: desired × observed → [`Plan`]. Pure: no I/O, no SDK types, no clock.
//!
//! A plan is complete: each change carries the attribute differences shown to the user and the
//! exact operations the executor will run, so `plan` prints what `apply` does and a saved plan can
//! be applied as it is.

mod change;
mod op;
mod repository;
#[cfg(test)]
mod tests;

pub use change::{Action, AttributeChange, Change, Plan, Summary};
pub use op::{DeleteReason, Op};

use std::collections::BTreeSet;

use crate::model::{Address, Desired, MANAGED_BY_TAG, MANAGED_BY_VALUE, Resource, STACK_TAG};
use crate::observe::Observed;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "{address} belongs to stack {owner:?}, not {stack:?}; two specs must not manage one resource \
         (remove it from this spec, or retag it {STACK_TAG}={stack} to move it)"
    )]
    OwnedByAnotherStack {
        address: Address,
        owner: String,
        stack: String,
    },
}

/// Compares every desired resource with its live counterpart, and plans the deletion of resources
/// this stack owns that the spec no longer names.
pub fn plan(desired: &Desired, observed: &Observed) -> Result<Plan, PlanError> {
    let mut changes = Vec::new();
    let mut wanted = BTreeSet::new();
    for resource in &desired.resources {
        let address = resource.address();
        let live = observed.get(&address);
        if let Some(owner) = live.and_then(|l| owner_of(&l.resource)) {
            if owner != desired.stack {
                return Err(PlanError::OwnedByAnotherStack {
                    address,
                    owner: owner.to_string(),
                    stack: desired.stack.clone(),
                });
            }
        }
        let change = match resource {
            Resource::Repository(want) => repository::diff(want, live),
        };
        changes.extend(change);
        wanted.insert(address);
    }
    for (address, live) in &observed.resources {
        if !wanted.contains(address) && owner_of(&live.resource) == Some(desired.stack.as_str()) {
            changes.push(match &live.resource {
                Resource::Repository(have) => repository::delete(have),
            });
        }
    }
    Ok(Plan::new(changes))
}

/// The stack a live resource is tagged with, if it is managed by this tool at all.
pub fn owner_of(resource: &Resource) -> Option<&str> {
    let tags = resource.tags();
    if tags.get(MANAGED_BY_TAG).map(String::as_str) != Some(MANAGED_BY_VALUE) {
        return None;
    }
    tags.get(STACK_TAG).map(String::as_str)
}
