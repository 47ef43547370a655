//! The recipe's standard set (OIDC provider, roles, policies, attachments) end to end: created from
//! the `init` spec, converged, tampered with out of band and repaired, adopted.

use betekk_ecr::live::IamApi;
use betekk_ecr::model::TagTarget;
use betekk_ecr::model::{PolicyDocument, Tags};
use serde_json::Value;

use crate::harness::{Account, path_str};

const UPLOAD_ROLE: &str = "BETEKK-GithubWorkflowsUploadRole";
const UPLOAD_POLICY: &str = "betekk-ECRUploadPolicy";
const PROVIDER: &str = "token.actions.githubusercontent.com";

fn init_spec(acct: &Account, service: &str) -> String {
    let run = acct.run(&["init", service]);
    run.expect_code(0);
    let path = acct.write_spec("spec.yaml", &run.stdout);
    path_str(&path).to_string()
}

fn change<'a>(plan: &'a Value, address: &str) -> Option<&'a Value> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
}

fn attribute_names(plan: &Value, address: &str) -> Vec<String> {
    let mut names: Vec<String> = change(plan, address)
        .unwrap_or_else(|| panic!("no change for {address} in {plan:#}"))["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

fn writes(doc: &Value) -> u64 {
    doc["stats"]["by_operation"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(op, _)| {
            let name = op.split(':').nth(1).unwrap();
            !["Get", "List", "Describe"]
                .iter()
                .any(|p| name.starts_with(p))
        })
        .map(|(_, n)| n.as_u64().unwrap())
        .sum()
}

#[tokio::test]
async fn the_standard_set_is_created_converges_and_is_least_privilege() {
    let acct = Account::new();
    let spec = init_spec(&acct, "std-set");

    let plan = acct.run(&["plan", &spec, "--output", "json"]).json();
    let summary = &plan["summary"];
    assert_eq!(
        summary["add"], 8,
        "repository, provider, 3 policies, 3 roles (upload, deploy, read-only drift): {plan:#}"
    );

    let applied = acct.run(&["apply", &spec, "--yes", "--output", "json"]);
    applied.expect_code(0);
    assert_eq!(applied.json()["succeeded"], true);

    let second = acct.run(&["apply", &spec, "--yes", "--output", "json"]);
    second.expect_code(0);
    let second = second.json();
    assert!(
        second["changes"].as_array().unwrap().is_empty(),
        "{second:#}"
    );
    assert_eq!(writes(&second), 0);

    let client = acct.client().await;
    let role = client
        .get_role(UPLOAD_ROLE)
        .await
        .unwrap()
        .expect("upload role exists");
    let trust = PolicyDocument::parse(&role.trust_policy)
        .unwrap()
        .to_json_string();
    assert!(
        trust.contains("repo:nus-cee/std-set:ref:refs/tags/v*")
            && trust.contains("repo:betekk/std-set:ref:refs/tags/v*"),
        "{trust}"
    );
    assert!(
        trust.contains(&format!(":oidc-provider/{PROVIDER}")),
        "{trust}"
    );
    let attached = client
        .list_attached_role_policies(UPLOAD_ROLE)
        .await
        .unwrap();
    assert_eq!(
        attached,
        vec![format!("arn:aws:iam::{}:policy/{UPLOAD_POLICY}", acct.id)]
    );

    let policies = client.list_policies().await.unwrap();
    let upload = policies.iter().find(|p| p.name == UPLOAD_POLICY).unwrap();
    let doc = client
        .get_policy_version(&upload.arn, &upload.default_version_id)
        .await
        .unwrap()
        .unwrap();
    let doc = PolicyDocument::parse(&doc).unwrap().to_json_string();
    assert!(
        doc.contains(&format!(
            "arn:aws:ecr:ap-southeast-1:{}:repository/betekk-std-set",
            acct.id
        )),
        "{doc}"
    );
    for forbidden in [
        "ecr:DeleteRepository",
        "ecr:SetRepositoryPolicy",
        "ecr:BatchDeleteImage",
    ] {
        assert!(!doc.contains(forbidden), "{forbidden} in {doc}");
    }
}

#[tokio::test]
async fn tampering_with_every_iam_attribute_is_planned_and_repaired() {
    let acct = Account::new();
    let spec = init_spec(&acct, "tamper");
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    let client = acct.client().await;
    let provider_arn = format!("arn:aws:iam::{}:oidc-provider/{PROVIDER}", acct.id);
    let policy_arn = format!("arn:aws:iam::{}:policy/{UPLOAD_POLICY}", acct.id);
    let lambda_policy = format!("arn:aws:iam::{}:policy/betekk-LambdaDeployPolicy", acct.id);

    let wide_open = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::000000000000:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}}]}"#;
    client
        .update_trust_policy(UPLOAD_ROLE, wide_open)
        .await
        .unwrap();
    client
        .create_policy_version(&policy_arn, r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#)
        .await
        .unwrap();
    client
        .attach_role_policy(UPLOAD_ROLE, &lambda_policy)
        .await
        .unwrap();
    client
        .add_client_id(&provider_arn, "intruder.example")
        .await
        .unwrap();
    client
        .tag_iam(
            &TagTarget::Role {
                name: UPLOAD_ROLE.into(),
            },
            &Tags::from([("Owner".into(), "someone".into())]),
        )
        .await
        .unwrap();
    client
        .tag_iam(
            &TagTarget::OidcProvider {
                arn: provider_arn.clone(),
            },
            &Tags::from([("Owner".into(), "someone".into())]),
        )
        .await
        .unwrap();

    let plan = acct.run(&["plan", &spec, "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let plan = plan.json();
    assert_eq!(
        attribute_names(&plan, &format!("role.{UPLOAD_ROLE}")),
        ["policies", "tags", "trust_policy"]
    );
    assert_eq!(
        attribute_names(&plan, &format!("policy.{UPLOAD_POLICY}")),
        ["document"]
    );
    assert_eq!(
        attribute_names(&plan, &format!("oidc_provider.{PROVIDER}")),
        ["client_ids", "tags"]
    );

    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
    assert_eq!(
        client
            .list_attached_role_policies(UPLOAD_ROLE)
            .await
            .unwrap(),
        vec![policy_arn.clone()],
        "the out-of-band attachment was detached"
    );
    let info = client
        .get_oidc_provider(&provider_arn)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(info.client_ids, vec!["sts.amazonaws.com".to_string()]);
}

#[tokio::test]
async fn policy_updates_stay_within_five_versions() {
    let acct = Account::new();
    let spec = init_spec(&acct, "versions");
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    let client = acct.client().await;
    let policy_arn = format!("arn:aws:iam::{}:policy/{UPLOAD_POLICY}", acct.id);
    // Fill IAM's five versions out of band, the last one (the default) different from the spec.
    for i in 0..4 {
        let doc = format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"ecr:DescribeImages","Resource":"*","Sid":"S{i}"}}]}}"#
        );
        client
            .create_policy_version(&policy_arn, &doc)
            .await
            .unwrap();
    }
    assert_eq!(
        client
            .list_policy_versions(&policy_arn)
            .await
            .unwrap()
            .len(),
        5
    );
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    let versions = client.list_policy_versions(&policy_arn).await.unwrap();
    assert_eq!(versions.len(), 5);
    assert!(
        !versions.iter().any(|v| v.version_id == "v1"),
        "the oldest version went: {versions:?}"
    );
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn an_existing_provider_is_adopted_and_thumbprints_are_left_alone() {
    let acct = Account::new();
    let client = acct.client().await;
    let thumbprint = vec!["6938fd4d98bab03faadb97b34396831e3780aea1".to_string()];
    client
        .create_oidc_provider(&betekk_ecr::live::NewOidcProvider {
            url: "https://token.actions.githubusercontent.com",
            client_ids: &["sts.amazonaws.com".to_string()],
            thumbprints: &thumbprint,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    let spec = init_spec(&acct, "adopt-oidc");
    let plan = acct.run(&["plan", &spec, "--output", "json"]).json();
    let provider = change(&plan, &format!("oidc_provider.{PROVIDER}")).expect("provider planned");
    assert_eq!(
        provider["action"], "update",
        "adopted, not created: {provider:#}"
    );
    assert_eq!(
        attribute_names(&plan, &format!("oidc_provider.{PROVIDER}")),
        ["tags"]
    );
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
    let arn = format!("arn:aws:iam::{}:oidc-provider/{PROVIDER}", acct.id);
    let provider = client.get_oidc_provider(&arn).await.unwrap().unwrap();
    assert_eq!(provider.thumbprints, thumbprint);
    assert_eq!(
        provider.tags.get("betekk-ecr:stack").map(String::as_str),
        Some("adopt-oidc"),
        "adopted: it now carries the stack's tags"
    );
}

#[tokio::test]
async fn an_assume_role_grant_attaches_a_policy_to_an_existing_user() {
    let acct = Account::new();
    let mut spec_text = acct.run(&["init", "grant"]).stdout;
    spec_text.push_str("\nassume_role_grants:\n  - user: deployer\n    roles: [\"{PREFIX}-GithubWorkflowsUploadRole\"]\n");
    let spec = acct.write_spec("spec.yaml", &spec_text);
    let spec = path_str(&spec);

    let missing = acct.run(&["plan", spec]);
    missing.expect_code(1);
    assert!(
        missing.stderr.contains("\"deployer\"") && missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );

    acct.raw_iam()
        .await
        .create_user()
        .user_name("deployer")
        .send()
        .await
        .unwrap();
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let client = acct.client().await;
    let attached = client
        .list_attached_user_policies("deployer")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        attached,
        vec![format!(
            "arn:aws:iam::{}:policy/betekk_AssumeRolePolicy-deployer",
            acct.id
        )]
    );
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
}

/// A role's path goes into CreateRole and its ARN; a changed path plans as a replace and is applied
/// as one. A `tag_session` principal and a raw statement land in the stored trust as written, and
/// read back as no change.
#[tokio::test]
async fn a_role_path_is_created_and_a_changed_path_replaces_the_role() {
    let acct = Account::new();
    let text = |path: &str| {
        format!(
            "version: 1\nstack: paths\nroles:\n  - name: BETEKK-Chained\n    path: {path}\n    trust:\n      aws: [{{principal: \"arn:aws:iam::{{account}}:role/Gh\", tag_session: true}}]\n      statements:\n        - {{Sid: Mfa, Effect: Allow, Principal: {{AWS: \"arn:aws:iam::{{account}}:root\"}}, Action: [sts:AssumeRole], Condition: {{Bool: {{aws:MultiFactorAuthPresent: \"true\"}}}}}}\n"
        )
    };
    let spec = acct.write_spec("paths.yaml", &text("/ci/"));
    let spec = path_str(&spec).to_string();
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
    let iam = acct.raw_iam().await;
    let role = iam
        .get_role()
        .role_name("BETEKK-Chained")
        .send()
        .await
        .unwrap();
    let role = role.role().unwrap();
    assert_eq!(role.path(), "/ci/");
    assert!(
        role.arn().ends_with(":role/ci/BETEKK-Chained"),
        "{}",
        role.arn()
    );
    let trust = PolicyDocument::parse(role.assume_role_policy_document().unwrap()).unwrap();
    let text_of_trust = trust.original().to_string();
    assert!(text_of_trust.contains("sts:TagSession"), "{text_of_trust}");
    assert!(
        text_of_trust.contains("aws:MultiFactorAuthPresent"),
        "{text_of_trust}"
    );

    acct.write_spec("paths.yaml", &text("/deploy/"));
    let plan = acct.run(&["plan", &spec, "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let plan = plan.json();
    let replaced = change(&plan, "role.BETEKK-Chained").expect("a change");
    assert_eq!(replaced["action"], "replace", "{replaced:#}");
    assert_eq!(attribute_names(&plan, "role.BETEKK-Chained"), ["path"]);
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    let role = iam
        .get_role()
        .role_name("BETEKK-Chained")
        .send()
        .await
        .unwrap();
    assert!(
        role.role()
            .unwrap()
            .arn()
            .ends_with(":role/deploy/BETEKK-Chained"),
        "{:?}",
        role.role()
    );
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
}
