//! ECR lifecycle policies in the spec's terms, and their translation to and from AWS's JSON.
//!
//! Both the spec and the live policy are turned into the same canonical rule list (rules sorted by
//! priority, prefix and pattern lists sorted and deduplicated, empty lists and descriptions dropped,
//! a `standard` storage class left implicit), so AWS's reformatting never shows as a change.
//!
//! Nothing here knows which resource owns the policy: the same typed rules and the same JSON serve
//! any owner of a lifecycle policy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::attribute::{Field, Ty};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum TagStatus {
    Tagged,
    Untagged,
    Any,
}

impl TagStatus {
    pub(crate) const ALLOWED: &'static [&'static str] = &["tagged", "untagged", "any"];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s.to_ascii_lowercase().as_str() {
            "tagged" => Some(TagStatus::Tagged),
            "untagged" => Some(TagStatus::Untagged),
            "any" => Some(TagStatus::Any),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            TagStatus::Tagged => "tagged",
            TagStatus::Untagged => "untagged",
            TagStatus::Any => "any",
        }
    }
}

/// What a rule does to the images it selects.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LifecycleAction {
    /// Delete them (ECR's `expire`).
    #[default]
    Expire,
    /// Move them to the archive storage class (ECR's `transition` to `archive`).
    Archive,
}

impl LifecycleAction {
    pub const ALLOWED: &'static [&'static str] = &["expire", "archive"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "expire" => Some(LifecycleAction::Expire),
            "archive" => Some(LifecycleAction::Archive),
            _ => None,
        }
    }

    pub fn is_expire(&self) -> bool {
        *self == LifecycleAction::Expire
    }
}

/// One rule, as the spec words it. Exactly one of `keep_last`, `expire_after_days`,
/// `not_pulled_for_days` and `archived_for_days` is set: it says which images count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct LifecycleRule {
    pub(crate) priority: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) description: Option<String>,
    pub(crate) tag_status: TagStatus,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) tag_prefixes: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub(crate) tag_patterns: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) keep_last: Option<u32>,
    /// Images pushed more than this many days ago (`sinceImagePushed`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expire_after_days: Option<u32>,
    /// Images last pulled more than this many days ago (`sinceImagePulled`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) not_pulled_for_days: Option<u32>,
    /// Archived images, archived more than this many days ago (`sinceImageTransitioned`, storage
    /// class `archive`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) archived_for_days: Option<u32>,
    /// Left out when `expire`, so that rules written before actions existed serialize as before.
    #[serde(default, skip_serializing_if = "LifecycleAction::is_expire")]
    pub(crate) action: LifecycleAction,
}

impl LifecycleRule {
    /// A rule of this priority and tag status that selects nothing yet (every count unset).
    pub(crate) fn new(priority: u32, tag_status: TagStatus) -> Self {
        LifecycleRule {
            priority,
            description: None,
            tag_status,
            tag_prefixes: Vec::new(),
            tag_patterns: Vec::new(),
            keep_last: None,
            expire_after_days: None,
            not_pulled_for_days: None,
            archived_for_days: None,
            action: LifecycleAction::Expire,
        }
    }
}

/// A lifecycle policy: rules this tool understands, or a live policy it cannot express (which is
/// then always planned to be replaced by the spec's rules).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum LifecyclePolicy {
    Rules { rules: Vec<LifecycleRule> },
    Foreign { unrecognized: Value },
}

impl LifecyclePolicy {
    /// Builds the canonical form of a rule list.
    pub(crate) fn from_rules(mut rules: Vec<LifecycleRule>) -> Self {
        for rule in &mut rules {
            for list in [&mut rule.tag_prefixes, &mut rule.tag_patterns] {
                list.sort();
                list.dedup();
            }
            if rule.description.as_deref() == Some("") {
                rule.description = None;
            }
        }
        rules.sort_by_key(|r| r.priority);
        LifecyclePolicy::Rules { rules }
    }

    /// Reads AWS's lifecycle policy text.
    pub(crate) fn from_aws_text(text: &str) -> Self {
        let value: Value = match serde_json::from_str(text) {
            Ok(v) => v,
            Err(_) => {
                return LifecyclePolicy::Foreign {
                    unrecognized: Value::String(text.to_string()),
                };
            }
        };
        match rules_from_aws(&value) {
            Some(rules) => Self::from_rules(rules),
            None => LifecyclePolicy::Foreign {
                unrecognized: value,
            },
        }
    }

    /// The policy text sent to PutLifecyclePolicy.
    pub(crate) fn to_aws_text(&self) -> String {
        match self {
            LifecyclePolicy::Foreign { unrecognized } => unrecognized.to_string(),
            LifecyclePolicy::Rules { rules } => {
                let rules: Vec<Value> = rules.iter().map(rule_to_aws).collect();
                json!({ "rules": rules }).to_string()
            }
        }
    }
}

/// The names ECR gives the storage classes and the count types in a policy's JSON.
const ARCHIVE: &str = "archive";
const STANDARD: &str = "standard";

fn rule_to_aws(rule: &LifecycleRule) -> Value {
    let mut selection = serde_json::Map::new();
    selection.insert("tagStatus".into(), rule.tag_status.as_str().into());
    if !rule.tag_prefixes.is_empty() {
        selection.insert("tagPrefixList".into(), json!(rule.tag_prefixes));
    }
    if !rule.tag_patterns.is_empty() {
        selection.insert("tagPatternList".into(), json!(rule.tag_patterns));
    }
    let days = [
        ("sinceImagePushed", rule.expire_after_days),
        ("sinceImagePulled", rule.not_pulled_for_days),
        ("sinceImageTransitioned", rule.archived_for_days),
    ];
    if let Some(n) = rule.keep_last {
        selection.insert("countType".into(), "imageCountMoreThan".into());
        selection.insert("countNumber".into(), n.into());
    } else if let Some((count_type, Some(n))) = days.iter().find(|(_, d)| d.is_some()) {
        selection.insert("countType".into(), (*count_type).into());
        selection.insert("countUnit".into(), "days".into());
        selection.insert("countNumber".into(), (*n).into());
    }
    if rule.archived_for_days.is_some() {
        selection.insert("storageClass".into(), ARCHIVE.into());
    }
    let mut out = serde_json::Map::new();
    out.insert("rulePriority".into(), rule.priority.into());
    if let Some(d) = &rule.description {
        out.insert("description".into(), d.clone().into());
    }
    out.insert("selection".into(), Value::Object(selection));
    let action = match rule.action {
        LifecycleAction::Expire => json!({"type": "expire"}),
        LifecycleAction::Archive => json!({"type": "transition", "targetStorageClass": ARCHIVE}),
    };
    out.insert("action".into(), action);
    Value::Object(out)
}

/// `None` when the policy uses anything the spec cannot say (other actions, units, fields).
fn rules_from_aws(value: &Value) -> Option<Vec<LifecycleRule>> {
    let rules = value.get("rules")?.as_array()?;
    rules.iter().map(rule_from_aws).collect()
}

fn rule_from_aws(rule: &Value) -> Option<LifecycleRule> {
    let rule = rule.as_object()?;
    if rule
        .keys()
        .any(|k| !["rulePriority", "description", "selection", "action"].contains(&k.as_str()))
    {
        return None;
    }
    let action = rule.get("action")?.as_object()?;
    let target = action.get("targetStorageClass").map(Value::as_str);
    let action = match (action.get("type")?.as_str()?, target, action.len()) {
        ("expire", None, 1) => LifecycleAction::Expire,
        ("transition", Some(Some(ARCHIVE)), 2) => LifecycleAction::Archive,
        _ => return None,
    };
    let selection = rule.get("selection")?.as_object()?;
    let strings = |key: &str| -> Option<Vec<String>> {
        match selection.get(key) {
            None => Some(Vec::new()),
            Some(v) => v
                .as_array()?
                .iter()
                .map(|s| s.as_str().map(str::to_string))
                .collect(),
        }
    };
    let count = u32::try_from(selection.get("countNumber")?.as_u64()?).ok()?;
    let count_type = selection.get("countType")?.as_str()?;
    if count_type != "imageCountMoreThan" {
        let unit = selection.get("countUnit").and_then(Value::as_str);
        if unit.is_some_and(|u| u != "days") {
            return None;
        }
    }
    let mut out = LifecycleRule::new(
        u32::try_from(rule.get("rulePriority")?.as_u64()?).ok()?,
        TagStatus::parse(selection.get("tagStatus")?.as_str()?)?,
    );
    match count_type {
        "imageCountMoreThan" => out.keep_last = Some(count),
        "sinceImagePushed" => out.expire_after_days = Some(count),
        "sinceImagePulled" => out.not_pulled_for_days = Some(count),
        "sinceImageTransitioned" => out.archived_for_days = Some(count),
        _ => return None,
    }
    // Archived images are the ones counted by time in archive; every other count is of standard
    // images, which is also what no storage class means.
    let storage = selection.get("storageClass").map(Value::as_str);
    let archived = out.archived_for_days.is_some();
    match storage {
        None => {}
        Some(Some(ARCHIVE)) if archived => {}
        Some(Some(STANDARD)) if !archived => {}
        _ => return None,
    }
    let known = [
        "tagStatus",
        "tagPrefixList",
        "tagPatternList",
        "countType",
        "countUnit",
        "countNumber",
        "storageClass",
    ];
    if selection.keys().any(|k| !known.contains(&k.as_str())) {
        return None;
    }
    out.description = rule
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    out.tag_prefixes = strings("tagPrefixList")?;
    out.tag_patterns = strings("tagPatternList")?;
    out.action = action;
    Some(out)
}

/// The spec's fields of a `lifecycle_policy` mapping (any owner's).
pub(crate) const FIELDS: &[Field] = &[Field::required(
    "rules",
    Ty::ListOf(RULE_FIELDS),
    "At least one rule; priorities are unique",
)];

/// The largest count or number of days a rule takes.
pub(crate) const MAX_COUNT: i64 = 1_000_000;

/// The spec's fields of one lifecycle rule.
pub(crate) const RULE_FIELDS: &[Field] = &[
    Field::required(
        "priority",
        Ty::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Unique; lower runs first",
    ),
    Field::new("description", Ty::Str, "Shown in the ECR console"),
    Field::required(
        "tag_status",
        Ty::OneOf(TagStatus::ALLOWED),
        "tagged (with tag_prefixes or tag_patterns), untagged, or any (only as the highest priority)",
    ),
    Field::new(
        "tag_prefixes",
        Ty::Strings,
        "Images with a tag starting with one of these",
    ),
    Field::new(
        "tag_patterns",
        Ty::Strings,
        "Images with a tag matching one of these (up to 4 * wildcards each)",
    ),
    Field::new(
        "keep_last",
        Ty::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Keep this many of the newest images; expire the rest (countType imageCountMoreThan)",
    ),
    Field::new(
        "expire_after_days",
        Ty::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Expire images pushed more than this many days ago (countType sinceImagePushed)",
    ),
    Field::new(
        "not_pulled_for_days",
        Ty::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Images last pulled more than this many days ago (countType sinceImagePulled); needs \
         action: archive",
    ),
    Field::new(
        "archived_for_days",
        Ty::Int {
            min: 1,
            max: MAX_COUNT,
        },
        "Archived images, archived more than this many days ago, at least 90 (countType \
         sinceImageTransitioned, storage class archive); expired",
    ),
    Field::new(
        "action",
        Ty::OneOf(LifecycleAction::ALLOWED),
        "expire (default): delete the images; archive: move them to the archive storage class \
         (only with not_pulled_for_days)",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(priority: u32, status: TagStatus) -> LifecycleRule {
        LifecycleRule::new(priority, status)
    }

    /// Archive what has not been pulled for 120 days, then delete what has been archived for a
    /// year.
    fn archive_then_expire() -> LifecyclePolicy {
        let mut archive = rule(1, TagStatus::Tagged);
        archive.tag_patterns = vec!["release-*".into()];
        archive.not_pulled_for_days = Some(120);
        archive.action = LifecycleAction::Archive;
        let mut expire = rule(2, TagStatus::Any);
        expire.archived_for_days = Some(365);
        LifecyclePolicy::from_rules(vec![archive, expire])
    }

    fn seed() -> LifecyclePolicy {
        let mut keep = rule(1, TagStatus::Tagged);
        keep.description = Some("Keep last 50 images".into());
        keep.tag_prefixes = vec!["v".into()];
        keep.keep_last = Some(50);
        let mut expire = rule(2, TagStatus::Untagged);
        expire.expire_after_days = Some(14);
        LifecyclePolicy::from_rules(vec![expire, keep])
    }

    #[test]
    fn round_trips_through_aws_json() {
        let policy = seed();
        assert_eq!(
            LifecyclePolicy::from_aws_text(&policy.to_aws_text()),
            policy
        );
    }

    #[test]
    fn aws_reformatting_is_not_a_difference() {
        // Rules out of order, keys reordered, prefixes unsorted with a duplicate, whitespace.
        let text = r#"{ "rules": [
            {"selection": {"countNumber": 14, "countUnit": "days", "countType": "sinceImagePushed", "tagStatus": "untagged"},
             "action": {"type": "expire"}, "rulePriority": 2},
            {"rulePriority": 1, "description": "Keep last 50 images", "action": {"type": "expire"},
             "selection": {"tagStatus": "tagged", "tagPrefixList": ["v"], "countType": "imageCountMoreThan", "countNumber": 50}}
        ]}"#;
        assert_eq!(LifecyclePolicy::from_aws_text(text), seed());
    }

    #[test]
    fn prefix_order_and_duplicates_are_normalized() {
        let mut a = rule(1, TagStatus::Tagged);
        a.tag_prefixes = vec!["b".into(), "a".into(), "a".into()];
        a.keep_last = Some(3);
        let mut b = a.clone();
        b.tag_prefixes = vec!["a".into(), "b".into()];
        assert_eq!(
            LifecyclePolicy::from_rules(vec![a]),
            LifecyclePolicy::from_rules(vec![b])
        );
    }

    #[test]
    fn different_counts_differ() {
        let mut other = seed();
        if let LifecyclePolicy::Rules { rules } = &mut other {
            rules[0].keep_last = Some(49);
        }
        assert_ne!(other, seed());
    }

    #[test]
    fn archive_and_archived_rules_are_the_json_ecr_documents() {
        let text = archive_then_expire().to_aws_text();
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value,
            json!({"rules": [
                {"rulePriority": 1,
                 "selection": {"tagStatus": "tagged", "tagPatternList": ["release-*"],
                               "countType": "sinceImagePulled", "countUnit": "days", "countNumber": 120},
                 "action": {"type": "transition", "targetStorageClass": "archive"}},
                {"rulePriority": 2,
                 "selection": {"tagStatus": "any", "countType": "sinceImageTransitioned",
                               "countUnit": "days", "countNumber": 365, "storageClass": "archive"},
                 "action": {"type": "expire"}}
            ]})
        );
        assert_eq!(LifecyclePolicy::from_aws_text(&text), archive_then_expire());
    }

    #[test]
    fn a_standard_storage_class_written_out_is_not_a_difference() {
        // ECR may hand back the default storage class it was not given.
        let text = r#"{"rules":[
            {"rulePriority":2,"selection":{"storageClass":"archive","countNumber":365,"countUnit":"days","countType":"sinceImageTransitioned","tagStatus":"any"},"action":{"type":"expire"}},
            {"rulePriority":1,"action":{"targetStorageClass":"archive","type":"transition"},
             "selection":{"tagStatus":"tagged","tagPatternList":["release-*"],"storageClass":"standard","countType":"sinceImagePulled","countUnit":"days","countNumber":120}}
        ]}"#;
        assert_eq!(LifecyclePolicy::from_aws_text(text), archive_then_expire());
    }

    #[test]
    fn rules_written_before_actions_existed_serialize_as_before() {
        // Fingerprints hash this form: an expire rule must not gain an `action` key.
        let value = serde_json::to_value(seed()).unwrap();
        assert_eq!(
            value,
            json!({"rules": [
                {"priority": 1, "description": "Keep last 50 images", "tag_status": "tagged",
                 "tag_prefixes": ["v"], "keep_last": 50},
                {"priority": 2, "tag_status": "untagged", "expire_after_days": 14}
            ]})
        );
        let archive = serde_json::to_value(archive_then_expire()).unwrap();
        assert_eq!(archive["rules"][0]["action"], json!("archive"));
        assert_eq!(archive["rules"][0]["not_pulled_for_days"], json!(120));
        assert_eq!(archive["rules"][1]["archived_for_days"], json!(365));
    }

    #[test]
    fn different_actions_differ() {
        let mut expire = archive_then_expire();
        if let LifecyclePolicy::Rules { rules } = &mut expire {
            rules[0].action = LifecycleAction::Expire;
        }
        assert_ne!(expire, archive_then_expire());
    }

    #[test]
    fn unknown_shapes_are_foreign() {
        for text in [
            // A transition to a storage class other than archive.
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90},"action":{"type":"transition","targetStorageClass":"glacier"}}]}"#,
            // A transition without its target.
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImagePulled","countUnit":"days","countNumber":90},"action":{"type":"transition"}}]}"#,
            // Archived images counted by push date.
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","storageClass":"archive","countType":"sinceImagePushed","countUnit":"days","countNumber":90},"action":{"type":"expire"}}]}"#,
            // Time in archive of standard images.
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","storageClass":"standard","countType":"sinceImageTransitioned","countUnit":"days","countNumber":90},"action":{"type":"expire"}}]}"#,
            // A count type ECR may add later.
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"sinceImageScanned","countUnit":"days","countNumber":9},"action":{"type":"expire"}}]}"#,
            "garbage",
        ] {
            assert!(
                matches!(
                    LifecyclePolicy::from_aws_text(text),
                    LifecyclePolicy::Foreign { .. }
                ),
                "{text}"
            );
        }
    }
}
