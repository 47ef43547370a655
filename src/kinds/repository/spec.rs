//! The `repositories:` section: one ECR repository per item, with defaults applied and checked.

use std::collections::BTreeMap;

use crate::kinds::repository::{ATTRIBUTES, with_lambda_pull};
use crate::model::wildcard;
use crate::model::{
    Encryption, PolicyDocument, Repository, RepositorySettings, Resource, TagMutability,
};
use crate::spec::fields::{Field, Ty, kind_fields};
use crate::spec::reader::{Fields, Reader, join};
use crate::spec::yaml::{Node, Value};
use crate::spec::{Context, names, resource_tags};

/// A repository's fields: its attribute rows' (`model::repository::ATTRIBUTES`), with the name
/// before them and the fields that set no attribute of their own after.
pub(crate) const FIELDS: &[Field] = kind_fields!(
    [Field::required(
        "name",
        Ty::Str,
        "2-256 characters: lowercase letters and digits, . _ - between them, / between namespace \
         parts; {prefix} expands",
    )],
    ATTRIBUTES,
    [
        Field::new(
            "lambda_pull",
            Ty::Strings,
            "Functions (patterns with *) for which Lambda may pull images; each must be deployed \
             by a lambda_deploy policy of this spec",
        ),
        Field::new(
            "regions",
            Ty::Strings,
            "Only in these of the spec's regions (default: every region of the spec)",
        ),
    ],
);

/// `deployed`: the function patterns the spec's `lambda_deploy` policies deploy.
/// `spec_regions`: the spec's regions; a repository's own `regions` go into `placement`.
pub(crate) fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    deployed: &[String],
    spec_regions: &[String],
    placement: &mut BTreeMap<String, Vec<String>>,
) -> Vec<Resource> {
    let Some(items) = r.list(node, "repositories") else {
        return Vec::new();
    };
    let mut seen: BTreeMap<String, String> = BTreeMap::new();
    let mut out = Vec::new();
    for (path, item) in items {
        let Some(repo) = read_one(r, ctx, item, &path, deployed) else {
            continue;
        };
        if let Some(n) = item.value_of("regions")
            && let Some(regions) =
                crate::spec::placement::subset(r, n, &join(&path, "regions"), spec_regions)
        {
            placement.insert(repo.name.clone(), regions);
        }
        if let Some(first) = seen.get(&repo.name) {
            r.error(
                item.pos,
                &join(&path, "name"),
                format!("duplicate repository name {:?} (also {first})", repo.name),
            );
            continue;
        }
        seen.insert(repo.name.clone(), path);
        out.push(Resource::Repository(repo));
    }
    out
}

fn read_one(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    deployed: &[String],
) -> Option<Repository> {
    let f = r.fields(node, path, FIELDS)?;
    let name = match f.get("name") {
        None => {
            r.error(
                node.pos,
                &f.path_of("name"),
                "missing; every repository needs a name",
            );
            None
        }
        Some(n) => {
            let field = f.path_of("name");
            let template = r.string(n, &field)?;
            match names::expand(&template, &ctx.prefix)
                .and_then(|name| names::check_repository_name(&name).map(|()| name))
            {
                Ok(name) => Some(name),
                Err(e) => {
                    r.error(n.pos, &field, e);
                    None
                }
            }
        }
    };
    let settings = read_settings(r, ctx, &f);
    let scan_on_push = match f.get("scan_on_push") {
        None => Some(true),
        Some(n) => r.bool(n, &f.path_of("scan_on_push")),
    };
    let force_delete = match f.get("force_delete") {
        None => Some(false),
        Some(n) => r.bool(n, &f.path_of("force_delete")),
    };
    let pull = f.get("lambda_pull").map(|n| {
        let p = f.path_of("lambda_pull");
        (n, read_lambda_pull(r, ctx, n, &p, deployed), p)
    });
    let settings = match (settings, pull) {
        (settings, None) => settings,
        (Some(mut settings), Some((n, Some(functions), p))) => {
            match with_lambda_pull(settings.repository_policy.as_ref(), &functions) {
                Ok(doc) => {
                    settings.repository_policy = Some(doc);
                    Some(settings)
                }
                Err(e) => {
                    r.error(n.pos, &p, e);
                    None
                }
            }
        }
        (_, Some(_)) => None,
    };
    let tags = resource_tags(r, ctx, f.get("tags"), &f.path_of("tags"));
    let repo = Repository {
        name: name?,
        settings: settings?,
        scan_on_push: scan_on_push?,
        force_delete: force_delete?,
        tags,
    };
    crate::spec::strict::lint_repository(r, &repo, node.pos, path);
    Some(repo)
}

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

/// `lambda_pull`: function patterns that Lambda may pull this repository's images for. One that no
/// `lambda_deploy` policy of the spec deploys is a note: another stack or team may deploy it, or
/// one of the two lists has a mistake.
fn read_lambda_pull(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    deployed: &[String],
) -> Option<Vec<String>> {
    let list = r.strings(node, path)?;
    if list.is_empty() {
        r.error(
            node.pos,
            path,
            "needs at least one function name (patterns with * allowed)",
        );
        return None;
    }
    let mut out = Vec::new();
    for item in list {
        let function = match names::expand(&item, &ctx.prefix) {
            Ok(f) => f,
            Err(e) => {
                r.error(node.pos, path, e);
                return None;
            }
        };
        if !deployed.iter().any(|d| wildcard::matches(d, &function)) {
            // Another stack or team may deploy them: a note, not an error.
            r.notes.push(format!(
                "{path}: {function:?} matches no function of a lambda_deploy policy in this spec \
                 ({}); fine when another stack or team deploys those functions, else list it under \
                 a policy's lambda_deploy.functions",
                if deployed.is_empty() {
                    "there is none".to_string()
                } else {
                    deployed.join(", ")
                }
            ));
        }
        out.push(function);
    }
    Some(out)
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

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for Repository {}
