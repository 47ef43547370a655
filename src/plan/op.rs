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

/// Every write this tool can make: the writes of each kind, declared in its `plan.rs`, and the
/// tags any kind's change may write. Serialized as the kind's own op (`{"op": "put_scan_on_push",
/// ...}`), so the plan's JSON names no kind's enum.
macro_rules! declare_op {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(untagged)]
        // A plan holds a few ops per change: their size does not matter, their JSON does.
        #[allow(clippy::large_enum_variant)]
        pub enum Op {
            /// Tags of any kind's resource.
            Tags(super::tag_ops::TagOp),
            $($(#[$doc])* $variant(<crate::kinds::$module::$model as Writes>::Op),)*
        }
    };
}

crate::kinds::for_each_kind!(declare_op);
