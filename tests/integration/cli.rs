//! The command line's contract: spec errors before any AWS call, refusal without a terminal,
//! exit codes.

use crate::harness::{Account, path_str, run_cli};

#[test]
fn a_bad_spec_fails_before_any_aws_call() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "probe.yaml",
        "version: 1\nstack: probe\nrepositories:\n  - name: betekk-probe\n    image_tag_mutability: immutable\n",
    );
    // An endpoint nothing listens on: reaching AWS at all would fail differently.
    let run = run_cli(
        &["plan", path_str(&spec)],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "000000000001"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains("probe.yaml:5:5: repositories[0].image_tag_mutability: expected MUTABLE or IMMUTABLE, got \"immutable\""),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("Reading live state"), "{}", run.stderr);
}

#[test]
fn validate_needs_no_credentials() {
    let example = crate::harness::repo_root().join("examples/probe-engine.yaml");
    let run = run_cli(
        &["validate", path_str(&example)],
        &[("AWS_ENDPOINT_URL", "http://127.0.0.1:9")],
    );
    run.expect_code(0);
    assert!(run.stdout.contains("valid"), "{}", run.stdout);
}

#[test]
fn apply_without_a_terminal_or_yes_refuses_and_changes_nothing() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &crate::harness::repo_spec("notty", ""));
    let run = acct.run(&["apply", path_str(&spec)]);
    run.expect_code(1);
    assert!(run.stderr.contains("--yes"), "{}", run.stderr);
    let plan = acct.run(&["plan", path_str(&spec), "--detailed-exitcode"]);
    plan.expect_code(2);
}

#[test]
fn unreachable_endpoint_is_an_error_with_a_hint() {
    let example = crate::harness::repo_root().join("examples/probe-engine.yaml");
    let run = run_cli(
        &["plan", path_str(&example), "--max-attempts", "1"],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "000000000001"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
    );
    run.expect_code(1);
    assert!(
        run.stderr.contains("error: reading live state failed"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("hint:"), "{}", run.stderr);
}
