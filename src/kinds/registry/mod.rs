//! Registry-wide ECR settings (scanning, replication, the registry policy): singletons per account
//! and region, shared by every stack and by the console. A stack owns only its part:
//!
//! - scanning: the scan type when it declares one, and each repository filter it declares (a
//!   filter is scanned at the frequency of the rule it is in);
//! - replication: each rule whose set of repository filters it declares;
//! - the registry policy: each statement whose `Sid` it declares.
//!
//! [`RegistrySettings`] is that owned part, as the spec wants it or as AWS has it (the live
//! settings projected onto the keys the stack owns). The merge functions put an owned part into
//! the whole live setting, keeping everything else as it is: the planner shows their result, and
//! the executor calls them again on the setting it reads just before it writes.

pub(crate) mod apply;
#[cfg(any(test, feature = "fake"))]
pub(crate) mod fake;
pub(crate) mod live;
pub(crate) mod plan;
pub(crate) mod sdk;
pub(crate) mod spec;

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::Tags;
use crate::model::attribute::{Attribute, Import, Mutation};

/// AWS's limits (ECR API reference): scanning rules per registry, filters per scanning rule,
/// replication rules per registry, destinations per replication rule (ECR quotas).
pub const MAX_SCANNING_RULES: usize = 2;
pub const MAX_SCANNING_FILTERS: usize = 100;
pub const MAX_REPLICATION_RULES: usize = 10;
pub const MAX_REPLICATION_DESTINATIONS: usize = 25;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScanType {
    Basic,
    Enhanced,
}

impl ScanType {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanType::Basic => "BASIC",
            ScanType::Enhanced => "ENHANCED",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "BASIC" => Some(ScanType::Basic),
            "ENHANCED" => Some(ScanType::Enhanced),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum ScanFrequency {
    ScanOnPush,
    ContinuousScan,
    Manual,
}

impl ScanFrequency {
    pub fn as_str(self) -> &'static str {
        match self {
            ScanFrequency::ScanOnPush => "SCAN_ON_PUSH",
            ScanFrequency::ContinuousScan => "CONTINUOUS_SCAN",
            ScanFrequency::Manual => "MANUAL",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "SCAN_ON_PUSH" => Some(ScanFrequency::ScanOnPush),
            "CONTINUOUS_SCAN" => Some(ScanFrequency::ContinuousScan),
            "MANUAL" => Some(ScanFrequency::Manual),
            _ => None,
        }
    }
}

/// One rule of the registry's scanning configuration, as AWS has it (filters are WILDCARD).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanningRule {
    pub frequency: ScanFrequency,
    /// In AWS's order.
    pub filters: Vec<String>,
}

/// The registry's whole scanning configuration (AWS's default: BASIC without rules).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scanning {
    pub scan_type: ScanType,
    pub rules: Vec<ScanningRule>,
}

impl Default for Scanning {
    fn default() -> Self {
        Scanning {
            scan_type: ScanType::Basic,
            rules: Vec::new(),
        }
    }
}

/// Where a replication rule copies images to.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Destination {
    pub region: String,
    /// The destination registry's account id.
    pub account: String,
}

/// One replication rule, as AWS has it (filters are PREFIX_MATCH; none: every repository).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicationRule {
    pub destinations: Vec<Destination>,
    pub filters: Vec<String>,
}

impl ReplicationRule {
    /// What identifies the rule across stacks: its filters, sorted.
    pub fn key(&self) -> Vec<String> {
        let mut key = self.filters.clone();
        key.sort();
        key.dedup();
        key
    }
}

/// The part of the registry settings one stack owns (see the module's documentation).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RegistrySettings {
    /// Owned only when the spec declares it.
    pub scan_type: Option<ScanType>,
    /// Each owned scanning filter, with the frequency of the rule it is in.
    pub scanning: BTreeMap<String, ScanFrequency>,
    /// Each owned replication rule by its key (sorted filters), with its destinations, sorted.
    #[serde(with = "pairs")]
    pub replication: BTreeMap<Vec<String>, Vec<Destination>>,
    /// Each owned registry-policy statement by its `Sid`, canonical (what is compared).
    pub policy: BTreeMap<String, Value>,
    /// The same statements as written (in the spec) or read (from AWS): what is written and shown.
    #[serde(default)]
    pub policy_as_written: BTreeMap<String, Value>,
    /// Not written to AWS (registry settings carry no tags): the ownership and last-applied
    /// fingerprint, from this stack's ownership record ([`crate::model::registry_record`]).
    #[serde(default)]
    pub tags: Tags,
}

impl crate::model::tags::Tagged for RegistrySettings {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

/// The one address name of a region's registry settings (`registry.settings`).
pub const ADDRESS_NAME: &str = "settings";

/// The calls that write the owned part of a setting, each merging it into what AWS has then, in
/// the order a plan makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Write {
    /// `PutRegistryScanningConfiguration`: the scan type with the scanning rules.
    Scanning,
    /// `PutReplicationConfiguration`.
    Replication,
    /// `PutRegistryPolicy`, or `DeleteRegistryPolicy` when no statement is left.
    Policy,
}

pub const ATTRIBUTES: &[Attribute<RegistrySettings, Write>] = &[
    Attribute::<RegistrySettings, Write>::plain(
        "scan_type",
        |s| json!(s.scan_type),
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::Scanning),
    Attribute::<RegistrySettings, Write>::plain(
        "scanning_rules",
        scanning_shown,
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::Scanning),
    Attribute::<RegistrySettings, Write>::plain(
        "replication_rules",
        replication_shown,
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::Replication),
    Attribute::<RegistrySettings, Write>::new(
        "policy_statements",
        |s| json!(s.policy.values().collect::<Vec<_>>()),
        |s| json!(s.statements_as_written()),
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::Policy),
];

/// Owned filters grouped by frequency: `[{frequency, filters}]`.
fn scanning_shown(s: &RegistrySettings) -> Value {
    let mut by_frequency: BTreeMap<ScanFrequency, Vec<&String>> = BTreeMap::new();
    for (filter, frequency) in &s.scanning {
        by_frequency.entry(*frequency).or_default().push(filter);
    }
    json!(
        by_frequency
            .into_iter()
            .map(|(f, filters)| json!({"frequency": f, "filters": filters}))
            .collect::<Vec<_>>()
    )
}

fn replication_shown(s: &RegistrySettings) -> Value {
    json!(
        s.replication
            .iter()
            .map(
                |(filters, destinations)| json!({"filters": filters, "destinations": destinations})
            )
            .collect::<Vec<_>>()
    )
}

/// The keys a stack owns, by part: what its ownership record lists.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OwnedKeys {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scan_type: Option<ScanType>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub scanning: BTreeSet<String>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub replication: BTreeSet<Vec<String>>,
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub policy: BTreeSet<String>,
}

impl OwnedKeys {
    pub fn is_empty(&self) -> bool {
        self.scan_type.is_none()
            && self.scanning.is_empty()
            && self.replication.is_empty()
            && self.policy.is_empty()
    }

    /// Every key in both, by part, as `part key` lines (conflicts between stacks).
    pub fn shared_with(&self, other: &OwnedKeys) -> Vec<String> {
        let mut out = Vec::new();
        if let (Some(a), Some(b)) = (self.scan_type, other.scan_type)
            && a != b
        {
            out.push(format!("scan type ({} and {})", a.as_str(), b.as_str()));
        }
        for f in self.scanning.intersection(&other.scanning) {
            out.push(format!("scanning filter {f:?}"));
        }
        for k in self.replication.intersection(&other.replication) {
            out.push(format!("replication rule with filters {k:?}"));
        }
        for sid in self.policy.intersection(&other.policy) {
            out.push(format!("registry policy statement Sid {sid:?}"));
        }
        out
    }

    /// These keys and `other`'s together.
    pub fn union(&self, other: &OwnedKeys) -> OwnedKeys {
        OwnedKeys {
            scan_type: self.scan_type.or(other.scan_type),
            scanning: self.scanning.union(&other.scanning).cloned().collect(),
            replication: self
                .replication
                .union(&other.replication)
                .cloned()
                .collect(),
            policy: self.policy.union(&other.policy).cloned().collect(),
        }
    }
}

impl RegistrySettings {
    /// The owned statements as written, each falling back to its canonical form.
    pub fn statements_as_written(&self) -> Vec<&Value> {
        self.policy
            .iter()
            .map(|(sid, canonical)| self.policy_as_written.get(sid).unwrap_or(canonical))
            .collect()
    }

    pub fn keys(&self) -> OwnedKeys {
        OwnedKeys {
            scan_type: self.scan_type,
            scanning: self.scanning.keys().cloned().collect(),
            replication: self.replication.keys().cloned().collect(),
            policy: self.policy.keys().cloned().collect(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.keys().is_empty()
    }

    /// The live settings projected onto `owned`: what of them this stack owns, as AWS has it.
    /// The scan type is taken when `owned` names one.
    pub fn project(live: &LiveRegistry, owned: &OwnedKeys) -> RegistrySettings {
        let mut out = RegistrySettings {
            scan_type: owned.scan_type.map(|_| live.scanning.scan_type),
            ..Default::default()
        };
        for rule in &live.scanning.rules {
            for filter in &rule.filters {
                if owned.scanning.contains(filter) {
                    out.scanning.entry(filter.clone()).or_insert(rule.frequency);
                }
            }
        }
        for rule in &live.replication {
            let key = rule.key();
            if owned.replication.contains(&key) {
                out.replication
                    .entry(key)
                    .or_insert_with(|| sorted(rule.destinations.clone()));
            }
        }
        for statement in live.policy_statements() {
            if let Some(sid) = statement.get("Sid").and_then(Value::as_str)
                && owned.policy.contains(sid)
            {
                out.policy
                    .entry(sid.to_string())
                    .or_insert_with(|| canonical_statement(statement));
                out.policy_as_written
                    .entry(sid.to_string())
                    .or_insert_with(|| statement.clone());
            }
        }
        out
    }
}

fn sorted<T: Ord>(mut v: Vec<T>) -> Vec<T> {
    v.sort();
    v.dedup();
    v
}

/// A statement with its keys sorted at every depth and one-item lists read as their item, as the
/// policy documents are compared elsewhere.
pub fn canonical_statement(statement: &Value) -> Value {
    crate::model::policy_document::PolicyDocument::from_json(
        json!({"Version": "2012-10-17", "Statement": [statement]}),
    )
    .ok()
    .and_then(|d| {
        d.canonical()
            .get("Statement")
            .and_then(|s| s.as_array().and_then(|a| a.first().cloned()))
    })
    .unwrap_or_else(|| statement.clone())
}

/// The registry settings of one account and region as AWS has them, whole.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveRegistry {
    pub scanning: Scanning,
    pub replication: Vec<ReplicationRule>,
    /// The registry policy, as JSON (`None`: no policy).
    pub policy: Option<Value>,
}

impl LiveRegistry {
    pub fn policy_statements(&self) -> Vec<&Value> {
        match self.policy.as_ref().and_then(|p| p.get("Statement")) {
            Some(Value::Array(items)) => items.iter().collect(),
            Some(single @ Value::Object(_)) => vec![single],
            _ => Vec::new(),
        }
    }
}

/// What a stack writes into a shared setting: its owned part, and the keys it owned before and
/// gives up (removed from AWS).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OwnedPart {
    pub settings: RegistrySettings,
    pub release: OwnedKeys,
}

impl OwnedPart {
    /// Every key this write replaces or removes.
    fn replaced(&self) -> OwnedKeys {
        self.settings.keys().union(&self.release)
    }
}

/// The scanning configuration with the owned filters in the rules of their frequencies and the
/// released ones gone; every other filter and rule stays where it was. A rule emptied by this
/// stack is dropped; the scan type changes only when the stack declares one.
pub fn merge_scanning(live: &Scanning, part: &OwnedPart) -> Scanning {
    let replaced = part.replaced().scanning;
    let mut rules: Vec<ScanningRule> = Vec::new();
    for rule in &live.rules {
        let kept: Vec<String> = rule
            .filters
            .iter()
            .filter(|f| !replaced.contains(*f))
            .cloned()
            .collect();
        if kept.is_empty() && !rule.filters.is_empty() {
            continue;
        }
        rules.push(ScanningRule {
            frequency: rule.frequency,
            filters: kept,
        });
    }
    for (filter, frequency) in &part.settings.scanning {
        match rules.iter_mut().find(|r| r.frequency == *frequency) {
            Some(rule) => rule.filters.push(filter.clone()),
            None => rules.push(ScanningRule {
                frequency: *frequency,
                filters: vec![filter.clone()],
            }),
        }
    }
    Scanning {
        scan_type: part.settings.scan_type.unwrap_or(live.scan_type),
        rules,
    }
}

/// The replication rules with each owned rule in place of the live rule of the same key (or
/// appended), and released rules gone; other rules keep their order and content.
pub fn merge_replication(live: &[ReplicationRule], part: &OwnedPart) -> Vec<ReplicationRule> {
    let released = &part.release.replication;
    let mut pending: BTreeMap<&Vec<String>, &Vec<Destination>> =
        part.settings.replication.iter().collect();
    let mut out = Vec::new();
    for rule in live {
        let key = rule.key();
        if let Some(destinations) = pending.remove(&key) {
            out.push(ReplicationRule {
                destinations: destinations.clone(),
                filters: key,
            });
        } else if !released.contains(&key) {
            out.push(rule.clone());
        }
    }
    for (key, destinations) in pending {
        out.push(ReplicationRule {
            destinations: destinations.clone(),
            filters: key.clone(),
        });
    }
    out
}

/// The registry policy with each owned statement in place of the live statement of the same
/// `Sid` (or appended), and released ones gone; `None` when no statement is left (the policy is
/// deleted). Other statements are kept as they are, in their order.
pub fn merge_policy(live: Option<&Value>, part: &OwnedPart) -> Option<Value> {
    let released = &part.release.policy;
    let mut pending: BTreeMap<&String, &Value> = part
        .settings
        .policy
        .iter()
        .map(|(sid, canonical)| {
            (
                sid,
                part.settings
                    .policy_as_written
                    .get(sid)
                    .unwrap_or(canonical),
            )
        })
        .collect();
    let live_statements = LiveRegistry {
        policy: live.cloned(),
        ..Default::default()
    };
    let mut statements = Vec::new();
    for statement in live_statements.policy_statements() {
        let sid = statement.get("Sid").and_then(Value::as_str);
        match sid {
            Some(sid) if pending.contains_key(&sid.to_string()) => {
                let owned = pending.remove(&sid.to_string()).expect("checked");
                statements.push(owned.clone());
            }
            Some(sid) if released.contains(sid) => {}
            _ => statements.push(statement.clone()),
        }
    }
    statements.extend(pending.into_values().cloned());
    if statements.is_empty() {
        return None;
    }
    let version = live
        .and_then(|p| p.get("Version").cloned())
        .unwrap_or_else(|| json!("2012-10-17"));
    Some(json!({"Version": version, "Statement": statements}))
}

/// What the merge keeps that this stack does not own, one line per rule, filter or statement,
/// with the stack that owns it when a record says so (plans show it).
pub fn kept(
    live: &LiveRegistry,
    part: &OwnedPart,
    owners: &BTreeMap<String, OwnedKeys>,
) -> Vec<String> {
    let replaced = part.replaced();
    let owner = |pick: &dyn Fn(&OwnedKeys) -> bool| -> String {
        owners
            .iter()
            .find(|(_, keys)| pick(keys))
            .map(|(stack, _)| format!("stack {stack}"))
            .unwrap_or_else(|| "unmanaged".to_string())
    };
    let mut out = Vec::new();
    for rule in &live.scanning.rules {
        for filter in rule
            .filters
            .iter()
            .filter(|f| !replaced.scanning.contains(*f))
        {
            out.push(format!(
                "scanning filter {filter:?} ({}), {}",
                rule.frequency.as_str(),
                owner(&|k| k.scanning.contains(filter))
            ));
        }
    }
    for rule in &live.replication {
        let key = rule.key();
        if replaced.replication.contains(&key) {
            continue;
        }
        let to: Vec<String> = rule
            .destinations
            .iter()
            .map(|d| format!("{}/{}", d.account, d.region))
            .collect();
        out.push(format!(
            "replication rule {key:?} → {}, {}",
            to.join(", "),
            owner(&|k| k.replication.contains(&key))
        ));
    }
    for statement in live.policy_statements() {
        match statement.get("Sid").and_then(Value::as_str) {
            Some(sid) if replaced.policy.contains(sid) => {}
            Some(sid) => out.push(format!(
                "registry policy statement {sid:?}, {}",
                owner(&|k| k.policy.contains(sid))
            )),
            None => out.push("registry policy statement without Sid, unmanaged".to_string()),
        }
    }
    out
}

/// The whole settings after the merge, as plans show them.
pub fn merged(live: &LiveRegistry, part: &OwnedPart) -> LiveRegistry {
    LiveRegistry {
        scanning: merge_scanning(&live.scanning, part),
        replication: merge_replication(&live.replication, part),
        policy: merge_policy(live.policy.as_ref(), part),
    }
}

/// A map with list keys, as JSON can hold it: a list of `[key, value]` pairs.
mod pairs {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    pub fn serialize<K: Serialize, V: Serialize, S: Serializer>(
        map: &BTreeMap<K, V>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        s.collect_seq(map.iter())
    }

    pub fn deserialize<'de, K, V, D>(d: D) -> Result<BTreeMap<K, V>, D::Error>
    where
        K: Deserialize<'de> + Ord,
        V: Deserialize<'de>,
        D: Deserializer<'de>,
    {
        Ok(Vec::<(K, V)>::deserialize(d)?.into_iter().collect())
    }
}

/// The parts of the live settings no stack owns (`owned`: every stack's keys together), each
/// named `scanning:FILTER`, `replication:FILTER,…` (`replication:` alone for a rule of every
/// repository) or `policy:SID` (`policy:#N` for the N-th statement without one).
pub fn unowned(live: &LiveRegistry, owned: &OwnedKeys) -> Vec<String> {
    let mut out = Vec::new();
    for rule in &live.scanning.rules {
        for filter in rule.filters.iter().filter(|f| !owned.scanning.contains(*f)) {
            out.push(format!("scanning:{filter}"));
        }
    }
    for rule in &live.replication {
        let key = rule.key();
        if !owned.replication.contains(&key) {
            out.push(format!("replication:{}", key.join(",")));
        }
    }
    for (i, statement) in live.policy_statements().iter().enumerate() {
        match statement.get("Sid").and_then(Value::as_str) {
            Some(sid) if owned.policy.contains(sid) => {}
            Some(sid) => out.push(format!("policy:{sid}")),
            None => out.push(format!("policy:#{i}")),
        }
    }
    out
}

impl crate::model::unit::Declared for RegistrySettings {
    type Write = Write;
    const ATTRIBUTES: &'static [Attribute<Self, Write>] = ATTRIBUTES;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        if self.policy.is_empty() {
            return Vec::new();
        }
        crate::model::PolicyDocument::from_json(serde_json::json!({
            "Version": "2012-10-17",
            "Statement": self.statements_as_written(),
        }))
        .ok()
        .map(crate::model::access_fact::AccessFact::RegistryPolicy)
        .into_iter()
        .collect()
    }
    const IN_REGISTRY_RECORD: bool = true;
    fn name(&self) -> String {
        ADDRESS_NAME.to_string()
    }
    /// Rules, filters and statements no stack owns (set in the console or by another tool).
    fn unowned_parts(
        desired: &crate::model::Desired,
        observed: &crate::model::Observed,
    ) -> Vec<String> {
        let Some(live) = &observed.registry.settings else {
            return Vec::new();
        };
        let owned = observed
            .registry
            .records
            .values()
            .map(|r| r.registry.clone())
            .chain(
                desired
                    .all::<RegistrySettings>()
                    .next()
                    .map(RegistrySettings::keys),
            )
            .fold(OwnedKeys::default(), |all, k| all.union(&k));
        unowned(live, &owned)
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        for destinations in self.replication.values_mut() {
            for d in destinations.iter_mut() {
                d.region = env.bind(&d.region);
                d.account = env.bind(&d.account);
            }
            destinations.sort();
        }
        for statement in self.policy.values_mut() {
            *statement = env.bind_json(statement);
        }
        for statement in self.policy_as_written.values_mut() {
            *statement = env.bind_json(statement);
        }
    }
}

/// Read by `observe::registry` itself, with the settings it merges into.
impl crate::observe::read::Read for RegistrySettings {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[
            ("ecr:DescribeRegistry", ReadScope::Registry),
            ("ecr:GetRegistryScanningConfiguration", ReadScope::Registry),
            ("ecr:GetRegistryPolicy", ReadScope::Registry),
        ]
    };
}
