//! The attribute change and operations for a `tags` difference, for any kind of resource.
//!
//! The last-applied fingerprint ([`APPLIED_TAG`]) travels with the tags but is never compared or
//! shown: it is written along with any other change to the resource, and a resource that differs
//! only in its fingerprint needs nothing (so it can never cause a perpetual diff).

use serde_json::json;

use super::{AttributeChange, Op};
use crate::model::fingerprint::{APPLIED_TAG, without_fingerprint};
use crate::model::{TagTarget, Tags, tags::tag_delta};

/// `None` when nothing is to be written; otherwise the change to show (`None` when only the
/// fingerprint is written, because `others_changed`) and the one `SetTags` op that writes it.
pub fn diff(
    have: &Tags,
    want: &Tags,
    others_changed: bool,
    target: TagTarget,
) -> Option<(Option<AttributeChange>, Vec<Op>)> {
    let (have_shown, want_shown) = (without_fingerprint(have), without_fingerprint(want));
    let tags_changed = have_shown != want_shown;
    if !tags_changed {
        let fingerprint = want.get(APPLIED_TAG);
        if !others_changed || fingerprint.is_none() || have.get(APPLIED_TAG) == fingerprint {
            return None;
        }
        let only: Tags = want
            .iter()
            .filter(|(k, _)| *k == APPLIED_TAG)
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        return Some((
            None,
            vec![Op::Tags(TagOp::SetTags {
                target,
                set: only,
                unset: Vec::new(),
            })],
        ));
    }
    let (set, unset) = tag_delta(have, want);
    let ops = vec![Op::Tags(TagOp::SetTags { target, set, unset })];
    Some((
        Some(AttributeChange::new(
            "tags",
            Some(json!(have_shown)),
            Some(json!(want_shown)),
        )),
        ops,
    ))
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum TagOp {
    /// Tags any managed resource: `set` written (added or changed), `unset` removed.
    SetTags {
        target: TagTarget,
        set: Tags,
        unset: Vec<String>,
    },
}
