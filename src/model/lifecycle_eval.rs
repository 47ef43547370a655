//! What ECR would do to a repository's images under a list of lifecycle rules, decided the way
//! ECR's user guide says ("How lifecycle policies work", "Lifecycle policy properties"):
//!
//! - Every rule selects images by tag status, tag prefixes or patterns (each one must match some
//!   tag of the image; `*` matches any run of characters) and storage class (`archived_for_days`
//!   selects archived images, every other count standard ones).
//! - All rules are evaluated, then applied by priority, `any` last. An image is marked by at most
//!   one rule: the first one whose selection holds it. A lower rule never marks it, but still
//!   counts it (a `keep_last` of the lower rule keeps its place for it).
//! - `keep_last: N` sorts its selection youngest to oldest (by push time, or by the last restore
//!   from the archive when later) and marks everything after the first N. Day counts read the
//!   push time, the last recorded pull (the push time when never pulled, the last restore when
//!   later) and the last archiving time. An image is "more than N days" old when more than
//!   N × 86 400 seconds have passed.
//!
//! Where the guide is silent this file chooses, and README's "What lifecycle rules will delete"
//! says so: ties in push time are broken by digest (the larger digest counts as younger), an
//! image listed by an image index is never given a harsher outcome than the index (expired only
//! when every index listing it is; archived only when every index is archived or expired), and
//! an image on its way back from the archive (`ACTIVATING`) is selected by no rule.
//!
//! Pure: no clock (`now` is an argument), no I/O.

use std::cmp::Reverse;

use serde::{Deserialize, Serialize};

use super::image::{Image, StorageClass};
use super::lifecycle::{LifecycleAction, LifecycleRule, TagStatus};

/// A day in milliseconds.
const DAY: i64 = 86_400_000;

/// What happens to one image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    /// No rule marks it.
    Keep,
    /// Moved to the archive storage class.
    Archive,
    /// Deleted.
    Expire,
}

/// The outcome of one image and the priority of the rule that marked it (`None` when kept).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verdict {
    /// What happens to the image.
    pub outcome: Outcome,
    /// The rule that decided it, when it is expired or archived.
    pub rule: Option<u32>,
}

impl Verdict {
    const KEEP: Verdict = Verdict {
        outcome: Outcome::Keep,
        rule: None,
    };
}

/// ECR's tag wildcard: `*` matches any run of characters, also none; nothing else is special.
pub(crate) fn tag_matches(pattern: &str, tag: &str) -> bool {
    let mut parts = pattern.split('*');
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = tag.strip_prefix(first) else {
        return false;
    };
    let parts: Vec<&str> = parts.collect();
    let Some((last, middle)) = parts.split_last() else {
        return rest.is_empty();
    };
    for part in middle {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    rest.len() >= last.len() && rest.ends_with(last)
}

/// Whether the rule's selection (tags and storage class) holds the image.
pub(crate) fn selects(rule: &LifecycleRule, image: &Image) -> bool {
    let wanted = if rule.archived_for_days.is_some() {
        StorageClass::Archive
    } else {
        StorageClass::Standard
    };
    if image.storage_class != wanted {
        return false;
    }
    match rule.tag_status {
        TagStatus::Any => true,
        TagStatus::Untagged => image.tags.is_empty(),
        TagStatus::Tagged => {
            !image.tags.is_empty()
                && rule
                    .tag_prefixes
                    .iter()
                    .all(|p| image.tags.iter().any(|t| t.starts_with(p.as_str())))
                && rule
                    .tag_patterns
                    .iter()
                    .all(|p| image.tags.iter().any(|t| tag_matches(p, t)))
        }
    }
}

/// The time `keep_last` sorts by: the push, or the last restore when later.
fn youth(image: &Image) -> i64 {
    image
        .last_activated_at
        .map_or(image.pushed_at, |a| a.max(image.pushed_at))
}

fn older_than(since: i64, days: u32, now: i64) -> bool {
    now - since > i64::from(days) * DAY
}

/// Which of the selected images (indexes into `images`) the rule's count marks.
fn counted(rule: &LifecycleRule, images: &[Image], selected: &[usize], now: i64) -> Vec<usize> {
    if let Some(n) = rule.keep_last {
        let mut sorted = selected.to_vec();
        sorted.sort_by_key(|&i| Reverse((youth(&images[i]), images[i].digest.as_str())));
        return sorted.into_iter().skip(n as usize).collect();
    }
    let since = |image: &Image| -> Option<(i64, u32)> {
        if let Some(d) = rule.expire_after_days {
            return Some((image.pushed_at, d));
        }
        if let Some(d) = rule.not_pulled_for_days {
            let pulled = image.last_pulled_at.unwrap_or(image.pushed_at);
            return Some((pulled.max(youth(image)), d));
        }
        if let Some(d) = rule.archived_for_days {
            return Some((image.last_archived_at.unwrap_or(image.pushed_at), d));
        }
        None
    };
    selected
        .iter()
        .copied()
        .filter(|&i| since(&images[i]).is_some_and(|(t, d)| older_than(t, d, now)))
        .collect()
}

/// The rules in the order ECR applies them: by priority, `any` last.
pub(crate) fn in_order(rules: &[LifecycleRule]) -> Vec<&LifecycleRule> {
    let mut ordered: Vec<&LifecycleRule> = rules.iter().collect();
    ordered.sort_by_key(|r| (r.tag_status == TagStatus::Any, r.priority));
    ordered
}

/// One verdict per image, in the order of `images`.
pub fn evaluate(rules: &[LifecycleRule], images: &[Image], now: i64) -> Vec<Verdict> {
    let mut verdicts = vec![Verdict::KEEP; images.len()];
    let mut claimed = vec![false; images.len()];
    for rule in in_order(rules) {
        let selected: Vec<usize> = (0..images.len())
            .filter(|&i| selects(rule, &images[i]))
            .collect();
        for i in counted(rule, images, &selected, now) {
            if !claimed[i] {
                verdicts[i] = Verdict {
                    outcome: match rule.action {
                        LifecycleAction::Expire => Outcome::Expire,
                        LifecycleAction::Archive => Outcome::Archive,
                    },
                    rule: Some(rule.priority),
                };
            }
        }
        for i in selected {
            claimed[i] = true;
        }
    }
    protect_index_children(images, &mut verdicts);
    verdicts
}

/// An image an index lists keeps at least the index's fate: harsher outcomes become `Keep`.
/// Repeated until nothing changes, for indexes listed by other indexes.
fn protect_index_children(images: &[Image], verdicts: &mut [Verdict]) {
    let position = |digest: &str| images.iter().position(|i| i.digest == digest);
    loop {
        let mut changed = false;
        for (i, image) in images.iter().enumerate() {
            let parents = image.in_indexes.iter().filter_map(|d| position(d));
            let Some(mildest) = parents.map(|p| verdicts[p].outcome).min() else {
                continue;
            };
            if verdicts[i].outcome > mildest {
                verdicts[i] = Verdict::KEEP;
                changed = true;
            }
        }
        if !changed {
            return;
        }
    }
}

/// How many images and bytes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Footprint {
    /// Images.
    pub images: usize,
    /// The sum of their `imageSizeInBytes`.
    pub bytes: u64,
}

impl Footprint {
    fn add(&mut self, image: &Image) {
        self.images += 1;
        self.bytes += image.size_bytes;
    }
}

/// A repository's images and bytes, in all and per storage class.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// Every image.
    pub images: usize,
    /// Every image's bytes.
    pub bytes: u64,
    /// Images in the standard storage class (and on their way back to it).
    pub standard: Footprint,
    /// Images in the archive.
    pub archive: Footprint,
}

impl Usage {
    fn add(&mut self, image: &Image, class: StorageClass) {
        self.images += 1;
        self.bytes += image.size_bytes;
        match class {
            StorageClass::Archive => self.archive.add(image),
            StorageClass::Standard | StorageClass::Activating => self.standard.add(image),
        }
    }
}

/// The totals of an evaluation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Images the rules delete.
    pub expire: usize,
    /// Images the rules move to the archive.
    pub archive: usize,
    /// Images left as they are.
    pub keep: usize,
    /// The repository now.
    pub before: Usage,
    /// The repository once the rules have run.
    pub after: Usage,
}

impl Summary {
    /// Totals of these verdicts (one per image, in the order of `images`).
    pub fn of(images: &[Image], verdicts: &[Verdict]) -> Self {
        let mut s = Summary::default();
        for (image, verdict) in images.iter().zip(verdicts) {
            s.before.add(image, image.storage_class);
            match verdict.outcome {
                Outcome::Expire => s.expire += 1,
                Outcome::Archive => {
                    s.archive += 1;
                    s.after.add(image, StorageClass::Archive);
                }
                Outcome::Keep => {
                    s.keep += 1;
                    s.after.add(image, image.storage_class);
                }
            }
        }
        s
    }
}

#[cfg(test)]
#[path = "lifecycle_eval_tests.rs"]
mod tests;
