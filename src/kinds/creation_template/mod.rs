//! A repository creation template: the settings ECR gives a repository it creates itself (on
//! pull through cache, on replication, or on push) under `prefix/`. Templates carry no tags of
//! their own (`resource_tags` are what the created repositories get): ownership and fingerprint
//! are kept in the stack's registry record.

pub(crate) mod apply;
#[cfg(any(test, feature = "fake"))]
pub(crate) mod fake;
pub(crate) mod live;
pub(crate) mod observe;
pub(crate) mod plan;
pub(crate) mod sdk;
pub(crate) mod spec;

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::model::Tags;
use crate::model::attribute::{self, Attribute, Mutation, Ty};
use crate::model::repository_settings::{RepositorySettings, WithSettings};

/// What a template applies to (ECR's `appliedFor`).
pub(crate) const APPLIED_FOR: &[&str] = &["PULL_THROUGH_CACHE", "REPLICATION", "CREATE_ON_PUSH"];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CreationTemplate {
    /// The repository prefix, without the trailing `/` AWS assumes, or `ROOT`.
    pub(crate) prefix: String,
    #[serde(default)]
    pub(crate) description: String,
    /// Sorted, deduplicated values of [`APPLIED_FOR`].
    pub(crate) applied_for: Vec<String>,
    /// What the created repositories get: mutability with the exclusion filters, encryption,
    /// lifecycle and repository policies.
    #[serde(flatten)]
    pub(crate) settings: RepositorySettings,
    /// The tags the created repositories get (the template itself has none).
    #[serde(default)]
    pub(crate) resource_tags: Tags,
    /// A role of this account ECR assumes to apply the template (needed for KMS and tags).
    #[serde(default)]
    pub(crate) custom_role_arn: Option<String>,
    /// Not written to AWS: ownership and fingerprint from the stack's registry record.
    #[serde(default)]
    pub(crate) tags: Tags,
}

impl WithSettings for CreationTemplate {
    fn settings(&self) -> &RepositorySettings {
        &self.settings
    }
}

impl crate::model::tags::Tagged for CreationTemplate {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

/// The call that writes a template's changed settings: `UpdateRepositoryCreationTemplate`, which
/// takes every setting at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Write {
    Template,
}

pub(crate) const ATTRIBUTES: &[Attribute<CreationTemplate, Write>] = &[
    Attribute::<CreationTemplate, Write>::plain("prefix", |t| json!(t.prefix), Mutation::Key)
        .spec_required(
            Ty::Str,
            "The repository prefix the template applies to, or ROOT (every repository no other template matches)",
        ),
    Attribute::<CreationTemplate, Write>::plain(
        "description",
        |t| json!(t.description),
        Mutation::InPlace,
    )
    .hidden_when_empty()
    .spec(Ty::Str, "Up to 256 characters")
    .written_by(Write::Template),
    Attribute::<CreationTemplate, Write>::plain(
        "applied_for",
        |t| json!(t.applied_for),
        Mutation::InPlace,
    )
    .spec_required(
        Ty::Strings,
        "PULL_THROUGH_CACHE, REPLICATION and/or CREATE_ON_PUSH",
    )
    .written_by(Write::Template),
    RepositorySettings::image_tag_mutability()
        .spec_doc("IMMUTABLE (default) or MUTABLE, for the repositories ECR creates")
        .written_by(Write::Template),
    RepositorySettings::image_tag_mutability_exclusion_filters()
        .spec_doc("Up to 5 wildcard filters of tags exempt from image_tag_mutability")
        .written_by(Write::Template),
    // Compared whole: a template names its key by ARN, and AWS reports it as written.
    RepositorySettings::encryption()
        .spec_doc("AES256 (default), KMS or KMS_DSSE; a kms_key is named by its ARN here")
        .written_by(Write::Template),
    RepositorySettings::lifecycle_policy()
        .spec_doc("The same typed rules as a repository's")
        .written_by(Write::Template),
    RepositorySettings::repository_policy()
        .spec_doc("An IAM policy document for the created repositories")
        .written_by(Write::Template),
    Attribute::<CreationTemplate, Write>::plain(
        "resource_tags",
        |t| json!(t.resource_tags),
        Mutation::InPlace,
    )
    .hidden_when_empty()
    .spec_named(
        "tags",
        Ty::StringMap,
        "Tags the created repositories get (not the stack's ownership tags)",
    )
    .written_by(Write::Template),
    Attribute::<CreationTemplate, Write>::plain(
        "custom_role_arn",
        |t| json!(t.custom_role_arn),
        Mutation::InPlace,
    )
    .spec(
        Ty::Str,
        "A role of this account, trusted by ecr.amazonaws.com, that ECR assumes to apply the \
         template; AWS requires one for tags or KMS encryption",
    )
    .written_by(Write::Template),
];

impl CreationTemplate {
    /// Attribute names and values as shown, in table order.
    pub(crate) fn attributes(&self) -> Vec<(&'static str, Value)> {
        attribute::shown(ATTRIBUTES, self)
    }
}

/// The record's section listing a stack's creation templates.
pub(crate) const RECORD_SECTION: &str = "creation_templates";

impl crate::model::unit::Declared for CreationTemplate {
    type Write = Write;
    const ATTRIBUTES: &'static [Attribute<Self, Write>] = ATTRIBUTES;
    const IN_REGISTRY_RECORD: bool = true;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        use crate::model::access_fact::AccessFact;
        let shapes = AccessFact::ShapesRepositories {
            prefix: self.prefix.clone(),
        };
        std::iter::once(shapes)
            .chain(self.custom_role_arn.clone().map(AccessFact::PassedRole))
            .collect()
    }
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        self.prefix.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.settings.bind(env);
        self.custom_role_arn = self.custom_role_arn.as_deref().map(|a| env.bind(a));
    }
}
