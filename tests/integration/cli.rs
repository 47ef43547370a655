//! The command line's contract: spec errors before any AWS call, refusal without a terminal,
//! exit codes.

use betekk_ecr::live::EcrApi;

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

/// SIGINT mid-apply: nothing new starts, the report lists every change (`interrupted` for what
/// never ran), exit 130, and the next apply converges.
#[tokio::test]
async fn an_interrupted_apply_reports_every_change_exits_130_and_the_next_apply_finishes() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};

    let acct = Account::new();
    let mut text = String::from("version: 1\nstack: sigint\nrepositories:\n");
    for i in 0..40 {
        text.push_str(&format!("  - name: \"{{prefix}}-sigint-{i:02}\"\n"));
    }
    let spec = acct.write_spec("spec.yaml", &text);
    let mut child = Command::new(env!("CARGO_BIN_EXE_betekk-ecr"))
        .args(["apply", path_str(&spec), "--yes", "--parallelism", "1"])
        .env("AWS_ACCESS_KEY_ID", &acct.id)
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", crate::harness::endpoint())
        .env("AWS_REGION", crate::harness::REGION)
        .env_remove("AWS_PROFILE")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run betekk-ecr");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut seen = String::new();
    let mut line = String::new();
    // Once the second change completed, interrupt.
    let mut completed = 0;
    while completed < 2 {
        line.clear();
        assert!(
            stderr.read_line(&mut line).unwrap() > 0,
            "apply ended early:\n{seen}"
        );
        seen.push_str(&line);
        if line.contains("complete after") {
            completed += 1;
        }
    }
    let pid = child.id() as i32;
    assert_eq!(unsafe { libc::kill(pid, libc::SIGINT) }, 0);
    let mut rest = String::new();
    std::io::Read::read_to_string(&mut stderr, &mut rest).unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(130),
        "stdout:\n{stdout}\nstderr:\n{seen}{rest}"
    );
    assert!(rest.contains("interrupted: starting nothing new"), "{rest}");
    assert!(stdout.contains("Apply interrupted:"), "{stdout}");
    let listed = stdout
        .matches(": interrupted: interrupted before it started")
        .count();
    assert!(listed > 0 && listed < 40, "{stdout}");
    // Every change of the plan has an outcome: created ones before, interrupted ones after.
    let created = acct
        .client()
        .await
        .list_repositories()
        .await
        .unwrap()
        .iter()
        .filter(|r| r.name.starts_with("betekk-sigint-"))
        .count();
    assert!((2..40).contains(&created), "{created} created");
    assert_eq!(created + listed, 40, "{stdout}");
    acct.run(&["apply", path_str(&spec), "--yes"])
        .expect_code(0);
    acct.run(&["plan", path_str(&spec), "--detailed-exitcode"])
        .expect_code(0);
}

/// Logs written to a file or a pipe carry no colour codes; an oversized spec says so in words.
#[test]
fn logs_to_a_pipe_have_no_ansi_codes_and_an_oversized_spec_is_named_plainly() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "probe.yaml",
        "version: 1\nstack: probe\nrepositories:\n  - name: betekk-probe\n",
    );
    let run = run_cli(
        &["-vvv", "--max-attempts", "1", "plan", path_str(&spec)],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "000000000001"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
            // Colours off because stderr is no terminal, not because NO_COLOR says so.
            ("NO_COLOR", ""),
        ],
    );
    assert!(run.stderr.contains("DEBUG"), "{}", run.stderr);
    assert!(!run.stderr.contains('\x1b'), "{}", run.stderr);

    let mut big = String::from("version: 1\nstack: big\ntags:\n");
    for i in 0..130_000 {
        big.push_str(&format!("  k{i}: v\n"));
    }
    let spec = acct.write_spec("big.yaml", &big);
    let run = run_cli(&["validate", path_str(&spec)], &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "the spec is too large for the YAML reader: its 250,000-node limit was passed"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("budget breached"), "{}", run.stderr);
}

#[test]
fn validate_strict_fails_on_findings_and_lists_them() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "probe.yaml",
        "version: 1\nstack: probe\nrepositories:\n  - name: betekk-probe\n    image_tag_mutability: MUTABLE\n",
    );
    run_cli(&["validate", path_str(&spec)], &[]).expect_code(0);
    let strict = run_cli(&["validate", "--strict", path_str(&spec)], &[]);
    strict.expect_code(1);
    assert!(
        strict
            .stdout
            .contains("probe.yaml:4:5: strict: repositories[0].image_tag_mutability: MUTABLE"),
        "{}",
        strict.stdout
    );
    assert!(
        strict.stdout.contains("1 finding under --strict."),
        "{}",
        strict.stdout
    );
    let json = run_cli(
        &["validate", "--strict", "--output", "json", path_str(&spec)],
        &[],
    );
    assert_eq!(json.json()["findings"].as_array().unwrap().len(), 1);
}

/// Replication into another of the spec's targets is checked against the spec's own registry
/// policy, as it will be applied there: a note, and a finding under --strict when it is denied.
#[test]
fn validate_checks_replication_between_targets_against_the_registry_policy() {
    let acct = Account::new();
    let base = "version: 1\nstack: dr\nregions: [ap-southeast-1, ap-southeast-2]\ntargets:\n\
        \x20 - {name: prod, account: \"111111111111\", role: Deployer}\n\
        \x20 - {name: dr, account: \"222222222222\", role: Deployer, regions: [ap-southeast-1]}\n\
        repositories: [{name: betekk-app}]\nregistry:\n  replication:\n    rules:\n\
        \x20     - destinations: [{region: ap-southeast-2, account: \"222222222222\"}]\n        filters: [\"{prefix}-\"]\n";
    let policy = "  policy:\n    Version: \"2012-10-17\"\n    Statement:\n      - Sid: FromProd\n\
        \x20       Effect: Allow\n        Principal: {AWS: \"arn:aws:iam::111111111111:root\"}\n\
        \x20       Action: [ecr:CreateRepository, ecr:ReplicateImage]\n\
        \x20       Resource: \"arn:aws:ecr:ap-southeast-2:{account}:repository/betekk-*\"\n";
    let denied = acct.write_spec("denied.yaml", base);
    let run = run_cli(&["validate", path_str(&denied)], &[]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("from target prod (111111111111) to target dr (222222222222) ap-southeast-2: this spec's registry.policy, applied there, does not let"),
        "{}",
        run.stdout
    );
    run_cli(&["validate", "--strict", path_str(&denied)], &[]).expect_code(1);
    let allowed = acct.write_spec("allowed.yaml", &format!("{base}{policy}"));
    let run = run_cli(&["validate", "--strict", path_str(&allowed)], &[]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("lets it in (checked for betekk-app)"),
        "{}",
        run.stdout
    );
}

/// With --output json an error is a document on stdout too: its kind, message and positions.
#[test]
fn errors_are_json_documents_with_output_json() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "bad.yaml",
        "version: 1\nstack: bad\nrepositories:\n  - name: UPPER\n",
    );
    let run = run_cli(&["validate", "--output", "json", path_str(&spec)], &[]);
    run.expect_code(1);
    let doc = run.json();
    assert_eq!(doc["error"]["kind"], "spec");
    assert_eq!(doc["error"]["diagnostics"][0]["line"], 4);
    assert_eq!(doc["error"]["diagnostics"][0]["column"], 5);
    assert_eq!(
        doc["error"]["diagnostics"][0]["path"],
        "repositories[0].name"
    );
    let unreachable = run_cli(
        &[
            "plan",
            "--output",
            "json",
            "--max-attempts",
            "1",
            path_str(&acct.write_spec("ok.yaml", "version: 1\nstack: ok\n")),
        ],
        &[
            ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
            ("AWS_ACCESS_KEY_ID", "000000000001"),
            ("AWS_SECRET_ACCESS_KEY", "x"),
        ],
    );
    unreachable.expect_code(1);
    assert_eq!(unreachable.json()["error"]["kind"], "aws");
    assert!(
        unreachable.json()["error"]["hint"]
            .as_str()
            .unwrap()
            .contains("endpoint reachable")
    );
}
