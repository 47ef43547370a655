//! Repositories end to end: plan on an empty account, apply, idempotence, out-of-band changes
//! repaired, adoption, replacement guarded.

use betekk_ecr::live::EcrApi;
use betekk_ecr::model::TagMutability;
use serde_json::Value;

use crate::harness::{Account, path_str, repo_spec};

fn actions(plan: &Value) -> Vec<(String, String)> {
    plan["changes"]
        .as_array()
        .expect("changes")
        .iter()
        .map(|c| {
            (
                c["address"].as_str().unwrap().to_string(),
                c["action"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn changed_attributes(plan: &Value, address: &str) -> Vec<String> {
    plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == address)
        .map(|c| {
            c["attributes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|a| a["name"].as_str().unwrap().to_string())
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test]
async fn plan_apply_and_a_second_apply_changes_nothing() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &repo_spec("idem", ""));
    let spec = path_str(&spec);

    let plan = acct.run(&["plan", spec, "--detailed-exitcode", "--output", "json"]);
    plan.expect_code(2);
    let plan = plan.json();
    assert_eq!(plan["schema_version"], 1);
    assert_eq!(
        actions(&plan),
        vec![("repository.betekk-idem".to_string(), "create".to_string())]
    );
    assert_eq!(plan["summary"]["add"], 1);
    assert_eq!(plan["stats"]["by_operation"]["ecr:DescribeRepositories"], 1);

    let human = acct.run(&["plan", spec]);
    human.expect_code(0);
    assert!(
        human.stdout.contains("+ repository \"betekk-idem\""),
        "{}",
        human.stdout
    );
    assert!(
        human
            .stdout
            .contains("Plan: 1 to add, 0 to change, 0 to replace, 0 to destroy."),
        "{}",
        human.stdout
    );

    acct.run(&["apply", spec, "--yes"]).expect_code(0);

    let again = acct.run(&["plan", spec, "--detailed-exitcode", "--output", "json"]);
    again.expect_code(0);
    assert!(
        again.json()["changes"].as_array().unwrap().is_empty(),
        "{}",
        again.stdout
    );

    let second = acct.run(&["apply", spec, "--yes", "--output", "json"]);
    second.expect_code(0);
    let doc = second.json();
    assert!(doc["outcomes"].as_array().unwrap().is_empty());
    let writes: u64 = doc["stats"]["by_operation"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(op, _)| {
            !["Get", "List", "Describe"]
                .iter()
                .any(|p| op.split(':').nth(1).unwrap().starts_with(p))
        })
        .map(|(_, n)| n.as_u64().unwrap())
        .sum();
    assert_eq!(
        writes, 0,
        "a converged apply makes no write call: {}",
        doc["stats"]
    );

    // What the tool created is what the spec said, read back through the SDK.
    let client = acct.client().await;
    let repo = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "betekk-idem")
        .unwrap();
    assert_eq!(repo.image_tag_mutability, TagMutability::Immutable);
    assert!(repo.scan_on_push);
    let tags = client.list_tags(&repo.arn).await.unwrap();
    assert_eq!(
        tags.get("ManagedBy").map(String::as_str),
        Some("betekk-ecr")
    );
    assert_eq!(
        tags.get("betekk-ecr:stack").map(String::as_str),
        Some("idem")
    );
    assert_eq!(tags.get("Environment").map(String::as_str), Some("test"));
    assert_eq!(tags.get("Service").map(String::as_str), Some("idem"));
    assert!(
        client
            .get_lifecycle_policy("betekk-idem")
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn every_attribute_changed_out_of_band_is_planned_and_repaired() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &repo_spec("oob", ""));
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);

    let client = acct.client().await;
    let name = "betekk-oob";
    let arn = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == name)
        .unwrap()
        .arn;
    client
        .put_image_tag_mutability(name, TagMutability::Mutable, &[])
        .await
        .unwrap();
    client.put_scan_on_push(name, false).await.unwrap();
    client.delete_lifecycle_policy(name).await.unwrap();
    client
        .set_repository_policy(
            name,
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:*"}]}"#,
        )
        .await
        .unwrap();
    client
        .tag_resource(&arn, &[("Intruder".to_string(), "yes".to_string())].into())
        .await
        .unwrap();

    let plan = acct.run(&["plan", spec, "--output", "json", "--detailed-exitcode"]);
    plan.expect_code(2);
    let plan = plan.json();
    assert_eq!(
        actions(&plan),
        vec![(format!("repository.{name}"), "update".to_string())]
    );
    let mut attrs = changed_attributes(&plan, &format!("repository.{name}"));
    attrs.sort();
    assert_eq!(
        attrs,
        [
            "image_tag_mutability",
            "lifecycle_policy",
            "repository_policy",
            "scan_on_push",
            "tags"
        ]
    );

    let human = acct.run(&["plan", spec]);
    assert!(
        human
            .stdout
            .contains("~ image_tag_mutability = \"MUTABLE\" -> \"IMMUTABLE\""),
        "{}",
        human.stdout
    );
    assert!(human.stdout.contains("- \"Intruder\""), "{}", human.stdout);

    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let after = acct.run(&["plan", spec, "--detailed-exitcode"]);
    after.expect_code(0);
    assert!(after.stdout.contains("No changes."), "{}", after.stdout);
    assert!(
        !client
            .list_tags(&arn)
            .await
            .unwrap()
            .contains_key("Intruder")
    );
}

#[tokio::test]
async fn an_existing_unmanaged_repository_is_adopted_not_recreated() {
    let acct = Account::new();
    let client = acct.client().await;
    let raw = acct.raw_ecr().await;
    raw.create_repository()
        .repository_name("betekk-adopt")
        .send()
        .await
        .unwrap();
    push_image(&raw, "betekk-adopt").await;

    let spec = acct.write_spec("spec.yaml", &repo_spec("adopt", ""));
    let spec = path_str(&spec);
    let plan = acct.run(&["plan", spec, "--output", "json"]).json();
    assert_eq!(
        actions(&plan),
        vec![("repository.betekk-adopt".to_string(), "update".to_string())]
    );
    let attrs = changed_attributes(&plan, "repository.betekk-adopt");
    assert!(attrs.contains(&"tags".to_string()), "{attrs:?}");

    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    assert_eq!(
        client.has_images("betekk-adopt").await.unwrap(),
        Some(true),
        "adoption kept the images"
    );
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn replacing_a_repository_with_images_needs_both_opt_ins() {
    let acct = Account::new();
    let spec_path = acct.write_spec("spec.yaml", &repo_spec("repl", ""));
    let spec = path_str(&spec_path);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let raw = acct.raw_ecr().await;
    push_image(&raw, "betekk-repl").await;

    let kms = "    encryption: {type: KMS, kms_key: \"arn:aws:kms:ap-southeast-1:111122223333:key/abcdabcd-0000-1111-2222-333344445555\"}\n";
    acct.write_spec("spec.yaml", &repo_spec("repl", kms));
    let plan = acct.run(&["plan", spec, "--output", "json"]).json();
    assert_eq!(
        actions(&plan),
        vec![("repository.betekk-repl".to_string(), "replace".to_string())]
    );
    let human = acct.run(&["plan", spec]);
    assert!(
        human.stdout.contains("-/+ repository \"betekk-repl\""),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("# forces replacement"),
        "{}",
        human.stdout
    );

    let refused = acct.run(&["apply", spec, "--yes", "--allow-replace"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains("holds images"),
        "{}",
        refused.stderr
    );
    let client = acct.client().await;
    assert_eq!(
        client.has_images("betekk-repl").await.unwrap(),
        Some(true),
        "nothing was deleted"
    );

    let forced = format!("{kms}    force_delete: true\n");
    acct.write_spec("spec.yaml", &repo_spec("repl", &forced));
    acct.run(&["apply", spec, "--yes"]).expect_code(1);
    assert_eq!(
        client.has_images("betekk-repl").await.unwrap(),
        Some(true),
        "force_delete alone is not enough"
    );

    acct.run(&["apply", spec, "--yes", "--allow-replace"])
        .expect_code(0);
    assert_eq!(client.has_images("betekk-repl").await.unwrap(), Some(false));
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    let repo = client
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .find(|r| r.name == "betekk-repl")
        .expect("recreated");
    assert!(
        matches!(repo.encryption, betekk_ecr::model::Encryption::Kms { .. }),
        "the new repository has the spec's encryption: {:?}",
        repo.encryption
    );
}

#[tokio::test]
async fn a_stack_repository_removed_from_the_spec_is_pruned_and_others_are_not() {
    let acct = Account::new();
    let two = format!(
        "{}  - name: \"{{prefix}}-prune-extra\"\n",
        repo_spec("prune", "")
    );
    let spec = acct.write_spec("spec.yaml", &two);
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let raw = acct.raw_ecr().await;
    raw.create_repository()
        .repository_name("betekk-not-ours")
        .send()
        .await
        .unwrap();

    acct.write_spec("spec.yaml", &repo_spec("prune", ""));
    let plan = acct.run(&["plan", spec, "--output", "json"]).json();
    assert_eq!(
        actions(&plan),
        vec![(
            "repository.betekk-prune-extra".to_string(),
            "delete".to_string()
        )]
    );
    assert_eq!(plan["summary"]["destroy"], 1);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let names: Vec<String> = acct
        .client()
        .await
        .list_repositories()
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert!(
        names.contains(&"betekk-not-ours".to_string())
            && names.contains(&"betekk-prune".to_string())
    );
    assert!(!names.contains(&"betekk-prune-extra".to_string()));
}

pub async fn push_image(raw: &aws_sdk_ecr::Client, repo: &str) {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                    "digest": format!("sha256:{:0>64}", repo.len())}]
    });
    raw.put_image()
        .repository_name(repo)
        .image_manifest(manifest.to_string())
        .image_tag("v1")
        .send()
        .await
        .expect("put image");
}

/// Tag-mutability exclusions reach the emulator, come back, and one set out of band is seen.
#[tokio::test]
async fn tag_mutability_exclusions_round_trip_and_out_of_band_ones_are_repaired() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "spec.yaml",
        "version: 1\nstack: excl\nrepositories:\n  - name: betekk-excl\n    image_tag_mutability_exclusion_filters: [latest, \"dev-*\"]\n",
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    let client = acct.client().await;
    let listed = client.list_repositories().await.unwrap();
    let repo = listed.iter().find(|r| r.name == "betekk-excl").unwrap();
    assert_eq!(repo.exclusion_filters, ["dev-*", "latest"]);

    client
        .put_image_tag_mutability("betekk-excl", TagMutability::Immutable, &["*".to_string()])
        .await
        .unwrap();
    let plan = acct.run(&["plan", spec, "--output", "json"]);
    let doc = plan.json();
    assert_eq!(
        changed_attributes(&doc, "repository.betekk-excl"),
        ["image_tag_mutability_exclusion_filters"]
    );
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
}

/// `type: KMS` without a key (the AWS managed key) and `KMS_DSSE` are created as asked, and the
/// key ARN the emulator reports for them is no reason to replace them.
#[tokio::test]
async fn kms_without_a_key_and_kms_dsse_are_created_and_then_converged() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "spec.yaml",
        "version: 1\nstack: kmsforms\nrepositories:\n\
         \x20 - name: betekk-kms-managed\n    encryption: {type: KMS}\n\
         \x20 - name: betekk-kms-dsse\n    encryption: {type: KMS_DSSE}\n",
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["drift", spec]).expect_code(0);
    let client = acct.client().await;
    let listed = client.list_repositories().await.unwrap();
    let type_of = |name: &str| {
        listed
            .iter()
            .find(|r| r.name == name)
            .unwrap_or_else(|| panic!("{name} created"))
            .encryption
            .type_name()
    };
    assert_eq!(type_of("betekk-kms-managed"), "KMS");
    assert_eq!(type_of("betekk-kms-dsse"), "KMS_DSSE");
}

/// Archive rules (`not_pulled_for_days` with `action: archive`, `archived_for_days`) reach ECR
/// in the documented form (the emulator's plugin accepts `transition`, `storageClass` and the
/// newer count types, which plain moto refuses), read back into the typed form, and converge.
#[tokio::test]
async fn archive_lifecycle_rules_apply_and_then_plan_converged() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "spec.yaml",
        "version: 1\nstack: archive\nrepositories:\n  - name: betekk-archive\n    lifecycle_policy:\n      rules:\n\
         \x20       - {priority: 1, tag_status: tagged, tag_patterns: [\"release-*\"], not_pulled_for_days: 120, action: archive}\n\
         \x20       - {priority: 2, tag_status: untagged, expire_after_days: 14}\n\
         \x20       - {priority: 3, tag_status: any, archived_for_days: 365}\n",
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let text = acct
        .client()
        .await
        .get_lifecycle_policy("betekk-archive")
        .await
        .unwrap()
        .expect("a lifecycle policy");
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        doc["rules"][0]["selection"]["countType"],
        "sinceImagePulled"
    );
    assert_eq!(doc["rules"][0]["action"]["type"], "transition");
    assert_eq!(doc["rules"][0]["action"]["targetStorageClass"], "archive");
    assert_eq!(
        doc["rules"][2]["selection"]["countType"],
        "sinceImageTransitioned"
    );
    assert_eq!(doc["rules"][2]["selection"]["storageClass"], "archive");
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test]
async fn output_shows_the_dual_stack_url_beside_the_one_aws_reports() {
    let acct = Account::new();
    let spec = acct.write_spec("spec.yaml", &repo_spec("dual", ""));
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let id = &acct.id;
    let dual_stack = format!("{id}.dkr-ecr.ap-southeast-1.on.aws");

    let json = acct.run(&["output", spec, "--output", "json"]);
    json.expect_code(0);
    let doc = json.json();
    let repository = &doc["repositories"]["betekk-dual"];
    // The fields that were there before stay as they were.
    assert!(
        repository["url"]
            .as_str()
            .unwrap()
            .ends_with("/betekk-dual"),
        "{doc:#}"
    );
    assert_eq!(
        repository["arn"],
        format!("arn:aws:ecr:ap-southeast-1:{id}:repository/betekk-dual")
    );
    assert_eq!(
        repository["dual_stack_url"],
        format!("{dual_stack}/betekk-dual")
    );
    assert_eq!(
        doc["registry_host"],
        format!("{id}.dkr.ecr.ap-southeast-1.amazonaws.com")
    );
    assert_eq!(doc["dual_stack_registry_host"], dual_stack);

    let human = acct.run(&["output", spec]);
    human.expect_code(0);
    for line in [
        format!("repository.betekk-dual.dual_stack_url = \"{dual_stack}/betekk-dual\""),
        format!("registry_host = \"{id}.dkr.ecr.ap-southeast-1.amazonaws.com\""),
        format!("dual_stack_registry_host = \"{dual_stack}\""),
    ] {
        assert!(
            human.stdout.lines().any(|l| l == line),
            "{line} not in\n{}",
            human.stdout
        );
    }
}
