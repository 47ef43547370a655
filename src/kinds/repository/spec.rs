//! The `repositories:` section: one ECR repository per item, with defaults applied and checked.

use std::collections::BTreeMap;

use crate::kinds::repository::{ATTRIBUTES, with_lambda_pull};
use crate::model::wildcard;
use crate::model::{Repository, Resource};
use crate::spec::fields::{Field, Ty, kind_fields};
use crate::spec::reader::{Reader, join};
use crate::spec::yaml::Node;
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
    let settings = crate::spec::settings::read_settings(r, ctx, &f);
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

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for Repository {}
