//! Planning managed signing: the stack's rules are merged into the registry's configuration
//! (every rule it does not own is kept; apply reads the configuration again and merges into what
//! is there then), rules it owned and no longer declares are removed unless another stack's record
//! lists them, and the configuration may hold at most 10 rules.

use crate::kinds::signing::{ADDRESS_NAME, MAX_RULES, RECORD_SECTION, Signing, SigningRule, merge};
use crate::model::{Address, Kind, Live, Registered, Unit};
use crate::plan::PlanError;
use crate::plan::calls::{OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op};

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[row(
    "put_signing_rules",
    Kind::Signing,
    // Deleted when no rule is left after the merge.
    &[
        "ecr:GetSigningConfiguration",
        "ecr:PutSigningConfiguration",
        "ecr:DeleteSigningConfiguration",
    ],
    &[],
)
.ensuring("the configuration is read again and this stack's rules merged into what is there now; deleted when no rule is left")];

/// The keys this stack's record lists that no other stack's does, and that it no longer declares.
fn released(cx: &Context<'_>, declared: &[String]) -> Vec<String> {
    let records = &cx.observed.registry.records;
    let Some(ours) = records.get(&cx.desired.stack) else {
        return Vec::new();
    };
    ours.section(RECORD_SECTION)
        .keys()
        .filter(|key| !declared.contains(key))
        .filter(|key| {
            !records.values().any(|r| {
                r.stack != cx.desired.stack && r.section(RECORD_SECTION).contains_key(*key)
            })
        })
        .cloned()
        .collect()
}

fn change(
    action: Action,
    have: Option<&Signing>,
    want: &Signing,
    release: Vec<String>,
    cx: &Context<'_>,
) -> Result<Change, PlanError> {
    let live = cx
        .observed
        .registry
        .fact::<Vec<SigningRule>>(Kind::Signing)
        .unwrap_or_default();
    let merged = merge(&live, &want.rules, &release);
    if merged.len() > MAX_RULES {
        return Err(PlanError::RegistryLimit {
            what: format!("{} signing rules (ECR holds {MAX_RULES})", merged.len()),
        });
    }
    let before = have
        .filter(|h| !h.rules.is_empty())
        .map(|h| h.attributes()[0].1.clone());
    let after = (action != Action::Delete).then(|| want.attributes()[0].1.clone());
    let mut change = Change::new(
        Address::new(Kind::Signing, ADDRESS_NAME),
        action,
        vec![AttributeChange::new("rules", before, after)],
        vec![Op::Signing(SigningOp::PutSigningRules {
            rules: want.rules.clone(),
            release,
        })],
    );
    let kept: Vec<&SigningRule> = live
        .iter()
        .filter(|r| merged.contains(r) && !want.rules.contains(r))
        .collect();
    if !kept.is_empty() {
        change.notes.push(format!(
            "kept as they are: {} rule(s) this stack does not own ({})",
            kept.len(),
            kept.iter().map(|r| r.key()).collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(change)
}

impl Planned for Signing {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        let have = live.and_then(|l| Signing::of(&l.resource));
        let release = released(cx, &self.keys());
        if have.is_some_and(|h| h.rules == self.rules) && release.is_empty() {
            return Ok(None);
        }
        let action = if have.is_some_and(|h| !h.rules.is_empty()) {
            Action::Update
        } else {
            Action::Create
        };
        change(action, have, self, release, cx).map(Some)
    }

    /// Its rules are removed from the configuration, unless another stack's record lists them.
    fn prune(&self, _live: &Live, cx: &Context<'_>) -> Option<Change> {
        let release = released(cx, &[]);
        if release.is_empty() {
            // Every rule is another stack's too: only the record lets go of them.
            return None;
        }
        change(Action::Delete, Some(self), &Signing::default(), release, cx).ok()
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum SigningOp {
    /// The stack's signing rules merged into the registry's configuration, and the keys of rules
    /// it gives up removed from it.
    PutSigningRules {
        rules: Vec<SigningRule>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        release: Vec<String>,
    },
}

impl crate::plan::op::Writes for Signing {
    type Op = SigningOp;
}

impl crate::plan::op::Details for SigningOp {}

#[cfg(test)]
mod tests;
