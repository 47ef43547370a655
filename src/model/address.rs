//! Resource addresses (`repository.betekk-probe-engine`): how plans, reports and errors name things.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The kinds of resource this tool manages; the first part of an [`Address`], in snake case.
/// Ordered by dependency: what sorts first is created first and deleted last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    // Declaration order is dependency order: what comes first is created first, deleted last.
    /// The GitHub Actions OIDC identity provider (IAM).
    OidcProvider,
    /// An ECR repository.
    Repository,
    /// A customer managed IAM policy.
    Policy,
    /// An IAM role.
    Role,
    /// A managed policy attached to an existing IAM user (the user itself is not managed).
    UserAttachment,
    /// A repository creation template (before the rules whose repositories it shapes).
    CreationTemplate,
    /// A pull-through cache rule (before the settings: a registry policy may name its prefix).
    PullThroughCache,
    /// The part of a region's registry-wide settings a stack owns.
    Registry,
    /// The SSM parameter recording what a stack owns of the registry settings.
    RegistryRecord,
}

impl Kind {
    pub(crate) const ALL: &'static [Kind] = &[
        Kind::OidcProvider,
        Kind::Repository,
        Kind::Policy,
        Kind::Role,
        Kind::UserAttachment,
        Kind::CreationTemplate,
        Kind::PullThroughCache,
        Kind::Registry,
        Kind::RegistryRecord,
    ];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::OidcProvider => "oidc_provider",
            Kind::Repository => "repository",
            Kind::Policy => "policy",
            Kind::Role => "role",
            Kind::UserAttachment => "user_attachment",
            Kind::CreationTemplate => "creation_template",
            Kind::PullThroughCache => "pull_through_cache",
            Kind::Registry => "registry",
            Kind::RegistryRecord => "registry_record",
        }
    }
}

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
