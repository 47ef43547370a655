//! `apply`: plan, confirm, execute with a progress line per step, report every outcome.

use std::io::{BufRead, IsTerminal, Write};

use super::Exit;
use std::path::Path;

use super::session::{connect, load_spec, open};
use crate::apply::{ApplyOptions, Report, Status, Stop, apply};
use crate::cli::{ApplyArgs, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::live::Aws;
use crate::live::sdk::SdkAws;
use crate::observe::observe;
use crate::plan::Plan;
use crate::plan::saved::{SAVED_PLAN_VERSION, SavedPlan, observed_fingerprints, sha256_hex};
use crate::render::markdown::{self, COMMENT_LIMIT, Scope};
use crate::render::progress::Progress;
use crate::render::{Style, human, json};

pub async fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<Exit, Error> {
    // A saved plan is JSON with a marker; anything else is read as a spec.
    if let Ok(text) = std::fs::read_to_string(&args.spec)
        && let Some(saved) = SavedPlan::detect(&text)
    {
        let saved = saved.map_err(|e| {
            Error::Refused(format!(
                "{} looks like a saved plan but cannot be read: {e}",
                args.spec.display()
            ))
        })?;
        let (client, plan) = check_saved(global, &args.spec, saved).await?;
        let scope = Scope {
            stack: &plan.stack,
            account: &plan.account,
            region: &plan.region,
        };
        return execute(global, args, &client, &plan.plan, scope).await;
    }
    let session = open(global, &args.spec).await?;
    let scope = Scope {
        stack: &session.spec.desired.stack,
        account: &session.observed.identity.account,
        region: &session.spec.desired.region,
    };
    execute(global, args, &session.client, &session.plan, scope).await
}

/// Re-reads the spec and live state a saved plan was made from; refuses when either changed.
async fn check_saved(
    global: &GlobalArgs,
    file: &Path,
    saved: SavedPlan,
) -> Result<(SdkAws, SavedPlan), Error> {
    if saved.schema_version != SAVED_PLAN_VERSION {
        return Err(Error::Refused(format!(
            "{} is a saved plan of schema_version {}; this betekk-ecr reads {SAVED_PLAN_VERSION}",
            file.display(),
            saved.schema_version
        )));
    }
    let spec_path = Path::new(&saved.spec.path);
    let bytes = std::fs::read(spec_path).map_err(|source| Error::Io {
        what: format!(
            "cannot read {}, the spec the saved plan was made from",
            spec_path.display()
        ),
        source,
    })?;
    if sha256_hex(&bytes) != saved.spec.sha256 {
        return Err(Error::Refused(format!(
            "refused: the spec file {} changed since the plan was made; run plan --out again",
            spec_path.display()
        )));
    }
    if let Some(region) = global.region.as_deref().filter(|r| !r.is_empty())
        && region != saved.region
    {
        return Err(Error::Refused(format!(
            "refused: the plan was made for {}, not {region}",
            saved.region
        )));
    }
    let mut spec = load_spec(spec_path)?;
    spec.desired.region = saved.region.clone();
    let client = connect(global, &saved.region).await;
    if global.output != OutputFormat::Json {
        eprintln!(
            "Checking live state in {} against the saved plan...",
            saved.region
        );
    }
    let observed = observe(&client, &spec.desired, usize::from(global.parallelism))
        .await
        .map_err(Error::Observe)?;
    if observed.identity.account != saved.account {
        return Err(Error::Refused(format!(
            "refused: the plan was made for account {}, these credentials are for {}",
            saved.account, observed.identity.account
        )));
    }
    let changed = saved.changed_since(&observed_fingerprints(&spec.desired, &observed));
    if !changed.is_empty() {
        let names: Vec<String> = changed.iter().map(ToString::to_string).collect();
        return Err(Error::Refused(format!(
            "refused: live state changed since the plan was made ({}); nothing was changed; run plan --out again",
            names.join(", ")
        )));
    }
    Ok((client, saved))
}

async fn execute(
    global: &GlobalArgs,
    args: &ApplyArgs,
    client: &SdkAws,
    plan: &Plan,
    scope: Scope<'_>,
) -> Result<Exit, Error> {
    match global.output {
        OutputFormat::Human => print!("{}", human::plan(plan, Style::for_stdout())),
        // The report comes at the end; whoever is asked to confirm still sees the plan first.
        OutputFormat::Markdown if !args.yes && !plan.is_empty() => {
            eprint!("{}", human::plan(plan, Style::for_stderr()));
        }
        OutputFormat::Markdown | OutputFormat::Json => {}
    }
    let report = if plan.is_empty() {
        Report::default()
    } else {
        if !args.yes {
            confirm(scope.account, scope.region)?;
        }
        let options = ApplyOptions {
            parallelism: usize::from(global.parallelism),
            allow_replace: args.allow_replace,
            allow_destroy: args.allow_destroy,
            ..ApplyOptions::default()
        };
        let listener = tokio::spawn(stop_on_signals(options.stop.clone(), options.stop_grace));
        let progress = Progress::for_stderr(plan.changes.len());
        let report = apply(client, plan, &options, &|event| progress.event(&event)).await;
        progress.finish();
        listener.abort();
        report
    };
    let interrupted = report.count(Status::Interrupted) > 0;
    let stats = client.stats();
    match global.output {
        OutputFormat::Human => {
            if !plan.is_empty() {
                print!("\n{}", human::report(plan, &report, Style::for_stdout()));
            }
        }
        OutputFormat::Markdown => {
            print!("{}", markdown::apply(plan, &report, scope, COMMENT_LIMIT));
        }
        OutputFormat::Json => {
            let doc = json::ApplyDocument::new(plan, &report, scope.account, scope.region, &stats);
            println!("{}", json::to_string(&doc));
        }
    }
    if global.stats && global.output != OutputFormat::Json {
        eprintln!("{}", human::stats(&stats));
    }
    Ok(if report.succeeded() {
        Exit::Ok
    } else if interrupted {
        Exit::Interrupted
    } else {
        Exit::Error
    })
}

/// The first SIGINT or SIGTERM stops the apply (nothing new starts; what runs gets `grace`);
/// a second one exits at once.
async fn stop_on_signals(stop: Stop, grace: std::time::Duration) {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return;
    };
    let mut next = async || {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    };
    next().await;
    stop.request();
    eprintln!(
        "interrupted: starting nothing new, giving the changes in flight up to {}s; interrupt again to exit at once",
        grace.as_secs()
    );
    next().await;
    eprintln!("interrupted again: exiting now; run apply again to finish");
    std::process::exit(Exit::Interrupted as i32);
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
