//! Drift detection end to end: the standard set applied, then changed in the spec, in AWS, or
//! both; saved plans; prune; import.

use betekk_ecr::live::{EcrApi, IamApi, NewRepository};
use betekk_ecr::model::TagTarget;
use betekk_ecr::model::{Encryption, TagMutability, Tags};
use serde_json::Value;

use crate::harness::{Account, path_str};

const LAMBDA_ROLE: &str = "BETEKK-GithubWorkflowsLambdaDeployRole";

/// The `init` spec for `service`, applied; returns the spec path.
fn applied_standard_set(acct: &Account, service: &str) -> String {
    let run = acct.run(&["init", service]);
    run.expect_code(0);
    let path = acct.write_spec("spec.yaml", &run.stdout);
    let spec = path_str(&path).to_string();
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    spec
}

fn resource<'a>(doc: &'a Value, address: &str) -> &'a Value {
    doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .unwrap_or_else(|| panic!("{address} not in {doc:#}"))
}

fn class(doc: &Value, address: &str) -> String {
    resource(doc, address)["class"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn drift_tells_out_of_band_changes_from_pending_ones() {
    let acct = Account::new();
    let service = "drift-a";
    let repo = format!("betekk-{service}");
    let spec = applied_standard_set(&acct, service);

    // Right after apply: in sync, and drift wrote nothing.
    let run = acct.run(&["drift", &spec, "--output", "json"]);
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["schema_version"], 1);
    assert_eq!(doc["in_sync"], true, "{doc:#}");
    assert_eq!(doc["account"], acct.id.as_str());
    assert_eq!(doc["region"], "ap-southeast-1");
    assert!(doc["timestamp"].as_str().unwrap().ends_with('Z'));
    assert_eq!(doc["counts"]["in_sync"], 8, "{doc:#}");
    assert!(
        doc["stats"]["by_operation"]
            .as_object()
            .unwrap()
            .keys()
            .all(|op| betekk_ecr::live::stats::is_read(op)),
        "{doc:#}"
    );

    // The spec edited, not applied: pending, not out-of-band.
    let text = std::fs::read_to_string(&spec).unwrap();
    let edited = acct.write_spec(
        "edited.yaml",
        &text.replace("keep_last: 50", "keep_last: 60"),
    );
    let edited = path_str(&edited);
    let run = acct.run(&["drift", edited, "--output", "json"]);
    run.expect_code(2);
    let doc = run.json();
    let address = format!("repository.{repo}");
    assert_eq!(class(&doc, &address), "pending", "{doc:#}");
    assert_eq!(doc["out_of_band"], false);
    acct.run(&["drift", edited, "--fail-on", "drifted"])
        .expect_code(0);

    // A lifecycle policy changed in AWS: drifted, with the attribute's values.
    let client = acct.client().await;
    client
        .put_lifecycle_policy(
            &repo,
            r#"{"rules":[{"rulePriority":1,"selection":{"tagStatus":"any","countType":"imageCountMoreThan","countNumber":5},"action":{"type":"expire"}}]}"#,
        )
        .await
        .unwrap();
    let run = acct.run(&["drift", &spec, "--output", "json"]);
    run.expect_code(2);
    let doc = run.json();
    let r = resource(&doc, &address);
    assert_eq!(r["class"], "drifted", "{doc:#}");
    let attr = &r["attributes"][0];
    assert_eq!(attr["name"], "lifecycle_policy");
    assert_eq!(attr["last_applied"], "spec");
    assert!(
        attr["live"].to_string().contains("\"keep_last\":5"),
        "{attr}"
    );
    assert!(
        attr["spec"].to_string().contains("\"keep_last\":50"),
        "{attr}"
    );
    assert_eq!(doc["counts"]["drifted"], 1);
    let human = acct.run(&["drift", &spec, "--fail-on", "drifted"]);
    human.expect_code(2);
    assert!(
        human.stdout.contains("Drifted: changed in AWS"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("lifecycle_policy (changed in AWS)"),
        "{}",
        human.stdout
    );

    // A role deleted out of band: missing. A stray repository with the prefix: unmanaged.
    for arn in client
        .list_attached_role_policies(LAMBDA_ROLE)
        .await
        .unwrap()
    {
        client.detach_role_policy(LAMBDA_ROLE, &arn).await.unwrap();
    }
    client.delete_role(LAMBDA_ROLE).await.unwrap();
    client
        .create_repository(&NewRepository {
            name: "betekk-stray",
            exclusion_filters: &[],
            image_tag_mutability: TagMutability::Mutable,
            scan_on_push: false,
            encryption: &Encryption::Aes256,
            tags: &Tags::new(),
        })
        .await
        .unwrap();
    let run = acct.run(&["drift", &spec, "--output", "json"]);
    run.expect_code(2);
    let doc = run.json();
    assert_eq!(
        class(&doc, &format!("role.{LAMBDA_ROLE}")),
        "missing",
        "{doc:#}"
    );
    assert_eq!(
        class(&doc, "repository.betekk-stray"),
        "unmanaged",
        "{doc:#}"
    );
    assert_eq!(class(&doc, &address), "drifted");

    // Apply repairs what is ours and leaves the stray alone; drift is clean but for it.
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    let run = acct.run(&["drift", &spec, "--fail-on", "drifted", "--output", "json"]);
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["counts"]["unmanaged"], 1, "{doc:#}");
    assert_eq!(doc["counts"]["in_sync"], 8, "{doc:#}");
}

#[test]
fn drift_every_reports_each_cycle_and_survives_a_failed_one() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &crate::harness::repo_spec("every", ""));
    let spec = path_str(&spec).to_string();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_betekk-ecr"))
        .args(["drift", &spec, "--every", "1s", "--output", "json"])
        .env("AWS_ACCESS_KEY_ID", &acct.id)
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL", crate::harness::endpoint())
        .env("AWS_REGION", crate::harness::REGION)
        .env_remove("AWS_PROFILE")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    let first: Value = serde_json::from_str(&lines.next().unwrap().unwrap()).unwrap();
    assert_eq!(first["kind"], "drift");
    assert_eq!(first["counts"]["missing"], 1, "{first:#}");
    // Break the spec: the next cycle fails, and the one after it still runs.
    std::fs::write(&spec, "version: 1\nstack: [broken\n").unwrap();
    let mut kinds = Vec::new();
    for line in lines.by_ref().take(2) {
        let doc: Value = serde_json::from_str(&line.unwrap()).unwrap();
        kinds.push(doc["kind"].as_str().unwrap().to_string());
    }
    std::fs::write(&spec, crate::harness::repo_spec("every", "")).unwrap();
    let recovered = lines
        .by_ref()
        .take(3)
        .map(|l| serde_json::from_str::<Value>(&l.unwrap()).unwrap())
        .any(|d| d["kind"] == "drift");
    let _ = child.kill();
    let _ = child.wait();
    assert!(kinds.contains(&"drift_error".to_string()), "{kinds:?}");
    assert!(recovered, "a cycle after the failed one ran");
}

#[tokio::test]
async fn a_saved_plan_applies_exactly_or_refuses_naming_what_changed() {
    let acct = Account::new();
    let spec_path = acct.write_spec("spec.yaml", &crate::harness::repo_spec("saved", ""));
    let spec = path_str(&spec_path).to_string();
    let plan_file = acct.dir.path().join("plan.json");
    let plan_file = path_str(&plan_file).to_string();

    let run = acct.run(&["plan", &spec, "--out", &plan_file, "--detailed-exitcode"]);
    run.expect_code(2);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan_file).unwrap()).unwrap();
    assert_eq!(saved["kind"], "betekk-ecr-plan");
    assert_eq!(saved["schema_version"], 1);
    assert_eq!(saved["account"], acct.id.as_str());
    assert_eq!(saved["spec"]["sha256"].as_str().unwrap().len(), 64);
    assert_eq!(saved["observed"]["repository.betekk-saved"], Value::Null);

    let run = acct.run(&["apply", &plan_file, "--yes", "--output", "json"]);
    run.expect_code(0);
    assert_eq!(run.json()["summary"]["add"], 1);
    acct.run(&["drift", &spec]).expect_code(0);
    // Applied once, the same saved plan is stale: the repository it would create now exists.
    let run = acct.run(&["apply", &plan_file, "--yes"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("repository.betekk-saved"),
        "{}",
        run.stderr
    );

    // A plan made, then AWS changed out of band: refused, nothing written.
    acct.run(&["plan", &spec, "--out", &plan_file])
        .expect_code(0);
    let client = acct.client().await;
    client
        .put_scan_on_push("betekk-saved", false)
        .await
        .unwrap();
    let run = acct.run(&["apply", &plan_file, "--yes"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("live state changed since the plan was made (repository.betekk-saved)"),
        "{}",
        run.stderr
    );
    let drift = acct.run(&["drift", &spec, "--output", "json"]);
    drift.expect_code(2);
    assert_eq!(class(&drift.json(), "repository.betekk-saved"), "drifted");

    // A plan made, then the spec edited: refused.
    acct.run(&["plan", &spec, "--out", &plan_file])
        .expect_code(0);
    let text = std::fs::read_to_string(&spec_path).unwrap();
    std::fs::write(&spec_path, text.replace("keep_last: 50", "keep_last: 60")).unwrap();
    let run = acct.run(&["apply", &plan_file, "--yes"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("changed since the plan was made"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("spec.yaml"), "{}", run.stderr);
}

#[tokio::test]
async fn prune_deletes_only_the_stacks_own_resources_in_reverse_dependency_order() {
    let acct = Account::new();
    let service = "prune";
    let spec = applied_standard_set(&acct, service);
    let client = acct.client().await;
    // Someone else's prefixed repository, and another stack's.
    for (name, tags) in [
        ("betekk-handmade", Tags::new()),
        (
            "betekk-other",
            [("ManagedBy", "betekk-ecr"), ("betekk-ecr:stack", "other")]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        ),
    ] {
        client
            .create_repository(&NewRepository {
                name,
                exclusion_filters: &[],
                image_tag_mutability: TagMutability::Mutable,
                scan_on_push: false,
                encryption: &Encryption::Aes256,
                tags: &tags,
            })
            .await
            .unwrap();
    }
    // The Lambda deploy role and its policy leave the spec.
    let text = std::fs::read_to_string(&spec).unwrap();
    let start = text
        .find("  - name: \"{PREFIX}-GithubWorkflowsLambdaDeployRole\"")
        .unwrap();
    let end = text
        .find("  - name: \"{PREFIX}-GithubWorkflowsDriftRole\"")
        .unwrap();
    let mut pruned = format!("{}{}", &text[..start], &text[end..]);
    let start = pruned
        .find("  - name: \"{prefix}-LambdaDeployPolicy\"")
        .unwrap();
    let end = pruned
        .find("  - name: \"{prefix}-DriftReadPolicy\"")
        .unwrap();
    pruned.replace_range(start..end, "");
    let pruned = acct.write_spec("pruned.yaml", &pruned);
    let pruned = path_str(&pruned);

    let drift = acct.run(&["drift", pruned, "--output", "json"]).json();
    assert_eq!(
        class(&drift, &format!("role.{LAMBDA_ROLE}")),
        "pending",
        "{drift:#}"
    );
    assert_eq!(class(&drift, "repository.betekk-handmade"), "unmanaged");

    let plan = acct.run(&["plan", pruned, "--output", "json"]).json();
    assert_eq!(plan["summary"]["destroy"], 2, "{plan:#}");
    assert_eq!(
        plan["deletes"],
        serde_json::json!([
            "policy.betekk-LambdaDeployPolicy",
            format!("role.{LAMBDA_ROLE}")
        ])
    );
    let policy = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "policy.betekk-LambdaDeployPolicy")
        .unwrap();
    assert_eq!(
        policy["depends_on"],
        serde_json::json!([format!("role.{LAMBDA_ROLE}")])
    );
    let human = acct.run(&["plan", pruned]);
    assert!(
        human.stdout.contains("Destroys: policy.betekk-LambdaDeployPolicy, role.BETEKK-GithubWorkflowsLambdaDeployRole"),
        "{}",
        human.stdout
    );

    acct.run(&["apply", pruned, "--yes"]).expect_code(0);
    assert!(client.get_role(LAMBDA_ROLE).await.unwrap().is_none());
    let names: Vec<String> = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    for kept in ["betekk-handmade", "betekk-other", "betekk-prune"] {
        assert!(names.iter().any(|n| n == kept), "{kept} kept: {names:?}");
    }
    acct.run(&["plan", pruned, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn an_imported_standard_set_plans_empty_once_adopted() {
    let acct = Account::new();
    let service = "imported";
    applied_standard_set(&acct, service);
    // Strip ownership, as if the OpenTofu recipe had made these resources.
    let client = acct.client().await;
    let ownership: Vec<String> = ["ManagedBy", "betekk-ecr:stack", "betekk-ecr:applied"]
        .map(String::from)
        .to_vec();
    let repo = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == format!("betekk-{service}"))
        .unwrap();
    client.untag_resource(&repo.arn, &ownership).await.unwrap();
    for name in client.list_roles().await.unwrap() {
        let role = TagTarget::Role { name };
        client.untag_iam(&role, &ownership).await.unwrap();
    }
    for policy in client.list_policies().await.unwrap() {
        let policy = TagTarget::Policy { arn: policy.arn };
        client.untag_iam(&policy, &ownership).await.unwrap();
    }
    for arn in client.list_oidc_providers().await.unwrap() {
        let provider = TagTarget::OidcProvider { arn };
        client.untag_iam(&provider, &ownership).await.unwrap();
    }

    let out = acct.dir.path().join("imported.yaml");
    let out = path_str(&out).to_string();
    let run = acct.run(&["import", "--stack", service, "-o", &out]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("Imported 8 resources"),
        "{}",
        run.stderr
    );
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.contains("github_trust"), "{text}");

    // Without adoption: nothing to create, replace or delete; only ownership tags to add.
    let plan = acct.run(&["plan", &out, "--output", "json"]).json();
    assert_eq!(
        plan["summary"],
        serde_json::json!({"add": 0, "change": 8, "replace": 0, "destroy": 0}),
        "{plan:#}\n{text}"
    );
    for change in plan["changes"].as_array().unwrap() {
        assert_eq!(
            change["attributes"].as_array().unwrap().len(),
            1,
            "{change:#}"
        );
        assert_eq!(change["attributes"][0]["name"], "tags", "{change:#}");
    }

    let run = acct.run(&["import", "--stack", service, "--adopt"]);
    run.expect_code(0);
    assert!(run.stderr.contains("Adopted 8 resources"), "{}", run.stderr);
    acct.run(&["plan", &out, "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["drift", &out]).expect_code(0);
}
