//! Managed signing against the fake account: a stack's rule is merged next to a foreign one,
//! recorded and converged; push policies gain `signer:SignPayload` on the profiles of the rules
//! that cover their repositories (the foreign rule given as the reason); a dropped rule is
//! removed and the foreign one kept; limits and profiles are checked.

use crate::apply::ApplyOptions;
use crate::kinds::signing::SigningRule;
use crate::kinds::signing::fake::rules;
use crate::live::fake::FakeAws;
use crate::model::*;
use crate::model::{Kind, ManagedPolicy, Registered};
use crate::plan::*;
use crate::testing::*;

const OURS: &str = "arn:aws:signer:ap-southeast-1:123456789012:/signing-profiles/betekk_images";
const FOREIGN: &str = "arn:aws:signer:ap-southeast-1:123456789012:/signing-profiles/platform";

fn signing_spec(stack: &str, registry: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: {stack}\nregion: ap-southeast-1\nrepositories:\n  - name: \"{{prefix}}-app\"\n\
         policies:\n  - name: \"{{PREFIX}}-PushPolicy\"\n    ecr_push: [\"{{prefix}}-app\"]\n{registry}"
    ))
    .desired
}

const OUR_RULE: &str = "registry:\n  signing:\n    - signing_profile: betekk_images\n      repositories: [\"{prefix}-*\"]\n";

fn foreign_rule(filters: &[&str]) -> SigningRule {
    SigningRule::new(
        FOREIGN.into(),
        filters.iter().map(|f| f.to_string()).collect(),
    )
}

async fn apply_ok(fake: &FakeAws, desired: &Desired) -> Plan {
    let (plan, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn sign_payload(fake: &FakeAws) -> serde_json::Value {
    let policy = fake
        .policy("BETEKK-PushPolicy")
        .expect("the push policy exists");
    let text = &policy
        .versions
        .iter()
        .find(|v| v.is_default)
        .expect("a default version")
        .document;
    let document: serde_json::Value = serde_json::from_str(text).expect("JSON");
    document["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Sid"] == "EcrSigning")
        .cloned()
        .unwrap_or_default()
}

#[tokio::test]
async fn a_rule_is_merged_next_to_a_foreign_one_and_the_push_policy_can_sign_with_both() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| *rules(r) = vec![foreign_rule(&["betekk-app"])]);
    let d = signing_spec("svc", OUR_RULE);
    let plan = apply_ok(&fake, &d).await;

    let signing = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::Signing)
        .expect("the rule is added");
    assert_eq!(signing.action, Action::Create);
    assert!(
        signing
            .notes
            .iter()
            .any(|n| n.contains("kept as they are: 1 rule")),
        "{signing:#?}"
    );
    let policy = plan
        .changes
        .iter()
        .find(|c| c.address.to_string() == "policy.BETEKK-PushPolicy")
        .unwrap();
    assert!(
        policy.notes.iter().any(|n| n.contains(FOREIGN)
            && n.contains("not this stack's")
            && n.contains("betekk-app")),
        "the foreign rule is the reason: {:#?}",
        policy.notes
    );
    assert_eq!(
        rules(&mut fake.registry()).clone(),
        vec![
            foreign_rule(&["betekk-app"]),
            SigningRule::new(OURS.into(), vec!["betekk-*".into()]),
        ],
        "the foreign rule kept, in its place"
    );
    assert_eq!(
        sign_payload(&fake),
        serde_json::json!({
            "Sid": "EcrSigning",
            "Effect": "Allow",
            "Action": "signer:SignPayload",
            "Resource": [OURS, FOREIGN],
        })
    );
    assert!(plan_on(&fake, &d).await.is_empty(), "converged");

    // The rule leaves the spec: removed, the foreign one kept, the policy signs with it alone.
    let without = signing_spec("svc", "");
    apply_ok(&fake, &without).await;
    assert_eq!(
        rules(&mut fake.registry()).clone(),
        vec![foreign_rule(&["betekk-app"])]
    );
    assert_eq!(
        sign_payload(&fake)["Resource"],
        serde_json::json!([FOREIGN])
    );
    assert!(plan_on(&fake, &without).await.is_empty());

    // The foreign rule goes too: the push policy no longer signs.
    fake.tamper_registry(|r| rules(r).clear());
    apply_ok(&fake, &without).await;
    assert_eq!(sign_payload(&fake), serde_json::Value::Null);
}

#[tokio::test]
async fn a_rule_covering_no_pushed_repository_adds_nothing_and_eleven_rules_are_refused() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| *rules(r) = vec![foreign_rule(&["other-*"])]);
    let d = signing_spec("svc", "");
    apply_ok(&fake, &d).await;
    assert_eq!(sign_payload(&fake), serde_json::Value::Null);

    fake.tamper_registry(|r| {
        *rules(r) = (0..10)
            .map(|i| foreign_rule(&[format!("team{i}-*").as_str()]))
            .collect()
    });
    let observed = crate::observe::observe(&fake, &signing_spec("svc", OUR_RULE), 4)
        .await
        .unwrap();
    let err = plan(&signing_spec("svc", OUR_RULE), &observed).unwrap_err();
    assert!(err.to_string().contains("11 signing rules"), "{err}");
}

#[test]
fn signing_rules_are_checked_offline() {
    let errors = spec_errors(
        "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  signing:\n    \
         - signing_profile: bad-name\n    \
         - signing_profile: \"arn:aws:signer:us-east-1:123456789012:/signing-profiles/p1\"\n    \
         - {signing_profile: p2, repositories: []}\n    \
         - {signing_profile: p3, repositories: [\"Bad\"]}\n",
    );
    assert_eq!(errors.len(), 4, "{errors:?}");
    assert!(
        errors[0].contains("2-64 letters, digits and underscores"),
        "{errors:?}"
    );
    assert!(errors[1].contains("registry's own region"), "{errors:?}");
    assert!(errors[2].contains("leave repositories out"), "{errors:?}");
    assert!(errors[3].contains("lowercase letters"), "{errors:?}");
}

#[test]
fn offline_the_push_policy_signs_with_the_spec_s_own_rule_only() {
    // What explain evaluates offline: the spec against an account of which nothing is known.
    let d = signing_spec("svc", OUR_RULE);
    let env = crate::model::Env {
        account: "123456789012".into(),
        partition: "aws".into(),
        region: "ap-southeast-1".into(),
    };
    let nothing = crate::model::Observed {
        identity: crate::model::Identity::from_arn(env.account.clone(), String::new()),
        region: env.region.clone(),
        resources: Default::default(),
        missing_users: Default::default(),
        missing_policies: Default::default(),
        registry: Default::default(),
    };
    let declared: Vec<Resource> = d.resources.iter().map(|r| r.bind(&env)).collect();
    let completed = completed(&declared, &nothing, &env, "svc");
    let (policy, reasons) = completed
        .iter()
        .find_map(|(r, reasons)| ManagedPolicy::of(r).map(|p| (p, reasons)))
        .unwrap();
    let statements = policy.document.original()["Statement"].as_array().unwrap();
    let signing = statements
        .iter()
        .find(|s| s["Sid"] == "EcrSigning")
        .unwrap();
    assert_eq!(signing["Resource"], serde_json::json!([OURS]));
    assert!(
        reasons.is_empty(),
        "the spec's own rule needs no reason: {reasons:?}"
    );
}

#[tokio::test]
async fn a_read_only_role_without_the_signing_read_still_plans_a_spec_that_only_pushes() {
    let fake = FakeAws::default();
    let d = signing_spec("svc", "");
    apply_ok(&fake, &d).await;
    fake.fail(
        "ecr:GetSigningConfiguration",
        None,
        crate::live::ErrorKind::AccessDenied,
        u32::MAX,
    );
    assert!(plan_on(&fake, &d).await.is_empty(), "planned without it");
    // A spec that declares signing needs the read: the denial is the plan's error.
    let err = crate::observe::observe(&fake, &signing_spec("svc", OUR_RULE), 4)
        .await
        .unwrap_err();
    assert_eq!(err.operation, "ecr:GetSigningConfiguration");
}
