//! Planning pull-time update exclusions: registered when missing, deregistered when the stack's
//! record lists one the spec no longer does (unless another stack's record lists it too), and
//! shared by stacks that declare the same principal.

use crate::kinds::pull_time_exclusion::{PullTimeExclusion, RECORD_SECTION};
use crate::model::{Address, Kind, Live, Unit};
use crate::plan::PlanError;
use crate::plan::calls::{OpCalls, row};
use crate::plan::planned::{Context, Foreign, Planned};
use crate::plan::{Action, AttributeChange, Change, Op};

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "register_pull_time_update_exclusion",
        Kind::PullTimeExclusion,
        &["ecr:RegisterPullTimeUpdateExclusion"],
        &[],
    ),
    row(
        "deregister_pull_time_update_exclusion",
        Kind::PullTimeExclusion,
        &["ecr:DeregisterPullTimeUpdateExclusion"],
        &[],
    ),
];

impl Planned for PullTimeExclusion {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, _cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        if live.is_some() {
            return Ok(None);
        }
        let attributes = self
            .attributes()
            .into_iter()
            .map(|(name, value)| AttributeChange::new(name, None, Some(value)))
            .collect();
        Ok(Some(Change::new(
            Address::new(Kind::PullTimeExclusion, &self.principal_arn),
            Action::Create,
            attributes,
            vec![Op::PullTimeExclusion(
                PullTimeExclusionOp::RegisterPullTimeUpdateExclusion {
                    principal_arn: self.principal_arn.clone(),
                },
            )],
        )))
    }

    /// Deregistered, unless another stack's record still lists it (then only released).
    fn prune(&self, _live: &Live, cx: &Context<'_>) -> Option<Change> {
        let kept = cx.observed.registry.records.values().any(|r| {
            r.stack != cx.desired.stack
                && r.section(RECORD_SECTION).contains_key(&self.principal_arn)
        });
        if kept {
            return None;
        }
        let attributes = self
            .attributes()
            .into_iter()
            .map(|(name, value)| AttributeChange::new(name, Some(value), None))
            .collect();
        Some(Change::new(
            Address::new(Kind::PullTimeExclusion, &self.principal_arn),
            Action::Delete,
            attributes,
            vec![Op::PullTimeExclusion(
                PullTimeExclusionOp::DeregisterPullTimeUpdateExclusion {
                    principal_arn: self.principal_arn.clone(),
                },
            )],
        ))
    }

    /// Declared by two stacks: the same principal either way, so both own it.
    fn foreign(&self, _live: &Live, _owner: &str, _stack: &str) -> Foreign {
        Foreign::Share
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PullTimeExclusionOp {
    RegisterPullTimeUpdateExclusion { principal_arn: String },
    DeregisterPullTimeUpdateExclusion { principal_arn: String },
}

impl crate::plan::op::Writes for PullTimeExclusion {
    type Op = PullTimeExclusionOp;
}

impl crate::plan::op::Details for PullTimeExclusionOp {}

#[cfg(test)]
mod tests;
