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
