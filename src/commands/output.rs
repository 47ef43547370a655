//! `output SPEC`: what workflows need from the stack (repository URLs, role ARNs), like `tofu output`.

use std::fmt::Write;

use serde::Serialize;
use serde_json::Value;

use super::Exit;
use super::session::{Opened, load_spec, open_units};
use crate::cli::{GlobalArgs, OutputFormat, SpecArg};
use crate::error::{Error, chain};
use crate::model::Kind;
use crate::model::unit::{OutputSection, OutputShape};
use crate::render::json::SCHEMA_VERSION;
use crate::render::{Style, targets};

/// What `output` prints for one account and region: the registry's hosts, each kind's section, as
/// the kind declares it (repositories with `url`, `arn` and `dual_stack_url`, roles, policies, the
/// provider's ARN, pull-through cache URLs `ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX`), then
/// what does not exist yet.
#[derive(Debug, Default, Serialize)]
pub(crate) struct Outputs {
    pub(crate) schema_version: u32,
    pub(crate) account: String,
    pub(crate) region: String,
    /// The registry's host over IPv4, `ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub(crate) registry_host: String,
    /// Its dual-stack host (IPv6 and IPv4), `ACCOUNT.dkr-ecr.REGION.on.aws`; left out where AWS
    /// documents none (China, GovCloud).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) dual_stack_registry_host: Option<String>,
    #[serde(flatten)]
    pub(crate) sections: serde_json::Map<String, Value>,
    /// Spec resources that do not exist yet.
    pub(crate) missing: Vec<String>,
    /// The human lines, by (section rank, resource name, field order).
    #[serde(skip)]
    lines: Vec<((u8, String, usize), String)>,
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
    let env = opened.observed.env();
    let mut out = Outputs {
        schema_version: SCHEMA_VERSION,
        account: opened.observed.identity.account.clone(),
        region: opened.unit.region().to_string(),
        registry_host: env.registry_host(),
        dual_stack_registry_host: env.dual_stack_registry_host(),
        ..Outputs::default()
    };
    let mut sections: Vec<OutputSection> = Kind::ALL
        .iter()
        .filter_map(|k| k.output_section())
        .collect();
    sections.sort_by_key(|s| s.rank);
    for section in &sections {
        let empty = match section.shape {
            OutputShape::Single => Value::Null,
            _ => Value::Object(serde_json::Map::new()),
        };
        out.sections.insert(section.key.to_string(), empty);
    }
    for resource in &opened.unit.desired.resources {
        let address = resource.bind(&env).address();
        let Some(live) = opened.observed.get(&address) else {
            if address.kind.reported_missing() {
                out.missing.push(address.to_string());
            }
            continue;
        };
        let Some(section) = address.kind.output_section() else {
            continue;
        };
        let fields = live.resource.unit().output(live, &env);
        for (i, (field, value)) in fields.iter().enumerate() {
            let line = match section.shape {
                OutputShape::Single => format!("{}.{field} = \"{value}\"", address.kind),
                _ => format!("{address}.{field} = \"{value}\""),
            };
            out.lines
                .push(((section.rank, address.name.clone(), i), line));
        }
        let name = address.name.clone();
        let slot = &mut out.sections[section.key];
        match section.shape {
            OutputShape::Single => {
                *slot = fields
                    .into_iter()
                    .next()
                    .map_or(Value::Null, |(_, v)| v.into());
            }
            OutputShape::Value | OutputShape::ValueOmittedWhenEmpty => {
                if let Some((_, v)) = fields.into_iter().next() {
                    slot[name] = v.into();
                }
            }
            OutputShape::Fields => {
                let object: serde_json::Map<String, Value> = fields
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.into()))
                    .collect();
                slot[name] = object.into();
            }
        }
    }
    for section in &sections {
        if let Some(by_name) = out.sections[section.key].as_object_mut() {
            let mut sorted: Vec<(String, Value)> = std::mem::take(by_name).into_iter().collect();
            sorted.sort_by(|x, y| x.0.cmp(&y.0));
            by_name.extend(sorted);
        }
        if section.shape == OutputShape::ValueOmittedWhenEmpty
            && out.sections[section.key]
                .as_object()
                .is_some_and(serde_json::Map::is_empty)
        {
            out.sections.remove(section.key);
        }
    }
    out.lines.sort();
    out
}

/// Each resource's lines, then the registry's hosts.
fn human(out: &Outputs) -> String {
    let mut s = out.lines.iter().fold(String::new(), |mut s, (_, line)| {
        let _ = writeln!(s, "{line}");
        s
    });
    let _ = writeln!(s, "registry_host = \"{}\"", out.registry_host);
    if let Some(host) = &out.dual_stack_registry_host {
        let _ = writeln!(s, "dual_stack_registry_host = \"{host}\"");
    }
    s
}
