//! IAM policy documents compared by meaning, not by text.
//!
//! AWS hands documents back URL-encoded, with keys reordered, one-element lists turned into strings
//! and account ids turned into root ARNs. A document is parsed once into a canonical JSON value in
//! which all of those spellings coincide; equality is defined on that value only, so a policy written
//! differently but meaning the same thing never plans as a change.

use std::fmt;

use super::is_account_id;
use percent_encoding::percent_decode_str;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A policy document: the text as written (sent to AWS) and its canonical form (compared).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(into = "Value", try_from = "Value")]
pub struct PolicyDocument {
    original: Value,
    canonical: Value,
}

/// A text or JSON value that is not a policy document, with what is wrong in it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a policy document: {0}")]
pub struct PolicyError(pub(crate) String);

impl PolicyDocument {
    /// Parses a document as AWS or a user wrote it, decoding percent-encoding when the text is not
    /// already JSON.
    pub fn parse(text: &str) -> Result<Self, PolicyError> {
        let trimmed = text.trim_start();
        let decoded;
        let json_text = if trimmed.starts_with('{') {
            trimmed
        } else {
            decoded = percent_decode_str(trimmed)
                .decode_utf8()
                .map_err(|e| PolicyError(format!("bad percent-encoding: {e}")))?;
            &decoded
        };
        let value: Value = serde_json::from_str(json_text)
            .map_err(|e| PolicyError(format!("invalid JSON: {e}")))?;
        Self::from_json(value)
    }

    /// Takes a parsed JSON document as written and computes its canonical form; an error when it
    /// is not a policy document (not an object, no `Statement`, an unknown top-level key, …).
    pub fn from_json(original: Value) -> Result<Self, PolicyError> {
        let canonical = canonicalize(&original)?;
        Ok(PolicyDocument {
            original,
            canonical,
        })
    }

    /// The compact JSON sent to AWS.
    pub fn to_json_string(&self) -> String {
        self.original.to_string()
    }

    /// The canonical form: what comparisons and plan output use.
    pub(crate) fn canonical(&self) -> &Value {
        &self.canonical
    }

    /// The document as written or as AWS returned it (decoded), before canonicalization.
    pub fn original(&self) -> &Value {
        &self.original
    }

    /// The document with `{account}`, `{partition}` and `{region}` bound.
    pub(crate) fn bind(&self, env: &super::Env) -> PolicyDocument {
        PolicyDocument::from_json(env.bind_json(&self.original))
            .expect("binding tokens inside strings keeps a valid document valid")
    }

    /// The Allow statements' actions and resources (canonical: actions lower case), for the
    /// checks that ask what a document grants.
    pub(crate) fn allows(&self) -> Vec<(Vec<String>, Vec<String>)> {
        let list = |st: &Value, k: &str| -> Vec<String> {
            st[k]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        self.canonical["Statement"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|st| st["Effect"] == "Allow")
            .map(|st| (list(st, "Action"), list(st, "Resource")))
            .collect()
    }

    /// Length as IAM counts it against its quotas: the compact JSON, without whitespace.
    pub(crate) fn size(&self) -> usize {
        self.original.to_string().chars().count()
    }
}

impl PartialEq for PolicyDocument {
    fn eq(&self, other: &Self) -> bool {
        self.canonical == other.canonical
    }
}

impl fmt::Display for PolicyDocument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.original)
    }
}

impl From<PolicyDocument> for Value {
    fn from(doc: PolicyDocument) -> Value {
        doc.original
    }
}

impl TryFrom<Value> for PolicyDocument {
    type Error = PolicyError;
    fn try_from(value: Value) -> Result<Self, PolicyError> {
        PolicyDocument::from_json(value)
    }
}

fn canonicalize(doc: &Value) -> Result<Value, PolicyError> {
    let obj = doc
        .as_object()
        .ok_or_else(|| PolicyError("the document must be a JSON object".into()))?;
    let mut out = Map::new();
    for (key, value) in obj {
        match key.as_str() {
            "Version" | "Id" => {
                out.insert(key.clone(), value.clone());
            }
            "Statement" => {}
            other => return Err(PolicyError(format!("unknown top-level key {other:?}"))),
        }
    }
    out.entry("Version")
        .or_insert_with(|| Value::String("2008-10-17".into()));
    let statements = match obj.get("Statement") {
        Some(Value::Array(items)) => items.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err(PolicyError("Statement must be an object or a list".into())),
        None => return Err(PolicyError("the document has no Statement".into())),
    };
    // Keys sorted at every depth before statements are ordered by their text: the text of a
    // statement must not depend on the order its keys (or its conditions' keys) were written in.
    let mut canonical: Vec<Value> = statements
        .into_iter()
        .map(|st| canonical_statement(st).map(|v| sort_keys(&v)))
        .collect::<Result<_, _>>()?;
    canonical.sort_by_cached_key(|s| s.to_string());
    out.insert("Statement".into(), Value::Array(canonical));
    Ok(sort_keys(&Value::Object(out)))
}

/// The same value with every object's keys in sorted order (serde_json keeps insertion order here).
fn sort_keys(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(
                keys.into_iter()
                    .map(|k| (k.clone(), sort_keys(&map[k])))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(items.iter().map(sort_keys).collect()),
        other => other.clone(),
    }
}

fn canonical_statement(statement: &Value) -> Result<Value, PolicyError> {
    let obj = statement
        .as_object()
        .ok_or_else(|| PolicyError("each statement must be an object".into()))?;
    let mut out = Map::new();
    for (key, value) in obj {
        let canonical = match key.as_str() {
            "Sid" => match value.as_str() {
                Some("") => continue,
                _ => value.clone(),
            },
            "Effect" => value.clone(),
            "Action" | "NotAction" => {
                let mut actions = string_set(value, key)?;
                actions.iter_mut().for_each(|a| *a = a.to_ascii_lowercase());
                sorted(actions)
            }
            "Resource" | "NotResource" => sorted(string_set(value, key)?),
            "Principal" | "NotPrincipal" => canonical_principal(value)?,
            "Condition" => canonical_condition(value)?,
            other => return Err(PolicyError(format!("unknown statement key {other:?}"))),
        };
        out.insert(key.clone(), canonical);
    }
    Ok(Value::Object(out))
}

/// `"*"` and `{"AWS": "*"}` mean the same; account ids and their root ARNs mean the same.
fn canonical_principal(value: &Value) -> Result<Value, PolicyError> {
    let map = match value {
        Value::String(s) if s == "*" => {
            let mut m = Map::new();
            m.insert("AWS".into(), Value::String("*".into()));
            m
        }
        Value::Object(m) => m.clone(),
        _ => return Err(PolicyError("Principal must be \"*\" or an object".into())),
    };
    let mut out = Map::new();
    for (kind, ids) in map {
        let mut ids = string_set(&ids, &kind)?;
        if kind == "AWS" {
            ids.iter_mut().for_each(|id| *id = account_of_root_arn(id));
        }
        out.insert(kind, sorted(ids));
    }
    Ok(Value::Object(out))
}

fn account_of_root_arn(id: &str) -> String {
    let parts: Vec<&str> = id.split(':').collect();
    match parts.as_slice() {
        ["arn", _partition, "iam", "", account, "root"] if is_account_id(account) => {
            account.to_string()
        }
        _ => id.to_string(),
    }
}

fn canonical_condition(value: &Value) -> Result<Value, PolicyError> {
    let operators = value
        .as_object()
        .ok_or_else(|| PolicyError("Condition must be an object".into()))?;
    let mut out = Map::new();
    for (operator, keys) in operators {
        let keys = keys
            .as_object()
            .ok_or_else(|| PolicyError(format!("Condition {operator} must be an object")))?;
        let mut canon_keys = Map::new();
        for (key, values) in keys {
            // Condition keys are case-insensitive in IAM; values are not.
            canon_keys.insert(key.to_ascii_lowercase(), sorted(string_set(values, key)?));
        }
        out.insert(operator.clone(), Value::Object(canon_keys));
    }
    Ok(Value::Object(out))
}

/// A string, number, boolean or list of them, as a list of strings.
fn string_set(value: &Value, field: &str) -> Result<Vec<String>, PolicyError> {
    let scalar = |v: &Value| match v {
        Value::String(s) => Ok(s.clone()),
        Value::Number(n) => Ok(n.to_string()),
        Value::Bool(b) => Ok(b.to_string()),
        _ => Err(PolicyError(format!(
            "{field} must be a string or a list of strings"
        ))),
    };
    match value {
        Value::Array(items) => items.iter().map(scalar).collect(),
        other => Ok(vec![scalar(other)?]),
    }
}

fn sorted(mut items: Vec<String>) -> Value {
    items.sort();
    items.dedup();
    Value::Array(items.into_iter().map(Value::String).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(text: &str) -> PolicyDocument {
        PolicyDocument::parse(text).unwrap()
    }

    #[test]
    fn equivalent_spellings_compare_equal() {
        let cases = [
            (
                "key order and whitespace",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#,
                r#"{ "Statement" : [ { "Resource":"*", "Action":"ecr:*", "Effect":"Allow" } ], "Version":"2012-10-17" }"#,
            ),
            (
                "single string vs one-element list",
                r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":["ecr:Get"],"Resource":["*"]}}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:Get","Resource":"*"}]}"#,
            ),
            (
                "statement order",
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"a:a","Resource":"*"},{"Sid":"B","Effect":"Deny","Action":"b:b","Resource":"*"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"B","Effect":"Deny","Action":"b:b","Resource":"*"},{"Sid":"A","Effect":"Allow","Action":"a:a","Resource":"*"}]}"#,
            ),
            (
                "account id vs root arn",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"123456789012"},"Action":"ecr:BatchGetImage"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam::123456789012:root"]},"Action":"ecr:BatchGetImage"}]}"#,
            ),
            (
                "action case and list order",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:PutImage","ecr:BatchGetImage"],"Resource":"*"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["ecr:batchgetimage","ecr:putimage"],"Resource":"*"}]}"#,
            ),
            (
                "url-encoded",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get","Resource":"*"}]}"#,
                "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22s3%3AGet%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D",
            ),
            (
                "principal star",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"ecr:BatchGetImage"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"ecr:BatchGetImage"}]}"#,
            ),
            (
                "condition scalar vs list and bool vs string",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":false}}}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"*","Resource":"*","Condition":{"Bool":{"aws:securetransport":["false"]}}}]}"#,
            ),
            (
                "empty sid",
                r#"{"Version":"2012-10-17","Statement":[{"Sid":"","Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
            ),
        ];
        for (name, a, b) in cases {
            assert_eq!(doc(a), doc(b), "{name}");
        }
    }

    #[test]
    fn different_meanings_compare_unequal() {
        let cases = [
            (
                "effect",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"a:b","Resource":"*"}]}"#,
            ),
            (
                "extra action",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["a:b","a:c"],"Resource":"*"}]}"#,
            ),
            (
                "resource case matters",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:s3:::Bucket"}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"arn:aws:s3:::bucket"}]}"#,
            ),
            (
                "version",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
                r#"{"Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*"}]}"#,
            ),
            (
                "condition value",
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringLike":{"k":"repo:a/*"}}}]}"#,
                r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{"StringLike":{"k":"repo:b/*"}}}]}"#,
            ),
        ];
        for (name, a, b) in cases {
            assert_ne!(doc(a), doc(b), "{name}");
        }
    }

    #[test]
    fn rejects_what_is_not_a_policy() {
        for bad in [
            "[]",
            "{}",
            r#"{"Statement":[{"Effect":"Allow","Actions":"x"}]}"#,
            "not json",
        ] {
            assert!(PolicyDocument::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn sends_the_document_as_written() {
        let text = r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"a:b","Resource":"*"}}"#;
        assert_eq!(doc(text).to_json_string(), text);
    }
    /// Two statements written with their keys in different orders (a console edit, `jsonencode`,
    /// an adopted policy) once planned as a change on every run.
    #[test]
    fn key_order_inside_several_statements_is_no_difference() {
        let a = r#"{"Version":"2012-10-17","Statement":[
            {"Sid":"A","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"ecr:BatchGetImage"},
            {"Effect":"Allow","Sid":"B","Principal":{"Service":"lambda.amazonaws.com"},"Action":"ecr:GetDownloadUrlForLayer",
             "Condition":{"StringLike":{"aws:sourceArn":"arn:aws:lambda:*"},"StringEquals":{"aws:SourceAccount":"123456789012"}}}]}"#;
        let b = r#"{"Statement":[
            {"Condition":{"StringEquals":{"aws:SourceAccount":"123456789012"},"StringLike":{"aws:sourceArn":"arn:aws:lambda:*"}},
             "Action":"ecr:GetDownloadUrlForLayer","Principal":{"Service":"lambda.amazonaws.com"},"Sid":"B","Effect":"Allow"},
            {"Action":"ecr:BatchGetImage","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Effect":"Allow","Sid":"A"}],
            "Version":"2012-10-17"}"#;
        assert_eq!(doc(a), doc(b));
    }

    /// The categories public equivalence tables cover, as our own cases: what IAM treats as the
    /// same document, and what it does not.
    #[test]
    fn equivalence_table() {
        let same = [
            (
                "principal list order",
                r#"{"AWS":["arn:aws:iam::1:root","arn:aws:iam::2:root"]}"#,
                r#"{"AWS":["arn:aws:iam::2:root","arn:aws:iam::1:root"]}"#,
            ),
            (
                "principal kinds order",
                r#"{"AWS":"111122223333","Service":"lambda.amazonaws.com"}"#,
                r#"{"Service":["lambda.amazonaws.com"],"AWS":"arn:aws:iam::111122223333:root"}"#,
            ),
        ];
        for (name, a, b) in same {
            let d = |p: &str| {
                doc(&format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{p},"Action":"ecr:BatchGetImage"}}]}}"#
                ))
            };
            assert_eq!(d(a), d(b), "{name}");
        }
        let differ = [
            (
                "condition operator",
                r#"{"StringLike":{"k":"v"}}"#,
                r#"{"StringEquals":{"k":"v"}}"#,
            ),
            (
                "condition values",
                r#"{"StringLike":{"k":["a","b"]}}"#,
                r#"{"StringLike":{"k":["a"]}}"#,
            ),
            (
                "IfExists",
                r#"{"StringLike":{"k":"a"}}"#,
                r#"{"StringLikeIfExists":{"k":"a"}}"#,
            ),
            (
                "set qualifier",
                r#"{"StringLike":{"k":"a"}}"#,
                r#"{"ForAllValues:StringLike":{"k":"a"}}"#,
            ),
        ];
        for (name, a, b) in differ {
            let d = |c: &str| {
                doc(&format!(
                    r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"a:b","Resource":"*","Condition":{c}}}]}}"#
                ))
            };
            assert_ne!(d(a), d(b), "{name}");
        }
        let other = [
            (
                "NotAction vs Action",
                r#"{"Effect":"Allow","Action":"a:b","Resource":"*"}"#,
                r#"{"Effect":"Allow","NotAction":"a:b","Resource":"*"}"#,
            ),
            (
                "NotResource vs Resource",
                r#"{"Effect":"Allow","Action":"a:b","Resource":"x"}"#,
                r#"{"Effect":"Allow","Action":"a:b","NotResource":"x"}"#,
            ),
            (
                "principal kind",
                r#"{"Effect":"Allow","Principal":{"AWS":"x"},"Action":"a:b"}"#,
                r#"{"Effect":"Allow","Principal":{"Service":"x"},"Action":"a:b"}"#,
            ),
            (
                "sid",
                r#"{"Sid":"A","Effect":"Allow","Action":"a:b","Resource":"*"}"#,
                r#"{"Sid":"B","Effect":"Allow","Action":"a:b","Resource":"*"}"#,
            ),
        ];
        for (name, a, b) in other {
            let d = |st: &str| doc(&format!(r#"{{"Version":"2012-10-17","Statement":[{st}]}}"#));
            assert_ne!(d(a), d(b), "{name}");
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;
        use serde_json::json;

        /// A random document of 1-4 statements with conditions.
        fn document() -> impl Strategy<Value = Value> {
            let word = "[a-z]{1,6}";
            let statement = (
                prop::option::of("[A-Z][a-z]{0,5}"),
                prop::bool::ANY,
                prop::collection::vec(word.prop_map(|w| format!("svc:{w}")), 1..4),
                prop::collection::vec(word.prop_map(|w| format!("arn:aws:s3:::{w}")), 1..3),
                prop::collection::btree_map(word.prop_map(|k| format!("aws:{k}")), prop::collection::vec(word, 1..3), 0..3),
            )
                .prop_map(|(sid, allow, actions, resources, cond)| {
                    let mut st = json!({"Effect": if allow {"Allow"} else {"Deny"}, "Action": actions, "Resource": resources});
                    if let Some(sid) = sid {
                        st["Sid"] = json!(sid);
                    }
                    if !cond.is_empty() {
                        st["Condition"] = json!({"StringLike": cond, "StringEquals": {"aws:x": "y"}});
                    }
                    st
                });
            prop::collection::vec(statement, 1..5)
                .prop_map(|sts| json!({"Version": "2012-10-17", "Statement": sts}))
        }

        /// Rewrites a document the ways AWS and editors do: key order, statement order, list
        /// order, a one-element list as a string. `seed` picks the rewrites.
        fn respell(v: &Value, seed: u64) -> Value {
            fn go(v: &Value, rng: &mut u64) -> Value {
                let mut coin = || {
                    *rng = rng
                        .wrapping_mul(6364136223846793005)
                        .wrapping_add(1442695040888963407);
                    (*rng >> 33).is_multiple_of(2)
                };
                let (flip, single) = (coin(), coin());
                match v {
                    Value::Object(m) => {
                        let mut entries: Vec<(String, Value)> =
                            m.iter().map(|(k, v)| (k.clone(), go(v, rng))).collect();
                        if flip {
                            entries.reverse();
                        }
                        Value::Object(entries.into_iter().collect())
                    }
                    Value::Array(items) => {
                        let mut items: Vec<Value> = items.iter().map(|v| go(v, rng)).collect();
                        if flip {
                            items.reverse();
                        }
                        if single && items.len() == 1 && items[0].is_string() {
                            return items.remove(0);
                        }
                        Value::Array(items)
                    }
                    other => other.clone(),
                }
            }
            let mut rng = seed;
            go(v, &mut rng)
        }

        /// Changes one string value (appends a letter).
        fn change_one(v: &Value, pick: usize) -> Value {
            fn go(v: &Value, pick: &mut usize) -> Value {
                match v {
                    Value::String(s) if *pick == 0 => {
                        *pick = usize::MAX;
                        Value::String(format!("{s}x"))
                    }
                    Value::String(s) => {
                        *pick = pick.saturating_sub(1);
                        Value::String(s.clone())
                    }
                    Value::Object(m) => {
                        Value::Object(m.iter().map(|(k, v)| (k.clone(), go(v, pick))).collect())
                    }
                    Value::Array(items) => {
                        Value::Array(items.iter().map(|v| go(v, pick)).collect())
                    }
                    other => other.clone(),
                }
            }
            let mut p = pick;
            go(v, &mut p)
        }

        proptest! {
            #[test]
            fn respelled_documents_are_equivalent(d in document(), seed in any::<u64>()) {
                let a = PolicyDocument::from_json(d.clone()).unwrap();
                let b = PolicyDocument::from_json(respell(&d, seed)).unwrap();
                prop_assert_eq!(a, b);
            }

            #[test]
            fn a_changed_value_is_never_equivalent(d in document(), pick in 0usize..40) {
                let changed = change_one(&d, pick);
                prop_assume!(changed != d);
                let a = PolicyDocument::from_json(d).unwrap();
                let b = PolicyDocument::from_json(changed).unwrap();
                prop_assert_ne!(a, b);
            }
        }
    }
}
