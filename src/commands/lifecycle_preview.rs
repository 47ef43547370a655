//! `lifecycle-preview SPEC [--repository NAME]... [--images FILE]`: what the spec's lifecycle
//! rules (not the live ones) would expire or archive now, per repository, with the totals.
//!
//! Live, it reads each repository's images (DescribeImages, and BatchGetImage for image indexes)
//! in the first account and region the flags select. With `--images` it reads `aws ecr
//! describe-images` output for one repository instead: no credentials, no call.

use super::Exit;
use super::session::{assume_role_of, connect_as, load_spec, regions};
use crate::cli::{GlobalArgs, LifecyclePreviewArgs, OutputFormat};
use crate::error::Error;
use crate::live::images_file;
use crate::model::lifecycle_preview::Preview;
use crate::model::{LifecyclePolicy, LifecycleRule, Repository};
use crate::observe::Limit;
use crate::observe::images;
use crate::render::{Style, human, lifecycle as render};
use crate::spec::Spec;

/// The spec's repositories to preview, each with its rules: those `--repository` names (by the
/// expanded name, the spec's `{prefix}-…` form or without the prefix), else every repository
/// with lifecycle rules.
fn chosen<'a>(
    spec: &'a Spec,
    names: &[String],
) -> Result<Vec<(&'a Repository, &'a [LifecycleRule])>, Error> {
    let rules_of = |r: &'a Repository| match &r.settings.lifecycle_policy {
        Some(LifecyclePolicy::Rules { rules }) => Some(rules.as_slice()),
        _ => None,
    };
    let desired = &spec.desired;
    if names.is_empty() {
        let all: Vec<_> = desired
            .all::<Repository>()
            .filter_map(|r| Some((r, rules_of(r)?)))
            .collect();
        if all.is_empty() {
            return Err(Error::Refused(
                "no repository of the spec has lifecycle rules".into(),
            ));
        }
        return Ok(all);
    }
    let prefix = &desired.project_prefix;
    names
        .iter()
        .map(|name| {
            let candidates = [name.replace("{prefix}", prefix), format!("{prefix}-{name}")];
            let repo = desired
                .all::<Repository>()
                .find(|r| r.name == *name || candidates.contains(&r.name))
                .ok_or_else(|| {
                    let known: Vec<&str> = desired
                        .all::<Repository>()
                        .map(|r| r.name.as_str())
                        .collect();
                    Error::Refused(format!(
                        "--repository {name}: the spec has no such repository (it has {})",
                        known.join(", ")
                    ))
                })?;
            let rules = rules_of(repo).ok_or_else(|| {
                Error::Refused(format!(
                    "--repository {name}: {} has no lifecycle rules in the spec",
                    repo.name
                ))
            })?;
            Ok((repo, rules))
        })
        .collect()
}

pub(crate) async fn run(global: &GlobalArgs, args: &LifecyclePreviewArgs) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let repos = chosen(&spec, &args.repository)?;
    let now = crate::observe::now();
    let previews = match &args.images {
        Some(path) => {
            let [(repo, rules)] = repos.as_slice() else {
                return Err(Error::Refused(format!(
                    "--images reads one repository's images; name it with --repository (the spec has {} with lifecycle rules)",
                    repos.len()
                )));
            };
            let text = std::fs::read_to_string(path).map_err(|source| Error::Io {
                what: format!("cannot read {}", path.display()),
                source,
            })?;
            let images = images_file::parse(&text)
                .map_err(|e| Error::Refused(format!("{}: {e}", path.display())))?;
            vec![Preview::new(&repo.name, rules, &images, now)]
        }
        None => {
            let chosen_regions = regions(global, &spec)?;
            let unit = spec
                .placement
                .units(&spec.desired, &chosen_regions, global.target.as_deref())
                .map_err(Error::Refused)?
                .into_iter()
                .next()
                .ok_or_else(|| Error::Refused("the flags select no account and region".into()))?;
            if global.output != OutputFormat::Json {
                eprintln!("Reading images in {}...", unit.label());
            }
            let client = connect_as(global, unit.region(), assume_role_of(&unit)).await;
            let limit = Limit::lanes(usize::from(global.parallelism));
            let mut out = Vec::new();
            for (repo, rules) in &repos {
                let read = images::read(&client, &limit, &repo.name, now)
                    .await
                    .map_err(Error::Observe)?;
                let images = match read {
                    None => {
                        eprintln!("{} does not exist yet: it holds no image", repo.name);
                        Vec::new()
                    }
                    Some(read) => {
                        if read.unread_indexes > 0 {
                            eprintln!(
                                "{}: {} image indexes were not read (ecr:BatchGetImage denied); images they list are counted as if no index did",
                                repo.name, read.unread_indexes
                            );
                        }
                        read.images
                    }
                };
                out.push(Preview::new(&repo.name, rules, &images, now));
            }
            if global.stats {
                eprintln!("{}", human::stats(&crate::live::Aws::stats(&client)));
            }
            out
        }
    };
    match global.output {
        OutputFormat::Human => print!("{}", render::human(&previews, Style::for_stdout())),
        OutputFormat::Markdown => print!("{}", render::markdown(&previews)),
        OutputFormat::Json => println!(
            "{}",
            crate::render::json::to_string(&render::json(&previews))
        ),
    }
    Ok(Exit::Ok)
}
