//! The planner: desired × observed → [`Plan`]. Pure: no I/O, no SDK types, no clock.
//!
//! A plan is complete: each change carries the attribute differences shown to the user and the
//! exact operations the executor will run, so `plan` prints what `apply` does and a saved plan can
//! be applied as it is. One file per resource kind decides that kind's changes; `order.rs` links
//! changes to what they depend on.

pub(crate) mod calls;
mod change;
pub mod expiry_guard;
#[cfg(test)]
pub(crate) mod iam_tests;
pub(crate) mod op;
mod order;
pub(crate) mod planned;
pub mod saved;
pub(crate) mod tag_ops;

pub use change::{Action, AttributeChange, Change, Plan, Summary};
pub use op::Op;

use std::collections::BTreeSet;

use serde_json::json;

use crate::model::Observed;
use crate::model::fingerprint::{APPLIED_TAG, Fingerprint};
use crate::model::tags::owner_of_tags;
use crate::model::{Address, Desired, Resource, STACK_TAG};
use planned::{Context, Foreign, planned, planned_mut};

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
    #[error(
        "the OIDC provider {url} does not exist in account {account}, and the spec sets \
         github.oidc_provider.manage: false; create it, or set manage: true"
    )]
    ProviderMissing { url: String, account: String },
    #[error(
        "IAM user {user:?} (assume_role_grants) does not exist in account {account}; users are not created by this tool"
    )]
    UserMissing { user: String, account: String },
    #[error(
        "role {role} names policy {arn}, which is neither a policy of this spec nor found in account \
         {account}; check the ARN (an AWS managed policy is arn:aws:iam::aws:policy/NAME)"
    )]
    PolicyMissing {
        role: String,
        arn: String,
        account: String,
    },
    #[error(
        "stack {stack:?} and stack {other:?} both declare {}; a registry setting has one owner \
         (remove it from one spec)", keys.join(", ")
    )]
    RegistryConflict {
        stack: String,
        other: String,
        keys: Vec<String>,
    },
    #[error("the registry settings after this apply would have {what}")]
    RegistryLimit { what: String },
}

/// Compares every desired resource with its live counterpart, and plans the deletion of resources
/// this stack owns that the spec no longer names.
///
/// # Guarantees
/// Pure: no I/O, no clock. Every write `apply` makes is an op of the returned plan (version
/// deletes, detaches before deletes), ordered by `depends_on`; nothing without this stack's tags
/// is ever deleted.
///
/// # Errors
/// [`PlanError`] when a resource belongs to another stack, an unmanaged provider is missing, a
/// granted user does not exist, or a role names a policy ARN that exists nowhere.
pub fn plan(desired: &Desired, observed: &Observed) -> Result<Plan, PlanError> {
    let env = observed.env();
    let mut changes = Vec::new();
    let mut wanted = BTreeSet::new();
    let mut bound = Vec::new();
    let declared: Vec<Resource> = desired.resources.iter().map(|r| r.bind(&env)).collect();
    for (resource, reasons) in completed(&declared, observed, &env, &desired.stack) {
        let resource = with_fingerprint(resource);
        let address = resource.address();
        let live = observed.get(&address);
        wanted.insert(address.clone());
        let owner = live.and_then(|l| owner_of(&l.resource));
        if let Some(owner) = owner.filter(|o| *o != desired.stack) {
            let live = live.expect("an owner was read from it");
            match planned(&resource).foreign(live, owner, &desired.stack) {
                Foreign::Use => continue,
                Foreign::Share => {}
                Foreign::Refuse => {
                    return Err(PlanError::OwnedByAnotherStack {
                        address,
                        owner: owner.to_string(),
                        stack: desired.stack.clone(),
                    });
                }
                Foreign::Conflict(e) => return Err(e),
            }
        }
        let cx = Context {
            desired,
            observed,
            env: &env,
            owned: owner.is_some(),
        };
        let mut change = planned(&resource).diff(live, &cx)?;
        if let Some(change) = &mut change {
            change.notes.extend(reasons);
        }
        changes.extend(change);
        bound.push(resource);
    }
    for (address, live) in &observed.resources {
        if wanted.contains(address) || owner_of(&live.resource) != Some(desired.stack.as_str()) {
            continue;
        }
        let cx = Context {
            desired,
            observed,
            env: &env,
            owned: true,
        };
        changes.extend(planned(&live.resource).prune(live, &cx));
    }
    order::link(&mut changes, &bound, &env);
    if let Some(mut record) =
        crate::kinds::registry::plan::record(&bound, &observed.registry, &desired.stack)?
    {
        record.depends_on = changes
            .iter()
            .filter(|c| c.kind.in_registry_record())
            .map(|c| c.address.clone())
            .collect();
        changes.push(record);
    }
    Ok(Plan::new(changes))
}

/// The spec's resources (bound) as the plan writes them: each completed from what is observed (a
/// push policy allows signing with the rules that cover its repositories), with the reasons not
/// in the spec. `explain` evaluates the same documents.
pub(crate) fn completed(
    declared: &[Resource],
    observed: &Observed,
    env: &crate::model::Env,
    stack: &str,
) -> Vec<(Resource, Vec<String>)> {
    declared
        .iter()
        .map(|resource| {
            let mut resource = resource.clone();
            let reasons = planned_mut(&mut resource).complete(declared, observed, env, stack);
            (resource, reasons)
        })
        .collect()
}

/// The desired resource with its last-applied fingerprint among its tags, so that every write
/// of its tags records it.
pub fn with_fingerprint(mut resource: Resource) -> Resource {
    let Some(fingerprint) = Fingerprint::of(&resource) else {
        return resource;
    };
    let Some(tags) = resource.unit_mut().tags_mut() else {
        return resource;
    };
    tags.insert(APPLIED_TAG.into(), fingerprint.encode());
    resource
}

/// The stack a live resource is tagged with, if it is managed by this tool at all.
pub fn owner_of(resource: &Resource) -> Option<&str> {
    owner_of_tags(resource.tags())
}

/// Every attribute of a resource about to be created, as `+ name = value` lines (empty ones left out).
pub(crate) fn create_attributes(resource: &Resource) -> Vec<AttributeChange> {
    resource
        .attributes()
        .into_iter()
        .map(|(name, after)| AttributeChange::new(name, None, Some(after)))
        .filter(|a| {
            a.after
                .as_ref()
                .is_some_and(|v| v != &json!([]) && v != &json!({}))
        })
        .collect()
}
