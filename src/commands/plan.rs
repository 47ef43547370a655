//! `plan`: read, compare, print; change nothing.

use super::Exit;
use std::path::Path;

use super::session::{Session, open};
use crate::cli::{GlobalArgs, OutputFormat, PlanArgs};
use crate::error::Error;
use crate::live::Aws;
use crate::plan::saved::{
    KIND, SAVED_PLAN_VERSION, SavedPlan, SpecFile, observed_fingerprints, sha256_hex,
};
use crate::render::markdown::{self, COMMENT_LIMIT, Scope};
use crate::render::{Style, human, json};

pub async fn run(global: &GlobalArgs, args: &PlanArgs) -> Result<Exit, Error> {
    let session = open(global, &args.spec).await?;
    if let Some(out) = &args.out {
        save(&session, &args.spec, out)?;
    }
    let stats = session.client.stats();
    match global.output {
        OutputFormat::Human => {
            print!("{}", human::plan(&session.plan, Style::for_stdout()));
            if global.stats {
                eprintln!("{}", human::stats(&stats));
            }
        }
        OutputFormat::Markdown => {
            let scope = Scope {
                stack: &session.spec.desired.stack,
                account: &session.observed.identity.account,
                region: &session.spec.desired.region,
            };
            print!("{}", markdown::plan(&session.plan, scope, COMMENT_LIMIT));
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

fn save(session: &Session, spec_path: &Path, out: &Path) -> Result<(), Error> {
    let bytes = std::fs::read(spec_path).map_err(|source| Error::Io {
        what: format!("cannot read {}", spec_path.display()),
        source,
    })?;
    let saved = SavedPlan {
        schema_version: SAVED_PLAN_VERSION,
        kind: KIND.into(),
        created: super::drift::utc_now(),
        account: session.observed.identity.account.clone(),
        region: session.spec.desired.region.clone(),
        stack: session.spec.desired.stack.clone(),
        spec: SpecFile {
            path: spec_path.display().to_string(),
            sha256: sha256_hex(&bytes),
        },
        observed: observed_fingerprints(&session.spec.desired, &session.observed),
        plan: session.plan.clone(),
    };
    std::fs::write(out, json::to_string(&saved)).map_err(|source| Error::Io {
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
