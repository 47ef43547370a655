//! `output SPEC`: what workflows need from the stack (repository URLs, role ARNs), like `tofu output`.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde::Serialize;

use super::Exit;
use super::session::open;
use crate::cli::{GlobalArgs, OutputFormat, SpecArg};
use crate::error::Error;
use crate::model::Kind;
use crate::render::json::SCHEMA_VERSION;

#[derive(Debug, Default, Serialize)]
pub struct Outputs {
    pub schema_version: u32,
    pub account: String,
    pub region: String,
    pub repositories: BTreeMap<String, RepositoryOutput>,
    pub roles: BTreeMap<String, String>,
    pub policies: BTreeMap<String, String>,
    pub oidc_provider: Option<String>,
    /// Spec resources that do not exist yet.
    pub missing: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct RepositoryOutput {
    pub url: String,
    pub arn: String,
}

pub async fn run(global: &GlobalArgs, args: &SpecArg) -> Result<Exit, Error> {
    let session = open(global, &args.spec).await?;
    let mut out = Outputs {
        schema_version: SCHEMA_VERSION,
        account: session.observed.identity.account.clone(),
        region: session.spec.desired.region.clone(),
        ..Outputs::default()
    };
    for resource in &session.spec.desired.resources {
        let address = resource.address();
        let Some(live) = session.observed.get(&address) else {
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
            Kind::UserAttachment => {}
        }
    }
    match global.output {
        OutputFormat::Json => println!("{}", crate::render::json::to_string(&out)),
        OutputFormat::Human | OutputFormat::Markdown => print!("{}", human(&out)),
    }
    if !out.missing.is_empty() {
        eprintln!("Not created yet (run apply): {}", out.missing.join(", "));
    }
    Ok(Exit::Ok)
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
    s
}
