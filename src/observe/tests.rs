//! What reading live state costs in API calls, and what it reads at all.

use std::collections::BTreeMap;

use super::*;
use crate::apply::ApplyOptions;
use crate::live::fake::FakeAws;
use crate::testing::*;

fn stack_of(n: usize) -> Desired {
    desired((0..n).map(|i| {
        repo(&format!("betekk-app-{i:03}"))
            .lifecycle(keep_last(10))
            .policy(PULL_POLICY)
            .tag("Team", "platform")
    }))
}

#[tokio::test(flavor = "current_thread")]
async fn a_converged_plan_costs_three_reads_per_repository_plus_five_and_no_writes() {
    for n in [1u64, 10, 50] {
        let fake = FakeAws::default();
        let d = stack_of(n as usize);
        let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
        assert!(report.succeeded(), "{report:#?}");

        let before = fake.stats();
        let plan = plan_on(&fake, &d).await;
        assert!(plan.is_empty(), "n={n}: {plan:#?}");
        let calls = fake.stats().since(&before);
        let expected: BTreeMap<String, u64> = [
            ("sts:GetCallerIdentity", 1),
            ("ecr:DescribeRepositories", 1),
            ("ecr:GetLifecyclePolicy", n),
            ("ecr:GetRepositoryPolicy", n),
            ("ecr:ListTagsForResource", n),
            // The IAM side is listed once, to find the stack's roles and policies (the provider
            // is only looked up when the spec has one).
            ("iam:ListPolicies", 1),
            ("iam:ListRoles", 1),
            // Every stack's registry ownership record, one listing; the settings themselves
            // are not read for a spec without registry settings.
            ("ssm:GetParametersByPath", 1),
        ]
        .into_iter()
        .map(|(op, c)| (op.to_string(), c))
        .collect();
        assert_eq!(calls.by_operation, expected, "n={n}");
        assert_eq!(calls.total, 5 + 3 * n, "n={n}");
        assert!(calls.total <= 3 * n + 10, "n={n}");
        assert_eq!(calls.writes(), 0, "n={n}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn prune_candidates_cost_one_read_and_unrelated_repositories_none() {
    let fake = fake_with([
        repo("betekk-app"),
        repo("betekk-old-a"),
        repo("betekk-old-b").untagged(),
        repo("someone-elses"),
    ]);
    let d = desired([repo("betekk-app")]);
    let observed = observe(&fake, &d, 4).await.unwrap();
    let names: Vec<&str> = observed.resources.keys().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["betekk-app", "betekk-old-a", "betekk-old-b"]);
    assert!(observed.resources.values().filter(|l| l.complete).count() == 1);
    let stats = fake.stats();
    assert_eq!(stats.calls("ecr:ListTagsForResource"), 3);
    assert_eq!(stats.calls("ecr:GetLifecyclePolicy"), 1);
    assert_eq!(stats.calls("ecr:GetRepositoryPolicy"), 1);
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_read_fails_the_observation_with_the_operation_named() {
    let fake = fake_with([repo("betekk-app")]);
    fake.fail(
        "ecr:GetRepositoryPolicy",
        None,
        crate::live::ErrorKind::AccessDenied,
        1,
    );
    let err = observe(&fake, &desired([repo("betekk-app")]), 4)
        .await
        .unwrap_err();
    assert_eq!(err.operation, "ecr:GetRepositoryPolicy");
    assert_eq!(err.kind, crate::live::ErrorKind::AccessDenied);
}

#[tokio::test(flavor = "current_thread")]
async fn an_unreadable_live_policy_shows_as_a_difference() {
    let fake = fake_with([repo("betekk-app")]);
    fake.tamper("betekk-app", |r| {
        r.repository_policy = Some("{\"Statement\": 42}".into())
    });
    let plan = plan_on(&fake, &desired([repo("betekk-app").policy(PULL_POLICY)])).await;
    assert_eq!(plan.changes.len(), 1, "{plan:#?}");
    assert!(matches!(
        real_ops(&plan.changes[0].ops)[..],
        [crate::plan::Op::Repository(
            crate::kinds::repository::plan::RepositoryOp::SetRepositoryPolicy { .. }
        )]
    ));
}

#[tokio::test(flavor = "current_thread")]
async fn observe_calls_exactly_the_read_actions_the_drift_role_grants() {
    let fake = FakeAws::new(ACCOUNT, REGION);
    fake.seed_user("deployer");
    let text = crate::commands::init::starter_spec("svc", "betekk")
            .replace(
                "policies: [\"{prefix}-DriftReadPolicy\"]",
                "policies: [\"{prefix}-DriftReadPolicy\", \"arn:aws:iam::aws:policy/AWSCodeCommitReadOnly\"]\n    inline_policies: {Logs: [{actions: [\"logs:PutLogEvents\"], resources: [\"*\"]}]}",
            )
        + "assume_role_grants:\n  - user: deployer\n    roles: [\"{PREFIX}-GithubWorkflowsUploadRole\"]\n"
        + "registry:\n  scanning:\n    rules:\n      - frequency: SCAN_ON_PUSH\n        filters: [\"{prefix}-*\"]\n"
        + "  pull_through_cache:\n    - {prefix: \"{prefix}-public\", upstream: public.ecr.aws}\n"
        + "  creation_templates:\n    - {prefix: \"{prefix}-public\", applied_for: [PULL_THROUGH_CACHE]}\n"
        + "  account_settings:\n    blob_mounting: ENABLED\n"
        + "  pull_time_update_exclusions: [\"{PREFIX}-GithubWorkflowsUploadRole\"]\n";
    let d = spec(&text).desired;
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:#?}");
    // A lifecycle policy changed by hand: the spec's rules change it back, so its images are read.
    fake.tamper("betekk-svc", |r| r.lifecycle_policy = None);
    let before = fake.stats();
    observe(&fake, &d, 4).await.unwrap();
    // A changed policy has its versions read; a pruned one its versions and attachments.
    let changed = spec(&text.replace(
        "description: What betekk-ecr drift reads, nothing more",
        "description: What betekk-ecr drift reads, nothing more\n    ecr_push: [\"{prefix}-svc\"]",
    ))
    .desired;
    observe(&fake, &changed, 4).await.unwrap();
    let mut pruned = d.clone();
    pruned
        .resources
        .retain(|r| r.address().name != "betekk-LambdaDeployPolicy");
    observe(&fake, &pruned, 4).await.unwrap();
    let made = fake.stats().since(&before);
    let called: Vec<&str> = made.by_operation.keys().map(String::as_str).collect();
    let declared = read_actions();
    for op in &called {
        assert!(declared.contains(op), "{op} is called but not in READS");
    }
    assert_eq!(called, declared, "every granted action is needed");
}

/// `init`'s standard set (provider, two roles, two policies) with `n` repositories added.
fn standard_set_with(n: usize) -> Desired {
    let starter = crate::commands::init::starter_spec("app", "betekk");
    let (head, rest) = starter.split_once("repositories:\n").unwrap();
    let (_, tail) = rest.split_once("\ngithub:").unwrap();
    let repos: String = (0..n)
        .map(|i| {
            format!(
                "  - name: \"{{prefix}}-app-{i:04}\"\n    lifecycle_policy: {{rules: [{{priority: 1, tag_status: untagged, expire_after_days: 14}}]}}\n    repository_policy: {{Version: \"2012-10-17\", Statement: [{{Sid: Pull, Effect: Allow, Principal: {{AWS: \"arn:aws:iam::{{account}}:root\"}}, Action: \"ecr:BatchGetImage\"}}]}}\n    tags: {{Service: app-{i}}}\n"
            )
        })
        .collect();
    spec(&format!("{head}repositories:\n{repos}\ngithub:{tail}")).desired
}

#[tokio::test(flavor = "current_thread")]
async fn with_the_standard_iam_set_a_converged_plan_costs_three_reads_per_repository_plus_twenty_three()
 {
    for n in [1u64, 10, 100] {
        let fake = FakeAws::new(ACCOUNT, REGION);
        let d = standard_set_with(n as usize);
        let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
        assert!(report.succeeded(), "{report:#?}");

        let before = fake.stats();
        let plan = plan_on(&fake, &d).await;
        assert!(plan.is_empty(), "n={n}: {plan:#?}");
        let calls = fake.stats().since(&before);
        // Per IAM resource of the spec (upload, Lambda deploy and drift roles and their
        // policies): the provider 1 read, each role 3 (role, attachments, inline policies),
        // each policy 2.
        for (op, count) in [
            ("iam:GetOpenIDConnectProvider", 1),
            ("iam:GetRole", 3),
            ("iam:ListAttachedRolePolicies", 3),
            ("iam:ListRolePolicies", 3),
            ("iam:GetPolicyVersion", 3),
            ("iam:ListPolicyTags", 3),
            ("ecr:GetLifecyclePolicy", n),
            // The push policy signs with the rules that cover its repositories.
            ("ecr:GetSigningConfiguration", 1),
        ] {
            assert_eq!(calls.calls(op), count, "n={n} {op}");
        }
        assert_eq!(
            calls.total,
            3 * n + 5 + 2 + 15 + 1,
            "n={n}: {:#?}",
            calls.by_operation
        );
        assert_eq!(calls.writes(), 0, "n={n}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn registry_settings_rules_and_templates_cost_five_reads_per_region_and_none_per_repository()
{
    for n in [1usize, 20] {
        let fake = FakeAws::default();
        let repos: String = (0..n)
            .map(|i| format!("  - name: \"{{prefix}}-r{i}\"\n"))
            .collect();
        let d = spec(&format!(
            "version: 1\nstack: s\nregion: ap-southeast-1\nrepositories:\n{repos}registry:\n  \
             scanning:\n    type: ENHANCED\n    rules:\n      - frequency: SCAN_ON_PUSH\n        \
             filters: [\"{{prefix}}-*\"]\n  pull_through_cache:\n    - {{prefix: \"{{prefix}}-public\", \
             upstream: public.ecr.aws}}\n  creation_templates:\n    - {{prefix: \"{{prefix}}-public\", \
             applied_for: [PULL_THROUGH_CACHE]}}\n"
        ))
        .desired;
        let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
        assert!(report.succeeded(), "{report:#?}");
        let before = fake.stats();
        assert!(plan_on(&fake, &d).await.is_empty());
        let calls = fake.stats().since(&before);
        for op in [
            "ssm:GetParametersByPath",
            "ecr:GetRegistryScanningConfiguration",
            "ecr:DescribeRegistry",
            "ecr:GetRegistryPolicy",
            "ecr:DescribePullThroughCacheRules",
            "ecr:DescribeRepositoryCreationTemplates",
        ] {
            assert_eq!(calls.calls(op), 1, "n={n} {op}");
        }
        assert_eq!(
            calls.total,
            10 + 3 * n as u64,
            "n={n}: {:#?}",
            calls.by_operation
        );
        assert_eq!(calls.writes(), 0);
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_limit_holds_calls_in_flight_to_the_parallelism() {
    let limit = Limit::new(3);
    let in_flight = std::cell::Cell::new(0usize);
    let most = std::cell::Cell::new(0usize);
    let calls = (0..20).map(|_| {
        limit.call(async {
            in_flight.set(in_flight.get() + 1);
            most.set(most.get().max(in_flight.get()));
            tokio::task::yield_now().await;
            in_flight.set(in_flight.get() - 1);
        })
    });
    futures::future::join_all(calls).await;
    assert_eq!(most.get(), 3);
}

#[test]
fn the_project_prefix_needs_a_separator_and_ignores_case() {
    use crate::observe::named_with_prefix;
    for yes in [
        "betekk-app",
        "betekk/team/app",
        "BETEKK-GithubWorkflowsUploadRole",
        "betekk_AssumeRolePolicy-deployer",
    ] {
        assert!(named_with_prefix(yes, "betekk"), "{yes}");
    }
    for no in ["betekkapp", "betekk", "other-betekk-app", "bet"] {
        assert!(!named_with_prefix(no, "betekk"), "{no}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_policy_arn_neither_in_the_spec_nor_in_the_account_is_a_plan_error() {
    let fake = FakeAws::new(ACCOUNT, REGION);
    let yaml = |arn: &str| {
        format!(
            "version: 1\nstack: t\nroles:\n  - name: R\n    github_trust: {{repositories: [app]}}\n    policies: [\"{arn}\", \"arn:aws:iam::aws:policy/AWSCodeCommitReadOnly\"]\n"
        )
    };
    let missing = spec(&yaml("arn:aws:iam::123456789012:policy/Mistyped")).desired;
    let observed = observe(&fake, &missing, 4).await.unwrap();
    assert_eq!(
        observed.missing_policies.iter().collect::<Vec<_>>(),
        ["arn:aws:iam::123456789012:policy/Mistyped"],
        "an AWS managed policy is found"
    );
    let err = crate::plan::plan(&missing, &observed)
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("role R names policy arn:aws:iam::123456789012:policy/Mistyped"),
        "{err}"
    );
    // Once it exists, the plan is made.
    let (_, report) = run_apply(
        &fake,
        &spec("version: 1\nstack: other\npolicies:\n  - name: Mistyped\n    statements: [{actions: [\"s3:GetObject\"], resources: [\"*\"]}]\n").desired,
        &ApplyOptions::default(),
    )
    .await;
    assert!(report.succeeded());
    let observed = observe(&fake, &missing, 4).await.unwrap();
    assert!(observed.missing_policies.is_empty());
    assert!(crate::plan::plan(&missing, &observed).is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn images_are_read_only_for_a_repository_whose_lifecycle_rules_change() {
    let fake = FakeAws::default();
    let d = stack_of(3);
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:#?}");
    let before = fake.stats();
    let converged = observe(&fake, &d, 4).await.unwrap();
    assert_eq!(fake.stats().since(&before).calls("ecr:DescribeImages"), 0);
    assert!(
        converged
            .resources
            .values()
            .all(|l| l.dependents.images.is_none())
    );

    fake.tamper("betekk-app-001", |r| r.lifecycle_policy = None);
    let before = fake.stats();
    let changed = observe(&fake, &d, 4).await.unwrap();
    let calls = fake.stats().since(&before);
    assert_eq!(calls.calls("ecr:DescribeImages"), 1);
    // No image index in it: nothing to ask BatchGetImage.
    assert_eq!(calls.calls("ecr:BatchGetImage"), 0);
    let read: Vec<String> = changed
        .resources
        .values()
        .filter(|l| l.dependents.images.is_some())
        .map(|l| l.resource.address().name)
        .collect();
    assert_eq!(read, ["betekk-app-001"]);
}

/// A page of repositories is read as soon as it arrives, before the next page is listed: with one
/// call in flight, a repository of the second page deleted during the first page's reads is never
/// listed, so none of its reads is made (a listing read whole would have listed it and read it).
#[tokio::test(flavor = "current_thread")]
async fn repositories_are_read_page_by_page_as_each_page_arrives() {
    let fake = fake_with([repo("betekk-a"), repo("betekk-b"), repo("betekk-c")]);
    fake.set_page_size(2);
    fake.vanish_after(
        "ecr:GetLifecyclePolicy",
        crate::live::fake::Vanishing::Repository("betekk-c".into()),
    );
    let d = desired([repo("betekk-a"), repo("betekk-b"), repo("betekk-c")]);
    let before = fake.stats();
    let observed = observe(&fake, &d, 1).await.unwrap();
    let made = fake.stats().since(&before);
    assert_eq!(made.calls("ecr:DescribeRepositories"), 2, "two pages");
    assert_eq!(
        made.calls("ecr:GetLifecyclePolicy"),
        2,
        "betekk-c went before the second page was listed: never read"
    );
    let names: Vec<String> = observed.resources.keys().map(|a| a.name.clone()).collect();
    assert_eq!(names, ["betekk-a", "betekk-b"]);
}
