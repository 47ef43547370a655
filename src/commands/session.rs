//! What plan and apply share: load the spec, connect, read live state, plan.

use std::path::Path;
use std::time::Instant;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::live::sdk::{ConnectOptions, SdkAws};
use crate::observe::{Observed, observe};
use crate::plan::{Plan, plan};
use crate::spec::{self, Spec};

pub struct Session {
    pub spec: Spec,
    pub client: SdkAws,
    pub observed: Observed,
    pub plan: Plan,
}

/// Loads the spec and prints its warnings to stderr.
pub fn load_spec(path: &Path) -> Result<Spec, Error> {
    let spec = spec::load(path)?;
    for warning in &spec.warnings {
        eprintln!("{warning}");
    }
    Ok(spec)
}

/// `--region` / `AWS_REGION` win over the spec's region, which wins over the default.
pub fn region(global: &GlobalArgs, spec: &Spec) -> String {
    global
        .region
        .clone()
        .filter(|r| !r.is_empty())
        .unwrap_or_else(|| spec.desired.region.clone())
}

/// An SDK client as the global flags describe it.
pub async fn connect(global: &GlobalArgs, region: &str) -> SdkAws {
    SdkAws::connect(&ConnectOptions {
        region: region.to_string(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone().filter(|e| !e.is_empty()),
        max_attempts: global.max_attempts,
        static_credentials: None,
    })
    .await
}

pub async fn open(global: &GlobalArgs, path: &Path) -> Result<Session, Error> {
    let mut spec = load_spec(path)?;
    spec.desired.region = region(global, &spec);
    let client = connect(global, &spec.desired.region).await;
    let started = Instant::now();
    if global.output != OutputFormat::Json {
        eprintln!("Reading live state in {}...", spec.desired.region);
    }
    let observed = observe(&client, &spec.desired, usize::from(global.parallelism))
        .await
        .map_err(Error::Observe)?;
    tracing::info!(
        resources = observed.resources.len(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "read live state"
    );
    let plan = plan(&spec.desired, &observed)?;
    Ok(Session {
        spec,
        client,
        observed,
        plan,
    })
}
