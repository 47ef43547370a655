//! A customer-managed IAM policy.

pub(crate) mod apply;
mod import;
pub(crate) mod plan;
pub(crate) mod spec;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::attribute::{Attribute, Import, Mutation, Ty};
use crate::model::{PolicyDocument, Tags};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ManagedPolicy {
    pub(crate) name: String,
    /// Set at creation only: IAM cannot change a policy's description, so it is not compared.
    pub(crate) description: String,
    pub(crate) document: PolicyDocument,
    pub(crate) tags: Tags,
}

pub(crate) const ATTRIBUTES: &[Attribute<ManagedPolicy>] = &[
    Attribute::<ManagedPolicy>::plain(
        "description",
        |p| json!(p.description),
        Mutation::CreateOnly,
    )
    .spec(Ty::Str, "Set at creation (IAM cannot change it later)"),
    // Imported as `statements:` when that form can say it, else as the whole `document:`.
    Attribute::<ManagedPolicy>::new(
        "document",
        |p| p.document.canonical().clone(),
        |p| p.document.original().clone(),
        Mutation::InPlace,
    )
    .imported(Import::ByKind)
    .spec(
        Ty::Document,
        "A whole IAM policy document (YAML or a JSON string), instead of the shortcuts and statements",
    ),
    Attribute::tags().spec(Ty::StringMap, "The policy's own tags"),
];

impl crate::model::tags::Tagged for ManagedPolicy {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl ManagedPolicy {}

impl crate::model::unit::Declared for ManagedPolicy {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    fn access(&self, env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        vec![crate::model::access_fact::AccessFact::ManagedPolicy {
            arn: env.iam_arn("policy", &self.name),
            name: self.name.clone(),
            document: self.document.clone(),
        }]
    }
    const OUTPUT: Option<crate::model::unit::OutputSection> =
        Some(crate::model::unit::OutputSection {
            key: "policies",
            shape: crate::model::unit::OutputShape::Value,
            rank: 2,
        });
    fn name(&self) -> String {
        self.name.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.document = self.document.bind(env);
    }
}

/// Read with the IAM and ECR listings (`observe`), not as a registry kind.
impl crate::observe::read::Read for ManagedPolicy {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[
            ("iam:ListPolicies", ReadScope::Anything),
            ("iam:ListPolicyTags", ReadScope::Policies),
            ("iam:GetPolicyVersion", ReadScope::Policies),
            // When a policy changes (room is made for the new version) or is pruned.
            ("iam:ListPolicyVersions", ReadScope::Policies),
            // When a policy is pruned: who it is detached from first.
            ("iam:ListEntitiesForPolicy", ReadScope::Policies),
            ("iam:GetPolicy", ReadScope::ExternalPolicies),
        ]
    };
}
