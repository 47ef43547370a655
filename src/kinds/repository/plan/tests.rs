//! The planner on repositories, table by table: desired × observed → plan.

use crate::kinds::repository::plan::RepositoryOp;
use crate::plan::tag_ops::TagOp;
use serde_json::{Value, json};

use crate::kinds::repository::plan::DeleteReason;
use crate::model::TagTarget;
use crate::model::*;
use crate::model::{Kind, LifecyclePolicy, PolicyDocument, Repository, TagMutability};
use crate::plan::*;
use crate::testing::*;

fn address(name: &str) -> Address {
    Address::new(Kind::Repository, name)
}

fn only_change(plan: &Plan) -> &Change {
    assert_eq!(plan.changes.len(), 1, "expected one change: {plan:#?}");
    &plan.changes[0]
}

fn attr_names(change: &Change) -> Vec<&str> {
    change.attributes.iter().map(|a| a.name.as_str()).collect()
}

#[test]
fn creates_on_an_empty_account_with_every_attribute_new() {
    let want = repo("betekk-app")
        .mutable()
        .lifecycle(keep_last(10))
        .policy(PULL_POLICY)
        .tag("Team", "platform")
        .build();
    let plan = plan(
        &desired([want.clone()]),
        &observed(Vec::<Repository>::new()),
    )
    .unwrap();

    let change = only_change(&plan);
    assert_eq!(change.action, Action::Create);
    assert_eq!(change.address, address("betekk-app"));
    assert_eq!(
        attr_names(change),
        [
            "image_tag_mutability",
            "scan_on_push",
            "encryption",
            "lifecycle_policy",
            "repository_policy",
            "tags"
        ]
    );
    for a in &change.attributes {
        assert_eq!(a.before, None, "{}", a.name);
        assert!(a.after.is_some(), "{}", a.name);
    }
    assert_eq!(change.attributes[0].after, Some(json!("MUTABLE")));
    assert_eq!(
        real_ops(&change.ops),
        [
            Op::Repository(RepositoryOp::CreateRepository {
                name: "betekk-app".into(),
                image_tag_mutability: TagMutability::Mutable,
                exclusion_filters: Vec::new(),
                scan_on_push: true,
                encryption: crate::model::Encryption::Aes256,
                tags: want.tags.clone(),
            }),
            Op::Repository(RepositoryOp::PutLifecyclePolicy {
                name: "betekk-app".into(),
                text: keep_last(10).to_aws_text(),
            }),
            Op::Repository(RepositoryOp::SetRepositoryPolicy {
                name: "betekk-app".into(),
                text: PolicyDocument::parse(PULL_POLICY).unwrap().to_json_string(),
            }),
        ]
    );
    assert_eq!(
        plan.summary(),
        Summary {
            add: 1,
            ..Summary::default()
        }
    );
}

#[test]
fn create_without_optional_documents_lists_only_what_is_set() {
    let plan = plan(
        &desired([repo("betekk-app")]),
        &observed(Vec::<Repository>::new()),
    )
    .unwrap();
    let change = only_change(&plan);
    assert_eq!(
        attr_names(change),
        ["image_tag_mutability", "scan_on_push", "encryption", "tags"]
    );
    assert_eq!(
        change.ops.len(),
        1,
        "only CreateRepository: {:?}",
        change.ops
    );
}

#[test]
fn no_change_when_live_equals_spec() {
    let r = repo("betekk-app")
        .lifecycle(keep_releases_expire_untagged(50, 14))
        .policy(PULL_POLICY)
        .tag("Team", "platform");
    let plan = plan(&desired([r.clone()]), &observed([r])).unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
    assert!(plan.summary().is_empty());
}

type Edit = fn(RepoBuilder) -> RepoBuilder;

/// One attribute changed out of band: what the spec says, what AWS has, and the expected plan.
struct DriftCase {
    name: &'static str,
    want: Edit,
    have: Edit,
    attribute: &'static str,
    before: Option<Value>,
    after: Option<Value>,
    ops: fn(&str) -> Vec<Op>,
}

fn drift_cases() -> Vec<DriftCase> {
    let lifecycle_10 = json(keep_last(10));
    let lifecycle_5 = json(keep_last(5));
    let policy = PolicyDocument::parse(PULL_POLICY)
        .unwrap()
        .original()
        .clone();
    vec![
        DriftCase {
            name: "mutability flipped to MUTABLE",
            want: |r| r,
            have: |r| r.mutable(),
            attribute: "image_tag_mutability",
            before: Some(json!("MUTABLE")),
            after: Some(json!("IMMUTABLE")),
            ops: |n| {
                vec![Op::Repository(RepositoryOp::PutImageTagMutability {
                    name: n.into(),
                    value: TagMutability::Immutable,
                    exclusion_filters: Vec::new(),
                })]
            },
        },
        DriftCase {
            name: "scan on push turned off",
            want: |r| r,
            have: |r| r.scan_on_push(false),
            attribute: "scan_on_push",
            before: Some(json!(false)),
            after: Some(json!(true)),
            ops: |n| {
                vec![Op::Repository(RepositoryOp::PutScanOnPush {
                    name: n.into(),
                    value: true,
                })]
            },
        },
        DriftCase {
            name: "lifecycle policy removed",
            want: |r| r.lifecycle(keep_last(10)),
            have: |r| r,
            attribute: "lifecycle_policy",
            before: None,
            after: Some(lifecycle_10.clone()),
            ops: |n| {
                vec![Op::Repository(RepositoryOp::PutLifecyclePolicy {
                    name: n.into(),
                    text: keep_last(10).to_aws_text(),
                })]
            },
        },
        DriftCase {
            name: "lifecycle count edited",
            want: |r| r.lifecycle(keep_last(10)),
            have: |r| r.lifecycle(keep_last(5)),
            attribute: "lifecycle_policy",
            before: Some(lifecycle_5),
            after: Some(lifecycle_10.clone()),
            ops: |n| {
                vec![Op::Repository(RepositoryOp::PutLifecyclePolicy {
                    name: n.into(),
                    text: keep_last(10).to_aws_text(),
                })]
            },
        },
        DriftCase {
            name: "lifecycle policy added by hand",
            want: |r| r,
            have: |r| r.lifecycle(keep_last(10)),
            attribute: "lifecycle_policy",
            before: Some(lifecycle_10),
            after: None,
            ops: |n| {
                vec![Op::Repository(RepositoryOp::DeleteLifecyclePolicy {
                    name: n.into(),
                })]
            },
        },
        DriftCase {
            name: "repository policy removed",
            want: |r| r.policy(PULL_POLICY),
            have: |r| r,
            attribute: "repository_policy",
            before: None,
            after: Some(policy.clone()),
            ops: |n| {
                vec![Op::Repository(RepositoryOp::SetRepositoryPolicy {
                    name: n.into(),
                    text: PolicyDocument::parse(PULL_POLICY).unwrap().to_json_string(),
                })]
            },
        },
        DriftCase {
            name: "repository policy added by hand",
            want: |r| r,
            have: |r| r.policy(PULL_POLICY),
            attribute: "repository_policy",
            before: Some(policy),
            after: None,
            ops: |n| {
                vec![Op::Repository(RepositoryOp::DeleteRepositoryPolicy {
                    name: n.into(),
                })]
            },
        },
        DriftCase {
            name: "tag value changed and an extra tag added by hand",
            want: |r| r.tag("Team", "platform"),
            have: |r| r.tag("Team", "data").tag("Owner", "someone"),
            attribute: "tags",
            before: Some(json(
                repo("x").tag("Team", "data").tag("Owner", "someone").0.tags,
            )),
            after: Some(json(repo("x").tag("Team", "platform").0.tags)),
            ops: |n| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::Repository { arn: arn(n) },
                    set: tags(&[("Team", "platform")]),
                    unset: vec!["Owner".into()],
                })]
            },
        },
        DriftCase {
            name: "tag removed",
            want: |r| r.tag("Team", "platform"),
            have: |r| r,
            attribute: "tags",
            before: Some(json(repo("x").0.tags)),
            after: Some(json(repo("x").tag("Team", "platform").0.tags)),
            ops: |n| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::Repository { arn: arn(n) },
                    set: tags(&[("Team", "platform")]),
                    unset: Vec::new(),
                })]
            },
        },
    ]
}

#[test]
fn each_attribute_changed_out_of_band_is_an_in_place_update() {
    for case in drift_cases() {
        let name = "betekk-app";
        let want = (case.want)(repo(name));
        let have = (case.have)(repo(name));
        let plan = plan(&desired([want]), &observed([have])).unwrap();
        let change = only_change(&plan);
        assert_eq!(change.action, Action::Update, "{}", case.name);
        assert_eq!(attr_names(change), [case.attribute], "{}", case.name);
        let a = &change.attributes[0];
        assert_eq!(a.before, case.before, "{}: before", case.name);
        assert_eq!(a.after, case.after, "{}: after", case.name);
        assert!(!a.forces_replacement, "{}", case.name);
        assert_eq!(
            real_ops(&change.ops),
            (case.ops)(name),
            "{}: ops",
            case.name
        );
        assert_eq!(
            plan.summary(),
            Summary {
                change: 1,
                ..Summary::default()
            }
        );
    }
}

#[test]
fn several_drifts_in_one_repository_are_one_update() {
    let plan = plan(
        &desired([repo("betekk-app").lifecycle(keep_last(3))]),
        &observed([repo("betekk-app").mutable().scan_on_push(false)]),
    )
    .unwrap();
    let change = only_change(&plan);
    assert_eq!(
        attr_names(change),
        ["image_tag_mutability", "scan_on_push", "lifecycle_policy"]
    );
    assert_eq!(real_ops(&change.ops).len(), 3);
}

#[test]
fn encryption_change_replaces_deleting_first() {
    let cases: [(&str, RepoBuilder, RepoBuilder); 3] = [
        (
            "AES256 to KMS",
            repo("betekk-app").kms(KMS_ARN),
            repo("betekk-app"),
        ),
        (
            "KMS to AES256",
            repo("betekk-app").force_delete(),
            repo("betekk-app").kms(KMS_ARN),
        ),
        (
            "another KMS key",
            repo("betekk-app").kms("arn:aws:kms:ap-southeast-1:123456789012:key/other"),
            repo("betekk-app").kms(KMS_ARN),
        ),
    ];
    for (name, want, have) in cases {
        let want = want.build();
        let plan = plan(&desired([want.clone()]), &observed([have])).unwrap();
        let change = only_change(&plan);
        assert_eq!(change.action, Action::Replace, "{name}");
        let enc = change
            .attributes
            .iter()
            .find(|a| a.name == "encryption")
            .unwrap_or_else(|| panic!("{name}: no encryption attribute"));
        assert!(enc.forces_replacement, "{name}");
        assert_eq!(enc.after, Some(json(&want.settings.encryption)), "{name}");
        assert!(
            change
                .attributes
                .iter()
                .filter(|a| a.name != "encryption")
                .all(|a| !a.forces_replacement),
            "{name}"
        );
        assert_eq!(
            change.ops[0],
            Op::Repository(RepositoryOp::DeleteRepository {
                name: "betekk-app".into(),
                force_delete: want.force_delete,
                reason: DeleteReason::Replace,
            }),
            "{name}"
        );
        assert!(
            matches!(&change.ops[1], Op::Repository(RepositoryOp::CreateRepository { encryption, .. }) if *encryption == want.settings.encryption),
            "{name}: {:?}",
            change.ops
        );
        assert!(!change.notes.is_empty(), "{name}: the user is warned");
        assert_eq!(
            plan.summary(),
            Summary {
                replace: 1,
                ..Summary::default()
            }
        );
    }
}

#[test]
fn replacement_recreates_the_documents_and_shows_other_differences() {
    let want = repo("betekk-app")
        .kms(KMS_ARN)
        .lifecycle(keep_last(4))
        .policy(PULL_POLICY);
    let have = repo("betekk-app").lifecycle(keep_last(4)).mutable();
    let plan = plan(&desired([want]), &observed([have])).unwrap();
    let change = only_change(&plan);
    // Unchanged attributes are not listed; the recreated repository still gets its documents.
    assert_eq!(
        attr_names(change),
        ["image_tag_mutability", "encryption", "repository_policy"]
    );
    let kinds: Vec<&str> = change
        .ops
        .iter()
        .map(|op| match op {
            Op::Repository(RepositoryOp::DeleteRepository { .. }) => "delete",
            Op::Repository(RepositoryOp::CreateRepository { .. }) => "create",
            Op::Repository(RepositoryOp::PutLifecyclePolicy { .. }) => "lifecycle",
            Op::Repository(RepositoryOp::SetRepositoryPolicy { .. }) => "policy",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["delete", "create", "lifecycle", "policy"]);
}

#[test]
fn kms_named_by_alias_or_key_id_is_not_a_perpetual_replace() {
    for spec_key in [
        "alias/ecr",
        "arn:aws:kms:ap-southeast-1:123456789012:alias/ecr",
        "1234abcd-12ab-34cd-56ef-1234567890ab",
        KMS_ARN,
    ] {
        let plan = plan(
            &desired([repo("betekk-app").kms(spec_key)]),
            &observed([repo("betekk-app").kms(KMS_ARN)]),
        )
        .unwrap();
        assert!(plan.is_empty(), "{spec_key}: {plan:#?}");
    }
}

/// The managed key's ARN, as AWS reports it for a repository created with a KMS type and no key.
const MANAGED_KEY_ARN: &str =
    "arn:aws:kms:ap-southeast-1:123456789012:key/0e0e0e0e-aaaa-4bbb-8ccc-000000000000";

#[test]
fn a_kms_type_without_key_does_not_churn_against_the_managed_key_aws_reports() {
    use crate::model::Encryption;
    for (name, want, have) in [
        (
            "KMS",
            Encryption::Kms { kms_key: None },
            Encryption::Kms {
                kms_key: Some(MANAGED_KEY_ARN.into()),
            },
        ),
        (
            "KMS_DSSE",
            Encryption::KmsDsse { kms_key: None },
            Encryption::KmsDsse {
                kms_key: Some(MANAGED_KEY_ARN.into()),
            },
        ),
    ] {
        let d = desired([repo("betekk-app").encryption(want.clone())]);
        let o = observed([repo("betekk-app").encryption(have.clone())]);
        let plan = plan(&d, &o).unwrap();
        assert!(plan.is_empty(), "{name}: {plan:#?}");
        // Drift agrees: the fingerprint holds the type, which both sides share.
        let report = crate::drift::classify(&d, &o).unwrap();
        assert!(report.in_sync(), "{name}: {report:#?}");
    }
}

#[test]
fn kms_and_kms_dsse_are_different_encryptions() {
    use crate::model::Encryption;
    let want = repo("betekk-app").encryption(Encryption::KmsDsse { kms_key: None });
    let have = repo("betekk-app").encryption(Encryption::Kms {
        kms_key: Some(MANAGED_KEY_ARN.into()),
    });
    let plan = plan(&desired([want]), &observed([have])).unwrap();
    let change = only_change(&plan);
    assert_eq!(change.action, Action::Replace);
    assert_eq!(attr_names(change), ["encryption"]);
}

#[tokio::test(flavor = "current_thread")]
async fn a_repository_created_under_the_managed_key_plans_converged_on_the_fake() {
    use crate::model::Encryption;
    for encryption in [
        Encryption::Kms { kms_key: None },
        Encryption::KmsDsse { kms_key: None },
    ] {
        let d = desired([repo("betekk-app").encryption(encryption.clone())]);
        let fake = crate::live::fake::FakeAws::new(ACCOUNT, REGION);
        let (_, report) = run_apply(&fake, &d, &Default::default()).await;
        assert!(report.succeeded(), "{report:#?}");
        // The fake reports the managed key, as AWS does.
        let stored = fake.repository("betekk-app").unwrap().info.encryption;
        assert_eq!(stored.type_name(), encryption.type_name());
        assert_eq!(stored.kms_key(), Some(fake.managed_kms_key_arn().as_str()));
        let again = plan_on(&fake, &d).await;
        assert!(again.is_empty(), "{encryption:?}: {again:#?}");
    }
}

/// On the fake, not on LocalStack: the emulator's ECR refuses ECR's archive forms (see
/// tests/integration/ecr.rs).
#[tokio::test(flavor = "current_thread")]
async fn archive_lifecycle_rules_apply_and_then_plan_converged() {
    let d = spec(
        "version: 1\nstack: test\nrepositories:\n  - name: betekk-app\n    lifecycle_policy:\n      rules:\n\
         \x20       - {priority: 1, tag_status: tagged, tag_patterns: [\"release-*\"], not_pulled_for_days: 120, action: archive}\n\
         \x20       - {priority: 2, tag_status: untagged, expire_after_days: 14}\n\
         \x20       - {priority: 3, tag_status: any, archived_for_days: 365}\n",
    )
    .desired;
    let fake = crate::live::fake::FakeAws::new(ACCOUNT, REGION);
    let (first, report) = run_apply(&fake, &d, &Default::default()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(first.summary().add, 1);
    let text = fake
        .repository("betekk-app")
        .unwrap()
        .lifecycle_policy
        .unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["rules"][0]["action"],
        json!({"type": "transition", "targetStorageClass": "archive"})
    );
    assert_eq!(doc["rules"][2]["selection"]["storageClass"], "archive");
    let again = plan_on(&fake, &d).await;
    assert!(again.is_empty(), "{again:#?}");
}

/// `betekk-app` is adopted: an update whose only write is the ownership tags.
fn assert_adopted_by_tagging(change: &Change) {
    assert_eq!(change.action, Action::Update, "{change:#?}");
    assert_eq!(
        real_ops(&change.ops),
        [Op::Tags(TagOp::SetTags {
            target: TagTarget::Repository {
                arn: arn("betekk-app")
            },
            set: ownership_tags(STACK),
            unset: Vec::new(),
        })]
    );
}

#[test]
fn an_untagged_existing_repository_is_adopted_by_tagging() {
    let plan = plan(
        &desired([repo("betekk-app").tag("Team", "platform")]),
        &observed([repo("betekk-app").untagged().tag("Team", "platform")]),
    )
    .unwrap();
    let change = only_change(&plan);
    assert_eq!(attr_names(change), ["tags"]);
    assert_adopted_by_tagging(change);
}

#[test]
fn adoption_never_recreates_even_when_encryption_differs() {
    let plan = plan(
        &desired([repo("betekk-app").kms("arn:aws:kms:ap-southeast-1:123456789012:key/k")]),
        &observed([repo("betekk-app").untagged()]),
    )
    .unwrap();
    let change = only_change(&plan);
    assert_eq!(change.action, Action::Update, "{change:#?}");
    assert!(
        !change
            .ops
            .iter()
            .any(|op| matches!(op, Op::Repository(RepositoryOp::DeleteRepository { .. })))
    );
    assert!(
        change
            .notes
            .iter()
            .any(|n| n.contains("encryption differs")),
        "{:?}",
        change.notes
    );
}

#[test]
fn a_repository_with_a_stack_tag_but_no_managed_by_is_adopted_not_refused() {
    // Only ManagedBy=betekk-ecr makes a resource ours (or another stack's).
    let plan = plan(
        &desired([repo("betekk-app")]),
        &observed([repo("betekk-app")
            .untagged()
            .tag(crate::model::STACK_TAG, "other")]),
    )
    .unwrap();
    assert_adopted_by_tagging(only_change(&plan));
}

#[test]
fn a_repository_of_another_stack_is_refused() {
    let err = plan(
        &desired([repo("betekk-app")]),
        &observed([repo("betekk-app").owned_by("billing")]),
    )
    .unwrap_err();
    assert_eq!(
        err,
        PlanError::OwnedByAnotherStack {
            address: address("betekk-app"),
            owner: "billing".into(),
            stack: STACK.into(),
        }
    );
    let message = err.to_string();
    assert!(
        message.starts_with(r#"repository.betekk-app belongs to stack "billing", not "test""#),
        "{message}"
    );
}

#[test]
fn a_repository_this_stack_owns_that_left_the_spec_is_deleted_last() {
    let plan = plan(
        &desired([repo("betekk-zz-new"), repo("betekk-mid").mutable()]),
        &observed([repo("betekk-aa-gone"), repo("betekk-mid")]),
    )
    .unwrap();
    let order: Vec<(&str, Action)> = plan
        .changes
        .iter()
        .map(|c| (c.name.as_str(), c.action))
        .collect();
    assert_eq!(
        order,
        [
            ("betekk-mid", Action::Update),
            ("betekk-zz-new", Action::Create),
            ("betekk-aa-gone", Action::Delete),
        ]
    );
    let delete = &plan.changes[2];
    assert_eq!(
        delete.ops,
        [Op::Repository(RepositoryOp::DeleteRepository {
            name: "betekk-aa-gone".into(),
            force_delete: false,
            reason: DeleteReason::Destroy,
        })]
    );
    assert!(delete.attributes.is_empty());
    assert_eq!(
        plan.summary(),
        Summary {
            add: 1,
            change: 1,
            replace: 0,
            destroy: 1
        }
    );
}

#[test]
fn repositories_this_stack_does_not_own_are_never_deleted() {
    let plan = plan(
        &desired([repo("betekk-app")]),
        &observed([
            repo("betekk-app"),
            repo("betekk-handmade").untagged(),
            repo("betekk-other-stack").owned_by("billing"),
            repo("betekk-half-tagged")
                .untagged()
                .tag(crate::model::STACK_TAG, STACK),
        ]),
    )
    .unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
}

#[test]
fn an_empty_spec_prunes_everything_the_stack_owns() {
    let plan = plan(
        &desired(Vec::<Repository>::new()),
        &observed([repo("betekk-a"), repo("betekk-b")]),
    )
    .unwrap();
    assert!(plan.changes.iter().all(|c| c.action == Action::Delete));
    assert_eq!(plan.summary().destroy, 2);
}

#[test]
fn a_repository_policy_written_differently_is_no_change() {
    let spec_text = r#"{"Version":"2012-10-17","Statement":[
        {"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},
        {"Sid":"Push","Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":"ecr:PutImage"}]}"#;
    let cases = [
        (
            "keys reordered",
            r#"{"Statement":[{"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"],"Principal":{"AWS":"123456789012"},"Effect":"Allow","Sid":"Pull"},{"Action":"ecr:PutImage","Principal":{"AWS":["123456789012"]},"Effect":"Allow","Sid":"Push"}],"Version":"2012-10-17"}"#,
        ),
        (
            "single string vs list",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},{"Sid":"Push","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["ecr:PutImage"]}]}"#,
        ),
        (
            "account id vs root ARN",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]},{"Sid":"Push","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:PutImage"}]}"#,
        ),
        (
            "statement order",
            r#"{"Version":"2012-10-17","Statement":[{"Sid":"Push","Effect":"Allow","Principal":{"AWS":["123456789012"]},"Action":"ecr:PutImage"},{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":["ecr:GetDownloadUrlForLayer","ecr:BatchGetImage"]}]}"#,
        ),
    ];
    let want = repo("betekk-app").policy(spec_text);
    for (name, live_text) in cases {
        let have = repo("betekk-app").policy(live_text);
        let plan = plan(&desired([want.clone()]), &observed([have])).unwrap();
        assert!(plan.is_empty(), "{name}: {plan:#?}");
    }
    // The same comparison notices a real difference.
    let have = repo("betekk-app").policy(&spec_text.replace("ecr:PutImage", "ecr:*"));
    assert!(
        !plan(&desired([want]), &observed([have]))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn a_lifecycle_policy_reformatted_by_aws_is_no_change() {
    let aws_text = r#"{
      "rules": [
        {"action": {"type": "expire"}, "rulePriority": 2,
         "selection": {"countNumber": 14, "countUnit": "days", "countType": "sinceImagePushed", "tagStatus": "untagged"}},
        {"selection": {"tagPrefixList": ["v", "v"], "countType": "imageCountMoreThan", "tagStatus": "tagged", "countNumber": 50},
         "description": "", "rulePriority": 1, "action": {"type": "expire"}}
      ]
    }"#;
    let have = repo("betekk-app").lifecycle(LifecyclePolicy::from_aws_text(aws_text));
    let want = repo("betekk-app").lifecycle(keep_releases_expire_untagged(50, 14));
    let plan = plan(&desired([want]), &observed([have])).unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
}

#[test]
fn a_lifecycle_policy_the_spec_cannot_express_is_replaced() {
    let foreign = LifecyclePolicy::from_aws_text(
        r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":1},"action":{"type":"transition"}}]}"#,
    );
    let plan = plan(
        &desired([repo("betekk-app").lifecycle(keep_last(1))]),
        &observed([repo("betekk-app").lifecycle(foreign)]),
    )
    .unwrap();
    let change = only_change(&plan);
    assert!(matches!(
        real_ops(&change.ops)[..],
        [Op::Repository(RepositoryOp::PutLifecyclePolicy { .. })]
    ));
}

#[test]
fn plan_order_puts_every_delete_after_every_other_change() {
    let plan = Plan::new(vec![
        Change::new(address("betekk-a"), Action::Delete, vec![], vec![]),
        Change::new(address("betekk-z"), Action::Create, vec![], vec![]),
        Change::new(address("betekk-b"), Action::Replace, vec![], vec![]),
        Change::new(address("betekk-c"), Action::Delete, vec![], vec![]),
        Change::new(address("betekk-a0"), Action::Update, vec![], vec![]),
    ]);
    let order: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        order,
        ["betekk-a0", "betekk-b", "betekk-z", "betekk-a", "betekk-c"]
    );
}

mod against_the_fake {
    //! The planner fed by `observe` over the fake, which stores and hands back policies as AWS does.

    use super::*;
    use crate::apply::ApplyOptions;

    #[tokio::test(flavor = "current_thread")]
    async fn apply_then_plan_is_empty_with_policies_aws_reformats() {
        let d = desired([repo("betekk-app")
            .lifecycle(keep_releases_expire_untagged(50, 14))
            .policy(PULL_POLICY)]);
        let fake = fake_with(Vec::<Repository>::new());
        let (first, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
        assert_eq!(first.summary().add, 1);
        assert!(report.succeeded(), "{report:#?}");
        // The fake really hands back different text than what was sent.
        let stored = fake.repository("betekk-app").unwrap();
        let sent = keep_releases_expire_untagged(50, 14).to_aws_text();
        assert_eq!(stored.lifecycle_policy.as_deref(), Some(sent.as_str()));
        assert!(plan_on(&fake, &d).await.is_empty());
    }

    #[tokio::test(flavor = "current_thread")]
    async fn a_repository_without_the_prefix_is_not_touched() {
        let fake = fake_with([
            repo("other-app"),
            repo("betekkapp"),
            repo("team/betekk-app"),
        ]);
        let d = desired([repo("betekk-app")]);
        let plan = plan_on(&fake, &d).await;
        let names: Vec<&str> = plan.changes.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["betekk-app"], "only the create: {plan:#?}");
    }

    #[tokio::test(flavor = "current_thread")]
    async fn prefixed_namespaces_are_prune_candidates() {
        let fake = fake_with([repo("betekk/old-app"), repo("betekk-old")]);
        let plan = plan_on(&fake, &desired(Vec::<Repository>::new())).await;
        let names: Vec<(&str, Action)> = plan
            .changes
            .iter()
            .map(|c| (c.name.as_str(), c.action))
            .collect();
        assert_eq!(
            names,
            [
                ("betekk-old", Action::Delete),
                ("betekk/old-app", Action::Delete)
            ]
        );
    }
}

/// ECR's tag-mutability exclusions (`IMMUTABLE_WITH_EXCLUSION`): set from the spec, and one set in
/// the console is no longer read as in sync.
#[tokio::test(flavor = "current_thread")]
async fn tag_mutability_exclusions_are_created_compared_and_repaired() {
    let yaml = "version: 1\nstack: test\nrepositories:\n  - name: betekk-app\n    image_tag_mutability_exclusion_filters: [latest, \"dev-*\"]\n";
    let d = spec(yaml).desired;
    let fake = crate::live::fake::FakeAws::new(ACCOUNT, REGION);
    let (plan, report) = run_apply(&fake, &d, &crate::apply::ApplyOptions::default()).await;
    assert!(report.succeeded());
    assert!(
        matches!(&plan.changes[0].ops[0], Op::Repository(RepositoryOp::CreateRepository { exclusion_filters, .. }) if exclusion_filters == &["dev-*", "latest"])
    );
    assert_eq!(
        fake.repository("betekk-app")
            .unwrap()
            .info
            .exclusion_filters,
        ["dev-*", "latest"]
    );
    assert!(plan_on(&fake, &d).await.is_empty());

    // Changed in the console: a difference, repaired by one call.
    use crate::live::EcrApi;
    fake.put_image_tag_mutability("betekk-app", TagMutability::Immutable, &["*".to_string()])
        .await
        .unwrap();
    let plan = plan_on(&fake, &d).await;
    let change = only_change(&plan);
    assert_eq!(
        attr_names(change),
        ["image_tag_mutability_exclusion_filters"]
    );
    assert_eq!(change.attributes[0].before, Some(json!(["*"])));
    assert!(
        matches!(&change.ops[0], Op::Repository(RepositoryOp::PutImageTagMutability { exclusion_filters, .. }) if exclusion_filters == &["dev-*", "latest"])
    );
    let report = crate::apply::apply(
        &fake,
        &plan,
        &crate::apply::ApplyOptions::default(),
        &|_| {},
    )
    .await;
    assert!(report.succeeded());
    assert!(plan_on(&fake, &d).await.is_empty());

    // Drift tells it apart from a pending spec change: the fingerprint recorded the filters.
    fake.put_image_tag_mutability("betekk-app", TagMutability::Immutable, &[])
        .await
        .unwrap();
    let observed = crate::observe::observe(&fake, &d, 4).await.unwrap();
    let drift = crate::drift::classify(&d, &observed).unwrap();
    let text = serde_json::to_string(&drift).unwrap();
    assert!(
        text.contains("image_tag_mutability_exclusion_filters"),
        "{text}"
    );
    assert!(text.contains("drifted"), "{text}");

    // Spec errors.
    let errors = spec_errors(
        "version: 1\nstack: t\nrepositories:\n  - name: app\n    image_tag_mutability_exclusion_filters: [a, b, c, d, e, f]\n",
    );
    assert!(
        errors[0].contains("ECR takes 1 to 5 filters, got 6"),
        "{errors:?}"
    );
    let errors = spec_errors(
        "version: 1\nstack: t\nrepositories:\n  - name: app\n    image_tag_mutability_exclusion_filters: [\"v/1\"]\n",
    );
    assert!(
        errors[0].contains("a filter is 1-128 letters"),
        "{errors:?}"
    );
}

/// `betekk-app` live with `keep_last(10)`, holding these `(digest, tags, days old)` images read
/// at `NOW`.
fn with_images(images: &[(&str, &[&str], i64)]) -> crate::model::Observed {
    const NOW: i64 = 1_800_000_000_000;
    let mut o = observed([repo("betekk-app").lifecycle(keep_last(10))]);
    let live = o.resources.get_mut(&address("betekk-app")).unwrap();
    live.dependents.images = Some(crate::model::image::ImagesRead {
        at: NOW,
        images: images
            .iter()
            .map(|(digest, tags, days)| {
                let mut i = crate::model::image::Image::new(digest, NOW - days * 86_400_000);
                i.tags = tags.iter().map(|t| t.to_string()).collect();
                i
            })
            .collect(),
        unread_indexes: 0,
    });
    o
}

#[test]
fn a_changed_lifecycle_policy_notes_what_the_new_rules_would_expire_now() {
    let want = repo("betekk-app").lifecycle(keep_releases_expire_untagged(1, 14));
    let o = with_images(&[
        ("sha256:1", &["v1.0.0"], 30),
        ("sha256:2", &["v1.7.3"], 20),
        ("sha256:3", &["v2.0.0"], 10),
        ("sha256:4", &[], 20),
        ("sha256:5", &[], 1),
    ]);
    let plan = plan(&desired([want]), &o).unwrap();
    let change = only_change(&plan);
    assert_eq!(attr_names(change), ["lifecycle_policy"]);
    assert_eq!(
        change.notes,
        [
            "lifecycle_policy: the new rules would expire 3 images now (2 tagged: v1.0.0, v1.7.3; 1 untagged)"
        ]
    );
    let preview = change.lifecycle_preview.as_ref().unwrap();
    assert_eq!((preview.summary.expire, preview.summary.keep), (3, 2));
    let affected: Vec<&str> = preview.affected.iter().map(|a| a.digest.as_str()).collect();
    assert_eq!(affected, ["sha256:1", "sha256:2", "sha256:4"]);
    let json = serde_json::to_value(change).unwrap();
    assert_eq!(json["lifecycle_preview"]["summary"]["expire"], 3);
    assert_eq!(
        json["lifecycle_preview"]["affected"][0]["tags"],
        json!(["v1.0.0"])
    );
}

#[test]
fn a_change_that_leaves_the_lifecycle_policy_alone_carries_no_preview() {
    // Images read (a stale read, say) but the rules are the same: nothing to preview.
    let want = repo("betekk-app").lifecycle(keep_last(10)).mutable();
    let o = with_images(&[("sha256:1", &[], 30)]);
    let plan = plan(&desired([want]), &o).unwrap();
    let change = only_change(&plan);
    assert!(change.lifecycle_preview.is_none());
    assert!(change.notes.is_empty(), "{:?}", change.notes);
}

/// The calls come from the changed attributes' rows: a row that lost its call would leave its
/// change unwritten, and two rows of one call must not write it twice.
#[test]
fn every_in_place_attribute_names_the_call_that_writes_it() {
    use crate::model::attribute::Mutation;
    for a in crate::kinds::repository::ATTRIBUTES {
        assert_eq!(
            a.writes.is_some(),
            a.mutation == Mutation::InPlace,
            "repository {}",
            a.name
        );
    }
    for a in crate::kinds::creation_template::ATTRIBUTES {
        assert_eq!(
            a.writes.is_some(),
            a.mutation == Mutation::InPlace,
            "creation template {}",
            a.name
        );
    }
}

#[test]
fn the_mutability_and_its_exclusion_filters_changed_together_are_one_call() {
    let mut want = repo("betekk-app").mutable().build();
    want.settings.image_tag_mutability_exclusion_filters = vec!["latest".into()];
    let plan = plan(&desired([want]), &observed([repo("betekk-app")])).unwrap();
    let change = only_change(&plan);
    assert_eq!(
        attr_names(change),
        [
            "image_tag_mutability",
            "image_tag_mutability_exclusion_filters"
        ]
    );
    assert_eq!(
        real_ops(&change.ops),
        [Op::Repository(RepositoryOp::PutImageTagMutability {
            name: "betekk-app".into(),
            value: TagMutability::Mutable,
            exclusion_filters: vec!["latest".into()],
        })]
    );
}

/// The exclusion filters' row comes last in the table (fingerprint order), yet their call goes
/// first, in the order the kind lists its calls.
#[test]
fn calls_go_in_the_kinds_order_whatever_the_order_of_their_rows() {
    let mut want = repo("betekk-app").lifecycle(keep_last(3)).build();
    want.settings.image_tag_mutability_exclusion_filters = vec!["dev-*".into()];
    let plan = plan(
        &desired([want]),
        &observed([repo("betekk-app").scan_on_push(false)]),
    )
    .unwrap();
    let ops = real_ops(&only_change(&plan).ops);
    assert!(
        matches!(
            ops.as_slice(),
            [
                Op::Repository(RepositoryOp::PutImageTagMutability { exclusion_filters, .. }),
                Op::Repository(RepositoryOp::PutScanOnPush { value: true, .. }),
                Op::Repository(RepositoryOp::PutLifecyclePolicy { .. }),
            ] if exclusion_filters == &["dev-*"]
        ),
        "{ops:#?}"
    );
}
