//! `permissions SPEC [--for plan|apply|drift|all]`: the least-privilege IAM policy for running
//! that command on the spec, one document per target account. Offline: no credentials, no calls.

use std::collections::BTreeMap;

use super::Exit;
use super::session::{load_spec, partition_of, units_of};
use crate::cli::{GlobalArgs, OutputFormat, PermissionsArgs};
use crate::error::Error;
use crate::model::Desired;
use crate::permissions::{Account, document};
use crate::render::json::{SCHEMA_VERSION, to_string};

pub(crate) fn run(global: &GlobalArgs, args: &PermissionsArgs) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let units = units_of(global, &spec)?;
    let mut by_target: BTreeMap<Option<(String, String)>, Vec<&Desired>> = BTreeMap::new();
    for unit in &units {
        let key = unit
            .target
            .as_ref()
            .map(|t| (t.name.clone(), t.account.clone()));
        by_target.entry(key).or_default().push(&unit.desired);
    }
    let fallback = args.account.clone().unwrap_or_else(|| "*".into());
    let mut policies = Vec::new();
    for (target, desired) in by_target {
        let account = target
            .as_ref()
            .map_or(fallback.as_str(), |(_, account)| account.as_str());
        let partition = partition_of(&desired[0].region);
        let doc = document(
            &Account {
                partition,
                account,
                units: desired,
            },
            args.command,
        );
        policies.push(serde_json::json!({
            "target": target.as_ref().map(|(name, _)| name),
            "account": account,
            "document": doc,
        }));
    }
    let command = format!("{:?}", args.command).to_lowercase();
    match global.output {
        OutputFormat::Json => println!(
            "{}",
            to_string(&serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "stack": spec.desired.stack,
                "for": command,
                "policies": policies,
            }))
        ),
        _ => {
            for policy in &policies {
                let whose = match policy["target"].as_str() {
                    Some(target) => format!("target {target}, account {}", policy["account"]),
                    None => format!("account {}", policy["account"]),
                };
                eprintln!(
                    "# The IAM policy for `betekk-ecr {command}` on stack {} ({whose}):",
                    spec.desired.stack
                );
                println!("{}", to_string(&policy["document"]));
            }
        }
    }
    Ok(Exit::Ok)
}
