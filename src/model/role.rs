//! An IAM role assumed by GitHub workflows, with its exclusive set of attached managed policies.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::attribute::{self, Attribute, Mutation};
use super::{PolicyDocument, Tags};

pub(crate) const DEFAULT_MAX_SESSION: i32 = 3600;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Role {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) trust_policy: PolicyDocument,
    pub(crate) max_session_duration: i32,
    /// Policy ARN.
    pub(crate) permissions_boundary: Option<String>,
    /// ARNs of the attached managed policies, sorted: exactly these and no others.
    pub(crate) policies: Vec<String>,
    /// Inline policies by name: exactly these and no others.
    #[serde(default)]
    pub(crate) inline_policies: BTreeMap<String, PolicyDocument>,
    pub(crate) tags: Tags,
}

/// In fingerprint order; inline policies came last.
pub(crate) const ATTRIBUTES: &[Attribute<Role>] = &[
    Attribute::plain("description", |r| json!(r.description), Mutation::InPlace),
    Attribute {
        name: "trust_policy",
        canonical: |r| r.trust_policy.canonical().clone(),
        shown: |r| r.trust_policy.original().clone(),
        mutation: Mutation::InPlace,
        before_added: None,
    },
    Attribute::plain(
        "max_session_duration",
        |r| json!(r.max_session_duration),
        Mutation::InPlace,
    ),
    Attribute::plain(
        "permissions_boundary",
        |r| json!(r.permissions_boundary),
        Mutation::InPlace,
    ),
    Attribute::plain("policies", |r| json!(r.policies), Mutation::InPlace),
    Attribute::tags(),
    Attribute {
        name: "inline_policies",
        canonical: |r| {
            Value::Object(
                r.inline_policies
                    .iter()
                    .map(|(k, d)| (k.clone(), d.canonical().clone()))
                    .collect(),
            )
        },
        shown: |r| {
            Value::Object(
                r.inline_policies
                    .iter()
                    .map(|(k, d)| (k.clone(), d.original().clone()))
                    .collect(),
            )
        },
        mutation: Mutation::InPlace,
        before_added: Some(|| json!({})),
    },
];

impl super::tags::Tagged for Role {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl Role {
    pub(crate) fn attributes(&self) -> Vec<(&'static str, Value)> {
        attribute::shown(ATTRIBUTES, self)
    }
}
