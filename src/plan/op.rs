//! The executor's vocabulary: every write this tool can make, with every value it needs.

use serde::{Deserialize, Serialize};

/// The writes a kind's changes make, declared in the kind's `plan.rs`.
pub(crate) trait Writes {
    /// The kind's ops (the plan's JSON `op`s of this kind).
    type Op: std::fmt::Debug + Clone + PartialEq + Serialize + serde::de::DeserializeOwned + Details;
}

/// What the IAM actions of a kind's op depend on beyond the op's kind (`plan::calls`).
pub(crate) trait Details {
    /// Whether the op carries tags (a create with tags also needs the tagging action).
    fn carries_tags(&self) -> bool {
        false
    }
    /// Whether the op names a role for ECR to assume (`iam:PassRole` on it).
    fn passes_role(&self) -> bool {
        false
    }
}

/// Declares [`Op`] from the registration.
macro_rules! declare_op {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        /// Every write this tool can make: the writes of each kind, declared in its `plan.rs`, and
        /// the tags any kind's change may write. Serialized as the kind's own op (`{"op":
        /// "put_scan_on_push", ...}`), so the plan's JSON (and a saved plan) names no kind's enum;
        /// read back, the op's name picks its kind, since no two kinds share one.
        #[derive(Debug, Clone, PartialEq, Serialize)]
        #[serde(untagged)]
        // A plan holds a few ops per change: their size does not matter, their JSON does.
        #[allow(clippy::large_enum_variant)]
        pub enum Op {
            /// Tags of any kind's resource.
            Tags(super::tag_ops::TagOp),
            $($(#[$doc])* $variant(<crate::kinds::$module::$model as Writes>::Op),)*
        }

        /// Read as the kind whose ops declare its name (`plan::calls`), so that a wrong field is
        /// reported by that kind's op, not as a match of no kind.
        impl<'de> Deserialize<'de> for Op {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error;
                use super::planned::Planned;
                let value = serde_json::Value::deserialize(d)?;
                let name = value
                    .get("op")
                    .and_then(serde_json::Value::as_str)
                    .ok_or_else(|| D::Error::missing_field("op"))?
                    .to_string();
                let read = |op: Result<Op, serde_json::Error>| op.map_err(D::Error::custom);
                // The one op every kind's tags share.
                if name == "set_tags" {
                    return read(serde_json::from_value(value).map(Op::Tags));
                }
                $(if <crate::kinds::$module::$model as Planned>::ops().iter().any(|row| row.op == name) {
                    return read(serde_json::from_value(value).map(Op::$variant));
                })*
                Err(D::Error::custom(format_args!("unknown op `{name}`")))
            }
        }
    };
}

crate::kinds::for_each_kind!(declare_op);

#[cfg(test)]
mod tests {
    use super::Op;
    use crate::plan::calls::OPS;

    /// A saved plan's op is read back as the kind whose op has its name: two kinds with one op
    /// name would read as the first. Only `set_tags`, the op every kind's tags share, is declared
    /// by several kinds (each for its own resources' ARNs).
    #[test]
    fn no_two_kinds_share_an_op_name() {
        let mut kinds_of: std::collections::BTreeMap<&str, Vec<_>> = Default::default();
        for row in OPS.iter() {
            kinds_of.entry(row.op).or_default().push(row.kind);
        }
        let shared: Vec<&str> = kinds_of
            .iter()
            .filter(|(_, kinds)| kinds.len() > 1)
            .map(|(op, _)| *op)
            .collect();
        assert_eq!(shared, ["set_tags"]);
    }

    /// Ops of several kinds, as a saved plan holds them, read back as the same ops.
    #[test]
    fn ops_of_every_shape_read_back_as_written() {
        let json = serde_json::json!([
            {"op": "put_scan_on_push", "name": "betekk-a", "value": true},
            {"op": "delete_role", "role": "betekk-ci"},
            {"op": "put_signing_rules", "rules": []},
            {"op": "put_account_setting", "name": "BLOB_MOUNTING", "value": "ENABLED"},
            {"op": "set_tags", "target": {"kind": "role", "name": "betekk-ci"}, "set": {"a": "b"}, "unset": []},
        ]);
        let ops: Vec<Op> = serde_json::from_value(json.clone()).unwrap();
        assert!(matches!(ops[0], Op::Repository(_)));
        assert!(matches!(ops[1], Op::Role(_)));
        assert!(matches!(ops[2], Op::Signing(_)));
        assert!(matches!(ops[3], Op::AccountSetting(_)));
        assert!(matches!(ops[4], Op::Tags(_)));
        assert_eq!(serde_json::to_value(&ops).unwrap(), json);
        let unknown = serde_json::json!({"op": "put_everything"});
        let error = serde_json::from_value::<Op>(unknown)
            .unwrap_err()
            .to_string();
        assert!(error.contains("unknown op `put_everything`"), "{error}");
        // A wrong field is the kind's op's own error, naming the field.
        let missing = serde_json::json!({"op": "delete_role"});
        let error = serde_json::from_value::<Op>(missing)
            .unwrap_err()
            .to_string();
        assert!(error.contains("missing field `role`"), "{error}");
    }
}
