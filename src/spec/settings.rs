//! The readers of values several kinds share: the settings of a repository and a creation
//! template (`RepositorySettings`), and IAM policy documents (repository, registry, role and
//! managed policies).

use super::reader::{Fields, Reader};
use super::yaml::{Node, Value};
use super::{Context, names};
use crate::model::{Encryption, PolicyDocument, RepositorySettings, TagMutability};

/// The settings a repository and a creation template share, each defaulted as
/// [`RepositorySettings::default`] says, from the mapping `f` of either.
pub(crate) fn read_settings(
    r: &mut Reader,
    ctx: &Context,
    f: &Fields<'_>,
) -> Option<RepositorySettings> {
    let default = RepositorySettings::default();
    let image_tag_mutability = match f.get("image_tag_mutability") {
        None => Some(default.image_tag_mutability),
        Some(n) => r.one_of(
            n,
            &f.path_of("image_tag_mutability"),
            TagMutability::ALLOWED,
            TagMutability::parse,
        ),
    };
    let exclusion_filters = match f.get("image_tag_mutability_exclusion_filters") {
        None => Some(default.image_tag_mutability_exclusion_filters),
        Some(n) => {
            read_exclusion_filters(r, n, &f.path_of("image_tag_mutability_exclusion_filters"))
        }
    };
    let encryption = match f.get("encryption") {
        None => Some(default.encryption),
        Some(n) => read_encryption(r, n, &f.path_of("encryption")),
    };
    let lifecycle_policy = match f.get("lifecycle_policy") {
        None => Some(default.lifecycle_policy),
        Some(n) => crate::spec::lifecycle::read(r, n, &f.path_of("lifecycle_policy")).map(Some),
    };
    let repository_policy = match f.get("repository_policy") {
        None => Some(default.repository_policy),
        Some(n) => {
            read_policy_document(r, n, &f.path_of("repository_policy"), &ctx.prefix).map(Some)
        }
    };
    Some(RepositorySettings {
        image_tag_mutability: image_tag_mutability?,
        image_tag_mutability_exclusion_filters: exclusion_filters?,
        encryption: encryption?,
        lifecycle_policy: lifecycle_policy?,
        repository_policy: repository_policy?,
    })
}

/// ECR's tag-mutability exclusion filters: 1 to 5 wildcard filters of 1-128 letters, digits and
/// `._*-`.
pub(crate) fn read_exclusion_filters(
    r: &mut Reader,
    node: &Node,
    path: &str,
) -> Option<Vec<String>> {
    let mut list = r.strings(node, path)?;
    if list.is_empty() || list.len() > 5 {
        r.error(
            node.pos,
            path,
            format!("ECR takes 1 to 5 filters, got {}", list.len()),
        );
        return None;
    }
    if let Some(bad) = list.iter().find(|f| {
        f.is_empty()
            || f.len() > 128
            || !f
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"._*-".contains(&b))
    }) {
        r.error(
            node.pos,
            path,
            format!(
                "{bad:?}: a filter is 1-128 letters, digits, '.', '_', '-' or '*' (a wildcard)"
            ),
        );
        return None;
    }
    list.sort();
    list.dedup();
    Some(list)
}

pub(crate) fn read_encryption(r: &mut Reader, node: &Node, path: &str) -> Option<Encryption> {
    let f = r.fields(node, path, Encryption::FIELDS)?;
    let kind = match f.get("type") {
        None => "AES256",
        Some(n) => r.one_of(n, &f.path_of("type"), Encryption::TYPES, |s| {
            Encryption::TYPES.iter().copied().find(|t| *t == s)
        })?,
    };
    let key = match f.get("kms_key") {
        None => None,
        Some(n) => {
            let p = f.path_of("kms_key");
            let key = r.string(n, &p)?;
            if kind == "AES256" {
                r.error(
                    n.pos,
                    &p,
                    "kms_key is only allowed with type: KMS or KMS_DSSE",
                );
                return None;
            }
            if key.is_empty() {
                r.error(
                    n.pos,
                    &p,
                    "empty; leave kms_key out for the AWS managed key (aws/ecr), or give a key \
                     ARN, key id or alias/NAME",
                );
                return None;
            }
            if let Err(e) = crate::spec::arns::check_kms_key(&key) {
                r.error(n.pos, &p, e);
                return None;
            }
            Some(key)
        }
    };
    Some(match kind {
        "KMS" => Encryption::Kms { kms_key: key },
        "KMS_DSSE" => Encryption::KmsDsse { kms_key: key },
        _ => Encryption::Aes256,
    })
}

/// A policy document written as YAML or as a JSON string.
/// `{prefix}` / `{PREFIX}` are expanded in its strings; `{account}`, `{partition}`, `{region}` are
/// bound later.
pub(crate) fn read_policy_document(
    r: &mut Reader,
    node: &Node,
    path: &str,
    prefix: &str,
) -> Option<PolicyDocument> {
    let json = match &node.value {
        Value::String(text) => match serde_json::from_str::<serde_json::Value>(text) {
            Ok(v) => Ok(v),
            // Not JSON: let the document parser say what is wrong (and decode URL-encoding).
            Err(_) => PolicyDocument::parse(text).map(|d| d.original().clone()),
        },
        Value::Map(_) => Ok(node.value.to_json()),
        _ => {
            r.error(
                node.pos,
                path,
                "expected an IAM policy document (a mapping, or a JSON string)",
            );
            return None;
        }
    };
    let expanded = json
        .map_err(|e| e.to_string())
        .and_then(|v| expand_strings(&v, prefix));
    expanded
        .and_then(|v| PolicyDocument::from_json(v).map_err(|e| e.to_string()))
        .map_err(|e| r.error(node.pos, path, e))
        .ok()
}

fn expand_strings(value: &serde_json::Value, prefix: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        J::String(s) => J::String(names::expand(s, prefix)?),
        J::Array(items) => J::Array(
            items
                .iter()
                .map(|v| expand_strings(v, prefix))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(k, v)| Ok((names::expand(k, prefix)?, expand_strings(v, prefix)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}
