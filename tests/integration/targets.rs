//! One spec, two accounts (each reached through a role) and two regions, against LocalStack,
//! which maps an assumed role to the account in its ARN.

use betekk_ecr::live::EcrApi;
use betekk_ecr::live::sdk::{ConnectOptions, SdkAws};
use serde_json::Value;

use crate::harness::{Account, endpoint, path_str};

const SYDNEY: &str = "ap-southeast-2";
const SINGAPORE: &str = "ap-southeast-1";

fn spec(prod: &str, staging: &str) -> String {
    format!(
        r#"version: 1
stack: multi
regions: [{SINGAPORE}, {SYDNEY}]
targets:
  - {{name: prod, account: "{prod}", role: Provisioner}}
  - {{name: staging, account: "{staging}", role: "arn:aws:iam::{staging}:role/Provisioner", regions: [{SYDNEY}]}}
repositories:
  - name: "{{prefix}}-multi-app"
  - name: "{{prefix}}-multi-sg"
    regions: [{SINGAPORE}]
policies:
  - name: "{{prefix}}-MultiPush"
    ecr_push: ["{{prefix}}-multi-app"]
roles:
  - name: "{{PREFIX}}-MultiUpload"
    github_trust: {{repositories: [{{name: app, id: 42}}]}}
    policies: ["{{prefix}}-MultiPush"]
"#
    )
}

/// Repository names in an account and region, seen with that account's own keys.
async fn repositories(account: &str, region: &str) -> Vec<String> {
    let client = SdkAws::connect(&ConnectOptions {
        region: region.into(),
        endpoint_url: Some(endpoint().to_string()),
        max_attempts: 3,
        static_credentials: Some((account.to_string(), "test".into())),
        ..ConnectOptions::default()
    })
    .await;
    let mut names: Vec<String> = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .filter(|n| n.starts_with("betekk-multi"))
        .collect();
    names.sort();
    names
}

fn labels(doc: &Value) -> Vec<String> {
    doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            format!(
                "{}/{}/{}",
                t["target"].as_str().unwrap_or("-"),
                t["account"].as_str().unwrap_or("?"),
                t["region"].as_str().unwrap()
            )
        })
        .collect()
}

#[tokio::test]
async fn two_accounts_and_two_regions_are_planned_applied_and_converge_each_on_its_own() {
    let caller = Account::new();
    let (prod, staging) = (Account::new().id, Account::new().id);
    let file = caller.write_spec("multi.yaml", &spec(&prod, &staging));
    let file = path_str(&file);

    let plan = caller.run(&["plan", file, "--output", "json"]);
    plan.expect_code(0);
    let doc = plan.json();
    assert_eq!(doc["schema_version"], 2);
    assert_eq!(
        labels(&doc),
        [
            format!("prod/{prod}/{SINGAPORE}"),
            format!("prod/{prod}/{SYDNEY}"),
            format!("staging/{staging}/{SYDNEY}")
        ]
    );

    caller.run(&["apply", file, "--yes"]).expect_code(0);
    assert_eq!(
        repositories(&prod, SINGAPORE).await,
        ["betekk-multi-app", "betekk-multi-sg"]
    );
    assert_eq!(repositories(&prod, SYDNEY).await, ["betekk-multi-app"]);
    assert_eq!(repositories(&staging, SYDNEY).await, ["betekk-multi-app"]);
    assert!(
        repositories(&staging, SINGAPORE).await.is_empty(),
        "staging is only in Sydney"
    );
    assert!(
        repositories(&caller.id, SINGAPORE).await.is_empty(),
        "the caller's own account is no target"
    );
    caller
        .run(&["plan", file, "--detailed-exitcode"])
        .expect_code(0);

    // IAM once per account, the push policy covering the repository in both of prod's regions.
    let iam = Account {
        id: prod.clone(),
        dir: crate::harness::tempdir::Dir::new("multi-prod"),
    }
    .raw_iam()
    .await;
    let arn = format!("arn:aws:iam::{prod}:policy/betekk-MultiPush");
    let text = crate::access::policy_documents(&iam, vec![arn.clone()]).await[0].to_string();
    for region in [SINGAPORE, SYDNEY] {
        assert!(
            text.contains(&format!(
                "arn:aws:ecr:{region}:{prod}:repository/betekk-multi-app"
            )),
            "{text}"
        );
    }

    // --target and --region select; a region the spec does not name is an error.
    let one = caller.run(&["plan", file, "--output", "json", "--target", "staging"]);
    assert_eq!(labels(&one.json()), [format!("staging/{staging}/{SYDNEY}")]);
    let sg = caller.run(&["plan", file, "--output", "json", "--region", SINGAPORE]);
    assert_eq!(labels(&sg.json()), [format!("prod/{prod}/{SINGAPORE}")]);
    let wrong = caller.run(&["plan", file, "--region", "eu-west-1"]);
    wrong.expect_code(1);
    assert!(
        wrong
            .stderr
            .contains("--region eu-west-1 is not a region of the spec"),
        "{}",
        wrong.stderr
    );
    let output = caller.run(&["output", file, "--output", "json"]);
    output.expect_code(0);
    let doc = output.json();
    let targets = doc["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3);
    // Each target's own registry, over IPv4 and dual-stack, beside the URL AWS reports.
    for t in targets {
        let (account, region) = (
            t["account"].as_str().unwrap(),
            t["region"].as_str().unwrap(),
        );
        let dual_stack = format!("{account}.dkr-ecr.{region}.on.aws");
        assert_eq!(
            t["registry_host"],
            format!("{account}.dkr.ecr.{region}.amazonaws.com"),
            "{t:#}"
        );
        assert_eq!(t["dual_stack_registry_host"], dual_stack, "{t:#}");
        let app = &t["repositories"]["betekk-multi-app"];
        assert_eq!(
            app["dual_stack_url"],
            format!("{dual_stack}/betekk-multi-app"),
            "{t:#}"
        );
        assert!(
            app["url"].as_str().unwrap().ends_with("/betekk-multi-app"),
            "{t:#}"
        );
    }
}

#[tokio::test]
async fn one_target_failing_never_stops_the_other() {
    let caller = Account::new();
    let (prod, staging) = (Account::new().id, Account::new().id);
    // Another stack owns the repository in staging: staging cannot be planned, prod can.
    let other = Account {
        id: staging.clone(),
        dir: crate::harness::tempdir::Dir::new("multi-other"),
    };
    let taken = other.write_spec("other.yaml", &format!("version: 1\nstack: other\nregion: {SYDNEY}\nrepositories:\n  - name: betekk-multi-app\n"));
    other
        .run(&["apply", path_str(&taken), "--yes"])
        .expect_code(0);

    let file = caller.write_spec("multi.yaml", &spec(&prod, &staging));
    let file = path_str(&file);
    let run = caller.run(&["apply", file, "--yes", "--output", "json"]);
    run.expect_code(1);
    let doc = run.json();
    let failed: Vec<&Value> = doc["targets"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t.get("error").is_some())
        .collect();
    assert_eq!(failed.len(), 1, "{doc}");
    assert_eq!(failed[0]["target"], "staging");
    assert!(
        failed[0]["error"]
            .as_str()
            .unwrap()
            .contains("belongs to stack \"other\""),
        "{doc}"
    );
    assert_eq!(doc["succeeded"], false);
    // prod went ahead in both regions.
    assert_eq!(
        repositories(&prod, SINGAPORE).await,
        ["betekk-multi-app", "betekk-multi-sg"]
    );
    assert_eq!(repositories(&prod, SYDNEY).await, ["betekk-multi-app"]);
}

#[test]
fn the_spec_s_region_wins_over_the_environment_with_a_note() {
    let acct = Account::new();
    let file = acct.write_spec("one.yaml", &format!("version: 1\nstack: envnote\nregion: {SINGAPORE}\nrepositories:\n  - name: betekk-envnote\n"));
    let run = crate::harness::run_cli(
        &["plan", path_str(&file), "--output", "json"],
        &[
            ("AWS_ACCESS_KEY_ID", acct.id.as_str()),
            ("AWS_SECRET_ACCESS_KEY", "test"),
            ("AWS_ENDPOINT_URL", endpoint()),
            ("AWS_REGION", "us-east-1"),
        ],
    );
    run.expect_code(0);
    assert_eq!(run.json()["region"], SINGAPORE);
    assert!(
        run.stderr.contains("note: the environment's region us-east-1 (AWS_REGION) is not used: the spec names ap-southeast-1"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn a_saved_plan_of_several_targets_applies_whole_or_is_refused_whole() {
    let caller = Account::new();
    let (prod, staging) = (Account::new().id, Account::new().id);
    let file = caller.write_spec("multi.yaml", &spec(&prod, &staging));
    let file = path_str(&file);
    let saved = caller.dir.path().join("plan.json");
    let saved = path_str(&saved);
    caller.run(&["plan", file, "--out", saved]).expect_code(0);
    caller.run(&["apply", saved, "--yes"]).expect_code(0);
    caller
        .run(&["plan", file, "--detailed-exitcode"])
        .expect_code(0);

    // A plan made, then one target changed out of band: refused, nothing written anywhere.
    let edited = spec(&prod, &staging).replace(
        "  - name: \"{prefix}-multi-sg\"",
        "  - name: \"{prefix}-multi-new\"\n  - name: \"{prefix}-multi-sg\"",
    );
    std::fs::write(file, edited).unwrap();
    caller.run(&["plan", file, "--out", saved]).expect_code(0);
    let client = SdkAws::connect(&ConnectOptions {
        region: SYDNEY.into(),
        endpoint_url: Some(endpoint().to_string()),
        max_attempts: 3,
        static_credentials: Some((staging.clone(), "test".into())),
        ..ConnectOptions::default()
    })
    .await;
    client
        .put_scan_on_push("betekk-multi-app", false)
        .await
        .unwrap();
    let run = caller.run(&["apply", saved, "--yes"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "live state changed since the plan was made (repository.betekk-multi-app) in staging"
        ),
        "{}",
        run.stderr
    );
    assert!(
        !repositories(&prod, SINGAPORE)
            .await
            .contains(&"betekk-multi-new".to_string()),
        "nothing applied in prod either"
    );
}
