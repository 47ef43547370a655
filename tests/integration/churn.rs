//! A shared account: while this stack plans, drifts and applies in a loop, another actor keeps
//! creating and deleting repositories, roles and policies named with the project prefix (some
//! tagged for other stacks, some untagged). Whatever vanishes between a listing and a read, every
//! run of this stack reports no changes and fails nothing.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use crate::faults::example_spec;
use crate::harness::{Account, path_str};

const ROUNDS: usize = 5;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const DOCUMENT: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:DescribeRepositories","Resource":"*"}]}"#;

/// What the other actor did.
#[derive(Default)]
struct Churned {
    created: AtomicUsize,
    deleted: AtomicUsize,
}

/// Creates and at once deletes a repository, a role and a policy per cycle until `stop`.
async fn churn(acct: Arc<Account>, stop: Arc<AtomicBool>, done: Arc<Churned>) {
    let (ecr, iam) = (acct.raw_ecr().await, acct.raw_iam().await);
    let mut i = 0u32;
    while !stop.load(Ordering::Relaxed) {
        i += 1;
        // Every other cycle the things belong to another stack; the rest are untagged.
        let stack_tag = i.is_multiple_of(2).then(|| format!("other-{}", i % 3));
        let repo = format!("betekk-churn-{i}");
        let mut create = ecr.create_repository().repository_name(&repo);
        if let Some(stack) = &stack_tag {
            create = create.tags(
                aws_sdk_ecr::types::Tag::builder()
                    .key("betekk-ecr:stack")
                    .value(stack)
                    .build()
                    .unwrap(),
            );
        }
        let role = format!("BETEKK-Churn{i}");
        let mut create_role = iam
            .create_role()
            .role_name(&role)
            .assume_role_policy_document(TRUST);
        let policy = format!("betekk-Churn{i}");
        let mut create_policy = iam
            .create_policy()
            .policy_name(&policy)
            .policy_document(DOCUMENT);
        if let Some(stack) = &stack_tag {
            let tag = aws_sdk_iam::types::Tag::builder()
                .key("betekk-ecr:stack")
                .value(stack)
                .build()
                .unwrap();
            create_role = create_role.tags(tag.clone());
            create_policy = create_policy.tags(tag);
        }
        let (r, ro, p) = tokio::join!(create.send(), create_role.send(), create_policy.send());
        let policy_arn = p
            .expect("create a churn policy")
            .policy()
            .and_then(|p| p.arn())
            .map(str::to_string)
            .unwrap();
        r.expect("create a churn repository");
        ro.expect("create a churn role");
        done.created.fetch_add(3, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_millis(u64::from(i % 5) * 15)).await;
        let (r, ro, p) = tokio::join!(
            ecr.delete_repository().repository_name(&repo).send(),
            iam.delete_role().role_name(&role).send(),
            iam.delete_policy().policy_arn(&policy_arn).send(),
        );
        r.expect("delete a churn repository");
        ro.expect("delete a churn role");
        p.expect("delete a churn policy");
        done.deleted.fetch_add(3, Ordering::Relaxed);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stack_run_while_others_churn_in_its_account_reports_no_changes() {
    let acct = Arc::new(Account::new());
    let spec = acct.write_spec("probe.yaml", &example_spec(false));
    let spec = path_str(&spec).to_string();
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);

    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(Churned::default());
    let churner = tokio::spawn(churn(acct.clone(), stop.clone(), done.clone()));
    let mut runs = 0;
    let deleted_before = done.deleted.load(Ordering::Relaxed);
    for round in 0..ROUNDS {
        let (a, s) = (acct.clone(), spec.clone());
        let [plan, drift, apply] = tokio::task::spawn_blocking(move || {
            [
                a.run(&["plan", &s, "--detailed-exitcode"]),
                a.run(&["drift", &s, "--fail-on", "drifted", "--output", "json"]),
                a.run(&["apply", &s, "--yes", "--output", "json"]),
            ]
        })
        .await
        .unwrap();
        plan.expect_code(0);
        drift.expect_code(0);
        apply.expect_code(0);
        let report = apply.json();
        assert!(
            report["changes"].as_array().is_none_or(Vec::is_empty),
            "round {round}: {report:#}"
        );
        runs += 3;
    }
    stop.store(true, Ordering::Relaxed);
    churner.await.expect("the churn ran without errors");
    let deleted = done.deleted.load(Ordering::Relaxed) - deleted_before;
    eprintln!(
        "churn: {runs} runs (plan, drift, apply) with no changes and no failures, while another actor created {} and deleted {deleted} prefix-named repositories, roles and policies",
        done.created.load(Ordering::Relaxed)
    );
    assert!(deleted > 0, "nothing was deleted during the runs");
}
