//! An IAM role assumed by GitHub workflows, with its exclusive set of attached managed policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{PolicyDocument, Tags};

pub const DEFAULT_MAX_SESSION: i32 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    pub name: String,
    pub description: String,
    pub trust_policy: PolicyDocument,
    pub max_session_duration: i32,
    /// Policy ARN.
    pub permissions_boundary: Option<String>,
    /// ARNs of the attached managed policies, sorted: exactly these and no others.
    pub policies: Vec<String>,
    /// Inline policies by name: exactly these and no others.
    #[serde(default)]
    pub inline_policies: BTreeMap<String, PolicyDocument>,
    pub tags: Tags,
}

impl Role {
    pub fn attributes(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("description", json!(self.description)),
            ("trust_policy", self.trust_policy.original().clone()),
            ("max_session_duration", json!(self.max_session_duration)),
            ("permissions_boundary", json!(self.permissions_boundary)),
            ("policies", json!(self.policies)),
            (
                "inline_policies",
                Value::Object(
                    self.inline_policies
                        .iter()
                        .map(|(k, d)| (k.clone(), d.original().clone()))
                        .collect(),
                ),
            ),
            ("tags", json!(self.tags)),
        ]
    }
}
