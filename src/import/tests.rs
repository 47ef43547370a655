//! Import against the fake: what is written, what is skipped, and that the spec plans empty but
//! for ownership tags.

use super::*;
use crate::apply::ApplyOptions;
use crate::live::IamApi;
use crate::live::fake::FakeAws;
use crate::observe::inventory;
use crate::plan::{Action, Op};
use crate::testing::*;

#[test]
fn claims_parse_back_into_the_product() {
    let claims: Vec<String> = [
        "repo:nus-cee/app:*",
        "repo:betekk/app:*",
        "repo:nus-cee/app:ref:refs/heads/main",
        "repo:betekk/app:ref:refs/heads/main",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let t = parse_claims(&claims).unwrap();
    assert_eq!(t.organizations, ["nus-cee", "betekk"]);
    assert_eq!(t.repositories, ["app"]);
    assert_eq!(t.subjects, ["*", "ref:refs/heads/main"]);
    assert!(parse_claims(&["sub".to_string()]).is_none());
    assert!(parse_claims(&[]).is_none());
}

/// Applies the starter spec as `legacy`, then strips ownership as if another tool had made it.
async fn legacy_account() -> FakeAws {
    let fake = FakeAws::new(ACCOUNT, REGION);
    let d = spec(&crate::commands::init::starter_spec("svc", "betekk")).desired;
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
            Resource::Role(r) => fake.untag_role(&r.name, &ownership).await.unwrap(),
            Resource::Policy(_) => fake.untag_policy(&live.arn, &ownership).await.unwrap(),
            Resource::OidcProvider(_) => fake
                .untag_oidc_provider(&live.arn, &ownership)
                .await
                .unwrap(),
            Resource::UserAttachment(_) => {}
        }
    }
    fake
}

#[tokio::test(flavor = "current_thread")]
async fn an_imported_standard_set_plans_only_ownership_tags() {
    let fake = legacy_account().await;
    // A role the spec cannot express is skipped, not approximated.
    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    fake.create_role(&crate::live::NewRole {
        name: "BETEKK-LambdaExecution",
        description: "",
        trust_policy: doc,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: &Tags::new(),
    })
    .await
    .unwrap();
    let inv = inventory(&fake, "betekk", REGION, 4).await.unwrap();
    let imported = spec_text(&inv, "svc", "betekk");
    assert_eq!(imported.resources, 8, "{}", imported.text);
    assert_eq!(imported.skipped.len(), 1, "{:?}", imported.skipped);
    assert!(
        imported
            .text
            .contains("# skipped: role.BETEKK-LambdaExecution: its trust policy")
    );

    let d = spec(&imported.text).desired;
    let plan = plan_on(&fake, &d).await;
    assert_eq!(plan.changes.len(), 8, "{plan:#?}");
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
        assert!(change.ops.iter().all(|op| matches!(
            op,
            Op::TagRepository { .. }
                | Op::TagRole { .. }
                | Op::TagPolicy { .. }
                | Op::TagOidcProvider { .. }
        )));
    }
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(report.succeeded());
    assert!(plan_on(&fake, &d).await.is_empty());
}
