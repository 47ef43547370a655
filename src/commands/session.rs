//! What the commands share: load the spec, choose regions and targets, connect (assuming a
//! target's role), read live state and plan, for every account and region at once.

use std::path::Path;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::live::sdk::{AssumeRole, ConnectOptions, SdkAws};
use crate::model::target::choose_regions;
use crate::observe::{Limit, Observed, observe_limited};
use crate::plan::{Plan, plan};
use crate::spec::placement::Unit;
use crate::spec::{self, Spec};

/// Loads the spec and prints its warnings to stderr.
pub fn load_spec(path: &Path) -> Result<Spec, Error> {
    let spec = spec::load(path)?;
    for warning in &spec.warnings {
        eprintln!("{warning}");
    }
    Ok(spec)
}

/// The regions this run works in: the spec's (all, or the one `--region` selects), else
/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the default. Says once when the environment
/// names a region the spec overrules.
pub fn regions(global: &GlobalArgs, spec: &Spec) -> Result<Vec<String>, Error> {
    let env = std::env::var("AWS_REGION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let choice = choose_regions(
        &spec.placement.regions,
        global.region.as_deref(),
        env.as_deref(),
    )
    .map_err(Error::Refused)?;
    if let Some(note) = &choice.note {
        eprintln!("{note}");
    }
    Ok(choice.regions)
}

/// The one region of a command that works in one (the first of [`regions`]).
pub fn region(global: &GlobalArgs, spec: &Spec) -> Result<String, Error> {
    Ok(regions(global, spec)?.remove(0))
}

/// An SDK client as the global flags describe it.
pub async fn connect(global: &GlobalArgs, region: &str) -> SdkAws {
    connect_as(global, region, None).await
}

/// A client in `region`, as the caller or (`role`) through a role assumed with STS.
pub async fn connect_as(global: &GlobalArgs, region: &str, role: Option<AssumeRole>) -> SdkAws {
    SdkAws::connect(&ConnectOptions {
        region: region.to_string(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone().filter(|e| !e.is_empty()),
        max_attempts: global.max_attempts,
        static_credentials: None,
        assume_role: role,
    })
    .await
}

/// The partition a region belongs to (for a target's role given by name).
fn partition_of(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// The role a unit's target is reached through: session `betekk-ecr-<stack>`, one hour,
/// refreshed by the SDK when a run outlives it.
pub fn assume_role_of(unit: &Unit) -> Option<AssumeRole> {
    unit.target.as_ref().map(|t| AssumeRole {
        role_arn: t
            .role_arn
            .replace("{partition}", partition_of(&unit.region)),
        external_id: t.external_id.clone(),
        session_name: format!("betekk-ecr-{}", unit.desired.stack),
        duration: std::time::Duration::from_secs(3600),
    })
}

/// One account and region, read and planned.
pub struct Opened {
    pub unit: Unit,
    pub client: SdkAws,
    pub observed: Observed,
    pub plan: Plan,
}

/// Reads and plans every unit concurrently; `--parallelism` bounds the calls in flight across all
/// of them. One unit's failure is its own: the others are still read and planned.
pub async fn open_units(
    global: &GlobalArgs,
    spec: &Spec,
) -> Result<Vec<Result<Opened, (Unit, Error)>>, Error> {
    let chosen = regions(global, spec)?;
    let units = spec
        .placement
        .units(&spec.desired, &chosen, global.target.as_deref())
        .map_err(Error::Refused)?;
    let limit = Limit::new(usize::from(global.parallelism));
    if global.output != OutputFormat::Json {
        let labels: Vec<String> = units.iter().map(Unit::label).collect();
        eprintln!("Reading live state in {}...", labels.join(", "));
    }
    let opened = units.into_iter().map(|unit| {
        let limit = &limit;
        async move {
            let client = connect_as(global, &unit.region, assume_role_of(&unit)).await;
            let observed = match observe_limited(&client, &unit.desired, limit).await {
                Ok(o) => o,
                Err(e) => return Err((unit, Error::Observe(e))),
            };
            // A wrong role ARN must not provision the wrong account.
            if let Some(t) = &unit.target
                && observed.identity.account != t.account
            {
                let error = Error::Refused(format!(
                    "target {}: the role {} signs in to account {}, not the target's {}; nothing was changed",
                    t.name, t.role_arn, observed.identity.account, t.account
                ));
                return Err((unit, error));
            }
            match plan(&unit.desired, &observed) {
                Ok(plan) => Ok(Opened {
                    unit,
                    client,
                    observed,
                    plan,
                }),
                Err(e) => Err((unit, Error::Plan(e))),
            }
        }
    });
    Ok(futures::future::join_all(opened).await)
}
