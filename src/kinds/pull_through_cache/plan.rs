//! Planning pull-through cache rules: created, their credential and role updated in place, a new
//! upstream by replacing the rule (images already cached stay in their repositories), pruned
//! when the stack's record lists them and the spec no longer does. Ownership is the record's
//! (written by the record change), so a rule has no tag writes of its own.

use crate::kinds::pull_through_cache::ATTRIBUTES;
use crate::model::attribute::{self, Mutation};
use crate::model::{Address, Kind, Live, PullThroughCacheRule, Resource};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op};

fn address(rule: &PullThroughCacheRule) -> Address {
    Address::new(Kind::PullThroughCache, &rule.prefix)
}

fn stored(rule: &PullThroughCacheRule) -> PullThroughCacheRule {
    PullThroughCacheRule {
        tags: Default::default(),
        ..rule.clone()
    }
}

pub fn diff(want: &PullThroughCacheRule, live: Option<&Live>) -> Option<Change> {
    let create =
        Op::PullThroughCache(PullThroughCacheOp::CreatePullThroughCacheRule { rule: stored(want) });
    let Some(Resource::PullThroughCache(have)) = live.map(|l| &l.resource) else {
        let attributes = crate::plan::create_attributes(&Resource::PullThroughCache(want.clone()));
        return Some(Change::new(
            address(want),
            Action::Create,
            attributes,
            vec![create],
        ));
    };
    let differs: Vec<_> = ATTRIBUTES
        .iter()
        .filter(|a| a.fingerprinted() && (a.canonical)(want) != (a.canonical)(have))
        .collect();
    if differs.is_empty() {
        return None;
    }
    let attributes: Vec<AttributeChange> = differs
        .iter()
        .map(|a| {
            let mut change =
                AttributeChange::new(a.name, Some((a.shown)(have)), Some((a.shown)(want)));
            change.forces_replacement = a.mutation == Mutation::Replace;
            change
        })
        .collect();
    // UpdatePullThroughCacheRule can set a credential or role, not remove one.
    let removes = |get: fn(&PullThroughCacheRule) -> &Option<String>| {
        get(have).is_some() && get(want).is_none()
    };
    let replace = attributes.iter().any(|a| a.forces_replacement)
        || removes(|r| &r.credential_arn)
        || removes(|r| &r.custom_role_arn);
    if replace {
        let mut change = Change::new(
            address(want),
            Action::Replace,
            attributes,
            vec![
                Op::PullThroughCache(PullThroughCacheOp::DeletePullThroughCacheRule {
                    prefix: want.prefix.clone(),
                }),
                create,
            ],
        );
        change.notes.push(
            "the rule is deleted and created again; images already cached stay in their repositories"
                .into(),
        );
        return Some(change);
    }
    debug_assert!(attribute::changed(ATTRIBUTES, want, have).len() == attributes.len());
    Some(Change::new(
        address(want),
        Action::Update,
        attributes,
        vec![Op::PullThroughCache(
            PullThroughCacheOp::UpdatePullThroughCacheRule { rule: stored(want) },
        )],
    ))
}

/// Deletes a rule this stack owned that left the spec. Repositories it filled are not deleted.
pub fn delete(have: &PullThroughCacheRule) -> Change {
    let attributes = have
        .attributes()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(n, v)| AttributeChange::new(n, Some(v), None))
        .collect();
    let mut change = Change::new(
        address(have),
        Action::Delete,
        attributes,
        vec![Op::PullThroughCache(
            PullThroughCacheOp::DeletePullThroughCacheRule {
                prefix: have.prefix.clone(),
            },
        )],
    );
    change.notes.push(
        "repositories the rule filled are kept (they are prune candidates of their own)".into(),
    );
    change
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "create_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:CreatePullThroughCacheRule"],
        &[Dependent::PassRole],
    ),
    row(
        "update_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:UpdatePullThroughCacheRule"],
        &[Dependent::PassRole],
    ),
    row(
        "delete_pull_through_cache_rule",
        Kind::PullThroughCache,
        &["ecr:DeletePullThroughCacheRule"],
        &[],
    ),
];

impl Planned for PullThroughCacheRule {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, _cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        Ok(diff(self, live))
    }

    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        Some(delete(self))
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
// The variant names are the plan's JSON op names, which users' scripts read.
#[allow(clippy::enum_variant_names)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum PullThroughCacheOp {
    CreatePullThroughCacheRule {
        rule: PullThroughCacheRule,
    },
    /// Sets the rule's credential and role.
    UpdatePullThroughCacheRule {
        rule: PullThroughCacheRule,
    },
    DeletePullThroughCacheRule {
        prefix: String,
    },
}

impl crate::plan::op::Writes for PullThroughCacheRule {
    type Op = PullThroughCacheOp;
}

impl crate::plan::op::Details for PullThroughCacheOp {
    fn passes_role(&self) -> bool {
        match self {
            PullThroughCacheOp::CreatePullThroughCacheRule { rule }
            | PullThroughCacheOp::UpdatePullThroughCacheRule { rule } => {
                rule.custom_role_arn.is_some()
            }
            PullThroughCacheOp::DeletePullThroughCacheRule { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests;
