//! `validate`: the spec reader alone.

use super::Exit;
use super::session::load_spec;
use crate::cli::{GlobalArgs, OutputFormat, ValidateArgs};
use crate::error::Error;

pub(crate) fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let count = spec.desired.resources.len();
    // Replication between the spec's own targets, decided by its registry policy: a note each,
    // and under --strict a finding for each the policy does not let in.
    let replication = crate::access::replication::between_targets(&spec);
    let mut notes = spec.notes.clone();
    notes.extend(replication.iter().map(|r| r.message.clone()));
    let findings: Vec<String> = if args.strict {
        spec.lints
            .iter()
            .map(ToString::to_string)
            .chain(
                replication
                    .iter()
                    .filter(|r| !r.allowed)
                    .map(|r| format!("{}: {}", spec.file, r.message)),
            )
            .collect()
    } else {
        Vec::new()
    };
    match global.output {
        OutputFormat::Human | OutputFormat::Markdown => {
            println!("{}: valid, {count} resources.", spec.file);
            for note in &notes {
                println!("note: {note}");
            }
            for finding in &findings {
                println!("{finding}");
            }
            if args.strict {
                println!(
                    "{} finding{} under --strict.",
                    findings.len(),
                    if findings.len() == 1 { "" } else { "s" }
                );
            }
        }
        OutputFormat::Json => println!(
            "{}",
            serde_json::json!({
                "schema_version": crate::render::json::SCHEMA_VERSION,
                "valid": true,
                "file": spec.file,
                "resources": count,
                "warnings": spec.warnings.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
                "notes": notes,
                "strict": args.strict,
                "findings": findings,
            })
        ),
    }
    Ok(if findings.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}
