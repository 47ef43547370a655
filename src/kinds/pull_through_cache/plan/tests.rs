//! Pull-through cache rules against the fake account: created and converged, updated in place or
//! replaced, adopted, pruned through the stack's record, and never taken from another stack.

use crate::apply::ApplyOptions;
use crate::drift::{Class, classify};
use crate::kinds::pull_through_cache::fake::rules;
use crate::kinds::pull_through_cache::plan::PullThroughCacheOp;
use crate::live::fake::FakeAws;
use crate::model::Kind;
use crate::model::PullThroughCacheRule;
use crate::model::registry_record::{RegistryRecord, parameter_name};
use crate::model::*;
use crate::observe::observe;
use crate::plan::*;
use crate::testing::*;

const SECRET: &str =
    "arn:{partition}:secretsmanager:{region}:{account}:secret:ecr-pullthroughcache/dockerhub";

fn rules_spec(stack: &str, rules: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: {stack}\nregion: ap-southeast-1\nregistry:\n  pull_through_cache:\n{rules}"
    ))
    .desired
}

fn docker_hub(secret: &str) -> String {
    format!(
        "    - {{prefix: \"{{prefix}}-dockerhub\", upstream: registry-1.docker.io, credential_arn: \"{secret}\"}}\n"
    )
}

const ECR_PUBLIC: &str = "    - {prefix: \"{prefix}-public\", upstream: public.ecr.aws}\n";

async fn apply_ok(fake: &FakeAws, desired: &Desired) -> Plan {
    let (plan, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn rule(fake: &FakeAws, prefix: &str) -> Option<PullThroughCacheRule> {
    rules(&mut fake.registry()).get(prefix).cloned()
}

fn record(fake: &FakeAws, stack: &str) -> Option<RegistryRecord> {
    fake.registry()
        .parameters
        .get(&parameter_name(stack))
        .and_then(|(v, _)| RegistryRecord::parse(v))
}

#[tokio::test]
async fn rules_are_created_recorded_converge_and_change() {
    let fake = FakeAws::default();
    let d = rules_spec("svc", &(docker_hub(SECRET) + ECR_PUBLIC));
    let plan = apply_ok(&fake, &d).await;
    assert_eq!(plan.summary().add, 3, "two rules and the record: {plan:#?}");
    let hub = rule(&fake, "betekk-dockerhub").unwrap();
    assert_eq!(hub.upstream, "registry-1.docker.io");
    assert_eq!(
        hub.credential_arn.as_deref(),
        Some(
            "arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:ecr-pullthroughcache/dockerhub"
        )
    );
    let recorded = record(&fake, "svc").unwrap();
    assert_eq!(
        recorded
            .section("pull_through_cache")
            .keys()
            .collect::<Vec<_>>(),
        vec!["betekk-dockerhub", "betekk-public"]
    );
    assert!(plan_on(&fake, &d).await.is_empty());

    // A new secret: updated in place.
    let other_secret = SECRET.replace("/dockerhub", "/dockerhub-2");
    let d2 = rules_spec("svc", &(docker_hub(&other_secret) + ECR_PUBLIC));
    let plan = plan_on(&fake, &d2).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::PullThroughCache)
        .unwrap();
    assert_eq!(change.action, Action::Update);
    assert!(matches!(
        change.ops[..],
        [Op::PullThroughCache(
            PullThroughCacheOp::UpdatePullThroughCacheRule { .. }
        )]
    ));
    apply_ok(&fake, &d2).await;
    assert!(
        rule(&fake, "betekk-dockerhub")
            .unwrap()
            .credential_arn
            .unwrap()
            .ends_with("dockerhub-2")
    );
    assert!(plan_on(&fake, &d2).await.is_empty());

    // Another upstream: replaced (delete, then create).
    let d3 = rules_spec(
        "svc",
        &(docker_hub(&other_secret) + "    - {prefix: \"{prefix}-public\", upstream: quay.io}\n"),
    );
    let plan = plan_on(&fake, &d3).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.address.name == "betekk-public")
        .unwrap();
    assert_eq!(change.action, Action::Replace);
    assert!(matches!(
        change.ops[..],
        [
            Op::PullThroughCache(PullThroughCacheOp::DeletePullThroughCacheRule { .. }),
            Op::PullThroughCache(PullThroughCacheOp::CreatePullThroughCacheRule { .. })
        ]
    ));
    apply_ok(&fake, &d3).await;
    assert_eq!(rule(&fake, "betekk-public").unwrap().upstream, "quay.io");
    assert!(plan_on(&fake, &d3).await.is_empty());
}

#[tokio::test]
async fn a_rule_left_out_of_the_spec_is_pruned_and_an_unrecorded_one_is_unmanaged() {
    let fake = FakeAws::default();
    apply_ok(
        &fake,
        &rules_spec("svc", &(docker_hub(SECRET) + ECR_PUBLIC)),
    )
    .await;
    // Someone else's rule named with the prefix, in no record.
    fake.tamper_registry(|r| {
        rules(r).insert(
            "betekk-k8s".into(),
            PullThroughCacheRule {
                prefix: "betekk-k8s".into(),
                upstream: "registry.k8s.io".into(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
                tags: Default::default(),
            },
        );
    });
    let d = rules_spec("svc", ECR_PUBLIC);
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let class_of = |name: &str| {
        report
            .resources
            .iter()
            .find(|r| r.name == name)
            .map(|r| r.class)
    };
    assert_eq!(
        class_of("betekk-dockerhub"),
        Some(Class::Pending),
        "{report:#?}"
    );
    assert_eq!(class_of("betekk-k8s"), Some(Class::Unmanaged));
    let k8s = report
        .resources
        .iter()
        .find(|r| r.name == "betekk-k8s")
        .unwrap();
    assert!(
        k8s.note
            .as_deref()
            .is_some_and(|n| n.contains("registry ownership record")),
        "{k8s:?}"
    );
    assert_eq!(class_of("betekk-public"), Some(Class::InSync));
    let plan = apply_ok(&fake, &d).await;
    assert!(
        plan.changes
            .iter()
            .any(|c| c.address.name == "betekk-dockerhub" && c.action == Action::Delete)
    );
    assert!(rule(&fake, "betekk-dockerhub").is_none());
    assert!(
        rule(&fake, "betekk-k8s").is_some(),
        "never pruned: not this stack's"
    );
    assert_eq!(
        record(&fake, "svc")
            .unwrap()
            .section("pull_through_cache")
            .keys()
            .collect::<Vec<_>>(),
        vec!["betekk-public"]
    );
    assert!(plan_on(&fake, &d).await.is_empty());

    // The whole section gone: the last rule pruned and the record deleted.
    let bare = spec("version: 1\nstack: svc\nregion: ap-southeast-1\n").desired;
    apply_ok(&fake, &bare).await;
    assert!(rule(&fake, "betekk-public").is_none());
    assert!(record(&fake, "svc").is_none());
    assert!(plan_on(&fake, &bare).await.is_empty());
}

#[tokio::test]
async fn an_existing_rule_is_adopted_and_another_stacks_rule_is_refused() {
    let fake = FakeAws::default();
    apply_ok(&fake, &rules_spec("other", ECR_PUBLIC)).await;
    let d = rules_spec("svc", ECR_PUBLIC);
    let observed = observe(&fake, &d, 4).await.unwrap();
    let err = plan(&d, &observed).unwrap_err().to_string();
    assert!(
        err.contains("pull_through_cache.betekk-public belongs to stack \"other\""),
        "{err}"
    );

    // A rule made in the console is adopted: only the record changes.
    let fake = FakeAws::default();
    fake.tamper_registry(|r| {
        rules(r).insert(
            "betekk-public".into(),
            PullThroughCacheRule {
                prefix: "betekk-public".into(),
                upstream: "public.ecr.aws".into(),
                credential_arn: None,
                custom_role_arn: None,
                upstream_repository_prefix: None,
                tags: Default::default(),
            },
        );
    });
    let plan = plan_on(&fake, &d).await;
    assert_eq!(
        plan.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        vec![Kind::RegistryRecord]
    );
    apply_ok(&fake, &d).await;
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test]
async fn a_changed_credential_out_of_band_is_drift() {
    let fake = FakeAws::default();
    let d = rules_spec("svc", &docker_hub(SECRET));
    apply_ok(&fake, &d).await;
    fake.tamper_registry(|r| {
        rules(r)
            .get_mut("betekk-dockerhub")
            .unwrap()
            .credential_arn = Some("arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:ecr-pullthroughcache/console".into());
    });
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let drifted = report
        .resources
        .iter()
        .find(|r| r.name == "betekk-dockerhub")
        .unwrap();
    assert_eq!(drifted.class, Class::Drifted);
    assert_eq!(drifted.attributes[0].name, "credential_arn");
}

#[test]
fn rule_mistakes_are_reported_where_they_are_written() {
    let case = |body: &str| {
        format!(
            "version: 1\nstack: s\nregion: ap-southeast-1\nregistry:\n  pull_through_cache:\n{body}"
        )
    };
    let cases = vec![
        (
            "unknown upstream",
            case("    - {prefix: a-hub, upstream: docker.io}\n"),
            vec![
                "test.yaml:6:23: registry.pull_through_cache[0].upstream: \"docker.io\" is not an upstream ECR pulls through; supported: public.ecr.aws, registry-1.docker.io, ghcr.io, registry.gitlab.com, registry.k8s.io, quay.io, cgr.dev, NAME.azurecr.io, ACCOUNT.dkr.ecr.REGION.amazonaws.com",
            ],
        ),
        (
            "Docker Hub without a credential",
            case("    - {prefix: a-hub, upstream: registry-1.docker.io}\n"),
            vec![
                "test.yaml:6:23: registry.pull_through_cache[0].credential_arn: registry-1.docker.io needs a credential: a Secrets Manager secret named ecr-pullthroughcache/… in this account and region",
            ],
        ),
        (
            "a secret not named for the cache",
            case(
                "    - {prefix: a-hub, upstream: ghcr.io, credential_arn: \"arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:github\"}\n",
            ),
            vec![
                "test.yaml:6:42: registry.pull_through_cache[0].credential_arn: \"arn:aws:secretsmanager:ap-southeast-1:123456789012:secret:github\" is not a Secrets Manager secret ARN named ecr-pullthroughcache/…: arn:{partition}:secretsmanager:{region}:{account}:secret:ecr-pullthroughcache/NAME",
            ],
        ),
        (
            "a prefix too long",
            case("    - {prefix: a-very-long-prefix-for-a-cache-rule, upstream: quay.io}\n"),
            vec![
                "test.yaml:6:8: registry.pull_through_cache[0].prefix: prefix \"a-very-long-prefix-for-a-cache-rule\" has 35 characters; ECR allows 2 to 30 (or ROOT)",
            ],
        ),
        (
            "two rules for one prefix",
            case(
                "    - {prefix: a-q, upstream: quay.io}\n    - {prefix: a-q/, upstream: public.ecr.aws}\n",
            ),
            vec![
                "test.yaml:7:8: registry.pull_through_cache[1].prefix: prefix \"a-q\" has a rule already",
            ],
        ),
        (
            "a role for a non-ECR upstream",
            case(
                "    - {prefix: a-q, upstream: quay.io, custom_role_arn: \"arn:aws:iam::123456789012:role/r\"}\n",
            ),
            vec![
                "test.yaml:6:40: registry.pull_through_cache[0].custom_role_arn: custom_role_arn is for an ECR upstream only",
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn the_pull_url_is_the_registry_host_and_prefix() {
    let rule = PullThroughCacheRule {
        prefix: "betekk-dockerhub".into(),
        upstream: "registry-1.docker.io".into(),
        credential_arn: None,
        custom_role_arn: None,
        upstream_repository_prefix: None,
        tags: Default::default(),
    };
    assert_eq!(
        rule.pull_url(&crate::model::Env::placeholder("ap-southeast-1")),
        "123456789012.dkr.ecr.ap-southeast-1.amazonaws.com/betekk-dockerhub"
    );
}

const ECR_UPSTREAM: &str = "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com";

/// An ECR-to-ECR rule, with `upstream_repository_prefix` written as given (`None`: left out).
fn ecr_to_ecr(upstream_prefix: Option<&str>) -> String {
    let field = upstream_prefix
        .map(|p| format!(", upstream_repository_prefix: \"{p}\""))
        .unwrap_or_default();
    format!(
        "    - {{prefix: \"{{prefix}}-central\", upstream: {ECR_UPSTREAM}, custom_role_arn: \"arn:{{partition}}:iam::{{account}}:role/BETEKK-CacheRole\"{field}}}\n"
    )
}

#[tokio::test]
async fn an_ecr_rule_is_created_with_its_upstream_prefix_and_a_new_one_replaces_it() {
    let fake = FakeAws::default();
    let d = rules_spec("svc", &ecr_to_ecr(Some("shared")));
    let plan = apply_ok(&fake, &d).await;
    let create = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::PullThroughCache)
        .unwrap();
    assert!(
        create
            .attributes
            .iter()
            .any(|a| a.name == "upstream_repository_prefix"
                && a.after == Some(serde_json::json!("shared"))),
        "{create:#?}"
    );
    assert_eq!(
        rule(&fake, "betekk-central")
            .unwrap()
            .upstream_repository_prefix
            .as_deref(),
        Some("shared")
    );
    assert!(plan_on(&fake, &d).await.is_empty());

    // Create-only: another upstream prefix deletes the rule and creates it again.
    let d2 = rules_spec("svc", &ecr_to_ecr(Some("team-a/apps")));
    let plan = plan_on(&fake, &d2).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::PullThroughCache)
        .unwrap();
    assert_eq!(change.action, Action::Replace);
    assert!(matches!(
        change.ops[..],
        [
            Op::PullThroughCache(PullThroughCacheOp::DeletePullThroughCacheRule { .. }),
            Op::PullThroughCache(PullThroughCacheOp::CreatePullThroughCacheRule { .. })
        ]
    ));
    let attribute = &change.attributes[0];
    assert_eq!(
        (attribute.name.as_str(), attribute.forces_replacement),
        ("upstream_repository_prefix", true),
        "{change:#?}"
    );
    apply_ok(&fake, &d2).await;
    assert_eq!(
        rule(&fake, "betekk-central")
            .unwrap()
            .upstream_repository_prefix
            .as_deref(),
        Some("team-a/apps")
    );
    assert!(plan_on(&fake, &d2).await.is_empty());

    // Left out again: back to ECR's default, ROOT, which is also a replacement.
    let d3 = rules_spec("svc", &ecr_to_ecr(None));
    let plan = plan_on(&fake, &d3).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::PullThroughCache)
        .unwrap();
    assert_eq!(change.action, Action::Replace, "{change:#?}");
}

#[tokio::test]
async fn an_ecr_rule_without_an_upstream_prefix_reads_back_as_root_and_is_no_change() {
    let fake = FakeAws::default();
    let d = rules_spec("svc", &ecr_to_ecr(None));
    apply_ok(&fake, &d).await;
    // AWS (and the fake) store ECR's default for a rule created without one.
    assert_eq!(
        rule(&fake, "betekk-central")
            .unwrap()
            .upstream_repository_prefix
            .as_deref(),
        Some("ROOT")
    );
    assert!(plan_on(&fake, &d).await.is_empty());
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let class = report
        .resources
        .iter()
        .find(|r| r.name == "betekk-central")
        .map(|r| r.class);
    assert_eq!(class, Some(Class::InSync), "{report:#?}");
    // Writing the default out is the same rule.
    assert!(
        plan_on(&fake, &rules_spec("svc", &ecr_to_ecr(Some("ROOT"))))
            .await
            .is_empty()
    );

    // Re-created by hand with another upstream prefix: drift on that attribute.
    fake.tamper_registry(|r| {
        rules(r)
            .get_mut("betekk-central")
            .unwrap()
            .upstream_repository_prefix = Some("console".into());
    });
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let drifted = report
        .resources
        .iter()
        .find(|r| r.name == "betekk-central")
        .unwrap();
    assert_eq!(drifted.class, Class::Drifted);
    assert_eq!(drifted.attributes[0].name, "upstream_repository_prefix");
}

#[test]
fn upstream_prefix_mistakes_are_reported_where_they_are_written() {
    let case = |body: &str| {
        format!(
            "version: 1\nstack: s\nregion: ap-southeast-1\nregistry:\n  pull_through_cache:\n{body}"
        )
    };
    let cases = vec![
        (
            "a non-ECR upstream",
            case("    - {prefix: a-q, upstream: quay.io, upstream_repository_prefix: shared}\n"),
            vec![
                "test.yaml:6:40: registry.pull_through_cache[0].upstream_repository_prefix: upstream_repository_prefix is for an ECR upstream (ACCOUNT.dkr.ecr.REGION.amazonaws.com) only, not quay.io",
            ],
        ),
        (
            "a ROOT rule",
            case(
                "    - {prefix: ROOT, upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, upstream_repository_prefix: shared}\n",
            ),
            vec![
                "test.yaml:6:83: registry.pull_through_cache[0].upstream_repository_prefix: ECR takes an upstream_repository_prefix only for a rule whose prefix is not ROOT",
            ],
        ),
        (
            "an upstream prefix too long",
            case(
                "    - {prefix: a-c, upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, upstream_repository_prefix: a-very-long-upstream-prefix-for-ecr}\n",
            ),
            vec![
                "test.yaml:6:82: registry.pull_through_cache[0].upstream_repository_prefix: prefix \"a-very-long-upstream-prefix-for-ecr\" has 35 characters; ECR allows 2 to 30 (or ROOT)",
            ],
        ),
        (
            "a bad prefix and a non-ECR upstream, both at once",
            case("    - {prefix: A, upstream: quay.io, upstream_repository_prefix: shared}\n"),
            vec![
                "test.yaml:6:8: registry.pull_through_cache[0].prefix: prefix \"A\" has 1 characters; ECR allows 2 to 30 (or ROOT)",
                "test.yaml:6:38: registry.pull_through_cache[0].upstream_repository_prefix: upstream_repository_prefix is for an ECR upstream (ACCOUNT.dkr.ecr.REGION.amazonaws.com) only, not quay.io",
            ],
        ),
        (
            "an upstream prefix with capitals",
            case(
                "    - {prefix: a-c, upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, upstream_repository_prefix: Shared}\n",
            ),
            vec![
                "test.yaml:6:82: registry.pull_through_cache[0].upstream_repository_prefix: prefix \"Shared\": lowercase letters and digits, . _ - between them, '/' between parts",
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

/// A rule recorded before `upstream_repository_prefix` existed: its fingerprint lacks the last
/// part, which reads as "none" (the value the table declares), so nothing changes and nothing drifts.
#[tokio::test]
async fn a_rule_recorded_before_the_upstream_prefix_existed_is_in_sync() {
    let fake = FakeAws::default();
    let d = rules_spec("svc", &ecr_to_ecr(None));
    apply_ok(&fake, &d).await;
    let name = parameter_name("svc");
    let mut older = record(&fake, "svc").unwrap();
    let current = older.section("pull_through_cache")["betekk-central"].clone();
    let (shorter, _) = current.rsplit_once(':').unwrap();
    older.own("pull_through_cache", "betekk-central", shorter.to_string());
    fake.tamper_registry(|r| r.parameters.get_mut(&name).unwrap().0 = older.encode());
    assert_ne!(
        record(&fake, "svc").unwrap().section("pull_through_cache")["betekk-central"],
        current
    );
    let plan = plan_on(&fake, &d).await;
    assert!(plan.is_empty(), "{plan:#?}");
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    assert_eq!(
        report
            .resources
            .iter()
            .find(|r| r.name == "betekk-central")
            .map(|r| r.class),
        Some(Class::InSync),
        "{report:#?}"
    );
}
