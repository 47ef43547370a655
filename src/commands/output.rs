//! `output SPEC`: what workflows need from the stack (repository URLs, role ARNs), like `tofu output`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::Exit;
use super::session::{Opened, load_spec, open_units};
use crate::cli::{GlobalArgs, OutputFormat, SpecArg};
use crate::error::{Error, chain};
use crate::model::Kind;
use crate::render::json::SCHEMA_VERSION;
use crate::render::{Style, targets};

#[derive(Debug, Default, Serialize)]
pub(crate) struct Outputs {
    pub(crate) schema_version: u32,
    pub(crate) account: String,
    pub(crate) region: String,
    pub(crate) repositories: BTreeMap<String, RepositoryOutput>,
    pub(crate) roles: BTreeMap<String, String>,
    pub(crate) policies: BTreeMap<String, String>,
    pub(crate) oidc_provider: Option<String>,
    /// Pull-through cache rules by prefix: where images are pulled through
    /// (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX`, then `/UPSTREAM_REPOSITORY:TAG`).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) pull_through_cache: BTreeMap<String, String>,
    /// Spec resources that do not exist yet.
    pub(crate) missing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct RepositoryOutput {
    pub(crate) url: String,
    pub(crate) arn: String,
}

pub(crate) async fn run(global: &GlobalArgs, args: &SpecArg) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let units = open_units(global, &spec).await?;
    if !spec.placement.fans_out() {
        let opened = super::session::single(units)?;
        let out = outputs(&opened);
        match global.output {
            OutputFormat::Json => println!("{}", crate::render::json::to_string(&out)),
            OutputFormat::Human | OutputFormat::Markdown => print!("{}", human(&out)),
        }
        if !out.missing.is_empty() {
            eprintln!("Not created yet (run apply): {}", out.missing.join(", "));
        }
        return Ok(Exit::Ok);
    }
    let style = Style::for_stdout();
    let mut entries = Vec::new();
    let mut exit = Exit::Ok;
    for unit in &units {
        match unit {
            Ok(opened) => {
                let out = outputs(opened);
                match global.output {
                    OutputFormat::Json => entries.push(targets::entry(&opened.unit, &out)),
                    _ => print!("{}\n{}", targets::header(&opened.unit, style), human(&out)),
                }
                if !out.missing.is_empty() {
                    eprintln!(
                        "{}: not created yet (run apply): {}",
                        opened.unit.label(),
                        out.missing.join(", ")
                    );
                }
            }
            Err((unit, e)) => {
                exit = Exit::Error;
                match global.output {
                    OutputFormat::Json => entries.push(targets::failed(unit, &chain(e))),
                    _ => eprintln!("error: {}: {}", unit.label(), chain(e)),
                }
            }
        }
    }
    if global.output == OutputFormat::Json {
        targets::print(&spec.desired.stack, entries, serde_json::json!({}));
    }
    Ok(exit)
}

/// What one account and region holds of the spec.
fn outputs(opened: &Opened) -> Outputs {
    let mut out = Outputs {
        schema_version: SCHEMA_VERSION,
        account: opened.observed.identity.account.clone(),
        region: opened.unit.region().to_string(),
        ..Outputs::default()
    };
    for resource in &opened.unit.desired.resources {
        let address = resource.bind(&opened.observed.env()).address();
        let Some(live) = opened.observed.get(&address) else {
            if address.kind != Kind::UserAttachment {
                out.missing.push(address.to_string());
            }
            continue;
        };
        let name = address.name.clone();
        match address.kind {
            Kind::Repository => {
                out.repositories.insert(
                    name,
                    RepositoryOutput {
                        url: live.uri.clone().unwrap_or_default(),
                        arn: live.arn.clone(),
                    },
                );
            }
            Kind::Role => {
                out.roles.insert(name, live.arn.clone());
            }
            Kind::Policy => {
                out.policies.insert(name, live.arn.clone());
            }
            Kind::OidcProvider => out.oidc_provider = Some(live.arn.clone()),
            Kind::PullThroughCache => {
                if let crate::model::Resource::PullThroughCache(rule) = &live.resource {
                    let env = opened.observed.env();
                    out.pull_through_cache.insert(
                        name,
                        rule.pull_url(&env.account, &env.region, &env.partition),
                    );
                }
            }
            Kind::UserAttachment
            | Kind::CreationTemplate
            | Kind::Registry
            | Kind::RegistryRecord => {}
        }
    }
    out
}

fn human(out: &Outputs) -> String {
    let mut s = String::new();
    for (name, repo) in &out.repositories {
        let _ = writeln!(s, "repository.{name}.url = \"{}\"", repo.url);
        let _ = writeln!(s, "repository.{name}.arn = \"{}\"", repo.arn);
    }
    if let Some(arn) = &out.oidc_provider {
        let _ = writeln!(s, "oidc_provider.arn = \"{arn}\"");
    }
    for (name, arn) in &out.policies {
        let _ = writeln!(s, "policy.{name}.arn = \"{arn}\"");
    }
    for (name, arn) in &out.roles {
        let _ = writeln!(s, "role.{name}.arn = \"{arn}\"");
    }
    for (prefix, url) in &out.pull_through_cache {
        let _ = writeln!(s, "pull_through_cache.{prefix}.url = \"{url}\"");
    }
    s
}
