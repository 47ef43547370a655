//! JSON documents for machines. Every document carries `schema_version`; fields are only added.

use serde::Serialize;

use crate::apply::Report;
use crate::model::Address;
use crate::model::ApiStats;
use crate::plan::{Action, Change, Plan, Summary};

pub const SCHEMA_VERSION: u32 = 1;

#[derive(Serialize)]
pub struct PlanDocument<'a> {
    pub schema_version: u32,
    pub account: &'a str,
    pub region: &'a str,
    pub changes: &'a [Change],
    pub summary: Summary,
    /// Every resource the plan deletes, so that no deletion goes unnoticed.
    pub deletes: Vec<&'a Address>,
    pub stats: &'a ApiStats,
}

impl<'a> PlanDocument<'a> {
    pub fn new(plan: &'a Plan, account: &'a str, region: &'a str, stats: &'a ApiStats) -> Self {
        PlanDocument {
            schema_version: SCHEMA_VERSION,
            account,
            region,
            changes: &plan.changes,
            summary: plan.summary(),
            deletes: plan
                .changes
                .iter()
                .filter(|c| c.action == Action::Delete)
                .map(|c| &c.address)
                .collect(),
            stats,
        }
    }
}

/// The plan document, plus what happened to each change.
#[derive(Serialize)]
pub struct ApplyDocument<'a> {
    #[serde(flatten)]
    pub plan: PlanDocument<'a>,
    pub outcomes: &'a [crate::apply::Outcome],
    pub succeeded: bool,
    pub duration_ms: u64,
    /// The stack's lock this apply held in the account; absent with `--no-lock`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lock: Option<crate::lock::LockRecord>,
}

impl<'a> ApplyDocument<'a> {
    /// The document with the lock the apply held.
    pub fn with_lock(self, lock: Option<crate::lock::LockRecord>) -> Self {
        ApplyDocument { lock, ..self }
    }

    pub fn new(
        plan: &'a Plan,
        report: &'a Report,
        account: &'a str,
        region: &'a str,
        stats: &'a ApiStats,
    ) -> Self {
        ApplyDocument {
            plan: PlanDocument::new(plan, account, region, stats),
            outcomes: &report.outcomes,
            succeeded: report.succeeded(),
            duration_ms: report.duration_ms,
            lock: None,
        }
    }
}

pub fn to_string<T: Serialize>(doc: &T) -> String {
    serde_json::to_string_pretty(doc).expect("plan documents always serialize")
}
