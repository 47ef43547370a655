//! `apply`: plan, confirm, execute with a progress line per step, report every outcome.

use std::io::{BufRead, IsTerminal, Write};

use super::Exit;
use super::session::open;
use crate::apply::{ApplyOptions, Report, apply};
use crate::cli::{ApplyArgs, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::live::Aws;
use crate::render::{Style, human, json};

pub async fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<Exit, Error> {
    let session = open(global, &args.spec).await?;
    let human_out = global.output == OutputFormat::Human;
    if human_out {
        print!("{}", human::plan(&session.plan, Style::for_stdout()));
    }
    let account = &session.observed.identity.account;
    let region = &session.spec.desired.region;
    let report = if session.plan.is_empty() {
        Report::default()
    } else {
        if !args.yes {
            confirm(account, region)?;
        }
        let options = ApplyOptions {
            parallelism: usize::from(global.parallelism),
            allow_replace: args.allow_replace,
            allow_destroy: args.allow_destroy,
            ..ApplyOptions::default()
        };
        let err_style = Style::for_stderr();
        apply(&session.client, &session.plan, &options, &|event| {
            eprintln!("{}", human::event(&event, err_style));
        })
        .await
    };
    let stats = session.client.stats();
    if human_out {
        if !session.plan.is_empty() {
            print!(
                "\n{}",
                human::report(&session.plan, &report, Style::for_stdout())
            );
        }
        if global.stats {
            eprintln!("{}", human::stats(&stats));
        }
    } else {
        let doc = json::ApplyDocument::new(&session.plan, &report, account, region, &stats);
        println!("{}", json::to_string(&doc));
    }
    Ok(if report.succeeded() {
        Exit::Ok
    } else {
        Exit::Error
    })
}

/// Asks on the terminal; without one, refuses rather than guessing.
fn confirm(account: &str, region: &str) -> Result<(), Error> {
    if !std::io::stdin().is_terminal() {
        return Err(Error::Refused(
            "stdin is not a terminal, so apply cannot ask for confirmation; review the plan and pass --yes".into(),
        ));
    }
    eprint!(
        "\nApply these changes to account {account} in {region}?\n  Only 'yes' will be accepted: "
    );
    let _ = std::io::stderr().flush();
    let mut answer = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|source| Error::Io {
            what: "cannot read the answer".into(),
            source,
        })?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(Error::Refused(
            "apply cancelled; nothing was changed".into(),
        ))
    }
}
