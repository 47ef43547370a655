//! Planning account settings: a setting whose value differs is put; one that another stack owns
//! is shared when both declare the same value and refused when they differ; one the stack stops
//! declaring is released by its record (AWS has no "unset", so the registry keeps the value).

use serde_json::json;

use crate::kinds::account_setting::{AccountSetting, RECORD_SECTION};
use crate::model::{Address, Kind, Live, Registered};
use crate::plan::PlanError;
use crate::plan::calls::{OpCalls, row};
use crate::plan::planned::{Context, Foreign, Planned};
use crate::plan::{Action, AttributeChange, Change, Op};

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[row(
    "put_account_setting",
    Kind::AccountSetting,
    &["ecr:PutAccountSetting"],
    &[],
)];

impl Planned for AccountSetting {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        let have = live.and_then(|l| AccountSetting::of(&l.resource));
        if have.is_some_and(|h| h.value == self.value) {
            return Ok(None);
        }
        if let Some(other) = cx.observed.registry.records.values().find(|r| {
            r.stack != cx.desired.stack && r.section(RECORD_SECTION).contains_key(&self.name)
        }) {
            return Err(conflict(self, &cx.desired.stack, &other.stack));
        }
        let mut change = Change::new(
            Address::new(Kind::AccountSetting, &self.name),
            if have.is_some() {
                Action::Update
            } else {
                Action::Create
            },
            vec![AttributeChange::new(
                "value",
                have.map(|h| json!(h.value)),
                Some(json!(self.value)),
            )],
            vec![Op::AccountSetting(AccountSettingOp::PutAccountSetting {
                name: self.aws_name().to_string(),
                value: self.value.clone(),
            })],
        );
        if self.name == "registry_policy_scope" && self.value == "V1" {
            change.notes.push(
                "under V1 the registry policy governs only replication, pull-through cache imports \
                 and repository creation, and accepts statements of only those actions; AWS \
                 recommends V2"
                    .into(),
            );
        }
        Ok(Some(change))
    }

    /// Released by the stack's record: AWS has no "unset", so the registry keeps the value.
    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        None
    }

    /// Declared by two stacks: shared when the value is the same, refused when it differs.
    fn foreign(&self, live: &Live, owner: &str, stack: &str) -> Foreign {
        match AccountSetting::of(&live.resource) {
            Some(have) if have.value == self.value => Foreign::Share,
            _ => Foreign::Conflict(conflict(self, stack, owner)),
        }
    }
}

fn conflict(want: &AccountSetting, stack: &str, other: &str) -> PlanError {
    PlanError::RegistryConflict {
        stack: stack.to_string(),
        other: other.to_string(),
        keys: vec![format!(
            "account setting {} with another value than {}",
            want.aws_name(),
            want.value
        )],
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AccountSettingOp {
    /// `PutAccountSetting` (the setting's AWS name and its new value).
    PutAccountSetting { name: String, value: String },
}

impl crate::plan::op::Writes for AccountSetting {
    type Op = AccountSettingOp;
}

impl crate::plan::op::Details for AccountSettingOp {}

#[cfg(test)]
mod tests;
