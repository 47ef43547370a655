//! Plans and reports of a spec applied to several targets and regions: one block per account and
//! region, in human form under a header line, in JSON as `targets` (schema_version 2).

use serde_json::{Value, json};

use super::Style;
use crate::spec::placement::Unit;

/// The schema of documents that group by target; single-target documents keep version 1.
pub const TARGETS_SCHEMA_VERSION: u32 = 2;

/// `── prod (111111111111) ap-southeast-1 ──`
pub fn header(unit: &Unit, style: Style) -> String {
    style.bold(&format!("── {} ──", unit.label()))
}

/// One target's entry: the single-target document without its `schema_version`, with the target.
pub fn entry(unit: &Unit, document: impl serde::Serialize) -> Value {
    let mut v = serde_json::to_value(document).expect("serializable");
    if let Some(map) = v.as_object_mut() {
        map.remove("schema_version");
        map.insert(
            "target".into(),
            json!(unit.target.as_ref().map(|t| &t.name)),
        );
        map.insert("region".into(), json!(unit.region()));
    }
    v
}

/// A target that could not be read or planned.
pub fn failed(unit: &Unit, error: &str) -> Value {
    json!({
        "target": unit.target.as_ref().map(|t| &t.name),
        "account": unit.target.as_ref().map(|t| &t.account),
        "region": unit.region(),
        "error": error,
    })
}

/// The document: `{"schema_version": 2, "stack": …, "targets": [...]}` plus `extra` fields.
pub fn document(stack: &str, targets: Vec<Value>, extra: Value) -> Value {
    let mut doc = json!({
        "schema_version": TARGETS_SCHEMA_VERSION,
        "stack": stack,
        "targets": targets,
    });
    if let (Some(map), Value::Object(extra)) = (doc.as_object_mut(), extra) {
        map.extend(extra);
    }
    doc
}

/// Prints the document on stdout.
pub fn print(stack: &str, targets: Vec<Value>, extra: Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(&document(stack, targets, extra)).expect("serializable")
    );
}
