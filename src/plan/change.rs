//! Plan data: changes per resource, attribute differences, and the summary line.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::Op;
use crate::model::lifecycle_preview::PlanPreview;
use crate::model::{Address, Kind};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Action {
    Create,
    Update,
    Replace,
    Delete,
}

/// One attribute's difference; `None` means absent on that side.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributeChange {
    pub name: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// This difference cannot be applied in place.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub forces_replacement: bool,
}

impl AttributeChange {
    pub fn new(name: &str, before: Option<Value>, after: Option<Value>) -> Self {
        AttributeChange {
            name: name.to_string(),
            before: before.filter(|v| !v.is_null()),
            after: after.filter(|v| !v.is_null()),
            forces_replacement: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Change {
    pub address: Address,
    pub kind: Kind,
    pub name: String,
    pub action: Action,
    pub attributes: Vec<AttributeChange>,
    /// What the executor runs, in order; in JSON each with the IAM `action` it needs.
    #[serde(serialize_with = "super::calls::serialize_ops")]
    pub ops: Vec<Op>,
    /// Changes that must succeed before this one starts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub depends_on: Vec<Address>,
    /// Things the user should know before applying (e.g. that a replacement deletes images).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// What the new lifecycle rules of a repository would expire or archive now.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifecycle_preview: Option<PlanPreview>,
}

impl Change {
    pub fn new(
        address: Address,
        action: Action,
        attributes: Vec<AttributeChange>,
        ops: Vec<Op>,
    ) -> Self {
        Change {
            kind: address.kind,
            name: address.name.clone(),
            address,
            action,
            attributes,
            ops,
            depends_on: Vec::new(),
            notes: Vec::new(),
            lifecycle_preview: None,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    pub add: usize,
    pub change: usize,
    pub replace: usize,
    pub destroy: usize,
}

impl Summary {
    #[cfg(test)]
    pub fn is_empty(&self) -> bool {
        self.add + self.change + self.replace + self.destroy == 0
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// In an order the executor may follow one by one: creates and updates first, deletes last.
    pub changes: Vec<Change>,
}

impl Plan {
    pub fn new(mut changes: Vec<Change>) -> Self {
        changes.sort_by(|a, b| {
            (a.action == Action::Delete, &a.address).cmp(&(b.action == Action::Delete, &b.address))
        });
        Plan { changes }
    }

    pub fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::Create => s.add += 1,
                Action::Update => s.change += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.destroy += 1,
            }
        }
        s
    }
}
