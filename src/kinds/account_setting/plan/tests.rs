//! Account settings against the fake account: put when they differ, converged, recorded, shared
//! with another stack that declares the same value and refused when it declares another,
//! released (never reset) when the spec drops them, and checked offline.

use crate::apply::ApplyOptions;
use crate::kinds::account_setting::fake::settings;
use crate::kinds::account_setting::plan::AccountSettingOp;
use crate::live::fake::FakeAws;
use crate::model::Kind;
use crate::model::registry_record::{RegistryRecord, parameter_name};
use crate::model::*;
use crate::plan::*;
use crate::testing::*;

fn settings_spec(stack: &str, settings: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: {stack}\nregion: ap-southeast-1\nregistry:\n  account_settings:\n{settings}"
    ))
    .desired
}

async fn apply_ok(fake: &FakeAws, desired: &Desired) -> Plan {
    let (plan, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn setting(fake: &FakeAws, aws_name: &str) -> Option<String> {
    settings(&mut fake.registry()).get(aws_name).cloned()
}

fn record(fake: &FakeAws, stack: &str) -> Option<RegistryRecord> {
    fake.registry()
        .parameters
        .get(&parameter_name(stack))
        .and_then(|(v, _)| RegistryRecord::parse(v))
}

fn owned(fake: &FakeAws, stack: &str) -> Vec<String> {
    record(fake, stack)
        .map(|r| r.section("account_settings").keys().cloned().collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn a_setting_that_differs_is_put_recorded_and_converges() {
    let fake = FakeAws::default();
    let d = settings_spec(
        "svc",
        "    registry_policy_scope: V1\n    blob_mounting: ENABLED\n",
    );
    let plan = apply_ok(&fake, &d).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.address.to_string() == "account_setting.registry_policy_scope")
        .expect("the scope changes");
    assert_eq!(change.action, Action::Update, "it had AWS's default");
    assert_eq!(
        json(&change.attributes)[0],
        serde_json::json!({"name": "value", "before": "V2", "after": "V1"})
    );
    assert!(change.notes.iter().any(|n| n.contains("AWS recommends V2")));
    assert_eq!(
        change.ops,
        vec![Op::AccountSetting(AccountSettingOp::PutAccountSetting {
            name: "REGISTRY_POLICY_SCOPE".into(),
            value: "V1".into()
        })]
    );
    assert_eq!(
        setting(&fake, "REGISTRY_POLICY_SCOPE").as_deref(),
        Some("V1")
    );
    assert_eq!(setting(&fake, "BLOB_MOUNTING").as_deref(), Some("ENABLED"));
    assert_eq!(
        owned(&fake, "svc"),
        ["blob_mounting", "registry_policy_scope"]
    );
    assert!(plan_on(&fake, &d).await.is_empty(), "converged");

    // A setting already at the declared value is only recorded.
    let fake = FakeAws::default();
    let d = settings_spec("svc", "    registry_policy_scope: V2\n");
    let plan = apply_ok(&fake, &d).await;
    let kinds: Vec<Kind> = plan.changes.iter().map(|c| c.kind).collect();
    assert_eq!(kinds, [Kind::RegistryRecord], "{plan:#?}");
    assert_eq!(owned(&fake, "svc"), ["registry_policy_scope"]);
}

#[tokio::test]
async fn two_stacks_share_a_setting_of_the_same_value_and_are_refused_for_another() {
    let fake = FakeAws::default();
    apply_ok(&fake, &settings_spec("one", "    blob_mounting: ENABLED\n")).await;

    let same = settings_spec("two", "    blob_mounting: ENABLED\n");
    apply_ok(&fake, &same).await;
    assert_eq!(owned(&fake, "two"), ["blob_mounting"], "owned by both");
    assert!(plan_on(&fake, &same).await.is_empty());

    let other = settings_spec("three", "    blob_mounting: DISABLED\n");
    let observed = crate::observe::observe(&fake, &other, 4).await.unwrap();
    let err = plan(&other, &observed).unwrap_err().to_string();
    assert!(
        err.contains("\"three\"") && err.contains("\"one\"") && err.contains("BLOB_MOUNTING"),
        "names both stacks and the setting: {err}"
    );
    assert_eq!(setting(&fake, "BLOB_MOUNTING").as_deref(), Some("ENABLED"));
}

#[tokio::test]
async fn a_dropped_setting_is_released_and_keeps_its_value() {
    let fake = FakeAws::default();
    apply_ok(
        &fake,
        &settings_spec(
            "svc",
            "    registry_policy_scope: V1\n    blob_mounting: ENABLED\n",
        ),
    )
    .await;
    let fewer = settings_spec("svc", "    blob_mounting: ENABLED\n");
    let plan = apply_ok(&fake, &fewer).await;
    assert!(
        plan.changes.iter().flat_map(|c| &c.ops).all(|op| !matches!(
            op,
            Op::AccountSetting(AccountSettingOp::PutAccountSetting { .. })
        )),
        "never reset: {plan:#?}"
    );
    assert_eq!(
        setting(&fake, "REGISTRY_POLICY_SCOPE").as_deref(),
        Some("V1")
    );
    assert_eq!(owned(&fake, "svc"), ["blob_mounting"]);
    assert!(plan_on(&fake, &fewer).await.is_empty());

    // Another stack may now declare it with any value.
    let next = settings_spec("next", "    registry_policy_scope: V2\n");
    apply_ok(&fake, &next).await;
    assert_eq!(
        setting(&fake, "REGISTRY_POLICY_SCOPE").as_deref(),
        Some("V2")
    );
}

#[test]
fn settings_are_checked_offline() {
    let errors = spec_errors(
        "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  account_settings:\n    \
         registry_policy_scope: V3\n    blob_mount: ENABLED\n",
    );
    assert_eq!(
        errors,
        [
            "test.yaml:6:5: registry.account_settings.registry_policy_scope: expected V1 or V2, \
             got \"V3\"",
            "test.yaml:7:5: registry.account_settings.blob_mount: unknown field; did you mean \
             blob_mounting? allowed here: registry_policy_scope, basic_scan_type_version, \
             blob_mounting",
        ]
    );
}
