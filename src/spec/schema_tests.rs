//! The schema and the reader agree: every spec the reader accepts validates against the schema,
//! and every spec the reader refuses for an unknown field fails it. `testing::spec` and
//! `testing::spec_errors` check this for every spec the unit tests read; the tests here add the
//! examples, the starter spec and the schema's own shape.

use std::sync::OnceLock;

use serde_json::Value;

/// The schema's findings for a YAML text; `None` when the text is not YAML JSON can hold.
pub fn schema_errors(yaml: &str) -> Option<Vec<String>> {
    static VALIDATOR: OnceLock<jsonschema::Validator> = OnceLock::new();
    let validator = VALIDATOR.get_or_init(|| {
        jsonschema::draft202012::new(&super::schema()).expect("the schema is a valid schema")
    });
    let instance: Value = serde_saphyr::from_str(yaml).ok()?;
    Some(
        validator
            .iter_errors(&instance)
            .map(|e| format!("{}: {e}", e.instance_path()))
            .collect(),
    )
}

/// Panics when the reader's verdict and the schema's disagree.
#[track_caller]
pub fn assert_agreement(yaml: &str, reader: Result<(), &[String]>) {
    let Some(schema) = schema_errors(yaml) else {
        // Only a text the reader refuses may be something JSON cannot hold.
        assert!(
            reader.is_err(),
            "the reader accepts a text that is not JSON-shaped:\n{yaml}"
        );
        return;
    };
    match reader {
        Ok(()) => assert!(
            schema.is_empty(),
            "the reader accepts this spec, the schema does not: {schema:#?}\n{yaml}"
        ),
        Err(errors) if errors.iter().any(|e| e.contains(": unknown field")) => assert!(
            !schema.is_empty(),
            "the reader refuses an unknown field, the schema accepts it: {errors:#?}\n{yaml}"
        ),
        Err(_) => {}
    }
}

fn check_good(name: &str, yaml: &str) {
    crate::spec::parse(yaml, name).unwrap_or_else(|e| panic!("{name}: {e}"));
    let errors = schema_errors(yaml).expect("YAML");
    assert!(errors.is_empty(), "{name}: {errors:#?}");
}

#[test]
fn every_example_and_the_starter_spec_validate() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
            check_good(
                &path.display().to_string(),
                &std::fs::read_to_string(&path).unwrap(),
            );
            n += 1;
        }
    }
    assert!(n > 0, "no examples found");
    for (service, prefix) in [("probe-engine", "betekk"), ("api", "acme")] {
        check_good(
            "init",
            &crate::commands::init::starter_spec(service, prefix),
        );
    }
}

#[test]
fn an_unknown_field_anywhere_fails_the_schema_as_it_fails_the_reader() {
    let base = crate::commands::init::starter_spec("probe-engine", "betekk");
    // One typo per mapping of the starter spec, each the way a user would make it.
    for (from, to) in [
        ("stack: probe-engine", "stak: probe-engine"),
        ("    scan_on_push: true", "    scan_on_pull: true"),
        ("encryption: {type: AES256}", "encryption: {kind: AES256}"),
        ("          keep_last: 50", "          keep_latest: 50"),
        ("    manage: true ", "    managed: true "),
        ("  organizations:", "  organisations:"),
        ("    ecr_push: [", "    ecr_pushes: ["),
        ("      - sid: DriftRead", "      - sids: DriftRead"),
        (
            "      subjects: [\"ref:refs/heads/main\"]",
            "      subject: [\"ref:refs/heads/main\"]",
        ),
        (
            "    max_session_duration: 3600",
            "    session_duration: 3600",
        ),
    ] {
        assert_eq!(
            base.matches(from).count(),
            1,
            "{from:?} is not in the starter spec"
        );
        let bad = base.replacen(from, to, 1);
        let errors: Vec<String> = match crate::spec::parse(&bad, "bad.yaml") {
            Ok(_) => panic!("the reader accepts {to:?}"),
            Err(e) => e.0.iter().map(ToString::to_string).collect(),
        };
        assert!(
            errors.iter().any(|e| e.contains("unknown field")),
            "{to:?}: {errors:#?}"
        );
        let schema = schema_errors(&bad).expect("YAML");
        assert!(!schema.is_empty(), "the schema accepts {to:?}");
    }
}

#[test]
fn the_schema_is_draft_2020_12_and_describes_every_field() {
    let schema = super::schema();
    assert_eq!(
        schema["$schema"],
        "https://json-schema.org/draft/2020-12/schema"
    );
    assert_eq!(schema["required"], serde_json::json!(["version", "stack"]));
    let repository = &schema["properties"]["repositories"]["items"];
    assert_eq!(repository["additionalProperties"], false);
    assert_eq!(
        repository["properties"]["image_tag_mutability"]["enum"],
        serde_json::json!(["MUTABLE", "IMMUTABLE", null])
    );
    // Every property, at any depth, says what it is for.
    fn walk(v: &Value, path: &str) {
        if let Some(props) = v.get("properties").and_then(Value::as_object) {
            for (k, p) in props {
                let at = format!("{path}.{k}");
                assert!(
                    p.get("description")
                        .and_then(Value::as_str)
                        .is_some_and(|d| !d.is_empty()),
                    "{at} has no description"
                );
                walk(p, &at);
            }
        }
        for key in ["items", "additionalProperties"] {
            if let Some(inner) = v.get(key) {
                walk(inner, path);
            }
        }
        for key in ["anyOf", "oneOf"] {
            for inner in v.get(key).and_then(Value::as_array).into_iter().flatten() {
                walk(inner, path);
            }
        }
    }
    walk(&schema, "");
    // The reader's tables and the schema list the same top-level fields.
    let properties: Vec<&String> = schema["properties"].as_object().unwrap().keys().collect();
    let table: Vec<&str> = crate::spec::fields::names(crate::spec::TOP_LEVEL);
    assert_eq!(properties, table);
}
