use std::process::ExitCode;

use betekk_ecr::cli::Cli;
use betekk_ecr::commands::{self, Exit};
use clap::Parser;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.global.output == betekk_ecr::cli::OutputFormat::Json;
    // The SDK's own warnings (a credential provider that did not apply, …) are noise unless asked for.
    let level = match cli.global.verbose {
        0 => "error,betekk_ecr=warn",
        1 => "warn,betekk_ecr=info",
        2 => "info,betekk_ecr=debug",
        _ => "debug,betekk_ecr=trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .init();
    match commands::run(cli).await {
        Ok(exit) => exit.into(),
        Err(error) => {
            // Machines read stdout: the error is a document there too.
            if json {
                println!("{:#}", error.document());
            }
            eprintln!("error: {}", betekk_ecr::error::chain(&error));
            if let Some(hint) = error.hint() {
                eprintln!("hint: {hint}");
            }
            Exit::Error.into()
        }
    }
}
