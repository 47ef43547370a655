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

use crate::model::attribute::{self, Attribute, Import, Mutation};
use crate::model::{Encryption, LifecyclePolicy, PolicyDocument, TagMutability, Tags};

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
    pub(crate) image_tag_mutability: TagMutability,
    /// Sorted; empty: none.
    #[serde(default)]
    pub(crate) image_tag_mutability_exclusion_filters: Vec<String>,
    pub(crate) encryption: Encryption,
    #[serde(default)]
    pub(crate) lifecycle_policy: Option<LifecyclePolicy>,
    #[serde(default)]
    pub(crate) repository_policy: Option<PolicyDocument>,
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

impl crate::model::tags::Tagged for CreationTemplate {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<CreationTemplate>] = &[
    Attribute::<CreationTemplate>::plain("prefix", |t| json!(t.prefix), Mutation::Key),
    Attribute::<CreationTemplate>::plain(
        "description",
        |t| json!(t.description),
        Mutation::InPlace,
    )
    .hidden_when_empty(),
    Attribute::<CreationTemplate>::plain(
        "applied_for",
        |t| json!(t.applied_for),
        Mutation::InPlace,
    ),
    Attribute::<CreationTemplate>::plain(
        "image_tag_mutability",
        |t| json!(t.image_tag_mutability),
        Mutation::InPlace,
    ),
    Attribute::<CreationTemplate>::plain(
        "image_tag_mutability_exclusion_filters",
        |t| json!(t.image_tag_mutability_exclusion_filters),
        Mutation::InPlace,
    )
    .hidden_when_empty(),
    Attribute::<CreationTemplate>::plain("encryption", |t| json!(t.encryption), Mutation::InPlace),
    Attribute::<CreationTemplate>::plain(
        "lifecycle_policy",
        |t| json!(t.lifecycle_policy),
        Mutation::InPlace,
    ),
    Attribute::<CreationTemplate>::new(
        "repository_policy",
        |t| {
            t.repository_policy
                .as_ref()
                .map_or(Value::Null, |d| d.canonical().clone())
        },
        |t| {
            t.repository_policy
                .as_ref()
                .map_or(Value::Null, |d| d.original().clone())
        },
        Mutation::InPlace,
    ),
    Attribute::<CreationTemplate>::plain(
        "resource_tags",
        |t| json!(t.resource_tags),
        Mutation::InPlace,
    )
    .imported(Import::FieldNamed("tags"))
    .hidden_when_empty(),
    Attribute::<CreationTemplate>::plain(
        "custom_role_arn",
        |t| json!(t.custom_role_arn),
        Mutation::InPlace,
    ),
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
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    const IN_REGISTRY_RECORD: bool = true;
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        self.prefix.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.repository_policy = self.repository_policy.as_ref().map(|d| d.bind(env));
        self.custom_role_arn = self.custom_role_arn.as_deref().map(|a| env.bind(a));
        match &mut self.encryption {
            crate::model::Encryption::Kms { kms_key }
            | crate::model::Encryption::KmsDsse { kms_key } => {
                *kms_key = kms_key.as_deref().map(|k| env.bind(k));
            }
            _ => {}
        }
    }
}
