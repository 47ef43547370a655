//! Applies started together: four of one spec end cleanly, converge and duplicate nothing, and no
//! policy ever holds more than five versions; two stacks in one account keep to their own resources.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures::future::join_all;

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, Run, endpoint, path_str};

use super::{assert_honest, assert_no_duplicates, example_spec, expected, fill_policy_versions};

/// Runs `apply SPEC` in `count` processes started together, against `url`.
async fn applies_together(acct: &Arc<Account>, url: &str, spec: &str, count: usize) -> Vec<Run> {
    let runs = (0..count).map(|_| {
        let (acct, url, spec) = (acct.clone(), url.to_string(), spec.to_string());
        tokio::task::spawn_blocking(move || {
            // The executor's own races: without the stack's lock, which would let one through.
            acct.run_via(
                &url,
                &["apply", &spec, "--yes", "--output", "json", "--no-lock"],
            )
        })
    });
    join_all(runs)
        .await
        .into_iter()
        .map(|r| r.expect("apply thread"))
        .collect()
}

fn codes(runs: &[Run]) -> Vec<i32> {
    runs.iter().map(|r| r.code).collect()
}

/// Watches a policy's version count until `stop`; returns the highest seen.
fn watch_versions(
    acct: &Arc<Account>,
    policy: &str,
    stop: Arc<AtomicBool>,
) -> tokio::task::JoinHandle<usize> {
    let (acct, arn) = (
        acct.clone(),
        format!("arn:aws:iam::{}:policy/{policy}", acct.id),
    );
    tokio::spawn(async move {
        let iam = acct.raw_iam().await;
        let most = AtomicUsize::new(0);
        while !stop.load(Ordering::Relaxed) {
            if let Ok(out) = iam.list_policy_versions().policy_arn(&arn).send().await {
                most.fetch_max(out.versions().len(), Ordering::Relaxed);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        most.into_inner()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_applies_of_one_spec_at_once_end_cleanly_and_duplicate_nothing() {
    four_applies_together(endpoint()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_applies_of_one_spec_with_calls_reordered_by_delays_end_cleanly() {
    // A third of the calls held 50-400 ms: one apply's write lands between another's read and
    // its own write.
    let proxy = FaultProxy::start(
        5,
        &Faults {
            delay: 0.33,
            ..Faults::default()
        },
    );
    four_applies_together(proxy.url()).await;
    assert!(proxy.injected("delay") > 0);
}

async fn four_applies_together(url: &str) {
    let acct = Arc::new(Account::new());
    let v1 = acct.write_spec("v1.yaml", &example_spec(false));
    let v2 = acct.write_spec("v2.yaml", &example_spec(true));
    let (v1, v2) = (path_str(&v1), path_str(&v2));

    // From empty: four creators of everything.
    let runs = applies_together(&acct, url, v1, 4).await;
    for (i, run) in runs.iter().enumerate() {
        assert_honest(run, &format!("apply {i} from empty"));
    }
    eprintln!("four applies from empty: exit codes {:?}", codes(&runs));
    acct.run(&["plan", v1, "--detailed-exitcode"])
        .expect_code(0);
    assert_no_duplicates(&acct, &expected(false)).await;

    // A change at the version limit: four writers of the fifth version.
    fill_policy_versions(&acct, "betekk-ECRUploadPolicy", 4).await;
    let stop = Arc::new(AtomicBool::new(false));
    let most = watch_versions(&acct, "betekk-ECRUploadPolicy", stop.clone());
    let runs = applies_together(&acct, url, v2, 4).await;
    stop.store(true, Ordering::Relaxed);
    let succeeded = runs
        .iter()
        .enumerate()
        .filter(|(i, run)| assert_honest(run, &format!("apply {i} of the change")))
        .count();
    assert!(succeeded >= 1, "none of the four applies succeeded");
    let most = most.await.unwrap();
    eprintln!(
        "four applies of a change at the version limit: exit codes {:?}, at most {most} versions",
        codes(&runs)
    );
    assert!(most <= 5, "the policy had {most} versions");
    acct.run(&["plan", v2, "--detailed-exitcode"])
        .expect_code(0);
    assert_no_duplicates(&acct, &expected(true)).await;
}

/// The example renamed into another stack: its own repositories, policies and roles.
fn other_stack(second_version: bool) -> String {
    example_spec(second_version)
        .replace("probe-engine", "billing")
        .replace("ECRUploadPolicy", "BillingUploadPolicy")
        .replace("LambdaDeployPolicy", "BillingLambdaPolicy")
        .replace("GithubWorkflows", "BillingWorkflows")
}

/// Names and stack tags of the account's repositories, roles and policies.
async fn owners(acct: &Account) -> Vec<(String, Option<String>)> {
    let (ecr, iam) = (acct.raw_ecr().await, acct.raw_iam().await);
    let stack_of = |tags: Vec<(String, String)>| {
        tags.into_iter()
            .find(|(k, _)| k == "betekk-ecr:stack")
            .map(|(_, v)| v)
    };
    let mut owners = Vec::new();
    for repo in ecr
        .describe_repositories()
        .send()
        .await
        .unwrap()
        .repositories()
    {
        let tags = ecr
            .list_tags_for_resource()
            .resource_arn(repo.repository_arn().unwrap())
            .send()
            .await
            .unwrap()
            .tags
            .unwrap_or_default();
        owners.push((
            format!("repository {}", repo.repository_name().unwrap()),
            stack_of(tags.into_iter().map(|t| (t.key, t.value)).collect()),
        ));
    }
    for role in iam.list_roles().send().await.unwrap().roles() {
        let tags = iam
            .list_role_tags()
            .role_name(role.role_name())
            .send()
            .await
            .unwrap()
            .tags;
        owners.push((
            format!("role {}", role.role_name()),
            stack_of(tags.into_iter().map(|t| (t.key, t.value)).collect()),
        ));
    }
    for policy in iam
        .list_policies()
        .scope(aws_sdk_iam::types::PolicyScopeType::Local)
        .send()
        .await
        .unwrap()
        .policies()
    {
        let tags = iam
            .list_policy_tags()
            .policy_arn(policy.arn().unwrap())
            .send()
            .await
            .unwrap()
            .tags;
        owners.push((
            format!("policy {}", policy.policy_name().unwrap()),
            stack_of(tags.into_iter().map(|t| (t.key, t.value)).collect()),
        ));
    }
    owners.sort();
    owners
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_stacks_applied_together_keep_to_their_own_resources() {
    let acct = Arc::new(Account::new());
    let probe = acct.write_spec("probe.yaml", &example_spec(false));
    let billing = acct.write_spec("billing.yaml", &other_stack(false));
    let (probe, billing) = (path_str(&probe).to_string(), path_str(&billing).to_string());

    let together = |a: String, b: String| {
        let (acct_a, acct_b) = (acct.clone(), acct.clone());
        async move {
            let a = tokio::task::spawn_blocking(move || {
                acct_a.run(&["apply", &a, "--yes", "--output", "json"])
            });
            let b = tokio::task::spawn_blocking(move || {
                acct_b.run(&["apply", &b, "--yes", "--output", "json"])
            });
            (a.await.unwrap(), b.await.unwrap())
        }
    };
    let (a, b) = together(probe.clone(), billing.clone()).await;
    assert_honest(&a, "probe-engine");
    assert_honest(&b, "billing");
    for spec in [&probe, &billing] {
        acct.run(&["plan", spec, "--detailed-exitcode"])
            .expect_code(0);
    }
    let owned = owners(&acct).await;
    for (resource, stack) in &owned {
        let want = if resource.contains("billing") || resource.contains("Billing") {
            "billing"
        } else {
            "probe-engine"
        };
        assert_eq!(stack.as_deref(), Some(want), "{resource}: {owned:?}");
    }
    assert_eq!(owned.len(), 10, "{owned:?}");

    // One stack replaces its repository by another (a prune) while the other takes its second
    // version: neither touches the other's resources.
    let moved = acct.write_spec(
        "probe-moved.yaml",
        &example_spec(false).replace(
            "\"{prefix}-probe-engine\"",
            "\"{prefix}-probe-engine-next\"",
        ),
    );
    let billing2 = acct.write_spec("billing2.yaml", &other_stack(true));
    let (moved, billing2) = (
        path_str(&moved).to_string(),
        path_str(&billing2).to_string(),
    );
    let (a, b) = together(moved.clone(), billing2.clone()).await;
    assert_honest(&a, "probe-engine moved");
    assert_honest(&b, "billing second version");
    for spec in [&moved, &billing2] {
        acct.run(&["plan", spec, "--detailed-exitcode"])
            .expect_code(0);
    }
    let now = owners(&acct).await;
    let mut wanted: Vec<(String, Option<String>)> = owned
        .into_iter()
        .filter(|(r, _)| r != "repository betekk-probe-engine")
        .collect();
    wanted.push((
        "repository betekk-probe-engine-next".into(),
        Some("probe-engine".into()),
    ));
    wanted.push((
        "repository betekk-billing-worker".into(),
        Some("billing".into()),
    ));
    wanted.sort();
    assert_eq!(now, wanted);
}
