//! `validate`: the spec reader alone.

use super::Exit;
use super::session::load_spec;
use crate::cli::{GlobalArgs, OutputFormat, ValidateArgs};
use crate::error::Error;

pub(crate) fn run(global: &GlobalArgs, args: &ValidateArgs) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let count = spec.desired.resources.len();
    let findings: Vec<String> = if args.strict {
        spec.lints.iter().map(ToString::to_string).collect()
    } else {
        Vec::new()
    };
    match global.output {
        OutputFormat::Human | OutputFormat::Markdown => {
            println!("{}: valid, {count} resources.", spec.file);
            for note in &spec.notes {
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
                "notes": spec.notes,
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
