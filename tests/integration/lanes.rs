//! Lanes over the wire: three accounts (each through an assumed role) × two regions, read through
//! the fault proxy holding every request 100 ms, as a far region would. Overlap is shown by
//! counting calls in flight (each lane's own count and the proxy's), never by timing.

use serde_json::Value;

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, path_str};

const REGIONS: [&str; 2] = ["ap-southeast-1", "ap-southeast-2"];
const REPOSITORIES: usize = 12;
const WINDOW: u64 = 3;

fn spec(accounts: &[String]) -> String {
    let targets: String = accounts
        .iter()
        .enumerate()
        .map(|(i, a)| format!("  - {{name: t{i}, account: \"{a}\", role: Provisioner}}\n"))
        .collect();
    let repositories: String = (0..REPOSITORIES)
        .map(|i| format!("  - name: \"{{prefix}}-lanes-{i}\"\n"))
        .collect();
    format!(
        "version: 1\nstack: lanes\nregions: [{}]\ntargets:\n{targets}repositories:\n{repositories}",
        REGIONS.join(", ")
    )
}

#[tokio::test]
async fn several_accounts_are_read_side_by_side_each_lane_full_at_its_own_window() {
    let caller = Account::new();
    let accounts: Vec<String> = (0..3).map(|_| Account::new().id).collect();
    let file = caller.write_spec("lanes.yaml", &spec(&accounts));
    let file = path_str(&file);
    caller.run(&["apply", file, "--yes"]).expect_code(0);

    let proxy = FaultProxy::start(
        1,
        &Faults {
            latency_ms: Some(100),
            ..Faults::default()
        },
    );
    let window = WINDOW.to_string();
    let plan = caller.run_via(
        proxy.url(),
        &["plan", file, "--output", "json", "--parallelism", &window],
    );
    plan.expect_code(0);
    let doc = plan.json();
    let targets = doc["targets"].as_array().expect("a target list");
    assert_eq!(targets.len(), accounts.len() * REGIONS.len());
    for target in targets {
        let (account, region) = (
            target["account"].as_str().unwrap(),
            target["region"].as_str().unwrap(),
        );
        let lanes = &target["stats"]["lanes"];
        let ecr: &Value = &lanes[format!("ecr {account} {region}")];
        // The listing, then 3 reads a repository: 36 reads wanting to go at once, 3 at a time.
        assert_eq!(ecr["calls"], 1 + 3 * REPOSITORIES as u64, "{lanes}");
        assert_eq!(ecr["peak_in_flight"], WINDOW, "the lane was full: {lanes}");
        for (name, lane) in lanes.as_object().unwrap() {
            assert!(
                lane["peak_in_flight"].as_u64().unwrap() <= WINDOW,
                "{name} above its window: {lane}"
            );
        }
    }
    // On the wire: the six ECR lanes overlapped. One bound of 3 for the whole run (the contract
    // before lanes) would never have let more than 3 requests of all services through at once.
    let peak = &proxy.stats()["peak_in_flight"];
    let ecr = peak["ecr"].as_u64().unwrap();
    assert!(
        ecr >= 2 * WINDOW,
        "at least two accounts' ECR lanes at once: {peak}"
    );
}

#[tokio::test]
async fn every_throttling_answer_is_counted_in_its_lane_and_cuts_its_window() {
    let account = Account::new();
    let spec = (0..REPOSITORIES)
        .map(|i| format!("  - name: \"{{prefix}}-throttled-{i}\"\n"))
        .collect::<String>();
    let file = account.write_spec(
        "throttled.yaml",
        &format!("version: 1\nstack: throttled\nrepositories:\n{spec}"),
    );
    let file = path_str(&file);
    account.run(&["apply", file, "--yes"]).expect_code(0);
    let proxy = FaultProxy::start(
        7,
        &Faults {
            throttle: 0.3,
            only: vec!["ListTagsForResource", "GetLifecyclePolicy"],
            ..Faults::default()
        },
    );
    let plan = account.run_via(proxy.url(), &["plan", file, "--output", "json"]);
    plan.expect_code(0);
    let lanes = plan.json()["stats"]["lanes"].clone();
    let (ecr_name, ecr) = lanes
        .as_object()
        .unwrap()
        .iter()
        .find(|(name, _)| name.starts_with("ecr "))
        .expect("an ECR lane");
    let injected = proxy.injected("throttle");
    assert!(injected > 0, "the seed throttles something");
    assert_eq!(ecr["throttles"], injected, "{ecr_name}: {ecr}");
    assert!(
        ecr["min_window"].as_u64().unwrap() < 16,
        "a throttled lane halves its window: {ecr}"
    );
    for (name, lane) in lanes.as_object().unwrap() {
        if !name.starts_with("ecr ") {
            assert_eq!(lane["throttles"], 0, "{name}: only ECR was throttled");
            assert_eq!(lane["min_window"], 16, "{name} kept its window");
        }
    }
}
