//! The derived policies: reads only for plan and drift, every declared write for apply, scoped to
//! the spec's ARNs, and the same actions README and `init`'s drift role name.

use std::collections::BTreeSet;

use super::*;
use crate::commands::init::starter_spec;
use crate::testing::spec;

fn actions(doc: &Value) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["Action"].as_array().unwrap().iter())
        .map(|a| a.as_str().unwrap().to_string())
        .collect()
}

fn resources_of(doc: &Value, action: &str) -> BTreeSet<String> {
    doc["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["Action"].as_array().unwrap().iter().any(|a| a == action))
        .flat_map(|s| s["Resource"].as_array().unwrap().iter())
        .map(|r| r.as_str().unwrap().to_string())
        .collect()
}

fn policy_for(text: &str, command: For) -> Value {
    let s = spec(text);
    document(
        &Account {
            partition: "aws",
            account: "123456789012",
            units: vec![&s.desired],
        },
        command,
    )
}

const REGISTRY: &str = "registry:
  scanning:
    rules:
      - frequency: SCAN_ON_PUSH
        filters: [\"{prefix}-*\"]
  creation_templates:
    - prefix: \"{prefix}-central\"
      applied_for: [PULL_THROUGH_CACHE]
      custom_role_arn: \"arn:aws:iam::{account}:role/EcrTemplateRole\"
";

#[test]
fn plan_and_drift_get_reads_only_and_apply_every_write_scoped_to_the_spec() {
    let text = starter_spec("svc", "betekk");
    let drift = policy_for(&text, For::Drift);
    assert_eq!(drift, policy_for(&text, For::Plan));
    let writes = |doc: &Value| -> Vec<String> {
        actions(doc)
            .into_iter()
            .filter(|a| {
                let verb = a.split(':').nth(1).unwrap();
                [
                    "Create", "Put", "Delete", "Set", "Tag", "Untag", "Attach", "Detach", "Update",
                ]
                .iter()
                .any(|w| verb.starts_with(w))
            })
            .collect()
    };
    assert!(writes(&drift).is_empty(), "{:?}", writes(&drift));
    let apply = policy_for(&text, For::Apply);
    for action in [
        "ecr:CreateRepository",
        "iam:CreateRole",
        "iam:CreatePolicyVersion",
        "ssm:PutParameter",
    ] {
        assert!(actions(&apply).contains(action), "{action}");
    }
    assert_eq!(
        resources_of(&apply, "ecr:PutLifecyclePolicy"),
        [
            "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-*",
            "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-svc",
            "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk/*",
            "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk_*",
        ]
        .map(String::from)
        .into()
    );
    assert_eq!(
        resources_of(&apply, "ssm:PutParameter"),
        ["arn:aws:ssm:ap-southeast-1:123456789012:parameter/betekk-ecr/lock/svc*".to_string()]
            .into(),
        "no registry section: the lock only"
    );
    // No registry section: no registry-wide write.
    assert!(!actions(&apply).contains("ecr:PutRegistryScanningConfiguration"));
    assert!(
        resources_of(&apply, "iam:PutRolePolicy")
            .iter()
            .all(|r| r.contains(":role/"))
    );
}

#[test]
fn registry_writes_are_on_star_and_a_passed_role_only_to_ecr() {
    let text = format!("{}{REGISTRY}", starter_spec("svc", "betekk"));
    let apply = policy_for(&text, For::Apply);
    assert_eq!(
        resources_of(&apply, "ecr:PutRegistryScanningConfiguration"),
        ["*".to_string()].into()
    );
    let pass = apply["Statement"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["Action"][0] == "iam:PassRole")
        .expect("a PassRole statement");
    assert_eq!(
        pass["Resource"],
        json!(["arn:aws:iam::123456789012:role/EcrTemplateRole"])
    );
    assert_eq!(
        pass["Condition"]["StringEquals"]["iam:PassedToService"],
        "ecr.amazonaws.com"
    );
    assert_eq!(
        resources_of(&apply, "ecr:SetRepositoryPolicy")
            .into_iter()
            .filter(|r| r.ends_with("central*"))
            .collect::<Vec<_>>(),
        ["arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-central*"],
        "a template is checked for the repositories it shapes"
    );
    assert!(
        resources_of(&apply, "ssm:PutParameter")
            .contains("arn:aws:ssm:ap-southeast-1:123456789012:parameter/betekk-ecr/registry/svc")
    );
}

#[test]
fn init_and_readme_name_exactly_the_declared_actions() {
    // init's read-only drift role grants exactly what plan and drift need.
    let starter = starter_spec("svc", "betekk");
    let drift = policy_for(&starter, For::Drift);
    let line = starter
        .lines()
        .find(|l| l.trim_start().starts_with("actions: [ecr:Describe"))
        .expect("the drift policy's actions");
    let granted: BTreeSet<String> = line
        .split_once('[')
        .unwrap()
        .1
        .trim_end_matches(']')
        .split(", ")
        .map(str::to_string)
        .collect();
    // The starter's role is for the spec as it will grow: every read any spec may need.
    let every_read: BTreeSet<String> = crate::observe::read_actions()
        .into_iter()
        .map(str::to_string)
        .collect();
    assert_eq!(granted, every_read);
    assert!(actions(&drift).is_subset(&granted));
    // README's Permissions section names every action any command may need.
    let readme = include_str!("../README.md");
    let section = readme
        .split("\n## Permissions\n")
        .nth(1)
        .and_then(|s| s.split("\n## ").next())
        .expect("README has a Permissions section");
    let everything = policy_for(&format!("{starter}{REGISTRY}"), For::All);
    let missing: Vec<String> = actions(&everything)
        .into_iter()
        .filter(|a| !section.contains(&format!("`{a}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "README's Permissions section lacks {missing:?}"
    );
}
