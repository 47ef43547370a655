//! A customer-managed IAM policy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::attribute::{self, Attribute, Mutation};
use super::{PolicyDocument, Tags};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagedPolicy {
    pub name: String,
    /// Set at creation only: IAM cannot change a policy's description, so it is not compared.
    pub description: String,
    pub document: PolicyDocument,
    pub tags: Tags,
}

pub const ATTRIBUTES: &[Attribute<ManagedPolicy>] = &[
    Attribute::plain(
        "description",
        |p| json!(p.description),
        Mutation::CreateOnly,
    ),
    Attribute {
        name: "document",
        canonical: |p| p.document.canonical().clone(),
        shown: |p| p.document.original().clone(),
        mutation: Mutation::InPlace,
        before_added: None,
    },
    Attribute::tags(),
];

impl super::tags::Tagged for ManagedPolicy {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl ManagedPolicy {
    pub fn attributes(&self) -> Vec<(&'static str, Value)> {
        attribute::shown(ATTRIBUTES, self)
    }
}
