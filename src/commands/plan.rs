//! `plan`: read, compare, print; change nothing.

use super::Exit;
use std::path::Path;

use super::session::{Opened, load_spec, open_units_each};
use crate::cli::{GlobalArgs, OutputFormat, PlanArgs};
use crate::error::Error;
use crate::error::chain;
use crate::live::Aws;
use crate::plan::saved::{
    KIND, SAVED_PLAN_VERSION, SAVED_PLANS_VERSION, SavedPlan, SavedPlans, SpecFile,
    observed_fingerprints, sha256_hex,
};
use crate::render::markdown::{self, COMMENT_LIMIT, Scope};
use crate::render::targets;
use crate::render::{Style, human, json};
use crate::spec::Spec;
use crate::spec::placement::Unit;

pub(crate) async fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    // Human output of many targets shows each plan as soon as it is made.
    let streamed = spec.placement.fans_out() && global.output == OutputFormat::Human;
    let style = Style::for_stdout();
    let shown = std::sync::Mutex::new(());
    let show = |outcome: &Result<Opened, (Unit, Error)>| {
        if !streamed {
            return;
        }
        let _one_at_a_time = shown.lock();
        match outcome {
            Ok(o) => {
                println!("{}", targets::header(&o.unit, style));
                print!("{}", human::plan(&o.plan, style));
                if global.stats {
                    eprintln!("{}: {}", o.unit.label(), human::stats(&o.client.stats()));
                }
            }
            Err((unit, e)) => {
                println!("{}", targets::header(unit, style));
                println!("error: {}\n", chain(e));
            }
        }
    };
    let units = open_units_each(global, &spec, &show).await?;
    if spec.placement.fans_out() {
        return run_many(global, args, &spec, units);
    }
    let opened = super::session::single(units)?;
    if let Some(out) = &args.out {
        save(&[&opened], &args.spec, out)?;
    }
    let stats = opened.client.stats();
    let region = opened.unit.region();
    match global.output {
        OutputFormat::Human => {
            print!("{}", human::plan(&opened.plan, Style::for_stdout()));
            if global.stats {
                eprintln!("{}", human::stats(&stats));
            }
        }
        OutputFormat::Markdown => {
            let scope = Scope {
                stack: &spec.desired.stack,
                account: &opened.observed.identity.account,
                region,
            };
            print!("{}", markdown::plan(&opened.plan, scope, COMMENT_LIMIT));
            if global.stats {
                eprintln!("{}", human::stats(&stats));
            }
        }
        OutputFormat::Json => println!(
            "{}",
            json::to_string(&json::PlanDocument::new(
                &opened.plan,
                &opened.observed.identity.account,
                region,
                &stats,
            ))
        ),
    }
    if let Some(refusal) = args
        .max_lifecycle_expiry
        .and_then(|max| crate::plan::expiry_guard::over_expiry(&opened.plan, max))
    {
        return Err(Error::Refused(refusal));
    }
    Ok(if args.detailed_exitcode && !opened.plan.is_empty() {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

/// Several targets or regions: each planned on its own, all shown, grouped by target.
fn run_many(
    global: &GlobalArgs,
    args: &PlanArgs,
    spec: &Spec,
    units: Vec<Result<Opened, (Unit, Error)>>,
) -> Result<Exit, Error> {
    let failed = units.iter().filter(|u| u.is_err()).count();
    if let Some(out) = &args.out {
        if failed > 0 {
            return Err(Error::Refused(format!(
                "{failed} target(s) could not be planned; no plan was saved"
            )));
        }
        let ok: Vec<&Opened> = units.iter().filter_map(|u| u.as_ref().ok()).collect();
        save(&ok, &args.spec, out)?;
    }
    let style = Style::for_stdout();
    let mut entries = Vec::new();
    let mut changes = false;
    let limit = COMMENT_LIMIT / units.len().max(1);
    for unit in &units {
        match unit {
            Ok(o) => {
                changes |= !o.plan.is_empty();
                let stats = o.client.stats();
                match global.output {
                    // Shown as it was made.
                    OutputFormat::Human => {}
                    OutputFormat::Markdown => {
                        let scope = Scope {
                            stack: &spec.desired.stack,
                            account: &o.observed.identity.account,
                            region: o.unit.region(),
                        };
                        println!("{}", markdown::plan(&o.plan, scope, limit));
                    }
                    OutputFormat::Json => entries.push(targets::entry(
                        &o.unit,
                        json::PlanDocument::new(
                            &o.plan,
                            &o.observed.identity.account,
                            o.unit.region(),
                            &stats,
                        ),
                    )),
                }
            }
            Err((unit, e)) => match global.output {
                OutputFormat::Json => entries.push(targets::failed(unit, &chain(e))),
                OutputFormat::Human => {}
                OutputFormat::Markdown => {
                    println!("{}", targets::header(unit, style));
                    println!("error: {}\n", chain(e));
                }
            },
        }
    }
    if global.output == OutputFormat::Json {
        targets::print(&spec.desired.stack, entries, serde_json::json!({}));
    }
    let refusals: Vec<String> = units
        .iter()
        .filter_map(|u| {
            let o = u.as_ref().ok()?;
            let refusal =
                crate::plan::expiry_guard::over_expiry(&o.plan, args.max_lifecycle_expiry?)?;
            Some(format!("{}: {refusal}", o.unit.label()))
        })
        .collect();
    if !refusals.is_empty() {
        return Err(Error::Refused(refusals.join("\n")));
    }
    Ok(if failed > 0 {
        Exit::Error
    } else if args.detailed_exitcode && changes {
        Exit::Changes
    } else {
        Exit::Ok
    })
}

/// One unit's plan as saved; a spec that fans out saves one per unit under `plans`.
fn saved_unit(opened: &Opened, spec: &SpecFile) -> SavedPlan {
    SavedPlan {
        schema_version: SAVED_PLAN_VERSION,
        kind: KIND.into(),
        created: crate::clock::utc_now(),
        account: opened.observed.identity.account.clone(),
        region: opened.unit.region().to_string(),
        stack: opened.unit.desired.stack.clone(),
        target: opened.unit.target.as_ref().map(|t| t.name.clone()),
        manages_iam: opened.unit.desired.manages_iam,
        spec: spec.clone(),
        observed: observed_fingerprints(&opened.unit.desired, &opened.observed),
        plan: opened.plan.clone(),
    }
}

fn save(opened: &[&Opened], spec_path: &Path, out: &Path) -> Result<(), Error> {
    let bytes = std::fs::read(spec_path).map_err(|source| Error::Io {
        what: format!("cannot read {}", spec_path.display()),
        source,
    })?;
    let spec = SpecFile {
        path: spec_path.display().to_string(),
        sha256: sha256_hex(&bytes),
    };
    let text = match opened {
        [one] if one.unit.target.is_none() => json::to_string(&saved_unit(one, &spec)),
        many => json::to_string(&SavedPlans {
            schema_version: SAVED_PLANS_VERSION,
            kind: KIND.into(),
            plans: many.iter().map(|o| saved_unit(o, &spec)).collect(),
        }),
    };
    std::fs::write(out, text).map_err(|source| Error::Io {
        what: format!("cannot write {}", out.display()),
        source,
    })?;
    eprintln!(
        "Saved the plan to {}. Apply exactly it with: betekk-ecr apply {}",
        out.display(),
        out.display()
    );
    Ok(())
}
