//! One response lost after the emulator acted (answered 500, or the connection reset): the SDK
//! retries a request that already happened, and the apply must still succeed without a duplicate.

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, path_str};

use super::{assert_honest, assert_no_duplicates, example_spec, expected, fill_policy_versions};

/// Exactly one lost response of `operation`.
fn one_lost(operation: &'static str, reset: bool) -> Faults {
    Faults {
        lost_500: if reset { 0.0 } else { 1.0 },
        lost_reset: if reset { 1.0 } else { 0.0 },
        only: vec![operation],
        max_faults: Some(1),
        ..Faults::default()
    }
}

#[tokio::test]
async fn a_lost_create_response_is_recognised_as_done() {
    for (i, operation) in [
        "CreateRepository",
        "PutLifecyclePolicy",
        "SetRepositoryPolicy",
        "CreateOpenIDConnectProvider",
        "CreatePolicy",
        "CreateRole",
        "AttachRolePolicy",
    ]
    .into_iter()
    .enumerate()
    {
        let acct = Account::new();
        let spec = acct.write_spec("spec.yaml", &example_spec(false));
        let spec = path_str(&spec);
        let proxy = FaultProxy::start(i as u64, &one_lost(operation, i % 2 == 1));
        let run = acct.run_via(proxy.url(), &["apply", spec, "--yes", "--output", "json"]);
        assert_eq!(
            proxy.stats()["by_operation"][operation]
                .as_object()
                .map(|k| k.values().filter_map(|n| n.as_u64()).sum::<u64>()),
            Some(1),
            "{operation}: no response was lost"
        );
        assert!(
            assert_honest(&run, operation),
            "{operation}: a lost response failed the apply\n{}",
            run.stdout
        );
        acct.run(&["plan", spec, "--detailed-exitcode"])
            .expect_code(0);
        assert_no_duplicates(&acct, &expected(false)).await;
    }
}

#[tokio::test]
async fn a_lost_create_policy_version_response_at_the_limit_does_not_fail_the_apply() {
    for reset in [false, true] {
        let acct = Account::new();
        let v1 = acct.write_spec("v1.yaml", &example_spec(false));
        let v2 = acct.write_spec("v2.yaml", &example_spec(true));
        acct.run(&["apply", path_str(&v1), "--yes"]).expect_code(0);
        // Four versions: the change takes the fifth, so a second one from a retry is over IAM's limit.
        fill_policy_versions(&acct, "betekk-ECRUploadPolicy", 4).await;
        let proxy = FaultProxy::start(7, &one_lost("CreatePolicyVersion", reset));
        let run = acct.run_via(
            proxy.url(),
            &["apply", path_str(&v2), "--yes", "--output", "json"],
        );
        assert_eq!(proxy.stats()["faults"], 1);
        assert!(
            assert_honest(&run, "lost CreatePolicyVersion"),
            "reset {reset}: a lost CreatePolicyVersion response failed the apply\n{}\n{}",
            run.stdout,
            run.stderr
        );
        acct.run(&["plan", path_str(&v2), "--detailed-exitcode"])
            .expect_code(0);
        assert_no_duplicates(&acct, &expected(true)).await;
    }
}
