//! What happened to each change of an apply.

use serde::Serialize;

use crate::model::Address;
use crate::plan::{Action, Change};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// AWS was changed.
    Applied,
    /// Live state already matched (someone else, or an earlier interrupted run, did it).
    NotNeeded,
    Failed,
    /// Not attempted because something it depends on failed.
    Skipped,
    /// Not started, or given up while running, because the apply was interrupted.
    Interrupted,
}

impl Status {
    pub fn succeeded(self) -> bool {
        matches!(self, Status::Applied | Status::NotNeeded)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub address: Address,
    pub action: Action,
    pub status: Status,
    pub duration_ms: u64,
    /// The error and its causes, outermost first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    pub fn skipped(change: &Change, why: String) -> Self {
        Outcome {
            address: change.address.clone(),
            action: change.action,
            status: Status::Skipped,
            duration_ms: 0,
            error: Some(why),
        }
    }

    pub fn interrupted(change: &Change, why: String) -> Self {
        Outcome {
            status: Status::Interrupted,
            ..Outcome::skipped(change, why)
        }
    }
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub outcomes: Vec<Outcome>,
    pub duration_ms: u64,
}

impl Report {
    pub fn succeeded(&self) -> bool {
        self.outcomes.iter().all(|o| o.status.succeeded())
    }

    pub fn count(&self, status: Status) -> usize {
        self.outcomes.iter().filter(|o| o.status == status).count()
    }
}
