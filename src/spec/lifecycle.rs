//! A `lifecycle_policy:` mapping: typed rules read into the canonical [`LifecyclePolicy`], with
//! ECR's constraints checked offline.
//!
//! It knows nothing of the resource that owns the policy: an owner puts [`FIELDS`] in its own
//! table and calls [`read`] with the path of its field, so every owner of a lifecycle policy takes
//! the same typed form and gets the same errors.

use std::collections::BTreeMap;

use super::reader::{Reader, join};
use super::yaml::Node;
pub(crate) use crate::model::lifecycle::FIELDS;
use crate::model::lifecycle::{MAX_COUNT, RULE_FIELDS as RULE};
use crate::model::{LifecycleAction, LifecyclePolicy, LifecycleRule, TagStatus};

/// ECR keeps an archived image at least this many days: a rule may not delete it sooner.
pub const MIN_DAYS_IN_ARCHIVE: u32 = 90;

/// ECR's limit of wildcards in one tag pattern.
const MAX_WILDCARDS: usize = 4;

/// The fields that say which images a rule counts: exactly one per rule.
const COUNTS: &[&str] = &[
    "keep_last",
    "expire_after_days",
    "not_pulled_for_days",
    "archived_for_days",
];

/// Reads a lifecycle policy at `path` (the owner's field, e.g. `repositories[0].lifecycle_policy`).
pub fn read(r: &mut Reader, node: &Node, path: &str) -> Option<LifecyclePolicy> {
    let f = r.fields(node, path, FIELDS)?;
    let Some(rules_node) = f.get("rules") else {
        r.error(
            node.pos,
            &f.path_of("rules"),
            "missing; a lifecycle policy needs rules",
        );
        return None;
    };
    let items = r.list(rules_node, &f.path_of("rules"))?;
    if items.is_empty() {
        r.error(
            rules_node.pos,
            &f.path_of("rules"),
            "needs at least one rule",
        );
        return None;
    }
    let mut rules = Vec::new();
    let mut ok = true;
    for (rule_path, item) in &items {
        match read_rule(r, item, rule_path) {
            Some(rule) => rules.push((rule_path.clone(), *item, rule)),
            None => ok = false,
        }
    }
    if !ok {
        return None;
    }
    let mut priorities: BTreeMap<u32, &str> = BTreeMap::new();
    for (rule_path, item, rule) in &rules {
        if let Some(first) = priorities.insert(rule.priority, rule_path) {
            r.error(
                item.pos,
                &join(rule_path, "priority"),
                format!(
                    "priority {} is already used by {first}; priorities must be unique",
                    rule.priority
                ),
            );
            ok = false;
        }
    }
    let highest = rules.iter().map(|(_, _, rule)| rule.priority).max();
    for (rule_path, item, rule) in &rules {
        if rule.tag_status == TagStatus::Any && Some(rule.priority) != highest {
            r.error(
                item.pos,
                &join(rule_path, "tag_status"),
                "a rule with tag_status: any must have the highest priority number of all rules",
            );
            ok = false;
        }
    }
    ok.then(|| LifecyclePolicy::from_rules(rules.into_iter().map(|(_, _, rule)| rule).collect()))
}

fn read_rule(r: &mut Reader, node: &Node, path: &str) -> Option<LifecycleRule> {
    let f = r.fields(node, path, RULE)?;
    let priority = match f.get("priority") {
        None => {
            r.error(
                node.pos,
                &f.path_of("priority"),
                "missing; each rule needs a priority (1 or more)",
            );
            None
        }
        Some(n) => r
            .int(n, &f.path_of("priority"), 1, MAX_COUNT)
            .map(|p| p as u32),
    };
    let description = f
        .get("description")
        .and_then(|n| r.string(n, &f.path_of("description")));
    let tag_status = match f.get("tag_status") {
        None => {
            r.error(
                node.pos,
                &f.path_of("tag_status"),
                "missing; expected tagged, untagged or any",
            );
            None
        }
        Some(n) => r.one_of(n, &f.path_of("tag_status"), TagStatus::ALLOWED, |s| {
            TagStatus::parse(s).filter(|_| s == s.to_ascii_lowercase())
        }),
    };
    let action = match f.get("action") {
        None => Some(LifecycleAction::Expire),
        Some(n) => r.one_of(
            n,
            &f.path_of("action"),
            LifecycleAction::ALLOWED,
            LifecycleAction::parse,
        ),
    };
    let mut list = |name: &str| match f.get(name) {
        None => Some(Vec::new()),
        Some(n) => r.strings(n, &f.path_of(name)),
    };
    let prefixes = list("tag_prefixes");
    let patterns = list("tag_patterns");
    // Each count written, in table order, with its node and value.
    let counts: Vec<(&str, &Node, Option<u32>)> = COUNTS
        .iter()
        .filter_map(|&name| {
            let n = f.get(name)?;
            Some((
                name,
                n,
                r.int(n, &f.path_of(name), 1, MAX_COUNT).map(|c| c as u32),
            ))
        })
        .collect();
    let (prefixes, patterns, tag_status, action) = (prefixes?, patterns?, tag_status?, action?);
    let mut ok = true;
    match counts.as_slice() {
        [] => {
            r.error(
                node.pos,
                path,
                "each rule needs one of keep_last, expire_after_days, not_pulled_for_days or \
                 archived_for_days",
            );
            ok = false;
        }
        [(first, ..), rest @ ..] => {
            for (name, n, _) in rest {
                r.error(
                    n.pos,
                    &f.path_of(name),
                    format!(
                        "use one of keep_last, expire_after_days, not_pulled_for_days or \
                         archived_for_days, not several (this rule also has {first})"
                    ),
                );
                ok = false;
            }
        }
    }
    let selects_tags = !prefixes.is_empty() || !patterns.is_empty();
    if tag_status == TagStatus::Tagged && !selects_tags {
        r.error(
            node.pos,
            path,
            "tag_status: tagged needs tag_prefixes or tag_patterns",
        );
        ok = false;
    }
    if tag_status != TagStatus::Tagged && selects_tags {
        r.error(
            node.pos,
            path,
            "tag_prefixes and tag_patterns are only allowed with tag_status: tagged",
        );
        ok = false;
    }
    if !prefixes.is_empty() && !patterns.is_empty() {
        r.error(node.pos, path, "use tag_prefixes or tag_patterns, not both");
        ok = false;
    }
    if let (Some(n), Some(bad)) = (
        f.get("tag_patterns"),
        patterns
            .iter()
            .find(|p| p.matches('*').count() > MAX_WILDCARDS),
    ) {
        r.error(
            n.pos,
            &f.path_of("tag_patterns"),
            format!(
                "{bad:?} has {} wildcards; ECR allows at most {MAX_WILDCARDS} * in one pattern",
                bad.matches('*').count()
            ),
        );
        ok = false;
    }
    // Which count goes with which action: ECR archives by last pull only, does not expire by it,
    // and keeps archived images at least MIN_DAYS_IN_ARCHIVE days.
    let count = |name: &str| counts.iter().find(|(c, ..)| *c == name);
    if let Some((_, n, _)) = count("not_pulled_for_days")
        && action != LifecycleAction::Archive
    {
        r.error(
            n.pos,
            &f.path_of("not_pulled_for_days"),
            "ECR archives images by their last pull, and does not expire them by it: add \
             action: archive",
        );
        ok = false;
    }
    if action == LifecycleAction::Archive
        && let Some((name, ..)) = counts.first()
        && *name != "not_pulled_for_days"
    {
        let n = f.get("action").expect("an archive action was written");
        r.error(
            n.pos,
            &f.path_of("action"),
            format!(
                "action: archive goes with not_pulled_for_days only (ECR archives images by \
                 their last pull), not with {name}"
            ),
        );
        ok = false;
    }
    if let Some((_, n, Some(days))) = count("archived_for_days")
        && *days < MIN_DAYS_IN_ARCHIVE
    {
        r.error(
            n.pos,
            &f.path_of("archived_for_days"),
            format!(
                "ECR keeps an archived image at least {MIN_DAYS_IN_ARCHIVE} days; expected \
                 {MIN_DAYS_IN_ARCHIVE} or more, got {days}"
            ),
        );
        ok = false;
    }
    let mut rule = LifecycleRule::new(priority?, tag_status);
    for (name, _, value) in &counts {
        let value = Some((*value)?);
        match *name {
            "keep_last" => rule.keep_last = value,
            "expire_after_days" => rule.expire_after_days = value,
            "not_pulled_for_days" => rule.not_pulled_for_days = value,
            _ => rule.archived_for_days = value,
        }
    }
    rule.description = description;
    rule.tag_prefixes = prefixes;
    rule.tag_patterns = patterns;
    rule.action = action;
    ok.then_some(rule)
}
