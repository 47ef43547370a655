//! Registry-wide settings end to end against LocalStack: scanning, replication and the registry
//! policy are merged with what others set (a foreign rule is kept), converge, drift when changed
//! out of band, are repaired, and are released with the stack's ownership record.

use aws_sdk_ecr::types::{
    ReplicationConfiguration, ReplicationDestination, ReplicationRule, RepositoryFilter,
    RepositoryFilterType, ScanType,
};
use serde_json::Value;

use crate::harness::{Account, path_str};

const SETTINGS: &str = r#"  scanning:
    type: ENHANCED
    rules:
      - frequency: CONTINUOUS_SCAN
        filters: ["{prefix}-*"]
  replication:
    rules:
      - destinations: [{region: ap-southeast-2}, {region: eu-west-1, account: "111122223333"}]
        filters: ["{prefix}-"]
  policy:
    Version: "2012-10-17"
    Statement:
      - Sid: ReplicateFromProd
        Effect: Allow
        Principal: {AWS: "arn:aws:iam::444455556666:root"}
        Action: [ecr:CreateRepository, ecr:ReplicateImage]
        Resource: "arn:aws:ecr:ap-southeast-1:{account}:repository/*"
"#;

fn spec_text(stack: &str, registry: &str) -> String {
    format!("version: 1\nstack: {stack}\nregion: ap-southeast-1\nregistry:\n{registry}")
}

fn rule(filter: &str, region: &str, account: &str) -> ReplicationRule {
    ReplicationRule::builder()
        .destinations(
            ReplicationDestination::builder()
                .region(region)
                .registry_id(account)
                .build()
                .unwrap(),
        )
        .repository_filters(
            RepositoryFilter::builder()
                .filter(filter)
                .filter_type(RepositoryFilterType::PrefixMatch)
                .build()
                .unwrap(),
        )
        .build()
        .unwrap()
}

async fn replication_filters(ecr: &aws_sdk_ecr::Client) -> Vec<String> {
    let out = ecr.describe_registry().send().await.unwrap();
    out.replication_configuration()
        .map(|c| {
            c.rules()
                .iter()
                .map(|r| r.repository_filters()[0].filter().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The ownership records under the tool's SSM path, read with a plain SSM client.
async fn records(acct: &Account) -> Vec<String> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new(crate::harness::REGION))
        .endpoint_url(crate::harness::endpoint())
        .credentials_provider(aws_sdk_ssm::config::Credentials::new(
            &acct.id, "test", None, None, "test",
        ))
        .load()
        .await;
    let out = aws_sdk_ssm::Client::new(&config)
        .get_parameters_by_path()
        .path("/betekk-ecr/registry")
        .send()
        .await
        .unwrap();
    out.parameters()
        .iter()
        .map(|p| p.name().unwrap().to_string())
        .collect()
}

fn change<'a>(plan: &'a Value, address: &str) -> &'a Value {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .unwrap_or_else(|| panic!("no change of {address}: {plan:#}"))
}

#[tokio::test]
async fn registry_settings_merge_with_a_foreign_rule_converge_drift_and_are_released() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    // Another team's replication rule, set before this stack existed.
    ecr.put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .rules(rule("other-", "us-east-1", "999988887777"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let spec = acct.write_spec("spec.yaml", &spec_text("reg", SETTINGS));
    let spec = path_str(&spec);

    let run = acct.run(&["plan", spec, "--output", "json"]);
    run.expect_code(0);
    let plan = run.json();
    let settings = change(&plan, "registry.settings");
    assert_eq!(settings["action"], "create");
    let ops: Vec<&str> = settings["ops"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["op"].as_str().unwrap())
        .collect();
    assert_eq!(
        ops,
        vec![
            "put_registry_scanning",
            "put_replication",
            "put_registry_policy"
        ]
    );
    let notes = settings["notes"].to_string();
    assert!(
        notes
            .contains(r#"keeps replication rule [\"other-\"] → 999988887777/us-east-1, unmanaged"#),
        "{notes}"
    );
    assert_eq!(change(&plan, "registry_record.reg")["action"], "create");
    let human = acct.run(&["plan", spec]);
    assert!(
        human.stdout.contains("registry.settings")
            && human.stdout.contains("keeps replication rule"),
        "{}",
        human.stdout
    );

    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    assert_eq!(replication_filters(&ecr).await, vec!["other-", "betekk-"]);
    let scanning = ecr
        .get_registry_scanning_configuration()
        .send()
        .await
        .unwrap();
    assert_eq!(
        scanning.scanning_configuration().unwrap().scan_type(),
        Some(&ScanType::Enhanced)
    );
    let policy = ecr.get_registry_policy().send().await.unwrap();
    assert!(policy.policy_text().unwrap().contains("ReplicateFromProd"));
    let stored = records(&acct).await;
    assert_eq!(stored, vec!["/betekk-ecr/registry/reg"]);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);

    // Out of band: scanning back to BASIC, and a console rule added.
    ecr.put_registry_scanning_configuration()
        .scan_type(ScanType::Basic)
        .send()
        .await
        .unwrap();
    let mut rules: Vec<ReplicationRule> = ecr
        .describe_registry()
        .send()
        .await
        .unwrap()
        .replication_configuration()
        .unwrap()
        .rules()
        .to_vec();
    rules.push(rule("console-", "us-west-2", &acct.id));
    ecr.put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .set_rules(Some(rules))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let run = acct.run(&["drift", spec, "--output", "json"]);
    run.expect_code(2);
    let doc = run.json();
    let classes: Vec<(String, String)> = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["address"].as_str().unwrap().to_string(),
                r["class"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert!(
        classes.contains(&("registry.settings".into(), "drifted".into())),
        "{doc:#}"
    );
    assert!(
        classes.contains(&("registry.replication:console-".into(), "unmanaged".into())),
        "{doc:#}"
    );
    assert!(
        classes.contains(&("registry.replication:other-".into(), "unmanaged".into())),
        "{doc:#}"
    );
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let scanning = ecr
        .get_registry_scanning_configuration()
        .send()
        .await
        .unwrap();
    assert_eq!(
        scanning.scanning_configuration().unwrap().scan_type(),
        Some(&ScanType::Enhanced),
        "repaired"
    );
    assert_eq!(
        replication_filters(&ecr).await,
        vec!["other-", "betekk-", "console-"],
        "foreign rules kept where they were"
    );

    // The owned rule removed from the spec: only it goes.
    let without = SETTINGS.split("  replication:").next().unwrap().to_string()
        + &SETTINGS[SETTINGS.find("  policy:").unwrap()..];
    let edited = acct.write_spec("edited.yaml", &spec_text("reg", &without));
    let edited = path_str(&edited);
    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    assert_eq!(replication_filters(&ecr).await, vec!["other-", "console-"]);
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);

    // The whole section removed: every owned part released, the record deleted.
    let bare = acct.write_spec(
        "bare.yaml",
        "version: 1\nstack: reg\nregion: ap-southeast-1\n",
    );
    let bare = path_str(&bare);
    acct.run(&["apply", bare, "--yes"]).expect_code(0);
    assert!(
        ecr.get_registry_policy().send().await.is_err(),
        "the policy held only this stack's statement: deleted"
    );
    assert_eq!(replication_filters(&ecr).await, vec!["other-", "console-"]);
    let stored = records(&acct).await;
    assert!(stored.is_empty(), "{stored:?}");
    acct.run(&["plan", bare, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn two_stacks_share_the_registry_and_a_shared_key_is_refused() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let a = acct.write_spec("a.yaml", &spec_text("a", SETTINGS));
    let b_settings = "  replication:\n    rules:\n      - destinations: [{region: us-west-2}]\n        filters: [\"team-b-\"]\n";
    let b = acct.write_spec("b.yaml", &spec_text("b", b_settings));
    acct.run(&["apply", path_str(&a), "--yes"]).expect_code(0);
    acct.run(&["apply", path_str(&b), "--yes"]).expect_code(0);
    assert_eq!(replication_filters(&ecr).await, vec!["betekk-", "team-b-"]);
    acct.run(&["plan", path_str(&a), "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["plan", path_str(&b), "--detailed-exitcode"])
        .expect_code(0);

    let clash = acct.write_spec(
        "clash.yaml",
        &spec_text("b", &b_settings.replace("team-b-", "betekk-")),
    );
    let run = acct.run(&["plan", path_str(&clash)]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "stack \"b\" and stack \"a\" both declare replication rule with filters [\"betekk-\"]"
        ),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn pull_through_cache_rules_are_created_shown_by_output_changed_and_pruned() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let rules = |hub_secret: &str, public: &str| {
        format!(
            "  pull_through_cache:\n    - {{prefix: \"{{prefix}}-dockerhub\", upstream: registry-1.docker.io, credential_arn: \"arn:{{partition}}:secretsmanager:{{region}}:{{account}}:secret:ecr-pullthroughcache/{hub_secret}\"}}\n    - {{prefix: \"{{prefix}}-public\", upstream: {public}}}\n"
        )
    };
    let spec = acct.write_spec(
        "spec.yaml",
        &spec_text("ptc", &rules("hub", "public.ecr.aws")),
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let described = ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    let mut seen: Vec<(String, String)> = described
        .pull_through_cache_rules()
        .iter()
        .map(|r| {
            (
                r.ecr_repository_prefix().unwrap().to_string(),
                r.upstream_registry_url().unwrap().to_string(),
            )
        })
        .collect();
    seen.sort();
    assert_eq!(
        seen,
        vec![
            ("betekk-dockerhub".into(), "registry-1.docker.io".into()),
            ("betekk-public".into(), "public.ecr.aws".into()),
        ]
    );
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["drift", spec]).expect_code(0);

    let out = acct.run(&["output", spec, "--output", "json"]);
    out.expect_code(0);
    assert_eq!(
        out.json()["pull_through_cache"]["betekk-dockerhub"],
        format!(
            "{}.dkr.ecr.ap-southeast-1.amazonaws.com/betekk-dockerhub",
            acct.id
        )
    );

    // A new secret in place, a new upstream by replacement.
    let edited = acct.write_spec("edited.yaml", &spec_text("ptc", &rules("hub-2", "quay.io")));
    let edited = path_str(&edited);
    let plan = acct.run(&["plan", edited, "--output", "json"]).json();
    assert_eq!(
        change(&plan, "pull_through_cache.betekk-dockerhub")["action"],
        "update"
    );
    assert_eq!(
        change(&plan, "pull_through_cache.betekk-public")["action"],
        "replace"
    );
    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);

    // Out of the spec: pruned, with the record.
    let bare = acct.write_spec(
        "bare.yaml",
        "version: 1\nstack: ptc\nregion: ap-southeast-1\n",
    );
    let bare = path_str(&bare);
    acct.run(&["apply", bare, "--yes"]).expect_code(0);
    let described = ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    assert!(described.pull_through_cache_rules().is_empty());
    assert!(records(&acct).await.is_empty());
}

/// ECR-to-ECR rules: one with an upstream repository prefix, one without (AWS reads it back as
/// `ROOT`, which is no change); a new upstream prefix replaces the rule.
#[tokio::test]
async fn an_ecr_to_ecr_rules_upstream_prefix_is_created_read_back_and_replaced() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let rules = |shared: &str| {
        let rule = |prefix: &str, extra: &str| {
            format!(
                "    - {{prefix: \"{{prefix}}-{prefix}\", upstream: 111122223333.dkr.ecr.ap-southeast-1.amazonaws.com, custom_role_arn: \"arn:{{partition}}:iam::{{account}}:role/BETEKK-CacheRole\"{extra}}}\n"
            )
        };
        format!(
            "  pull_through_cache:\n{}{}",
            rule(
                "central",
                &format!(", upstream_repository_prefix: {shared}")
            ),
            rule("mirror", "")
        )
    };
    let described = || async {
        let mut rules: Vec<(String, Option<String>)> = ecr
            .describe_pull_through_cache_rules()
            .send()
            .await
            .unwrap()
            .pull_through_cache_rules()
            .iter()
            .map(|r| {
                (
                    r.ecr_repository_prefix().unwrap().to_string(),
                    r.upstream_repository_prefix().map(str::to_string),
                )
            })
            .collect();
        rules.sort();
        rules
    };
    let spec = acct.write_spec("spec.yaml", &spec_text("e2e", &rules("shared")));
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    assert_eq!(
        described().await,
        vec![
            ("betekk-central".into(), Some("shared".into())),
            ("betekk-mirror".into(), Some("ROOT".into())),
        ]
    );
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["drift", spec]).expect_code(0);

    let edited = acct.write_spec("edited.yaml", &spec_text("e2e", &rules("team-a/apps")));
    let edited = path_str(&edited);
    let plan = acct.run(&["plan", edited, "--output", "json"]).json();
    let central = change(&plan, "pull_through_cache.betekk-central");
    assert_eq!(central["action"], "replace", "{central:#}");
    assert!(
        plan["changes"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["address"] != "pull_through_cache.betekk-mirror"),
        "the rule without an upstream prefix is unchanged: {plan:#}"
    );
    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    assert_eq!(
        described().await[0],
        ("betekk-central".into(), Some("team-a/apps".into()))
    );
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn creation_templates_are_created_after_their_role_converge_drift_and_are_pruned() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let text = |keep: u32| {
        format!(
            r#"version: 1
stack: rct
region: ap-southeast-1
roles:
  - name: "{{PREFIX}}-EcrTemplateRole"
    trust: {{services: [ecr.amazonaws.com]}}
registry:
  creation_templates:
    - prefix: "{{prefix}}-dockerhub"
      applied_for: [PULL_THROUGH_CACHE]
      description: Docker Hub mirrors
      lifecycle_policy:
        rules:
          - {{priority: 1, tag_status: any, keep_last: {keep}}}
      tags: {{Team: platform}}
      custom_role_arn: "arn:{{partition}}:iam::{{account}}:role/{{PREFIX}}-EcrTemplateRole"
"#
        )
    };
    let spec = acct.write_spec("spec.yaml", &text(20));
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let described = ecr
        .describe_repository_creation_templates()
        .send()
        .await
        .unwrap();
    let templates = described.repository_creation_templates();
    assert_eq!(templates.len(), 1);
    let t = &templates[0];
    assert_eq!(t.prefix(), Some("betekk-dockerhub"));
    assert_eq!(t.description(), Some("Docker Hub mirrors"));
    assert!(t.lifecycle_policy().unwrap().contains("imageCountMoreThan"));
    assert_eq!(t.resource_tags()[0].key(), "Team");
    assert!(
        t.custom_role_arn()
            .unwrap()
            .ends_with(":role/BETEKK-EcrTemplateRole")
    );
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);

    // Changed in the console: drifted; apply repairs it.
    ecr.update_repository_creation_template()
        .prefix("betekk-dockerhub")
        .description("edited by hand")
        .send()
        .await
        .unwrap();
    let run = acct.run(&["drift", spec, "--output", "json"]);
    run.expect_code(2);
    let doc = run.json();
    let drifted = doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == "creation_template.betekk-dockerhub")
        .expect("the template in the drift report");
    assert_eq!(drifted["class"], "drifted", "{doc:#}");
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);

    // The spec changed: updated in place.
    let edited = acct.write_spec("edited.yaml", &text(30));
    let edited = path_str(&edited);
    let plan = acct.run(&["plan", edited, "--output", "json"]).json();
    assert_eq!(
        change(&plan, "creation_template.betekk-dockerhub")["action"],
        "update"
    );
    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);

    // Out of the spec: deleted, with the record.
    let bare = acct.write_spec(
        "bare.yaml",
        "version: 1\nstack: rct\nregion: ap-southeast-1\n",
    );
    let bare = path_str(&bare);
    acct.run(&["apply", bare, "--yes"]).expect_code(0);
    let described = ecr
        .describe_repository_creation_templates()
        .send()
        .await
        .unwrap();
    assert!(described.repository_creation_templates().is_empty());
    assert!(records(&acct).await.is_empty());
}

#[tokio::test]
async fn registry_parts_made_by_hand_are_imported_and_adopted_with_the_record() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    ecr.create_pull_through_cache_rule()
        .ecr_repository_prefix("betekk-public")
        .upstream_registry_url("public.ecr.aws")
        .send()
        .await
        .unwrap();
    ecr.put_replication_configuration()
        .replication_configuration(
            ReplicationConfiguration::builder()
                .rules(rule("betekk-", "us-west-2", &acct.id))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let out = acct.dir.path().join("imported.yaml");
    let out = path_str(&out).to_string();
    let run = acct.run(&["import", "--stack", "handmade", "-o", &out]);
    run.expect_code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(
        text.contains(r#"- {"prefix":"betekk-public","upstream":"public.ecr.aws"}"#)
            && text.contains(r#"filters: ["betekk-"]"#),
        "{text}"
    );
    let plan = acct.run(&["plan", &out, "--output", "json"]).json();
    let addresses: Vec<&str> = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["address"].as_str().unwrap())
        .collect();
    assert_eq!(addresses, vec!["registry_record.handmade"], "{plan:#}");
    let run = acct.run(&["import", "--stack", "handmade", "--adopt"]);
    run.expect_code(0);
    acct.run(&["plan", &out, "--detailed-exitcode"])
        .expect_code(0);
    assert_eq!(records(&acct).await, vec!["/betekk-ecr/registry/handmade"]);
}

/// What each drift report says of one address.
fn class_of(doc: &Value, address: &str) -> String {
    doc["resources"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["address"] == address)
        .map(|r| r["class"].as_str().unwrap().to_string())
        .unwrap_or_else(|| panic!("{address} not in the drift report: {doc:#}"))
}

/// The registry policy and the owned rules, changed in the spec and by hand: a change in the spec
/// updates only the owned parts; an owned statement edited by hand is drift while a statement
/// added by hand is unmanaged and kept (byte for byte); a pull-through cache rule's credential
/// changed by hand is drift. Apply repairs each and keeps the foreign statement.
#[tokio::test]
async fn owned_parts_changed_in_the_spec_or_by_hand_update_or_drift_and_foreign_statements_stay() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let secret = |name: &str| {
        format!(
            "arn:aws:secretsmanager:ap-southeast-1:{}:secret:ecr-pullthroughcache/{name}",
            acct.id
        )
    };
    let with_cache = format!(
        "{SETTINGS}  pull_through_cache:\n    - prefix: \"{{prefix}}-dockerhub\"\n      upstream: registry-1.docker.io\n      credential_arn: \"{}\"\n",
        secret("hub")
    );
    let spec = acct.write_spec("spec.yaml", &spec_text("own", &with_cache));
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);

    // Changed in the spec: the scanning frequency and the statement's resources.
    let changed = with_cache
        .replace("CONTINUOUS_SCAN", "SCAN_ON_PUSH")
        .replace("repository/*", "repository/betekk-*");
    let edited = acct.write_spec("edited.yaml", &spec_text("own", &changed));
    let edited = path_str(&edited);
    let plan = acct.run(&["plan", edited, "--output", "json"]).json();
    let settings = change(&plan, "registry.settings");
    assert_eq!(settings["action"], "update", "{plan:#}");
    let names: Vec<&str> = settings["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["scanning_rules", "policy_statements"], "{plan:#}");
    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);

    // By hand: the owned statement given to another account, a console statement added, and the
    // cache rule pointed at another secret.
    let text = ecr
        .get_registry_policy()
        .send()
        .await
        .unwrap()
        .policy_text()
        .unwrap()
        .to_string();
    let mut doc: Value = serde_json::from_str(&text).unwrap();
    let statements = doc["Statement"].as_array_mut().unwrap();
    for s in statements.iter_mut() {
        if s["Sid"] == "ReplicateFromProd" {
            s["Principal"]["AWS"] = "arn:aws:iam::999999999999:root".into();
        }
    }
    let console = serde_json::json!({"Sid": "ConsoleGrant", "Effect": "Allow",
        "Principal": {"AWS": "arn:aws:iam::777788889999:root"}, "Action": "ecr:ReplicateImage",
        "Resource": format!("arn:aws:ecr:ap-southeast-1:{}:repository/*", acct.id)});
    statements.push(console.clone());
    ecr.put_registry_policy()
        .policy_text(doc.to_string())
        .send()
        .await
        .unwrap();
    ecr.update_pull_through_cache_rule()
        .ecr_repository_prefix("betekk-dockerhub")
        .credential_arn(secret("other"))
        .send()
        .await
        .unwrap();
    let run = acct.run(&["drift", edited, "--output", "json"]);
    run.expect_code(2);
    let report = run.json();
    assert_eq!(class_of(&report, "registry.settings"), "drifted");
    assert_eq!(
        class_of(&report, "registry.policy:ConsoleGrant"),
        "unmanaged"
    );
    assert_eq!(
        class_of(&report, "pull_through_cache.betekk-dockerhub"),
        "drifted"
    );

    acct.run(&["apply", edited, "--yes"]).expect_code(0);
    let text = ecr
        .get_registry_policy()
        .send()
        .await
        .unwrap()
        .policy_text()
        .unwrap()
        .to_string();
    let doc: Value = serde_json::from_str(&text).unwrap();
    let statements = doc["Statement"].as_array().unwrap();
    let ours = statements
        .iter()
        .find(|s| s["Sid"] == "ReplicateFromProd")
        .expect("the owned statement");
    assert_eq!(
        ours["Principal"]["AWS"], "arn:aws:iam::444455556666:root",
        "repaired: {doc:#}"
    );
    assert!(
        statements.contains(&console),
        "the console statement kept as written: {doc:#}"
    );
    let rules = ecr
        .describe_pull_through_cache_rules()
        .send()
        .await
        .unwrap();
    assert_eq!(
        rules.pull_through_cache_rules()[0].credential_arn(),
        Some(secret("hub").as_str()),
        "repaired"
    );
    acct.run(&["drift", edited]).expect_code(2); // the console statement stays unmanaged
    // ... which a scheduler sharing the registry ignores: only this stack's part fails it.
    acct.run(&["drift", edited, "--fail-on", "drifted"])
        .expect_code(0);
    acct.run(&["plan", edited, "--detailed-exitcode"])
        .expect_code(0);
}

/// The account settings and pull-time update exclusions end to end: put and registered beside a
/// principal registered by hand, converged and in sync in drift (the foreign exclusion unmanaged),
/// and when the spec drops them the stack's exclusion is deregistered, the foreign one kept, and
/// the settings keep their values.
#[tokio::test]
async fn account_settings_and_pull_time_exclusions_are_applied_converge_and_are_released() {
    let acct = Account::new();
    let ecr = acct.raw_ecr().await;
    let foreign = format!("arn:aws:iam::{}:role/SomeoneElsesScanner", acct.id);
    ecr.register_pull_time_update_exclusion()
        .principal_arn(&foreign)
        .send()
        .await
        .unwrap();
    let text = |registry: &str| {
        format!(
            "version: 1\nstack: settings\nregion: ap-southeast-1\nroles:\n  - name: \"{{PREFIX}}-ScannerRole\"\n    \
             trust:\n      services: [inspector2.amazonaws.com]\nregistry:\n{registry}"
        )
    };
    let spec = acct.write_spec(
        "settings.yaml",
        &text(
            "  account_settings:\n    blob_mounting: ENABLED\n    registry_policy_scope: V2\n  \
             pull_time_update_exclusions: [\"{PREFIX}-ScannerRole\"]\n",
        ),
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);

    let setting = |name: &'static str| {
        let ecr = ecr.clone();
        async move {
            ecr.get_account_setting()
                .name(name)
                .send()
                .await
                .unwrap()
                .value()
                .unwrap()
                .to_string()
        }
    };
    assert_eq!(setting("BLOB_MOUNTING").await, "ENABLED");
    let listed = |ecr: aws_sdk_ecr::Client| async move {
        let mut out = ecr
            .list_pull_time_update_exclusions()
            .send()
            .await
            .unwrap()
            .pull_time_update_exclusions()
            .to_vec();
        out.sort();
        out
    };
    let ours = format!("arn:aws:iam::{}:role/BETEKK-ScannerRole", acct.id);
    assert_eq!(listed(ecr.clone()).await, [ours.clone(), foreign.clone()]);

    let drift = acct.run(&["drift", spec, "--output", "json"]);
    let doc = drift.json();
    assert_eq!(
        class_of(&doc, &format!("pull_time_update_exclusion.{foreign}")),
        "unmanaged"
    );
    assert_eq!(class_of(&doc, "account_setting.blob_mounting"), "in_sync");
    assert_eq!(
        class_of(&doc, &format!("pull_time_update_exclusion.{ours}")),
        "in_sync"
    );

    let dropped = acct.write_spec("dropped.yaml", &text("  scanning:\n    type: BASIC\n"));
    let dropped = path_str(&dropped);
    acct.run(&["apply", dropped, "--yes"]).expect_code(0);
    assert_eq!(listed(ecr.clone()).await, [foreign]);
    assert_eq!(
        setting("BLOB_MOUNTING").await,
        "ENABLED",
        "released, not reset"
    );
    acct.run(&["plan", dropped, "--detailed-exitcode"])
        .expect_code(0);
}
