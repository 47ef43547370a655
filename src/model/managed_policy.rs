//! A customer-managed IAM policy.

use serde::{Deserialize, Serialize};
use serde_json::json;

use super::attribute::{Attribute, Import, Mutation};
use super::{PolicyDocument, Tags};

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
    ),
    // Imported as `statements:` when that form can say it, else as the whole `document:`.
    Attribute::<ManagedPolicy>::new(
        "document",
        |p| p.document.canonical().clone(),
        |p| p.document.original().clone(),
        Mutation::InPlace,
    )
    .imported(Import::ByKind),
    Attribute::tags(),
];

impl super::tags::Tagged for ManagedPolicy {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl ManagedPolicy {}

impl super::unit::Declared for ManagedPolicy {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    fn access(&self, env: &super::Env) -> Vec<super::access_fact::AccessFact> {
        vec![super::access_fact::AccessFact::ManagedPolicy {
            arn: env.iam_arn("policy", &self.name),
            name: self.name.clone(),
            document: self.document.clone(),
        }]
    }
    const OUTPUT: Option<super::unit::OutputSection> = Some(super::unit::OutputSection {
        key: "policies",
        shape: super::unit::OutputShape::Value,
        rank: 2,
    });
    fn output(&self, live: &super::Live, _env: &super::Env) -> Vec<(&'static str, String)> {
        vec![("arn", live.arn.clone())]
    }
    fn name(&self) -> String {
        self.name.clone()
    }
    super::unit::tags_in_field!();
    fn bind(&mut self, env: &super::Env) {
        self.document = self.document.bind(env);
    }
}
