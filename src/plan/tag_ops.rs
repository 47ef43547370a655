//! The attribute change and operations for a `tags` difference, for any kind of resource.

use serde_json::json;

use super::{AttributeChange, Op};
use crate::model::{Tags, tags::tag_delta};

/// `None` when the tags already match; otherwise the change to show and the set/unset ops to run,
/// each built by the kind's own constructor.
pub fn diff(
    have: &Tags,
    want: &Tags,
    set: impl FnOnce(Tags) -> Op,
    unset: impl FnOnce(Vec<String>) -> Op,
) -> Option<(AttributeChange, Vec<Op>)> {
    if have == want {
        return None;
    }
    let (to_set, to_remove) = tag_delta(have, want);
    let mut ops = Vec::new();
    if !to_set.is_empty() {
        ops.push(set(to_set));
    }
    if !to_remove.is_empty() {
        ops.push(unset(to_remove));
    }
    Some((
        AttributeChange::new("tags", Some(json!(have)), Some(json!(want))),
        ops,
    ))
}
