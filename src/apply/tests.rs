//! The executor against the fake account: idempotence, partial failure, refusals, dependencies.

use super::*;
use crate::kinds::repository::plan::RepositoryOp;
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
        [Op::Repository(RepositoryOp::PutLifecyclePolicy {
            name: "betekk-app".into(),
            text: keep_last(30).to_aws_text(),
        })]
    );

    let report = apply(&fake, &next, &ApplyOptions::default(), &|_| {}).await;
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
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
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
            kms_key: Some(KMS_ARN.into())
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
            "refused to delete repository betekk-gone: it holds images and deleting it needs force_delete: true on its last apply, or --allow-destroy"
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
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
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
    let in_flight = std::cell::Cell::new(0usize);
    let most_seen = std::cell::Cell::new(0usize);
    let options = ApplyOptions {
        parallelism,
        ..ApplyOptions::default()
    };
    let report = apply(&fake, &plan, &options, &|event| match event {
        Event::Started(_) => {
            in_flight.set(in_flight.get() + 1);
            most_seen.set(most_seen.get().max(in_flight.get()));
        }
        Event::Finished(o) if o.status != Status::Skipped => in_flight.set(in_flight.get() - 1),
        _ => {}
    })
    .await;
    let most = most_seen.get();
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
        vec![Op::Repository(RepositoryOp::CreateRepository {
            name: name.into(),
            image_tag_mutability: crate::model::TagMutability::Immutable,
            exclusion_filters: Vec::new(),
            scan_on_push: true,
            encryption: Encryption::Aes256,
            tags: ownership_tags(STACK),
        })],
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
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
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
    let log = std::cell::RefCell::new(Vec::new());
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|event| {
        let line = match event {
            Event::Started(c) => format!("{} start", c.address.name),
            Event::Finished(o) => format!("{} end", o.address.name),
            Event::Retrying { .. } => return,
        };
        log.borrow_mut().push(line);
    })
    .await;
    let events = log.into_inner();
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
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
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
    let started_log = std::cell::RefCell::new(Vec::new());
    let finished_log = std::cell::RefCell::new(Vec::new());
    apply(
        &fake,
        &plan,
        &ApplyOptions::default(),
        &|event| match event {
            Event::Started(c) => started_log.borrow_mut().push(c.address.name.clone()),
            Event::Finished(o) => finished_log.borrow_mut().push(o.address.name.clone()),
            Event::Retrying { .. } => {}
        },
    )
    .await;
    let mut started = started_log.into_inner();
    let mut finished = finished_log.into_inner();
    started.sort();
    finished.sort();
    assert_eq!(
        started,
        ["betekk-a", "betekk-c"],
        "a skipped change never starts"
    );
    assert_eq!(finished, ["betekk-a", "betekk-b", "betekk-c"]);
}

mod apply_then_plan_is_empty {
    //! Property: from any live state, one apply of any valid spec converges, so the next plan is
    //! empty. Specs go through the spec reader (as JSON, which is YAML), so only what the validator
    //! accepts is generated, and the fake hands policies back reformatted, as AWS does.

    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;
    use crate::model::{LifecyclePolicy, LifecycleRule, TagStatus, Tags};

    #[derive(Debug, Clone)]
    struct Rule {
        status: TagStatus,
        prefixes: Vec<&'static str>,
        patterns: Vec<&'static str>,
        /// The spec field that counts the images, and its value.
        count: (&'static str, u32),
        description: Option<&'static str>,
    }

    impl Rule {
        fn to_spec(&self, priority: u32) -> Value {
            let mut rule = json!({"priority": priority, "tag_status": self.status});
            let obj = rule.as_object_mut().unwrap();
            if !self.prefixes.is_empty() {
                obj.insert("tag_prefixes".into(), json!(self.prefixes));
            }
            if !self.patterns.is_empty() {
                obj.insert("tag_patterns".into(), json!(self.patterns));
            }
            let (field, n) = self.count;
            obj.insert(field.into(), json!(n));
            if field == "not_pulled_for_days" {
                obj.insert("action".into(), json!("archive"));
            }
            if let Some(d) = self.description {
                obj.insert("description".into(), json!(d));
            }
            rule
        }

        fn to_model(&self, priority: u32) -> LifecycleRule {
            let mut rule = LifecycleRule {
                description: self.description.map(str::to_string),
                tag_prefixes: self.prefixes.iter().map(|s| s.to_string()).collect(),
                tag_patterns: self.patterns.iter().map(|s| s.to_string()).collect(),
                ..LifecycleRule::new(priority, self.status)
            };
            let (field, n) = self.count;
            match field {
                "keep_last" => rule.keep_last = Some(n),
                "expire_after_days" => rule.expire_after_days = Some(n),
                "not_pulled_for_days" => {
                    rule.not_pulled_for_days = Some(n);
                    rule.action = crate::model::LifecycleAction::Archive;
                }
                _ => rule.archived_for_days = Some(n),
            }
            rule
        }
    }

    /// Every form of count ECR takes, each with the action it goes with.
    fn count() -> impl Strategy<Value = (&'static str, u32)> {
        prop_oneof![
            (1u32..500).prop_map(|n| ("keep_last", n)),
            (1u32..400).prop_map(|n| ("expire_after_days", n)),
            (1u32..400).prop_map(|n| ("not_pulled_for_days", n)),
            (90u32..800).prop_map(|n| ("archived_for_days", n)),
        ]
    }

    fn selection() -> impl Strategy<Value = (TagStatus, Vec<&'static str>, Vec<&'static str>)> {
        let word = prop::sample::select(vec!["v", "release-", "sha-", "main"]);
        let pattern = prop::sample::select(vec!["v*", "release-*", "*-rc", "prod"]);
        prop_oneof![
            Just((TagStatus::Untagged, vec![], vec![])),
            // Duplicates and any order: the reader and AWS both must not make that a difference.
            prop::collection::vec(word, 1..4).prop_map(|p| (TagStatus::Tagged, p, vec![])),
            prop::collection::vec(pattern, 1..3).prop_map(|p| (TagStatus::Tagged, vec![], p)),
        ]
    }

    fn rule(any: bool) -> impl Strategy<Value = Rule> {
        let description = prop::option::of(prop::sample::select(vec!["keep", "expire old", ""]));
        (selection(), count(), description).prop_map(
            move |((status, prefixes, patterns), count, description)| {
                let (status, prefixes, patterns) = if any {
                    (TagStatus::Any, vec![], vec![])
                } else {
                    (status, prefixes, patterns)
                };
                Rule {
                    status,
                    prefixes,
                    patterns,
                    count,
                    description,
                }
            },
        )
    }

    /// A valid rule list with its priorities: unique, and an `any` rule, if any, last.
    fn rules() -> impl Strategy<Value = Vec<(u32, Rule)>> {
        (
            prop::collection::vec(rule(false), 0..3),
            prop::option::of(rule(true)),
            prop::collection::btree_set(1u32..50, 4),
        )
            .prop_filter("at least one rule", |(r, any, _)| {
                !r.is_empty() || any.is_some()
            })
            .prop_flat_map(|(rules, any, priorities)| {
                let priorities: Vec<u32> = priorities.into_iter().collect();
                let n = rules.len();
                let any_priority = *priorities.last().unwrap();
                Just(priorities[..n].to_vec())
                    .prop_shuffle()
                    .prop_map(move |shuffled| {
                        let mut out: Vec<(u32, Rule)> =
                            shuffled.into_iter().zip(rules.iter().cloned()).collect();
                        if let Some(a) = &any {
                            out.push((any_priority, a.clone()));
                        }
                        out
                    })
            })
    }

    const KMS_KEYS: &[&str] = &[
        KMS_ARN,
        "alias/ecr",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        "arn:aws:kms:ap-southeast-1:123456789012:key/00000000-1111-2222-3333-444444444444",
    ];

    /// The same two policies, each written in several ways.
    const POLICIES: &[&str] = &[
        PULL_POLICY,
        r#"{"Statement":{"Principal":{"AWS":"123456789012"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"],"Effect":"Allow","Sid":"Pull"},"Version":"2012-10-17"}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}"#,
        r#"{"Version":"2012-10-17","Statement":[{"Action":["ecr:batchgetimage"],"Principal":{"AWS":["*"]},"Effect":"Allow","Condition":{"StringEquals":{"aws:principalorgid":["o-abc"]}}}]}"#,
    ];

    #[derive(Debug, Clone)]
    struct RepoSpec {
        mutable: Option<bool>,
        scan_on_push: Option<bool>,
        kms: Option<usize>,
        lifecycle: Option<Vec<(u32, Rule)>>,
        policy: Option<(usize, bool)>,
        tags: Tags,
    }

    fn tags_strategy() -> impl Strategy<Value = Tags> {
        prop::collection::btree_map(
            prop::sample::select(vec!["Team", "Service", "Environment", "Owner"])
                .prop_map(str::to_string),
            prop::sample::select(vec!["platform", "web", "data", "42"]).prop_map(str::to_string),
            0..3,
        )
    }

    fn repo_spec() -> impl Strategy<Value = RepoSpec> {
        (
            prop::option::of(any::<bool>()),
            prop::option::of(any::<bool>()),
            prop::option::of(0..KMS_KEYS.len()),
            prop::option::of(rules()),
            prop::option::of((0..POLICIES.len(), any::<bool>())),
            tags_strategy(),
        )
            .prop_map(
                |(mutable, scan_on_push, kms, lifecycle, policy, tags)| RepoSpec {
                    mutable,
                    scan_on_push,
                    kms,
                    lifecycle,
                    policy,
                    tags,
                },
            )
    }

    /// How the repository of the same name stands in the account before the apply.
    #[derive(Debug, Clone)]
    struct LiveState {
        mutable: bool,
        scan_on_push: bool,
        kms: Option<usize>,
        lifecycle: Option<Result<Vec<(u32, Rule)>, &'static str>>,
        policy: Option<Result<usize, &'static str>>,
        ownership: Ownership,
        tags: Tags,
    }

    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    enum Ownership {
        Ours,
        Untagged,
        /// A stack tag without ManagedBy: not anyone's, so adopted.
        StackTagOnly,
    }

    fn live_state() -> impl Strategy<Value = LiveState> {
        let unreadable =
            prop::sample::select(vec!["not json", r#"{"rules": 5}"#, r#"{"Statement": 1}"#]);
        (
            any::<bool>(),
            any::<bool>(),
            prop::option::of(0..KMS_KEYS.len()),
            prop::option::of(prop_oneof![
                rules().prop_map(Ok),
                unreadable.clone().prop_map(Err)
            ]),
            prop::option::of(prop_oneof![
                (0..POLICIES.len()).prop_map(Ok),
                unreadable.prop_map(Err)
            ]),
            prop::sample::select(vec![
                Ownership::Ours,
                Ownership::Untagged,
                Ownership::StackTagOnly,
            ]),
            tags_strategy(),
        )
            .prop_map(
                |(mutable, scan_on_push, kms, lifecycle, policy, ownership, tags)| LiveState {
                    mutable,
                    scan_on_push,
                    kms,
                    lifecycle,
                    policy,
                    ownership,
                    tags,
                },
            )
    }

    fn spec_json(repos: &[RepoSpec]) -> String {
        let repositories: Vec<Value> = repos
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let mut out = json!({"name": format!("{{prefix}}-r{i}")});
                let obj = out.as_object_mut().unwrap();
                if let Some(m) = r.mutable {
                    obj.insert(
                        "image_tag_mutability".into(),
                        json!(if m { "MUTABLE" } else { "IMMUTABLE" }),
                    );
                }
                if let Some(s) = r.scan_on_push {
                    obj.insert("scan_on_push".into(), json!(s));
                }
                if let Some(k) = r.kms {
                    obj.insert(
                        "encryption".into(),
                        json!({"type": "KMS", "kms_key": KMS_KEYS[k]}),
                    );
                }
                if let Some(rules) = &r.lifecycle {
                    let rules: Vec<Value> =
                        rules.iter().map(|(p, rule)| rule.to_spec(*p)).collect();
                    obj.insert("lifecycle_policy".into(), json!({"rules": rules}));
                }
                if let Some((p, as_mapping)) = r.policy {
                    let text = POLICIES[p];
                    let value = if as_mapping {
                        serde_json::from_str(text).unwrap()
                    } else {
                        json!(text)
                    };
                    obj.insert("repository_policy".into(), value);
                }
                if !r.tags.is_empty() {
                    obj.insert("tags".into(), json!(r.tags));
                }
                out
            })
            .collect();
        json!({"version": 1, "stack": STACK, "environment": "test", "repositories": repositories})
            .to_string()
    }

    fn seed_live(fake: &FakeAws, name: &str, live: &LiveState) {
        let mut r = repo(name).scan_on_push(live.scan_on_push).untagged();
        if live.mutable {
            r = r.mutable();
        }
        if let Some(k) = live.kms {
            r = r.kms(KMS_KEYS[k]);
        }
        r.0.tags = match live.ownership {
            Ownership::Ours => ownership_tags(STACK),
            Ownership::Untagged => Tags::new(),
            Ownership::StackTagOnly => tags(&[(crate::model::STACK_TAG, "other")]),
        };
        r.0.tags.extend(live.tags.clone());
        seed(fake, r, 0);
        let lifecycle = live.lifecycle.as_ref().map(|l| match l {
            Ok(rules) => {
                LifecyclePolicy::from_rules(rules.iter().map(|(p, r)| r.to_model(*p)).collect())
                    .to_aws_text()
            }
            Err(text) => text.to_string(),
        });
        let policy = live.policy.as_ref().map(|p| match p {
            Ok(i) => POLICIES[*i].to_string(),
            Err(text) => text.to_string(),
        });
        fake.tamper(name, |r| {
            r.lifecycle_policy = lifecycle;
            r.repository_policy = policy;
        });
    }

    fn case() -> impl Strategy<Value = (Vec<(RepoSpec, Option<LiveState>)>, usize)> {
        (
            prop::collection::vec((repo_spec(), prop::option::of(live_state())), 1..4),
            0usize..3,
        )
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

        #[test]
        fn from_any_live_state(case in case()) {
            let (repos, leftovers) = case;
            let specs: Vec<RepoSpec> = repos.iter().map(|(s, _)| s.clone()).collect();
            let text = spec_json(&specs);
            let d = crate::spec::parse(&text, "test.yaml")
                .unwrap_or_else(|e| panic!("generated spec must be valid:\n{e}\n{text}"))
                .desired;
            let fake = FakeAws::default();
            for (i, (_, live)) in repos.iter().enumerate() {
                if let Some(live) = live {
                    seed_live(&fake, &format!("betekk-r{i}"), live);
                }
            }
            for i in 0..leftovers {
                seed(&fake, repo(&format!("betekk-left-{i}")), 0);
            }
            let rt = tokio::runtime::Builder::new_current_thread().build().unwrap();
            rt.block_on(async {
                let (first, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
                prop_assert!(report.succeeded(), "{report:#?}");
                prop_assert_eq!(report.outcomes.len(), first.changes.len());
                let mut next = plan_on(&fake, &d).await;
                // Adoption never recreates: a repository adopted with another encryption is
                // replaced by the second apply, once it is the stack's own. Nothing else remains.
                if !next.is_empty() {
                    prop_assert!(
                        next.changes.iter().all(|c| c.action == Action::Replace),
                        "not converged:\n{next:#?}\nspec: {text}"
                    );
                    for change in &next.changes {
                        let i: usize = change.name.trim_start_matches("betekk-r").parse().unwrap();
                        let adopted = repos[i].1.as_ref().is_some_and(|l| l.ownership != Ownership::Ours);
                        prop_assert!(adopted, "only adopted repositories are replaced: {change:#?}");
                    }
                    let options = ApplyOptions { allow_replace: true, ..ApplyOptions::default() };
                    let (_, report) = run_apply(&fake, &d, &options).await;
                    prop_assert!(report.succeeded(), "{report:#?}");
                    next = plan_on(&fake, &d).await;
                }
                prop_assert!(next.is_empty(), "not converged:\n{next:#?}\nspec: {text}");
                let names = fake.repository_names();
                prop_assert!(names.iter().all(|n| !n.starts_with("betekk-left-")), "{names:?}");
                Ok(())
            })?;
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_repository_another_stack_created_after_the_plan_is_not_taken_over() {
    let fake = FakeAws::default();
    let d = desired([repo("betekk-race")]);
    let plan = plan_on(&fake, &d).await;
    seed(
        &fake,
        repo("betekk-race").owned_by("other").tag("Team", "theirs"),
        0,
    );
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
    assert_eq!(report.outcomes[0].status, Status::Failed);
    let error = report.outcomes[0].error.as_deref().unwrap_or_default();
    assert!(error.contains("created by stack \"other\""), "{error}");
    let tags = fake.repository("betekk-race").unwrap().tags;
    assert_eq!(
        tags.get(crate::model::STACK_TAG).map(String::as_str),
        Some("other")
    );
    assert_eq!(tags.get("Team").map(String::as_str), Some("theirs"));
}

#[tokio::test(flavor = "current_thread")]
async fn a_repository_this_stack_created_after_the_plan_is_completed() {
    let fake = FakeAws::default();
    let d = desired([repo("betekk-race").mutable()]);
    let plan = plan_on(&fake, &d).await;
    // An interrupted earlier run of this stack left it behind with the wrong settings.
    seed(&fake, repo("betekk-race").scan_on_push(false), 0);
    let report = apply(&fake, &plan, &ApplyOptions::default(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(plan_on(&fake, &d).await.is_empty());
}
