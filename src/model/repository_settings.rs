//! The settings a repository and a repository creation template share (ECR gives a repository it
//! creates from a template the template's settings): one struct, and one attribute row with its
//! spec field for each setting. Each kind places the rows in its own table (the order is its
//! fingerprint's), names the call that writes them, and says where it differs (a repository's
//! encryption is compared by type and changed only by replacement).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::attribute::{Attribute, Field, Mutation, Ty};
use super::{LifecyclePolicy, PolicyDocument};

/// Whether an image tag, once pushed, can be moved to another image (ECR's setting, in upper case).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TagMutability {
    /// `MUTABLE`: a push may reuse a tag.
    Mutable,
    /// `IMMUTABLE`: a push with a tag already in the repository is refused.
    Immutable,
}

impl TagMutability {
    pub(crate) const ALLOWED: &'static [&'static str] = &["MUTABLE", "IMMUTABLE"];

    pub(crate) fn parse(s: &str) -> Option<Self> {
        match s {
            "MUTABLE" => Some(TagMutability::Mutable),
            "IMMUTABLE" => Some(TagMutability::Immutable),
            _ => None,
        }
    }
}

/// Encryption at rest; fixed at creation, so a change means a new repository.
///
/// A KMS type without `kms_key` uses the AWS managed key of ECR (`aws/ecr`); AWS then reports that
/// key's ARN, which cannot be told apart from a customer key's without asking KMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Encryption {
    /// `AES256`: keys managed by ECR (the default).
    #[serde(rename = "AES256")]
    Aes256,
    /// `KMS`: an AWS KMS key.
    #[serde(rename = "KMS")]
    Kms {
        /// The key as the spec names it (ARN, key id or alias) or as AWS reports it (ARN);
        /// `None`: the AWS managed key (`aws/ecr`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kms_key: Option<String>,
    },
    /// Dual-layer server-side encryption with KMS.
    #[serde(rename = "KMS_DSSE")]
    KmsDsse {
        /// As for `Kms`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        kms_key: Option<String>,
    },
}

impl Encryption {
    pub(crate) const TYPES: &'static [&'static str] = &["AES256", "KMS", "KMS_DSSE"];

    /// The spec's fields of an `encryption` mapping.
    pub(crate) const FIELDS: &'static [Field] = &[
        Field::new(
            "type",
            Ty::OneOf(Encryption::TYPES),
            "AES256 (default), KMS, or KMS_DSSE (dual-layer KMS)",
        ),
        Field::new(
            "kms_key",
            Ty::Str,
            "With type KMS or KMS_DSSE: the key's ARN, id or alias/NAME (default: the AWS managed \
             key aws/ecr)",
        ),
    ];

    /// The type as ECR names it: what the fingerprint records.
    pub fn type_name(&self) -> &'static str {
        match self {
            Encryption::Aes256 => "AES256",
            Encryption::Kms { .. } => "KMS",
            Encryption::KmsDsse { .. } => "KMS_DSSE",
        }
    }

    /// The KMS key named, if any.
    pub(crate) fn kms_key(&self) -> Option<&str> {
        match self {
            Encryption::Aes256 => None,
            Encryption::Kms { kms_key } | Encryption::KmsDsse { kms_key } => kms_key.as_deref(),
        }
    }

    /// Whether a live setting satisfies this desired one. The types must be equal. AWS reports a
    /// KMS key by its ARN, while a spec may name it by ARN, key id or alias; an alias cannot be
    /// resolved without KMS, so it is taken to match any key rather than forcing a perpetual
    /// replacement. No key (the AWS managed key) matches any key for the same reason: AWS reports
    /// the managed key's ARN.
    pub(crate) fn satisfied_by(&self, live: &Encryption) -> bool {
        if self.type_name() != live.type_name() {
            return false;
        }
        let (Some(want), Some(have)) = (self.kms_key(), live.kms_key()) else {
            return true;
        };
        if want == have || want.starts_with("alias/") || want.contains(":alias/") {
            return true;
        }
        // A bare key id matches the key ARN that ends in it.
        !want.starts_with("arn:") && have.ends_with(&format!("key/{want}"))
    }
}

/// Flattened into its kind: the JSON of a repository or template keeps these fields at its top.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct RepositorySettings {
    pub(crate) image_tag_mutability: TagMutability,
    /// Wildcard filters of tags exempt from `image_tag_mutability` (ECR's `…_WITH_EXCLUSION`),
    /// sorted; empty: none.
    #[serde(default)]
    pub(crate) image_tag_mutability_exclusion_filters: Vec<String>,
    pub(crate) encryption: Encryption,
    #[serde(default)]
    pub(crate) lifecycle_policy: Option<LifecyclePolicy>,
    #[serde(default)]
    pub(crate) repository_policy: Option<PolicyDocument>,
}

impl Default for RepositorySettings {
    /// What the spec means when it says none of them.
    fn default() -> Self {
        RepositorySettings {
            image_tag_mutability: TagMutability::Immutable,
            image_tag_mutability_exclusion_filters: Vec::new(),
            encryption: Encryption::Aes256,
            lifecycle_policy: None,
            repository_policy: None,
        }
    }
}

impl RepositorySettings {
    /// Binds `{account}`, `{partition}` and `{region}` in the repository policy and the KMS key.
    pub(crate) fn bind(&mut self, env: &super::Env) {
        self.repository_policy = self.repository_policy.as_ref().map(|d| d.bind(env));
        match &mut self.encryption {
            Encryption::Kms { kms_key } | Encryption::KmsDsse { kms_key } => {
                *kms_key = kms_key.as_deref().map(|k| env.bind(k));
            }
            Encryption::Aes256 => {}
        }
    }
}

/// A kind that carries the shared settings.
pub(crate) trait WithSettings {
    fn settings(&self) -> &RepositorySettings;
}

fn mutability<T: WithSettings>(r: &T) -> Value {
    json!(r.settings().image_tag_mutability)
}

fn exclusion_filters<T: WithSettings>(r: &T) -> Value {
    json!(r.settings().image_tag_mutability_exclusion_filters)
}

fn encryption<T: WithSettings>(r: &T) -> Value {
    json!(r.settings().encryption)
}

fn lifecycle_policy<T: WithSettings>(r: &T) -> Value {
    json!(r.settings().lifecycle_policy)
}

fn policy_canonical<T: WithSettings>(r: &T) -> Value {
    r.settings()
        .repository_policy
        .as_ref()
        .map_or(Value::Null, |d| d.canonical().clone())
}

fn policy_as_written<T: WithSettings>(r: &T) -> Value {
    r.settings()
        .repository_policy
        .as_ref()
        .map_or(Value::Null, |d| d.original().clone())
}

/// The rows, each changed in place; their docs are a repository's (a template says its own with
/// `spec_doc`).
impl RepositorySettings {
    pub(crate) const fn image_tag_mutability<T: WithSettings, W: Copy>() -> Attribute<T, W> {
        Attribute::plain("image_tag_mutability", mutability::<T>, Mutation::InPlace).spec(
            Ty::OneOf(TagMutability::ALLOWED),
            "IMMUTABLE (default): a tag, once pushed, always names the same image",
        )
    }

    /// Left out of plans when empty, as it is in nearly every resource.
    pub(crate) const fn image_tag_mutability_exclusion_filters<T: WithSettings, W: Copy>()
    -> Attribute<T, W> {
        Attribute::plain(
            "image_tag_mutability_exclusion_filters",
            exclusion_filters::<T>,
            Mutation::InPlace,
        )
        .hidden_when_empty()
        .spec(
            Ty::Strings,
            "Up to 5 wildcard filters of tags exempt from image_tag_mutability (e.g. latest, dev-*)",
        )
    }

    /// Compared whole, key included.
    pub(crate) const fn encryption<T: WithSettings, W: Copy>() -> Attribute<T, W> {
        Attribute::plain("encryption", encryption::<T>, Mutation::InPlace).spec(
            Ty::Map(Encryption::FIELDS),
            "Encryption at rest (default AES256); a change replaces the repository",
        )
    }

    pub(crate) const fn lifecycle_policy<T: WithSettings, W: Copy>() -> Attribute<T, W> {
        Attribute::plain("lifecycle_policy", lifecycle_policy::<T>, Mutation::InPlace).spec(
            Ty::Map(super::lifecycle::FIELDS),
            "Which images ECR expires or archives",
        )
    }

    /// Compared canonically, shown as written.
    pub(crate) const fn repository_policy<T: WithSettings, W: Copy>() -> Attribute<T, W> {
        Attribute::new(
            "repository_policy",
            policy_canonical::<T>,
            policy_as_written::<T>,
            Mutation::InPlace,
        )
        .spec(
            Ty::Document,
            "An IAM policy document, as YAML or as a JSON string",
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fingerprint::Fingerprint;
    use crate::model::{Env, Resource};

    /// The same five settings, as a repository and as a creation template say them.
    const SETTINGS: &str = "image_tag_mutability: MUTABLE
image_tag_mutability_exclusion_filters: [latest, \"dev-*\"]
encryption: {type: KMS, kms_key: \"arn:aws:kms:{region}:{account}:key/1234abcd-12ab-34cd-56ef-1234567890ab\"}
lifecycle_policy:
  rules:
    - {priority: 1, tag_status: any, keep_last: 20}
repository_policy:
  Version: \"2012-10-17\"
  Statement:
    - Sid: Pull
      Effect: Allow
      Principal: {AWS: \"arn:aws:iam::{account}:root\"}
      Action: [ecr:BatchGetImage]
";

    fn indented(text: &str, by: &str) -> String {
        text.lines().map(|l| format!("{by}{l}\n")).collect()
    }

    /// A repository and a creation template with every setting away from its default, bound.
    fn both() -> Vec<Resource> {
        let yaml = format!(
            "version: 1\nstack: svc\nregion: ap-southeast-1\nrepositories:\n  - name: betekk-app\n    force_delete: true\n    tags: {{Team: platform}}\n{}registry:\n  creation_templates:\n    - prefix: betekk-cache\n      applied_for: [PULL_THROUGH_CACHE]\n      description: Cached images\n      custom_role_arn: \"arn:aws:iam::{{account}}:role/ecr-templates\"\n      tags: {{Team: platform}}\n{}",
            indented(SETTINGS, "    "),
            indented(SETTINGS, "      "),
        );
        let env = Env::placeholder("ap-southeast-1");
        let mut out: Vec<Resource> = crate::testing::spec(&yaml)
            .desired
            .resources
            .into_iter()
            .filter(|r| matches!(r, Resource::Repository(_) | Resource::CreationTemplate(_)))
            .collect();
        for r in &mut out {
            r.unit_mut().bind(&env);
        }
        out
    }

    fn repository_and_template() -> (super::super::Repository, super::super::CreationTemplate) {
        use super::super::Registered;
        let resources = both();
        let repo = resources.iter().find_map(super::super::Repository::of);
        let template = resources
            .iter()
            .find_map(super::super::CreationTemplate::of);
        (repo.unwrap().clone(), template.unwrap().clone())
    }

    #[test]
    fn a_repository_and_a_template_read_the_same_settings_identically() {
        let (repo, template) = repository_and_template();
        assert_ne!(repo.settings, RepositorySettings::default());
        assert_eq!(repo.settings, template.settings);
        // Bound alike too: the policy's account and the key.
        assert!(
            json!(repo.settings.repository_policy)
                .to_string()
                .contains("123456789012:root"),
            "{:?}",
            repo.settings.repository_policy
        );
    }

    /// Each shared row shows the same value in both kinds' plans.
    #[test]
    fn the_shared_rows_show_a_repository_and_a_template_alike() {
        use super::super::Unit;
        let (repo, template) = repository_and_template();
        let (repo, template) = (repo.attributes(), template.attributes());
        for name in [
            "image_tag_mutability",
            "image_tag_mutability_exclusion_filters",
            "encryption",
            "lifecycle_policy",
            "repository_policy",
        ] {
            let value = |shown: &[(&'static str, Value)]| {
                shown
                    .iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| v.clone())
            };
            assert!(value(&repo).is_some(), "{name}");
            assert_eq!(value(&repo), value(&template), "{name}");
        }
    }

    /// The fingerprints these two had before their settings were shared (a changed fingerprint
    /// would show every applied repository and template as changed out of band).
    #[test]
    fn sharing_the_settings_leaves_the_fingerprints_as_they_were() {
        let (repo, template) = repository_and_template();
        let encoded = |r: Resource| Fingerprint::of(&r).unwrap().encode();
        assert_eq!(
            encoded(Resource::Repository(repo)),
            "v1:3aa4ff70:b5bea41b:98fa20da:478769ce:100d4e53:8935c5f1:b5bea41b:353caa32"
        );
        assert_eq!(
            encoded(Resource::CreationTemplate(template)),
            "v1:88c1882c:a9b7336f:3aa4ff70:353caa32:3809f935:478769ce:100d4e53:d10ea368:09559e37"
        );
    }
}
