//! The executor against the fake account: idempotence, partial failure, refusals, dependencies.

use super::*;
use crate::live::ErrorKind;
use crate::live::fake::FakeAws;
use crate::model::{Encryption, Kind, Repository};
use crate::plan::{Action, Change, Op};
use crate::testing::*;

fn address(name: &str) -> Address {
    Address::new(Kind::Repository, name)
}

fn statuses(report: &Report) -> Vec<(String, Status)> {
    report
        .outcomes
        .iter()
        .map(|o| (o.address.name.clone(), o.status))
        .collect()
}

fn three_repositories() -> crate::model::Desired {
    desired(["betekk-a", "betekk-b", "betekk-c"].map(|n| {
        repo(n)
            .lifecycle(keep_releases_expire_untagged(20, 7))
            .tag("Team", "platform")
    }))
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_apply_makes_no_write_calls() {
    let fake = FakeAws::default();
    let d = three_repositories();
    let (plan, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(plan.summary().add, 3);
    assert!(report.succeeded(), "{report:#?}");
    let writes = fake.stats().writes();
    assert_eq!(writes, 6, "3 creates and 3 lifecycle policies");

    let (plan, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(plan.is_empty(), "{plan:#?}");
    assert!(report.outcomes.is_empty());
    assert_eq!(fake.stats().writes(), writes);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_step_fails_alone_and_a_rerun_converges() {
    let fake = FakeAws::default();
    let d = three_repositories();
    fake.fail(
        "ecr:PutLifecyclePolicy",
        Some("betekk-b"),
        ErrorKind::Throttled,
        1,
    );
    let (plan, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(plan.changes.len(), 3);
    assert_eq!(
        statuses(&report),
        [
            ("betekk-a".into(), Status::Applied),
            ("betekk-b".into(), Status::Failed),
            ("betekk-c".into(), Status::Applied),
        ]
    );
    assert!(!report.succeeded());
    let error = report.outcomes[1].error.as_deref().unwrap();
    assert!(
        error.starts_with("AWS ecr:PutLifecyclePolicy failed (InjectedThrottled)"),
        "{error}"
    );
    for name in ["betekk-a", "betekk-c"] {
        assert!(fake.repository(name).unwrap().lifecycle_policy.is_some());
    }

    let (rerun, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(rerun.changes.len(), 1, "{rerun:#?}");
    assert!(report.succeeded(), "{report:#?}");
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_create_that_fails_half_way_is_finished_by_the_next_run() {
    let fake = FakeAws::default();
    let d = desired([repo("betekk-app").lifecycle(keep_last(30))]);
    fake.fail("ecr:PutLifecyclePolicy", None, ErrorKind::Unreachable, 1);
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(statuses(&report), [("betekk-app".into(), Status::Failed)]);
    assert!(
        fake.repository("betekk-app").is_some(),
        "created before the failure"
    );

    let next = plan_on(&fake, &d).await;
    assert_eq!(next.changes.len(), 1);
    let change = &next.changes[0];
    assert_eq!(change.action, Action::Update);
    let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["lifecycle_policy"]);
    assert_eq!(
        change.ops,
        [Op::PutLifecyclePolicy {
            name: "betekk-app".into(),
            text: keep_last(30).to_aws_text(),
        }]
    );

    let report = apply(&fake, &next, &ApplyOptions::default(), |_, _| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_create_whose_repository_appeared_since_the_plan_takes_it_over() {
    let fake = FakeAws::default();
    let d = desired([repo("betekk-app").tag("Team", "platform")]);
    let plan = plan_on(&fake, &d).await;
    // Another run created it with other settings between plan and apply.
    seed(
        &fake,
        repo("betekk-app").untagged().mutable().scan_on_push(false),
        0,
    );
    let report = apply(&fake, &plan, &ApplyOptions::default(), |_, _| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(plan_on(&fake, &d).await.is_empty());
}

/// A repository holding an image, encrypted with AES256, that the spec wants under KMS.
async fn replace_with_images(
    force_delete: bool,
    allow_replace: bool,
) -> (FakeAws, Report, crate::model::Desired) {
    let fake = fake_with([repo("betekk-app")]);
    fake.push_image("betekk-app");
    let want = repo("betekk-app").kms(KMS_ARN);
    let want = if force_delete {
        want.force_delete()
    } else {
        want
    };
    let d = desired([want]);
    let options = ApplyOptions {
        allow_replace,
        ..ApplyOptions::default()
    };
    let (plan, report) = run_apply(&fake, &d, &options).await;
    assert_eq!(plan.changes[0].action, Action::Replace);
    (fake, report, d)
}

#[tokio::test(flavor = "current_thread")]
async fn replacing_a_repository_with_images_needs_force_delete_and_allow_replace() {
    for (force_delete, allow_replace) in [(false, false), (true, false), (false, true)] {
        let (fake, report, _) = replace_with_images(force_delete, allow_replace).await;
        let case = format!("force_delete={force_delete} allow_replace={allow_replace}");
        assert_eq!(
            statuses(&report),
            [("betekk-app".into(), Status::Failed)],
            "{case}"
        );
        let error = report.outcomes[0].error.as_deref().unwrap();
        assert_eq!(
            error,
            "refused to delete repository betekk-app: it holds images and replacing it needs \
             force_delete: true in the spec and --allow-replace",
            "{case}"
        );
        let repo = fake.repository("betekk-app").unwrap();
        assert_eq!(repo.images, 1, "{case}");
        assert_eq!(repo.info.encryption, Encryption::Aes256, "{case}");
        assert_eq!(
            fake.stats().calls("ecr:DeleteRepository"),
            0,
            "{case}: never even asked"
        );
    }

    let (fake, report, d) = replace_with_images(true, true).await;
    assert_eq!(statuses(&report), [("betekk-app".into(), Status::Applied)]);
    let repo = fake.repository("betekk-app").unwrap();
    assert_eq!(repo.images, 0);
    assert_eq!(
        repo.info.encryption,
        Encryption::Kms {
            kms_key: KMS_ARN.into()
        }
    );
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn replacing_an_empty_repository_needs_no_opt_in() {
    let fake = fake_with([repo("betekk-app")]);
    let d = desired([repo("betekk-app").kms(KMS_ARN)]);
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(statuses(&report), [("betekk-app".into(), Status::Applied)]);
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn pruning_a_repository_with_images_needs_allow_destroy() {
    let fake = fake_with([
        repo("betekk-keep"),
        repo("betekk-gone"),
        repo("betekk-empty"),
    ]);
    fake.push_image("betekk-gone");
    let d = desired([repo("betekk-keep")]);

    let (plan, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert_eq!(plan.summary().destroy, 2);
    assert_eq!(
        statuses(&report),
        [
            ("betekk-empty".into(), Status::Applied),
            ("betekk-gone".into(), Status::Failed),
        ]
    );
    assert_eq!(
        report.outcomes[1].error.as_deref(),
        Some(
            "refused to delete repository betekk-gone: it holds images and deleting it needs --allow-destroy"
        )
    );
    assert_eq!(fake.repository("betekk-gone").unwrap().images, 1);
    assert!(fake.repository("betekk-empty").is_none());

    let options = ApplyOptions {
        allow_destroy: true,
        ..ApplyOptions::default()
    };
    let (_, report) = run_apply(&fake, &d, &options).await;
    assert_eq!(statuses(&report), [("betekk-gone".into(), Status::Applied)]);
    assert_eq!(fake.repository_names(), ["betekk-keep"]);
}

#[tokio::test(flavor = "current_thread")]
async fn allow_destroy_does_not_allow_replacing() {
    let fake = fake_with([repo("betekk-app")]);
    fake.push_image("betekk-app");
    let d = desired([repo("betekk-app").kms(KMS_ARN).force_delete()]);
    let options = ApplyOptions {
        allow_destroy: true,
        ..ApplyOptions::default()
    };
    let (_, report) = run_apply(&fake, &d, &options).await;
    assert_eq!(report.outcomes[0].status, Status::Failed);
    assert_eq!(fake.repository("betekk-app").unwrap().images, 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_delete_of_a_repository_already_gone_is_not_needed() {
    use crate::live::EcrApi;
    let fake = fake_with([repo("betekk-gone")]);
    let plan = plan_on(&fake, &desired(Vec::<Repository>::new())).await;
    // Another run deletes it between this plan and its apply.
    fake.delete_repository("betekk-gone", false).await.unwrap();
    let report = apply(&fake, &plan, &ApplyOptions::default(), |_, _| {}).await;
    assert_eq!(
        statuses(&report),
        [("betekk-gone".into(), Status::NotNeeded)]
    );
    assert!(report.succeeded());
}

/// Outcome statuses by address and the fake's final state, for one run at a given parallelism.
async fn run_at(
    parallelism: usize,
) -> (
    Vec<(String, Status)>,
    Vec<crate::live::fake::FakeRepository>,
    usize,
) {
    let fake = fake_with([
        repo("betekk-drifted").mutable(),
        repo("betekk-gone"),
        repo("betekk-untagged").untagged(),
    ]);
    let mut repos: Vec<RepoBuilder> = (0..12)
        .map(|i| repo(&format!("betekk-new-{i:02}")).lifecycle(keep_last(i + 1)))
        .collect();
    repos.push(repo("betekk-drifted"));
    repos.push(repo("betekk-untagged"));
    let d = desired(repos);
    fake.fail(
        "ecr:PutLifecyclePolicy",
        Some("betekk-new-05"),
        ErrorKind::Throttled,
        1,
    );
    fake.fail(
        "ecr:CreateRepository",
        Some("betekk-new-09"),
        ErrorKind::AccessDenied,
        1,
    );
    let plan = plan_on(&fake, &d).await;
    let mut in_flight = 0usize;
    let mut most = 0usize;
    let options = ApplyOptions {
        parallelism,
        ..ApplyOptions::default()
    };
    let report = apply(&fake, &plan, &options, |_, outcome| match outcome {
        None => {
            in_flight += 1;
            most = most.max(in_flight);
        }
        Some(o) if o.status != Status::Skipped => in_flight -= 1,
        Some(_) => {}
    })
    .await;
    assert_eq!(
        report.outcomes.len(),
        plan.changes.len(),
        "one outcome per change"
    );
    let state = fake
        .repository_names()
        .iter()
        .map(|n| fake.repository(n).unwrap())
        .collect();
    (statuses(&report), state, most)
}

#[tokio::test(flavor = "current_thread")]
async fn parallelism_changes_nothing_but_how_many_run_at_once() {
    let (serial, serial_state, serial_most) = run_at(1).await;
    let (parallel, parallel_state, parallel_most) = run_at(8).await;
    assert_eq!(serial, parallel);
    assert_eq!(serial_state, parallel_state);
    assert_eq!(serial_most, 1);
    assert!(parallel_most <= 8, "{parallel_most}");
    assert!(parallel_most > 1, "independent changes do run together");
    let failed: Vec<&str> = serial
        .iter()
        .filter(|(_, s)| *s == Status::Failed)
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(failed, ["betekk-new-05", "betekk-new-09"]);
}

fn create(name: &str) -> Change {
    Change::new(
        address(name),
        Action::Create,
        vec![],
        vec![Op::CreateRepository {
            name: name.into(),
            image_tag_mutability: crate::model::TagMutability::Immutable,
            scan_on_push: true,
            encryption: Encryption::Aes256,
            tags: ownership_tags(STACK),
        }],
    )
}

fn depending(mut change: Change, on: &[&str]) -> Change {
    change.depends_on = on.iter().map(|n| address(n)).collect();
    change
}

#[tokio::test(flavor = "current_thread")]
async fn a_failure_skips_what_depends_on_it_and_nothing_else() {
    let fake = FakeAws::default();
    fake.fail(
        "ecr:CreateRepository",
        Some("betekk-a"),
        ErrorKind::AccessDenied,
        1,
    );
    let plan = Plan {
        changes: vec![
            create("betekk-a"),
            depending(create("betekk-b"), &["betekk-a"]),
            create("betekk-c"),
            depending(create("betekk-d"), &["betekk-b"]),
        ],
    };
    let report = apply(&fake, &plan, &ApplyOptions::default(), |_, _| {}).await;
    assert_eq!(
        statuses(&report),
        [
            ("betekk-a".into(), Status::Failed),
            ("betekk-b".into(), Status::Skipped),
            ("betekk-c".into(), Status::Applied),
            ("betekk-d".into(), Status::Skipped),
        ]
    );
    assert_eq!(
        report.outcomes[1].error.as_deref(),
        Some("repository.betekk-a did not complete")
    );
    assert_eq!(fake.repository_names(), ["betekk-c"]);
    assert_eq!(
        fake.stats().calls("ecr:CreateRepository"),
        2,
        "a and c only"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_change_starts_only_after_its_dependency_succeeded() {
    let fake = FakeAws::default();
    // Listed before its dependency, so plan order alone would run it first.
    let plan = Plan {
        changes: vec![
            depending(create("betekk-b"), &["betekk-a"]),
            create("betekk-a"),
            depending(create("betekk-c"), &["betekk-a", "betekk-b"]),
        ],
    };
    let mut events = Vec::new();
    let report = apply(&fake, &plan, &ApplyOptions::default(), |a, o| {
        events.push(format!(
            "{} {}",
            a.name,
            if o.is_some() { "end" } else { "start" }
        ));
    })
    .await;
    assert!(report.succeeded(), "{report:#?}");
    let at = |e: &str| events.iter().position(|x| x == e).unwrap();
    assert!(at("betekk-a end") < at("betekk-b start"), "{events:?}");
    assert!(at("betekk-b end") < at("betekk-c start"), "{events:?}");
    // The report follows plan order, not completion order.
    let names: Vec<&str> = report
        .outcomes
        .iter()
        .map(|o| o.address.name.as_str())
        .collect();
    assert_eq!(names, ["betekk-b", "betekk-a", "betekk-c"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_dependency_outside_the_plan_does_not_hold_a_change_back() {
    let fake = FakeAws::default();
    let plan = Plan {
        changes: vec![depending(create("betekk-b"), &["betekk-not-planned"])],
    };
    let report = apply(&fake, &plan, &ApplyOptions::default(), |_, _| {}).await;
    assert_eq!(statuses(&report), [("betekk-b".into(), Status::Applied)]);
}

#[tokio::test(flavor = "current_thread")]
async fn every_change_is_announced_and_finished_once() {
    let fake = FakeAws::default();
    fake.fail(
        "ecr:CreateRepository",
        Some("betekk-a"),
        ErrorKind::Throttled,
        1,
    );
    let plan = Plan {
        changes: vec![
            create("betekk-a"),
            depending(create("betekk-b"), &["betekk-a"]),
            create("betekk-c"),
        ],
    };
    let mut started = Vec::new();
    let mut finished = Vec::new();
    apply(&fake, &plan, &ApplyOptions::default(), |a, o| match o {
        None => started.push(a.name.clone()),
        Some(_) => finished.push(a.name.clone()),
    })
    .await;
    started.sort();
    finished.sort();
    assert_eq!(
        started,
        ["betekk-a", "betekk-c"],
        "a skipped change never starts"
    );
    assert_eq!(finished, ["betekk-a", "betekk-b", "betekk-c"]);
}
