//! A customer-managed IAM policy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{PolicyDocument, Tags};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    /// Set at creation only: IAM cannot change a policy's description, so it is not compared.
    pub description: String,
    pub document: PolicyDocument,
    pub tags: Tags,
}

impl ManagedPolicy {
    pub fn attributes(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("description", json!(self.description)),
            ("document", self.document.original().clone()),
            ("tags", json!(self.tags)),
        ]
    }
}
