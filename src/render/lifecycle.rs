//! `lifecycle-preview`'s three renderings of the same [`Preview`]s: text for a terminal, the JSON
//! contract (one document per repository, a `repositories` array when several) and Markdown.

use serde_json::{Value, json};

use super::Style;
use crate::model::image::StorageClass;
use crate::model::lifecycle_eval::{Outcome, Usage};
use crate::model::lifecycle_preview::{PREVIEW_SCHEMA_VERSION, Preview, PreviewImage, size};

/// At most this many images are listed per rule in text and Markdown; JSON lists all.
const LISTED: usize = 50;

/// `240 images, 18.2 GB` (with the archive's share when there is one).
pub(crate) fn usage(u: &Usage) -> String {
    let images = if u.images == 1 {
        "1 image".to_string()
    } else {
        format!("{} images", u.images)
    };
    if u.archive.images == 0 {
        format!("{images}, {}", size(u.bytes))
    } else {
        format!(
            "{images}, {} standard + {} archive",
            size(u.standard.bytes),
            size(u.archive.bytes)
        )
    }
}

fn image_line(image: &PreviewImage) -> String {
    let tags = if image.tags.is_empty() {
        "<untagged>".to_string()
    } else {
        image.tags.join(", ")
    };
    let archived = if image.storage_class == StorageClass::Archive {
        " (archived)"
    } else {
        ""
    };
    format!(
        "{tags}  {}  pushed {}  {}{archived}",
        short(&image.digest),
        &image.pushed_at[..10],
        size(image.size_bytes)
    )
}

/// `sha256:0123456789ab`: enough of a digest to tell images apart in a list.
fn short(digest: &str) -> &str {
    let end = digest
        .char_indices()
        .nth("sha256:".len() + 12)
        .map_or(digest.len(), |(i, _)| i);
    &digest[..end]
}

fn verb(action: Outcome) -> &'static str {
    match action {
        Outcome::Expire => "expires",
        Outcome::Archive => "archives",
        Outcome::Keep => "keeps",
    }
}

/// The text rendering.
pub fn human(previews: &[Preview], style: Style) -> String {
    let mut out = String::new();
    for p in previews {
        out.push_str(&format!(
            "{}: {}\n",
            style.bold(&p.repository),
            usage(&p.summary.before)
        ));
        for rule in &p.rules {
            let line = format!(
                "  rule {} ({}): {} {}\n",
                rule.priority,
                rule.text,
                verb(rule.action),
                rule.images
            );
            out.push_str(&match (rule.action, rule.images) {
                (_, 0) => line,
                (Outcome::Expire, _) => style.red(&line),
                _ => style.yellow(&line),
            });
            let marked: Vec<&PreviewImage> = p.marked_by(rule.priority).collect();
            let mark = if rule.action == Outcome::Expire {
                "-"
            } else {
                "→"
            };
            for image in marked.iter().take(LISTED) {
                out.push_str(&format!("    {mark} {}\n", image_line(image)));
            }
            if marked.len() > LISTED {
                out.push_str(&format!(
                    "    … and {} more (--output json lists all)\n",
                    marked.len() - LISTED
                ));
            }
        }
        let s = &p.summary;
        out.push_str(&format!(
            "  expire {}, archive {}, keep {}\n  {} → {}\n\n",
            s.expire,
            s.archive,
            s.keep,
            usage(&s.before),
            usage(&s.after)
        ));
    }
    out
}

fn body(p: &Preview) -> Value {
    json!({
        "repository": p.repository,
        "images": p.images,
        "summary": p.summary,
    })
}

/// The JSON contract.
pub fn json(previews: &[Preview]) -> Value {
    match previews {
        [one] => {
            let mut doc = json!({"schema_version": PREVIEW_SCHEMA_VERSION});
            doc.as_object_mut()
                .expect("an object")
                .extend(body(one).as_object().expect("an object").clone());
            doc
        }
        many => json!({
            "schema_version": PREVIEW_SCHEMA_VERSION,
            "repositories": many.iter().map(body).collect::<Vec<_>>(),
        }),
    }
}

/// The Markdown rendering: a WARNING callout when anything would be expired.
pub fn markdown(previews: &[Preview]) -> String {
    let mut out = String::new();
    for p in previews {
        let s = &p.summary;
        out.push_str(&format!("### Lifecycle preview: `{}`\n\n", p.repository));
        if s.expire > 0 {
            out.push_str(&format!(
                "> [!WARNING]\n> The lifecycle rules would expire {} of {} images now; an expired image cannot be brought back.\n\n",
                s.expire, s.before.images
            ));
        }
        out.push_str("| Rule | Selects | Action | Images |\n|---:|---|---|---:|\n");
        for rule in &p.rules {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                rule.priority,
                rule.text.replace('|', "\\|"),
                match rule.action {
                    Outcome::Expire => "expire",
                    _ => "archive",
                },
                rule.images
            ));
        }
        out.push_str(&format!(
            "\n**{}** → **{}** (expire {}, archive {}, keep {})\n\n",
            usage(&s.before),
            usage(&s.after),
            s.expire,
            s.archive,
            s.keep
        ));
        let marked: Vec<&PreviewImage> = p
            .images
            .iter()
            .filter(|i| i.action != Outcome::Keep)
            .collect();
        if !marked.is_empty() {
            out.push_str("<details><summary>Affected images</summary>\n\n| Action | Rule | Tags | Digest | Pushed | Size |\n|---|---:|---|---|---|---:|\n");
            for image in marked.iter().take(LISTED) {
                out.push_str(&format!(
                    "| {} | {} | {} | `{}` | {} | {} |\n",
                    if image.action == Outcome::Expire {
                        "expire"
                    } else {
                        "archive"
                    },
                    image.rule.unwrap_or_default(),
                    if image.tags.is_empty() {
                        "*untagged*".to_string()
                    } else {
                        image.tags.join(", ")
                    },
                    short(&image.digest),
                    &image.pushed_at[..10],
                    size(image.size_bytes)
                ));
            }
            if marked.len() > LISTED {
                out.push_str(&format!(
                    "\n… and {} more: `--output json` lists all.\n",
                    marked.len() - LISTED
                ));
            }
            out.push_str("\n</details>\n\n");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::image::Image;
    use crate::model::{LifecycleRule, TagStatus};

    const NOW: i64 = 1_800_000_000_000;

    fn preview() -> Preview {
        let mut keep = LifecycleRule::new(1, TagStatus::Tagged);
        keep.tag_patterns = vec!["v*".into()];
        keep.keep_last = Some(1);
        let mut untagged = LifecycleRule::new(2, TagStatus::Untagged);
        untagged.expire_after_days = Some(14);
        let images: Vec<Image> = [("v1", 30), ("v2", 10), ("", 20)]
            .iter()
            .enumerate()
            .map(|(n, (tag, days))| {
                let mut i = Image::new(
                    &format!("sha256:{n}0123456789abcdef"),
                    NOW - days * 86_400_000,
                );
                if !tag.is_empty() {
                    i.tags = vec![tag.to_string()];
                }
                i.size_bytes = 2_500_000_000;
                i
            })
            .collect();
        Preview::new("betekk-app", &[keep, untagged], &images, NOW)
    }

    #[test]
    fn text_lists_what_each_rule_takes_and_the_totals() {
        let text = human(&[preview()], Style::default());
        assert_eq!(
            text,
            "betekk-app: 3 images, 7.5 GB\n  \
             rule 1 (tagged v*, beyond the newest 1): expires 1\n    \
             - v1  sha256:00123456789a  pushed 2026-12-16  2.5 GB\n  \
             rule 2 (untagged, pushed more than 14 days ago): expires 1\n    \
             - <untagged>  sha256:20123456789a  pushed 2026-12-26  2.5 GB\n  \
             expire 2, archive 0, keep 1\n  3 images, 7.5 GB → 1 image, 2.5 GB\n\n"
        );
    }

    #[test]
    fn json_is_one_document_per_repository_or_an_array() {
        let one = json(&[preview()]);
        assert_eq!(one["schema_version"], 1);
        assert_eq!(one["repository"], "betekk-app");
        assert_eq!(one["summary"]["expire"], 2);
        assert_eq!(one["images"].as_array().unwrap().len(), 3);
        let two = json(&[preview(), preview()]);
        assert_eq!(two["repositories"].as_array().unwrap().len(), 2);
        assert!(two.get("repository").is_none());
    }

    #[test]
    fn markdown_warns_when_an_image_would_be_expired() {
        let md = markdown(&[preview()]);
        assert!(
            md.contains("> [!WARNING]\n> The lifecycle rules would expire 2 of 3 images now"),
            "{md}"
        );
        assert!(
            md.contains("| 1 | tagged v*, beyond the newest 1 | expire | 1 |"),
            "{md}"
        );
    }
}
