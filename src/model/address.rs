//! Resource addresses (`repository.betekk-probe-engine`): how plans, reports and errors name things.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Declares [`Kind`] from the registration in `kinds.rs`, with the plan's own kind (the stack's
/// registry record) last.
macro_rules! declare_kind {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        /// The kinds of resource this tool manages; the first part of an [`Address`], in snake
        /// case. Ordered by dependency: what sorts first is created first and deleted last.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Kind {
            $($(#[$doc])* $variant,)*
            /// The SSM parameter recording what a stack owns of the registry settings.
            RegistryRecord,
        }

        impl Kind {
            pub(crate) const ALL: &'static [Kind] = &[$(Kind::$variant,)* Kind::RegistryRecord];

            pub(crate) fn as_str(self) -> &'static str {
                match self {
                    $(Kind::$variant => $prefix,)*
                    Kind::RegistryRecord => "registry_record",
                }
            }
        }
    };
}

crate::kinds::for_each_kind!(declare_kind);

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Serialized as its text, `kind.name`, as plans and reports show it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct Address {
    pub(crate) kind: Kind,
    pub(crate) name: String,
}

impl Address {
    pub(crate) fn new(kind: Kind, name: impl Into<String>) -> Self {
        Address {
            kind,
            name: name.into(),
        }
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind, self.name)
    }
}

impl From<Address> for String {
    fn from(a: Address) -> String {
        a.to_string()
    }
}

impl TryFrom<String> for Address {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        let (kind, name) = text
            .split_once('.')
            .ok_or_else(|| format!("not a resource address: {text:?}"))?;
        let kind = Kind::ALL
            .iter()
            .find(|k| k.as_str() == kind)
            .ok_or_else(|| format!("unknown resource kind {kind:?} in {text:?}"))?;
        Ok(Address::new(*kind, name))
    }
}
