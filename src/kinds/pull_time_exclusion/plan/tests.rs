//! Pull-time update exclusions against the fake account: registered for a spec role and an ARN,
//! converged and recorded, foreign ones kept and shown as unmanaged, dropped ones deregistered
//! unless another stack still declares them, and checked offline.

use crate::apply::ApplyOptions;
use crate::drift::{Class, classify};
use crate::kinds::pull_time_exclusion::fake::exclusions;
use crate::kinds::pull_time_exclusion::plan::PullTimeExclusionOp;
use crate::live::fake::FakeAws;
use crate::model::Kind;
use crate::model::registry_record::{RegistryRecord, parameter_name};
use crate::model::*;
use crate::observe::observe;
use crate::plan::*;
use crate::testing::*;

const SCANNER: &str = "arn:aws:iam::123456789012:role/BETEKK-ScannerRole";
const AUDITOR: &str = "arn:aws:iam::123456789012:user/auditor";

fn exclusions_spec(stack: &str, entries: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: {stack}\nregion: ap-southeast-1\nroles:\n  - name: \"{{PREFIX}}-ScannerRole\"\n    \
         trust:\n      services: [inspector2.amazonaws.com]\nregistry:\n  pull_time_update_exclusions: {entries}\n"
    ))
    .desired
}

async fn apply_ok(fake: &FakeAws, desired: &Desired) -> Plan {
    let (plan, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn registered(fake: &FakeAws) -> Vec<String> {
    exclusions(&mut fake.registry()).iter().cloned().collect()
}

fn owned(fake: &FakeAws, stack: &str) -> Vec<String> {
    fake.registry()
        .parameters
        .get(&parameter_name(stack))
        .and_then(|(v, _)| RegistryRecord::parse(v))
        .map(|r| {
            r.section("pull_time_update_exclusions")
                .keys()
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn exclusions_are_registered_recorded_converge_and_are_deregistered_when_dropped() {
    let fake = FakeAws::default();
    let d = exclusions_spec(
        "svc",
        "[\"{PREFIX}-ScannerRole\", \"arn:{partition}:iam::{account}:user/auditor\"]",
    );
    let plan = apply_ok(&fake, &d).await;
    let registers: Vec<&Op> = plan
        .changes
        .iter()
        .flat_map(|c| &c.ops)
        .filter(|op| {
            matches!(
                op,
                Op::PullTimeExclusion(PullTimeExclusionOp::RegisterPullTimeUpdateExclusion { .. })
            )
        })
        .collect();
    assert_eq!(registers.len(), 2, "{plan:#?}");
    assert_eq!(registered(&fake), [SCANNER, AUDITOR]);
    assert_eq!(owned(&fake, "svc"), [SCANNER, AUDITOR]);
    assert!(plan_on(&fake, &d).await.is_empty(), "converged");

    let fewer = exclusions_spec("svc", "[\"{PREFIX}-ScannerRole\"]");
    let plan = apply_ok(&fake, &fewer).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::PullTimeExclusion)
        .expect("the auditor goes");
    assert_eq!(change.action, Action::Delete);
    assert_eq!(
        change.ops,
        [Op::PullTimeExclusion(
            PullTimeExclusionOp::DeregisterPullTimeUpdateExclusion {
                principal_arn: AUDITOR.into()
            }
        )]
    );
    assert_eq!(registered(&fake), [SCANNER]);
    assert_eq!(owned(&fake, "svc"), [SCANNER]);
}

#[tokio::test]
async fn a_foreign_exclusion_is_kept_and_unmanaged_and_a_shared_one_outlives_one_stack() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| {
        crate::kinds::pull_time_exclusion::fake::exclusions(r)
            .insert("arn:aws:iam::123456789012:role/SomeoneElsesScanner".into());
    });
    let d = exclusions_spec("svc", "[\"{PREFIX}-ScannerRole\"]");
    apply_ok(&fake, &d).await;
    assert_eq!(
        registered(&fake),
        [
            SCANNER,
            "arn:aws:iam::123456789012:role/SomeoneElsesScanner"
        ]
    );
    let observed = observe(&fake, &d, 4).await.unwrap();
    let report = classify(&d, &observed).unwrap();
    let foreign = report
        .resources
        .iter()
        .find(|r| r.name.ends_with("SomeoneElsesScanner"))
        .expect("shown");
    assert_eq!(foreign.class, Class::Unmanaged);

    // Another stack declares the same principal: both own it; the first stack dropping it
    // deregisters nothing.
    let other = spec(&format!(
        "version: 1\nstack: other\nregion: ap-southeast-1\nregistry:\n  \
         pull_time_update_exclusions: [\"{SCANNER}\"]\n"
    ))
    .desired;
    apply_ok(&fake, &other).await;
    assert_eq!(owned(&fake, "other"), [SCANNER]);
    let none = spec(
        "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  scanning:\n    type: BASIC\n",
    )
    .desired;
    let plan = apply_ok(&fake, &none).await;
    assert!(
        plan.changes.iter().flat_map(|c| &c.ops).all(|op| !matches!(
            op,
            Op::PullTimeExclusion(PullTimeExclusionOp::DeregisterPullTimeUpdateExclusion { .. })
        )),
        "{plan:#?}"
    );
    assert!(registered(&fake).contains(&SCANNER.to_string()));
    assert!(owned(&fake, "svc").is_empty());
}

#[test]
fn exclusions_are_checked_offline() {
    let errors = spec_errors(
        "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  pull_time_update_exclusions:\n    \
         - NotARole\n    - \"arn:aws:iam::123456789012:group/ops\"\n    \
         - \"arn:aws:iam::123456789012:user/a\"\n    - \"arn:aws:iam::123456789012:user/a\"\n",
    );
    assert_eq!(errors.len(), 3, "{errors:?}");
    assert!(
        errors[0].contains("[0]") && errors[0].contains("no role of this spec"),
        "{errors:?}"
    );
    assert!(
        errors[1].contains("[1]") && errors[1].contains("expected a role or user ARN"),
        "{errors:?}"
    );
    assert!(
        errors[2].contains("[3]") && errors[2].contains("listed already"),
        "{errors:?}"
    );
}
