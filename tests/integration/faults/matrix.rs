//! The example spec applied through faults at 0, 5, 20 and 40% of requests, three seeds each: from
//! empty, then a second version (a new repository, a new policy version at IAM's limit, a new
//! attachment) over a repository holding an image. Every kind of fault, lost responses included,
//! is in the mix. Each cell: the faulted apply exits honestly, a clean rerun converges (plan empty),
//! nothing is duplicated and the image is still there.

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, Run, path_str};

use super::{
    assert_honest, assert_no_duplicates, example_spec, expected, fill_policy_versions, image_tags,
};

const SEEDS: [u64; 3] = [1, 2, 3];

/// What the faulted applies of one cell did.
struct Cell {
    injected: u64,
    exit_codes: [i32; 2],
}

/// Runs every seed at `rate_percent`.
async fn cells(rate_percent: u32) -> Vec<Cell> {
    let mut cells = Vec::new();
    for seed in SEEDS {
        cells.push(cell(rate_percent, seed).await);
    }
    cells
}

fn injected(cells: &[Cell]) -> u64 {
    cells.iter().map(|c| c.injected).sum()
}

async fn cell(rate_percent: u32, seed: u64) -> Cell {
    let what = format!("{rate_percent}% faults, seed {seed}");
    let acct = Account::new();
    let v1 = acct.write_spec("v1.yaml", &example_spec(false));
    let v2 = acct.write_spec("v2.yaml", &example_spec(true));
    let (v1, v2) = (path_str(&v1), path_str(&v2));
    let proxy = FaultProxy::start(seed, &Faults::spread(f64::from(rate_percent) / 100.0));
    let apply = |spec| ["apply", "--yes", "--output", "json", spec];

    // From empty, through faults: every create may be lost and retried.
    let first = acct.run_via(proxy.url(), &apply(v1));
    let first_ok = assert_honest(&first, &format!("{what}: apply from empty"));
    if first_ok {
        acct.run(&["plan", v1, "--detailed-exitcode"])
            .expect_code(0);
    }
    acct.run(&apply(v1)).expect_code(0);

    // Data that must survive, and a policy at four versions: the change takes the fifth.
    crate::ecr::push_image(&acct.raw_ecr().await, "betekk-probe-engine").await;
    fill_policy_versions(&acct, "betekk-ECRUploadPolicy", 4).await;

    let second = acct.run_via(proxy.url(), &apply(v2));
    let second_ok = assert_honest(&second, &format!("{what}: apply of the change"));
    if second_ok {
        acct.run(&["plan", v2, "--detailed-exitcode"])
            .expect_code(0);
    }
    acct.run(&apply(v2)).expect_code(0);
    acct.run(&["plan", v2, "--detailed-exitcode"])
        .expect_code(0);

    assert_no_duplicates(&acct, &expected(true)).await;
    assert_eq!(
        image_tags(&acct, "betekk-probe-engine").await,
        ["v1"],
        "{what}: the image is gone"
    );
    let stats = proxy.stats();
    // The matrix of the closing note: `cargo test faults::matrix -- --nocapture`.
    eprintln!(
        "fault matrix: {what}: {} of {} requests faulted {}; apply from empty exit {}, change exit {}{}; \
         converged, no duplicates, image kept",
        stats["faults"],
        stats["requests"],
        stats["by_kind"],
        first.code,
        second.code,
        failed_steps(&first, &second),
    );
    Cell {
        injected: stats["faults"].as_u64().unwrap(),
        exit_codes: [first.code, second.code],
    }
}

/// The failed steps of either run with their errors, for the matrix line.
fn failed_steps(first: &Run, second: &Run) -> String {
    let mut failed = Vec::new();
    for run in [first, second] {
        if let Ok(report) = serde_json::from_str::<serde_json::Value>(&run.stdout) {
            for o in report["outcomes"].as_array().into_iter().flatten() {
                if o["status"] == "failed" {
                    failed.push(format!("{}: {}", o["address"], o["error"]));
                }
            }
        } else if run.code != 0 {
            failed.push(run.stderr.lines().last().unwrap_or("").to_string());
        }
    }
    if failed.is_empty() {
        String::new()
    } else {
        format!(" (failed: {})", failed.join("; "))
    }
}

#[tokio::test]
async fn applies_through_the_proxy_without_faults_succeed_at_once() {
    let cells = cells(0).await;
    assert_eq!(injected(&cells), 0);
    assert!(cells.iter().all(|c| c.exit_codes == [0, 0]));
}

#[tokio::test]
async fn applies_through_5_percent_faults_converge_without_duplicates_or_loss() {
    assert!(injected(&cells(5).await) > 0, "no fault was injected");
}

#[tokio::test]
async fn applies_through_20_percent_faults_converge_without_duplicates_or_loss() {
    assert!(injected(&cells(20).await) > 0, "no fault was injected");
}

#[tokio::test]
async fn applies_through_40_percent_faults_converge_without_duplicates_or_loss() {
    assert!(injected(&cells(40).await) > 0, "no fault was injected");
}

#[tokio::test]
async fn an_apply_whose_calls_never_get_through_fails_honestly_and_the_next_converges() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &example_spec(false));
    let spec = path_str(&spec);
    let proxy = FaultProxy::start(
        9,
        &Faults {
            throttle: 1.0,
            only: vec!["CreateRole"],
            ..Faults::default()
        },
    );
    let run = acct.run_via(
        proxy.url(),
        &[
            "apply",
            spec,
            "--yes",
            "--output",
            "json",
            "--max-attempts",
            "2",
        ],
    );
    assert!(!assert_honest(&run, "every CreateRole throttled"));
    let report = run.json();
    let failed: Vec<&str> = report["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| o["status"] == "failed")
        .map(|o| o["address"].as_str().unwrap())
        .collect();
    assert_eq!(failed.len(), 2, "{report:#}");
    assert!(failed.iter().all(|a| a.starts_with("role.")), "{failed:?}");
    assert!(run.stdout.contains("Throttling"), "{}", run.stdout);
    assert_eq!(proxy.injected("throttle"), 4, "two attempts per role");
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    assert_no_duplicates(&acct, &expected(false)).await;
}
