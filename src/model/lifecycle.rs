//! ECR lifecycle policies in the spec's terms, and their translation to and from AWS's JSON.
//!
//! Both the spec and the live policy are turned into the same canonical rule list (rules sorted by
//! priority, prefix and pattern lists sorted and deduplicated, empty lists and descriptions dropped),
//! so AWS's reformatting never shows as a change.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

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

/// One rule, as the spec words it.
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) expire_after_days: Option<u32>,
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

fn rule_to_aws(rule: &LifecycleRule) -> Value {
    let mut selection = serde_json::Map::new();
    selection.insert("tagStatus".into(), rule.tag_status.as_str().into());
    if !rule.tag_prefixes.is_empty() {
        selection.insert("tagPrefixList".into(), json!(rule.tag_prefixes));
    }
    if !rule.tag_patterns.is_empty() {
        selection.insert("tagPatternList".into(), json!(rule.tag_patterns));
    }
    match (rule.keep_last, rule.expire_after_days) {
        (Some(n), _) => {
            selection.insert("countType".into(), "imageCountMoreThan".into());
            selection.insert("countNumber".into(), n.into());
        }
        (None, Some(days)) => {
            selection.insert("countType".into(), "sinceImagePushed".into());
            selection.insert("countUnit".into(), "days".into());
            selection.insert("countNumber".into(), days.into());
        }
        (None, None) => {}
    }
    let mut out = serde_json::Map::new();
    out.insert("rulePriority".into(), rule.priority.into());
    if let Some(d) = &rule.description {
        out.insert("description".into(), d.clone().into());
    }
    out.insert("selection".into(), Value::Object(selection));
    out.insert("action".into(), json!({"type": "expire"}));
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
    if action.get("type")?.as_str()? != "expire" || action.len() != 1 {
        return None;
    }
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
    let (keep_last, expire_after_days) = match selection.get("countType")?.as_str()? {
        "imageCountMoreThan" => (Some(count), None),
        "sinceImagePushed" => {
            let unit = selection.get("countUnit").and_then(Value::as_str);
            if unit.is_some_and(|u| u != "days") {
                return None;
            }
            (None, Some(count))
        }
        _ => return None,
    };
    let known = [
        "tagStatus",
        "tagPrefixList",
        "tagPatternList",
        "countType",
        "countUnit",
        "countNumber",
    ];
    if selection.keys().any(|k| !known.contains(&k.as_str())) {
        return None;
    }
    Some(LifecycleRule {
        priority: u32::try_from(rule.get("rulePriority")?.as_u64()?).ok()?,
        description: rule
            .get("description")
            .and_then(Value::as_str)
            .map(str::to_string),
        tag_status: TagStatus::parse(selection.get("tagStatus")?.as_str()?)?,
        tag_prefixes: strings("tagPrefixList")?,
        tag_patterns: strings("tagPatternList")?,
        keep_last,
        expire_after_days,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(priority: u32, status: TagStatus) -> LifecycleRule {
        LifecycleRule {
            priority,
            description: None,
            tag_status: status,
            tag_prefixes: vec![],
            tag_patterns: vec![],
            keep_last: None,
            expire_after_days: None,
        }
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
    fn unknown_shapes_are_foreign() {
        let text = r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"transition","targetStorageClass":"archive"}}]}"#;
        assert!(matches!(
            LifecyclePolicy::from_aws_text(text),
            LifecyclePolicy::Foreign { .. }
        ));
        assert!(matches!(
            LifecyclePolicy::from_aws_text("garbage"),
            LifecyclePolicy::Foreign { .. }
        ));
    }
}
