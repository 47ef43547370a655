//! `--output markdown` and `workflow` against the emulator: what the action and the generated
//! workflows run, end to end.

use crate::harness::{Account, path_str, repo_spec};

#[test]
fn plan_apply_and_drift_write_markdown_reports() {
    let acct = Account::new();
    let stack = format!("md{}", &acct.id[8..]);
    let spec = acct.write_spec("spec.yaml", &repo_spec(&stack, ""));
    let spec = path_str(&spec);

    let plan = acct.run(&["plan", spec, "--output", "markdown", "--detailed-exitcode"]);
    plan.expect_code(2);
    assert!(
        plan.stdout.starts_with(
            "### betekk-ecr plan: 1 to add, 0 to change, 0 to replace, 0 to destroy\n"
        ),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains(&format!("| `+` | `repository.betekk-{stack}` | create |")),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout
            .contains("```diff\n+ image_tag_mutability = \"IMMUTABLE\""),
        "{}",
        plan.stdout
    );

    let apply = acct.run(&["apply", spec, "--yes", "--output", "markdown"]);
    apply.expect_code(0);
    assert!(
        apply.stdout.starts_with(
            "### betekk-ecr apply complete: 1 added, 0 changed, 0 replaced, 0 destroyed\n"
        ),
        "{}",
        apply.stdout
    );
    assert!(apply.stdout.contains("| applied |"), "{}", apply.stdout);

    let drift = acct.run(&["drift", spec, "--output", "markdown"]);
    drift.expect_code(0);
    assert!(
        drift.stdout.starts_with("### betekk-ecr drift: in sync\n"),
        "{}",
        drift.stdout
    );
    assert!(
        drift.stdout.contains(&format!("account `{}`", acct.id)),
        "{}",
        drift.stdout
    );
}

#[test]
fn workflow_reads_the_account_from_sts() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "spec.yaml",
        &betekk_ecr::commands::init::starter_spec("wf", "betekk"),
    );
    let run = acct.run(&[
        "workflow",
        path_str(&spec),
        "--repository",
        "wf",
        "--kind",
        "lambda",
    ]);
    run.expect_code(0);
    let account = &acct.id;
    assert!(
        run.stdout.contains(&format!(
            "REGISTRY: \"{account}.dkr.ecr.ap-southeast-1.amazonaws.com\""
        )),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains(&format!(
            "role-to-assume: \"arn:aws:iam::{account}:role/BETEKK-GithubWorkflowsLambdaDeployRole\""
        )),
        "{}",
        run.stdout
    );
    // The starter names the functions by pattern only: said on stderr, left to fill in.
    assert!(run.stderr.contains("betekk-wf-*"), "{}", run.stderr);
}

/// Runs the action's `betekk-ecr <command>` step as a runner does (`bash --noprofile --norc -eo
/// pipefail`, the step's env), with the binary where the install step puts it. Returns the exit
/// code, the job summary and the step outputs.
fn action_step(acct: &Account, command: &str, spec: &str, fail_on: &str) -> (i32, String, String) {
    let action: serde_json::Value = serde_saphyr::from_str(
        &std::fs::read_to_string(crate::harness::repo_root().join("action.yml")).unwrap(),
    )
    .unwrap();
    let step = action["runs"]["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "run")
        .expect("the action's run step");
    let runner = acct.dir.path().join(format!("runner-{command}"));
    let bin = runner.join("betekk-ecr-bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_betekk-ecr"), bin.join("betekk-ecr")).unwrap();
    let script = runner.join("step.sh");
    std::fs::write(&script, step["run"].as_str().unwrap()).unwrap();
    let (summary, outputs) = (runner.join("summary.md"), runner.join("outputs"));
    let status = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&script)
        .env_remove("AWS_PROFILE")
        .envs([
            ("COMMAND", command),
            ("SPEC", spec),
            ("FAIL_ON", fail_on),
            ("RUNNER_TEMP", path_str(&runner)),
            ("GITHUB_STEP_SUMMARY", path_str(&summary)),
            ("GITHUB_OUTPUT", path_str(&outputs)),
            ("AWS_ACCESS_KEY_ID", acct.id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_ENDPOINT_URL", crate::harness::endpoint()),
            ("AWS_REGION", crate::harness::REGION),
            ("AWS_EC2_METADATA_DISABLED", "true"),
        ])
        .stdin(std::process::Stdio::null())
        .status()
        .unwrap();
    let read = |p: &std::path::Path| std::fs::read_to_string(p).unwrap_or_default();
    (status.code().unwrap_or(-1), read(&summary), read(&outputs))
}

#[tokio::test]
async fn the_actions_step_writes_the_report_to_the_job_summary_and_fails_only_when_it_should() {
    let acct = Account::new();
    let stack = format!("act{}", &acct.id[8..]);
    let spec = acct.write_spec("spec.yaml", &repo_spec(&stack, ""));
    let spec = path_str(&spec);

    // Pending changes do not fail a plan; the exit code is an output.
    let (code, summary, outputs) = action_step(&acct, "plan", spec, "any");
    assert_eq!(code, 0, "{summary}");
    assert!(
        summary.starts_with("### betekk-ecr plan: 1 to add"),
        "{summary}"
    );
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");
    assert!(outputs.contains("report="), "{outputs}");

    let (code, summary, outputs) = action_step(&acct, "apply", spec, "any");
    assert_eq!(code, 0, "{summary}");
    assert!(
        summary.starts_with("### betekk-ecr apply complete: 1 added"),
        "{summary}"
    );
    assert!(outputs.contains("exit-code=0\n"), "{outputs}");

    // Changed in AWS: drift fails the step, and the report says what.
    acct.raw_ecr()
        .await
        .put_image_scanning_configuration()
        .repository_name(format!("betekk-{stack}"))
        .image_scanning_configuration(
            aws_sdk_ecr::types::ImageScanningConfiguration::builder()
                .scan_on_push(false)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let (code, summary, outputs) = action_step(&acct, "drift", spec, "drifted");
    assert_eq!(code, 2, "{summary}");
    assert!(
        summary.starts_with("### betekk-ecr drift: **drift found**"),
        "{summary}"
    );
    assert!(
        summary.contains("scan_on_push (changed in AWS)"),
        "{summary}"
    );
    assert!(outputs.contains("exit-code=2\n"), "{outputs}");

    let (code, _, _) = action_step(&acct, "destroy", spec, "any");
    assert_eq!(code, 1);
}
