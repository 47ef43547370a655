//! The ownership record of a stack's registry-wide settings in one region.
//!
//! Tags record who owns a repository or role and what was last applied to it; registry settings
//! carry no tags, so this record does that job for them: one SSM parameter per stack and region,
//! `/betekk-ecr/registry/<stack>`, holding the keys the stack owns (scanning filters, replication
//! rules, policy `Sid`s) and the last-applied fingerprint of its part. Every stack's record is
//! read with one call, so a plan knows which keys belong to another stack (a conflict) and which
//! to nobody (unmanaged, kept).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::fingerprint::APPLIED_TAG;
use super::{MANAGED_BY_TAG, MANAGED_BY_VALUE, STACK_TAG, Tags};
use crate::kinds::registry::OwnedKeys;

/// The SSM path under which every stack's record lives (one `GetParametersByPath` reads them).
pub const RECORD_PATH: &str = "/betekk-ecr/registry";
/// A standard SSM parameter's limit, in characters.
pub const MAX_RECORD_SIZE: usize = 4096;
const VERSION: u32 = 1;

/// The parameter name of `stack`'s record.
pub fn parameter_name(stack: &str) -> String {
    format!("{RECORD_PATH}/{stack}")
}

/// What one stack owns of the registry settings of a region.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistryRecord {
    pub version: u32,
    pub stack: String,
    #[serde(default)]
    pub registry: OwnedKeys,
    /// The last-applied fingerprint of the owned part (`v1:…`, as the tag on other resources).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fingerprint: Option<String>,
    /// The registry parts of keyed kinds the stack owns (pull-through cache rules and creation
    /// templates by prefix, account settings by name, …): each kind's section, as the kind
    /// declares it, maps keys to their last-applied fingerprints. Sections are never empty.
    #[serde(flatten)]
    pub keyed: BTreeMap<String, BTreeMap<String, String>>,
}

impl RegistryRecord {
    pub fn new(stack: &str, registry: OwnedKeys, fingerprint: Option<String>) -> Self {
        RegistryRecord {
            version: VERSION,
            stack: stack.to_string(),
            registry,
            fingerprint,
            keyed: BTreeMap::new(),
        }
    }

    /// Reads a parameter's value; `None` when it is not a record of this version (another tool's
    /// parameter under the path, or a later layout), which is then left alone.
    pub fn parse(text: &str) -> Option<Self> {
        serde_json::from_str::<RegistryRecord>(text)
            .ok()
            .filter(|r| r.version == VERSION)
    }

    /// The parameter's value: compact JSON, keys in a fixed order.
    pub fn encode(&self) -> String {
        serde_json::to_string(self).expect("a record always serializes")
    }

    /// Whether the stack owns nothing in this region (its record can go).
    pub fn is_empty(&self) -> bool {
        self.registry.is_empty() && self.keyed.values().all(BTreeMap::is_empty)
    }

    /// The keys the stack owns in a kind's section, with their fingerprints.
    pub fn section(&self, section: &str) -> &BTreeMap<String, String> {
        static NONE: BTreeMap<String, String> = BTreeMap::new();
        self.keyed.get(section).unwrap_or(&NONE)
    }

    /// Records `key` of a kind's section as owned, with its fingerprint.
    pub fn own(&mut self, section: &str, key: &str, fingerprint: String) {
        self.keyed
            .entry(section.to_string())
            .or_default()
            .insert(key.to_string(), fingerprint);
    }

    /// Whether the registry settings part owns anything.
    pub fn owns_settings(&self) -> bool {
        !self.registry.is_empty()
    }

    /// What tags would say of a resource of this stack: owner and last-applied fingerprint. The
    /// registry's owned part carries these, so ownership and drift read it like any resource.
    pub fn tags(&self) -> Tags {
        self.tags_with(self.fingerprint.as_ref())
    }

    /// The ownership tags with `fingerprint` as the last-applied one (rules and templates the
    /// record lists each have their own).
    pub fn tags_with(&self, fingerprint: Option<&String>) -> Tags {
        let mut tags = Tags::new();
        tags.insert(MANAGED_BY_TAG.into(), MANAGED_BY_VALUE.into());
        tags.insert(STACK_TAG.into(), self.stack.clone());
        if let Some(fp) = fingerprint {
            tags.insert(APPLIED_TAG.into(), fp.clone());
        }
        tags
    }
}

/// The ownership tags the records give `key` of a kind's `section`: `stack`'s record first (stacks
/// may share a part: an account setting of the same value, an exclusion), else any other record's
/// that lists it; none when no record does.
pub fn owner_tags(
    records: &BTreeMap<String, RegistryRecord>,
    stack: Option<&str>,
    section: &str,
    key: &str,
) -> Tags {
    let lists = |r: &&RegistryRecord| r.section(section).contains_key(key);
    stack
        .and_then(|s| records.get(s))
        .filter(lists)
        .or_else(|| records.values().find(lists))
        .map(|r| r.tags_with(r.section(section).get(key)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kinds::registry::ScanType;

    #[test]
    fn a_record_round_trips_and_foreign_text_is_not_one() {
        let mut keys = OwnedKeys {
            scan_type: Some(ScanType::Enhanced),
            ..Default::default()
        };
        keys.scanning.insert("betekk-*".into());
        keys.replication.insert(vec!["betekk-".into()]);
        keys.policy.insert("ReplicateFromProd".into());
        let record = RegistryRecord::new("probe", keys, Some("v1:0a0b0c0d".into()));
        let text = record.encode();
        assert_eq!(RegistryRecord::parse(&text), Some(record.clone()));
        assert_eq!(record.tags()[STACK_TAG], "probe");
        assert_eq!(record.tags()[APPLIED_TAG], "v1:0a0b0c0d");
        assert_eq!(RegistryRecord::parse("hello"), None);
        assert_eq!(
            RegistryRecord::parse(&text.replace("\"version\":1", "\"version\":2")),
            None
        );
        assert_eq!(parameter_name("probe"), "/betekk-ecr/registry/probe");
    }
}
