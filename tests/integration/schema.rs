//! The spec's JSON Schema against the reader, for every spec the integration tests write (see
//! `Account::write_spec`), and `init` writing the schema beside the spec it points to.

use std::sync::OnceLock;

use crate::harness::{path_str, repo_root, run_cli, tempdir};

/// Panics when the reader accepts `yaml` and the schema does not, or the reader refuses it for an
/// unknown field and the schema accepts it.
#[track_caller]
pub fn assert_agreement(yaml: &str) {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(&betekk_ecr::spec::schema()).expect("a valid schema")
    });
    let reader = betekk_ecr::spec::parse(yaml, "spec.yaml");
    let Ok(instance) = serde_saphyr::from_str::<serde_json::Value>(yaml) else {
        assert!(
            reader.is_err(),
            "the reader accepts a text JSON cannot hold:\n{yaml}"
        );
        return;
    };
    let schema: Vec<String> = validator
        .iter_errors(&instance)
        .map(|e| e.to_string())
        .collect();
    match reader {
        Ok(_) => assert!(
            schema.is_empty(),
            "the schema refuses a good spec: {schema:#?}\n{yaml}"
        ),
        Err(e) if e.0.iter().any(|d| d.message.starts_with("unknown field")) => assert!(
            !schema.is_empty(),
            "the schema accepts an unknown field the reader refuses: {e}\n{yaml}"
        ),
        Err(_) => {}
    }
}

#[test]
fn init_writes_the_schema_its_first_line_points_to() {
    let dir = tempdir::Dir::new("init-schema");
    let spec = dir.path().join("betekk-ecr.yaml");
    run_cli(&["init", "probe-engine", "-o", path_str(&spec)], &[]).expect_code(0);
    let text = std::fs::read_to_string(&spec).unwrap();
    let first = text.lines().next().unwrap();
    assert_eq!(
        first,
        "# yaml-language-server: $schema=./betekk-ecr.schema.json"
    );
    let written = std::fs::read_to_string(dir.path().join("betekk-ecr.schema.json")).unwrap();
    let printed = run_cli(&["schema"], &[]);
    printed.expect_code(0);
    assert_eq!(written.trim_end(), printed.stdout.trim_end());
    let schema: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_agreement(&text);
    assert_agreement(
        &std::fs::read_to_string(repo_root().join("examples/probe-engine.yaml")).unwrap(),
    );
}
