//! The classification table: spec × last-applied × live → class, for every attribute kind.
//!
//! Each row applies a base spec to the fake (which records the fingerprint), then edits the spec
//! (pending), changes AWS through the live traits as a person would (drifted), or both.

use super::*;
use crate::apply::ApplyOptions;
use crate::live::fake::FakeAws;
use crate::live::{EcrApi, IamApi};
use crate::model::fingerprint::APPLIED_TAG;
use crate::model::{TagMutability, Tags};
use crate::observe::observe;
use crate::testing::*;

const BASE: &str = r#"version: 1
stack: test
repositories:
  - name: "{prefix}-app"
    image_tag_mutability: IMMUTABLE
    scan_on_push: true
    lifecycle_policy: {rules: [{priority: 1, tag_status: any, keep_last: 10}]}
    repository_policy: {Version: "2012-10-17", Statement: [{Sid: Pull, Effect: Allow, Principal: {AWS: "arn:aws:iam::{account}:root"}, Action: [ecr:BatchGetImage]}]}
    tags: {Team: a}
github:
  organizations: [betekk]
  oidc_provider: {client_ids: [sts.amazonaws.com]}
policies:
  - name: "{prefix}-Push"
    ecr_push: ["{prefix}-app"]
    tags: {Team: a}
roles:
  - name: "{PREFIX}-Upload"
    description: push
    github_trust: {repositories: [app]}
    policies: ["{prefix}-Push"]
    max_session_duration: 3600
    tags: {Team: a}
"#;

const REPO: &str = "betekk-app";
const ROLE: &str = "BETEKK-Upload";
const POLICY: &str = "betekk-Push";
const PROVIDER: &str = "https://token.actions.githubusercontent.com";

fn team(v: &str) -> Tags {
    tags(&[("Team", v)])
}

fn policy_arn() -> String {
    format!("arn:aws:iam::{ACCOUNT}:policy/{POLICY}")
}

type OutOfBand = fn(&FakeAws) -> futures::future::LocalBoxFuture<'_, ()>;

struct Row {
    address: &'static str,
    attribute: &'static str,
    /// The spec edit, as (text in BASE, replacement).
    edit: (&'static str, &'static str),
    out_of_band: OutOfBand,
    /// Whether spec edit and out-of-band change leave live ≠ spec (two-valued attributes do not).
    both_differ: bool,
}

fn rows() -> Vec<Row> {
    use futures::FutureExt;
    vec![
        Row {
            address: "repository.betekk-app",
            attribute: "image_tag_mutability",
            edit: ("IMMUTABLE", "MUTABLE"),
            out_of_band: |f| {
                async {
                    f.put_image_tag_mutability(REPO, TagMutability::Mutable, &[])
                        .await
                        .unwrap()
                }
                .boxed_local()
            },
            both_differ: false,
        },
        Row {
            address: "repository.betekk-app",
            attribute: "scan_on_push",
            edit: ("scan_on_push: true", "scan_on_push: false"),
            out_of_band: |f| async { f.put_scan_on_push(REPO, false).await.unwrap() }.boxed_local(),
            both_differ: false,
        },
        Row {
            address: "repository.betekk-app",
            attribute: "lifecycle_policy",
            edit: ("keep_last: 10", "keep_last: 20"),
            out_of_band: |f| {
                async {
                    f.put_lifecycle_policy(REPO, &keep_last(30).to_aws_text())
                        .await
                        .unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "repository.betekk-app",
            attribute: "repository_policy",
            edit: (
                "Action: [ecr:BatchGetImage]",
                "Action: [ecr:BatchGetImage, ecr:ListImages]",
            ),
            out_of_band: |f| {
                async { f.set_repository_policy(REPO, PULL_POLICY).await.unwrap() }.boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "repository.betekk-app",
            attribute: "tags",
            edit: ("    tags: {Team: a}\ngithub", "    tags: {Team: b}\ngithub"),
            out_of_band: |f| {
                async {
                    f.tag_resource(&f.repository_arn(REPO), &team("c"))
                        .await
                        .unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "role.BETEKK-Upload",
            attribute: "description",
            edit: ("description: push", "description: push images"),
            out_of_band: |f| {
                async { f.update_role(ROLE, "hand-edited", 3600).await.unwrap() }.boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "role.BETEKK-Upload",
            attribute: "max_session_duration",
            edit: ("max_session_duration: 3600", "max_session_duration: 7200"),
            out_of_band: |f| {
                async { f.update_role(ROLE, "push", 10800).await.unwrap() }.boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "role.BETEKK-Upload",
            attribute: "trust_policy",
            edit: ("repositories: [app]", "repositories: [app, web]"),
            out_of_band: |f| {
                async {
                    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}"#;
                    f.update_trust_policy(ROLE, doc).await.unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "role.BETEKK-Upload",
            attribute: "policies",
            edit: ("policies: [\"{prefix}-Push\"]", "policies: []"),
            out_of_band: |f| {
                async {
                    f.detach_role_policy(ROLE, &policy_arn()).await.unwrap();
                }
                .boxed_local()
            },
            both_differ: false,
        },
        Row {
            address: "role.BETEKK-Upload",
            attribute: "tags",
            edit: ("3600\n    tags: {Team: a}", "3600\n    tags: {Team: b}"),
            out_of_band: |f| {
                async {
                    f.tag_iam(
                        &crate::model::TagTarget::Role { name: ROLE.into() },
                        &team("c"),
                    )
                    .await
                    .unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "policy.betekk-Push",
            attribute: "document",
            edit: (
                "ecr_push: [\"{prefix}-app\"]",
                "ecr_push: [\"{prefix}-app\", \"{prefix}-web\"]",
            ),
            out_of_band: |f| {
                async {
                    let doc = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
                    f.create_policy_version(&policy_arn(), doc).await.unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "policy.betekk-Push",
            attribute: "tags",
            edit: ("    tags: {Team: a}\nroles", "    tags: {Team: b}\nroles"),
            out_of_band: |f| {
                async {
                    f.tag_iam(
                        &crate::model::TagTarget::Policy { arn: policy_arn() },
                        &team("c"),
                    )
                    .await
                    .unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
        Row {
            address: "oidc_provider.token.actions.githubusercontent.com",
            attribute: "client_ids",
            edit: (
                "client_ids: [sts.amazonaws.com]",
                "client_ids: [sts.amazonaws.com, other]",
            ),
            out_of_band: |f| {
                async {
                    let arn = f.oidc_provider_arn(PROVIDER);
                    f.add_client_id(&arn, "hand-added").await.unwrap()
                }
                .boxed_local()
            },
            both_differ: true,
        },
    ]
}

/// Applies BASE to a fresh fake; returns the fake.
async fn applied() -> FakeAws {
    let fake = FakeAws::new(ACCOUNT, REGION);
    let base = spec(BASE).desired;
    let (_, report) = run_apply(&fake, &base, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:#?}");
    fake
}

async fn drift_on(fake: &FakeAws, spec_text: &str) -> DriftReport {
    let desired = spec(spec_text).desired;
    let observed = observe(fake, &desired, 4).await.expect("observe the fake");
    classify(&desired, &observed).expect("classify")
}

fn find<'a>(report: &'a DriftReport, address: &str) -> &'a ResourceDrift {
    report
        .resources
        .iter()
        .find(|r| r.address.to_string() == address)
        .unwrap_or_else(|| panic!("{address} not in {report:#?}"))
}

fn attr<'a>(r: &'a ResourceDrift, name: &str) -> &'a AttributeDrift {
    r.attributes
        .iter()
        .find(|a| a.name == name)
        .unwrap_or_else(|| panic!("{name} not among {r:#?}"))
}

#[tokio::test(flavor = "current_thread")]
async fn right_after_apply_everything_is_in_sync_and_the_fingerprint_causes_no_diff() {
    let fake = applied().await;
    let report = drift_on(&fake, BASE).await;
    assert!(report.in_sync(), "{report:#?}");
    assert_eq!(report.counts().in_sync, 4);
    assert!(plan_on(&fake, &spec(BASE).desired).await.is_empty());
    let tags = fake.repository(REPO).unwrap().tags;
    assert!(tags[APPLIED_TAG].starts_with("v1:"), "{tags:?}");
}

#[tokio::test(flavor = "current_thread")]
async fn classification_table() {
    for row in rows() {
        let (from, to) = row.edit;
        assert!(BASE.contains(from), "{}: edit {from:?}", row.attribute);
        let edited = BASE.replacen(from, to, 1);
        let what = format!("{} {}", row.address, row.attribute);

        // spec = applied = live
        let fake = applied().await;
        assert_eq!(
            find(&drift_on(&fake, BASE).await, row.address).class,
            Class::InSync,
            "{what}"
        );

        // spec ≠ applied = live → pending
        let report = drift_on(&fake, &edited).await;
        let r = find(&report, row.address);
        assert_eq!(r.class, Class::Pending, "{what}: {r:#?}");
        assert_eq!(
            attr(r, row.attribute).last_applied,
            LastApplied::Live,
            "{what}"
        );

        // spec = applied ≠ live → drifted
        (row.out_of_band)(&fake).await;
        let report = drift_on(&fake, BASE).await;
        let r = find(&report, row.address);
        assert_eq!(r.class, Class::Drifted, "{what}: {r:#?}");
        let a = attr(r, row.attribute);
        assert_eq!(
            (a.class, a.last_applied),
            (Class::Drifted, LastApplied::Spec),
            "{what}"
        );
        assert!(a.live.is_some() || a.spec.is_some(), "{what}: values shown");

        // spec ≠ applied ≠ live → drifted (both moved)
        if row.both_differ {
            let report = drift_on(&fake, &edited).await;
            let a = attr(find(&report, row.address), row.attribute);
            assert_eq!(
                (a.class, a.last_applied),
                (Class::Drifted, LastApplied::Neither),
                "{what}"
            );
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_pending_and_a_drifted_attribute_on_one_resource_make_it_drifted() {
    let fake = applied().await;
    fake.put_scan_on_push(REPO, false).await.unwrap();
    let report = drift_on(&fake, &BASE.replacen("keep_last: 10", "keep_last: 20", 1)).await;
    let r = find(&report, "repository.betekk-app");
    assert_eq!(r.class, Class::Drifted);
    assert_eq!(attr(r, "scan_on_push").class, Class::Drifted);
    assert_eq!(attr(r, "lifecycle_policy").class, Class::Pending);
}

#[tokio::test(flavor = "current_thread")]
async fn missing_unmanaged_and_removed_from_the_spec() {
    let fake = applied().await;
    fake.detach_role_policy(ROLE, &policy_arn()).await.unwrap();
    fake.delete_role(ROLE).await.unwrap();
    seed(&fake, repo("betekk-stray").untagged(), 0);
    seed(&fake, repo("betekk-other-stack").owned_by("other"), 0);
    seed(&fake, repo("unrelated"), 0);
    let without_policy_tags = BASE.replacen("    tags: {Team: a}\nroles", "roles", 1);
    let report = drift_on(&fake, &without_policy_tags).await;
    assert_eq!(find(&report, "role.BETEKK-Upload").class, Class::Missing);
    assert_eq!(
        find(&report, "repository.betekk-stray").class,
        Class::Unmanaged
    );
    assert!(
        !report
            .resources
            .iter()
            .any(|r| r.name == "betekk-other-stack" || r.name == "unrelated")
    );
    assert_eq!(find(&report, "policy.betekk-Push").class, Class::Pending);

    // A repository of this stack that left the spec: apply would delete it.
    let no_repo = BASE.replacen(
        "  - name: \"{prefix}-app\"",
        "  - name: \"{prefix}-app2\"",
        1,
    );
    let report = drift_on(&fake, &no_repo).await;
    let gone = find(&report, "repository.betekk-app");
    assert_eq!(gone.class, Class::Pending);
    assert!(gone.note.as_deref().unwrap().contains("apply deletes it"));
    assert_eq!(
        find(&report, "repository.betekk-app2").class,
        Class::Missing
    );
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_fingerprint_a_difference_is_drift_of_unknown_origin() {
    let fake = applied().await;
    fake.untag_resource(&fake.repository_arn(REPO), &[APPLIED_TAG.to_string()])
        .await
        .unwrap();
    let report = drift_on(&fake, BASE).await;
    assert_eq!(
        find(&report, "repository.betekk-app").class,
        Class::InSync,
        "no difference, no drift"
    );
    let report = drift_on(&fake, &BASE.replacen("keep_last: 10", "keep_last: 20", 1)).await;
    let r = find(&report, "repository.betekk-app");
    assert_eq!(r.class, Class::Drifted);
    assert_eq!(
        attr(r, "lifecycle_policy").last_applied,
        LastApplied::Unknown
    );
    assert!(r.note.is_some());
}

#[tokio::test(flavor = "current_thread")]
async fn applying_a_pending_change_records_it_so_it_is_in_sync_again() {
    let fake = applied().await;
    let edited = BASE.replacen("keep_last: 10", "keep_last: 20", 1);
    let (plan, report) = run_apply(&fake, &spec(&edited).desired, &ApplyOptions::default()).await;
    assert!(report.succeeded() && !plan.is_empty());
    assert!(drift_on(&fake, &edited).await.in_sync());
    // And the old value is now the out-of-band one.
    fake.put_lifecycle_policy(REPO, &keep_last(10).to_aws_text())
        .await
        .unwrap();
    let r = drift_on(&fake, &edited).await;
    assert_eq!(find(&r, "repository.betekk-app").class, Class::Drifted);
}

#[tokio::test(flavor = "current_thread")]
async fn recording_force_delete_is_a_pending_change_and_prune_uses_it() {
    let fake = applied().await;
    let with_force = BASE.replacen(
        "scan_on_push: true",
        "scan_on_push: true\n    force_delete: true",
        1,
    );
    let report = drift_on(&fake, &with_force).await;
    let a = attr(find(&report, "repository.betekk-app"), "force_delete");
    assert_eq!(a.class, Class::Pending);
    let (_, r) = run_apply(&fake, &spec(&with_force).desired, &ApplyOptions::default()).await;
    assert!(r.succeeded());
    assert!(drift_on(&fake, &with_force).await.in_sync());

    // Pruned with images and without --allow-destroy: allowed by the recorded force_delete.
    fake.push_image(REPO);
    let no_repo = with_force
        .replacen(
            "  - name: \"{prefix}-app\"",
            "  - name: \"{prefix}-app2\"",
            1,
        )
        .replacen(
            "ecr_push: [\"{prefix}-app\"]",
            "ecr_push: [\"{prefix}-app2\"]",
            1,
        );
    let (plan, report) = run_apply(&fake, &spec(&no_repo).desired, &ApplyOptions::default()).await;
    assert_eq!(plan.summary().destroy, 1, "{plan:#?}");
    assert!(report.succeeded(), "{report:#?}");
    assert!(fake.repository(REPO).is_none());
}
