//! The executor makes no call its plan's ops did not declare: every kind created, changed in
//! every attribute, raced and pruned on the fake, with the calls of each apply held to the
//! declarations of its plan's ops.

use crate::kinds::repository::plan::RepositoryOp;
use std::collections::BTreeSet;

use super::*;
use crate::apply::{ApplyOptions, apply};
use crate::commands::init::starter_spec;
use crate::live::Aws;
use crate::live::fake::FakeAws;
use crate::model::{Desired, Resource};
use crate::plan::{Action, Change, Plan};
use crate::testing::*;

/// Every kind: init's standard set (provider, repository, roles, policies), a grant to a user,
/// registry settings, a pull-through cache rule with a role, and a creation template.
fn everything(version: u32) -> String {
    let keep = if version == 1 { 50 } else { 40 };
    let mut text =
        starter_spec("svc", "betekk").replace("keep_last: 50", &format!("keep_last: {keep}"));
    if version == 2 {
        text = text
            .replace("scan_on_push: true", "scan_on_push: false")
            .replace("max_session_duration: 3600", "max_session_duration: 7200")
            .replace(
                "subjects: [\"ref:refs/tags/v*\"]",
                "subjects: [\"ref:refs/heads/main\"]",
            )
            .replace(
                "ecr_push: [\"{prefix}-svc\"]",
                "ecr_push: [\"{prefix}-svc\", \"{prefix}-svc-extra\"]",
            );
    }
    text.push_str(&format!(
        r#"assume_role_grants:
  - user: deployer
    roles: ["{{PREFIX}}-GithubWorkflowsUploadRole"]
registry:
  scanning:
    type: ENHANCED
    rules:
      - frequency: {frequency}
        filters: ["{{prefix}}-*"]
  replication:
    rules:
      - destinations: [{{region: ap-southeast-2}}]
        filters: ["{{prefix}}-"]
  policy:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicateFromProd
        Effect: Allow
        Principal: {{AWS: "arn:aws:iam::444455556666:root"}}
        Action: [ecr:CreateRepository, ecr:ReplicateImage]
        Resource: "arn:aws:ecr:ap-southeast-1:{{account}}:repository/*"
  pull_through_cache:
    - {{prefix: "{{prefix}}-central", upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, custom_role_arn: "arn:aws:iam::{{account}}:role/{role}"}}
  creation_templates:
    - prefix: "{{prefix}}-central"
      applied_for: [PULL_THROUGH_CACHE]
      image_tag_mutability: {mutability}
      custom_role_arn: "arn:aws:iam::{{account}}:role/{role}"
"#,
        frequency = if version == 1 { "CONTINUOUS_SCAN" } else { "SCAN_ON_PUSH" },
        mutability = if version == 1 { "IMMUTABLE" } else { "MUTABLE" },
        role = if version == 1 { "CacheRole" } else { "OtherCacheRole" },
    ));
    if version == 2 {
        text = text.replace(
            "repositories:\n",
            "repositories:\n  - name: \"{prefix}-svc-extra\"\n",
        );
    }
    text
}

/// Applies `plan` and returns the calls the executor made that its ops did not declare, with
/// every call it made.
async fn apply_undeclared(
    fake: &FakeAws,
    plan: &Plan,
) -> (BTreeSet<String>, crate::live::ApiStats) {
    let declared: BTreeSet<&str> = plan
        .changes
        .iter()
        .flat_map(|c| &c.ops)
        .flat_map(|op| op.declared().calls.iter().copied())
        .collect();
    let before = fake.stats();
    let report = apply(fake, plan, &ApplyOptions::default(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    let made = fake.stats().since(&before);
    let extra = made
        .by_operation
        .keys()
        .filter(|op| !declared.contains(op.as_str()))
        .cloned()
        .collect();
    (extra, made)
}

/// Plans and applies `desired`; the calls the executor made that its plan's ops did not declare.
async fn undeclared(fake: &FakeAws, desired: &Desired) -> (Plan, BTreeSet<String>) {
    let plan = plan_on(fake, desired).await;
    let (extra, _) = apply_undeclared(fake, &plan).await;
    (plan, extra)
}

#[tokio::test(flavor = "current_thread")]
async fn apply_makes_no_call_its_plan_did_not_declare() {
    let fake = FakeAws::default();
    fake.seed_user("deployer");
    let mut seen_ops = BTreeSet::new();
    let mut check = async |desired: Desired, what: &str| {
        let (plan, extra) = undeclared(&fake, &desired).await;
        assert!(extra.is_empty(), "{what}: undeclared calls {extra:?}");
        assert!(!plan.is_empty(), "{what}: nothing was exercised");
        for op in plan.changes.iter().flat_map(|c| &c.ops) {
            seen_ops.insert(op.declared().op);
        }
        assert!(
            plan_on(&fake, &desired).await.is_empty(),
            "{what}: converged"
        );
    };
    check(spec(&everything(1)).desired, "from empty").await;
    check(spec(&everything(2)).desired, "every attribute changed").await;
    // A create race: the repository appears, unowned, between the plan and the apply.
    let mut raced = spec(&everything(2)).desired;
    raced.resources.push(Resource::Repository(
        repo("betekk-svc-raced").owned_by("svc").build(),
    ));
    let plan = plan_on(&fake, &raced).await;
    seed(&fake, repo("betekk-svc-raced").untagged().mutable(), 0);
    let (extra, made) = apply_undeclared(&fake, &plan).await;
    assert!(
        made.calls("ecr:DescribeRepositories") == 1,
        "the race was exercised: {made:?}"
    );
    assert!(extra.is_empty(), "create race: undeclared {extra:?}");
    // Pruned: everything but the provider left the spec.
    let pruned = spec(
        "version: 1\nstack: svc\nproject_prefix: betekk\nregion: ap-southeast-1\ngithub: {}\n",
    )
    .desired;
    check(pruned, "pruned").await;
    assert!(
        seen_ops.len() >= 20,
        "the scenarios exercise most ops: {seen_ops:?}"
    );
}

#[test]
fn every_op_has_one_row_and_every_row_is_an_op() {
    let mut names = BTreeSet::new();
    for row in OPS.iter() {
        assert!(
            names.insert((row.op, row.kind)),
            "{} on {:?} twice",
            row.op,
            row.kind
        );
        assert!(!row.calls.is_empty(), "{} declares no call", row.op);
        for call in row.calls {
            let (service, name) = call.split_once(':').expect("service:Operation");
            assert!(
                ["ecr", "iam", "ssm"].contains(&service) && name.starts_with(char::is_uppercase),
                "{call}"
            );
        }
    }
}

#[test]
fn plan_json_names_each_ops_iam_action() {
    let op = Op::Repository(RepositoryOp::PutScanOnPush {
        name: "betekk-app".into(),
        value: true,
    });
    let create = Op::Repository(RepositoryOp::CreateRepository {
        name: "betekk-app".into(),
        image_tag_mutability: crate::model::TagMutability::Immutable,
        exclusion_filters: vec![],
        scan_on_push: true,
        encryption: crate::model::Encryption::Aes256,
        tags: [("betekk-ecr:stack".to_string(), "svc".to_string())].into(),
    });
    let change = Change {
        address: crate::model::Address::new(crate::model::Kind::Repository, "betekk-app"),
        kind: crate::model::Kind::Repository,
        name: "betekk-app".into(),
        action: Action::Update,
        attributes: vec![],
        ops: vec![op, create],
        depends_on: vec![],
        notes: vec![],
        lifecycle_preview: None,
    };
    let json = serde_json::to_value(&change).unwrap();
    assert_eq!(
        json["ops"][0]["action"], "ecr:PutImageScanningConfiguration",
        "{json:#}"
    );
    let actions = json["ops"][1]["action"].as_array().unwrap();
    assert!(actions.contains(&"ecr:CreateRepository".into()));
    assert!(
        actions.contains(&"ecr:TagResource".into()),
        "tags at creation"
    );
    // A saved plan with actions reads back.
    let back: Change = serde_json::from_value(json).unwrap();
    assert_eq!(back.ops.len(), 2);
}
