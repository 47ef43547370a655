//! Workflow generation from specs: the role each job assumes, the tags it pushes, what it warns.

use super::actions::{CHECKOUT, Pin};
use super::*;
use crate::model::Env;

fn target() -> Target {
    Target {
        env: Env {
            account: "111122223333".into(),
            partition: "aws".into(),
            region: "ap-southeast-1".into(),
        },
        registry: "111122223333.dkr.ecr.ap-southeast-1.amazonaws.com".into(),
        dual_stack_registry: None,
        role_arn: None,
    }
}

fn generate_from(spec_text: &str, repository: &str, kind: Kind) -> Result<Workflow, WorkflowError> {
    let spec = crate::spec::parse(spec_text, "spec.yaml").expect("a valid spec");
    generate(&Request {
        desired: &spec.desired,
        spec_path: "infra/spec.yaml",
        repository,
        kind,
        pin: Pin::Commit,
        target: target(),
    })
}

fn starter() -> String {
    crate::commands::init::starter_spec("probe-engine", "betekk")
}

/// The value of the first `key:` line, unquoted.
fn value_of<'a>(text: &'a str, key: &str) -> Vec<&'a str> {
    text.lines()
        .filter_map(|l| l.trim_start().strip_prefix(&format!("{key}: ")))
        .map(|v| v.split(" #").next().unwrap_or(v).trim_matches('"'))
        .collect()
}

#[test]
fn a_push_workflow_assumes_the_upload_role_and_pushes_tags_the_lifecycle_keeps() {
    let w = generate_from(&starter(), "probe-engine", Kind::Push).unwrap();
    assert_eq!(
        w.suggested_path,
        ".github/workflows/push-betekk-probe-engine.yml"
    );
    assert_eq!(
        value_of(&w.text, "role-to-assume"),
        ["arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsUploadRole"]
    );
    assert_eq!(
        value_of(&w.text, "REGISTRY"),
        ["111122223333.dkr.ecr.ap-southeast-1.amazonaws.com"]
    );
    assert_eq!(value_of(&w.text, "AWS_REGION"), ["ap-southeast-1"]);
    assert_eq!(value_of(&w.text, "REPOSITORY"), ["betekk-probe-engine"]);
    // The starter's rule 1 keeps the last 50 images tagged v*.
    assert_eq!(value_of(&w.text, "TAG_PREFIX"), ["v"]);
    assert!(w.text.contains("    tags:\n      - \"v*\"\n"), "{}", w.text);
    assert_eq!(value_of(&w.text, "id-token"), ["write"]);
    assert_eq!(value_of(&w.text, "contents"), ["read"]);
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
}

#[test]
fn an_immutable_repository_never_gets_latest_and_a_tag_is_never_pushed_twice() {
    let w = generate_from(&starter(), "betekk-probe-engine", Kind::Push).unwrap();
    assert!(!w.text.contains(":latest"), "{}", w.text);
    assert!(w.text.contains("aws ecr describe-images"), "{}", w.text);
    let mutable = starter().replace(
        "image_tag_mutability: IMMUTABLE",
        "image_tag_mutability: MUTABLE",
    );
    let w = generate_from(&mutable, "probe-engine", Kind::Push).unwrap();
    assert!(
        w.text.contains("--tag \"$REGISTRY/$REPOSITORY:latest\""),
        "{}",
        w.text
    );
    assert!(!w.text.contains("describe-images"), "{}", w.text);
}

#[test]
fn the_tag_prefix_follows_the_rule_that_keeps_images() {
    let spec = starter().replace(
        "          tag_prefixes: [v]\n          keep_last: 50",
        "          tag_patterns: [\"release-*\"]\n          keep_last: 50",
    );
    let w = generate_from(&spec, "probe-engine", Kind::Push).unwrap();
    assert_eq!(value_of(&w.text, "TAG_PREFIX"), ["release-"]);
    assert!(w.text.contains("      - \"release-*\"\n"), "{}", w.text);
    let spec = starter().replace("    lifecycle_policy:\n", "    lifecycle_policy_gone:\n");
    assert!(
        crate::spec::parse(&spec, "x").is_err(),
        "the replacement must break the spec"
    );
}

#[test]
fn every_action_is_pinned_to_a_commit_with_its_release_in_a_comment() {
    for kind in [Kind::Push, Kind::Lambda, Kind::Drift] {
        let w = generate_from(&starter(), "probe-engine", kind).unwrap();
        let uses: Vec<&str> = w
            .text
            .lines()
            .filter_map(|l| {
                l.trim_start()
                    .trim_start_matches("- ")
                    .strip_prefix("uses: ")
            })
            .collect();
        assert!(!uses.is_empty());
        for u in uses {
            let (action, rest) = u.split_once('@').unwrap();
            let (commit, version) = rest.split_once(" # v").unwrap_or_else(|| panic!("{u}"));
            assert_eq!(commit.len(), 40, "{u}");
            assert!(commit.bytes().all(|b| b.is_ascii_hexdigit()), "{u}");
            assert!(version.split('.').count() == 3, "{u}");
            assert!(!action.is_empty());
        }
    }
    let spec = crate::spec::parse(&starter(), "spec.yaml").unwrap();
    let tags = generate(&Request {
        desired: &spec.desired,
        spec_path: "spec.yaml",
        repository: "probe-engine",
        kind: Kind::Push,
        pin: Pin::MajorTag,
        target: target(),
    })
    .unwrap();
    assert!(
        tags.text
            .contains(&format!("uses: {}@v7\n", CHECKOUT.repository)),
        "{}",
        tags.text
    );
}

#[test]
fn a_lambda_workflow_pushes_under_the_upload_role_and_deploys_under_the_lambda_role() {
    let spec = starter().replace(
        "lambda_deploy: {functions: [\"{prefix}-probe-engine-*\"]}",
        "lambda_deploy: {functions: [\"{prefix}-probe-engine-api\", \"{prefix}-probe-engine-jobs-*\"]}",
    );
    let w = generate_from(&spec, "probe-engine", Kind::Lambda).unwrap();
    assert_eq!(
        value_of(&w.text, "role-to-assume"),
        [
            "arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsUploadRole",
            "arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsLambdaDeployRole"
        ]
    );
    assert_eq!(value_of(&w.text, "FUNCTIONS"), ["betekk-probe-engine-api"]);
    assert!(w.text.contains("needs: push"), "{}", w.text);
    assert!(
        w.text.contains("aws lambda update-function-code"),
        "{}",
        w.text
    );
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    // Only a pattern: the workflow cannot guess the names, and says so.
    let w = generate_from(&starter(), "probe-engine", Kind::Lambda).unwrap();
    assert_eq!(value_of(&w.text, "FUNCTIONS"), [""]);
    assert!(
        w.warnings[0].contains("betekk-probe-engine-*"),
        "{:?}",
        w.warnings
    );
}

#[test]
fn a_drift_workflow_runs_on_a_schedule_under_the_read_only_role() {
    let w = generate_from(&starter(), "probe-engine", Kind::Drift).unwrap();
    assert_eq!(
        value_of(&w.text, "role-to-assume"),
        ["arn:aws:iam::111122223333:role/BETEKK-GithubWorkflowsDriftRole"]
    );
    assert_eq!(value_of(&w.text, "command"), ["drift"]);
    assert_eq!(value_of(&w.text, "spec"), ["infra/spec.yaml"]);
    assert_eq!(value_of(&w.text, "fail-on"), ["drifted"]);
    let cron = value_of(&w.text, "- cron")[0].to_string();
    let fields: Vec<u32> = cron
        .split(' ')
        .take(2)
        .map(|f| f.parse().unwrap())
        .collect();
    assert!(fields[0] < 60 && fields[1] < 24, "{cron}");
    // The drift role trusts only main, which is where schedules run.
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
}

#[test]
fn a_role_whose_trust_does_not_admit_the_runs_is_a_warning() {
    let spec = starter().replacen(
        "      subjects: [\"ref:refs/tags/v*\"]   # the tags the generated workflows push on",
        "      subjects: [\"ref:refs/heads/main\"]   # the tags the generated workflows push on",
        1,
    );
    let w = generate_from(&spec, "probe-engine", Kind::Push).unwrap();
    assert_eq!(w.warnings.len(), 1, "{:?}", w.warnings);
    assert!(
        w.warnings[0].contains("ref:refs/tags/v1.0.0"),
        "{}",
        w.warnings[0]
    );
    assert!(
        w.warnings[0].contains("BETEKK-GithubWorkflowsUploadRole"),
        "{}",
        w.warnings[0]
    );
}

#[test]
fn without_a_suitable_role_or_repository_the_error_says_what_to_add() {
    let no_drift_role = starter()
        .split("  - name: \"{PREFIX}-GithubWorkflowsDriftRole\"")
        .next()
        .unwrap()
        .to_string();
    let err = generate_from(&no_drift_role, "probe-engine", Kind::Drift).unwrap_err();
    assert!(err.to_string().contains("run drift read-only"), "{err}");
    assert!(err.to_string().contains("--role-arn"), "{err}");
    let err = generate_from(&starter(), "probe-engin", Kind::Push).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the spec has no repository \"probe-engin\"; did you mean betekk-probe-engine?"
    );
}

#[test]
fn a_role_given_on_the_command_line_is_used_as_is() {
    let spec = crate::spec::parse(&starter(), "spec.yaml").unwrap();
    let mut target = target();
    target.role_arn = Some("arn:aws:iam::111122223333:role/ElsewhereDrift".into());
    let w = generate(&Request {
        desired: &spec.desired,
        spec_path: "spec.yaml",
        repository: "probe-engine",
        kind: Kind::Drift,
        pin: Pin::Commit,
        target,
    })
    .unwrap();
    assert_eq!(
        value_of(&w.text, "role-to-assume"),
        ["arn:aws:iam::111122223333:role/ElsewhereDrift"]
    );
    assert!(w.text.contains("is not a role of this spec"), "{}", w.text);
}

#[test]
fn a_role_of_a_customized_organization_admits_the_runs_in_its_subject_template() {
    let customized = |keys: &str| {
        let spec = starter();
        assert!(spec.contains("github:\n"), "{spec}");
        spec.replacen(
            "github:\n",
            &format!("github:\n  subject_claims: [{keys}]\n"),
            1,
        )
    };
    let w = generate_from(
        &customized("repo, context, job_workflow_ref"),
        "probe-engine",
        Kind::Push,
    )
    .unwrap();
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    assert!(w.text.contains("job_workflow_ref:*"), "{}", w.text);
    // A template without the context: the ref is not in sub, so every run of the repository is.
    let w = generate_from(
        &customized("repo, job_workflow_ref"),
        "probe-engine",
        Kind::Push,
    )
    .unwrap();
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    // The default template and a subject that does not admit tags: still warned about.
    let main_only = starter().replacen(
        "      subjects: [\"ref:refs/tags/v*\"]   # the tags the generated workflows push on",
        "      subjects: [\"ref:refs/heads/main\"]   # the tags the generated workflows push on",
        1,
    );
    let w = generate_from(
        &main_only.replacen(
            "github:\n",
            "github:\n  subject_claims: [repo, context, job_workflow_ref]\n",
            1,
        ),
        "probe-engine",
        Kind::Push,
    )
    .unwrap();
    assert_eq!(w.warnings.len(), 1, "{:?}", w.warnings);
}

fn generate_dual_stack(kind: Kind) -> Workflow {
    let spec = crate::spec::parse(&starter(), "spec.yaml").expect("a valid spec");
    let mut target = target();
    target.dual_stack_registry = target.env.dual_stack_registry_host();
    generate(&Request {
        desired: &spec.desired,
        spec_path: "infra/spec.yaml",
        repository: "probe-engine",
        kind,
        pin: Pin::Commit,
        target,
    })
    .unwrap()
}

#[test]
fn a_dual_stack_push_logs_in_and_pushes_through_the_dual_stack_host() {
    let w = generate_dual_stack(Kind::Push);
    assert_eq!(
        value_of(&w.text, "REGISTRY"),
        ["111122223333.dkr-ecr.ap-southeast-1.on.aws"]
    );
    assert!(
        w.text.contains(
            "run: aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS --password-stdin \"$REGISTRY\"\n"
        ),
        "{}",
        w.text
    );
    // amazon-ecr-login logs in to the IPv4 host only.
    let ecr_login = format!("uses: {}@", super::actions::AMAZON_ECR_LOGIN.repository);
    assert!(!w.text.contains(&ecr_login), "{}", w.text);
    assert!(
        w.text
            .contains("docker push --all-tags \"$REGISTRY/$REPOSITORY\""),
        "{}",
        w.text
    );
    // Logged out after the push, whatever happened.
    let logout = w.text.find("docker logout \"$REGISTRY\"").unwrap();
    assert!(logout > w.text.find("- name: Push").unwrap(), "{}", w.text);
    assert!(
        w.text
            .contains("--repository betekk-probe-engine --kind push --dual-stack\n"),
        "{}",
        w.text
    );
    assert!(value_of(&w.text, "IPV4_REGISTRY").is_empty());
    assert!(w.warnings.is_empty(), "{:?}", w.warnings);
    // Without --dual-stack: amazon-ecr-login and the IPv4 host, as before.
    let ipv4 = generate_from(&starter(), "probe-engine", Kind::Push).unwrap();
    assert!(ipv4.text.contains(&ecr_login), "{}", ipv4.text);
    assert!(!ipv4.text.contains("docker login"), "{}", ipv4.text);
    assert!(!ipv4.text.contains("--dual-stack"), "{}", ipv4.text);
}

#[test]
fn a_dual_stack_lambda_workflow_gives_lambda_the_ipv4_uri() {
    let w = generate_dual_stack(Kind::Lambda);
    assert_eq!(
        value_of(&w.text, "REGISTRY"),
        ["111122223333.dkr-ecr.ap-southeast-1.on.aws"]
    );
    assert_eq!(
        value_of(&w.text, "IPV4_REGISTRY"),
        ["111122223333.dkr.ecr.ap-southeast-1.amazonaws.com"]
    );
    assert!(
        w.text
            .contains("--image-uri \"$IPV4_REGISTRY/$REPOSITORY:$IMAGE_TAG\""),
        "{}",
        w.text
    );
    let ipv4 = generate_from(&starter(), "probe-engine", Kind::Lambda).unwrap();
    assert!(
        ipv4.text
            .contains("--image-uri \"$REGISTRY/$REPOSITORY:$IMAGE_TAG\""),
        "{}",
        ipv4.text
    );
}

#[test]
fn dual_stack_changes_nothing_in_a_drift_workflow_and_says_so() {
    let w = generate_dual_stack(Kind::Drift);
    assert!(!w.text.contains("dkr-ecr"), "{}", w.text);
    assert_eq!(
        w.warnings,
        ["--dual-stack changes nothing in a drift workflow: it logs in to no registry"]
    );
}
