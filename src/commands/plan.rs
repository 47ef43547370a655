//! `plan`: read, compare, print; change nothing.

use super::Exit;
use super::session::open;
use crate::cli::{GlobalArgs, OutputFormat, PlanArgs};
use crate::error::Error;
use crate::live::Aws;
use crate::render::{Style, human, json};

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Exit, Error> {
    let session = open(global, &args.spec).await?;
    let stats = session.client.stats();
    match global.output {
        OutputFormat::Human => {
            print!("{}", human::plan(&session.plan, Style::for_stdout()));
            if global.stats {
                eprintln!("{}", human::stats(&stats));
            }
        }
        OutputFormat::Json => println!(
            "{}",
            json::to_string(&json::PlanDocument::new(
                &session.plan,
                &session.observed.identity.account,
                &session.spec.desired.region,
                &stats,
            ))
        ),
    }
    Ok(if args.detailed_exitcode && !session.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Ok
    })
}
