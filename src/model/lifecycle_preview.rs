//! What a repository's lifecycle rules would do to its images now: every image with its outcome,
//! and the totals. The one data type `lifecycle-preview` renders as text, JSON and Markdown.
//!
//! Pure: built from rules, images and a time; reading the images is `observe`'s job.

use serde::Serialize;

use super::image::{Image, StorageClass, date};
use super::lifecycle::{LifecycleAction, LifecycleRule, TagStatus};
use super::lifecycle_eval::{Outcome, Summary, evaluate, in_order};

/// The JSON contract's version (`schema_version`).
pub const PREVIEW_SCHEMA_VERSION: u32 = 1;

/// One image and what happens to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviewImage {
    /// `sha256:…`.
    pub digest: String,
    /// Sorted; empty when untagged.
    pub tags: Vec<String>,
    /// RFC 3339, UTC.
    pub pushed_at: String,
    /// Where it is now.
    pub storage_class: StorageClass,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// What the rules do to it.
    pub action: Outcome,
    /// The priority of the rule that expires or archives it; `null` when kept.
    pub rule: Option<u32>,
    #[serde(skip)]
    pushed_seconds: i64,
}

/// A rule and what it does, for the text renderings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RuleEffect {
    /// The rule's priority.
    pub priority: u32,
    /// The rule in words.
    pub text: String,
    /// `expire` or `archive`.
    pub action: Outcome,
    /// How many images it expires or archives.
    pub images: usize,
}

/// One repository's preview.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Preview {
    /// The repository.
    pub repository: String,
    /// Every image, oldest first.
    pub images: Vec<PreviewImage>,
    /// The totals.
    pub summary: Summary,
    /// The rules in the order ECR applies them.
    #[serde(skip)]
    pub rules: Vec<RuleEffect>,
}

/// `2026-11-01T08:00:00Z`.
pub(crate) fn rfc3339(seconds: i64) -> String {
    let s = seconds.rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(seconds),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// A rule in words: `tagged v*, keep the last 10`.
pub(crate) fn describe(rule: &LifecycleRule) -> String {
    let mut selection = match rule.tag_status {
        TagStatus::Any => "any image".to_string(),
        TagStatus::Untagged => "untagged".to_string(),
        TagStatus::Tagged => {
            let mut filters: Vec<String> =
                rule.tag_prefixes.iter().map(|p| format!("{p}*")).collect();
            filters.extend(rule.tag_patterns.iter().cloned());
            format!("tagged {}", filters.join(" + "))
        }
    };
    let count = if let Some(n) = rule.keep_last {
        format!("beyond the newest {n}")
    } else if let Some(d) = rule.expire_after_days {
        format!("pushed more than {d} days ago")
    } else if let Some(d) = rule.not_pulled_for_days {
        format!("not pulled for more than {d} days")
    } else if let Some(d) = rule.archived_for_days {
        selection.push_str(" in the archive");
        format!("archived more than {d} days ago")
    } else {
        "nothing".to_string()
    };
    format!("{selection}, {count}")
}

impl Preview {
    /// What `rules` do to `images` at `now` (seconds since the epoch).
    pub fn new(repository: &str, rules: &[LifecycleRule], images: &[Image], now: i64) -> Self {
        let verdicts = evaluate(rules, images, now);
        let summary = Summary::of(images, &verdicts);
        let mut out: Vec<PreviewImage> = images
            .iter()
            .zip(&verdicts)
            .map(|(image, verdict)| PreviewImage {
                digest: image.digest.clone(),
                tags: image.tags.clone(),
                pushed_at: rfc3339(image.pushed_at),
                storage_class: image.storage_class,
                size_bytes: image.size_bytes,
                action: verdict.outcome,
                rule: verdict.rule,
                pushed_seconds: image.pushed_at,
            })
            .collect();
        out.sort_by(|a, b| (a.pushed_seconds, &a.digest).cmp(&(b.pushed_seconds, &b.digest)));
        let effects = in_order(rules)
            .into_iter()
            .map(|rule| RuleEffect {
                priority: rule.priority,
                text: describe(rule),
                action: match rule.action {
                    LifecycleAction::Expire => Outcome::Expire,
                    LifecycleAction::Archive => Outcome::Archive,
                },
                images: out.iter().filter(|i| i.rule == Some(rule.priority)).count(),
            })
            .collect();
        Preview {
            repository: repository.to_string(),
            images: out,
            summary,
            rules: effects,
        }
    }

    /// The images a rule marks, oldest first.
    pub fn marked_by(&self, priority: u32) -> impl Iterator<Item = &PreviewImage> {
        self.images.iter().filter(move |i| i.rule == Some(priority))
    }
}

/// Bytes the way people read a repository's size: `18.2 GB` (powers of 1000).
pub(crate) fn size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "kB", "MB", "GB", "TB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1000.0 && unit < UNITS.len() - 1 {
        value /= 1000.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", UNITS[unit])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    fn image(digest: &str, days: i64, tags: &[&str]) -> Image {
        let mut i = Image::new(digest, NOW - days * 86_400);
        i.tags = tags.iter().map(|t| t.to_string()).collect();
        i.size_bytes = 1_000_000_000;
        i
    }

    fn rules() -> Vec<LifecycleRule> {
        let mut keep = LifecycleRule::new(1, TagStatus::Tagged);
        keep.tag_patterns = vec!["v*".into()];
        keep.keep_last = Some(1);
        let mut untagged = LifecycleRule::new(2, TagStatus::Untagged);
        untagged.expire_after_days = Some(14);
        let mut archive = LifecycleRule::new(3, TagStatus::Tagged);
        archive.tag_patterns = vec!["rc*".into()];
        archive.not_pulled_for_days = Some(30);
        archive.action = LifecycleAction::Archive;
        vec![keep, untagged, archive]
    }

    #[test]
    fn the_json_is_the_documented_contract() {
        let p = Preview::new("app", &rules(), &[image("sha256:a", 20, &[])], NOW);
        let value = serde_json::to_value(&p).unwrap();
        assert_eq!(
            value["images"][0],
            serde_json::json!({"digest": "sha256:a", "tags": [], "pushed_at": "2026-12-26T08:00:00Z",
                "storage_class": "standard", "size_bytes": 1_000_000_000u64, "action": "expire", "rule": 2})
        );
        assert_eq!(value["summary"]["expire"], 1);
        assert_eq!(value["summary"]["before"]["images"], 1);
        assert_eq!(value["summary"]["after"]["bytes"], 0);
    }

    #[test]
    fn rules_and_sizes_in_words() {
        let texts: Vec<String> = rules().iter().map(describe).collect();
        assert_eq!(
            texts,
            [
                "tagged v*, beyond the newest 1",
                "untagged, pushed more than 14 days ago",
                "tagged rc*, not pulled for more than 30 days",
            ]
        );
        assert_eq!(size(18_200_000_000), "18.2 GB");
        assert_eq!(size(999), "999 B");
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
    }
}
