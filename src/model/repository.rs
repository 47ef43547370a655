//! An ECR repository as the spec wants it or as AWS has it.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{LifecyclePolicy, PolicyDocument, Tags};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum TagMutability {
    Mutable,
    Immutable,
}

impl TagMutability {
    pub const ALLOWED: &'static [&'static str] = &["MUTABLE", "IMMUTABLE"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "MUTABLE" => Some(TagMutability::Mutable),
            "IMMUTABLE" => Some(TagMutability::Immutable),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TagMutability::Mutable => "MUTABLE",
            TagMutability::Immutable => "IMMUTABLE",
        }
    }
}

/// Encryption at rest; fixed at creation, so a change means a new repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type")]
pub enum Encryption {
    #[serde(rename = "AES256")]
    Aes256,
    #[serde(rename = "KMS")]
    Kms { kms_key: String },
}

impl Encryption {
    /// Whether a live setting satisfies this desired one. AWS reports a KMS key by its ARN, while a
    /// spec may name it by ARN, key id or alias; an alias cannot be resolved without KMS, so it is
    /// taken to match any KMS key rather than forcing a perpetual replacement.
    pub fn satisfied_by(&self, live: &Encryption) -> bool {
        match (self, live) {
            (Encryption::Aes256, Encryption::Aes256) => true,
            (Encryption::Kms { kms_key: want }, Encryption::Kms { kms_key: have }) => {
                if want == have || want.starts_with("alias/") || want.contains(":alias/") {
                    return true;
                }
                // A bare key id matches the key ARN that ends in it.
                !want.starts_with("arn:") && have.ends_with(&format!("key/{want}"))
            }
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Repository {
    pub name: String,
    pub image_tag_mutability: TagMutability,
    pub scan_on_push: bool,
    pub encryption: Encryption,
    /// Behaviour on delete, not a property of the live repository: never compared.
    #[serde(default)]
    pub force_delete: bool,
    #[serde(default)]
    pub lifecycle_policy: Option<LifecyclePolicy>,
    #[serde(default)]
    pub repository_policy: Option<PolicyDocument>,
    #[serde(default)]
    pub tags: Tags,
}

impl Repository {
    /// Attribute names (the spec's field names) and their canonical values, in display order.
    pub fn attributes(&self) -> Vec<(&'static str, Value)> {
        vec![
            ("image_tag_mutability", json!(self.image_tag_mutability)),
            ("scan_on_push", json!(self.scan_on_push)),
            ("encryption", json!(self.encryption)),
            ("lifecycle_policy", json!(self.lifecycle_policy)),
            (
                "repository_policy",
                self.repository_policy
                    .as_ref()
                    .map_or(Value::Null, |p| p.original().clone()),
            ),
            ("tags", json!(self.tags)),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kms(key: &str) -> Encryption {
        Encryption::Kms {
            kms_key: key.into(),
        }
    }

    #[test]
    fn encryption_equivalence() {
        let arn = "arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd-12ab";
        assert!(Encryption::Aes256.satisfied_by(&Encryption::Aes256));
        assert!(!Encryption::Aes256.satisfied_by(&kms(arn)));
        assert!(!kms(arn).satisfied_by(&Encryption::Aes256));
        assert!(kms(arn).satisfied_by(&kms(arn)));
        assert!(kms("1234abcd-12ab").satisfied_by(&kms(arn)));
        assert!(kms("alias/ecr").satisfied_by(&kms(arn)));
        assert!(!kms("ffff").satisfied_by(&kms(arn)));
        assert!(!kms("arn:aws:kms:ap-southeast-1:123456789012:key/other").satisfied_by(&kms(arn)));
    }
}
