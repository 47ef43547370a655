//! The spec: YAML in, [`Desired`] out, every mistake reported with file, line, column and field.
//!
//! Reading is offline and complete before any AWS call: `validate` is this module alone. Sections
//! are read by one file each (`repositories.rs`, …); this file reads the top level and the defaults.

pub(crate) mod arns;
pub(crate) mod diagnostic;
pub(crate) mod fields;
pub(crate) mod github;
pub(crate) mod grants;
pub(crate) mod lifecycle;
pub(crate) mod names;
pub(crate) mod placement;
pub(crate) mod reader;
pub(crate) mod registry;
pub(crate) mod settings;
pub(crate) mod strict;
pub(crate) mod yaml;

#[cfg(test)]
mod fuzz_tests;
#[cfg(test)]
pub(crate) mod schema_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod trust_tests;

use std::collections::BTreeSet;
use std::path::Path;

pub(crate) use diagnostic::Severity;
pub use diagnostic::{Diagnostic, SpecError};

use crate::model::fingerprint::APPLIED_TAG;
use crate::model::{Desired, MANAGED_BY_TAG, MANAGED_BY_VALUE, Resource, STACK_TAG, Tags};
use fields::{Field, Ty};
use reader::Reader;
use yaml::Pos;

pub(crate) const DEFAULT_PREFIX: &str = "betekk";
/// AWS's limit of tags per resource (ECR and IAM alike).
pub(crate) const MAX_TAGS: usize = 50;
pub(crate) const DEFAULT_REGION: &str = "ap-southeast-1";

/// The top level of a spec; each section's table lives with its reader.
pub(crate) const TOP_LEVEL: &[Field] = &[
    Field::required("version", Ty::Int { min: 1, max: 1 }, "The spec format: 1"),
    Field::required(
        "stack",
        Ty::Str,
        "The stack's name: 1-128 letters, digits, - _ or .; tags every resource this spec manages",
    ),
    Field::new(
        "project_prefix",
        Ty::Str,
        "Default betekk; {prefix} and {PREFIX} expand to it and to its upper case",
    ),
    Field::new(
        "environment",
        Ty::Str,
        "When set, every resource is tagged Environment with it",
    ),
    Field::new(
        "region",
        Ty::Str,
        "The region (default: AWS_REGION, else ap-southeast-1); authoritative: the environment \
         does not override it, --region selects among the spec's regions",
    ),
    Field::new(
        "regions",
        Ty::Strings,
        "Instead of region: several regions; repositories and registry settings exist in each, IAM \
         once per account",
    ),
    Field::new(
        "targets",
        Ty::ListOf(placement::TARGET_FIELDS),
        "Accounts the spec is applied to through a role (default: the caller's account)",
    ),
    Field::new(
        "tags",
        Ty::StringMap,
        "Added to every resource the stack manages",
    ),
    Field::new(
        "repositories",
        Ty::ListOf(crate::kinds::repository::spec::FIELDS),
        "ECR repositories",
    ),
    Field::new(
        "github",
        Ty::Map(github::FIELDS),
        "GitHub organizations and the OIDC identity provider",
    ),
    Field::new(
        "policies",
        Ty::ListOf(crate::kinds::policy::spec::FIELDS),
        "IAM managed policies",
    ),
    Field::new(
        "roles",
        Ty::ListOf(crate::kinds::role::spec::FIELDS),
        "IAM roles",
    ),
    Field::new(
        "assume_role_grants",
        Ty::ListOf(grants::FIELDS),
        "Existing IAM users that may assume roles of this spec",
    ),
    Field::new(
        "registry",
        Ty::Map(registry::FIELDS),
        "Registry-wide ECR settings of each region; the stack owns only what it declares",
    ),
];

/// The JSON Schema (draft 2020-12) of a spec, from the same tables the reader checks keys with.
pub fn schema() -> serde_json::Value {
    fields::schema(TOP_LEVEL)
}

/// A spec that passed validation.
#[derive(Debug, Clone)]
pub struct Spec {
    /// The file name used in messages.
    pub(crate) file: String,
    /// What the spec asks for, with defaults applied and `{prefix}` expanded; `{account}`,
    /// `{partition}` and `{region}` are still unbound.
    pub desired: Desired,
    /// Where it applies: its regions, targets and repositories' regions.
    pub(crate) placement: placement::Placement,
    pub(crate) warnings: Vec<Diagnostic>,
    /// Advice `validate` prints (risks, not mistakes), e.g. trusted repositories without ids.
    pub(crate) notes: Vec<String>,
    /// Security findings `validate --strict` reports (and fails on), with their positions.
    pub(crate) lints: Vec<Diagnostic>,
    /// The GitHub subject templates it declares (for `explain --github`).
    pub(crate) subject_templates: crate::model::github_trust::SubjectTemplates,
}

/// Settings shared by every section while reading.
pub(crate) struct Context {
    pub(crate) prefix: String,
    /// Tags every managed resource carries: ownership, environment and the spec's `tags`.
    pub(crate) common_tags: Tags,
}

/// Why a spec file could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file could not be read.
    #[error("cannot read spec file {path}")]
    Read {
        /// The path as given.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file was read but is not a valid spec.
    #[error(transparent)]
    Invalid(#[from] SpecError),
}

pub(crate) fn load(path: &Path) -> Result<Spec, LoadError> {
    let text = std::fs::read_to_string(path).map_err(|source| LoadError::Read {
        path: path.display().to_string(),
        source,
    })?;
    Ok(parse(&text, &path.display().to_string())?)
}

/// Reads and validates a spec from its YAML text; `file` is the name diagnostics show. Offline:
/// no AWS call. Every error is collected, so the [`SpecError`] lists all of them at once.
pub fn parse(text: &str, file: &str) -> Result<Spec, SpecError> {
    let mut r = Reader::new(file);
    let root = match yaml::parse(text) {
        Ok(root) => root,
        Err(failure) => {
            let pos = failure.pos.unwrap_or(Pos { line: 1, column: 1 });
            r.error(pos, "", format!("invalid YAML: {}", failure.message));
            return Err(SpecError(r.diags.into_items()));
        }
    };
    let mut subject_templates = Default::default();
    let desired = read_top(&mut r, &root, &mut subject_templates);
    let placement = desired.as_ref().map(|d| d.1.clone()).unwrap_or_default();
    let has_errors = r.diags.has_errors();
    let notes = std::mem::take(&mut r.notes);
    let (lints, items): (Vec<Diagnostic>, Vec<Diagnostic>) = r
        .diags
        .into_items()
        .into_iter()
        .partition(|d| d.severity == Severity::Lint);
    match desired {
        Some((desired, _)) if !has_errors => Ok(Spec {
            file: file.to_string(),
            desired,
            placement,
            warnings: items,
            notes,
            lints,
            subject_templates,
        }),
        _ => Err(SpecError(items)),
    }
}

fn read_top(
    r: &mut Reader,
    root: &yaml::Node,
    templates: &mut crate::model::github_trust::SubjectTemplates,
) -> Option<(Desired, placement::Placement)> {
    let top = r.fields(root, "", TOP_LEVEL)?;
    match top.get("version") {
        None => r.error(root.pos, "version", "missing; this tool reads version: 1"),
        Some(v) => {
            r.int(v, "version", 1, 1)?;
        }
    }
    let stack = match top.get("stack") {
        None => {
            r.error(
                root.pos,
                "stack",
                "missing; name the stack, e.g. stack: probe-engine (it tags what this spec manages)",
            );
            None
        }
        Some(node) => r
            .string(node, "stack")
            .and_then(|s| match names::check_stack_name(&s) {
                Ok(()) => Some(s),
                Err(e) => {
                    r.error(node.pos, "stack", e);
                    None
                }
            }),
    };
    let prefix = match top.get("project_prefix") {
        None => Some(DEFAULT_PREFIX.to_string()),
        Some(node) => r.string(node, "project_prefix").filter(|p| {
            let ok = !p.is_empty() && p.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
            if !ok {
                r.error(
                    node.pos,
                    "project_prefix",
                    "expected letters, digits or '-'",
                );
            }
            ok
        }),
    };
    let environment = match top.get("environment") {
        None => String::new(),
        Some(node) => r.string(node, "environment").unwrap_or_default(),
    };
    let regions = placement::read_regions(r, top.get("region"), top.get("regions"));
    let region = regions
        .first()
        .cloned()
        .unwrap_or_else(|| DEFAULT_REGION.to_string());
    let targets = match top.get("targets") {
        Some(node) => placement::read_targets(r, node, &regions),
        None => Vec::new(),
    };
    let user_tags = match top.get("tags") {
        None => Tags::new(),
        Some(node) => {
            let tags = r.string_map(node, "tags").unwrap_or_default();
            if let Err(e) = names::check_tags(&tags) {
                r.error(node.pos, "tags", e);
            }
            tags
        }
    };
    let (stack, prefix) = (stack?, prefix?);

    let mut common_tags = user_tags;
    if !environment.is_empty() {
        common_tags.insert("Environment".into(), environment);
    }
    common_tags.insert(MANAGED_BY_TAG.into(), MANAGED_BY_VALUE.into());
    common_tags.insert(STACK_TAG.into(), stack.clone());
    // Said once, where the tags are written; a resource without its own tags has no position.
    if let Some(node) = top.get("tags").filter(|_| common_tags.len() + 1 > MAX_TAGS) {
        r.error(
            node.pos,
            "tags",
            format!(
                "{} tags with the ones betekk-ecr adds to every resource ({MANAGED_BY_TAG}, {STACK_TAG}, \
                 {APPLIED_TAG}); AWS allows at most {MAX_TAGS} per resource",
                common_tags.len() + 1
            ),
        );
    }
    let ctx = Context {
        prefix: prefix.clone(),
        common_tags,
    };

    // Policies name roles (lambda_deploy.execution_roles) and roles name policies: the role names
    // are read ahead. Repositories check their lambda_pull against the deployed functions.
    let roles_node = top.get("roles");
    let declared_roles = crate::kinds::role::spec::declared_names(roles_node, &prefix);
    let (policies, deployed) = match top.get("policies") {
        Some(node) => crate::kinds::policy::spec::read(r, &ctx, node, &declared_roles),
        None => (Vec::new(), Vec::new()),
    };
    let mut resources = Vec::new();
    let mut repository_regions = std::collections::BTreeMap::new();
    if let Some(node) = top.get("repositories") {
        resources.extend(crate::kinds::repository::spec::read(
            r,
            &ctx,
            node,
            &deployed,
            &regions,
            &mut repository_regions,
        ));
    }
    if let Some(node) = top.get("registry") {
        resources.extend(registry::read(
            r,
            &ctx,
            node,
            &regions,
            &targets,
            &declared_roles,
        ));
    }
    let github_node = top.get("github");
    let github = github::read(r, &ctx, github_node);
    let policy_names: BTreeSet<String> = policies.iter().map(|p| p.address().name).collect();
    let pending = match roles_node {
        Some(node) => crate::kinds::role::spec::read(r, &ctx, node, &github, &policy_names),
        None => Vec::new(),
    };
    // The provider belongs to the stack when the spec speaks of GitHub at all.
    if github_node.is_some() || pending.iter().any(|p| p.trust.github.is_some()) {
        resources.push(Resource::OidcProvider(github.provider.clone()));
    }
    resources.extend(policies);
    let role_names: BTreeSet<String> = pending.iter().map(|p| p.role.name.clone()).collect();
    let (grants, granted) = match top.get("assume_role_grants") {
        Some(node) => grants::read(r, &ctx, node, &role_names),
        None => (Vec::new(), Default::default()),
    };
    for grant in &grants {
        if let Resource::Policy(p) = grant
            && policy_names.contains(&p.name)
        {
            let node = top
                .get("assume_role_grants")
                .expect("grants were read from it");
            r.error(
                node.pos,
                "assume_role_grants",
                format!("policy {:?} is generated for a grant; remove the policy of that name from policies", p.name),
            );
        }
    }
    *templates = crate::model::github_trust::SubjectTemplates {
        default: github.subject_claims.clone(),
        organizations: github.organizations.clone(),
        repositories: pending
            .iter()
            .filter_map(|p| p.trust.github.as_ref())
            .flat_map(|g| g.repositories.iter())
            .filter(|r| r.subject_claims.is_some())
            .cloned()
            .collect(),
    };
    strict::lint_roles(r, &pending, &policies_by_arn(&resources));
    let paths: Vec<(String, String)> = pending
        .iter()
        .filter(|p| !crate::kinds::role::is_root_path(&p.role.path))
        .map(|p| (p.role.name.clone(), p.role.path.clone()))
        .collect();
    resources.extend(crate::kinds::role::spec::finish(
        r, pending, &granted, &github,
    ));
    resources.extend(grants);
    crate::kinds::role::spec::with_paths(&mut resources, &paths);
    Some((
        Desired {
            stack,
            project_prefix: prefix,
            region,
            resources,
            manages_iam: true,
        },
        placement::Placement {
            regions,
            targets,
            repository_regions,
        },
    ))
}

/// The spec's policies by the ARN roles name them with (before binding).
fn policies_by_arn(
    resources: &[Resource],
) -> std::collections::BTreeMap<String, crate::model::PolicyDocument> {
    resources
        .iter()
        .filter_map(|r| match r {
            Resource::Policy(p) => Some((
                format!("arn:{{partition}}:iam::{{account}}:policy/{}", p.name),
                p.document.clone(),
            )),
            _ => None,
        })
        .collect()
}

/// Tags of one resource: the common ones, then the resource's own (which win), checked.
pub(crate) fn resource_tags(
    r: &mut Reader,
    ctx: &Context,
    node: Option<&yaml::Node>,
    path: &str,
) -> Tags {
    let mut tags = ctx.common_tags.clone();
    if let Some(node) = node
        && let Some(own) = r.string_map(node, path)
    {
        match names::check_tags(&own) {
            Ok(()) => tags.extend(own),
            Err(e) => r.error(node.pos, path, e),
        }
    }
    // Apply adds the last-applied fingerprint tag to these.
    if let Some(node) = node.filter(|_| tags.len() + 1 > MAX_TAGS) {
        r.error(
            node.pos,
            path,
            format!(
                "{} tags with {APPLIED_TAG}; AWS allows at most {MAX_TAGS} per resource",
                tags.len() + 1
            ),
        );
    }
    tags
}
