//! A YAML document as a tree of nodes that remember where they were written.
//!
//! The spec reader walks this tree instead of deriving `Deserialize` on the spec types, so that every
//! error it reports can name the file, line, column and dotted field path together with what was
//! allowed. This module only parses; it knows nothing about what a spec means.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;

/// Where a node starts in the source text (1-based).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Pos {
    pub(crate) line: u64,
    pub(crate) column: u64,
}

impl fmt::Display for Pos {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    pub(crate) pos: Pos,
    pub(crate) value: Value,
}

/// The shapes a YAML value can take; mapping keys keep their own positions and their order.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    String(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

impl Node {
    /// The value of a key of this mapping (not null); `None` for other shapes.
    pub(crate) fn value_of(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries
                .iter()
                .find(|(k, _)| k.name == key)
                .map(|(_, v)| v)
                .filter(|v| v.value != Value::Null),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    pub(crate) pos: Pos,
    pub(crate) name: String,
}

impl Value {
    /// How the value's type is named in error messages.
    pub(crate) fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Int(_) | Value::Float(_) => "a number",
            Value::String(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }

    /// The value as JSON, for fields that hold free-form documents (policies).
    pub(crate) fn to_json(&self) -> serde_json::Value {
        match self {
            Value::Null => serde_json::Value::Null,
            Value::Bool(b) => (*b).into(),
            Value::Int(i) => (*i).into(),
            Value::Float(f) => serde_json::Number::from_f64(*f)
                .map(serde_json::Value::Number)
                .unwrap_or(serde_json::Value::Null),
            Value::String(s) => s.clone().into(),
            Value::Seq(items) => items.iter().map(|n| n.value.to_json()).collect(),
            Value::Map(entries) => entries
                .iter()
                .map(|(k, v)| (k.name.clone(), v.value.to_json()))
                .collect::<serde_json::Map<_, _>>()
                .into(),
        }
    }
}

/// Parses YAML text into a node tree. Errors carry the parser's own position when it has one.
pub(crate) fn parse(text: &str) -> Result<Node, ParseFailure> {
    match serde_saphyr::from_str::<Option<Spanned<Value>>>(text) {
        Ok(Some(root)) => Ok(node(root)),
        Ok(None) => Ok(Node {
            pos: Pos { line: 1, column: 1 },
            value: Value::Null,
        }),
        Err(err) => {
            let pos = err.location().map(|l| Pos {
                line: l.line(),
                column: l.column(),
            });
            let message = err.without_snippet().to_string();
            Err(ParseFailure {
                pos,
                message: tidy_parser_message(message.lines().next().unwrap_or("invalid YAML")),
            })
        }
    }
}

/// The parser's message without what only makes sense to a programmer: its own position (ours is
/// shown in front) and advice about its options.
fn tidy_parser_message(message: &str) -> String {
    // The parser's resource budget (nodes, depth, aliases, bytes) guards against hostile input;
    // say which limit in words.
    if let Some(rest) = message.strip_prefix("budget breached: ") {
        let what = rest.split_whitespace().next().unwrap_or("size");
        let number = rest
            .split(|c: char| !c.is_ascii_digit())
            .find(|n| !n.is_empty())
            .unwrap_or("?");
        return format!(
            "the spec is too large for the YAML reader: its {} limit was passed ({number}); a spec of \
             even thousands of repositories stays well within it, so check for a file that is not a \
             spec, or split it into several stacks",
            match what {
                "Nodes" => "250,000-node".to_string(),
                "Depth" => "nesting depth".to_string(),
                "Aliases" | "AliasAnchorRatio" => "alias".to_string(),
                other => other.to_ascii_lowercase(),
            }
        );
    }
    let mut text = message.to_string();
    if let Some(at) = text.rfind(" at line ") {
        text.truncate(at);
    }
    if let Some(advice) = text.find(", set DuplicateKeyPolicy") {
        text.truncate(advice);
        text.push_str(" (each key may appear once)");
    }
    text
}

#[derive(Debug, Clone)]
pub(crate) struct ParseFailure {
    pub(crate) pos: Option<Pos>,
    pub(crate) message: String,
}

fn node(spanned: Spanned<Value>) -> Node {
    Node {
        pos: Pos {
            line: spanned.referenced.line(),
            column: spanned.referenced.column(),
        },
        value: spanned.value,
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        i64::try_from(v)
            .map(Value::Int)
            .map_err(|_| E::custom("integer too large"))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Value>>()? {
            items.push(node(item));
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Value>>()?;
            let key = Key {
                pos: Pos {
                    line: key.referenced.line(),
                    column: key.referenced.column(),
                },
                name: key.value,
            };
            // Errors about a field's value point at the field's key, where the eye finds it.
            let mut value = node(value);
            value.pos = key.pos;
            entries.push((key, value));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_positions_of_keys_and_values() {
        let root = parse("a: 1\nb:\n  - x\n  - {c: true}\n").unwrap();
        let Value::Map(entries) = root.value else {
            panic!("not a map")
        };
        assert_eq!(entries[0].0.name, "a");
        assert_eq!(entries[0].0.pos, Pos { line: 1, column: 1 });
        assert_eq!(entries[0].1.value, Value::Int(1));
        assert_eq!(
            entries[0].1.pos, entries[0].0.pos,
            "a value points at its key"
        );
        let Value::Seq(items) = &entries[1].1.value else {
            panic!("not a seq")
        };
        assert_eq!(items[1].pos.line, 4);
        assert_eq!(items[0].value, Value::String("x".into()));
    }

    #[test]
    fn reports_syntax_errors_with_a_position() {
        let err = parse("a: [1, 2\nb: 3\n").unwrap_err();
        assert!(err.pos.is_some(), "{err:?}");
    }

    #[test]
    fn duplicate_keys_are_reported_without_parser_jargon() {
        let err = parse("a: 1\na: 2\n").unwrap_err();
        assert_eq!(err.pos.map(|p| p.line), Some(2));
        assert_eq!(
            err.message,
            "duplicate mapping key: a (each key may appear once)"
        );
    }

    #[test]
    fn empty_document_is_null() {
        assert_eq!(parse("").unwrap().value, Value::Null);
    }
}
