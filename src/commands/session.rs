//! What the commands share: load the spec, choose regions and targets, connect (assuming a
//! target's role), read live state and plan, for every account and region at once.

use std::path::Path;

use crate::cli::{GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::live::Aws;
use crate::live::lanes::Lanes;
use crate::live::sdk::{AssumeRole, ConnectOptions, SdkAws};
use crate::model::Observed;
use crate::model::target::choose_regions;
use crate::observe::{Limit, observe_limited};
use crate::plan::{Plan, plan};
use crate::spec::placement::Unit;
use crate::spec::{self, Spec};

/// Loads the spec and prints its warnings to stderr.
pub(crate) fn load_spec(path: &Path) -> Result<Spec, Error> {
    let spec = spec::load(path)?;
    for warning in &spec.warnings {
        eprintln!("{warning}");
    }
    Ok(spec)
}

/// The regions this run works in: the spec's (all, or the one `--region` selects), else
/// `--region`, `AWS_REGION`, `AWS_DEFAULT_REGION`, the default. Says once when the environment
/// names a region the spec overrules.
pub(crate) fn regions(global: &GlobalArgs, spec: &Spec) -> Result<Vec<String>, Error> {
    regions_of(global, &spec.placement.regions)
}

/// [`regions`] for the regions a spec names (none for a command without a spec: `import`).
pub(crate) fn regions_of(global: &GlobalArgs, named: &[String]) -> Result<Vec<String>, Error> {
    let env = std::env::var("AWS_REGION")
        .ok()
        .filter(|r| !r.is_empty())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok());
    let choice =
        choose_regions(named, global.region.as_deref(), env.as_deref()).map_err(Error::Refused)?;
    if let Some(note) = &choice.note {
        eprintln!("{note}");
    }
    Ok(choice.regions)
}

/// The one region of a command that works in one (the first of [`regions`]).
pub(crate) fn region(global: &GlobalArgs, spec: &Spec) -> Result<String, Error> {
    Ok(regions(global, spec)?.remove(0))
}

/// An SDK client as the global flags describe it.
pub(crate) async fn connect(global: &GlobalArgs, region: &str) -> SdkAws {
    connect_as(global, region, None).await
}

/// The lanes of this run (`live::lanes`): one process is one run, so every client of it shares
/// them, whichever command connects.
pub(crate) fn lanes(global: &GlobalArgs) -> Lanes {
    static LANES: std::sync::OnceLock<Lanes> = std::sync::OnceLock::new();
    LANES
        .get_or_init(|| {
            let window = usize::from(global.parallelism);
            let cap = global.max_in_flight.map_or(64 * window, |cap| {
                usize::try_from(cap).unwrap_or(usize::MAX)
            });
            Lanes::new(window, cap)
        })
        .clone()
}

/// The account a client's calls are metered to, for its lanes: the assumed role's, else the
/// credentials' own (`caller`: known only after the first call, and the same for every such
/// client of a run).
fn lane_account(role: Option<&AssumeRole>) -> String {
    role.and_then(|r| r.role_arn.split(':').nth(4))
        .filter(|account| !account.is_empty())
        .map_or_else(|| "caller".to_string(), str::to_string)
}

/// A client in `region`, as the caller or (`role`) through a role assumed with STS.
pub(crate) async fn connect_as(
    global: &GlobalArgs,
    region: &str,
    role: Option<AssumeRole>,
) -> SdkAws {
    let lanes = Some((lanes(global), lane_account(role.as_ref())));
    SdkAws::connect(&ConnectOptions {
        region: region.to_string(),
        profile: global.profile.clone(),
        endpoint_url: global.endpoint_url.clone().filter(|e| !e.is_empty()),
        max_attempts: global.max_attempts,
        static_credentials: None,
        assume_role: role,
        lanes,
    })
    .await
}

/// The partition a region belongs to (for a target's role given by name).
pub(crate) fn partition_of(region: &str) -> &'static str {
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
pub(crate) fn assume_role_of(unit: &Unit) -> Option<AssumeRole> {
    unit.target.as_ref().map(|t| AssumeRole {
        role_arn: t
            .role_arn
            .replace("{partition}", partition_of(unit.region())),
        external_id: t.external_id.clone(),
        session_name: format!("betekk-ecr-{}", unit.desired.stack),
        duration: std::time::Duration::from_secs(3600),
    })
}

/// One account and region, read and planned.
pub(crate) struct Opened<C = SdkAws> {
    pub(crate) unit: Unit,
    pub(crate) client: C,
    pub(crate) observed: Observed,
    pub(crate) plan: Plan,
}

/// Every unit with the error that stopped it, or read and planned.
pub(crate) type Opening<C = SdkAws> = Vec<Outcome<C>>;

/// One unit read and planned, or why not.
pub(crate) type Outcome<C = SdkAws> = Result<Opened<C>, (Unit, Error)>;

/// Reads and plans every unit concurrently; each lane (`live::lanes`: a service in an account and
/// region) bounds its own calls in flight, so targets do not wait for each other. One unit's
/// failure is its own: the others are still read and planned.
pub(crate) async fn open_units(global: &GlobalArgs, spec: &Spec) -> Result<Opening, Error> {
    Ok(open(global, units_of(global, spec)?, &|_| {}).await)
}

/// What a command does with one unit as soon as it is read and planned (human output of many
/// targets shows each as it completes; JSON keeps the spec's order).
pub(crate) type OnEach<'a> = &'a (dyn Fn(&Outcome) + Sync);

/// [`open_units`], calling `each` as each unit is read and planned.
pub(crate) async fn open_units_each(
    global: &GlobalArgs,
    spec: &Spec,
    each: OnEach<'_>,
) -> Result<Opening, Error> {
    Ok(open(global, units_of(global, spec)?, each).await)
}

/// The accounts and regions this run works in: the spec's placements in the chosen regions,
/// for every target or the one `--target` names.
pub(crate) fn units_of(global: &GlobalArgs, spec: &Spec) -> Result<Vec<Unit>, Error> {
    let chosen = regions(global, spec)?;
    spec.placement
        .units(&spec.desired, &chosen, global.target.as_deref())
        .map_err(Error::Refused)
}

/// [`open_units`] for units already chosen.
pub(crate) async fn open(global: &GlobalArgs, units: Vec<Unit>, each: OnEach<'_>) -> Opening {
    if global.output != OutputFormat::Json {
        let labels: Vec<String> = units.iter().map(Unit::label).collect();
        eprintln!("Reading live state in {}...", labels.join(", "));
    }
    let limit = Limit::lanes(usize::from(global.parallelism));
    // With many targets the wait is long: a line as each is read, counting them.
    let total = units.len();
    let read = std::sync::atomic::AtomicUsize::new(0);
    let show = global.output != OutputFormat::Json && total > 1;
    let progress = |unit: &Unit, failed: bool| {
        if show {
            let k = read.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
            let outcome = if failed { " (failed)" } else { "" };
            eprintln!("Read {k}/{total}: {}{outcome}", unit.label());
        }
    };
    open_each(
        units,
        &limit,
        async |unit: &Unit| connect_as(global, unit.region(), assume_role_of(unit)).await,
        &progress,
        each,
    )
    .await
}

/// The one unit of a spec that does not fan out.
pub(crate) fn single(units: Opening) -> Result<Opened, Error> {
    units
        .into_iter()
        .next()
        .expect("a spec has at least one unit")
        .map_err(|(_, e)| e)
}

/// Every unit read (under one shared limit) and planned at once, each on its own; `read` is told
/// as each unit's reads end (`true`: they failed), and `each` is given each unit's outcome as it is
/// ready.
pub(crate) async fn open_each<C: Aws>(
    units: Vec<Unit>,
    limit: &Limit,
    connect: impl AsyncFn(&Unit) -> C,
    read: &(dyn Fn(&Unit, bool) + Sync),
    each: &(dyn Fn(&Outcome<C>) + Sync),
) -> Opening<C> {
    let connect = &connect;
    let opened = units.into_iter().map(|unit| async move {
        let outcome = open_one(unit, limit, connect, read).await;
        each(&outcome);
        outcome
    });
    futures::future::join_all(opened).await
}

async fn open_one<C: Aws>(
    unit: Unit,
    limit: &Limit,
    connect: &impl AsyncFn(&Unit) -> C,
    read: &(dyn Fn(&Unit, bool) + Sync),
) -> Outcome<C> {
    {
        let client = connect(&unit).await;
        let observed = observe_limited(&client, &unit.desired, limit).await;
        read(&unit, observed.is_err());
        let observed = match observed {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::live::ErrorKind;
    use crate::live::fake::FakeAws;
    use crate::testing::spec;

    /// Two accounts × two regions on the fake; `broken` fails its listing of repositories.
    const SPEC: &str = "version: 1\nstack: multi\nregions: [ap-southeast-1, ap-southeast-2]\ntargets:\n  - {name: prod, account: \"111111111111\", role: P}\n  - {name: staging, account: \"222222222222\", role: P}\nrepositories: [{name: app}]\n";

    #[tokio::test(flavor = "current_thread")]
    async fn each_unit_is_read_and_planned_on_its_own_and_a_wrong_account_is_refused() {
        let s = spec(SPEC);
        let units = s
            .placement
            .units(&s.desired, &s.placement.regions, None)
            .unwrap();
        let fakes: std::collections::BTreeMap<(String, String), FakeAws> = units
            .iter()
            .map(|u| {
                let t = u.target.as_ref().unwrap();
                // staging's role signs in to the wrong account.
                let account = if t.name == "staging" {
                    "333333333333"
                } else {
                    t.account.as_str()
                };
                (
                    (t.name.clone(), u.region().to_string()),
                    FakeAws::new(account, u.region()),
                )
            })
            .collect();
        fakes[&("prod".to_string(), "ap-southeast-2".to_string())].fail(
            "ecr:DescribeRepositories",
            None,
            ErrorKind::AccessDenied,
            1,
        );
        let limit = Limit::new(2);
        let read = std::sync::Mutex::new(Vec::new());
        let done = std::sync::Mutex::new(Vec::new());
        let opened = open_each(
            units,
            &limit,
            async |u: &Unit| {
                fakes[&(
                    u.target.as_ref().unwrap().name.clone(),
                    u.region().to_string(),
                )]
                    .clone()
            },
            &|u: &Unit, failed| read.lock().unwrap().push((u.label(), failed)),
            &|o: &Result<Opened<FakeAws>, (Unit, Error)>| {
                let (label, ok) = match o {
                    Ok(o) => (o.unit.label(), true),
                    Err((u, _)) => (u.label(), false),
                };
                done.lock().unwrap().push((label, ok));
            },
        )
        .await;
        let mut read = read.into_inner().unwrap();
        read.sort();
        assert_eq!(
            read.iter().map(|(_, failed)| *failed).collect::<Vec<_>>(),
            [false, true, false, false],
            "each unit told once as its reads end, prod's Sydney failed: {read:?}"
        );
        let mut done = done.into_inner().unwrap();
        done.sort();
        assert_eq!(
            done.iter().map(|(_, ok)| *ok).collect::<Vec<_>>(),
            [true, false, false, false],
            "each unit's outcome handed on once as it is ready (human output prints it then), staging refused: {done:?}"
        );
        let outcome: Vec<(String, Result<usize, String>)> = opened
            .iter()
            .map(|o| match o {
                Ok(o) => (o.unit.label(), Ok(o.plan.changes.len())),
                Err((u, e)) => (u.label(), Err(crate::error::chain(e))),
            })
            .collect();
        assert_eq!(outcome.len(), 4);
        assert_eq!(
            outcome[0],
            ("prod (111111111111) ap-southeast-1".to_string(), Ok(1))
        );
        assert!(
            outcome[1]
                .1
                .as_ref()
                .unwrap_err()
                .contains("ecr:DescribeRepositories"),
            "{outcome:?}"
        );
        for staging in &outcome[2..] {
            let e = staging.1.as_ref().unwrap_err();
            assert!(
                e.contains("signs in to account 333333333333, not the target's 222222222222"),
                "{e}"
            );
        }
        // Nothing was written anywhere: opening only reads.
        assert!(fakes.values().all(|f| f.stats().writes() == 0));
    }
}
