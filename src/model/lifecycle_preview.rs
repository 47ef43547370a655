//! What a repository's lifecycle rules would do to its images now: every image with its outcome,
//! the totals, and the one-line note plan and apply print. The one data type `lifecycle-preview`
//! renders as text, JSON and Markdown, and whose summary a plan's lifecycle change carries.
//!
//! Pure: built from rules, images and a time; reading the images is `observe`'s job.

use serde::{Deserialize, Serialize};

use super::image::{Image, StorageClass, date};
use super::lifecycle::{LifecycleAction, LifecycleRule, TagStatus};
use super::lifecycle_eval::{Outcome, Summary, evaluate, in_order, tag_matches};

/// The JSON contract's version (`schema_version`).
pub const PREVIEW_SCHEMA_VERSION: u32 = 1;

/// What a plan carries of a preview (JSON `lifecycle_preview`): the totals and every image the
/// rules would expire or archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanPreview {
    /// The totals.
    pub summary: Summary,
    /// The images expired or archived, oldest first.
    pub affected: Vec<Affected>,
}

/// One image a plan's lifecycle change would expire or archive.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Affected {
    /// `sha256:…`.
    pub digest: String,
    /// Sorted; empty when untagged.
    pub tags: Vec<String>,
    /// `expire` or `archive`.
    pub action: Outcome,
    /// The priority of the rule.
    pub rule: Option<u32>,
}

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
    /// The tag that names it in the note: the first its rule's filters match, else its first.
    #[serde(skip)]
    label: Option<String>,
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

/// `2026-11-01T08:00:00Z` (to the second) of milliseconds since the epoch.
pub(crate) fn rfc3339(millis: i64) -> String {
    let s = millis.div_euclid(1000).rem_euclid(86_400);
    format!(
        "{}T{:02}:{:02}:{:02}Z",
        date(millis),
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}

/// The tag that names an image: the first one the deciding rule's prefixes or patterns match
/// (`v1.1.0` rather than `stable`), else its first.
fn label(rules: &[LifecycleRule], rule: Option<u32>, tags: &[String]) -> Option<String> {
    let rule = rules.iter().find(|r| Some(r.priority) == rule);
    let matched = rule.and_then(|r| {
        tags.iter().find(|t| {
            r.tag_prefixes.iter().any(|p| t.starts_with(p.as_str()))
                || r.tag_patterns.iter().any(|p| tag_matches(p, t))
        })
    });
    matched.or(tags.first()).cloned()
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
    /// What `rules` do to `images` at `now` (milliseconds since the epoch).
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
                label: label(rules, verdict.rule, &image.tags),
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

    /// The part a plan carries.
    pub fn for_plan(&self) -> PlanPreview {
        PlanPreview {
            summary: self.summary,
            affected: self
                .images
                .iter()
                .filter(|i| i.action != Outcome::Keep)
                .map(|i| Affected {
                    digest: i.digest.clone(),
                    tags: i.tags.clone(),
                    action: i.action,
                    rule: i.rule,
                })
                .collect(),
        }
    }

    /// The images a rule marks, oldest first.
    pub fn marked_by(&self, priority: u32) -> impl Iterator<Item = &PreviewImage> {
        self.images.iter().filter(move |i| i.rule == Some(priority))
    }

    /// The note plan and apply print: `the new rules would expire 12 images now (8 tagged:
    /// v1.0.0 … v1.7.3; 4 untagged) and archive 3`.
    pub fn note(&self) -> String {
        let s = &self.summary;
        if s.expire == 0 && s.archive == 0 {
            return format!(
                "the new rules would expire no image now (of {})",
                images(s.before.images)
            );
        }
        let mut text = format!("the new rules would expire {} now", images(s.expire));
        if s.expire > 0 {
            let expired: Vec<&PreviewImage> = self
                .images
                .iter()
                .filter(|i| i.action == Outcome::Expire)
                .collect();
            let tagged: Vec<&str> = expired.iter().filter_map(|i| i.label.as_deref()).collect();
            let untagged = expired.len() - tagged.len();
            let mut parts = Vec::new();
            match tagged.as_slice() {
                [] => {}
                [one] => parts.push(format!("1 tagged: {one}")),
                [a, b] => parts.push(format!("2 tagged: {a}, {b}")),
                [first, .., last] => {
                    parts.push(format!("{} tagged: {first} … {last}", tagged.len()))
                }
            }
            if untagged > 0 {
                parts.push(format!("{untagged} untagged"));
            }
            text.push_str(&format!(" ({})", parts.join("; ")));
        }
        if s.archive > 0 {
            text.push_str(&format!(" and archive {}", s.archive));
        }
        text
    }
}

fn images(n: usize) -> String {
    if n == 1 {
        "1 image".into()
    } else {
        format!("{n} images")
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

    const NOW: i64 = 1_800_000_000_000;

    fn image(digest: &str, days: i64, tags: &[&str]) -> Image {
        let mut i = Image::new(digest, NOW - days * 86_400_000);
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
    fn the_note_names_the_oldest_and_newest_tag_expired_and_counts_the_rest() {
        let images = [
            image("a", 50, &["v1.0.0"]),
            image("b", 40, &["v1.1.0"]),
            image("c", 30, &["stable", "v1.7.3"]),
            image("d", 20, &["v2.0.0"]),
            image("e", 20, &[]),
            image("f", 1, &[]),
            image("g", 90, &["rc1"]),
        ];
        let p = Preview::new("app", &rules(), &images, NOW);
        assert_eq!(
            p.note(),
            "the new rules would expire 4 images now (3 tagged: v1.0.0 … v1.7.3; 1 untagged) and archive 1"
        );
        assert_eq!(
            (p.summary.expire, p.summary.archive, p.summary.keep),
            (4, 1, 2)
        );
        assert_eq!(p.summary.after.standard.bytes, 2_000_000_000);
        assert_eq!(p.summary.after.archive.bytes, 1_000_000_000);
        assert_eq!(p.images[0].digest, "g", "oldest first");
        assert_eq!(
            p.rules.iter().map(|r| r.images).collect::<Vec<_>>(),
            [3, 1, 1]
        );
    }

    #[test]
    fn a_preview_that_touches_nothing_says_so() {
        let p = Preview::new("app", &rules(), &[image("a", 1, &["v1"])], NOW);
        assert_eq!(
            p.note(),
            "the new rules would expire no image now (of 1 image)"
        );
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
