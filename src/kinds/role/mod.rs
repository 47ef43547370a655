//! An IAM role assumed by GitHub workflows, with its exclusive set of attached managed policies.

pub(crate) mod apply;
mod import;
pub(crate) mod plan;
pub(crate) mod spec;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::attribute::{Attribute, Import, Mutation};
use crate::model::{PolicyDocument, Tags};

pub(crate) const DEFAULT_MAX_SESSION: i32 = 3600;
/// IAM's default path.
pub(crate) const ROOT_PATH: &str = "/";

pub(crate) fn root_path() -> String {
    ROOT_PATH.to_string()
}

pub(crate) fn is_root_path(path: &str) -> bool {
    path == ROOT_PATH
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct Role {
    pub(crate) name: String,
    pub(crate) description: String,
    pub(crate) trust_policy: PolicyDocument,
    pub(crate) max_session_duration: i32,
    /// Policy ARN.
    pub(crate) permissions_boundary: Option<String>,
    /// ARNs of the attached managed policies, sorted: exactly these and no others.
    pub(crate) policies: Vec<String>,
    /// Inline policies by name: exactly these and no others.
    #[serde(default)]
    pub(crate) inline_policies: BTreeMap<String, PolicyDocument>,
    pub(crate) tags: Tags,
    /// IAM path, `/` or `/a/b/`: part of the ARN, set at creation (a change is a replace).
    #[serde(default = "root_path")]
    pub(crate) path: String,
}

/// The calls that write a role's attributes in place, in the order a plan makes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    /// `UpdateAssumeRolePolicy`.
    TrustPolicy,
    /// `UpdateRole`: the description with the session duration (one call sets both).
    Role,
    /// `PutRolePermissionsBoundary`, or `DeleteRolePermissionsBoundary` when the spec has none.
    PermissionsBoundary,
    /// `AttachRolePolicy` and `DetachRolePolicy`: the attachments are exclusive.
    Policies,
    /// `PutRolePolicy` and `DeleteRolePolicy`: the inline policies are exclusive.
    InlinePolicies,
}

/// In fingerprint order; inline policies came last.
pub(crate) const ATTRIBUTES: &[Attribute<Role, Write>] = &[
    Attribute::<Role, Write>::plain("description", |r| json!(r.description), Mutation::InPlace)
        .written_by(Write::Role),
    // Imported read back into `github_trust` and `trust`.
    Attribute::<Role, Write>::new(
        "trust_policy",
        |r| r.trust_policy.canonical().clone(),
        |r| r.trust_policy.original().clone(),
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::TrustPolicy),
    Attribute::<Role, Write>::plain(
        "max_session_duration",
        |r| json!(r.max_session_duration),
        Mutation::InPlace,
    )
    .written_by(Write::Role),
    // Both imported with the spec's own policies named rather than by ARN.
    Attribute::<Role, Write>::plain(
        "permissions_boundary",
        |r| json!(r.permissions_boundary),
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .written_by(Write::PermissionsBoundary),
    Attribute::<Role, Write>::plain("policies", |r| json!(r.policies), Mutation::InPlace)
        .imported(Import::ByKind)
        .written_by(Write::Policies),
    Attribute::tags(),
    Attribute::<Role, Write>::new(
        "inline_policies",
        |r| {
            Value::Object(
                r.inline_policies
                    .iter()
                    .map(|(k, d)| (k.clone(), d.canonical().clone()))
                    .collect(),
            )
        },
        |r| {
            Value::Object(
                r.inline_policies
                    .iter()
                    .map(|(k, d)| (k.clone(), d.original().clone()))
                    .collect(),
            )
        },
        Mutation::InPlace,
    )
    .added_later(|| json!({}))
    .written_by(Write::InlinePolicies),
    // Imported only when not the default `/`.
    Attribute::<Role, Write>::plain("path", |r| json!(r.path), Mutation::Replace)
        .added_later(|| json!(ROOT_PATH))
        .imported(Import::ByKind),
];

impl crate::model::tags::Tagged for Role {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl Role {
    /// The role's ARN in `env`, with its path.
    pub(crate) fn arn(&self, env: &crate::model::Env) -> String {
        format!(
            "arn:{}:iam::{}:role{}{}",
            env.partition, env.account, self.path, self.name
        )
    }

    /// The path of a role ARN (`arn:…:role/a/b/NAME` → `/a/b/`).
    pub(crate) fn path_of_arn(arn: &str) -> String {
        match arn.split_once(":role") {
            Some((_, rest)) => match rest.rfind('/') {
                Some(i) => rest[..=i].to_string(),
                None => root_path(),
            },
            None => root_path(),
        }
    }
}

impl crate::model::unit::Declared for Role {
    type Write = Write;
    const ATTRIBUTES: &'static [Attribute<Self, Write>] = ATTRIBUTES;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        vec![crate::model::access_fact::AccessFact::Principal(
            self.clone(),
        )]
    }
    const OUTPUT: Option<crate::model::unit::OutputSection> =
        Some(crate::model::unit::OutputSection {
            key: "roles",
            shape: crate::model::unit::OutputShape::Value,
            rank: 3,
        });
    fn name(&self) -> String {
        self.name.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        let mut policies: Vec<String> = self.policies.iter().map(|p| env.bind(p)).collect();
        policies.sort();
        policies.dedup();
        self.policies = policies;
        self.trust_policy = self.trust_policy.bind(env);
        for document in self.inline_policies.values_mut() {
            *document = document.bind(env);
        }
        self.permissions_boundary = self.permissions_boundary.as_deref().map(|b| env.bind(b));
    }
}

/// Read with the IAM and ECR listings (`observe`), not as a registry kind.
impl crate::observe::read::Read for Role {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[
            ("iam:ListRoles", ReadScope::Anything),
            ("iam:GetRole", ReadScope::Roles),
            ("iam:ListAttachedRolePolicies", ReadScope::Roles),
            ("iam:ListRolePolicies", ReadScope::Roles),
            ("iam:GetRolePolicy", ReadScope::Roles),
        ]
    };
}
