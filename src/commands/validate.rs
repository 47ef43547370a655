//! `validate`: the spec reader alone.

use super::Exit;
use super::session::load_spec;
use crate::cli::{GlobalArgs, OutputFormat, SpecArg};
use crate::error::Error;

pub fn run(global: &GlobalArgs, args: &SpecArg) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let count = spec.desired.resources.len();
    match global.output {
        OutputFormat::Human | OutputFormat::Markdown => {
            println!("{}: valid, {count} resources.", spec.file);
            for note in &spec.notes {
                println!("note: {note}");
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
            })
        ),
    }
    Ok(Exit::Ok)
}
