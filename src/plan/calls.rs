//! Every AWS call an op may make, declared once, with the kind of resource it acts on.
//!
//! An op's row lists every call the executor may make for it, the ensure paths included (after a
//! create race a repository's settings are written again; a policy version's lost response is
//! checked by listing versions), so that the plan names everything apply can do. From this table
//! come the `action` of each op in `plan --output json`, the writes of `permissions`, and a test
//! that apply makes no call its plan's ops and observe's reads did not declare. The IAM action of
//! every call is the call's own name (`ecr:PutLifecyclePolicy`); where AWS asks for more (tags at
//! creation, a role passed to ECR), [`Dependent`] says which and when.

use crate::plan::tag_ops::TagOp;
use std::sync::LazyLock;

use crate::model::Kind;

use super::Op;

/// An IAM action a call needs beyond its own, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dependent {
    /// Needed when the call carries tags (CreateRepository → `ecr:TagResource`, …).
    WithTags(&'static str),
    /// Needed when the call names a role for ECR to assume (`iam:PassRole` on that role).
    PassRole,
    /// Always needed: AWS checks it as part of the call (a creation template is checked for the
    /// repository writes it will make, `ecr:CreateRepository` on the repositories it shapes).
    Always(&'static str),
}

/// One op's declaration: what it is called in JSON, the kind it writes, and the calls it may make.
#[derive(Debug)]
pub struct OpCalls {
    /// The op as JSON names it (`put_lifecycle_policy`).
    pub op: &'static str,
    /// The kind of resource it writes; its ARN scopes the calls in `permissions`.
    pub kind: Kind,
    /// Every AWS call it may make (`service:Operation`), in the order it may make them.
    pub calls: &'static [&'static str],
    /// IAM actions needed beyond the calls' own.
    pub dependent: &'static [Dependent],
    /// When apply looks again before it writes, what it does (shown as `ensure` in JSON).
    pub ensure: Option<&'static str>,
}

pub(crate) const fn row(
    op: &'static str,
    kind: Kind,
    calls: &'static [&'static str],
    dependent: &'static [Dependent],
) -> OpCalls {
    OpCalls {
        op,
        kind,
        calls,
        dependent,
        ensure: None,
    }
}

impl OpCalls {
    pub(crate) const fn ensuring(self, ensure: &'static str) -> OpCalls {
        OpCalls {
            ensure: Some(ensure),
            ..self
        }
    }
}

/// The table: every kind's rows, as each kind's plan file declares them (`set_tags` one per kind
/// of target).
pub static OPS: LazyLock<Vec<&'static OpCalls>> =
    LazyLock::new(|| super::planned::declared_ops().collect());

impl Op {
    /// This op's declaration in [`OPS`]: the row of its name (of its target's kind, for tags).
    pub fn declared(&self) -> &'static OpCalls {
        let value = serde_json::to_value(self).expect("an op serializes");
        let name = value["op"].as_str().expect("an op is tagged with its name");
        let mut rows = OPS.iter().copied().filter(|r| r.op == name);
        let row = match self {
            Op::Tags(TagOp::SetTags { target, .. }) => rows.find(|r| r.kind == target.kind()),
            _ => rows.next(),
        };
        row.unwrap_or_else(|| panic!("no row for op {name} in plan::calls::OPS"))
    }

    /// The IAM actions this op may need: its calls', and the dependent ones that apply to it
    /// (tags at creation, a role passed to ECR), sorted.
    pub fn actions(&self) -> Vec<&'static str> {
        let declared = self.declared();
        let mut actions: Vec<&'static str> = declared.calls.to_vec();
        for dependent in declared.dependent {
            match dependent {
                Dependent::WithTags(action) if self.carries_tags() => actions.push(action),
                Dependent::PassRole if self.passes_role() => actions.push("iam:PassRole"),
                Dependent::Always(action) => actions.push(action),
                _ => {}
            }
        }
        actions.sort_unstable();
        actions.dedup();
        actions
    }
}

macro_rules! declare_op_details {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        impl Op {
            fn carries_tags(&self) -> bool {
                match self {
                    Op::Tags(_) => false,
                    $(Op::$variant(op) => super::op::Details::carries_tags(op),)*
                }
            }

            fn passes_role(&self) -> bool {
                match self {
                    Op::Tags(_) => false,
                    $(Op::$variant(op) => super::op::Details::passes_role(op),)*
                }
            }
        }
    };
}

crate::kinds::for_each_kind!(declare_op_details);

/// `ops` as JSON, each with its `action`: the IAM action it needs, or a list when it may need
/// several; and `ensure` where apply looks again before it writes. Additions to the op's own
/// fields; saved plans read back ignore them.
pub fn serialize_ops<S: serde::Serializer>(ops: &[Op], serializer: S) -> Result<S::Ok, S::Error> {
    use serde::ser::{Error, SerializeSeq};
    let mut seq = serializer.serialize_seq(Some(ops.len()))?;
    for op in ops {
        let mut value = serde_json::to_value(op).map_err(S::Error::custom)?;
        let actions = op.actions();
        let action = match actions.as_slice() {
            [one] => serde_json::Value::from(*one),
            many => serde_json::Value::from(many.to_vec()),
        };
        if let serde_json::Value::Object(map) = &mut value {
            map.insert("action".into(), action);
            if let Some(ensure) = op.declared().ensure {
                map.insert("ensure".into(), ensure.into());
            }
        }
        seq.serialize_element(&value)?;
    }
    seq.end()
}

#[cfg(test)]
#[path = "calls_tests.rs"]
mod tests;
