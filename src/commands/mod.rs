//! The commands: each wires the pipeline stages together and maps the result to an exit code.

mod apply;
mod completions;
mod drift;
mod explain;
mod github_ids;
mod import;
pub mod init;
mod lifecycle_preview;
mod lock;
mod output;
mod permissions;
mod plan;
mod session;
mod validate;
mod workflow;

use std::process::ExitCode;

use crate::cli::{Cli, Command};
use crate::error::Error;

/// Exit codes are an interface (README, `--help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Success; `plan --detailed-exitcode`: no changes; `drift`: in sync.
    Ok = 0,
    /// An error: an invalid spec, an AWS error, a refused or failed apply.
    Error = 1,
    /// `plan --detailed-exitcode`: changes are pending; `drift`: drift or pending changes found.
    Changes = 2,
    /// `explain`: the request is denied.
    Denied = 3,
    /// `apply` stopped by SIGINT/SIGTERM (128 + 2, as shells report an interrupted command).
    Interrupted = 130,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}

/// Runs the parsed command: prints its output to stdout (progress and logs to stderr) and returns
/// the exit code. An `Err` is for the caller to print (see [`Error::document`] and
/// [`Error::hint`]); results that are still reported, like a failed apply, are an `Ok` exit code.
pub async fn run(cli: Cli) -> Result<Exit, Error> {
    match cli.command {
        Command::Validate(args) => validate::run(&cli.global, &args),
        Command::Plan(args) => plan::run(&cli.global, &args).await,
        Command::Apply(args) => apply::run(&cli.global, &args).await,
        Command::Output(args) => output::run(&cli.global, &args).await,
        Command::Init(args) => init::run(&args),
        Command::Permissions(args) => permissions::run(&cli.global, &args),
        Command::ForceUnlock(args) => lock::force_unlock(&cli.global, &args).await,
        Command::LifecyclePreview(args) => lifecycle_preview::run(&cli.global, &args).await,
        Command::Drift(args) => drift::run(&cli.global, &args).await,
        Command::Import(args) => import::run(&cli.global, &args).await,
        Command::Explain(args) => explain::run(&cli.global, &args).await,
        Command::Workflow(args) => workflow::run(&cli.global, &args).await,
        Command::GithubIds(args) => github_ids::run(&cli.global, &args).await,
        Command::Completions(args) => completions::completions(&args),
        Command::Man => completions::man(),
        Command::Schema => {
            println!("{}", crate::render::json::to_string(&crate::spec::schema()));
            Ok(Exit::Ok)
        }
    }
}
