//! Repository creation templates against the fake account: created with every setting, updated
//! in place, pruned through the stack's record, ordered after the role ECR assumes for them.

use crate::apply::ApplyOptions;
use crate::kinds::creation_template::fake::templates;
use crate::kinds::creation_template::plan::CreationTemplateOp;
use crate::live::fake::FakeAws;
use crate::model::Kind;
use crate::model::*;
use crate::model::{CreationTemplate, Encryption, TagMutability};
use crate::plan::*;
use crate::testing::*;

fn templates_spec(body: &str) -> Desired {
    spec(&format!(
        "version: 1\nstack: svc\nregion: ap-southeast-1\nregistry:\n  creation_templates:\n{body}"
    ))
    .desired
}

const TEMPLATE: &str = "    - prefix: \"{prefix}-dockerhub\"
      applied_for: [PULL_THROUGH_CACHE, REPLICATION]
      description: Images pulled from Docker Hub
      image_tag_mutability: IMMUTABLE
      encryption: {type: AES256}
      lifecycle_policy:
        rules:
          - {priority: 1, tag_status: any, keep_last: 20}
      repository_policy:
        Version: \"2012-10-17\"
        Statement:
          - Sid: Pull
            Effect: Allow
            Principal: {AWS: \"arn:aws:iam::{account}:root\"}
            Action: [ecr:BatchGetImage]
";

async fn apply_ok(fake: &FakeAws, desired: &Desired) -> Plan {
    let (plan, report) = run_apply(fake, desired, &ApplyOptions::default()).await;
    assert!(report.succeeded(), "{report:?}");
    plan
}

fn template(fake: &FakeAws, prefix: &str) -> Option<CreationTemplate> {
    templates(&mut fake.registry()).get(prefix).cloned()
}

#[tokio::test]
async fn a_template_is_created_converges_changes_in_place_and_is_pruned() {
    let fake = FakeAws::default();
    let d = templates_spec(TEMPLATE);
    apply_ok(&fake, &d).await;
    let stored = template(&fake, "betekk-dockerhub").unwrap();
    assert_eq!(
        stored.applied_for,
        vec!["PULL_THROUGH_CACHE", "REPLICATION"]
    );
    assert_eq!(
        stored.settings.image_tag_mutability,
        TagMutability::Immutable
    );
    assert_eq!(stored.settings.encryption, Encryption::Aes256);
    assert!(
        stored.settings.lifecycle_policy.is_some() && stored.settings.repository_policy.is_some()
    );
    assert!(plan_on(&fake, &d).await.is_empty());

    let edited = templates_spec(&TEMPLATE.replace("keep_last: 20", "keep_last: 30"));
    let plan = plan_on(&fake, &edited).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::CreationTemplate)
        .unwrap();
    assert_eq!(change.action, Action::Update);
    assert_eq!(
        change
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["lifecycle_policy"]
    );
    apply_ok(&fake, &edited).await;
    assert!(plan_on(&fake, &edited).await.is_empty());

    let bare = spec("version: 1\nstack: svc\nregion: ap-southeast-1\n").desired;
    apply_ok(&fake, &bare).await;
    assert!(template(&fake, "betekk-dockerhub").is_none());
    assert!(fake.registry().parameters.is_empty(), "the record went too");
}

#[tokio::test]
async fn a_template_comes_after_the_role_ecr_assumes_for_it() {
    let fake = FakeAws::default();
    let d = spec(
        "version: 1\nstack: svc\nregion: ap-southeast-1\n\
         roles:\n  - name: \"{PREFIX}-EcrTemplateRole\"\n    trust: {services: [ecr.amazonaws.com]}\n\
         registry:\n  creation_templates:\n    - prefix: \"{prefix}-mirror\"\n      applied_for: [REPLICATION]\n      \
         tags: {Team: platform}\n      custom_role_arn: \"arn:{partition}:iam::{account}:role/{PREFIX}-EcrTemplateRole\"\n",
    )
    .desired;
    let plan = plan_on(&fake, &d).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::CreationTemplate)
        .unwrap();
    assert_eq!(
        change.depends_on,
        vec![Address::new(Kind::Role, "BETEKK-EcrTemplateRole")]
    );
    apply_ok(&fake, &d).await;
    let stored = template(&fake, "betekk-mirror").unwrap();
    assert_eq!(
        stored.resource_tags.get("Team").map(String::as_str),
        Some("platform")
    );
    assert!(
        !stored
            .resource_tags
            .contains_key(crate::model::MANAGED_BY_TAG),
        "created repositories must not look managed by the stack"
    );
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[test]
fn template_mistakes_are_reported_where_they_are_written() {
    let case = |body: &str| {
        format!(
            "version: 1\nstack: s\nregion: ap-southeast-1\nregistry:\n  creation_templates:\n{body}"
        )
    };
    let cases = vec![
        (
            "tags without a role",
            case("    - {prefix: a-b, applied_for: [REPLICATION], tags: {Team: x}}\n"),
            vec![
                "test.yaml:6:7: registry.creation_templates[0].custom_role_arn: a template with tags or KMS encryption needs custom_role_arn: a role of this account that trusts ecr.amazonaws.com (AWS requires it)",
            ],
        ),
        (
            "an unknown use",
            case("    - {prefix: a-b, applied_for: [PULL]}\n"),
            vec![
                "test.yaml:6:21: registry.creation_templates[0].applied_for: \"PULL\": expected PULL_THROUGH_CACHE, REPLICATION, CREATE_ON_PUSH",
            ],
        ),
        (
            "a key by alias",
            case(
                "    - {prefix: a-b, applied_for: [REPLICATION], encryption: {type: KMS, kms_key: alias/x}, custom_role_arn: \"arn:aws:iam::123456789012:role/r\"}\n",
            ),
            vec![
                "test.yaml:6:49: registry.creation_templates[0].encryption: kms_key \"alias/x\": a template names its key by ARN (ECR refuses ids and aliases here)",
            ],
        ),
        (
            "two templates for one prefix",
            case(
                "    - {prefix: a-b, applied_for: [REPLICATION]}\n    - {prefix: a-b/, applied_for: [REPLICATION]}\n",
            ),
            vec![
                "test.yaml:7:7: registry.creation_templates[1].prefix: prefix \"a-b\" has a template already",
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

/// Every setting's row names the template's one update call: several changed settings are one
/// update carrying the whole template.
#[tokio::test]
async fn several_changed_settings_are_one_update_of_the_whole_template() {
    let fake = FakeAws::default();
    apply_ok(&fake, &templates_spec(TEMPLATE)).await;
    let edited = templates_spec(&TEMPLATE.replace("keep_last: 20", "keep_last: 30").replace(
        "image_tag_mutability: IMMUTABLE",
        "image_tag_mutability: MUTABLE",
    ));
    let plan = plan_on(&fake, &edited).await;
    let change = plan
        .changes
        .iter()
        .find(|c| c.kind == Kind::CreationTemplate)
        .unwrap();
    assert_eq!(
        change
            .attributes
            .iter()
            .map(|a| a.name.as_str())
            .collect::<Vec<_>>(),
        vec!["image_tag_mutability", "lifecycle_policy"]
    );
    match real_ops(&change.ops).as_slice() {
        [Op::CreationTemplate(CreationTemplateOp::UpdateCreationTemplate { template })] => {
            assert_eq!(
                template.settings.image_tag_mutability,
                TagMutability::Mutable
            );
            assert_eq!(template.description, "Images pulled from Docker Hub");
        }
        ops => panic!("expected one update: {ops:#?}"),
    }
}
