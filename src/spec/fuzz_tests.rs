//! Fuzzing the spec reader, bounded so it runs in every test pass: specs built from the reader's
//! own vocabulary with values of every type, and the example specs with random edits. The reader
//! must never panic, and every error must point inside the text. `BETEKK_FUZZ_CASES` raises the
//! number of cases for a longer run (README, "Fuzzing").

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Map, Value};

use super::parse;

const KEYS: &[&str] = &[
    "version",
    "stack",
    "project_prefix",
    "environment",
    "region",
    "tags",
    "repositories",
    "github",
    "policies",
    "roles",
    "assume_role_grants",
    "name",
    "image_tag_mutability",
    "scan_on_push",
    "encryption",
    "type",
    "kms_key",
    "force_delete",
    "lifecycle_policy",
    "rules",
    "priority",
    "tag_status",
    "tag_prefixes",
    "tag_patterns",
    "keep_last",
    "expire_after_days",
    "not_pulled_for_days",
    "archived_for_days",
    "action",
    "repository_policy",
    "lambda_pull",
    "organizations",
    "id",
    "oidc_provider",
    "manage",
    "url",
    "client_ids",
    "thumbprints",
    "ecr_push",
    "lambda_deploy",
    "functions",
    "execution_roles",
    "statements",
    "sid",
    "effect",
    "actions",
    "not_actions",
    "resources",
    "not_resources",
    "conditions",
    "document",
    "description",
    "github_trust",
    "subjects",
    "claims",
    "trust",
    "aws",
    "services",
    "allow_any_repository",
    "max_session_duration",
    "permissions_boundary",
    "inline_policies",
    "user",
    "Version",
    "Statement",
    "Effect",
    "Action",
    "Resource",
];

const WORDS: &[&str] = &[
    "1",
    "IMMUTABLE",
    "MUTABLE",
    "KMS",
    "KMS_DSSE",
    "AES256",
    "archive",
    "expire",
    "90",
    "{prefix}-app",
    "{PREFIX}-Role",
    "{account}",
    "{nope}",
    "arn:aws:iam::123456789012:policy/x",
    "arn:aws:kms:::",
    "*",
    "repo:*",
    "ecr:*",
    "tagged",
    "untagged",
    "any",
    "v",
    "",
    "true",
    "ap-southeast-1",
    "environment",
    "prod",
    "lambda.amazonaws.com",
    "alias/x",
    "{",
    "}",
    "😀",
    "a\"b",
];

fn cases(default: u32) -> u32 {
    std::env::var("BETEKK_FUZZ_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A value of any type, keys and strings drawn from the vocabulary, up to a few levels deep.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::from(n % 100_000)),
        prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_string())),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS), inner), 0..6).prop_map(|kv| {
                Value::Object(
                    kv.into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect::<Map<_, _>>(),
                )
            }),
        ]
    })
}

/// Parses and checks the invariants: no panic (the runner catches one), errors inside the text.
fn check(text: &str) -> Result<(), TestCaseError> {
    let lines = text.lines().count().max(1) as u64 + 1;
    if let Err(e) = parse(text, "fuzz.yaml") {
        prop_assert!(!e.0.is_empty(), "an error without diagnostics");
        for d in &e.0 {
            prop_assert!(
                d.pos.line >= 1 && d.pos.line <= lines,
                "{d} outside {lines} lines"
            );
            prop_assert!(d.pos.column >= 1, "{d}");
        }
    }
    Ok(())
}

#[test]
fn specs_of_the_readers_own_vocabulary_never_crash_it() {
    let top = prop::collection::vec((prop::sample::select(KEYS), value()), 0..8).prop_map(|kv| {
        let mut map: Map<String, Value> = kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        map.insert("version".into(), Value::from(1));
        map.insert("stack".into(), Value::from("fuzz"));
        Value::Object(map)
    });
    let mut runner = TestRunner::new(Config {
        cases: cases(512),
        failure_persistence: None,
        ..Config::default()
    });
    // JSON is YAML: every generated value is a syntactically valid spec to read.
    runner.run(&top, |v| check(&v.to_string())).unwrap();
}

#[test]
fn example_specs_with_random_edits_never_crash_the_reader() {
    let examples = [
        include_str!("../../examples/probe-engine.yaml"),
        include_str!("../../examples/probe-engine-access.yaml"),
    ];
    let edits = prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0u8..4,
            prop::sample::select(
                &[
                    ":", "-", " ", "\n", "{", "[", "\"", "*", "&a", "*a", "!!int", "\t",
                ][..],
            ),
        ),
        1..8,
    );
    let mut runner = TestRunner::new(Config {
        cases: cases(512),
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&(0..examples.len(), edits), |(which, edits)| {
            let mut text: Vec<char> = examples[which].chars().collect();
            for (at, kind, piece) in edits {
                let i = at.index(text.len().max(1));
                match kind {
                    0 if !text.is_empty() => {
                        text.remove(i.min(text.len() - 1));
                    }
                    0 => {}
                    1 => text.splice(i..i, piece.chars()).for_each(drop),
                    2 => text.truncate(i),
                    _ => {
                        let j = (i + piece.len()).min(text.len());
                        text.splice(i..j, piece.chars()).for_each(drop);
                    }
                }
            }
            check(&text.into_iter().collect::<String>())
        })
        .unwrap();
}
