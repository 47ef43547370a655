//! How import spells values in YAML, shared by the kinds' sections: scalars and flow
//! collections, attribute-table fields, tags and GitHub names.

use std::fmt::Write;

use serde_json::{Value, json};

use crate::model::attribute::{self, Attribute};
use crate::model::fingerprint::APPLIED_TAG;
use crate::model::github_trust::GithubName;
use crate::model::{MANAGED_BY_TAG, STACK_TAG, Tags};

/// YAML scalars and flow collections as JSON, which is valid YAML and needs no quoting rules.
pub(crate) fn q(value: impl serde::Serialize) -> String {
    serde_json::to_string(&value).expect("serializable")
}

/// The tags without the ownership tags and the fingerprint, which the spec adds to every
/// resource.
fn own_tags(tags: &Tags) -> Tags {
    tags.iter()
        .filter(|(k, _)| ![MANAGED_BY_TAG, STACK_TAG, APPLIED_TAG].contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The fields the kind's attribute table imports, a line each at `indent`.
pub(crate) fn fields<T, W>(out: &mut String, indent: &str, table: &[Attribute<T, W>], r: &T) {
    for (name, value) in attribute::imported(table, r) {
        let _ = writeln!(out, "{indent}{name}: {}", q(value));
    }
}

/// An item's `tags:` line, when it has tags of its own.
pub(crate) fn tags_line(out: &mut String, tags: &Tags) {
    let tags = own_tags(tags);
    if !tags.is_empty() {
        let _ = writeln!(out, "    tags: {}", q(&tags));
    }
}

/// GitHub names as the spec writes them: a bare name, or `{name, id, subject_claims}` with what
/// is known.
pub(crate) fn github_names(list: &[GithubName]) -> Value {
    Value::Array(
        list.iter()
            .map(|n| match (n.id, &n.subject_claims) {
                (None, None) => json!(n.name),
                (id, keys) => {
                    let mut item = json!({"name": n.name});
                    if let Some(id) = id {
                        item["id"] = json!(id);
                    }
                    if let Some(keys) = keys {
                        item["subject_claims"] = json!(keys);
                    }
                    item
                }
            })
            .collect(),
    )
}
