//! Saved plans: a plan written by `plan --out FILE` and applied later by `apply FILE`, exactly.
//!
//! A saved plan is only valid for the world it was made in. It records the spec file's SHA-256
//! and a fingerprint of every resource it observed (or found absent); `apply` refuses when either
//! moved, naming the resources, rather than run operations computed from a stale view.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::Plan;
use crate::model::fingerprint::{comparable, short_hash};
use crate::model::{Address, Desired};
use crate::model::{Live, Observed};

fn yes() -> bool {
    true
}

/// The marker that tells a saved plan from a YAML spec.
pub const KIND: &str = "betekk-ecr-plan";
pub const SAVED_PLAN_VERSION: u32 = 1;
/// A spec that fans out saves one plan per target and region, all or none applied.
pub const SAVED_PLANS_VERSION: u32 = 2;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlans {
    pub schema_version: u32,
    pub kind: String,
    pub plans: Vec<SavedPlan>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub schema_version: u32,
    pub kind: String,
    pub created: String,
    pub account: String,
    pub region: String,
    pub stack: String,
    /// The target's name, for a spec with targets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Whether this plan held its account's IAM side (one region of each account does).
    #[serde(default = "yes")]
    pub manages_iam: bool,
    pub spec: SpecFile,
    /// Every resource the plan was computed from: a hash of what was read, `null` when absent.
    pub observed: BTreeMap<Address, Option<String>>,
    pub plan: Plan,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpecFile {
    /// As given on the command line; `apply` reads it from the same working directory.
    pub path: String,
    pub sha256: String,
}

impl SavedPlan {
    /// `Some` when the text is a saved plan (JSON with the marker), `None` for anything else.
    /// One saved plan per unit: a single-target file holds one.
    pub fn detect(text: &str) -> Option<Result<Vec<SavedPlan>, serde_json::Error>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        if value.get("kind").and_then(|k| k.as_str()) != Some(KIND) {
            return None;
        }
        if value.get("plans").is_some() {
            return Some(serde_json::from_value::<SavedPlans>(value).map(|s| s.plans));
        }
        Some(serde_json::from_value(value).map(|one| vec![one]))
    }

    /// Addresses whose live state differs from what the plan was made from, in address order.
    pub fn changed_since(&self, now: &BTreeMap<Address, Option<String>>) -> Vec<Address> {
        let mut changed: Vec<Address> = self
            .observed
            .iter()
            .filter(|(a, h)| now.get(*a).unwrap_or(&None) != *h)
            .map(|(a, _)| a.clone())
            .collect();
        // Resources that appeared since (e.g. a prefixed repository now tagged with the stack).
        changed.extend(
            now.iter()
                .filter(|(a, h)| h.is_some() && !self.observed.contains_key(*a))
                .map(|(a, _)| a.clone()),
        );
        changed.sort();
        changed.dedup();
        changed
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// What the plan depends on: every spec resource (present or absent) and every resource read
/// beyond the spec (prune candidates, whose tags decide ownership).
pub fn observed_fingerprints(
    desired: &Desired,
    observed: &Observed,
) -> BTreeMap<Address, Option<String>> {
    let env = observed.env();
    let mut out: BTreeMap<Address, Option<String>> = desired
        .resources
        .iter()
        .map(|r| {
            let address = r.bind(&env).address();
            let hash = observed.get(&address).map(live_hash);
            (address, hash)
        })
        .collect();
    for (address, live) in &observed.resources {
        out.entry(address.clone())
            .or_insert_with(|| Some(live_hash(live)));
    }
    out
}

fn live_hash(live: &Live) -> String {
    let attributes: serde_json::Map<String, serde_json::Value> = comparable(&live.resource)
        .into_iter()
        .map(|(n, v)| (n.to_string(), v))
        .collect();
    short_hash(&json!({
        "arn": live.arn,
        "attributes": attributes,
        "tags": live.resource.tags(),
    }))
}
