//! The executor on IAM, against the fake account: IAM's eventual consistency waited out on the
//! operations and errors that call for it (and only those, and only so long), and the five-version
//! limit of managed policies kept without ever touching the default version.

use crate::kinds::policy::plan::PolicyOp;
use std::cell::RefCell;
use std::time::{Duration, Instant};

use super::*;
use crate::commands::init::starter_spec;
use crate::live::fake::FakeAws;
use crate::live::{Aws, ErrorKind, IamApi};
use crate::model::Role;
use crate::model::{Desired, Kind};
use crate::plan::{Action, Op};
use crate::testing::*;

const UPLOAD_POLICY: &str = "betekk-ECRUploadPolicy";
const DEPLOY_POLICY: &str = "betekk-LambdaDeployPolicy";
const UPLOAD_ROLE: &str = "BETEKK-GithubWorkflowsUploadRole";
const DEPLOY_ROLE: &str = "BETEKK-GithubWorkflowsLambdaDeployRole";
const OTHER_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;

fn standard_set() -> Desired {
    spec(&crate::plan::iam_tests::without_drift_role(&starter_spec(
        "svc", "betekk",
    )))
    .desired
}

fn fast() -> ApplyOptions {
    ApplyOptions {
        retry_base: Duration::from_millis(1),
        consistency_timeout: Duration::from_secs(5),
        ..ApplyOptions::default()
    }
}

/// One `Retrying` event as heard: which change, which attempt, why.
#[derive(Debug, Clone)]
struct Retry {
    address: Address,
    attempt: u32,
    wait: Duration,
    reason: String,
}

/// Applies the plan, collecting the `Retrying` events.
async fn apply_hearing_retries(
    fake: &FakeAws,
    plan: &Plan,
    options: &ApplyOptions,
) -> (Report, Vec<Retry>) {
    let heard = RefCell::new(Vec::new());
    let report = apply(fake, plan, options, &|event| {
        if let Event::Retrying {
            address,
            attempt,
            wait,
            reason,
        } = event
        {
            heard.borrow_mut().push(Retry {
                address: address.clone(),
                attempt,
                wait,
                reason,
            });
        }
    })
    .await;
    (report, heard.into_inner())
}

fn outcome<'a>(report: &'a Report, kind: Kind, name: &str) -> &'a Outcome {
    report
        .outcomes
        .iter()
        .find(|o| o.address == Address::new(kind, name))
        .unwrap_or_else(|| panic!("no outcome for {kind}.{name}: {report:#?}"))
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_iam_calls_invalid_right_after_its_provider_is_retried_until_it_is_created() {
    let fake = FakeAws::default();
    let d = standard_set();
    fake.fail("iam:CreateRole", Some(UPLOAD_ROLE), ErrorKind::Invalid, 2);
    let plan = plan_on(&fake, &d).await;
    let (report, retries) = apply_hearing_retries(&fake, &plan, &fast()).await;

    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(
        outcome(&report, Kind::Role, UPLOAD_ROLE).status,
        Status::Applied
    );
    let heard: Vec<(Address, u32)> = retries
        .iter()
        .map(|r| (r.address.clone(), r.attempt))
        .collect();
    let role = Address::new(Kind::Role, UPLOAD_ROLE);
    assert_eq!(heard, [(role.clone(), 2), (role, 3)]);
    for r in &retries {
        assert!(
            r.reason
                .starts_with("iam:CreateRole answered InjectedInvalid"),
            "{}",
            r.reason
        );
    }
    assert_eq!(
        retries.iter().map(|r| r.wait).collect::<Vec<_>>(),
        [Duration::from_millis(1), Duration::from_millis(2)],
        "the wait doubles"
    );
    // Two refused attempts, then one creation per role.
    assert_eq!(
        fake.stats().calls("iam:CreateRole"),
        2 + d.all::<Role>().count() as u64
    );
    let role = fake.role(UPLOAD_ROLE).expect("created in the end");
    assert_eq!(role.attached_policies, [fake.policy_arn(UPLOAD_POLICY)]);
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn an_error_that_is_not_propagation_fails_at_once() {
    let fake = FakeAws::default();
    let d = standard_set();
    fake.fail(
        "iam:CreateRole",
        Some(UPLOAD_ROLE),
        ErrorKind::AccessDenied,
        5,
    );
    let plan = plan_on(&fake, &d).await;
    let started = Instant::now();
    let (report, retries) = apply_hearing_retries(&fake, &plan, &fast()).await;

    assert!(retries.is_empty(), "{retries:#?}");
    let failed = outcome(&report, Kind::Role, UPLOAD_ROLE);
    assert_eq!(failed.status, Status::Failed);
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.starts_with("AWS iam:CreateRole failed (InjectedAccessDenied)"),
        "{error}"
    );
    assert_eq!(
        fake.stats().calls("iam:CreateRole"),
        standard_set().all::<Role>().count() as u64,
        "one attempt per role"
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // Independent changes went ahead.
    assert_eq!(
        outcome(&report, Kind::Role, DEPLOY_ROLE).status,
        Status::Applied
    );
    assert!(fake.role(UPLOAD_ROLE).is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn propagation_that_outlasts_the_consistency_timeout_fails() {
    let fake = FakeAws::default();
    let d = standard_set();
    fake.fail(
        "iam:CreateRole",
        Some(UPLOAD_ROLE),
        ErrorKind::Invalid,
        10_000,
    );
    let plan = plan_on(&fake, &d).await;
    let options = ApplyOptions {
        consistency_timeout: Duration::from_millis(20),
        ..fast()
    };
    let started = Instant::now();
    let (report, retries) = apply_hearing_retries(&fake, &plan, &options).await;

    let failed = outcome(&report, Kind::Role, UPLOAD_ROLE);
    assert_eq!(failed.status, Status::Failed);
    let error = failed.error.as_deref().unwrap();
    assert!(
        error.starts_with("AWS iam:CreateRole failed (InjectedInvalid)"),
        "{error}"
    );
    assert!(!retries.is_empty(), "it waited before giving up");
    let waited: Duration = retries.iter().map(|r| r.wait).sum();
    assert!(waited <= Duration::from_millis(20), "{retries:#?}");
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        fake.stats().calls("iam:CreateRole"),
        retries.len() as u64 + standard_set().all::<Role>().count() as u64,
        "one call per attempt, plus the other role"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_policy_not_yet_visible_when_attached_is_retried() {
    let fake = FakeAws::default();
    let d = standard_set();
    fake.fail(
        "iam:AttachRolePolicy",
        Some(DEPLOY_ROLE),
        ErrorKind::NotFound,
        2,
    );
    let plan = plan_on(&fake, &d).await;
    let (report, retries) = apply_hearing_retries(&fake, &plan, &fast()).await;

    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(retries.len(), 2, "{retries:#?}");
    for r in &retries {
        assert_eq!(r.address, Address::new(Kind::Role, DEPLOY_ROLE));
        assert!(
            r.reason.starts_with("iam:AttachRolePolicy answered"),
            "{}",
            r.reason
        );
    }
    assert_eq!(
        fake.role(DEPLOY_ROLE).unwrap().attached_policies,
        [fake.policy_arn(DEPLOY_POLICY)]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_policy_still_conflicting_after_its_detach_is_retried_on_delete() {
    let d = standard_set();
    let fake = FakeAws::default();
    let (_, report) = run_apply(&fake, &d, &fast()).await;
    assert!(report.succeeded(), "{report:#?}");
    let arn = fake.policy_arn(DEPLOY_POLICY);
    fake.fail("iam:DeletePolicy", Some(&arn), ErrorKind::Conflict, 2);

    let mut pruned = d.clone();
    pruned
        .resources
        .retain(|r| ![DEPLOY_ROLE, DEPLOY_POLICY].contains(&r.address().name.as_str()));
    let plan = plan_on(&fake, &pruned).await;
    assert_eq!(plan.summary().destroy, 2, "{plan:#?}");
    let (report, retries) = apply_hearing_retries(&fake, &plan, &fast()).await;

    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(retries.len(), 2, "{retries:#?}");
    for r in &retries {
        assert_eq!(r.address, Address::new(Kind::Policy, DEPLOY_POLICY));
        assert!(
            r.reason.starts_with("iam:DeletePolicy answered"),
            "{}",
            r.reason
        );
    }
    assert!(fake.policy(DEPLOY_POLICY).is_none());
    assert!(fake.role(DEPLOY_ROLE).is_none());
}

/// What the version limit case starts from: the policy's versions, oldest first, and which is the
/// default; then which version must make room for the new one.
struct VersionCase {
    name: &'static str,
    /// Versions to end up with (the fake numbers them v1, v2, … and never reuses a number).
    ids: [u32; 5],
    default: u32,
    /// Whether each version is stamped a second after the previous one (else all in one second).
    clock_moves: bool,
    deleted: &'static str,
}

/// Gives the policy exactly the versions `ids` (each holding a document other than the spec's)
/// by creating and deleting through the API, then makes `default` the default.
async fn seed_versions(fake: &FakeAws, name: &str, case: &VersionCase) {
    let arn = fake.policy_arn(name);
    let mut next = 2;
    let mut live: Vec<u32> = vec![1];
    for &id in &case.ids {
        while next <= id {
            if live.len() == 5 {
                // Never the default: each new version became the default when created.
                let oldest = live.remove(0);
                fake.delete_policy_version(&arn, &format!("v{oldest}"))
                    .await
                    .unwrap();
            }
            if case.clock_moves {
                fake.advance_clock(1);
            }
            fake.create_policy_version(&arn, OTHER_DOCUMENT)
                .await
                .unwrap();
            live.push(next);
            next += 1;
        }
    }
    for id in live.clone() {
        if !case.ids.contains(&id) {
            fake.delete_policy_version(&arn, &format!("v{id}"))
                .await
                .unwrap();
        }
    }
    fake.tamper_policy(name, |p| {
        for v in &mut p.versions {
            v.is_default = v.id == format!("v{}", case.default);
            v.document = OTHER_DOCUMENT.into();
        }
    });
    let ids: Vec<String> = fake
        .policy(name)
        .unwrap()
        .versions
        .iter()
        .map(|v| v.id.clone())
        .collect();
    let want: Vec<String> = case.ids.iter().map(|i| format!("v{i}")).collect();
    assert_eq!(ids, want, "{}: seeded", case.name);
}

#[tokio::test(flavor = "current_thread")]
async fn a_new_policy_version_makes_room_by_deleting_the_oldest_non_default_one() {
    let cases = [
        VersionCase {
            name: "the oldest is the default",
            ids: [1, 2, 3, 4, 5],
            default: 1,
            clock_moves: true,
            deleted: "v2",
        },
        VersionCase {
            name: "a middle version is the default",
            ids: [1, 2, 3, 4, 5],
            default: 3,
            clock_moves: true,
            deleted: "v1",
        },
        VersionCase {
            name: "one second for all: ids decide, as numbers (v8 before v10)",
            ids: [8, 9, 10, 11, 12],
            default: 9,
            clock_moves: false,
            deleted: "v8",
        },
        VersionCase {
            name: "one second for all, the oldest is the default",
            ids: [8, 9, 10, 11, 12],
            default: 8,
            clock_moves: false,
            deleted: "v9",
        },
    ];
    let d = standard_set();
    for case in &cases {
        let name = case.name;
        let fake = FakeAws::default();
        let (_, report) = run_apply(&fake, &d, &fast()).await;
        assert!(report.succeeded(), "{name}: {report:#?}");
        seed_versions(&fake, UPLOAD_POLICY, case).await;

        let plan = plan_on(&fake, &d).await;
        assert_eq!(plan.changes.len(), 1, "{name}: {plan:#?}");
        let change = &plan.changes[0];
        assert_eq!(change.action, Action::Update, "{name}");
        // The plan itself names the version that makes room.
        assert!(
            matches!(&change.ops[..], [Op::Policy(PolicyOp::DeletePolicyVersion { version_id, .. }), Op::Policy(PolicyOp::CreatePolicyVersion { .. })] if version_id == case.deleted),
            "{name}: {:?}",
            change.ops
        );
        let before = fake.stats();
        let report = apply(&fake, &plan, &fast(), &|_| {}).await;
        assert!(report.succeeded(), "{name}: {report:#?}");
        assert_eq!(
            fake.stats().since(&before).calls("iam:DeletePolicyVersion"),
            1,
            "{name}"
        );

        let policy = fake.policy(UPLOAD_POLICY).unwrap();
        let ids: Vec<&str> = policy.versions.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids.len(), 5, "{name}: {ids:?}");
        assert!(!ids.contains(&case.deleted), "{name}: {ids:?}");
        assert!(
            ids.contains(&format!("v{}", case.default).as_str()),
            "{name}: the old default is kept: {ids:?}"
        );
        let newest = policy.versions.last().unwrap();
        assert!(newest.is_default, "{name}");
        assert!(plan_on(&fake, &d).await.is_empty(), "{name}");
    }
}

/// A policy whose versions are `count` documents other than the spec's, the newest the default.
async fn policy_with_versions(fake: &FakeAws, d: &Desired, count: u32) {
    let (_, report) = run_apply(fake, d, &fast()).await;
    assert!(report.succeeded(), "{report:#?}");
    let arn = fake.policy_arn(UPLOAD_POLICY);
    for _ in 1..count {
        fake.create_policy_version(&arn, OTHER_DOCUMENT)
            .await
            .unwrap();
    }
    fake.tamper_policy(UPLOAD_POLICY, |p| {
        for v in &mut p.versions {
            v.document = OTHER_DOCUMENT.into();
        }
    });
    assert_eq!(
        fake.policy(UPLOAD_POLICY).unwrap().versions.len(),
        count as usize
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_policy_version_whose_response_was_lost_is_taken_as_created() {
    // retried: the SDK sent the create again; at five versions that retry fails with
    // LimitExceeded, below it leaves a duplicate version behind.
    for (versions, retried) in [(3, false), (5, true), (3, true), (4, true)] {
        let name = format!("{versions} versions, retried: {retried}");
        let d = standard_set();
        let fake = FakeAws::default();
        policy_with_versions(&fake, &d, versions).await;
        let plan = plan_on(&fake, &d).await;
        fake.lose_response("iam:CreatePolicyVersion", retried, 1);
        let report = apply(&fake, &plan, &fast(), &|_| {}).await;
        assert!(report.succeeded(), "{name}: {report:#?}");
        let policy = fake.policy(UPLOAD_POLICY).unwrap();
        assert!(policy.versions.len() <= 5, "{name}");
        let wanted = policy.default_version().unwrap().document.clone();
        let copies = policy
            .versions
            .iter()
            .filter(|v| v.document == wanted)
            .count();
        assert_eq!(
            copies, 1,
            "{name}: no duplicate version: {:#?}",
            policy.versions
        );
        assert!(plan_on(&fake, &d).await.is_empty(), "{name}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_document_already_in_effect_is_not_created_again() {
    let d = standard_set();
    let fake = FakeAws::default();
    policy_with_versions(&fake, &d, 2).await;
    let plan = plan_on(&fake, &d).await;
    // Another run of this stack got there first.
    let arn = fake.policy_arn(UPLOAD_POLICY);
    let Op::Policy(PolicyOp::CreatePolicyVersion { document, .. }) = &plan.changes[0].ops[0] else {
        panic!("{:?}", plan.changes[0].ops)
    };
    fake.create_policy_version(&arn, document).await.unwrap();
    let before = fake.stats();
    let report = apply(&fake, &plan, &fast(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(
        fake.stats().since(&before).calls("iam:CreatePolicyVersion"),
        0
    );
    assert_eq!(report.outcomes[0].status, Status::NotNeeded);
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_or_policy_another_stack_created_since_the_plan_is_not_taken_over() {
    let d = standard_set();
    let fake = FakeAws::default();
    let plan = plan_on(&fake, &d).await;
    // Another stack creates the upload policy between plan and apply.
    let other = spec(
        &crate::plan::iam_tests::without_drift_role(&starter_spec("svc", "betekk"))
            .replace("stack: svc", "stack: other"),
    )
    .desired;
    let other_plan = plan_on(&fake, &other).await;
    let only_policy = Plan {
        changes: other_plan
            .changes
            .into_iter()
            .filter(|c| c.address.name == UPLOAD_POLICY)
            .collect(),
    };
    assert!(
        apply(&fake, &only_policy, &fast(), &|_| {})
            .await
            .succeeded()
    );
    let report = apply(&fake, &plan, &fast(), &|_| {}).await;
    let failed: Vec<_> = report
        .outcomes
        .iter()
        .filter(|o| o.status == Status::Failed)
        .collect();
    assert_eq!(failed.len(), 1, "{report:#?}");
    assert!(
        failed[0]
            .error
            .as_deref()
            .unwrap()
            .contains("created by stack \"other\""),
        "{failed:#?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_stop_ends_iam_waits_starts_nothing_new_and_reports_every_change() {
    let fake = FakeAws::default();
    let d = standard_set();
    // The deploy role (started before the upload role) waits for IAM "forever": only the stop
    // can end it early.
    fake.fail(
        "iam:CreateRole",
        Some(DEPLOY_ROLE),
        ErrorKind::Invalid,
        10_000,
    );
    let plan = plan_on(&fake, &d).await;
    let options = ApplyOptions {
        parallelism: 1,
        retry_base: Duration::from_millis(50),
        consistency_timeout: Duration::from_secs(60),
        stop_grace: Duration::from_secs(5),
        ..ApplyOptions::default()
    };
    let stop = options.stop.clone();
    let started = Instant::now();
    let report = apply(&fake, &plan, &options, &|event| {
        if let Event::Retrying { .. } = event {
            stop.request();
        }
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the wait ended: {:?}",
        started.elapsed()
    );
    assert_eq!(
        report.outcomes.len(),
        plan.changes.len(),
        "every change has an outcome"
    );
    let waiting = outcome(&report, Kind::Role, DEPLOY_ROLE);
    assert_eq!(
        waiting.status,
        Status::Failed,
        "its error stands: {waiting:#?}"
    );
    let pending = outcome(&report, Kind::Role, UPLOAD_ROLE);
    assert_eq!(pending.status, Status::Interrupted, "{pending:#?}");
    assert!(
        fake.role(UPLOAD_ROLE).is_none(),
        "not started after the stop"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_stop_before_anything_starts_runs_nothing_and_reports_every_change() {
    let fake = FakeAws::default();
    let d = standard_set();
    let plan = plan_on(&fake, &d).await;
    let options = ApplyOptions {
        stop_grace: Duration::from_millis(50),
        ..fast()
    };
    // Stopped before anything starts: nothing runs, everything is reported.
    options.stop.request();
    let report = apply(&fake, &plan, &options, &|_| {}).await;
    assert_eq!(
        report.count(Status::Interrupted),
        plan.changes.len(),
        "{report:#?}"
    );
    assert_eq!(fake.stats().calls("iam:CreateRole"), 0);
    assert!(
        report
            .outcomes
            .iter()
            .all(|o| o.error.as_deref() == Some("interrupted before it started")),
        "{report:#?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn outcomes_keep_the_kind_of_their_error_for_machines() {
    let fake = FakeAws::default();
    let d = standard_set();
    fake.fail(
        "iam:CreatePolicy",
        Some(UPLOAD_POLICY),
        ErrorKind::AccessDenied,
        1,
    );
    let plan = plan_on(&fake, &d).await;
    let report = apply(&fake, &plan, &fast(), &|_| {}).await;
    let failed = outcome(&report, Kind::Policy, UPLOAD_POLICY);
    assert_eq!(failed.error_kind.as_deref(), Some("access_denied"));
    let skipped = outcome(&report, Kind::Role, UPLOAD_ROLE);
    assert_eq!(skipped.status, Status::Skipped);
    assert_eq!(skipped.error_kind.as_deref(), Some("dependency_failed"));
    let json = serde_json::to_value(failed).unwrap();
    assert_eq!(json["error_kind"], "access_denied");
    assert!(
        serde_json::to_value(outcome(&report, Kind::Role, DEPLOY_ROLE))
            .unwrap()
            .get("error_kind")
            .is_none()
    );
}
