//! Import against the fake: what is written, what is skipped, and that the spec plans empty but
//! for ownership tags.

use super::*;
use crate::apply::ApplyOptions;
use crate::live::IamApi;
use crate::live::fake::FakeAws;
use crate::model::fingerprint::APPLIED_TAG;
use crate::model::github_trust::GithubName;
use crate::model::trust::Trust;
use crate::model::{MANAGED_BY_TAG, Resource, Role, STACK_TAG, TagTarget, Tags};
use crate::observe::inventory;
use crate::plan::tag_ops::TagOp;
use crate::plan::{Action, Op};
use crate::testing::*;

#[test]
fn a_legacy_trust_written_by_hand_reads_back_into_the_product() {
    let env = crate::model::Env::placeholder(REGION);
    let host = "token.actions.githubusercontent.com";
    // As the OpenTofu recipe wrote it: keys in its order, one statement, audience as a string.
    let doc = crate::model::PolicyDocument::from_json(json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringLike": {"token.actions.githubusercontent.com:sub": [
                    "repo:nus-cee/app:*", "repo:betekk/app:*",
                    "repo:nus-cee/app:ref:refs/heads/main", "repo:betekk/app:ref:refs/heads/main"]},
                "StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
            },
            "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Effect": "Allow"
        }]
    }))
    .unwrap();
    let t = Trust::from_document(&doc, host, &["sts.amazonaws.com".into()], &env).unwrap();
    let g = t.github.unwrap();
    let names = |l: &[GithubName]| l.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&g.organizations), ["betekk", "nus-cee"]);
    assert_eq!(names(&g.repositories), ["app"]);
    assert_eq!(g.subjects, ["*", "ref:refs/heads/main"]);
    // Not a full product (one combination missing): not the spec's form.
    let mut partial = doc.original().clone();
    partial["Statement"][0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"] =
        json!([
            "repo:nus-cee/app:*",
            "repo:betekk/app:*",
            "repo:betekk/app:ref:refs/heads/main"
        ]);
    let partial = crate::model::PolicyDocument::from_json(partial).unwrap();
    assert!(Trust::from_document(&partial, host, &["sts.amazonaws.com".into()], &env).is_none());
}

/// Applies the starter spec as `legacy`, then strips ownership as if another tool had made it.
async fn legacy_account() -> FakeAws {
    stripped_account(&crate::commands::init::starter_spec("svc", "betekk")).await
}

/// Applies a spec, then strips ownership as if another tool had made it.
async fn stripped_account(yaml: &str) -> FakeAws {
    let fake = FakeAws::new(ACCOUNT, REGION);
    fake.seed_user("deployer");
    let d = spec(yaml).desired;
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    let ownership = vec![
        MANAGED_BY_TAG.to_string(),
        STACK_TAG.to_string(),
        APPLIED_TAG.to_string(),
    ];
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    for live in inv.resources.values() {
        match &live.resource {
            Resource::Repository(r) => {
                fake.tamper(&r.name, |x| x.tags.retain(|k, _| !ownership.contains(k)))
            }
            Resource::Role(r) => fake
                .untag_iam(
                    &TagTarget::Role {
                        name: r.name.clone(),
                    },
                    &ownership,
                )
                .await
                .unwrap(),
            Resource::Policy(_) => fake
                .untag_iam(
                    &TagTarget::Policy {
                        arn: live.arn.clone(),
                    },
                    &ownership,
                )
                .await
                .unwrap(),
            Resource::OidcProvider(_) => fake
                .untag_iam(
                    &TagTarget::OidcProvider {
                        arn: live.arn.clone(),
                    },
                    &ownership,
                )
                .await
                .unwrap(),
            Resource::UserAttachment(_)
            | Resource::Registry(_)
            | Resource::PullThroughCache(_)
            | Resource::CreationTemplate(_)
            | Resource::AccountSetting(_)
            | Resource::PullTimeExclusion(_)
            | Resource::Signing(_) => {}
        }
    }
    fake
}

#[tokio::test(flavor = "current_thread")]
async fn an_imported_standard_set_plans_only_ownership_tags() {
    let fake = legacy_account().await;
    // A service role is written in the trust form; a statement no spec form says is written as
    // a raw trust statement, as AWS holds it.
    let service = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let mfa = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole","Condition":{"Bool":{"aws:MultiFactorAuthPresent":"true"}}}]}"#;
    for (name, doc) in [
        ("BETEKK-LambdaExecution", service),
        ("BETEKK-BreakGlass", mfa),
    ] {
        fake.create_role(&crate::live::NewRole {
            name,
            description: "",
            trust_policy: doc,
            max_session_duration: 3600,
            permissions_boundary: None,
            tags: &Tags::new(),
            path: "/",
        })
        .await
        .unwrap();
    }
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert_eq!(imported.resources, 10, "{}", imported.text);
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    assert!(
        imported.text.contains(r#"trust: {"statements":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["sts:AssumeRole"],"#),
        "{}",
        imported.text
    );
    assert!(
        imported
            .text
            .contains(r#"trust: {"services":["lambda.amazonaws.com"]}"#),
        "{}",
        imported.text
    );

    let d = spec(&imported.text).desired;
    let plan = plan_on(&fake, &d).await;
    assert_eq!(plan.changes.len(), 10, "{plan:#?}");
    for change in &plan.changes {
        assert_eq!(change.action, Action::Update, "{change:#?}");
        let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tags"], "{change:#?}");
        let a = &change.attributes[0];
        let mut before = a.before.clone().unwrap();
        let after = a.after.clone().unwrap();
        before[MANAGED_BY_TAG] = after[MANAGED_BY_TAG].clone();
        before[STACK_TAG] = after[STACK_TAG].clone();
        assert_eq!(before, after, "only ownership tags are added: {change:#?}");
        assert!(
            change
                .ops
                .iter()
                .all(|op| matches!(op, Op::Tags(TagOp::SetTags { unset, .. }) if unset.is_empty()))
        );
    }
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn ids_claims_trust_and_lambda_pull_are_imported_so_that_the_spec_plans_only_ownership_tags()
{
    let fake = stripped_account(include_str!("../../examples/probe-engine-access.yaml")).await;
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "probe-engine", "betekk");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = &imported.text;
    for wanted in [
        r#"organizations: [{"name":"betekk","id":123456},"nus-cee"]"#,
        r#"{"name":"new-svc","id":987654321}"#,
        r#""claims":{"environment":["prod","staging"]}"#,
        r#"trust: {"services":["lambda.amazonaws.com"]}"#,
        r#"trust: {"aws":["arn:aws:iam::123456789012:user/deployer"]}"#,
        r#"lambda_pull: ["betekk-probe-engine-*"]"#,
    ] {
        assert!(text.contains(wanted), "{wanted} not in\n{text}");
    }
    let d = spec(text).desired;
    let plan = plan_on(&fake, &d).await;
    for change in &plan.changes {
        let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tags"], "only ownership tags: {change:#?}");
    }
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn subject_templates_tag_session_and_raw_trust_statements_are_imported_so_that_the_spec_plans_only_ownership_tags()
 {
    let yaml = "version: 1\nstack: svc\ngithub:\n  organizations: [{name: octo-org, id: 5}]\n\
        roles:\n  - name: BETEKK-Chained\n    path: /ci/chained/\n    github_trust:\n      repositories:\n        - {name: app, id: 9, subject_claims: [repo, context, job_workflow_ref]}\n\
        \x20     subjects: [\"environment:prod\"]\n\
        \x20     claims: {job_workflow_ref: \"octo-org/wf/.github/workflows/oidc.yml@refs/heads/main\"}\n\
        \x20   trust:\n      aws: [\"111122223333\", {principal: \"arn:aws:iam::123456789012:role/Gh\", tag_session: true}]\n\
        \x20     statements:\n        - {Effect: Allow, Principal: {AWS: \"arn:aws:iam::123456789012:root\"}, Action: [sts:AssumeRole], Condition: {Bool: {aws:MultiFactorAuthPresent: \"true\"}}}\n";
    let fake = stripped_account(yaml).await;
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = &imported.text;
    for wanted in [
        r#"{"name":"app","id":9,"subject_claims":["repo","context","job_workflow_ref"]}"#,
        r#"{"principal":"arn:aws:iam::123456789012:role/Gh","tag_session":true}"#,
        r#""statements":[{"#,
        r#""aws:MultiFactorAuthPresent""#,
        r#"path: "/ci/chained/""#,
    ] {
        assert!(text.contains(wanted), "{wanted} not in\n{text}");
    }
    let d = spec(text).desired;
    let plan = plan_on(&fake, &d).await;
    for change in &plan.changes {
        let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tags"], "only ownership tags: {change:#?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn kms_forms_and_archive_rules_are_imported_so_that_the_spec_plans_only_ownership_tags() {
    let yaml = "version: 1\nstack: svc\nrepositories:\n\
        \x20 - name: betekk-managed\n    encryption: {type: KMS}\n\
        \x20   lifecycle_policy:\n      rules:\n\
        \x20       - {priority: 1, tag_status: tagged, tag_patterns: [\"release-*\"], not_pulled_for_days: 120, action: archive}\n\
        \x20       - {priority: 2, tag_status: any, archived_for_days: 365}\n\
        \x20 - name: betekk-dual\n    encryption: {type: KMS_DSSE}\n\
        \x20 - name: betekk-dual-own-key\n    encryption: {type: KMS_DSSE, kms_key: \"arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab\"}\n";
    let fake = stripped_account(yaml).await;
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = &imported.text;
    let managed = fake.managed_kms_key_arn();
    for wanted in [
        // AWS reports the managed key's ARN; import writes what it read.
        format!(r#"encryption: {{"type":"KMS","kms_key":"{managed}"}}"#),
        format!(r#"encryption: {{"type":"KMS_DSSE","kms_key":"{managed}"}}"#),
        r#""not_pulled_for_days":120,"action":"archive""#.to_string(),
        r#""archived_for_days":365"#.to_string(),
    ] {
        assert!(text.contains(&wanted), "{wanted} not in\n{text}");
    }
    let d = spec(text).desired;
    let plan = plan_on(&fake, &d).await;
    assert_eq!(plan.changes.len(), 3, "{plan:#?}");
    for change in &plan.changes {
        let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tags"], "only ownership tags: {change:#?}");
    }
    // And the spec as first written plans nothing against the same account once owned.
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    assert!(plan_on(&fake, &spec(yaml).desired).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn registry_parts_are_imported_so_that_the_spec_plans_only_the_ownership_record() {
    let yaml = "version: 1\nstack: svc\nregion: ap-southeast-1\n\
        roles:\n  - name: \"{PREFIX}-EcrTemplateRole\"\n    trust: {services: [ecr.amazonaws.com]}\n\
        registry:\n  scanning:\n    type: ENHANCED\n    rules:\n      - {frequency: CONTINUOUS_SCAN, filters: [\"betekk-*\"]}\n\
        \x20 replication:\n    rules:\n      - {destinations: [{region: eu-west-1, account: \"111122223333\"}, {region: us-east-1}], filters: [\"betekk-\"]}\n\
        \x20 policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - {Sid: FromProd, Effect: Allow, Principal: {AWS: \"arn:aws:iam::444455556666:root\"}, Action: \"ecr:ReplicateImage\", Resource: \"*\"}\n\
        \x20 pull_through_cache:\n    - {prefix: betekk-public, upstream: public.ecr.aws}\n\
        \x20 creation_templates:\n    - prefix: betekk-public\n      applied_for: [PULL_THROUGH_CACHE]\n      \
        lifecycle_policy: {rules: [{priority: 1, tag_status: any, keep_last: 10}]}\n      tags: {Team: platform}\n      \
        custom_role_arn: \"arn:aws:iam::123456789012:role/BETEKK-EcrTemplateRole\"\n";
    let fake = FakeAws::new(ACCOUNT, REGION);
    let (_, report) = run_apply(&fake, &spec(yaml).desired, &ApplyOptions::default()).await;
    assert!(report.succeeded());

    // Re-imported by the stack that owns them: everything, the policy statement included.
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = &imported.text;
    for wanted in [
        "    type: ENHANCED",
        r#"- {frequency: CONTINUOUS_SCAN, filters: ["betekk-*"]}"#,
        r#"- {destinations: [{"region":"eu-west-1","account":"111122223333"},{"region":"us-east-1"}], filters: ["betekk-"]}"#,
        r#""Sid":"FromProd""#,
        r#""Action":"ecr:ReplicateImage""#,
        r#"- {"prefix":"betekk-public","upstream":"public.ecr.aws"}"#,
        r#"custom_role_arn: "arn:aws:iam::123456789012:role/BETEKK-EcrTemplateRole""#,
    ] {
        assert!(text.contains(wanted), "{wanted} not in\n{text}");
    }
    assert!(
        plan_on(&fake, &spec(text).desired).await.is_empty(),
        "{text}"
    );

    // Made by another tool (no record): the prefix-named parts are imported and adopted by
    // writing the record; the statement, in no record, is left to whoever set it.
    fake.tamper_registry(|r| r.parameters.clear());
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert_eq!(
        imported.skipped,
        vec![
            "registry policy:FromProd: in no stack's record; add it under registry.policy (with a Sid) to own it"
        ]
    );
    let d = spec(&imported.text).desired;
    let plan = plan_on(&fake, &d).await;
    assert_eq!(
        plan.changes.iter().map(|c| c.kind).collect::<Vec<_>>(),
        vec![crate::model::Kind::RegistryRecord],
        "{plan:#?}"
    );
}

/// Every field import writes comes from the kinds' attribute tables: an attribute the table
/// marks as imported is written without import code of its own, and one it marks as not
/// imported is left out (a provider's thumbprints: left to AWS, so the spec keeps them).
#[tokio::test(flavor = "current_thread")]
async fn what_the_attribute_tables_import_plans_only_ownership_tags() {
    let yaml = r#"version: 1
stack: svc
github:
  organizations: [betekk]
  oidc_provider:
    thumbprints: ["6938fd4d98bab03faadb97b34396831e3780aea1"]
repositories:
  - name: betekk-app
    image_tag_mutability: IMMUTABLE
    image_tag_mutability_exclusion_filters: ["latest", "dev-*"]
roles:
  - name: BETEKK-Reader
    description: reads the registry
    max_session_duration: 7200
    github_trust: {repositories: [app]}
    inline_policies:
      read: {Version: "2012-10-17", Statement: [{Effect: Allow, Action: "ecr:DescribeRepositories", Resource: "*"}]}
"#;
    let fake = stripped_account(yaml).await;
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    let text = &imported.text;
    for wanted in [
        r#"client_ids: ["sts.amazonaws.com"]"#,
        r#"image_tag_mutability_exclusion_filters: ["dev-*","latest"]"#,
        r#"description: "reads the registry""#,
        "max_session_duration: 7200",
        r#"inline_policies: {"read":"#,
    ] {
        assert!(text.contains(wanted), "{wanted} not in\n{text}");
    }
    // What is only recorded, and what the kind writes itself, is not written as a table field.
    for unwanted in [
        "force_delete",
        "trust_policy",
        "resource_tags",
        "thumbprints",
    ] {
        assert!(!text.contains(unwanted), "{unwanted} in\n{text}");
    }
    let d = spec(text).desired;
    let plan = plan_on(&fake, &d).await;
    assert!(!plan.is_empty());
    for change in &plan.changes {
        let names: Vec<&str> = change.attributes.iter().map(|a| a.name.as_str()).collect();
        assert_eq!(names, ["tags"], "only ownership tags: {change:#?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_github_enterprise_server_provider_is_imported_with_the_roles_that_trust_it() {
    let ghes = "version: 1\nstack: svc\nregion: ap-southeast-1\ngithub:\n  organizations: [betekk]\n  oidc_provider:\n    url: https://ghes.example.com/_services/token\n    client_ids: [sts.amazonaws.com]\nroles:\n  - name: \"{PREFIX}-GhesRole\"\n    github_trust: {repositories: [app], subjects: [\"ref:refs/heads/main\"]}\n";
    let fake = stripped_account(ghes).await;
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert!(
        imported
            .text
            .contains("https://ghes.example.com/_services/token"),
        "{}",
        imported.text
    );
    assert!(imported.skipped.is_empty(), "{:?}", imported.skipped);
    // The imported spec plans only ownership: the role's trust was read back as a github_trust.
    let back = spec(&imported.text).desired;
    let imported_role = back.all::<Role>().next().expect("the role was imported");
    assert!(
        imported_role
            .trust_policy
            .to_json_string()
            .contains("ghes.example.com/_services/token:sub"),
        "{}",
        imported_role.trust_policy.to_json_string()
    );
}

/// Account settings, signing rules and pull-time exclusions are imported back by the stack whose
/// record lists them, and the imported spec plans nothing; a prefix-named exclusion and signing
/// rule no record lists are imported too (adopted with the record), a foreign exclusion is not.
#[tokio::test(flavor = "current_thread")]
async fn the_registry_features_are_imported_so_that_the_spec_plans_nothing() {
    let yaml = "version: 1\nstack: svc\nregion: ap-southeast-1\n\
        roles:\n  - name: \"{PREFIX}-ScannerRole\"\n    trust: {services: [inspector2.amazonaws.com]}\n\
        registry:\n  account_settings:\n    blob_mounting: ENABLED\n\
        \x20 signing:\n    - {signing_profile: betekk_images, repositories: [\"betekk-*\"]}\n\
        \x20 pull_time_update_exclusions: [\"{PREFIX}-ScannerRole\"]\n";
    let fake = FakeAws::new(ACCOUNT, REGION);
    let (_, report) = run_apply(&fake, &spec(yaml).desired, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    fake.tamper_registry(|r| {
        crate::kinds::pull_time_exclusion::fake::exclusions(r)
            .insert(format!("arn:aws:iam::{ACCOUNT}:role/SomeoneElsesScanner"));
    });

    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    let text = &imported.text;
    for wanted in [
        "  account_settings:\n    blob_mounting: \"ENABLED\"",
        &format!(
            "  pull_time_update_exclusions: [\"arn:aws:iam::{ACCOUNT}:role/BETEKK-ScannerRole\"]"
        ),
        "    - {\"signing_profile\":\"betekk_images\",\"repositories\":[\"betekk-*\"]}",
    ] {
        assert!(text.contains(wanted), "{wanted} not in\n{text}");
    }
    assert!(!text.contains("SomeoneElsesScanner"), "{text}");
    assert!(
        plan_on(&fake, &spec(text).desired).await.is_empty(),
        "{text}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_ecr_rules_upstream_prefix_is_imported_and_ecrs_root_default_is_not() {
    let yaml = "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  pull_through_cache:\n\
        \x20   - {prefix: betekk-central, upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, upstream_repository_prefix: shared}\n\
        \x20   - {prefix: betekk-mirror, upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com}\n";
    let fake = FakeAws::new(ACCOUNT, REGION);
    let (_, report) = run_apply(&fake, &spec(yaml).desired, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    let text = &imported.text;
    assert!(
        text.contains(r#""prefix":"betekk-central","upstream":"111122223333.dkr.ecr.ap-southeast-1.amazonaws.com","upstream_repository_prefix":"shared"}"#),
        "{text}"
    );
    assert!(
        text.contains(r#""prefix":"betekk-mirror","upstream":"111122223333.dkr.ecr.ap-southeast-1.amazonaws.com"}"#),
        "ROOT, AWS's default, is left out: {text}"
    );
    assert!(!text.contains("ROOT"), "{text}");
    assert!(
        plan_on(&fake, &spec(text).desired).await.is_empty(),
        "{text}"
    );
}
