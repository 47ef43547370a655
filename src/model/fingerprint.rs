//! The last-applied fingerprint: what apply wrote, remembered on the resource itself.
//!
//! There is no state file, so apply records in a tag ([`APPLIED_TAG`]) one short hash per
//! comparable attribute of the desired state it wrote. Drift detection hashes the live attributes
//! the same way: an attribute whose live hash still equals the recorded one was not touched since
//! the last apply (so a difference from the spec is a pending spec change), one whose hash moved
//! was changed out of band. Hashes only: values could exceed a tag's 256 characters and would
//! expose documents in tags.
//!
//! Values are hashed in the form the planner compares (canonical documents, sorted lists, tags
//! without this tag), so equal meaning gives equal hashes.

use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::attribute;
use super::{Resource, Tags};

/// The tag holding the fingerprint; never compared, never shown as a tag change.
pub const APPLIED_TAG: &str = "betekk-ecr:applied";
/// The encoding's version, first in the tag value, so a later layout can be told apart.
const VERSION: &str = "v1";
/// Hex digits kept per attribute: 32 bits, ample to notice a change to one attribute.
const SHORT: usize = 8;

/// Attribute names and hashes, in the kind's fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint(pub Vec<(&'static str, String)>);

impl Fingerprint {
    pub fn of(resource: &Resource) -> Option<Fingerprint> {
        let attrs = comparable(resource);
        if attrs.is_empty() {
            return None;
        }
        Some(Fingerprint(
            attrs
                .into_iter()
                .map(|(n, v)| (n, short_hash(&v)))
                .collect(),
        ))
    }

    /// The tag value: `v1:` and the hashes joined by `:` (ECR and IAM allow `:` in tag values).
    pub fn encode(&self) -> String {
        let mut out = String::from(VERSION);
        for (_, h) in &self.0 {
            out.push(':');
            out.push_str(h);
        }
        out
    }

    /// Reads the tag of a live resource of the same kind; `None` when absent or of another layout.
    pub fn recorded(resource: &Resource) -> Option<Fingerprint> {
        let text = resource.tags().get(APPLIED_TAG)?;
        let mut parts = text.split(':');
        if parts.next() != Some(VERSION) {
            return None;
        }
        let mut hashes: Vec<String> = parts.map(str::to_string).collect();
        let names: Vec<&'static str> = comparable(resource).into_iter().map(|(n, _)| n).collect();
        // Fingerprints from before the last attribute of a kind existed: it was empty then (a
        // role's inline policies, a repository's exclusion filters).
        if hashes.len() + 1 == names.len() {
            match names.last() {
                Some(&"inline_policies") => hashes.push(short_hash(&json!({}))),
                Some(&"image_tag_mutability_exclusion_filters") => {
                    hashes.push(short_hash(&json!([])))
                }
                _ => {}
            }
        }
        if hashes.len() != names.len() {
            return None;
        }
        Some(Fingerprint(names.into_iter().zip(hashes).collect()))
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, h)| h.as_str())
    }

    /// Whether the recorded `force_delete` was true (repositories only).
    pub fn force_delete(&self) -> Option<bool> {
        let h = self.get("force_delete")?;
        Some(h == short_hash(&json!(true)))
    }
}

/// The first `SHORT` hex digits of the SHA-256 of a value's compact JSON.
pub fn short_hash(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    let mut hex = String::with_capacity(SHORT);
    for byte in digest.iter().take(SHORT / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Tags as fingerprinted and shown: without the fingerprint itself.
pub fn without_fingerprint(tags: &Tags) -> Tags {
    let mut tags = tags.clone();
    tags.remove(APPLIED_TAG);
    tags
}

/// Every attribute drift can classify, by the spec's field names, in canonical form.
///
/// Encryption is fingerprinted by its type only: it cannot change in place, and a spec may name a
/// KMS key by alias while AWS reports its ARN. `force_delete` is no property of the live
/// repository; it is recorded so that prune knows whether the last apply allowed deleting images.
pub fn comparable(resource: &Resource) -> Vec<(&'static str, Value)> {
    match resource {
        Resource::Repository(r) => attribute::comparable(super::repository::ATTRIBUTES, r),
        Resource::Role(r) => attribute::comparable(super::role::ATTRIBUTES, r),
        Resource::Policy(p) => attribute::comparable(super::managed_policy::ATTRIBUTES, p),
        Resource::OidcProvider(p) => attribute::comparable(super::oidc_provider::ATTRIBUTES, p),
        Resource::UserAttachment(_) => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::*;

    #[test]
    fn round_trips_through_the_tag_and_ignores_itself() {
        let want = Resource::Repository(repo("betekk-a").lifecycle(keep_last(5)).build());
        let fp = Fingerprint::of(&want).unwrap();
        let encoded = fp.encode();
        assert!(
            encoded.len() <= 256 && encoded.starts_with("v1:"),
            "{encoded}"
        );
        let mut live = want.clone();
        if let Resource::Repository(r) = &mut live {
            r.tags.insert(APPLIED_TAG.into(), encoded);
        }
        assert_eq!(Fingerprint::recorded(&live), Some(fp.clone()));
        // The tag itself does not change the fingerprint.
        assert_eq!(Fingerprint::of(&live), Some(fp.clone()));
        assert_eq!(fp.force_delete(), Some(false));
    }

    #[test]
    fn equal_meaning_hashes_equal() {
        let a = PolicyDocument::parse(PULL_POLICY).unwrap();
        let b = PolicyDocument::parse(&PULL_POLICY.replace(
            "[\"ecr:BatchGetImage\",\"ecr:GetDownloadUrlForLayer\"]",
            "[\"ecr:GetDownloadUrlForLayer\",\"ecr:BatchGetImage\"]",
        ))
        .unwrap();
        assert_eq!(short_hash(a.canonical()), short_hash(b.canonical()));
    }

    #[test]
    fn other_layouts_are_not_read() {
        let mut r = repo("betekk-a").build();
        r.tags.insert(APPLIED_TAG.into(), "v9:abc".into());
        assert_eq!(
            Fingerprint::recorded(&Resource::Repository(r.clone())),
            None
        );
        r.tags.insert(APPLIED_TAG.into(), "v1:abc".into());
        assert_eq!(Fingerprint::recorded(&Resource::Repository(r)), None);
    }

    use crate::model::PolicyDocument;
}
