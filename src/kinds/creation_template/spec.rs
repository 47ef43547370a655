//! `registry.creation_templates`: the stack's repository creation templates, keyed by prefix, with
//! every setting a repository created from them gets.

use std::collections::BTreeSet;

use crate::kinds::creation_template::APPLIED_FOR;
use crate::kinds::repository::spec as repositories;
use serde_json::Value;

use crate::model::{
    CreationTemplate, Encryption, LifecyclePolicy, Observed, Resource, TagMutability,
};
use crate::spec::fields::{Field, Ty};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, imported_fields};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

pub const CREATION_TEMPLATE_FIELDS: &[Field] = &[
    Field::required(
        "prefix",
        Ty::Str,
        "The repository prefix the template applies to, or ROOT (every repository no other template matches)",
    ),
    Field::required(
        "applied_for",
        Ty::Strings,
        "PULL_THROUGH_CACHE, REPLICATION and/or CREATE_ON_PUSH",
    ),
    Field::new("description", Ty::Str, "Up to 256 characters"),
    Field::new(
        "image_tag_mutability",
        Ty::OneOf(TagMutability::ALLOWED),
        "IMMUTABLE (default) or MUTABLE, for the repositories ECR creates",
    ),
    Field::new(
        "image_tag_mutability_exclusion_filters",
        Ty::Strings,
        "Up to 5 wildcard filters of tags exempt from image_tag_mutability",
    ),
    Field::new(
        "encryption",
        Ty::Map(repositories::ENCRYPTION),
        "AES256 (default), KMS or KMS_DSSE; a kms_key is named by its ARN here",
    ),
    Field::new(
        "lifecycle_policy",
        Ty::Map(crate::spec::lifecycle::FIELDS),
        "The same typed rules as a repository's",
    ),
    Field::new(
        "repository_policy",
        Ty::Document,
        "An IAM policy document for the created repositories",
    ),
    Field::new(
        "tags",
        Ty::StringMap,
        "Tags the created repositories get (not the stack's ownership tags)",
    ),
    Field::new(
        "custom_role_arn",
        Ty::Str,
        "A role of this account, trusted by ecr.amazonaws.com, that ECR assumes to apply the \
         template; AWS requires one for tags or KMS encryption",
    ),
];

const FIELD: Field = Field::new(
    "creation_templates",
    Ty::ListOf(CREATION_TEMPLATE_FIELDS),
    "Repository creation templates (CreateRepositoryCreationTemplate), keyed by prefix",
);

impl RegistryPart for CreationTemplate {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 20;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        section
            .get(FIELD.name)
            .map(|n| read_creation_templates(r, scope.ctx, n, &section.path_of(FIELD.name)))
            .unwrap_or_default()
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 50,
        layout: Layout::BlockItems,
    });

    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        if let Some(LifecyclePolicy::Foreign { .. }) = &self.lifecycle_policy {
            return Err("its lifecycle policy uses rules the spec cannot express".into());
        }
        // The prefix, the table's first field, opens the list item.
        Ok(vec![imported_fields(super::ATTRIBUTES, self)])
    }
}

pub(crate) fn read_creation_templates(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut prefixes = BTreeSet::new();
    let Some(items) = r.list(node, path) else {
        return out;
    };
    for (item_path, item) in items {
        if let Some(t) = read_creation_template(r, ctx, item, &item_path) {
            if prefixes.insert(t.prefix.clone()) {
                out.push(Resource::CreationTemplate(t));
            } else {
                r.error(
                    item.pos,
                    &format!("{item_path}.prefix"),
                    format!("prefix {:?} has a template already", t.prefix),
                );
            }
        }
    }
    out
}

fn read_creation_template(
    r: &mut Reader,
    ctx: &Context,
    item: &Node,
    path: &str,
) -> Option<CreationTemplate> {
    let f = r.fields(item, path, CREATION_TEMPLATE_FIELDS)?;
    let prefix = match f.get("prefix") {
        None => {
            r.error(
                item.pos,
                &f.path_of("prefix"),
                "missing; name the repository prefix, or ROOT",
            );
            None
        }
        Some(n) => {
            let p = r.string(n, &f.path_of("prefix"))?;
            match names::expand(&p, &ctx.prefix) {
                Err(e) => {
                    r.error(n.pos, &f.path_of("prefix"), e);
                    None
                }
                Ok(p) => {
                    let key = p.trim_end_matches('/').to_string();
                    let checked = if key == "ROOT" {
                        Ok(())
                    } else {
                        names::check_repository_name(&key)
                    };
                    match checked {
                        Ok(()) => Some(key),
                        Err(e) => {
                            r.error(n.pos, &f.path_of("prefix"), e);
                            None
                        }
                    }
                }
            }
        }
    };
    let applied_for = match f.get("applied_for") {
        None => {
            r.error(
                item.pos,
                &f.path_of("applied_for"),
                format!("missing; list one or more of {}", APPLIED_FOR.join(", ")),
            );
            None
        }
        Some(n) => {
            let mut list = r.strings(n, &f.path_of("applied_for"))?;
            match list.iter().find(|a| !APPLIED_FOR.contains(&a.as_str())) {
                Some(bad) => {
                    r.error(
                        n.pos,
                        &f.path_of("applied_for"),
                        format!("{bad:?}: expected {}", APPLIED_FOR.join(", ")),
                    );
                    None
                }
                None if list.is_empty() => {
                    r.error(n.pos, &f.path_of("applied_for"), "needs at least one");
                    None
                }
                None => {
                    list.sort();
                    list.dedup();
                    Some(list)
                }
            }
        }
    };
    let description = match f.get("description") {
        None => Some(String::new()),
        Some(n) => r.string(n, &f.path_of("description")).filter(|d| {
            let ok = d.len() <= 256;
            if !ok {
                r.error(
                    n.pos,
                    &f.path_of("description"),
                    "ECR allows 256 characters",
                );
            }
            ok
        }),
    };
    let mutability = match f.get("image_tag_mutability") {
        None => Some(TagMutability::Immutable),
        Some(n) => r.one_of(
            n,
            &f.path_of("image_tag_mutability"),
            TagMutability::ALLOWED,
            TagMutability::parse,
        ),
    };
    let exclusions = match f.get("image_tag_mutability_exclusion_filters") {
        None => Some(Vec::new()),
        Some(n) => repositories::read_exclusion_filters(
            r,
            n,
            &f.path_of("image_tag_mutability_exclusion_filters"),
        ),
    };
    let encryption = match f.get("encryption") {
        None => Some(Encryption::Aes256),
        Some(n) => {
            let e = repositories::read_encryption(r, n, &f.path_of("encryption"))?;
            if let Some(key) = e.kms_key().filter(|k| !k.starts_with("arn:")) {
                r.error(
                    n.pos,
                    &f.path_of("encryption"),
                    format!("kms_key {key:?}: a template names its key by ARN (ECR refuses ids and aliases here)"),
                );
                None
            } else {
                Some(e)
            }
        }
    };
    let lifecycle = match f.get("lifecycle_policy") {
        None => Some(None),
        Some(n) => crate::spec::lifecycle::read(r, n, &f.path_of("lifecycle_policy")).map(Some),
    };
    let policy = match f.get("repository_policy") {
        None => Some(None),
        Some(n) => {
            repositories::read_policy_document(r, n, &f.path_of("repository_policy"), &ctx.prefix)
                .map(Some)
        }
    };
    let resource_tags = match f.get("tags") {
        None => Some(Default::default()),
        Some(n) => r
            .string_map(n, &f.path_of("tags"))
            .filter(|t| match names::check_tags(t) {
                Ok(()) => true,
                Err(e) => {
                    r.error(n.pos, &f.path_of("tags"), e);
                    false
                }
            }),
    };
    let role = match f.get("custom_role_arn") {
        None => Some(None),
        Some(n) => r
            .string(n, &f.path_of("custom_role_arn"))
            .and_then(|a| names::expand(&a, &ctx.prefix).ok())
            .filter(|a| match arns::check_role_arn(a) {
                Ok(()) => true,
                Err(e) => {
                    r.error(n.pos, &f.path_of("custom_role_arn"), e);
                    false
                }
            })
            .map(Some),
    };
    let template = CreationTemplate {
        prefix: prefix?,
        description: description?,
        applied_for: applied_for?,
        image_tag_mutability: mutability?,
        image_tag_mutability_exclusion_filters: exclusions?,
        encryption: encryption?,
        lifecycle_policy: lifecycle?,
        repository_policy: policy?,
        resource_tags: resource_tags?,
        custom_role_arn: role?,
        tags: Default::default(),
    };
    let needs_role =
        !template.resource_tags.is_empty() || !matches!(template.encryption, Encryption::Aes256);
    if needs_role && template.custom_role_arn.is_none() {
        r.error(
            item.pos,
            &f.path_of("custom_role_arn"),
            "a template with tags or KMS encryption needs custom_role_arn: a role of this account \
             that trusts ecr.amazonaws.com (AWS requires it)",
        );
        return None;
    }
    Some(template)
}
