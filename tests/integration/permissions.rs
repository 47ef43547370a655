//! `permissions` proved by an IAM simulator that is not ours: a spec with every kind is applied,
//! changed, planned and pruned through a proxy that records every AWS request; the oracle in
//! `tests/oracle/` must allow a caller holding exactly `permissions --for apply` every recorded call
//! (and the actions AWS checks beside it) on its resource, and deny writes outside the spec.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::access::oracle;
use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, REGION, path_str};

/// Every kind: init's standard set, a grant to a user, registry settings, a pull-through cache
/// rule and a creation template, both with a role ECR assumes, account settings, a signing rule
/// (the push policy then signs) and a pull-time update exclusion.
fn everything(acct: &Account, keep: u32, with_extra: bool) -> String {
    let mut text = acct.run(&["init", "perm"]).stdout;
    text = text.replace("keep_last: 50", &format!("keep_last: {keep}"));
    if with_extra {
        text = text.replace(
            "repositories:\n",
            "repositories:\n  - name: \"{prefix}-perm-extra\"\n",
        );
    }
    text.push_str(
        r#"
assume_role_grants:
  - user: deployer
    roles: ["{PREFIX}-GithubWorkflowsUploadRole"]
registry:
  scanning:
    rules:
      - frequency: SCAN_ON_PUSH
        filters: ["{prefix}-*"]
  pull_through_cache:
    - prefix: "{prefix}-central"
      upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com
      custom_role_arn: "arn:{partition}:iam::{account}:role/{PREFIX}-EcrCacheRole"
  creation_templates:
    - prefix: "{prefix}-central"
      applied_for: [PULL_THROUGH_CACHE]
      custom_role_arn: "arn:{partition}:iam::{account}:role/{PREFIX}-EcrCacheRole"
  account_settings:
    blob_mounting: ENABLED
  signing:
    - signing_profile: betekk_images
      repositories: ["{prefix}-*"]
  pull_time_update_exclusions: ["{PREFIX}-EcrCacheRole"]
"#,
    );
    text.replace(
        "roles:\n",
        "roles:\n  - name: \"{PREFIX}-EcrCacheRole\"\n    trust: {services: [ecr.amazonaws.com]}\n",
    )
}

/// The ARN a recorded request acts on, and the actions AWS checks for it.
fn asked(account: &str, call: &Value) -> Vec<(String, String, Value)> {
    let service = call["service"].as_str().unwrap();
    let op = call["operation"].as_str().unwrap();
    let p = &call["params"];
    let s = |k: &str| p[k].as_str().map(str::to_string);
    let iam = |kind: &str, name: String| format!("arn:aws:iam::{account}:{kind}/{name}");
    let ecr = |name: &str| format!("arn:aws:ecr:{REGION}:{account}:repository/{name}");
    let action = format!("{service}:{op}");
    let none = json!({});
    let resource = match (service, op) {
        ("sts", _) => return Vec::new(), // GetCallerIdentity needs no permission
        ("ecr", "DescribeRepositories") => ecr("*"),
        ("ecr", _) => match (s("repositoryName"), s("resourceArn")) {
            (Some(name), _) => ecr(&name),
            (None, Some(arn)) => arn,
            (None, None) => "*".into(),
        },
        ("ssm", _) => {
            let name = s("Name").or(s("Path")).unwrap();
            format!("arn:aws:ssm:{REGION}:{account}:parameter{name}")
        }
        ("iam", "ListRoles" | "ListPolicies" | "ListOpenIDConnectProviders") => "*".into(),
        ("iam", "CreatePolicy") => iam("policy", s("PolicyName").unwrap()),
        ("iam", "CreateOpenIDConnectProvider") => iam(
            "oidc-provider",
            s("Url").unwrap().trim_start_matches("https://").to_string(),
        ),
        ("iam", "AttachUserPolicy" | "DetachUserPolicy" | "ListAttachedUserPolicies") => {
            iam("user", s("UserName").unwrap())
        }
        ("iam", "DetachGroupPolicy") => iam("group", s("GroupName").unwrap()),
        ("iam", _) => match (s("RoleName"), s("PolicyArn"), s("OpenIDConnectProviderArn")) {
            (Some(role), _, _) => iam("role", role),
            (None, Some(arn), _) | (None, None, Some(arn)) => arn,
            _ => panic!("no resource in {call}"),
        },
        _ => panic!("unexpected service in {call}"),
    };
    // Attaching and detaching are also checked against the policy they name.
    let context = match s("PolicyArn") {
        Some(arn) if op.starts_with("Detach") || op.starts_with("Attach") => {
            json!({"iam:PolicyARN": arn})
        }
        _ => none.clone(),
    };
    let mut out = vec![(action, resource.clone(), context)];
    let tags = p["hasTags"].as_bool().unwrap_or(false);
    let tag_action = match (service, op) {
        ("ecr", "CreateRepository") => Some("ecr:TagResource"),
        ("iam", "CreateRole") => Some("iam:TagRole"),
        ("iam", "CreatePolicy") => Some("iam:TagPolicy"),
        ("iam", "CreateOpenIDConnectProvider") => Some("iam:TagOpenIDConnectProvider"),
        ("ssm", "PutParameter") => Some("ssm:AddTagsToResource"),
        _ => None,
    };
    if let Some(tag_action) = tag_action.filter(|_| tags) {
        out.push((tag_action.into(), resource, none.clone()));
    }
    if let Some(role) = s("customRoleArn") {
        out.push((
            "iam:PassRole".into(),
            role,
            json!({"iam:PassedToService": "ecr.amazonaws.com"}),
        ));
    }
    if op.ends_with("RepositoryCreationTemplate") && op != "DeleteRepositoryCreationTemplate" {
        let shaped = ecr(&format!("{}x", s("prefix").unwrap()));
        for action in [
            "ecr:CreateRepository",
            "ecr:PutLifecyclePolicy",
            "ecr:SetRepositoryPolicy",
        ] {
            out.push((action.into(), shaped.clone(), none.clone()));
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_holding_exactly_the_printed_policy_may_make_every_call_and_nothing_else() {
    let acct = Account::new();
    acct.raw_iam()
        .await
        .create_user()
        .user_name("deployer")
        .send()
        .await
        .unwrap();
    let record = std::env::temp_dir().join(format!("betekk-calls-{}.jsonl", acct.id));
    let proxy = FaultProxy::start(
        1,
        &Faults {
            record: Some(record.clone()),
            ..Faults::default()
        },
    );
    let v1 = acct.write_spec("v1.yaml", &everything(&acct, 50, false));
    let v2 = acct.write_spec("v2.yaml", &everything(&acct, 40, true));
    let pruned = acct.write_spec(
        "pruned.yaml",
        "version: 1\nstack: perm\nregion: ap-southeast-1\ngithub: {}\n",
    );
    for (spec, what) in [(&v1, "from empty"), (&v2, "changed"), (&pruned, "pruned")] {
        let spec = path_str(spec);
        acct.run_via(proxy.url(), &["apply", spec, "--yes", "--allow-destroy"])
            .expect_code(0);
        acct.run_via(proxy.url(), &["plan", spec, "--detailed-exitcode"])
            .expect_code(0);
        acct.run_via(proxy.url(), &["drift", spec, "--fail-on", "drifted"])
            .expect_code(0);
        eprintln!("permissions: applied {what}");
    }
    let calls: Vec<Value> = std::fs::read_to_string(&record)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let _ = std::fs::remove_file(&record);

    // One policy covers all three specs: the union of each one's --for apply document.
    let mut identity = Vec::new();
    for spec in [&v1, &v2, &pruned] {
        let printed = acct.run(&[
            "permissions",
            path_str(spec),
            "--for",
            "apply",
            "--account",
            &acct.id,
            "--output",
            "json",
        ]);
        printed.expect_code(0);
        identity.push(printed.json()["policies"][0]["document"].clone());
    }
    let principal = format!("arn:aws:iam::{}:user/applier", acct.id);
    let mut questions = Vec::new();
    let mut asked_for = BTreeSet::new();
    for call in &calls {
        for (action, resource, context) in asked(&acct.id, call) {
            if asked_for.insert((action.clone(), resource.clone())) {
                questions.push(json!({
                    "principal": principal, "action": action, "resource": resource,
                    "context": context, "identity": identity, "resourcePolicy": null,
                }));
            }
        }
    }
    assert!(
        questions.len() > 60,
        "too few calls recorded: {}",
        questions.len()
    );
    // Writes outside the spec: another team's repository, role, policy and lock.
    let outside = [
        (
            "ecr:DeleteRepository",
            format!("arn:aws:ecr:{REGION}:{}:repository/payments-api", acct.id),
        ),
        (
            "ecr:SetRepositoryPolicy",
            format!("arn:aws:ecr:{REGION}:{}:repository/payments-api", acct.id),
        ),
        (
            "iam:PutRolePolicy",
            format!("arn:aws:iam::{}:role/OrganizationAdmin", acct.id),
        ),
        (
            "iam:AttachRolePolicy",
            format!("arn:aws:iam::{}:role/OrganizationAdmin", acct.id),
        ),
        (
            "iam:CreatePolicyVersion",
            format!("arn:aws:iam::{}:policy/PaymentsPolicy", acct.id),
        ),
        (
            "iam:DetachRolePolicy",
            format!("arn:aws:iam::{}:role/OrganizationAdmin", acct.id),
        ),
        (
            "ssm:PutParameter",
            format!(
                "arn:aws:ssm:{REGION}:{}:parameter/betekk-ecr/lock/payments",
                acct.id
            ),
        ),
        (
            "iam:PassRole",
            format!("arn:aws:iam::{}:role/OrganizationAdmin", acct.id),
        ),
    ];
    let allowed_count = questions.len();
    for (action, resource) in &outside {
        questions.push(json!({
            "principal": principal, "action": action, "resource": resource,
            "context": {"iam:PassedToService": "ecr.amazonaws.com",
                        "iam:PolicyARN": format!("arn:aws:iam::{}:policy/PaymentsPolicy", acct.id)},
            "identity": identity, "resourcePolicy": null,
        }));
    }
    let answers = oracle(&questions);
    let mut wrong = Vec::new();
    for (i, (q, a)) in questions.iter().zip(&answers).enumerate() {
        let want = if i < allowed_count {
            "Allowed"
        } else {
            "ImplicitlyDenied"
        };
        if a != want {
            wrong.push(format!(
                "{} on {}: {a}, wanted {want}",
                q["action"], q["resource"]
            ));
        }
    }
    eprintln!(
        "permissions: {} recorded requests, {allowed_count} distinct (action, resource) pairs allowed, {} writes outside the spec denied",
        calls.len(),
        outside.len()
    );
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
