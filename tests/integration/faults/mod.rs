//! Applies under injected faults (`tests/faultproxy/proxy.py`): throttling, 5xx, resets and
//! delays before the emulator acts, and lost responses after it did; concurrent applies. What is
//! asserted is what a user relies on: honest exit codes, convergence on rerun, nothing duplicated,
//! nothing lost. Live state is read back with plain SDK clients, straight from the emulator.

mod concurrent;
mod lost_response;
mod matrix;
mod proxy;

use std::collections::BTreeSet;

use aws_sdk_iam::types::PolicyScopeType;
use serde_json::Value;

use crate::harness::{Account, Run, repo_root};

/// The example spec, or its second version: one more repository, the upload policy granting it
/// (a new policy version), and the Lambda deploy role given the upload policy too (an attachment).
pub fn example_spec(second_version: bool) -> String {
    let text = std::fs::read_to_string(repo_root().join("examples/probe-engine.yaml"))
        .expect("read examples/probe-engine.yaml");
    if !second_version {
        return text;
    }
    let text = replace_once(
        &text,
        r#"ecr_push: ["{prefix}-probe-engine"]"#,
        r#"ecr_push: ["{prefix}-probe-engine", "{prefix}-probe-engine-worker"]"#,
    );
    let text = replace_once(
        &text,
        r#"policies: ["{prefix}-LambdaDeployPolicy"]"#,
        r#"policies: ["{prefix}-LambdaDeployPolicy", "{prefix}-ECRUploadPolicy"]"#,
    );
    replace_once(
        &text,
        "\ngithub:\n",
        "  - name: \"{prefix}-probe-engine-worker\"\n\ngithub:\n",
    )
}

#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "examples/probe-engine.yaml changed: {from:?} is not there exactly once"
    );
    text.replacen(from, to, 1)
}

/// What the example spec (first or second version) manages, by name.
pub struct Expected {
    pub repositories: Vec<&'static str>,
    pub policies: Vec<&'static str>,
    /// Each role with the policies attached to it, exactly.
    pub roles: Vec<(&'static str, Vec<&'static str>)>,
}

pub fn expected(second_version: bool) -> Expected {
    let mut repositories = vec!["betekk-probe-engine"];
    let mut lambda_role_policies = vec!["betekk-LambdaDeployPolicy"];
    if second_version {
        repositories.push("betekk-probe-engine-worker");
        lambda_role_policies.push("betekk-ECRUploadPolicy");
    }
    Expected {
        repositories,
        policies: vec!["betekk-ECRUploadPolicy", "betekk-LambdaDeployPolicy"],
        roles: vec![
            (
                "BETEKK-GithubWorkflowsUploadRole",
                vec!["betekk-ECRUploadPolicy"],
            ),
            (
                "BETEKK-GithubWorkflowsLambdaDeployRole",
                lambda_role_policies,
            ),
        ],
    }
}

/// An apply's exit code tells the truth: 0 with every step done, 1 with a failed step or an error
/// message, never a panic or another code. Returns whether it claimed success.
#[track_caller]
pub fn assert_honest(run: &Run, what: &str) -> bool {
    assert!(
        !run.stderr.contains("panicked"),
        "{what}: a panic\n{}",
        run.stderr
    );
    assert!(
        run.code == 0 || run.code == 1,
        "{what}: exit code {} (wanted 0 or 1)\nstdout:\n{}\nstderr:\n{}",
        run.code,
        run.stdout,
        run.stderr
    );
    let report: Option<Value> = serde_json::from_str(&run.stdout).ok();
    if run.code == 0 {
        let report = report.unwrap_or_else(|| panic!("{what}: exit 0 without a report"));
        assert_eq!(report["succeeded"], true, "{what}: {report:#}");
        for outcome in report["outcomes"].as_array().unwrap() {
            assert!(
                outcome["status"] == "applied" || outcome["status"] == "not_needed",
                "{what}: exit 0 with {outcome}"
            );
        }
        return true;
    }
    match report {
        Some(report) => {
            assert_eq!(report["succeeded"], false, "{what}: {report:#}");
            let failed: Vec<&Value> = report["outcomes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|o| o["status"] == "failed")
                .collect();
            assert!(
                !failed.is_empty() && failed.iter().all(|o| o["error"].is_string()),
                "{what}: exit 1 without a failed step that says why: {report:#}"
            );
        }
        None => assert!(
            run.stderr.contains("error:"),
            "{what}: exit 1 without a report or an error message\n{}",
            run.stderr
        ),
    }
    false
}

/// The invariants no fault may break: each repository, policy and role exists once, no policy has
/// more than five versions (and one default), every role has exactly the spec's attachments, and
/// one GitHub provider.
pub async fn assert_no_duplicates(acct: &Account, expected: &Expected) {
    let ecr = acct.raw_ecr().await;
    let iam = acct.raw_iam().await;

    let repositories: Vec<String> = ecr
        .describe_repositories()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("describe repositories")
        .into_iter()
        .filter_map(|r| r.repository_name)
        .collect();
    let mut wanted: Vec<String> = expected
        .repositories
        .iter()
        .map(|s| s.to_string())
        .collect();
    wanted.sort();
    let mut got = repositories.clone();
    got.sort();
    assert_eq!(got, wanted, "repositories");

    let policies = iam
        .list_policies()
        .scope(PolicyScopeType::Local)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("list policies");
    let names: Vec<&str> = policies.iter().filter_map(|p| p.policy_name()).collect();
    let unique: BTreeSet<&str> = names.iter().copied().collect();
    assert_eq!(names.len(), unique.len(), "a policy name twice: {names:?}");
    assert_eq!(
        unique,
        expected.policies.iter().copied().collect::<BTreeSet<_>>(),
        "policies"
    );
    for policy in &policies {
        let versions = iam
            .list_policy_versions()
            .policy_arn(policy.arn().unwrap())
            .send()
            .await
            .expect("list policy versions")
            .versions
            .unwrap_or_default();
        assert!(
            versions.len() <= 5,
            "{:?} has {} versions",
            policy.policy_name(),
            versions.len()
        );
        assert_eq!(
            versions.iter().filter(|v| v.is_default_version).count(),
            1,
            "{:?}: one default version",
            policy.policy_name()
        );
    }

    let roles: Vec<String> = iam
        .list_roles()
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await
        .expect("list roles")
        .into_iter()
        .map(|r| r.role_name)
        .collect();
    let wanted_roles: BTreeSet<&str> = expected.roles.iter().map(|(r, _)| *r).collect();
    assert_eq!(
        roles.iter().map(String::as_str).collect::<BTreeSet<_>>(),
        wanted_roles,
        "roles"
    );
    for (role, wanted) in &expected.roles {
        let mut attached: Vec<String> = iam
            .list_attached_role_policies()
            .role_name(*role)
            .send()
            .await
            .expect("list attached role policies")
            .attached_policies
            .unwrap_or_default()
            .into_iter()
            .filter_map(|p| p.policy_name)
            .collect();
        attached.sort();
        let mut wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        wanted.sort();
        assert_eq!(attached, wanted, "attachments of {role}");
    }

    let providers = iam
        .list_open_id_connect_providers()
        .send()
        .await
        .expect("list providers")
        .open_id_connect_provider_list
        .unwrap_or_default();
    let github = providers
        .iter()
        .filter(|p| {
            p.arn()
                .is_some_and(|a| a.ends_with("/token.actions.githubusercontent.com"))
        })
        .count();
    assert_eq!(github, 1, "GitHub providers: {providers:?}");
}

/// The image tags of a repository, read straight from the emulator.
pub async fn image_tags(acct: &Account, repository: &str) -> Vec<String> {
    let ecr = acct.raw_ecr().await;
    let mut tags: Vec<String> = ecr
        .list_images()
        .repository_name(repository)
        .send()
        .await
        .expect("list images")
        .image_ids
        .unwrap_or_default()
        .into_iter()
        .filter_map(|i| i.image_tag)
        .collect();
    tags.sort();
    tags
}

/// Fills a policy up to `count` versions out of band (non-default ones), so that the next
/// document change runs at IAM's five-version limit.
pub async fn fill_policy_versions(acct: &Account, policy: &str, count: usize) {
    let iam = acct.raw_iam().await;
    let arn = format!("arn:aws:iam::{}:policy/{policy}", acct.id);
    let have = iam
        .list_policy_versions()
        .policy_arn(&arn)
        .send()
        .await
        .expect("list policy versions")
        .versions
        .unwrap_or_default()
        .len();
    for i in have..count {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"OutOfBand{i}","Effect":"Allow","Action":"ecr:DescribeImages","Resource":"*"}}]}}"#
        );
        iam.create_policy_version()
            .policy_arn(&arn)
            .policy_document(doc)
            .set_as_default(false)
            .send()
            .await
            .expect("create policy version");
    }
}
