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

use super::Resource;

/// The tag holding the fingerprint; never compared, never shown as a tag change.
pub(crate) use super::tags::{APPLIED_TAG, without_fingerprint};
/// The encoding's version, first in the tag value, so a later layout can be told apart.
const VERSION: &str = "v1";
/// Hex digits kept per attribute: 32 bits, ample to notice a change to one attribute.
const SHORT: usize = 8;

/// Attribute names and hashes, in the kind's fixed order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fingerprint(pub(crate) Vec<(&'static str, String)>);

impl Fingerprint {
    pub(crate) fn of(resource: &Resource) -> Option<Fingerprint> {
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
    pub(crate) fn encode(&self) -> String {
        let mut out = String::from(VERSION);
        for (_, h) in &self.0 {
            out.push(':');
            out.push_str(h);
        }
        out
    }

    /// Reads the tag of a live resource of the same kind; `None` when absent or of another layout.
    pub(crate) fn recorded(resource: &Resource) -> Option<Fingerprint> {
        Self::read(resource, resource.tags().get(APPLIED_TAG)?)
    }

    /// Reads an encoded fingerprint of a resource of `resource`'s kind (a tag's value, or a
    /// registry record's entry); `None` when of another layout.
    pub(crate) fn read(resource: &Resource, text: &str) -> Option<Fingerprint> {
        let mut parts = text.split(':');
        if parts.next() != Some(VERSION) {
            return None;
        }
        let mut hashes: Vec<String> = parts.map(str::to_string).collect();
        let layout = layout(resource);
        if hashes.len() > layout.len() {
            return None;
        }
        // A fingerprint from before the kind's last attributes were added: they held then what
        // their tables declare.
        for (_, before) in &layout[hashes.len()..] {
            hashes.push(short_hash(before.as_ref()?));
        }
        Some(Fingerprint(
            layout.into_iter().map(|(n, _)| n).zip(hashes).collect(),
        ))
    }

    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, h)| h.as_str())
    }

    /// Whether the recorded `force_delete` was true (repositories only).
    pub(crate) fn force_delete(&self) -> Option<bool> {
        let h = self.get("force_delete")?;
        Some(h == short_hash(&json!(true)))
    }
}

/// The first `SHORT` hex digits of the SHA-256 of a value's compact JSON.
pub(crate) fn short_hash(value: &Value) -> String {
    let digest = Sha256::digest(value.to_string().as_bytes());
    let mut hex = String::with_capacity(SHORT);
    for byte in digest.iter().take(SHORT / 2) {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// Every attribute drift can classify, by the spec's field names, in canonical form.
///
/// Encryption is fingerprinted by its type only: it cannot change in place, and a spec may name a
/// KMS key by alias while AWS reports its ARN. `force_delete` is no property of the live
/// repository; it is recorded so that prune knows whether the last apply allowed deleting images.
pub(crate) fn comparable(resource: &Resource) -> Vec<(&'static str, Value)> {
    resource.unit().comparable()
}

/// The names a kind's fingerprint records, in order, with what later additions held before.
fn layout(resource: &Resource) -> Vec<(&'static str, Option<Value>)> {
    resource.unit().fingerprint_layout()
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

    /// A fingerprint recorded before the kind's last attribute existed reads as if that
    /// attribute held what its table declares (empty); one shorter still is not read.
    #[test]
    fn fingerprints_from_before_an_attribute_was_added_stay_readable() {
        let full = Resource::Repository(repo("betekk-a").build());
        let fp = Fingerprint::of(&full).unwrap();
        let encoded = fp.encode();
        let (older, _) = encoded.rsplit_once(':').unwrap();
        let (older_still, _) = older.rsplit_once(':').unwrap();
        let with_tag = |text: &str| {
            let mut r = repo("betekk-a").build();
            r.tags.insert(APPLIED_TAG.into(), text.into());
            Resource::Repository(r)
        };
        assert_eq!(Fingerprint::recorded(&with_tag(older)), Some(fp));
        assert_eq!(Fingerprint::recorded(&with_tag(older_still)), None);
        // A role's inline policies were added later the same way.
        let role = role("BETEKK-Ci", &["arn:aws:iam::123456789012:policy/p"]);
        assert!(role.inline_policies.is_empty());
        let fp = Fingerprint::of(&Resource::Role(role.clone())).unwrap();
        let encoded = fp.encode();
        let (older, _) = encoded.rsplit_once(':').unwrap();
        let mut live = role;
        live.tags.insert(APPLIED_TAG.into(), older.into());
        assert_eq!(Fingerprint::recorded(&Resource::Role(live)), Some(fp));
    }

    use crate::model::PolicyDocument;
}
