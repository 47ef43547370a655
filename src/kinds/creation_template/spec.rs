//! `registry.creation_templates`: the stack's repository creation templates, keyed by prefix, with
//! every setting a repository created from them gets.

use std::collections::BTreeSet;

use crate::kinds::creation_template::{APPLIED_FOR, ATTRIBUTES};
use serde_json::Value;

use crate::model::{CreationTemplate, Encryption, LifecyclePolicy, Observed, Resource};
use crate::spec::fields::{Field, Ty, kind_fields};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, from_field, imported_fields};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

/// A template's fields: its attribute rows' (`model::creation_template::ATTRIBUTES`).
pub const CREATION_TEMPLATE_FIELDS: &[Field] = kind_fields!([], ATTRIBUTES, []);

const FIELD: Field = Field::new(
    "creation_templates",
    Ty::ListOf(CREATION_TEMPLATE_FIELDS),
    "Repository creation templates (CreateRepositoryCreationTemplate), keyed by prefix",
);

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for CreationTemplate {}

impl RegistryPart for CreationTemplate {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 20;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        from_field(section, &FIELD, |n, path| {
            read_creation_templates(r, scope.ctx, n, path)
        })
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 50,
        layout: Layout::BlockItems,
    });

    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        if let Some(LifecyclePolicy::Foreign { .. }) = &self.settings.lifecycle_policy {
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
    let settings = crate::spec::settings::read_settings(r, ctx, &f).filter(|s| {
        let Some(key) = s.encryption.kms_key().filter(|k| !k.starts_with("arn:")) else {
            return true;
        };
        let n = f.get("encryption").expect("a key is read from the encryption field");
        r.error(
            n.pos,
            &f.path_of("encryption"),
            format!("kms_key {key:?}: a template names its key by ARN (ECR refuses ids and aliases here)"),
        );
        false
    });
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
        settings: settings?,
        resource_tags: resource_tags?,
        custom_role_arn: role?,
        tags: Default::default(),
    };
    let needs_role = !template.resource_tags.is_empty()
        || !matches!(template.settings.encryption, Encryption::Aes256);
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
