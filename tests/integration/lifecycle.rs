//! What lifecycle rules will delete: images pushed with PutImage (real manifests), then the
//! plan of a changed rule notes what it would expire, `lifecycle-preview` lists it, and
//! `--max-lifecycle-expiry` refuses it.

use crate::harness::{Account, path_str, repo_spec, run_cli, tempdir};

/// Pushes a small single-platform image with this tag; `n` makes its manifest (and digest) unique.
async fn push(raw: &aws_sdk_ecr::Client, repo: &str, tag: &str, n: u32) {
    let manifest = serde_json::json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7023,
                   "digest": "sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7"},
        "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 32654,
                    "digest": format!("sha256:{n:0>64}")}]
    });
    raw.put_image()
        .repository_name(repo)
        .image_manifest(manifest.to_string())
        .image_tag(tag)
        .send()
        .await
        .expect("put image");
}

#[tokio::test]
async fn a_changed_rule_shows_what_it_would_expire_in_plan_and_preview_and_can_be_refused() {
    let acct = Account::new();
    let stack = "lcprev";
    let repo = format!("betekk-{stack}");
    let text = repo_spec(stack, "");
    let spec = acct.write_spec("spec.yaml", &text);
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    let raw = acct.raw_ecr().await;
    for (n, tag) in ["v1.0.0", "v1.1.0", "v1.2.0"].into_iter().enumerate() {
        push(&raw, &repo, tag, n as u32 + 1).await;
    }

    // Converged: no image is read.
    let converged = acct.run(&["plan", spec, "--output", "json", "--stats"]);
    converged.expect_code(0);
    let doc = converged.json();
    assert_eq!(doc["changes"], serde_json::json!([]), "{doc}");
    assert!(
        doc["stats"]["by_operation"]
            .get("ecr:DescribeImages")
            .is_none(),
        "{doc}"
    );

    // keep_last 50 → 1: two of the three v-tagged images would go.
    let changed = acct.write_spec(
        "changed.yaml",
        &text.replace("keep_last: 50", "keep_last: 1"),
    );
    let changed = path_str(&changed);
    let human = acct.run(&["plan", changed]);
    human.expect_code(0);
    assert!(
        human
            .stdout
            .contains("lifecycle_policy: the new rules would expire 2 images now (2 tagged: v1."),
        "{}",
        human.stdout
    );
    let json = acct.run(&["plan", changed, "--output", "json"]);
    json.expect_code(0);
    let doc = json.json();
    let change = &doc["changes"][0];
    assert_eq!(change["lifecycle_preview"]["summary"]["expire"], 2, "{doc}");
    assert_eq!(change["lifecycle_preview"]["summary"]["keep"], 1, "{doc}");
    assert_eq!(
        change["lifecycle_preview"]["affected"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let md = acct.run(&["plan", changed, "--output", "markdown"]);
    assert!(md.stdout.contains("> [!WARNING]"), "{}", md.stdout);

    let preview = acct.run(&["lifecycle-preview", changed, "--output", "json"]);
    preview.expect_code(0);
    let p = preview.json();
    assert_eq!(p["schema_version"], 1);
    assert_eq!(p["repository"], repo.as_str());
    assert_eq!(p["summary"]["expire"], 2, "{p}");
    assert_eq!(p["summary"]["before"]["images"], 3, "{p}");
    assert_eq!(p["summary"]["after"]["images"], 1, "{p}");
    let kept: Vec<&serde_json::Value> = p["images"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["action"] == "keep")
        .collect();
    assert_eq!(kept.len(), 1, "{p}");
    assert_eq!(kept[0]["rule"], serde_json::Value::Null);

    // Over the limit: plan and apply refuse, and nothing is changed.
    let refused = acct.run(&["plan", changed, "--max-lifecycle-expiry", "1"]);
    refused.expect_code(1);
    assert!(
        refused.stderr.contains(&format!(
            "--max-lifecycle-expiry 1: the new lifecycle rules of {repo} would expire 2"
        )),
        "{}",
        refused.stderr
    );
    acct.run(&["apply", changed, "--yes", "--max-lifecycle-expiry", "1"])
        .expect_code(1);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    acct.run(&["apply", changed, "--yes", "--max-lifecycle-expiry", "2"])
        .expect_code(0);
}

/// `--images` reads `aws ecr describe-images` output: no credentials, and an endpoint nothing
/// listens on is never called.
#[test]
fn lifecycle_preview_of_a_describe_images_file_needs_no_credentials() {
    let dir = tempdir::Dir::new("lcprev-offline");
    let spec = dir.path().join("spec.yaml");
    std::fs::write(
        &spec,
        "version: 1\nstack: offline\nrepositories:\n  - name: \"{prefix}-app\"\n    lifecycle_policy:\n      rules:\n        - {priority: 1, tag_status: tagged, tag_prefixes: [v], keep_last: 1}\n        - {priority: 2, tag_status: untagged, expire_after_days: 14}\n",
    )
    .unwrap();
    let images = dir.path().join("images.json");
    std::fs::write(
        &images,
        r#"{"imageDetails": [
          {"imageDigest": "sha256:aa", "imageTags": ["v1"], "imageSizeInBytes": 1000, "imagePushedAt": "2020-01-01T00:00:00+00:00"},
          {"imageDigest": "sha256:bb", "imageTags": ["v2", "latest"], "imageSizeInBytes": 1000, "imagePushedAt": "2020-02-01T00:00:00.5+00:00"},
          {"imageDigest": "sha256:cc", "imageSizeInBytes": 500, "imagePushedAt": 1577836800},
          {"imageDigest": "sha256:dd", "imageTags": ["v0"], "imageSizeInBytes": 700, "imagePushedAt": 1500000000,
           "imageStatus": "ARCHIVED", "lastArchivedAt": 1600000000}
        ]}"#,
    )
    .unwrap();
    let env = [
        ("AWS_ENDPOINT_URL", "http://127.0.0.1:9"),
        ("AWS_ACCESS_KEY_ID", ""),
        ("AWS_SECRET_ACCESS_KEY", ""),
    ];
    let args = [
        "lifecycle-preview",
        path_str(&spec),
        "--repository",
        "app",
        "--images",
        path_str(&images),
    ];
    let human = run_cli(&args, &env);
    human.expect_code(0);
    assert!(
        human
            .stdout
            .contains("rule 1 (tagged v*, beyond the newest 1): expires 1"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains(
            "4 images, 2.5 kB standard + 700 B archive → 2 images, 1.0 kB standard + 700 B archive"
        ),
        "{}",
        human.stdout
    );
    let mut json_args = args.to_vec();
    json_args.extend(["--output", "json"]);
    let run = run_cli(&json_args, &env);
    run.expect_code(0);
    let doc = run.json();
    assert_eq!(doc["repository"], "betekk-app");
    let outcome: Vec<(&str, &str)> = doc["images"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["digest"].as_str().unwrap(), i["action"].as_str().unwrap()))
        .collect();
    // Oldest first; the archived image is no standard rule's, and no rule counts archive time.
    assert_eq!(
        outcome,
        [
            ("sha256:dd", "keep"),
            ("sha256:aa", "expire"),
            ("sha256:cc", "expire"),
            ("sha256:bb", "keep"),
        ]
    );
    assert_eq!(doc["summary"]["after"]["images"], 2);

    // Several repositories cannot share one file.
    let two = run_cli(
        &[
            "lifecycle-preview",
            path_str(&spec),
            "--images",
            path_str(&images),
            "--repository",
            "app",
            "--repository",
            "app",
        ],
        &env,
    );
    two.expect_code(1);
    assert!(
        two.stderr.contains("--images reads one repository"),
        "{}",
        two.stderr
    );
}
