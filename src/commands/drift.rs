//! `drift SPEC [--every 15m]`: classify every difference between the spec and AWS. Read-only:
//! this command observes and plans, and never runs the executor.

use std::time::Duration;

use super::Exit;
use super::session::{Opened, load_spec, open_units_each};
use crate::cli::{DriftArgs, FailOn, GlobalArgs, OutputFormat};
use crate::clock::utc_now;
use crate::drift::{DriftReport, classify};
use crate::error::{Error, chain};
use crate::live::Aws;
use crate::render::drift::{Context, DriftDocument, DriftErrorDocument, human};
use crate::render::json::SCHEMA_VERSION;
use crate::render::markdown::{self, COMMENT_LIMIT};
use crate::render::{Style, human as human_render, targets};
use crate::spec::placement::Unit;

pub(crate) async fn run(global: &GlobalArgs, args: &DriftArgs) -> Result<Exit, Error> {
    let Some(period) = args.every else {
        return cycle(global, args, false).await;
    };
    let mut last = Exit::Ok;
    loop {
        tokio::select! {
            result = cycle(global, args, true) => {
                last = result.unwrap_or_else(|error| {
                    report_failed_cycle(global, args, &error);
                    Exit::Error
                });
            }
            _ = tokio::signal::ctrl_c() => break,
        }
        let wait = jittered(period);
        if global.output != OutputFormat::Json {
            eprintln!("Next check in {:.0}s (Ctrl-C stops).", wait.as_secs_f64());
        }
        tokio::select! {
            _ = tokio::time::sleep(wait) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    Ok(last)
}

/// One check: read the spec and AWS, classify, print. JSON is one line per cycle with `--every`.
async fn cycle(global: &GlobalArgs, args: &DriftArgs, lines: bool) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let many = spec.placement.fans_out();
    // Human output of many targets shows each report as soon as it is made.
    let streamed = many && global.output == OutputFormat::Human;
    let style = Style::for_stdout();
    let shown = std::sync::Mutex::new(());
    let show = |outcome: &Result<Opened, (Unit, Error)>| {
        if !streamed {
            return;
        }
        let _one_at_a_time = shown.lock();
        match outcome
            .as_ref()
            .map_err(|(u, e)| (u, Error::Refused(chain(e))))
        {
            Ok(opened) => match check(&spec, opened) {
                Ok((report, ctx, _)) => {
                    println!("{}", targets::header(&opened.unit, style));
                    print!("{}", human(&report, &ctx, style));
                }
                Err(e) => eprintln!("error: {}: {}", opened.unit.label(), chain(&e)),
            },
            Err((u, e)) => eprintln!("error: {}: {}", u.label(), chain(&e)),
        }
    };
    let units = open_units_each(global, &spec, &show).await?;
    if !many {
        let opened = super::session::single(units)?;
        let (report, ctx, stats) = check(&spec, &opened)?;
        print_one(global, &report, &ctx, &stats, lines);
        return Ok(exit_for(&report, args.fail_on));
    }
    let mut entries = Vec::new();
    let mut exit = Exit::Ok;
    for unit in &units {
        let (u, checked) = match unit {
            Ok(opened) => (&opened.unit, check(&spec, opened)),
            Err((u, e)) => (u, Err(Error::Refused(chain(e)))),
        };
        match checked {
            Ok((report, ctx, stats)) => {
                if exit == Exit::Ok {
                    exit = exit_for(&report, args.fail_on);
                }
                match global.output {
                    OutputFormat::Json => {
                        entries.push(targets::entry(u, DriftDocument::new(&report, &ctx, &stats)))
                    }
                    // Shown as it was made.
                    OutputFormat::Human => {}
                    OutputFormat::Markdown => println!(
                        "{}",
                        markdown::drift(&report, &ctx, COMMENT_LIMIT / units.len())
                    ),
                }
            }
            Err(e) => {
                exit = Exit::Error;
                match global.output {
                    OutputFormat::Json => entries.push(targets::failed(u, &chain(&e))),
                    OutputFormat::Human => {}
                    OutputFormat::Markdown => eprintln!("error: {}: {}", u.label(), chain(&e)),
                }
            }
        }
    }
    if global.output == OutputFormat::Json {
        let doc = targets::document(
            &spec.desired.stack,
            entries,
            serde_json::json!({"timestamp": utc_now()}),
        );
        if lines {
            println!("{}", serde_json::to_string(&doc).expect("serializable"));
        } else {
            println!(
                "{}",
                serde_json::to_string_pretty(&doc).expect("serializable")
            );
        }
    }
    Ok(exit)
}

/// Classifies one account and region.
fn check(
    spec: &crate::spec::Spec,
    opened: &Opened,
) -> Result<(DriftReport, Context, crate::live::ApiStats), Error> {
    let report = classify(&opened.unit.desired, &opened.observed)?;
    let ctx = Context {
        timestamp: utc_now(),
        account: opened.observed.identity.account.clone(),
        region: opened.unit.region().to_string(),
        stack: spec.desired.stack.clone(),
        spec: spec.file.clone(),
    };
    Ok((report, ctx, opened.client.stats()))
}

fn print_one(
    global: &GlobalArgs,
    report: &DriftReport,
    ctx: &Context,
    stats: &crate::live::ApiStats,
    lines: bool,
) {
    match global.output {
        OutputFormat::Human | OutputFormat::Markdown => {
            if global.output == OutputFormat::Human {
                print!("{}", human(report, ctx, Style::for_stdout()));
            } else {
                print!("{}", markdown::drift(report, ctx, COMMENT_LIMIT));
            }
            if global.stats {
                eprintln!("{}", human_render::stats(stats));
            }
        }
        OutputFormat::Json => {
            let doc = DriftDocument::new(report, ctx, stats);
            if lines {
                println!("{}", serde_json::to_string(&doc).expect("serializable"));
            } else {
                println!("{}", crate::render::json::to_string(&doc));
            }
        }
    }
}

pub(crate) fn exit_for(report: &DriftReport, fail_on: FailOn) -> Exit {
    let fails = match fail_on {
        FailOn::Any => !report.in_sync(),
        FailOn::Drifted => report.out_of_band(),
    };
    if fails { Exit::Changes } else { Exit::Ok }
}

fn report_failed_cycle(global: &GlobalArgs, args: &DriftArgs, error: &Error) {
    let message = chain(error);
    match global.output {
        OutputFormat::Human | OutputFormat::Markdown => {
            eprintln!("error: {message}");
            if let Some(hint) = error.hint() {
                eprintln!("hint: {hint}");
            }
        }
        OutputFormat::Json => {
            let timestamp = utc_now();
            let spec = args.spec.display().to_string();
            let doc = DriftErrorDocument {
                schema_version: SCHEMA_VERSION,
                kind: "drift_error",
                timestamp: &timestamp,
                spec: &spec,
                error: &message,
            };
            println!("{}", serde_json::to_string(&doc).expect("serializable"));
        }
    }
}

/// The period ±10%, so that many schedulers started together do not call AWS in step.
fn jittered(period: Duration) -> Duration {
    period.mul_f64(fastrand::f64().mul_add(0.2, 0.9))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter() {
        let p = Duration::from_secs(900);
        let waits: Vec<Duration> = (0..200).map(|_| jittered(p)).collect();
        for j in &waits {
            assert!(
                *j >= Duration::from_secs(810) && *j <= Duration::from_secs(990),
                "{j:?}"
            );
        }
        assert!(waits.iter().any(|j| *j != waits[0]), "the waits vary");
    }

    #[test]
    fn intervals() {
        use crate::cli::parse_interval;
        assert_eq!(parse_interval("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_interval("90"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_interval("1h"), Ok(Duration::from_secs(3600)));
        assert!(parse_interval("0s").is_err());
        assert!(parse_interval("5w").is_err());
        assert!(parse_interval("m").is_err());
    }
}
