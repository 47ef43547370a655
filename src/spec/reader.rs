//! Typed reads from the YAML tree: each read checks the shape, records a diagnostic at the node's
//! position when it is wrong, and returns `None` so reading can go on.

use std::collections::BTreeMap;

use super::diagnostic::{Diagnostics, did_you_mean, nearest, one_of, quoted};
use super::fields::{Field, names};
use super::yaml::{Key, Node, Pos, Value};

/// The reader's state: the diagnostics collected so far, and advice that `validate` gives once
/// (a risk worth knowing that is not a mistake in the spec).
pub(crate) struct Reader {
    pub(crate) diags: Diagnostics,
    pub(crate) notes: Vec<String>,
}

/// A mapping whose keys have been checked against the known field names.
pub(crate) struct Fields<'a> {
    pub(crate) path: String,
    entries: &'a [(Key, Node)],
}

impl<'a> Fields<'a> {
    pub(crate) fn get(&self, name: &str) -> Option<&'a Node> {
        self.entries
            .iter()
            .find(|(k, _)| k.name == name)
            .map(|(_, v)| v)
            .filter(|v| v.value != Value::Null)
    }

    /// The path of a field of this mapping.
    pub(crate) fn path_of(&self, name: &str) -> String {
        join(&self.path, name)
    }
}

pub(crate) fn join(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

pub(crate) fn index(path: &str, i: usize) -> String {
    format!("{path}[{i}]")
}

impl Reader {
    pub(crate) fn new(file: &str) -> Self {
        Reader {
            diags: Diagnostics::new(file),
            notes: Vec::new(),
        }
    }

    pub(crate) fn error(&mut self, pos: Pos, path: &str, message: impl Into<String>) {
        self.diags.error(pos, path, message);
    }

    fn wrong_type(&mut self, node: &Node, path: &str, expected: &str) {
        let got = describe(&node.value);
        self.error(node.pos, path, format!("expected {expected}, got {got}"));
    }

    /// A mapping with only the `known` keys; unknown keys are errors that suggest the nearest known
    /// one and list them all.
    pub(crate) fn fields<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
        table: &[Field],
    ) -> Option<Fields<'a>> {
        let known = names(table);
        let known = known.as_slice();
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a mapping");
            return None;
        };
        for (key, _) in entries {
            if !known.contains(&key.name.as_str()) {
                let field = join(path, &key.name);
                self.error(
                    key.pos,
                    &field,
                    match nearest(&key.name, known) {
                        Some(near) => format!(
                            "unknown field; did you mean {near}? allowed here: {}",
                            known.join(", ")
                        ),
                        None => format!("unknown field; allowed here: {}", known.join(", ")),
                    },
                );
            }
        }
        Some(Fields {
            path: path.to_string(),
            entries,
        })
    }

    pub(crate) fn string(&mut self, node: &Node, path: &str) -> Option<String> {
        match &node.value {
            Value::String(s) => Some(s.clone()),
            _ => {
                self.wrong_type(node, path, "a string");
                None
            }
        }
    }

    /// A string that must be one of `allowed`, exactly as written there; a near miss is named.
    pub(crate) fn one_of<T>(
        &mut self,
        node: &Node,
        path: &str,
        allowed: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<T> {
        let s = self.string(node, path)?;
        let parsed = parse(&s);
        if parsed.is_none() {
            let expected = one_of(allowed);
            self.error(
                node.pos,
                path,
                format!(
                    "expected {expected}, got {}{}",
                    quoted(&s),
                    did_you_mean(&s, allowed)
                ),
            );
        }
        parsed
    }

    pub(crate) fn bool(&mut self, node: &Node, path: &str) -> Option<bool> {
        match node.value {
            Value::Bool(b) => Some(b),
            _ => {
                self.wrong_type(node, path, "true or false");
                None
            }
        }
    }

    /// An integer within `min..=max`.
    pub(crate) fn int(&mut self, node: &Node, path: &str, min: i64, max: i64) -> Option<i64> {
        match node.value {
            Value::Int(i) if (min..=max).contains(&i) => Some(i),
            Value::Int(i) => {
                self.error(
                    node.pos,
                    path,
                    format!("expected a whole number from {min} to {max}, got {i}"),
                );
                None
            }
            _ => {
                self.wrong_type(node, path, "a whole number");
                None
            }
        }
    }

    /// A list of strings; a single string is not accepted, so that typos stay visible.
    pub(crate) fn strings(&mut self, node: &Node, path: &str) -> Option<Vec<String>> {
        let Value::Seq(items) = &node.value else {
            self.wrong_type(node, path, "a list of strings");
            return None;
        };
        let mut out = Vec::new();
        let mut ok = true;
        for (i, item) in items.iter().enumerate() {
            match self.string(item, &index(path, i)) {
                Some(s) => out.push(s),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    /// A list whose items are read by `item`.
    pub(crate) fn list<'a>(
        &mut self,
        node: &'a Node,
        path: &str,
    ) -> Option<Vec<(String, &'a Node)>> {
        let Value::Seq(items) = &node.value else {
            self.wrong_type(node, path, "a list");
            return None;
        };
        Some(
            items
                .iter()
                .enumerate()
                .map(|(i, n)| (index(path, i), n))
                .collect(),
        )
    }

    /// A mapping of strings to strings (tags). Numbers and booleans are taken as their text.
    pub(crate) fn string_map(
        &mut self,
        node: &Node,
        path: &str,
    ) -> Option<BTreeMap<String, String>> {
        let Value::Map(entries) = &node.value else {
            self.wrong_type(node, path, "a mapping of names to values");
            return None;
        };
        let mut out = BTreeMap::new();
        for (key, value) in entries {
            let field = join(path, &key.name);
            let text = match &value.value {
                Value::String(s) => s.clone(),
                Value::Int(i) => i.to_string(),
                Value::Float(f) => f.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => {
                    self.wrong_type(value, &field, "a string");
                    continue;
                }
            };
            out.insert(key.name.clone(), text);
        }
        Some(out)
    }
}

fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("the string {}", quoted(s)),
        Value::Int(i) => format!("the number {i}"),
        Value::Float(f) => format!("the number {f}"),
        Value::Bool(b) => format!("{b}"),
        other => other.type_name().to_string(),
    }
}
