//! `apply`: plan, confirm, execute with a progress line per step, report every outcome.

use std::io::{BufRead, IsTerminal, Write};

use super::Exit;
use std::path::Path;

use super::lock::Locks;
use super::session::{assume_role_of, connect_as, load_spec, open, units_of};
use crate::apply::{ApplyOptions, Report, Status, Stop, apply};
use crate::cli::{ApplyArgs, GlobalArgs, OutputFormat};
use crate::error::{Error, chain};
use crate::live::Aws;
use crate::live::sdk::SdkAws;
use crate::observe::{Limit, observe_limited};
use crate::plan::Plan;
use crate::plan::saved::{
    SAVED_PLAN_VERSION, SavedPlan, SavedPlanError, observed_fingerprints, sha256_hex,
};
use crate::render::markdown::{self, COMMENT_LIMIT, Scope};
use crate::render::progress::Progress;
use crate::render::{Style, human, json, targets};
use crate::spec::placement::Unit;

/// One account and region to apply: its client and the plan to carry out.
struct Run {
    unit: Unit,
    client: SdkAws,
    account: String,
    plan: Plan,
}

/// Applies under the stack's lock in each target account (see [`Locks`]), released whatever
/// the outcome.
pub(crate) async fn run(global: &GlobalArgs, args: &ApplyArgs) -> Result<Exit, Error> {
    let mut locks = Locks::default();
    let result = run_locked(global, args, &mut locks).await;
    locks.release().await;
    result
}

async fn run_locked(
    global: &GlobalArgs,
    args: &ApplyArgs,
    locks: &mut Locks,
) -> Result<Exit, Error> {
    // A saved plan is JSON with a marker; anything else is read as a spec.
    if let Ok(text) = std::fs::read_to_string(&args.spec)
        && let Some(saved) = SavedPlan::detect(&text)
    {
        let saved = saved.map_err(|e| SavedPlanError::Unreadable {
            file: args.spec.display().to_string(),
            reason: e.to_string(),
        })?;
        // Every plan is checked before anything is applied: all or none.
        let many = saved.len() > 1 || saved.iter().any(|p| p.target.is_some());
        let mut runs = Vec::new();
        for plan in saved {
            runs.push(check_saved(global, args, plan, locks).await?);
        }
        if !many {
            let run = runs.remove(0);
            let scope = Scope {
                stack: &run.unit.desired.stack,
                account: &run.account,
                region: run.unit.region(),
            };
            return execute(
                global,
                args,
                &run.client,
                &run.plan,
                scope,
                &run.unit,
                locks,
            )
            .await;
        }
        return execute_many(global, args, runs, Vec::new(), locks).await;
    }
    let spec = load_spec(&args.spec)?;
    // The lock comes before the reads: a plan made while another apply writes would be stale.
    let units = units_of(global, &spec)?;
    locks.take(global, args, &units).await?;
    let units = open(global, units, &|_| {}).await;
    if !spec.placement.fans_out() {
        let opened = super::session::single(units)?;
        let scope = Scope {
            stack: &spec.desired.stack,
            account: &opened.observed.identity.account,
            region: opened.unit.region(),
        };
        return execute(
            global,
            args,
            &opened.client,
            &opened.plan,
            scope,
            &opened.unit,
            locks,
        )
        .await;
    }
    let mut runs = Vec::new();
    let mut failed = Vec::new();
    for unit in units {
        match unit {
            Ok(o) => runs.push(Run {
                account: o.observed.identity.account.clone(),
                unit: o.unit,
                client: o.client,
                plan: o.plan,
            }),
            Err(e) => failed.push(e),
        }
    }
    execute_many(global, args, runs, failed, locks).await
}

/// Re-reads the spec and live state a saved plan was made from; refuses when either changed.
async fn check_saved(
    global: &GlobalArgs,
    args: &ApplyArgs,
    saved: SavedPlan,
    locks: &mut Locks,
) -> Result<Run, Error> {
    let file: &Path = &args.spec;
    if saved.schema_version != SAVED_PLAN_VERSION {
        return Err(SavedPlanError::Version {
            file: file.display().to_string(),
            found: saved.schema_version,
        }
        .into());
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
        return Err(SavedPlanError::SpecChanged {
            path: spec_path.display().to_string(),
        }
        .into());
    }
    if let Some(region) = global.region.as_deref().filter(|r| !r.is_empty())
        && region != saved.region
    {
        return Err(SavedPlanError::Region {
            planned: saved.region.clone(),
            asked: region.to_string(),
        }
        .into());
    }
    let spec = load_spec(spec_path)?;
    // The unit as the plan was made: whether it held the account's IAM side decides which of
    // the spec's placements it was (all regions, or this one selected with --region).
    let held_iam = saved.manages_iam;
    let all = if spec.placement.regions.is_empty() {
        vec![saved.region.clone()]
    } else {
        spec.placement.regions.clone()
    };
    let mut unit = None;
    for chosen in [all, vec![saved.region.clone()]] {
        let found = spec
            .placement
            .units(&spec.desired, &chosen, saved.target.as_deref())
            .map_err(Error::Refused)?
            .into_iter()
            .find(|u| u.region() == saved.region && u.desired.manages_iam == held_iam);
        if found.is_some() {
            unit = found;
            break;
        }
    }
    let unit = unit.ok_or_else(|| {
        Error::from(SavedPlanError::Placement {
            region: saved.region.clone(),
        })
    })?;
    locks
        .take(global, args, std::slice::from_ref(&unit))
        .await?;
    let client = connect_as(global, unit.region(), assume_role_of(&unit)).await;
    if global.output != OutputFormat::Json {
        eprintln!(
            "Checking live state in {} against the saved plan...",
            unit.label()
        );
    }
    let limit = Limit::lanes(usize::from(global.parallelism));
    let observed = observe_limited(&client, &unit.desired, &limit)
        .await
        .map_err(Error::Observe)?;
    if observed.identity.account != saved.account {
        return Err(SavedPlanError::Account {
            planned: saved.account.clone(),
            actual: observed.identity.account.clone(),
        }
        .into());
    }
    let changed = saved.changed_since(&observed_fingerprints(&unit.desired, &observed));
    if !changed.is_empty() {
        return Err(SavedPlanError::StateChanged {
            changed,
            place: unit.label(),
        }
        .into());
    }
    Ok(Run {
        unit,
        client,
        account: saved.account,
        plan: saved.plan,
    })
}

/// Several targets or regions: one confirmation, then every plan applied concurrently; a failed
/// target never stops another, and the exit code is the worst of all.
async fn execute_many(
    global: &GlobalArgs,
    args: &ApplyArgs,
    runs: Vec<Run>,
    failed: Vec<(Unit, Error)>,
    locks: &mut Locks,
) -> Result<Exit, Error> {
    let style = Style::for_stdout();
    if global.output == OutputFormat::Human {
        for run in &runs {
            println!("{}", targets::header(&run.unit, style));
            print!("{}", human::plan(&run.plan, style));
        }
    }
    for (unit, e) in &failed {
        eprintln!("error: {}: {}", unit.label(), chain(e));
    }
    for run in &runs {
        refuse_expiry(&run.plan, args.max_lifecycle_expiry)?;
    }
    let busy: Vec<&Run> = runs.iter().filter(|r| !r.plan.is_empty()).collect();
    if !busy.is_empty() && !args.yes {
        let labels: Vec<String> = busy.iter().map(|r| r.unit.label()).collect();
        confirm_many(&labels)?;
    }
    let options = ApplyOptions {
        // Each target's calls are bounded by its own lanes (`live::lanes`), not by a share of one
        // bound for all.
        parallelism: usize::from(global.parallelism),
        allow_replace: args.allow_replace,
        allow_destroy: args.allow_destroy,
        ..ApplyOptions::default()
    };
    let listener = tokio::spawn(stop_on_signals(options.stop.clone(), options.stop_grace));
    let err_style = Style::for_stderr();
    let all = futures::future::join_all(runs.iter().map(|run| {
        let options = &options;
        async move {
            if run.plan.is_empty() {
                return Report::default();
            }
            let label = run.unit.label();
            apply(&run.client, &run.plan, options, &|event| {
                eprintln!("{label}: {}", human::event(&event, err_style));
            })
            .await
        }
    }));
    let reports = locks.renewing(all).await;
    listener.abort();
    let reports = reports?;
    locks.release().await;
    let mut entries = Vec::new();
    for (run, report) in runs.iter().zip(&reports) {
        let stats = run.client.stats();
        let scope = Scope {
            stack: &run.unit.desired.stack,
            account: &run.account,
            region: run.unit.region(),
        };
        match global.output {
            OutputFormat::Human => {
                println!("{}", targets::header(&run.unit, style));
                if run.plan.is_empty() {
                    println!("No changes.");
                } else {
                    print!("{}", human::report(&run.plan, report, style));
                }
            }
            OutputFormat::Markdown => {
                println!(
                    "{}",
                    markdown::apply(&run.plan, report, scope, COMMENT_LIMIT / runs.len().max(1))
                );
            }
            OutputFormat::Json => entries.push(targets::entry(
                &run.unit,
                json::ApplyDocument::new(
                    &run.plan,
                    report,
                    &run.account,
                    run.unit.region(),
                    &stats,
                )
                .with_lock(locks.record(&run.unit)),
            )),
        }
    }
    if global.output == OutputFormat::Json {
        entries.extend(failed.iter().map(|(u, e)| targets::failed(u, &chain(e))));
        let stack = runs
            .first()
            .map(|r| r.unit.desired.stack.clone())
            .unwrap_or_default();
        let succeeded = failed.is_empty() && reports.iter().all(Report::succeeded);
        targets::print(&stack, entries, serde_json::json!({"succeeded": succeeded}));
    }
    Ok(
        if reports.iter().any(|r| r.count(Status::Interrupted) > 0) {
            Exit::Interrupted
        } else if !failed.is_empty() || !reports.iter().all(Report::succeeded) {
            Exit::Error
        } else {
            Exit::Ok
        },
    )
}

/// `--max-lifecycle-expiry`: refused before anything is asked or changed.
fn refuse_expiry(plan: &Plan, max: Option<usize>) -> Result<(), Error> {
    match max.and_then(|max| crate::plan::expiry_guard::over_expiry(plan, max)) {
        Some(refusal) => Err(Error::Refused(refusal)),
        None => Ok(()),
    }
}

async fn execute(
    global: &GlobalArgs,
    args: &ApplyArgs,
    client: &SdkAws,
    plan: &Plan,
    scope: Scope<'_>,
    unit: &Unit,
    locks: &mut Locks,
) -> Result<Exit, Error> {
    match global.output {
        OutputFormat::Human => print!("{}", human::plan(plan, Style::for_stdout())),
        // The report comes at the end; whoever is asked to confirm still sees the plan first.
        OutputFormat::Markdown if !args.yes && !plan.is_empty() => {
            eprint!("{}", human::plan(plan, Style::for_stderr()));
        }
        OutputFormat::Markdown | OutputFormat::Json => {}
    }
    refuse_expiry(plan, args.max_lifecycle_expiry)?;
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
        let report = locks
            .renewing(apply(client, plan, &options, &|event| {
                progress.event(&event)
            }))
            .await;
        progress.finish();
        listener.abort();
        report?
    };
    locks.release().await;
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
            let doc = json::ApplyDocument::new(plan, &report, scope.account, scope.region, &stats)
                .with_lock(locks.record(unit));
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

/// One question for all targets.
fn confirm_many(labels: &[String]) -> Result<(), Error> {
    confirm(&format!("{} target(s)", labels.len()), &labels.join(", "))
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
