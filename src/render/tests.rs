//! The two renderings of one plan: snapshots of the human text and of the JSON document, and the
//! JSON contract machines rely on.

use crate::kinds::policy::plan::PolicyOp;
use serde_json::Value;

use super::{Style, human, json};
use crate::apply::{Outcome, Report, Status};
use crate::model::ApiStats;
use crate::plan::{Action, Plan, plan};
use crate::testing::*;

/// One change of every kind: create, in-place update, replace, delete.
fn mixed_plan() -> Plan {
    let want = [
        repo("betekk-api")
            .lifecycle(keep_releases_expire_untagged(50, 14))
            .tag("Team", "platform"),
        repo("betekk-web")
            .scan_on_push(true)
            .policy(PULL_POLICY)
            .tag("Team", "web"),
        repo("betekk-worker").kms(KMS_ARN).force_delete(),
    ];
    let have = [
        repo("betekk-web")
            .mutable()
            .scan_on_push(false)
            .tag("Team", "frontend"),
        repo("betekk-worker"),
        repo("betekk-legacy"),
    ];
    plan(&desired(want), &observed(have)).unwrap()
}

fn stats() -> ApiStats {
    ApiStats {
        total: 11,
        retries: 0,
        by_operation: [
            ("ecr:DescribeRepositories", 1),
            ("ecr:GetLifecyclePolicy", 2),
            ("ecr:GetRepositoryPolicy", 2),
            ("ecr:ListTagsForResource", 5),
            ("sts:GetCallerIdentity", 1),
        ]
        .into_iter()
        .map(|(op, n)| (op.to_string(), n))
        .collect(),
        ..ApiStats::default()
    }
}

#[test]
fn human_plan() {
    insta::assert_snapshot!(human::plan(&mixed_plan(), Style { color: false }));
}

#[test]
fn json_plan() {
    let plan = mixed_plan();
    let stats = stats();
    let doc = json::PlanDocument::new(&plan, ACCOUNT, REGION, &stats);
    insta::assert_snapshot!(json::to_string(&doc));
}

#[test]
fn the_json_plan_keeps_its_contract() {
    let plan = mixed_plan();
    let stats = stats();
    let doc: Value = serde_json::from_str(&json::to_string(&json::PlanDocument::new(
        &plan, ACCOUNT, REGION, &stats,
    )))
    .unwrap();
    assert_eq!(doc["schema_version"], 1);
    let changes = doc["changes"].as_array().unwrap();
    assert_eq!(changes.len(), 4);
    let actions: Vec<&str> = changes
        .iter()
        .map(|c| c["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["create", "update", "replace", "delete"]);
    for c in changes {
        let name = c["name"].as_str().unwrap();
        assert_eq!(c["address"], format!("repository.{name}"));
        assert_eq!(c["kind"], "repository");
        for a in c["attributes"].as_array().unwrap() {
            let a = a.as_object().unwrap();
            assert!(a["name"].is_string(), "{a:?}");
            // Absent on one side is null, never a missing key.
            assert!(a.contains_key("before") && a.contains_key("after"), "{a:?}");
        }
    }
    let create = &changes[0]["attributes"][0];
    assert_eq!(create["name"], "image_tag_mutability");
    assert_eq!(create["before"], Value::Null);
    assert_eq!(create["after"], "IMMUTABLE");
    assert_eq!(
        doc["summary"],
        serde_json::json!({"add": 1, "change": 1, "replace": 1, "destroy": 1})
    );
}

#[test]
fn the_summary_line_reads_like_tofu() {
    let plan = plan(
        &desired([
            repo("betekk-a"),
            repo("betekk-b").mutable(),
            repo("betekk-c").tag("Team", "x"),
        ]),
        &observed([repo("betekk-b"), repo("betekk-c")]),
    )
    .unwrap();
    let text = human::plan(&plan, Style { color: false });
    assert_eq!(
        text.lines().last(),
        Some("Plan: 1 to add, 2 to change, 0 to replace, 0 to destroy.")
    );
}

#[test]
fn an_empty_plan_says_so() {
    let plan = plan(&desired([repo("betekk-a")]), &observed([repo("betekk-a")])).unwrap();
    assert_eq!(
        human::plan(&plan, Style { color: false }),
        "No changes. Live AWS matches the spec.\n"
    );
    let stats = ApiStats::default();
    let doc: Value = serde_json::from_str(&json::to_string(&json::PlanDocument::new(
        &plan, ACCOUNT, REGION, &stats,
    )))
    .unwrap();
    assert_eq!(doc["changes"], serde_json::json!([]));
    assert_eq!(
        doc["summary"],
        serde_json::json!({"add": 0, "change": 0, "replace": 0, "destroy": 0})
    );
}

#[test]
fn color_is_only_added_when_asked_for() {
    let plan = mixed_plan();
    assert!(!human::plan(&plan, Style { color: false }).contains('\x1b'));
    let colored = human::plan(&plan, Style { color: true });
    assert!(colored.contains("\x1b[32m+\x1b[0m"), "{colored}");
    assert!(colored.contains("\x1b[31m-/+\x1b[0m"), "{colored}");
}

fn outcome(name: &str, action: Action, status: Status, error: Option<&str>) -> Outcome {
    Outcome {
        address: crate::model::Address::new(crate::model::Kind::Repository, name),
        action,
        status,
        duration_ms: 1200,
        error: error.map(str::to_string),
        error_kind: error.map(|_| "access_denied".to_string()),
    }
}

/// An apply of `mixed_plan` whose update failed with `error`: the replace after it skipped.
fn failed_report(error: &str) -> Report {
    Report {
        outcomes: vec![
            outcome("betekk-api", Action::Create, Status::Applied, None),
            outcome("betekk-web", Action::Update, Status::Failed, Some(error)),
            outcome(
                "betekk-worker",
                Action::Replace,
                Status::Skipped,
                Some("repository.betekk-web did not complete"),
            ),
            outcome("betekk-legacy", Action::Delete, Status::NotNeeded, None),
        ],
        duration_ms: 2500,
    }
}

#[test]
fn human_report_of_a_failed_apply() {
    let plan = mixed_plan();
    let report =
        failed_report("AWS ecr:SetRepositoryPolicy failed (ThrottlingException): rate exceeded");
    insta::assert_snapshot!(human::report(&plan, &report, Style { color: false }));
}

#[test]
fn human_report_of_a_successful_apply_counts_by_action() {
    let plan = mixed_plan();
    let report = Report {
        outcomes: vec![
            outcome("betekk-api", Action::Create, Status::Applied, None),
            outcome("betekk-web", Action::Update, Status::Applied, None),
            outcome("betekk-worker", Action::Replace, Status::Applied, None),
            outcome("betekk-legacy", Action::Delete, Status::NotNeeded, None),
        ],
        duration_ms: 2500,
    };
    assert_eq!(
        human::report(&plan, &report, Style { color: false }),
        "Apply complete! Resources: 1 added, 1 changed, 1 replaced, 1 destroyed.\n"
    );
}

#[test]
fn progress_lines() {
    let plan = mixed_plan();
    let started: Vec<String> = plan.changes.iter().map(human::step_started).collect();
    assert_eq!(
        started,
        [
            "repository.betekk-api: Creating...",
            "repository.betekk-web: Modifying...",
            "repository.betekk-worker: Replacing...",
            "repository.betekk-legacy: Destroying...",
        ]
    );
    let done = outcome("betekk-api", Action::Create, Status::Applied, None);
    assert_eq!(
        human::step_finished(&done, Style { color: false }),
        "repository.betekk-api: Creation complete after 1.2s"
    );
    assert_eq!(
        human::stats(&stats()),
        "API calls: 11 (ecr:DescribeRepositories 1, ecr:GetLifecyclePolicy 2, ecr:GetRepositoryPolicy 2, ecr:ListTagsForResource 5, sts:GetCallerIdentity 1), 0 retried"
    );
}

#[test]
fn documents_show_a_line_diff_with_removals_first() {
    use crate::plan::{Action, AttributeChange, Change, Op};
    let before = serde_json::json!({"Statement": [{"Action": "ecr:*", "Resource": "*"}]});
    let after = serde_json::json!({"Statement": [{"Action": "ecr:PutImage", "Resource": "*"}]});
    let change = Change::new(
        crate::model::Address::new(crate::model::Kind::Policy, "p"),
        Action::Update,
        vec![AttributeChange::new("document", Some(before), Some(after))],
        vec![Op::Policy(PolicyOp::CreatePolicyVersion {
            arn: "arn".into(),
            document: "{}".into(),
        })],
    );
    let text = human::plan(&Plan::new(vec![change]), Style::default());
    let line_of = |marker: &str, content: &str| {
        text.lines()
            .position(|l| l.trim_start().starts_with(marker) && l.contains(content))
            .unwrap_or_else(|| panic!("no {marker} line with {content} in:\n{text}"))
    };
    assert!(line_of("-", r#""Action": "ecr:*""#) < line_of("+", r#""Action": "ecr:PutImage""#));
    assert!(
        text.lines().any(|l| l.trim() == r#""Resource": "*""#),
        "unchanged lines are context: {text}"
    );
}

mod markdown {
    //! The Markdown report: snapshots of each kind, and the promise that it fits a comment.

    use super::*;
    use crate::drift::{AttributeDrift, Class, DriftReport, LastApplied, ResourceDrift};
    use crate::model::{Address, Kind};
    use crate::render::drift::Context;
    use crate::render::markdown::{self, COMMENT_LIMIT, Scope};

    const SCOPE: Scope<'static> = Scope {
        stack: STACK,
        account: ACCOUNT,
        region: REGION,
    };

    /// Every `<details>` is closed and every fence is closed, in order: nothing was cut mid-block.
    fn assert_whole_blocks(text: &str) {
        let mut open_details = 0i32;
        let mut fence: Option<String> = None;
        for line in text.lines() {
            if let Some(f) = &fence {
                if line == f {
                    fence = None;
                }
                continue;
            }
            if line.starts_with("```") {
                fence = Some(line.trim_end_matches("diff").to_string());
            }
            open_details += line.matches("<details>").count() as i32;
            open_details -= line.matches("</details>").count() as i32;
            assert!(
                (0..=1).contains(&open_details),
                "nested or unopened details:\n{text}"
            );
        }
        assert_eq!(fence, None, "an unclosed fence:\n{text}");
        assert_eq!(open_details, 0, "an unclosed details block:\n{text}");
    }

    #[test]
    fn markdown_plan() {
        let text = markdown::plan(&mixed_plan(), SCOPE, COMMENT_LIMIT);
        assert_whole_blocks(&text);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_lifecycle_change_that_would_expire_images_is_a_warning() {
        let mut live = observed([repo("betekk-app").lifecycle(keep_last(10))]);
        let l = live
            .resources
            .get_mut(&Address::new(Kind::Repository, "betekk-app"))
            .unwrap();
        let mut old = crate::model::image::Image::new("sha256:1", 0);
        old.tags = vec!["v1".into()];
        l.dependents.images = Some(crate::model::image::ImagesRead {
            at: 100 * 86_400_000,
            images: vec![old, crate::model::image::Image::new("sha256:2", 0)],
            unread_indexes: 0,
        });
        let want = repo("betekk-app").lifecycle(keep_releases_expire_untagged(5, 14));
        let text = markdown::plan(
            &plan(&desired([want]), &live).unwrap(),
            SCOPE,
            COMMENT_LIMIT,
        );
        assert!(
            text.contains(
                "> [!WARNING]\n> `repository.betekk-app`: lifecycle_policy: the new rules would expire 1 image now (1 untagged)"
            ),
            "{text}"
        );
    }

    #[test]
    fn an_empty_markdown_plan_says_so() {
        let plan = plan(&desired([repo("betekk-a")]), &observed([repo("betekk-a")])).unwrap();
        let text = markdown::plan(&plan, SCOPE, COMMENT_LIMIT);
        assert!(
            text.starts_with("### betekk-ecr plan: no changes\n"),
            "{text}"
        );
        assert!(!text.contains("<details>"), "{text}");
    }

    #[test]
    fn markdown_report_of_a_failed_apply() {
        let plan = mixed_plan();
        let report = failed_report(
            "AWS ecr:SetRepositoryPolicy failed (ThrottlingException): rate | exceeded",
        );
        let text = markdown::apply(&plan, &report, SCOPE, COMMENT_LIMIT);
        assert_whole_blocks(&text);
        // A `|` in an error must not split the table row.
        assert!(text.contains("rate \\| exceeded"), "{text}");
        insta::assert_snapshot!(text);
    }

    fn drift_report() -> (DriftReport, Context) {
        let address = |name: &str| Address::new(Kind::Repository, name);
        let resource = |name: &str, class, attributes, note: Option<&str>| ResourceDrift {
            address: address(name),
            kind: Kind::Repository,
            name: name.into(),
            class,
            attributes,
            note: note.map(str::to_string),
        };
        let report = DriftReport {
            resources: vec![
                resource("betekk-api", Class::InSync, vec![], None),
                resource(
                    "betekk-web",
                    Class::Drifted,
                    vec![
                        AttributeDrift {
                            name: "scan_on_push".into(),
                            class: Class::Drifted,
                            live: Some(serde_json::json!(false)),
                            spec: Some(serde_json::json!(true)),
                            last_applied: LastApplied::Spec,
                        },
                        AttributeDrift {
                            name: "tags".into(),
                            class: Class::Pending,
                            live: Some(serde_json::json!({"Team": "frontend"})),
                            spec: Some(serde_json::json!({"Team": "web"})),
                            last_applied: LastApplied::Live,
                        },
                    ],
                    None,
                ),
                resource(
                    "betekk-worker",
                    Class::Missing,
                    vec![],
                    Some("in the spec, not in AWS: apply creates it"),
                ),
                resource(
                    "betekk-old",
                    Class::Unmanaged,
                    vec![],
                    Some("named with the project prefix, in no spec"),
                ),
            ],
        };
        let ctx = Context {
            timestamp: "2026-05-01T12:00:00Z".into(),
            account: ACCOUNT.into(),
            region: REGION.into(),
            stack: STACK.into(),
            spec: "spec.yaml".into(),
        };
        (report, ctx)
    }

    #[test]
    fn markdown_drift() {
        let (report, ctx) = drift_report();
        let text = markdown::drift(&report, &ctx, COMMENT_LIMIT);
        assert_whole_blocks(&text);
        assert!(
            !text.contains("betekk-api"),
            "in-sync resources are only counted: {text}"
        );
        insta::assert_snapshot!(text);
    }

    #[test]
    fn an_in_sync_markdown_drift_report_has_no_table() {
        let (mut report, ctx) = drift_report();
        report.resources.retain(|r| r.class == Class::InSync);
        let text = markdown::drift(&report, &ctx, COMMENT_LIMIT);
        assert!(
            text.starts_with("### betekk-ecr drift: in sync\n"),
            "{text}"
        );
        assert!(!text.contains('|'), "{text}");
    }

    /// Many repositories, each with a long policy: far more than one comment holds.
    fn huge_plan(repositories: usize, statements: u64) -> Plan {
        let statements: Vec<Value> = (0..statements)
            .map(|i| {
                serde_json::json!({"Sid": format!("Pull{i}"), "Effect": "Allow",
                    "Principal": {"AWS": format!("arn:aws:iam::{:012}:root", 100_000_000_000u64 + i)},
                    "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]})
            })
            .collect();
        let policy =
            serde_json::json!({"Version": "2012-10-17", "Statement": statements}).to_string();
        let want: Vec<_> = (0..repositories)
            .map(|i| repo(&format!("betekk-svc-{i:03}")).policy(&policy))
            .collect();
        plan(
            &desired(want),
            &observed(Vec::<crate::model::Repository>::new()),
        )
        .unwrap()
    }

    #[test]
    fn markdown_plan_that_needs_truncation() {
        let plan = huge_plan(3, 2);
        let text = markdown::plan(&plan, SCOPE, 3_000);
        assert!(text.chars().count() <= 3_000, "{}", text.chars().count());
        let shown = text.matches("<details>").count();
        assert!((1..3).contains(&shown), "{text}");
        assert!(text.contains(&format!("{} notes or diffs left out", 3 - shown)));
        assert_whole_blocks(&text);
        insta::assert_snapshot!(text);
    }

    #[test]
    fn a_plan_too_big_for_a_comment_is_cut_between_blocks_with_a_note() {
        let plan = huge_plan(200, 40);
        let full = markdown::plan(&plan, SCOPE, usize::MAX);
        assert!(full.chars().count() > 10 * COMMENT_LIMIT, "{}", full.len());
        let text = markdown::plan(&plan, SCOPE, COMMENT_LIMIT);
        assert!(text.chars().count() <= COMMENT_LIMIT);
        assert!(
            text.chars().count() > COMMENT_LIMIT - 10_000,
            "uses the room it has"
        );
        assert_whole_blocks(&text);
        // Every table row is kept (they are short); the diffs that did not fit are counted.
        assert_eq!(text.matches("| `+` |").count(), 200);
        let shown = text.matches("<details>").count();
        assert!(shown > 0 && shown < 200, "{shown}");
        assert!(
            text.contains(&format!(
                "0 table rows and {} notes or diffs left out",
                200 - shown
            )),
            "{}",
            &text[text.len() - 400..]
        );
        // What is kept is exactly the beginning of the full report.
        let kept = text.split("> [!NOTE]\n> Truncated").next().unwrap();
        assert!(full.starts_with(kept));
    }
}
