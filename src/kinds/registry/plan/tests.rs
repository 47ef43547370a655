//! Registry-wide settings against the fake account: the merge keeps what others own, a stack
//! removes only what it owned, two stacks cannot own one key, and the ownership record follows.

use std::collections::BTreeMap;

use serde_json::json;

use crate::apply::ApplyOptions;
use crate::drift::{Class, classify};
use crate::kinds::registry::{
    Destination, LiveRegistry, OwnedKeys, OwnedPart, ReplicationRule, ScanFrequency, ScanType,
    Scanning, ScanningRule, kept, merge_policy, merge_replication, merge_scanning,
};
use crate::live::fake::FakeAws;
use crate::model::Kind;
use crate::model::registry_record::{RegistryRecord, parameter_name};
use crate::model::*;
use crate::observe::observe;
use crate::plan::*;
use crate::testing::*;

const ACCOUNT: &str = "123456789012";

fn registry_spec(stack: &str, body: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: {stack}\nregion: ap-southeast-1\nregistry:\n{body}"
    ))
    .desired
}

const ENHANCED: &str = "  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: [\"{prefix}-*\"]
  replication:
    rules:
      - destinations: [{region: ap-southeast-2}, {region: eu-west-1, account: \"111122223333\"}]
        filters: [\"{prefix}-\"]
  policy:
    Version: \"2012-10-17\"
    Statement:
      - Sid: ReplicateFromProd
        Effect: Allow
        Principal: {AWS: \"arn:aws:iam::444455556666:root\"}
        Action: [ecr:CreateRepository, ecr:ReplicateImage]
        Resource: \"arn:aws:ecr:ap-southeast-1:{account}:repository/*\"
";

fn rule(filters: &[&str], to: &[(&str, &str)]) -> ReplicationRule {
    ReplicationRule {
        destinations: to
            .iter()
            .map(|(account, region)| Destination {
                region: region.to_string(),
                account: account.to_string(),
            })
            .collect(),
        filters: filters.iter().map(|f| f.to_string()).collect(),
    }
}

fn foreign_replication() -> ReplicationRule {
    rule(&["other-"], &[("999988887777", "us-east-1")])
}

// ---- the merge, as a table ------------------------------------------------------------------

/// Filters and `(account, region)` destinations of one owned rule.
type OwnedRule<'a> = (&'a [&'a str], &'a [(&'a str, &'a str)]);

fn part(owned: &[OwnedRule<'_>], release: &[&[&str]]) -> OwnedPart {
    let mut p = OwnedPart::default();
    for (filters, to) in owned {
        let r = rule(filters, to);
        p.settings.replication.insert(r.key(), r.destinations);
    }
    for filters in release {
        p.release
            .replication
            .insert(filters.iter().map(|f| f.to_string()).collect());
    }
    p
}

#[test]
fn replication_merge_table() {
    let ours = rule(&["betekk-"], &[(ACCOUNT, "ap-southeast-2")]);
    let changed = rule(&["betekk-"], &[(ACCOUNT, "eu-west-1")]);
    let foreign = foreign_replication();
    let cases: Vec<(&str, Vec<ReplicationRule>, OwnedPart, Vec<ReplicationRule>)> = vec![
        (
            "owned rule added next to a foreign one, which stays first",
            vec![foreign.clone()],
            part(&[(&["betekk-"], &[(ACCOUNT, "ap-southeast-2")])], &[]),
            vec![foreign.clone(), ours.clone()],
        ),
        (
            "owned rule changed in its place",
            vec![ours.clone(), foreign.clone()],
            part(&[(&["betekk-"], &[(ACCOUNT, "eu-west-1")])], &[]),
            vec![changed.clone(), foreign.clone()],
        ),
        (
            "owned rule released, foreign one kept",
            vec![ours.clone(), foreign.clone()],
            part(&[], &[&["betekk-"]]),
            vec![foreign.clone()],
        ),
        (
            "a foreign rule is never released by another key",
            vec![foreign.clone()],
            part(&[], &[&["betekk-"]]),
            vec![foreign.clone()],
        ),
        (
            "filters in another order are the same rule",
            vec![rule(&["b-", "a-"], &[(ACCOUNT, "ap-southeast-2")])],
            part(&[(&["a-", "b-"], &[(ACCOUNT, "eu-west-1")])], &[]),
            vec![rule(&["a-", "b-"], &[(ACCOUNT, "eu-west-1")])],
        ),
    ];
    for (name, live, part, want) in cases {
        assert_eq!(merge_replication(&live, &part), want, "{name}");
    }
}

#[test]
fn scanning_merge_table() {
    let live = Scanning {
        scan_type: ScanType::Basic,
        rules: vec![ScanningRule {
            frequency: ScanFrequency::ScanOnPush,
            filters: vec!["other-*".into(), "betekk-old".into()],
        }],
    };
    let mut p = OwnedPart::default();
    p.settings.scan_type = Some(ScanType::Enhanced);
    p.settings
        .scanning
        .insert("betekk-*".into(), ScanFrequency::ContinuousScan);
    p.release.scanning.insert("betekk-old".into());
    let merged = merge_scanning(&live, &p);
    assert_eq!(merged.scan_type, ScanType::Enhanced);
    assert_eq!(
        merged.rules,
        vec![
            ScanningRule {
                frequency: ScanFrequency::ScanOnPush,
                filters: vec!["other-*".into()],
            },
            ScanningRule {
                frequency: ScanFrequency::ContinuousScan,
                filters: vec!["betekk-*".into()],
            },
        ],
        "the foreign filter stays in its rule; the owned one joins the rule of its frequency"
    );
    // Moving the owned filter to the other frequency takes it out of its old rule.
    let mut moved = OwnedPart::default();
    moved
        .settings
        .scanning
        .insert("betekk-*".into(), ScanFrequency::ScanOnPush);
    let again = merge_scanning(&merged, &moved);
    assert_eq!(
        again.scan_type,
        ScanType::Enhanced,
        "an undeclared scan type is kept"
    );
    assert_eq!(
        again.rules,
        vec![ScanningRule {
            frequency: ScanFrequency::ScanOnPush,
            filters: vec!["other-*".into(), "betekk-*".into()],
        }],
        "the rule emptied by the move is dropped"
    );
}

#[test]
fn policy_merge_keeps_foreign_statements_as_they_are() {
    let foreign = json!({"Sid": "TheirPull", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "ecr:ReplicateImage", "Resource": "*"});
    let no_sid = json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "ecr:CreateRepository", "Resource": "*"});
    let old = json!({"Sid": "Ours", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::444455556666:root"}, "Action": "ecr:ReplicateImage", "Resource": "*"});
    let live = json!({"Version": "2012-10-17", "Statement": [foreign, old, no_sid]});
    let new = json!({"Sid": "Ours", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::555555555555:root"}, "Action": "ecr:ReplicateImage", "Resource": "*"});
    let mut p = OwnedPart::default();
    p.settings.policy.insert("Ours".into(), new.clone());
    assert_eq!(
        merge_policy(Some(&live), &p),
        Some(json!({"Version": "2012-10-17", "Statement": [foreign, new, no_sid]}))
    );
    let mut released = OwnedPart::default();
    released.release.policy.insert("Ours".into());
    assert_eq!(
        merge_policy(Some(&live), &released),
        Some(json!({"Version": "2012-10-17", "Statement": [foreign, no_sid]}))
    );
    let only_ours = json!({"Version": "2012-10-17", "Statement": [old]});
    assert_eq!(
        merge_policy(Some(&only_ours), &released),
        None,
        "nothing left: the policy is deleted"
    );
}

#[test]
fn kept_names_the_owner_or_says_unmanaged() {
    let live = LiveRegistry {
        replication: vec![
            foreign_replication(),
            rule(&["console-"], &[(ACCOUNT, "eu-west-1")]),
        ],
        ..Default::default()
    };
    let mut owners = BTreeMap::new();
    let mut keys = OwnedKeys::default();
    keys.replication.insert(vec!["other-".to_string()]);
    owners.insert("other".to_string(), keys);
    let lines = kept(&live, &OwnedPart::default(), &owners);
    assert_eq!(lines.len(), 2);
    assert!(
        lines[0].contains("\"other-\"") && lines[0].ends_with("stack other"),
        "{lines:?}"
    );
    assert!(
        lines[1].contains("\"console-\"") && lines[1].ends_with("unmanaged"),
        "{lines:?}"
    );
}

// ---- plan and apply on the fake --------------------------------------------------------------

async fn apply_ok(fake: &FakeAws, desired: &Desired) {
    let (_, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
}

#[tokio::test]
async fn applies_merging_with_a_foreign_rule_and_converges() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| r.replication = vec![foreign_replication()]);
    let d = registry_spec("svc", ENHANCED);
    let plan = plan_on(&fake, &d).await;
    let registry = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::Registry)
        .expect("a registry change");
    assert_eq!(registry.action, Action::Create);
    assert!(
        registry
            .notes
            .iter()
            .any(|n| n.contains("keeps replication rule [\"other-\"]") && n.ends_with("unmanaged")),
        "{:?}",
        registry.notes
    );
    assert!(
        registry.notes[0].contains("[\"other-\"] → 999988887777/us-east-1; [\"betekk-\"] → 123456789012/ap-southeast-2, 111122223333/eu-west-1"),
        "the merged result is shown: {}",
        registry.notes[0]
    );
    assert!(
        registry.notes.iter().any(|n| n.starts_with(
            "replication to account 111122223333 needs that account's registry policy"
        ) && n.contains("for arn:aws:iam::123456789012:root")
            && n.contains("explain ITS_SPEC --account 111122223333")),
        "{:?}",
        registry.notes
    );
    let record = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::RegistryRecord)
        .expect("a record change");
    assert_eq!(record.depends_on, vec![registry.address.clone()]);

    apply_ok(&fake, &d).await;
    let live = fake.registry();
    assert_eq!(live.scanning.scan_type, ScanType::Enhanced);
    assert_eq!(live.replication[0], foreign_replication(), "kept, first");
    assert_eq!(live.replication[1].filters, vec!["betekk-"]);
    assert!(
        live.policy
            .as_deref()
            .unwrap()
            .contains("ReplicateFromProd")
    );
    let record = RegistryRecord::parse(&live.parameters[&parameter_name("svc")].0).unwrap();
    assert_eq!(
        record.registry.policy.iter().collect::<Vec<_>>(),
        vec!["ReplicateFromProd"]
    );
    assert!(record.fingerprint.is_some());

    let again = plan_on(&fake, &d).await;
    assert!(again.is_empty(), "converged: {:?}", again.changes);
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let classes: Vec<(&str, Class)> = report
        .resources
        .iter()
        .map(|r| (r.name.as_str(), r.class))
        .collect();
    assert_eq!(
        classes,
        vec![
            ("settings", Class::InSync),
            ("replication:other-", Class::Unmanaged)
        ],
        "the stack's part is in sync; the foreign rule, in no record, is unmanaged"
    );
}

#[tokio::test]
async fn removing_an_owned_rule_removes_only_it() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| r.replication = vec![foreign_replication()]);
    apply_ok(&fake, &registry_spec("svc", ENHANCED)).await;
    let without_replication = ENHANCED.split("  replication:").next().unwrap().to_string()
        + &ENHANCED[ENHANCED.find("  policy:").unwrap()..];
    let d = registry_spec("svc", &without_replication);
    let plan = plan_on(&fake, &d).await;
    let registry = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::Registry)
        .unwrap();
    assert_eq!(registry.action, Action::Update);
    assert_eq!(
        registry
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["replication_rules"]
    );
    apply_ok(&fake, &d).await;
    assert_eq!(fake.registry().replication, vec![foreign_replication()]);
    assert!(plan_on(&fake, &d).await.is_empty());

    // The whole section gone: the stack releases everything it owned, and its record.
    let bare = spec("version: 1\nstack: svc\nregion: ap-southeast-1\n").desired;
    let plan = plan_on(&fake, &bare).await;
    let release = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::Registry)
        .unwrap();
    assert_eq!(release.action, Action::Delete);
    apply_ok(&fake, &bare).await;
    let live = fake.registry();
    assert_eq!(live.replication, vec![foreign_replication()]);
    assert_eq!(
        live.policy, None,
        "the only statement was ours: the policy is deleted"
    );
    assert!(live.scanning.rules.is_empty());
    assert_eq!(
        live.scanning.scan_type,
        ScanType::Enhanced,
        "a scan type is never released"
    );
    assert!(live.parameters.is_empty(), "the record is deleted");
    assert!(plan_on(&fake, &bare).await.is_empty());
}

#[tokio::test]
async fn a_failed_settings_write_leaves_no_record_and_the_next_apply_finishes() {
    let fake = FakeAws::default();
    fake.fail(
        "ecr:PutReplicationConfiguration",
        None,
        crate::live::ErrorKind::Invalid,
        1,
    );
    let d = registry_spec("svc", ENHANCED);
    let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
    assert!(!report.succeeded());
    assert!(
        fake.registry().parameters.is_empty(),
        "the record is written only after the settings"
    );
    apply_ok(&fake, &d).await;
    assert_eq!(fake.registry().parameters.len(), 1);
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test]
async fn two_stacks_share_the_registry_and_may_not_share_a_key() {
    let fake = FakeAws::default();
    apply_ok(&fake, &registry_spec("svc", ENHANCED)).await;
    let other = registry_spec(
        "other",
        "  replication:\n    rules:\n      - destinations: [{region: us-west-2}]\n        filters: [\"other-\"]\n",
    );
    apply_ok(&fake, &other).await;
    assert_eq!(fake.registry().replication.len(), 2, "both rules");
    assert!(
        plan_on(&fake, &registry_spec("svc", ENHANCED))
            .await
            .is_empty()
    );

    let clash = registry_spec(
        "other",
        "  replication:\n    rules:\n      - destinations: [{region: us-west-2}]\n        filters: [\"betekk-\"]\n",
    );
    let observed = observe(&fake, &clash, 4).await.unwrap();
    let err = plan(&clash, &observed).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("\"other\"") && text.contains("\"svc\"") && text.contains("[\"betekk-\"]"),
        "{text}"
    );
}

#[tokio::test]
async fn out_of_band_changes_drift_and_foreign_rules_are_unmanaged_not_removed() {
    let fake = FakeAws::default();
    let d = registry_spec("svc", ENHANCED);
    apply_ok(&fake, &d).await;
    // Someone switches scanning back to BASIC and adds a rule of their own.
    fake.tamper_registry(|r| {
        r.scanning.scan_type = ScanType::Basic;
        r.replication
            .push(rule(&["console-"], &[(ACCOUNT, "us-east-1")]));
    });
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let registry = report
        .resources
        .iter()
        .find(|r| r.kind == Kind::Registry)
        .unwrap();
    assert_eq!(registry.class, Class::Drifted);
    assert_eq!(
        registry
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["scan_type"]
    );
    let unmanaged: Vec<_> = report.of_class(Class::Unmanaged).collect();
    assert!(
        unmanaged.iter().any(|r| r.name.contains("console-")),
        "the console's rule is listed as unmanaged: {report:?}"
    );
    apply_ok(&fake, &d).await;
    let live = fake.registry();
    assert_eq!(live.scanning.scan_type, ScanType::Enhanced, "repaired");
    assert!(
        live.replication.iter().any(|r| r.filters == ["console-"]),
        "the console's rule is kept"
    );
}

#[test]
fn spec_errors_name_the_field() {
    let cases = vec![
        (
            "continuous scanning needs ENHANCED",
            "  scanning:\n    type: BASIC\n    rules:\n      - frequency: CONTINUOUS_SCAN\n        filters: [\"a*\"]\n".to_string(),
            vec!["test.yaml:8:9: registry.scanning.rules[0].frequency: CONTINUOUS_SCAN does not go with scan type BASIC: ENHANCED scans SCAN_ON_PUSH or CONTINUOUS_SCAN, BASIC scans SCAN_ON_PUSH or MANUAL"],
        ),
        (
            "a filter in two rules",
            "  scanning:\n    rules:\n      - frequency: SCAN_ON_PUSH\n        filters: [\"a*\"]\n      - frequency: CONTINUOUS_SCAN\n        filters: [\"a*\"]\n".to_string(),
            vec!["test.yaml:10:9: registry.scanning.rules[1].filters[0]: filter \"a*\" is listed twice; a filter belongs to one rule"],
        ),
        (
            "a wildcard in a replication prefix",
            "  replication:\n    rules:\n      - destinations: [{region: us-east-1}]\n        filters: [\"a*\"]\n".to_string(),
            vec!["test.yaml:8:9: registry.replication.rules[0].filters[0]: filter \"a*\": allowed are lowercase letters, digits, . _ - / (a prefix, no wildcards)"],
        ),
        (
            "replicating into itself",
            "  replication:\n    rules:\n      - destinations: [{region: ap-southeast-1}]\n".to_string(),
            vec!["test.yaml:7:24: registry.replication.rules[0].destinations[0]: replicates ap-southeast-1 into itself: the spec applies to ap-southeast-1, and a destination in this account must be another region"],
        ),
        (
            "a bad account",
            "  replication:\n    rules:\n      - destinations: [{region: us-east-1, account: \"12\"}]\n".to_string(),
            vec!["test.yaml:7:44: registry.replication.rules[0].destinations[0].account: \"12\" is not a 12-digit account id"],
        ),
        (
            "a policy statement without Sid",
            "  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Effect: Allow\n        Principal: {AWS: \"arn:aws:iam::444455556666:root\"}\n        Action: ecr:ReplicateImage\n        Resource: \"*\"\n".to_string(),
            vec!["test.yaml:5:3: registry.policy.Statement[0]: needs a Sid: the registry policy is shared, and a statement is this stack's by its Sid"],
        ),
    ];
    let cases: Vec<(&str, String, Vec<&str>)> = cases
        .into_iter()
        .map(|(name, body, want)| {
            (
                name,
                format!("version: 1\nstack: s\nregion: ap-southeast-1\nregistry:\n{body}"),
                want,
            )
        })
        .collect();
    assert_spec_errors(&cases);
}

#[test]
fn another_account_as_destination_is_a_validate_note() {
    let s = spec(&format!(
        "version: 1\nstack: s\nregion: ap-southeast-1\nregistry:\n{ENHANCED}"
    ));
    assert!(
        s.notes
            .iter()
            .any(|n| n.contains("account 111122223333") && n.contains("registry policy")),
        "{:?}",
        s.notes
    );
}

/// Each part of the settings is written by its own call: a row without one would leave its change
/// unwritten, and the scan type and scanning rules go in one call.
#[test]
fn every_settings_row_names_the_call_that_writes_it() {
    use crate::kinds::registry::{ATTRIBUTES, Write};
    let calls: Vec<(&str, Option<Write>)> = ATTRIBUTES.iter().map(|a| (a.name, a.writes)).collect();
    assert_eq!(
        calls,
        [
            ("scan_type", Some(Write::Scanning)),
            ("scanning_rules", Some(Write::Scanning)),
            ("replication_rules", Some(Write::Replication)),
            ("policy_statements", Some(Write::Policy)),
        ]
    );
}
