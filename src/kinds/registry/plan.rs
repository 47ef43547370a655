//! Registry-wide settings: the stack's owned part against what AWS has of it, merged into the
//! whole setting without touching what others own; and the ownership record that remembers the
//! part (see [`crate::kinds::registry`] and [`crate::model::registry_record`]).

use serde_json::json;

use crate::kinds::registry::{
    self, ATTRIBUTES, LiveRegistry, MAX_REPLICATION_DESTINATIONS, MAX_REPLICATION_RULES,
    MAX_SCANNING_FILTERS, MAX_SCANNING_RULES, OwnedKeys, OwnedPart, RegistrySettings, Write,
};
use crate::model::Unit;
use crate::model::attribute;
use crate::model::fingerprint::{APPLIED_TAG, Fingerprint, without_fingerprint};
use crate::model::registry_record::{MAX_RECORD_SIZE, RegistryRecord, parameter_name};
use crate::model::{Address, Kind, Live, RegistryState, Resource, Tags};
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op, PlanError};

/// The change that makes AWS hold `want` as this stack's part, releasing what the stack owned
/// before and no longer declares.
pub fn diff(
    want: &RegistrySettings,
    live: Option<&Live>,
    state: &RegistryState,
    stack: &str,
    account: &str,
) -> Result<Option<Change>, PlanError> {
    for (other, record) in &state.records {
        let shared = want.keys().shared_with(&record.registry);
        if other != stack && !shared.is_empty() {
            return Err(PlanError::RegistryConflict {
                stack: stack.to_string(),
                other: other.clone(),
                keys: shared,
            });
        }
    }
    let have = match live.map(|l| &l.resource) {
        Some(Resource::Registry(have)) => have.clone(),
        _ => RegistrySettings::default(),
    };
    let recorded = state
        .records
        .get(stack)
        .map(|r| r.registry.clone())
        .unwrap_or_default();
    let part = OwnedPart {
        settings: RegistrySettings {
            tags: Tags::new(),
            ..want.clone()
        },
        release: released(&recorded, &want.keys()),
    };
    let rows = attribute::changed(ATTRIBUTES, want, &have);
    if rows.is_empty() {
        return Ok(None);
    }
    let attributes = rows
        .iter()
        .map(|row| {
            let name = row.name;
            let shown = |s: &RegistrySettings| {
                s.attributes()
                    .into_iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v)
                    .filter(|v| v != &json!([]))
            };
            AttributeChange::new(name, shown(&have), shown(want))
        })
        .collect();
    // Created: the stack takes its part for the first time (it has no record yet).
    let action = if state.records.contains_key(stack) {
        Action::Update
    } else {
        Action::Create
    };
    let mut change = Change::new(
        Address::new(Kind::Registry, registry::ADDRESS_NAME),
        action,
        attributes,
        writes(&attribute::writes(&rows), &part),
    );
    change.notes = notes(state, &part, stack)?;
    change.notes.extend(cross_account(want, account));
    Ok(Some(change))
}

/// One note per destination in another account: it replicates only when that account's registry
/// policy lets this one in, which this account cannot read.
fn cross_account(want: &RegistrySettings, account: &str) -> Vec<String> {
    let others: std::collections::BTreeSet<&str> = want
        .replication
        .values()
        .flatten()
        .map(|d| d.account.as_str())
        .filter(|a| *a != account)
        .collect();
    others
        .into_iter()
        .map(|other| {
            format!(
                "replication to account {other} needs that account's registry policy to allow \
                 ecr:CreateRepository and ecr:ReplicateImage for arn:aws:iam::{account}:root \
                 (check: betekk-ecr explain ITS_SPEC --account {other} --principal \
                 arn:aws:iam::{account}:root --action ecr:ReplicateImage --resource REPOSITORY)"
            )
        })
        .collect()
}

/// Gives up every key the stack owns (its spec no longer has registry settings): each is removed
/// from AWS, and everything else is kept.
pub fn release(have: &RegistrySettings, state: &RegistryState, stack: &str) -> Change {
    let part = OwnedPart {
        settings: RegistrySettings::default(),
        release: have.keys(),
    };
    let rows: Vec<_> = ATTRIBUTES
        .iter()
        .filter(|row| {
            let value = (row.shown)(have);
            !value.is_null() && value != json!([])
        })
        .collect();
    let attributes = have
        .attributes()
        .into_iter()
        .filter(|(n, _)| rows.iter().any(|row| row.name == *n))
        .map(|(n, v)| AttributeChange::new(n, Some(v), None))
        .collect();
    let mut change = Change::new(
        Address::new(Kind::Registry, registry::ADDRESS_NAME),
        Action::Delete,
        attributes,
        writes(&attribute::writes(&rows), &part),
    );
    change.notes = notes(state, &part, stack).unwrap_or_default();
    change
}

/// What the stack owned and no longer declares. The scan type is never released: there is no
/// "no scan type", so the registry keeps the one it has.
fn released(recorded: &OwnedKeys, declared: &OwnedKeys) -> OwnedKeys {
    OwnedKeys {
        scan_type: None,
        scanning: recorded
            .scanning
            .difference(&declared.scanning)
            .cloned()
            .collect(),
        replication: recorded
            .replication
            .difference(&declared.replication)
            .cloned()
            .collect(),
        policy: recorded
            .policy
            .difference(&declared.policy)
            .cloned()
            .collect(),
    }
}

/// One write per setting that changes (the calls of its changed rows); each merges at apply time
/// into what AWS has then.
fn writes(calls: &[Write], part: &OwnedPart) -> Vec<Op> {
    calls
        .iter()
        .map(|call| {
            let part = part.clone();
            Op::Registry(match call {
                Write::Scanning => RegistryOp::PutRegistryScanning { part },
                Write::Replication => RegistryOp::PutReplication { part },
                Write::Policy => RegistryOp::PutRegistryPolicy { part },
            })
        })
        .collect()
}

/// The whole settings after the merge, what it keeps of others, and AWS's limits checked on it.
fn notes(state: &RegistryState, part: &OwnedPart, stack: &str) -> Result<Vec<String>, PlanError> {
    let live = state.settings.clone().unwrap_or_default();
    let merged = registry::merged(&live, part);
    check_limits(&merged)?;
    let mut notes = vec![describe(&merged)];
    let owners = state
        .records
        .iter()
        .filter(|(s, _)| s.as_str() != stack)
        .map(|(s, r)| (s.clone(), r.registry.clone()))
        .collect();
    notes.extend(
        registry::kept(&live, part, &owners)
            .into_iter()
            .map(|k| format!("keeps {k}")),
    );
    Ok(notes)
}

fn check_limits(merged: &LiveRegistry) -> Result<(), PlanError> {
    let limit = |what: String| Err(PlanError::RegistryLimit { what });
    if merged.scanning.rules.len() > MAX_SCANNING_RULES {
        return limit(format!(
            "{} scanning rules (AWS allows {MAX_SCANNING_RULES}: one per frequency)",
            merged.scanning.rules.len()
        ));
    }
    if let Some(rule) = merged
        .scanning
        .rules
        .iter()
        .find(|r| r.filters.len() > MAX_SCANNING_FILTERS)
    {
        return limit(format!(
            "{} filters in the {} scanning rule (AWS allows {MAX_SCANNING_FILTERS})",
            rule.filters.len(),
            rule.frequency.as_str()
        ));
    }
    if merged.replication.len() > MAX_REPLICATION_RULES {
        return limit(format!(
            "{} replication rules (AWS allows {MAX_REPLICATION_RULES})",
            merged.replication.len()
        ));
    }
    let destinations: std::collections::BTreeSet<_> = merged
        .replication
        .iter()
        .flat_map(|r| r.destinations.iter())
        .collect();
    if destinations.len() > MAX_REPLICATION_DESTINATIONS {
        return limit(format!(
            "{} replication destinations (AWS allows {MAX_REPLICATION_DESTINATIONS} across all rules)",
            destinations.len()
        ));
    }
    Ok(())
}

/// One line: the registry's settings as the apply leaves them.
fn describe(merged: &LiveRegistry) -> String {
    let scanning: Vec<String> = merged
        .scanning
        .rules
        .iter()
        .map(|r| format!("{} {:?}", r.frequency.as_str(), r.filters))
        .collect();
    let replication: Vec<String> = merged
        .replication
        .iter()
        .map(|r| {
            let to: Vec<String> = r
                .destinations
                .iter()
                .map(|d| format!("{}/{}", d.account, d.region))
                .collect();
            format!("{:?} → {}", r.filters, to.join(", "))
        })
        .collect();
    let sids: Vec<String> = merged
        .policy_statements()
        .iter()
        .map(|s| {
            s.get("Sid")
                .and_then(|v| v.as_str())
                .unwrap_or("(no Sid)")
                .to_string()
        })
        .collect();
    format!(
        "after apply: scanning {} [{}]; replication [{}]; registry policy [{}]",
        merged.scanning.scan_type.as_str(),
        scanning.join("; "),
        replication.join("; "),
        sids.join(", ")
    )
}

/// The record with each fingerprint of a spec resource in its kind's current layout: one written
/// before an attribute was added to the kind reads as if that attribute held its earlier value,
/// so the record is not written again for that alone.
fn current_layout(record: &RegistryRecord, bound: &[Resource]) -> RegistryRecord {
    let mut record = record.clone();
    for resource in bound {
        let Some(section) = resource.kind().record_section() else {
            continue;
        };
        let key = resource.address().name;
        let current = record
            .section(section)
            .get(&key)
            .and_then(|text| Fingerprint::read(resource, text));
        if let Some(fingerprint) = current {
            record.own(section, &key, fingerprint.encode());
        }
    }
    record
}

/// The change that makes this stack's ownership record say what it owns after the apply (and
/// what was applied, as fingerprints), or deletes it when the stack owns nothing any more.
/// `bound`: the spec's resources, bound and fingerprinted.
pub fn record(
    bound: &[Resource],
    state: &RegistryState,
    stack: &str,
) -> Result<Option<Change>, PlanError> {
    let have = state.records.get(stack).map(|h| current_layout(h, bound));
    let have = have.as_ref();
    let mut wanted = RegistryRecord::new(stack, OwnedKeys::default(), None);
    for resource in bound {
        match resource {
            Resource::Registry(w) => {
                wanted.registry = w.keys();
                wanted.fingerprint = w.tags.get(APPLIED_TAG).cloned();
            }
            other => {
                if let Some(section) = other.kind().record_section() {
                    let fingerprint = other.tags().get(APPLIED_TAG).cloned().unwrap_or_default();
                    for key in other.unit().record_keys() {
                        wanted.own(section, &key, fingerprint.clone());
                    }
                }
            }
        }
    }
    let wanted = (!wanted.is_empty()).then_some(wanted);
    let address = Address::new(Kind::RegistryRecord, stack);
    let shown = |r: &RegistryRecord| {
        let mut shown = serde_json::Map::new();
        shown.insert("registry".into(), json!(r.registry));
        for section in Kind::ALL.iter().filter_map(|k| k.record_section()) {
            shown.insert(
                section.into(),
                json!(r.section(section).keys().collect::<Vec<_>>()),
            );
        }
        serde_json::Value::Object(shown)
    };
    let name = parameter_name(stack);
    let change = match (wanted, have) {
        (None, None) => return Ok(None),
        (None, Some(have)) => Change::new(
            address,
            Action::Delete,
            vec![AttributeChange::new("owned", Some(shown(have)), None)],
            vec![Op::Registry(RegistryOp::DeleteRegistryRecord { name })],
        ),
        (Some(want), have) if Some(&want) == have => return Ok(None),
        (Some(want), have) => {
            let value = want.encode();
            if value.len() > MAX_RECORD_SIZE {
                return Err(PlanError::RegistryLimit {
                    what: format!(
                        "an ownership record of {} characters (an SSM parameter holds {MAX_RECORD_SIZE}); \
                         declare fewer registry rules or statements in this stack",
                        value.len()
                    ),
                });
            }
            let mut attributes = vec![AttributeChange::new(
                "owned",
                have.map(shown),
                Some(shown(&want)),
            )];
            attributes.retain(|a| a.before != a.after);
            Change::new(
                address,
                if have.is_some() {
                    Action::Update
                } else {
                    Action::Create
                },
                attributes,
                vec![Op::Registry(RegistryOp::PutRegistryRecord {
                    name,
                    value,
                    tags: without_fingerprint(&want.tags()),
                })],
            )
        }
    };
    Ok(Some(change))
}

/// Every call each op of this kind may make (see `calls.rs`).
/// The stack's registry record is written by the registry's ops too.
const OPS: &[OpCalls] = &[
    row(
        "put_registry_scanning",
        Kind::Registry,
        // Read again and merged with what other stacks wrote since the plan.
        &[
            "ecr:GetRegistryScanningConfiguration",
            "ecr:PutRegistryScanningConfiguration",
        ],
        &[],
    )
    .ensuring("the configuration is read again and this stack's part merged into what is there now, so that rules other stacks wrote since the plan are kept; written only when that changes it"),
    row(
        "put_replication",
        Kind::Registry,
        &["ecr:DescribeRegistry", "ecr:PutReplicationConfiguration"],
        &[],
    )
    .ensuring("the configuration is read again and this stack's part merged into what is there now; written only when that changes it"),
    row(
        "put_registry_policy",
        Kind::Registry,
        // Deleted when no statement is left after the merge.
        &[
            "ecr:GetRegistryPolicy",
            "ecr:PutRegistryPolicy",
            "ecr:DeleteRegistryPolicy",
        ],
        &[],
    )
    .ensuring("the policy is read again and this stack's statements merged into what is there now; deleted when no statement is left"),
    row(
        "put_registry_record",
        Kind::RegistryRecord,
        // Created with tags, or overwritten when it exists.
        &["ssm:PutParameter"],
        &[Dependent::WithTags("ssm:AddTagsToResource")],
    )
    .ensuring("created, or overwritten when it exists"),
    row(
        "delete_registry_record",
        Kind::RegistryRecord,
        &["ssm:DeleteParameter"],
        &[],
    ),
];

impl Planned for RegistrySettings {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        diff(
            self,
            live,
            &cx.observed.registry,
            &cx.desired.stack,
            &cx.env.account,
        )
    }

    fn prune(&self, _live: &Live, cx: &Context<'_>) -> Option<Change> {
        Some(release(self, &cx.observed.registry, &cx.desired.stack))
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistryOp {
    /// Reads the registry's scanning configuration, puts the stack's part in it (keeping every
    /// other rule and filter) and writes it back when that changes it.
    PutRegistryScanning {
        part: OwnedPart,
    },
    /// The same for the replication configuration.
    PutReplication {
        part: OwnedPart,
    },
    /// The same for the registry policy; deletes the policy when no statement is left.
    PutRegistryPolicy {
        part: OwnedPart,
    },
    /// Creates or overwrites the stack's ownership record (an SSM String parameter).
    PutRegistryRecord {
        name: String,
        value: String,
        tags: Tags,
    },
    DeleteRegistryRecord {
        name: String,
    },
}

impl crate::plan::op::Writes for RegistrySettings {
    type Op = RegistryOp;
}

impl crate::plan::op::Details for RegistryOp {
    fn carries_tags(&self) -> bool {
        matches!(self, RegistryOp::PutRegistryRecord { tags, .. } if !tags.is_empty())
    }
}

#[cfg(test)]
mod tests;
