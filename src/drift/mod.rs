//! Drift detection: desired × observed × last-applied fingerprint → [`DriftReport`]. Pure.
//!
//! The planner already knows *what* differs between the spec and AWS; this module says *why*, per
//! resource and attribute, from the fingerprint apply recorded on each resource
//! ([`crate::model::fingerprint`]):
//!
//! - `in_sync`: live equals the spec;
//! - `pending`: the spec changed since the last apply, AWS is still as applied (or a resource of
//!   this stack left the spec and apply would delete it);
//! - `drifted`: AWS no longer matches what was applied: someone changed it out of band;
//! - `missing`: in the spec, absent in AWS (deleted out of band, or never applied: AWS keeps no
//!   record of what is gone, so the two cannot be told apart);
//! - `unmanaged`: named with the project prefix, in no spec: tagged by no stack.
//!
//! A difference on a resource with no readable fingerprint (adopted, or applied by an older
//! version) cannot be attributed and is reported as drifted, with `last_applied: unknown`.

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use crate::model::attribute::Mutation;
use crate::model::fingerprint::Fingerprint;
use crate::model::{Address, Desired, Kind, Resource};
use crate::model::{Live, Observed};
use crate::plan::{AttributeChange, Change, PlanError, owner_of, plan, with_fingerprint};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Class {
    // Declaration order is severity order: a resource takes the worst class of its attributes.
    InSync,
    Pending,
    Unmanaged,
    Missing,
    Drifted,
}

impl Class {
    pub const ALL: [Class; 5] = [
        Class::Drifted,
        Class::Missing,
        Class::Pending,
        Class::Unmanaged,
        Class::InSync,
    ];

    /// Changes made in AWS rather than in the spec (what `--fail-on drifted` fails on).
    pub fn is_out_of_band(self) -> bool {
        matches!(self, Class::Drifted | Class::Missing)
    }
}

/// Which side of a difference the recorded fingerprint matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LastApplied {
    /// AWS is as applied: the spec moved.
    Live,
    /// The spec is as applied: AWS moved.
    Spec,
    /// Both moved since the last apply.
    Neither,
    /// No fingerprint to compare with.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AttributeDrift {
    pub name: String,
    pub class: Class,
    /// The value in AWS now (`null`: absent).
    pub live: Option<Value>,
    /// The value the spec asks for (`null`: absent).
    pub spec: Option<Value>,
    pub last_applied: LastApplied,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceDrift {
    pub address: Address,
    pub kind: Kind,
    pub name: String,
    pub class: Class,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<AttributeDrift>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub in_sync: usize,
    pub pending: usize,
    pub drifted: usize,
    pub missing: usize,
    pub unmanaged: usize,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct DriftReport {
    /// Spec resources in spec order, then resources outside the spec.
    pub resources: Vec<ResourceDrift>,
}

impl DriftReport {
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for r in &self.resources {
            *match r.class {
                Class::InSync => &mut c.in_sync,
                Class::Pending => &mut c.pending,
                Class::Drifted => &mut c.drifted,
                Class::Missing => &mut c.missing,
                Class::Unmanaged => &mut c.unmanaged,
            } += 1;
        }
        c
    }

    pub fn in_sync(&self) -> bool {
        self.resources.iter().all(|r| r.class == Class::InSync)
    }

    pub fn out_of_band(&self) -> bool {
        self.resources.iter().any(|r| r.class.is_out_of_band())
    }

    pub fn of_class(&self, class: Class) -> impl Iterator<Item = &ResourceDrift> {
        self.resources.iter().filter(move |r| r.class == class)
    }
}

/// Classifies every spec resource and every prefixed resource outside the spec.
pub fn classify(desired: &Desired, observed: &Observed) -> Result<DriftReport, PlanError> {
    let plan = plan(desired, observed)?;
    let env = observed.env();
    let mut resources = Vec::new();
    let mut wanted = BTreeSet::new();
    for resource in &desired.resources {
        let want = with_fingerprint(resource.bind(&env));
        let address = want.address();
        wanted.insert(address.clone());
        let change = plan.changes.iter().find(|c| c.address == address);
        resources.push(classify_resource(&want, observed.get(&address), change));
    }
    for (address, live) in &observed.resources {
        if wanted.contains(address) {
            continue;
        }
        let (class, note) = match owner_of(&live.resource) {
            Some(owner) if owner == desired.stack => (
                Class::Pending,
                "no longer in the spec but tagged with this stack; apply deletes it",
            ),
            Some(_) => continue,
            None if address.kind.in_registry_record() => (
                Class::Unmanaged,
                "named with the project prefix but in no stack's registry ownership record",
            ),
            None => (
                Class::Unmanaged,
                "named with the project prefix but in no spec (no ManagedBy/stack tags)",
            ),
        };
        resources.push(ResourceDrift {
            address: address.clone(),
            kind: address.kind,
            name: address.name.clone(),
            class,
            attributes: Vec::new(),
            note: Some(note.into()),
        });
    }
    resources.extend(unowned_registry_parts(desired, observed));
    Ok(DriftReport { resources })
}

/// Registry rules, filters and statements no stack owns (set in the console or by another tool):
/// unmanaged, kept by every apply.
fn unowned_registry_parts(desired: &Desired, observed: &Observed) -> Vec<ResourceDrift> {
    crate::model::unowned_parts(desired, observed)
        .into_iter()
        .map(|address| ResourceDrift {
            kind: address.kind,
            name: address.name.clone(),
            address,
            class: Class::Unmanaged,
            attributes: Vec::new(),
            note: Some(
                "in the registry settings but owned by no stack (console or another tool); \
                 apply keeps it"
                    .into(),
            ),
        })
        .collect()
}

/// One spec resource (bound, with its fingerprint), its live counterpart and its planned change.
pub fn classify_resource(
    want: &Resource,
    live: Option<&Live>,
    change: Option<&Change>,
) -> ResourceDrift {
    let address = want.address();
    let mut out = ResourceDrift {
        kind: address.kind,
        name: address.name.clone(),
        address,
        class: Class::InSync,
        attributes: Vec::new(),
        note: None,
    };
    let Some(live) = live else {
        out.class = Class::Missing;
        out.note = Some("in the spec but not in AWS: deleted out of band, or never applied".into());
        return out;
    };
    let Some(change) = change else {
        return out;
    };
    let recorded = Fingerprint::recorded(&live.resource);
    let live_fp = Fingerprint::of(&live.resource);
    let spec_fp = Fingerprint::of(want);
    for attr in &change.attributes {
        let last_applied = match recorded.as_ref().and_then(|r| r.get(&attr.name)) {
            // Not a property of the live repository: only the spec can have changed it.
            _ if live.resource.mutation(&attr.name) == Some(Mutation::Recorded) => {
                LastApplied::Live
            }
            None => LastApplied::Unknown,
            Some(applied) => {
                let hash = |fp: &Option<Fingerprint>| {
                    fp.as_ref()
                        .and_then(|f| f.get(&attr.name))
                        .map(str::to_string)
                };
                if hash(&live_fp).as_deref() == Some(applied) {
                    LastApplied::Live
                } else if hash(&spec_fp).as_deref() == Some(applied) {
                    LastApplied::Spec
                } else {
                    LastApplied::Neither
                }
            }
        };
        out.attributes.push(attribute(attr, last_applied));
    }
    out.class = out
        .attributes
        .iter()
        .map(|a| a.class)
        .max()
        .unwrap_or(Class::InSync);
    if recorded.is_none() && out.class != Class::InSync {
        out.note = Some(
            "no last-applied fingerprint (adopted, or applied before fingerprints): \
             differences cannot be attributed and count as drift until the next apply"
                .into(),
        );
    }
    out
}

fn attribute(attr: &AttributeChange, last_applied: LastApplied) -> AttributeDrift {
    AttributeDrift {
        name: attr.name.clone(),
        class: match last_applied {
            LastApplied::Live => Class::Pending,
            LastApplied::Spec | LastApplied::Neither | LastApplied::Unknown => Class::Drifted,
        },
        live: attr.before.clone(),
        spec: attr.after.clone(),
        last_applied,
    }
}
