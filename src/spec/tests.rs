//! The spec reader: each mistake reported with file:line:col, field path and what is allowed;
//! defaults, expansion and tags as the model receives them.

use crate::model::{
    Encryption, LifecyclePolicy, MANAGED_BY_TAG, MANAGED_BY_VALUE, PolicyDocument, Repository,
    STACK_TAG, TagMutability, TagStatus,
};
use crate::model::{ManagedPolicy, OidcProvider, Role};
use crate::testing::*;

/// A spec of one repository named `betekk-app`, with `fields` added to it (indented 4).
fn one_repo(fields: &str) -> String {
    let mut out =
        String::from("version: 1\nstack: test\nrepositories:\n  - name: \"{prefix}-app\"\n");
    for line in fields.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn only_repo(yaml: &str) -> Repository {
    let spec = spec(yaml);
    let repos: Vec<&Repository> = spec.desired.all::<Repository>().collect();
    assert_eq!(repos.len(), 1);
    repos[0].clone()
}

#[test]
fn each_mistake_is_reported_with_position_field_and_what_is_allowed() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "wrong mutability spelling",
            one_repo("image_tag_mutability: immutable"),
            vec![
                r#"test.yaml:5:5: repositories[0].image_tag_mutability: expected MUTABLE or IMMUTABLE, got "immutable"; did you mean IMMUTABLE?"#,
            ],
        ),
        (
            "unknown top-level key",
            "version: 1\nstack: test\nrepos: []\n".into(),
            vec![
                "test.yaml:3:1: repos: unknown field; did you mean repositories? allowed here: version, stack, project_prefix, environment, region, regions, targets, tags, repositories, github, policies, roles, assume_role_grants, registry",
            ],
        ),
        (
            "unknown repository key",
            one_repo("scan_on_pull: true"),
            vec![
                "test.yaml:5:5: repositories[0].scan_on_pull: unknown field; did you mean scan_on_push? allowed here: name, image_tag_mutability, scan_on_push, encryption, lifecycle_policy, repository_policy, tags, force_delete, image_tag_mutability_exclusion_filters, lambda_pull, regions",
            ],
        ),
        (
            "missing stack",
            "version: 1\nrepositories: []\n".into(),
            vec![
                "test.yaml:1:1: stack: missing; name the stack, e.g. stack: probe-engine (it tags what this spec manages)",
            ],
        ),
        (
            "missing version",
            "stack: test\n".into(),
            vec!["test.yaml:1:1: version: missing; this tool reads version: 1"],
        ),
        (
            "version 2",
            "version: 2\nstack: test\n".into(),
            vec!["test.yaml:1:1: version: expected a whole number from 1 to 1, got 2"],
        ),
        (
            "bad stack name",
            "version: 1\nstack: my stack\n".into(),
            vec![
                r#"test.yaml:2:1: stack: invalid stack name "my stack"; allowed: 1-128 letters, digits, '-', '_' or '.'"#,
            ],
        ),
        (
            "bad repository name",
            "version: 1\nstack: test\nrepositories:\n  - name: \"{prefix}--app\"\n".into(),
            vec![
                r#"test.yaml:4:5: repositories[0].name: invalid repository name "betekk--app"; allowed: 2-256 characters; lowercase letters, digits and . _ - between them, '/' between namespace parts"#,
            ],
        ),
        (
            "{PREFIX} is expanded, upper case",
            "version: 1\nstack: test\nrepositories:\n  - name: \"{PREFIX}-app\"\n".into(),
            vec![
                r#"test.yaml:4:5: repositories[0].name: invalid repository name "BETEKK-app"; allowed: 2-256 characters; lowercase letters, digits and . _ - between them, '/' between namespace parts"#,
            ],
        ),
        (
            "unknown placeholder",
            "version: 1\nstack: test\nrepositories:\n  - name: \"{project}-app\"\n".into(),
            vec![
                "test.yaml:4:5: repositories[0].name: unknown placeholder {project}; expanded are {prefix}, {PREFIX}, {account}, {partition} and {region}",
            ],
        ),
        (
            "duplicate names after expansion",
            "version: 1\nstack: test\nrepositories:\n  - name: \"{prefix}-app\"\n  - name: betekk-app\n".into(),
            vec![
                r#"test.yaml:5:5: repositories[1].name: duplicate repository name "betekk-app" (also repositories[0])"#,
            ],
        ),
        (
            "kms_key with AES256",
            one_repo("encryption:\n  type: AES256\n  kms_key: alias/ecr"),
            vec![
                "test.yaml:7:7: repositories[0].encryption.kms_key: kms_key is only allowed with type: KMS or KMS_DSSE",
            ],
        ),
        (
            "kms_key without a type (AES256 by default)",
            one_repo("encryption: {kms_key: alias/ecr}"),
            vec![
                "test.yaml:5:18: repositories[0].encryption.kms_key: kms_key is only allowed with type: KMS or KMS_DSSE",
            ],
        ),
        (
            "empty kms_key",
            one_repo("encryption:\n  type: KMS_DSSE\n  kms_key: \"\""),
            vec![
                "test.yaml:7:7: repositories[0].encryption.kms_key: empty; leave kms_key out for the AWS managed key (aws/ecr), or give a key ARN, key id or alias/NAME",
            ],
        ),
        (
            "unknown encryption type",
            one_repo("encryption:\n  type: aes256"),
            vec![
                r#"test.yaml:6:7: repositories[0].encryption.type: expected AES256, KMS or KMS_DSSE, got "aes256"; did you mean AES256?"#,
            ],
        ),
        (
            "dual-layer spelled with a dash",
            one_repo("encryption:\n  type: KMS-DSSE"),
            vec![
                r#"test.yaml:6:7: repositories[0].encryption.type: expected AES256, KMS or KMS_DSSE, got "KMS-DSSE"; did you mean KMS_DSSE?"#,
            ],
        ),
        (
            "lifecycle: duplicate priorities",
            one_repo(
                "lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: untagged, expire_after_days: 7}\n    - {priority: 1, tag_status: any, keep_last: 10}",
            ),
            vec![
                "test.yaml:8:11: repositories[0].lifecycle_policy.rules[1].priority: priority 1 is already used by repositories[0].lifecycle_policy.rules[0]; priorities must be unique",
            ],
        ),
        (
            "lifecycle: any is not the highest priority",
            one_repo(
                "lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: any, keep_last: 10}\n    - {priority: 2, tag_status: untagged, expire_after_days: 7}",
            ),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0].tag_status: a rule with tag_status: any must have the highest priority number of all rules",
            ],
        ),
        (
            "lifecycle: tagged without prefixes",
            one_repo("lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: tagged, keep_last: 10}"),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0]: tag_status: tagged needs tag_prefixes or tag_patterns",
            ],
        ),
        (
            "lifecycle: both prefixes and patterns",
            one_repo(
                "lifecycle_policy:\n  rules:\n    - priority: 1\n      tag_status: tagged\n      tag_prefixes: [v]\n      tag_patterns: [\"release-*\"]\n      keep_last: 10",
            ),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0]: use tag_prefixes or tag_patterns, not both",
            ],
        ),
        (
            "lifecycle: prefixes on an untagged rule",
            one_repo(
                "lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: untagged, tag_prefixes: [v], keep_last: 10}",
            ),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0]: tag_prefixes and tag_patterns are only allowed with tag_status: tagged",
            ],
        ),
        (
            "lifecycle: keep_last 0",
            one_repo("lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: any, keep_last: 0}"),
            vec![
                "test.yaml:7:42: repositories[0].lifecycle_policy.rules[0].keep_last: expected a whole number from 1 to 1000000, got 0",
            ],
        ),
        (
            "lifecycle: both keep_last and expire_after_days",
            one_repo(
                "lifecycle_policy:\n  rules:\n    - priority: 1\n      tag_status: any\n      keep_last: 10\n      expire_after_days: 30",
            ),
            vec![
                "test.yaml:10:11: repositories[0].lifecycle_policy.rules[0].expire_after_days: use one of keep_last, expire_after_days, not_pulled_for_days or archived_for_days, not several (this rule also has keep_last)",
            ],
        ),
        (
            "lifecycle: no count at all",
            one_repo("lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: any}"),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0]: each rule needs one of keep_last, expire_after_days, not_pulled_for_days or archived_for_days",
            ],
        ),
        (
            "lifecycle: tag status in capitals",
            one_repo("lifecycle_policy:\n  rules:\n    - {priority: 1, tag_status: ANY, keep_last: 1}"),
            vec![
                r#"test.yaml:7:25: repositories[0].lifecycle_policy.rules[0].tag_status: expected tagged, untagged or any, got "ANY"; did you mean any?"#,
            ],
        ),
        (
            "repository_policy: invalid JSON string",
            one_repo("repository_policy: '{\"Version\": \"2012-10-17\", \"Statement\": ['"),
            vec![
                "test.yaml:5:5: repositories[0].repository_policy: not a policy document: invalid JSON: EOF while parsing a list at line 1 column 40",
            ],
        ),
        (
            "repository_policy: not a policy",
            one_repo("repository_policy: [1, 2]"),
            vec![
                "test.yaml:5:5: repositories[0].repository_policy: expected an IAM policy document (a mapping, or a JSON string)",
            ],
        ),
        (
            "reserved tag key ManagedBy",
            one_repo("tags:\n  ManagedBy: me"),
            vec![
                r#"test.yaml:5:5: repositories[0].tags: tag key "ManagedBy" is set by betekk-ecr itself (ManagedBy, betekk-ecr:stack)"#,
            ],
        ),
        (
            "reserved tag key aws: at the top level",
            "version: 1\nstack: test\ntags:\n  aws:cloudformation:stack-name: x\n".into(),
            vec![
                r#"test.yaml:3:1: tags: tag key "aws:cloudformation:stack-name": the aws: prefix is reserved by AWS"#,
            ],
        ),
        (
            "reserved tag key betekk-ecr:stack",
            one_repo("tags:\n  betekk-ecr:stack: other"),
            vec![
                r#"test.yaml:5:5: repositories[0].tags: tag key "betekk-ecr:stack" is set by betekk-ecr itself (ManagedBy, betekk-ecr:stack)"#,
            ],
        ),
        (
            "wrong type",
            one_repo("scan_on_push: \"yes\""),
            vec![
                r#"test.yaml:5:5: repositories[0].scan_on_push: expected true or false, got the string "yes""#,
            ],
        ),
        (
            "invalid project prefix",
            "version: 1\nstack: test\nproject_prefix: my_prefix\n".into(),
            vec!["test.yaml:3:1: project_prefix: expected letters, digits or '-'"],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn every_mistake_of_a_spec_is_reported_at_once_in_source_order() {
    let yaml = "version: 1\nstack: test\nrepositories:\n  - name: ok-one\n    scan_on_push: 1\n  - name: UPPER\n    color: red\n";
    let err = crate::spec::parse(yaml, "test.yaml").unwrap_err();
    assert_eq!(
        err.to_string(),
        "the spec has 3 errors:\n  \
         test.yaml:5:5: repositories[0].scan_on_push: expected true or false, got the number 1\n  \
         test.yaml:6:5: repositories[1].name: invalid repository name \"UPPER\"; allowed: 2-256 characters; lowercase letters, digits and . _ - between them, '/' between namespace parts\n  \
         test.yaml:7:5: repositories[1].color: unknown field; allowed here: name, image_tag_mutability, scan_on_push, encryption, lifecycle_policy, repository_policy, tags, force_delete, image_tag_mutability_exclusion_filters, lambda_pull, regions"
    );
}

#[test]
fn invalid_yaml_reports_a_position() {
    let errors = spec_errors("version: 1\nstack: [test\nrepositories: []\n");
    assert_eq!(errors.len(), 1, "{errors:?}");
    // The parser notices the unclosed flow list where the next mapping key starts.
    assert!(
        errors[0].starts_with("test.yaml:3:13: invalid YAML: "),
        "{errors:?}"
    );
}

#[test]
fn defaults_are_applied() {
    let r = only_repo(&one_repo(""));
    assert_eq!(r.name, "betekk-app");
    assert_eq!(r.settings.image_tag_mutability, TagMutability::Immutable);
    assert!(r.scan_on_push);
    assert_eq!(r.settings.encryption, Encryption::Aes256);
    assert!(!r.force_delete);
    assert_eq!(r.settings.lifecycle_policy, None);
    assert_eq!(r.settings.repository_policy, None);
    assert_eq!(r.tags, ownership_tags("test"));
    let s = spec(&one_repo(""));
    assert_eq!(s.desired.project_prefix, "betekk");
    assert_eq!(s.desired.region, "ap-southeast-1");
    assert!(s.placement.regions.is_empty());
}

#[test]
fn written_values_replace_the_defaults() {
    let r = only_repo(&one_repo(
        "image_tag_mutability: MUTABLE\nscan_on_push: false\nforce_delete: true\nencryption:\n  type: KMS\n  kms_key: alias/ecr",
    ));
    assert_eq!(
        r,
        repo("betekk-app")
            .mutable()
            .scan_on_push(false)
            .force_delete()
            .kms("alias/ecr")
            .build()
    );
}

#[test]
fn kms_types_read_with_and_without_a_key() {
    let cases = [
        ("encryption: {type: KMS}", Encryption::Kms { kms_key: None }),
        (
            "encryption: {type: KMS_DSSE}",
            Encryption::KmsDsse { kms_key: None },
        ),
        (
            "encryption: {type: KMS_DSSE, kms_key: alias/ecr}",
            Encryption::KmsDsse {
                kms_key: Some("alias/ecr".into()),
            },
        ),
        (
            "encryption: {type: KMS, kms_key: 1234abcd-12ab-34cd-56ef-1234567890ab}",
            Encryption::Kms {
                kms_key: Some("1234abcd-12ab-34cd-56ef-1234567890ab".into()),
            },
        ),
        ("encryption: {}", Encryption::Aes256),
    ];
    for (yaml, want) in cases {
        assert_eq!(
            only_repo(&one_repo(yaml)).settings.encryption,
            want,
            "{yaml}"
        );
    }
}

#[test]
fn prefix_placeholders_are_expanded_in_names() {
    let s = spec(
        "version: 1\nstack: test\nproject_prefix: acme\nregion: eu-west-1\nrepositories:\n  - name: \"{prefix}-app\"\n  - name: \"{prefix}/tools/{prefix}-ci\"\n",
    );
    let names: Vec<&str> = s
        .desired
        .all::<Repository>()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["acme-app", "acme/tools/acme-ci"]);
    assert_eq!(s.desired.project_prefix, "acme");
    assert_eq!(s.desired.region, "eu-west-1");
    assert!(!s.placement.regions.is_empty());
}

#[test]
fn environment_and_common_tags_merge_with_resource_tags_which_win() {
    let yaml = "version: 1\nstack: probe\nenvironment: prod\ntags:\n  Team: platform\n  CostCenter: 42\nrepositories:\n  - name: betekk-app\n    tags:\n      Team: data\n      Service: app\n";
    let r = only_repo(yaml);
    assert_eq!(
        r.tags,
        tags(&[
            ("CostCenter", "42"),
            ("Environment", "prod"),
            (MANAGED_BY_TAG, MANAGED_BY_VALUE),
            ("Service", "app"),
            (STACK_TAG, "probe"),
            ("Team", "data"),
        ])
    );
}

#[test]
fn a_repository_cannot_override_the_ownership_tags() {
    // Environment is an ordinary tag and may be overridden; the ownership tags may not.
    let r = only_repo(&one_repo("tags:\n  Environment: staging"));
    assert_eq!(
        r.tags.get("Environment").map(String::as_str),
        Some("staging")
    );
    assert!(!spec_errors(&one_repo("tags:\n  ManagedBy: x")).is_empty());
}

#[test]
fn a_repository_policy_may_be_yaml_or_a_json_string() {
    let as_yaml = only_repo(&one_repo(
        "repository_policy:\n  Version: \"2012-10-17\"\n  Statement:\n    - Sid: Pull\n      Effect: Allow\n      Principal:\n        AWS: \"123456789012\"\n      Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]",
    ));
    let as_json = only_repo(&one_repo(&format!("repository_policy: '{PULL_POLICY}'")));
    let expected = PolicyDocument::parse(PULL_POLICY).unwrap();
    assert_eq!(as_yaml.settings.repository_policy.as_ref(), Some(&expected));
    assert_eq!(as_json.settings.repository_policy.as_ref(), Some(&expected));
    // The text sent to AWS is the document as written, not the canonical form.
    assert_eq!(
        as_json.settings.repository_policy.unwrap().to_json_string(),
        serde_json::from_str::<serde_json::Value>(PULL_POLICY)
            .unwrap()
            .to_string()
    );
}

/// A spec of one repository whose lifecycle policy has these rules (each a flow mapping).
fn lifecycle(rules: &[&str]) -> String {
    let mut fields = String::from("lifecycle_policy:\n  rules:\n");
    for rule in rules {
        fields.push_str(&format!("    - {rule}\n"));
    }
    one_repo(&fields)
}

#[test]
fn each_lifecycle_form_mistake_is_reported_where_it_is_written() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "not_pulled_for_days without action: archive",
            lifecycle(&["{priority: 1, tag_status: any, not_pulled_for_days: 90}"]),
            vec![
                "test.yaml:7:42: repositories[0].lifecycle_policy.rules[0].not_pulled_for_days: ECR archives images by their last pull, and does not expire them by it: add action: archive",
            ],
        ),
        (
            "not_pulled_for_days with action: expire written out",
            lifecycle(&[
                "{priority: 1, tag_status: untagged, not_pulled_for_days: 90, action: expire}",
            ]),
            vec![
                "test.yaml:7:47: repositories[0].lifecycle_policy.rules[0].not_pulled_for_days: ECR archives images by their last pull, and does not expire them by it: add action: archive",
            ],
        ),
        (
            "archive by push date",
            lifecycle(&["{priority: 1, tag_status: any, expire_after_days: 30, action: archive}"]),
            vec![
                "test.yaml:7:65: repositories[0].lifecycle_policy.rules[0].action: action: archive goes with not_pulled_for_days only (ECR archives images by their last pull), not with expire_after_days",
            ],
        ),
        (
            "archive by count",
            lifecycle(&["{priority: 1, tag_status: any, keep_last: 5, action: archive}"]),
            vec![
                "test.yaml:7:56: repositories[0].lifecycle_policy.rules[0].action: action: archive goes with not_pulled_for_days only (ECR archives images by their last pull), not with keep_last",
            ],
        ),
        (
            "archiving what is archived",
            lifecycle(&["{priority: 1, tag_status: any, archived_for_days: 120, action: archive}"]),
            vec![
                "test.yaml:7:66: repositories[0].lifecycle_policy.rules[0].action: action: archive goes with not_pulled_for_days only (ECR archives images by their last pull), not with archived_for_days",
            ],
        ),
        (
            "archived images deleted before the 90-day minimum",
            lifecycle(&["{priority: 1, tag_status: any, archived_for_days: 30}"]),
            vec![
                "test.yaml:7:42: repositories[0].lifecycle_policy.rules[0].archived_for_days: ECR keeps an archived image at least 90 days; expected 90 or more, got 30",
            ],
        ),
        (
            "two counts of the new kinds",
            lifecycle(&[
                "{priority: 1, tag_status: any, not_pulled_for_days: 90, archived_for_days: 90, action: archive}",
            ]),
            vec![
                "test.yaml:7:67: repositories[0].lifecycle_policy.rules[0].archived_for_days: use one of keep_last, expire_after_days, not_pulled_for_days or archived_for_days, not several (this rule also has not_pulled_for_days)",
            ],
        ),
        (
            "an unknown action",
            lifecycle(&[
                "{priority: 1, tag_status: any, not_pulled_for_days: 90, action: transition}",
            ]),
            vec![
                r#"test.yaml:7:67: repositories[0].lifecycle_policy.rules[0].action: expected expire or archive, got "transition""#,
            ],
        ),
        (
            "not_pulled_for_days 0",
            lifecycle(&["{priority: 1, tag_status: any, not_pulled_for_days: 0, action: archive}"]),
            vec![
                "test.yaml:7:42: repositories[0].lifecycle_policy.rules[0].not_pulled_for_days: expected a whole number from 1 to 1000000, got 0",
            ],
        ),
        (
            "too many wildcards in a pattern",
            lifecycle(&[
                "{priority: 1, tag_status: tagged, tag_patterns: [\"a*b*c*d*e*\"], keep_last: 3}",
            ]),
            vec![
                r#"test.yaml:7:45: repositories[0].lifecycle_policy.rules[0].tag_patterns: "a*b*c*d*e*" has 5 wildcards; ECR allows at most 4 * in one pattern"#,
            ],
        ),
        (
            "an archive rule of tag status any before another rule",
            lifecycle(&[
                "{priority: 1, tag_status: any, not_pulled_for_days: 90, action: archive}",
                "{priority: 2, tag_status: untagged, expire_after_days: 7}",
            ]),
            vec![
                "test.yaml:7:11: repositories[0].lifecycle_policy.rules[0].tag_status: a rule with tag_status: any must have the highest priority number of all rules",
            ],
        ),
        (
            "a storage class is not the spec's to say",
            lifecycle(&[
                "{priority: 1, tag_status: any, archived_for_days: 90, storage_class: archive}",
            ]),
            vec![
                "test.yaml:7:65: repositories[0].lifecycle_policy.rules[0].storage_class: unknown field; allowed here: priority, description, tag_status, tag_prefixes, tag_patterns, keep_last, expire_after_days, not_pulled_for_days, archived_for_days, action",
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn archive_rules_read_into_the_canonical_policy() {
    use crate::model::{LifecycleAction, LifecycleRule};
    let r = only_repo(&lifecycle(&[
        "{priority: 3, tag_status: any, archived_for_days: 365}",
        "{priority: 1, tag_status: tagged, tag_patterns: [\"release-*\"], not_pulled_for_days: 120, action: archive}",
        "{priority: 2, tag_status: untagged, not_pulled_for_days: 90, action: archive, description: Archive unpulled builds}",
    ]));
    let mut releases = LifecycleRule::new(1, TagStatus::Tagged);
    releases.tag_patterns = vec!["release-*".into()];
    releases.not_pulled_for_days = Some(120);
    releases.action = LifecycleAction::Archive;
    let mut untagged = LifecycleRule::new(2, TagStatus::Untagged);
    untagged.description = Some("Archive unpulled builds".into());
    untagged.not_pulled_for_days = Some(90);
    untagged.action = LifecycleAction::Archive;
    let mut archived = LifecycleRule::new(3, TagStatus::Any);
    archived.archived_for_days = Some(365);
    assert_eq!(
        r.settings.lifecycle_policy,
        Some(LifecyclePolicy::from_rules(vec![
            releases, untagged, archived
        ]))
    );
}

#[test]
fn the_lifecycle_reader_serves_any_field_path() {
    // Another owner (a repository creation template) puts the same table under its own field.
    let text = "rules:\n  - {priority: 1, tag_status: any, archived_for_days: 10}\n";
    let node = crate::spec::yaml::parse(text).unwrap();
    let mut r = crate::spec::reader::Reader::new("t.yaml");
    assert_eq!(
        crate::spec::lifecycle::read(&mut r, &node, "templates[0].lifecycle_policy"),
        None
    );
    let errors: Vec<String> = r
        .diags
        .into_items()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(
        errors,
        [
            "t.yaml:2:36: templates[0].lifecycle_policy.rules[0].archived_for_days: ECR keeps an archived image at least 90 days; expected 90 or more, got 10"
        ]
    );
}

#[test]
fn lifecycle_rules_read_into_the_canonical_policy() {
    let r = only_repo(&one_repo(
        "lifecycle_policy:\n  rules:\n    - priority: 2\n      tag_status: untagged\n      expire_after_days: 14\n    - priority: 1\n      description: Keep releases\n      tag_status: tagged\n      tag_prefixes: [v]\n      keep_last: 50",
    ));
    let mut expected = keep_releases_expire_untagged(50, 14);
    if let LifecyclePolicy::Rules { rules } = &mut expected {
        rules[0].description = Some("Keep releases".into());
    }
    assert_eq!(r.settings.lifecycle_policy, Some(expected));
    let Some(LifecyclePolicy::Rules { rules }) = &r.settings.lifecycle_policy else {
        unreachable!()
    };
    assert_eq!(rules[1].tag_status, TagStatus::Untagged);
}

#[test]
fn an_empty_repositories_list_is_a_valid_spec() {
    let s = spec("version: 1\nstack: test\nrepositories: []\n");
    assert!(s.desired.resources.is_empty());
    let s = spec("version: 1\nstack: test\n");
    assert!(s.desired.resources.is_empty());
}

#[test]
fn too_many_tags_are_reported_where_they_are_written() {
    let common: String = (0..48).map(|i| format!("  T{i:02}: v\n")).collect();
    // 48 written + ManagedBy + betekk-ecr:stack + betekk-ecr:applied: too many for every
    // repository, said once.
    let yaml = format!(
        "version: 1\nstack: test\ntags:\n{common}repositories:\n  - name: betekk-a\n  - name: betekk-b\n"
    );
    assert_eq!(
        spec_errors(&yaml),
        [
            "test.yaml:3:1: tags: 51 tags with the ones betekk-ecr adds to every resource (ManagedBy, betekk-ecr:stack, betekk-ecr:applied); AWS allows at most 50 per resource"
        ]
    );

    let common: String = (0..44).map(|i| format!("  T{i:02}: v\n")).collect();
    let own: String = (0..7).map(|i| format!("      R{i}: v\n")).collect();
    let yaml = format!(
        "version: 1\nstack: test\ntags:\n{common}repositories:\n  - name: betekk-a\n    tags:\n{own}"
    );
    assert_eq!(
        spec_errors(&yaml),
        [
            "test.yaml:50:5: repositories[0].tags: 54 tags with betekk-ecr:applied; AWS allows at most 50 per resource"
        ]
    );
}

// IAM: the github section, roles and their trust, policies.

/// A spec with one push policy `betekk-push` and one role `BETEKK-ci`, with `fields` added to the
/// role (indented 4, from line 8 on).
fn one_role(fields: &str) -> String {
    let mut out = String::from(
        "version: 1\nstack: test\npolicies:\n  - name: \"{prefix}-push\"\n    ecr_push: [\"{prefix}-app\"]\nroles:\n  - name: \"{PREFIX}-ci\"\n",
    );
    for line in fields.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// A spec with the policy `betekk-p`, `fields` added to it (indented 4, from line 5 on).
fn one_policy(fields: &str) -> String {
    let mut out = String::from("version: 1\nstack: test\npolicies:\n  - name: \"{prefix}-p\"\n");
    for line in fields.lines() {
        out.push_str("    ");
        out.push_str(line);
        out.push('\n');
    }
    out
}

fn only_role(yaml: &str) -> crate::model::Role {
    let spec = spec(yaml);
    let roles: Vec<&crate::model::Role> = spec.desired.all::<Role>().collect();
    assert_eq!(roles.len(), 1);
    roles[0].clone()
}

fn only_policy_document(yaml: &str) -> serde_json::Value {
    let spec = spec(yaml);
    let policies: Vec<_> = spec.desired.all::<ManagedPolicy>().collect();
    assert_eq!(policies.len(), 1);
    policies[0]
        .document
        .bind(&crate::model::Env::placeholder(REGION))
        .original()
        .clone()
}

/// The `sub` claims a role's trust policy lets in, as written in it.
fn trusted_subjects(role: &crate::model::Role) -> Vec<String> {
    let doc = role.trust_policy.original();
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{doc}");
    serde_json::from_value(
        statements[0]["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"].clone(),
    )
    .unwrap()
}

/// `n` repositories named `service-00`, `service-01`, … as a flow list.
fn many_repositories(n: usize) -> String {
    let names: Vec<String> = (0..n).map(|i| format!("service-{i:02}")).collect();
    format!("[{}]", names.join(", "))
}

#[test]
fn each_iam_mistake_is_reported_with_position_field_and_what_is_allowed() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "any repository without allow_any_repository",
            one_role("github_trust:\n  repositories: [\"*\"]"),
            vec![
                r#"test.yaml:9:22: roles[0].github_trust.repositories: "*" lets every matching repository of each organization assume the role; set allow_any_repository: true on the role if that is meant"#,
            ],
        ),
        (
            "a repository pattern without allow_any_repository",
            one_role("github_trust:\n  repositories: [app, \"app-*\"]"),
            vec![
                r#"test.yaml:9:27: roles[0].github_trust.repositories: "app-*" lets every matching repository of each organization assume the role; set allow_any_repository: true on the role if that is meant"#,
            ],
        ),
        (
            "a repository with its organization",
            one_role("github_trust:\n  repositories: [betekk/app]"),
            vec![
                r#"test.yaml:9:22: roles[0].github_trust.repositories: "betekk/app" is not a repository name; give the name without the organization"#,
            ],
        ),
        (
            "a subject written as the whole claim",
            one_role(
                "github_trust:\n  repositories: [app]\n  subjects: [\"repo:betekk/app:ref:refs/heads/main\"]",
            ),
            vec![
                r#"test.yaml:10:7: roles[0].github_trust.subjects: "repo:betekk/app:ref:refs/heads/main": give only the part after repo:ORG/REPO: ("*", "ref:refs/heads/main", "environment:prod", "pull_request")"#,
            ],
        ),
        (
            "no github_trust",
            one_role("policies: [\"{prefix}-push\"]"),
            vec![
                "test.yaml:7:5: roles[0].github_trust: missing; say which GitHub repositories may assume the role (or, with trust:, which AWS principals and services)",
            ],
        ),
        (
            "a policy the spec does not define",
            one_role(
                "github_trust:\n  repositories: [app]\npolicies: [\"{prefix}-push\", \"{prefix}-nope\"]",
            ),
            vec![
                r#"test.yaml:10:5: roles[0].policies: no policy named "betekk-nope" in this spec; name one of its policies, or give the ARN of an existing policy"#,
            ],
        ),
        (
            "an ARN that is not a policy's",
            one_role(
                "github_trust:\n  repositories: [app]\npolicies: [\"arn:aws:iam::123456789012:role/x\"]",
            ),
            vec![
                r#"test.yaml:10:5: roles[0].policies: "arn:aws:iam::123456789012:role/x" is not a policy ARN; expected arn:PARTITION:iam::ACCOUNT:policy/NAME"#,
            ],
        ),
        (
            "max_session_duration under an hour",
            one_role("github_trust:\n  repositories: [app]\nmax_session_duration: 3599"),
            vec![
                "test.yaml:10:5: roles[0].max_session_duration: expected a whole number from 3600 to 43200, got 3599",
            ],
        ),
        (
            "max_session_duration over twelve hours",
            one_role("github_trust:\n  repositories: [app]\nmax_session_duration: 43201"),
            vec![
                "test.yaml:10:5: roles[0].max_session_duration: expected a whole number from 3600 to 43200, got 43201",
            ],
        ),
        (
            "a trust policy over IAM's hard limit",
            one_role(&format!(
                "github_trust:\n  repositories: {}",
                many_repositories(70)
            )),
            vec![
                "test.yaml:8:5: roles[0].github_trust: the trust policy would have 4206 characters; IAM allows at most 4096: trust fewer repositories or subjects",
            ],
        ),
        (
            "a policy with nothing in it",
            one_policy("description: nothing"),
            vec![
                "test.yaml:4:5: policies[0]: a policy needs ecr_push, lambda_deploy, statements or document",
            ],
        ),
        (
            "ecr_push with no repository",
            one_policy("ecr_push: []"),
            vec!["test.yaml:5:5: policies[0].ecr_push: needs at least one repository name"],
        ),
        (
            "lambda_deploy: a function with an unknown placeholder",
            one_policy("lambda_deploy:\n  functions: [\"{prefix}-svc\", \"{project}-worker\"]"),
            vec![
                "test.yaml:6:7: policies[0].lambda_deploy.functions: unknown placeholder {project}; expanded are {prefix}, {PREFIX}, {account}, {partition} and {region}",
            ],
        ),
        (
            "lambda_deploy with no function",
            one_policy("lambda_deploy:\n  functions: []"),
            vec![
                "test.yaml:6:7: policies[0].lambda_deploy.functions: needs at least one function name (patterns with * allowed)",
            ],
        ),
        (
            "an invalid organization",
            "version: 1\nstack: test\ngithub:\n  organizations: [\"nus cee\"]\n".into(),
            vec![
                r#"test.yaml:4:19: github.organizations: invalid organization "nus cee"; allowed: letters, digits and '-'"#,
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn github_organizations_default_to_the_migration_pair() {
    let role = only_role(&one_role("github_trust:\n  repositories: [app]"));
    assert_eq!(
        trusted_subjects(&role),
        ["repo:nus-cee/app:*", "repo:betekk/app:*"]
    );
}

#[test]
fn the_trust_policy_lets_in_every_organization_repository_and_subject() {
    let yaml = one_role(
        "github_trust:\n  repositories: [api, web]\n  subjects: [\"ref:refs/heads/main\", \"environment:prod\"]",
    )
    .replace(
        "policies:\n",
        "github:\n  organizations: [acme, acme-labs]\npolicies:\n",
    );
    let role = only_role(&yaml);
    assert_eq!(
        trusted_subjects(&role),
        [
            "repo:acme/api:ref:refs/heads/main",
            "repo:acme/api:environment:prod",
            "repo:acme/web:ref:refs/heads/main",
            "repo:acme/web:environment:prod",
            "repo:acme-labs/api:ref:refs/heads/main",
            "repo:acme-labs/api:environment:prod",
            "repo:acme-labs/web:ref:refs/heads/main",
            "repo:acme-labs/web:environment:prod",
        ]
    );
    let doc = role.trust_policy.original();
    let statement = &doc["Statement"][0];
    assert_eq!(statement["Action"], "sts:AssumeRoleWithWebIdentity");
    assert_eq!(
        statement["Principal"]["Federated"],
        "arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
    );
    assert_eq!(
        statement["Condition"]["StringEquals"]["token.actions.githubusercontent.com:aud"],
        serde_json::json!(["sts.amazonaws.com"])
    );
}

#[test]
fn any_repository_is_allowed_when_the_role_says_so() {
    let role = only_role(&one_role(
        "allow_any_repository: true\ngithub_trust:\n  repositories: [\"*\"]\n  subjects: [pull_request]",
    ));
    assert_eq!(
        trusted_subjects(&role),
        ["repo:nus-cee/*:pull_request", "repo:betekk/*:pull_request"]
    );
}

#[test]
fn a_trust_policy_over_the_default_quota_is_a_warning_naming_its_size() {
    let s = spec(&one_role(&format!(
        "github_trust:\n  repositories: {}",
        many_repositories(40)
    )));
    let warnings: Vec<String> = s.warnings.iter().map(ToString::to_string).collect();
    assert_eq!(
        warnings,
        [
            "test.yaml:8:5: warning: roles[0].github_trust: the trust policy would have 2556 characters, above IAM's default quota of 2048; the account needs a raised quota (up to 4096)"
        ]
    );
    assert_eq!(
        s.desired.all::<Role>().count(),
        1,
        "the spec is still valid"
    );
    let size = s
        .desired
        .all::<Role>()
        .next()
        .unwrap()
        .trust_policy
        .bind(&crate::model::Env::placeholder(REGION))
        .size();
    assert_eq!(size, 2556);
    // Under the quota: no warning.
    assert!(
        spec(&one_role("github_trust:\n  repositories: [app]"))
            .warnings
            .is_empty()
    );
}

#[test]
fn ecr_push_grants_push_and_pull_on_exactly_the_named_repositories() {
    let doc = only_policy_document(&one_policy(
        "ecr_push: [\"{prefix}-app\", \"{prefix}/tools\"]",
    ));
    let statements = doc["Statement"].as_array().unwrap();
    let strings = |v: &serde_json::Value| -> Vec<String> {
        match v {
            serde_json::Value::String(s) => vec![s.clone()],
            other => serde_json::from_value(other.clone()).unwrap(),
        }
    };
    let mut scoped = 0;
    for statement in statements {
        assert_eq!(statement["Effect"], "Allow", "{statement}");
        let actions = strings(&statement["Action"]);
        let resources = strings(&statement["Resource"]);
        for forbidden in [
            "ecr:DeleteRepository",
            "ecr:SetRepositoryPolicy",
            "ecr:BatchDeleteImage",
            "ecr:*",
            "*",
        ] {
            assert!(
                !actions.iter().any(|a| a == forbidden),
                "{forbidden}: {statement}"
            );
        }
        assert!(actions.iter().all(|a| a.starts_with("ecr:")), "{statement}");
        if actions == ["ecr:GetAuthorizationToken"] {
            // Logging in to the registry cannot be scoped to a repository.
            assert_eq!(resources, ["*"]);
        } else {
            assert_eq!(
                resources,
                [
                    "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-app",
                    "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk/tools",
                ],
                "{statement}"
            );
            assert!(actions.contains(&"ecr:PutImage".to_string()));
            assert!(actions.contains(&"ecr:BatchGetImage".to_string()));
            scoped += 1;
        }
    }
    assert_eq!(scoped, 1, "{doc}");
}

#[test]
fn lambda_deploy_is_scoped_to_the_named_functions() {
    let doc = only_policy_document(&one_policy(
        "lambda_deploy:\n  functions: [\"{prefix}-svc-*\", \"{prefix}-worker\"]",
    ));
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 1, "{doc}");
    let statement = &statements[0];
    assert_eq!(
        statement["Resource"],
        serde_json::json!([
            "arn:aws:lambda:ap-southeast-1:123456789012:function:betekk-svc-*",
            "arn:aws:lambda:ap-southeast-1:123456789012:function:betekk-worker",
        ])
    );
    let actions: Vec<String> = serde_json::from_value(statement["Action"].clone()).unwrap();
    assert!(
        actions
            .iter()
            .all(|a| a.starts_with("lambda:") && !a.contains('*')),
        "{actions:?}"
    );
    assert!(actions.contains(&"lambda:UpdateFunctionCode".to_string()));
}

#[test]
fn init_writes_a_valid_spec_of_the_standard_set() {
    let s = spec(&crate::commands::init::starter_spec(
        "probe-engine",
        "betekk",
    ));
    assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    let addresses: Vec<String> = s
        .desired
        .resources
        .iter()
        .map(|r| r.address().to_string())
        .collect();
    assert_eq!(
        addresses,
        [
            "repository.betekk-probe-engine",
            "oidc_provider.token.actions.githubusercontent.com",
            "policy.betekk-ECRUploadPolicy",
            "policy.betekk-LambdaDeployPolicy",
            "policy.betekk-DriftReadPolicy",
            "role.BETEKK-GithubWorkflowsUploadRole",
            "role.BETEKK-GithubWorkflowsLambdaDeployRole",
            "role.BETEKK-GithubWorkflowsDriftRole",
        ]
    );
    let roles: Vec<_> = s.desired.all::<Role>().collect();
    assert_eq!(
        roles[0].policies,
        ["arn:{partition}:iam::{account}:policy/betekk-ECRUploadPolicy"]
    );
    assert_eq!(
        trusted_subjects(roles[0]),
        [
            "repo:nus-cee/probe-engine:ref:refs/tags/v*",
            "repo:betekk/probe-engine:ref:refs/tags/v*"
        ]
    );
    assert!(s.desired.all::<OidcProvider>().next().unwrap().manage);
}

/// The malformed ARNs that once passed validate, and then failed half-applied.
#[test]
fn malformed_arns_and_keys_are_spec_errors_where_they_are_written() {
    let cases = [
        (
            one_repo("encryption: {type: KMS, kms_key: \"arn:aws:kms:::\"}"),
            "repositories[0].encryption.kms_key: \"arn:aws:kms:::\" is not a KMS key ARN",
        ),
        (
            one_repo("encryption: {type: KMS, kms_key: \"not a key!\"}"),
            "repositories[0].encryption.kms_key: \"not a key!\" is not a KMS key",
        ),
        (
            one_repo("encryption: {type: KMS_DSSE, kms_key: \"not a key!\"}"),
            "repositories[0].encryption.kms_key: \"not a key!\" is not a KMS key",
        ),
        (
            one_role(
                "github_trust: {repositories: [app]}\npolicies: [\"arn:aws:iam::notanaccount:policy/x\"]",
            ),
            "roles[0].policies: \"arn:aws:iam::notanaccount:policy/x\": the account must be 12 digits",
        ),
        (
            one_role(
                "github_trust: {repositories: [app]}\npolicies: [\"arn:aws:iam::123456789012:policy/\"]",
            ),
            "roles[0].policies: \"arn:aws:iam::123456789012:policy/\": the policy name must be",
        ),
        (
            one_role(
                "github_trust: {repositories: [app]}\npolicies: [\"arn:aws:s3:::x:policy/y\"]",
            ),
            "roles[0].policies: \"arn:aws:s3:::x:policy/y\" is not an IAM policy ARN",
        ),
        (
            one_role(
                "github_trust: {repositories: [app]}\npermissions_boundary: \"arn:aws:iam::123456789012:policy/\"",
            ),
            "roles[0].permissions_boundary: \"arn:aws:iam::123456789012:policy/\"",
        ),
    ];
    for (yaml, wanted) in cases {
        let errors = spec_errors(&yaml);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains(wanted), "{wanted}\n  in {errors:?}");
    }
}

#[test]
fn a_managed_policy_may_be_a_whole_document_and_statements_may_say_not_action() {
    let whole = only_policy_document(&one_policy(
        "document: '{\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Deny\",\"NotAction\":[\"ecr:*\"],\"NotResource\":\"arn:{partition}:ecr:{region}:{account}:repository/{prefix}-*\"}]}'",
    ));
    let raw = only_policy_document(&one_policy(
        "statements:\n  - {effect: Deny, not_actions: [\"ecr:*\"], not_resources: [\"arn:{partition}:ecr:{region}:{account}:repository/{prefix}-*\"]}",
    ));
    let doc = |v: serde_json::Value| PolicyDocument::from_json(v).unwrap();
    assert_eq!(doc(whole.clone()), doc(raw), "the two forms mean the same");
    assert_eq!(
        whole["Statement"][0]["NotResource"],
        "arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-*"
    );
    let errors = spec_errors(&one_policy(
        "statements: [{actions: [\"a:b\"], not_actions: [\"a:c\"], resources: [\"*\"]}]",
    ));
    assert_eq!(
        errors,
        [
            "test.yaml:5:37: policies[0].statements[0].not_actions: give actions or not_actions, not both"
        ]
    );
    let errors = spec_errors(&one_policy(
        "ecr_push: [app]\ndocument: {Version: \"2012-10-17\", Statement: []}",
    ));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("a whole document cannot be combined"),
        "{errors:?}"
    );
}

#[test]
fn strict_findings_name_their_place_and_the_fix() {
    let yaml = "version: 1\nstack: t\nrepositories:\n  - name: app\n    image_tag_mutability: MUTABLE\n    scan_on_push: false\n  - name: safe\npolicies:\n  - name: push\n    ecr_push: [app]\n  - name: everywhere\n    statements: [{actions: [\"ecr:*\"], resources: [\"*\"]}]\nroles:\n  - name: ci\n    github_trust: {repositories: [app, {name: web, id: 5}], subjects: [\"*\"]}\n    policies: [push]\n  - name: pinned\n    github_trust: {repositories: [{name: web, id: 5}], subjects: [\"*\"]}\n";
    let s = spec(yaml);
    let lints: Vec<String> = s.lints.iter().map(ToString::to_string).collect();
    assert_eq!(
        lints,
        [
            "test.yaml:4:5: strict: repositories[0].image_tag_mutability: MUTABLE lets a pushed tag be overwritten, so what runs under a tag can change; use IMMUTABLE with unique tags",
            "test.yaml:4:5: strict: repositories[0].scan_on_push: images are not scanned for vulnerabilities when pushed; set scan_on_push: true",
            "test.yaml:11:5: strict: policies[1]: allows ecr:PutImage on every repository (Resource \"*\"); name the repositories (ecr_push does)",
            "test.yaml:15:5: strict: roles[0].github_trust: subjects [\"*\"] lets every branch, tag, pull request and environment of the trusted repositories push images; narrow it, e.g. subjects: [\"ref:refs/heads/main\"] or [\"environment:prod\"]",
            "test.yaml:15:5: strict: roles[0].github_trust: trusts app without GitHub's id: a repository re-created under the same name would get in; give {name: NAME, id: ID} (gh api repos/ORG/NAME --jq .id)",
        ],
        "the pinned role cannot push: its subjects are no finding"
    );
    assert!(
        s.warnings.is_empty(),
        "findings are not warnings: {:?}",
        s.warnings
    );
    // A hardened spec has none.
    let clean = "version: 1\nstack: t\nrepositories:\n  - name: app\npolicies:\n  - name: push\n    ecr_push: [app]\nroles:\n  - name: ci\n    github_trust: {repositories: [{name: app, id: 1}], subjects: [\"ref:refs/heads/main\"]}\n    policies: [push]\n";
    assert!(spec(clean).lints.is_empty(), "{:?}", spec(clean).lints);
}

#[test]
fn the_starter_spec_passes_strict_once_github_ids_are_given() {
    let starter = crate::commands::init::starter_spec("svc", "betekk");
    let lints: Vec<String> = spec(&starter)
        .lints
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        !lints.is_empty() && lints.iter().all(|l| l.contains("without GitHub's id")),
        "only the missing ids remain: {lints:#?}"
    );
    let with_ids = starter.replace(
        "repositories: [svc]",
        "repositories: [{name: svc, id: 1296269}]",
    );
    let lints = spec(&with_ids).lints;
    assert!(lints.is_empty(), "{lints:#?}");
}
