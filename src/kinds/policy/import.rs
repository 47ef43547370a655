//! How `import` writes a managed policy: an item of `policies:`, its document as the spec's
//! statements where they can say it, else whole.

use std::fmt::Write;

use serde_json::Value;

use super::{ATTRIBUTES, ManagedPolicy};
use crate::import::section::{Context, Placement, Section};
use crate::import::text::{fields, q, tags_line};
use crate::model::Live;

impl Section for ManagedPolicy {
    const SECTION: Option<Placement> = Some(Placement {
        key: "policies",
        rank: 2,
        shared: false,
    });

    fn item(&self, live: &Live, ctx: &mut Context<'_>) -> Result<String, String> {
        let mut s = String::new();
        let _ = writeln!(s, "  - name: {}", q(&self.name));
        fields(&mut s, "    ", ATTRIBUTES, self);
        match statements(self.document.original()) {
            Ok(statements) => {
                let _ = writeln!(s, "    statements:");
                for st in statements {
                    let _ = writeln!(s, "      - {}", q(st));
                }
            }
            // What the statements form cannot say, the whole document can.
            Err(_) => {
                let _ = writeln!(s, "    document: {}", q(self.document.original()));
            }
        }
        tags_line(&mut s, &self.tags);
        // Roles come after policies in address order: they name it as the spec does.
        ctx.names.insert(live.arn.clone(), self.name.clone());
        Ok(s)
    }
}

/// Statements in the spec's raw form; `Err` when a statement uses what that form cannot say.
fn statements(doc: &Value) -> Result<Vec<Value>, String> {
    if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
        return Err("its document's Version is not 2012-10-17".into());
    }
    if doc.get("Id").is_some() {
        return Err("its document has an Id".into());
    }
    let list = match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err("its document has no statements".into()),
    };
    let as_list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    list.iter()
        .map(|st| {
            let obj = st.as_object().ok_or("a statement is not an object")?;
            if let Some(k) = obj.keys().find(|k| {
                ![
                    "Sid",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "NotResource",
                    "Condition",
                ]
                .contains(&k.as_str())
            }) {
                return Err(format!(
                    "a statement uses {k}, which the spec's statements cannot express"
                ));
            }
            let action = obj.get("Action").map(|a| ("actions", a));
            let action = action.or_else(|| obj.get("NotAction").map(|a| ("not_actions", a)));
            let resource = obj.get("Resource").map(|r| ("resources", r));
            let resource =
                resource.or_else(|| obj.get("NotResource").map(|r| ("not_resources", r)));
            let (Some((action_key, action)), Some((resource_key, resource))) = (action, resource)
            else {
                return Err("a statement lacks Action or Resource".into());
            };
            let mut out = serde_json::Map::new();
            if let Some(sid) = obj
                .get("Sid")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                out.insert("sid".into(), sid.into());
            }
            out.insert(
                "effect".into(),
                obj.get("Effect").cloned().unwrap_or("Allow".into()),
            );
            out.insert(action_key.into(), Value::Array(as_list(action)));
            out.insert(resource_key.into(), Value::Array(as_list(resource)));
            if let Some(c) = obj.get("Condition") {
                out.insert("conditions".into(), c.clone());
            }
            Ok(Value::Object(out))
        })
        .collect()
}
