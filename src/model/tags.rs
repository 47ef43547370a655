//! Resource tags: an ordered map, compared as a whole.

use std::collections::BTreeMap;

/// What a tag write names: ECR and IAM address their resources differently.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TagTarget {
    /// An ECR repository, tagged through ECR.
    Repository {
        /// The repository ARN.
        arn: String,
    },
    /// The OIDC provider, tagged through IAM.
    OidcProvider {
        /// The provider ARN.
        arn: String,
    },
    /// A customer managed policy, tagged through IAM.
    Policy {
        /// The policy ARN.
        arn: String,
    },
    /// A role, which IAM tags by name.
    Role {
        /// The role name.
        name: String,
    },
}

impl TagTarget {
    /// The kind of resource tagged.
    pub(crate) fn kind(&self) -> super::Kind {
        match self {
            TagTarget::Repository { .. } => super::Kind::Repository,
            TagTarget::OidcProvider { .. } => super::Kind::OidcProvider,
            TagTarget::Policy { .. } => super::Kind::Policy,
            TagTarget::Role { .. } => super::Kind::Role,
        }
    }
}

/// The tag holding the last-applied fingerprints (see `fingerprint`); kept here, in the leaf
/// module, so that the attribute tables can leave it out without importing the fingerprint.
pub(crate) const APPLIED_TAG: &str = "betekk-ecr:applied";

/// The tags without the last-applied fingerprint: what plans show and compare.
pub(crate) fn without_fingerprint(tags: &Tags) -> Tags {
    let mut tags = tags.clone();
    tags.remove(APPLIED_TAG);
    tags
}

/// Tags sorted by key, so that two tag sets with the same pairs compare and print identically.
pub type Tags = BTreeMap<String, String>;

/// The stack named by a tag set, if it marks the resource as managed by this tool.
pub(crate) fn owner_of_tags(tags: &Tags) -> Option<&str> {
    if tags.get(super::MANAGED_BY_TAG).map(String::as_str) != Some(super::MANAGED_BY_VALUE) {
        return None;
    }
    tags.get(super::STACK_TAG).map(String::as_str)
}

/// A resource kind that carries tags (all but a user's policy attachment).
pub(crate) trait Tagged {
    fn tags(&self) -> &Tags;
}

/// What must change to turn `live` into `desired`: tags to set and keys to remove.
pub(crate) fn tag_delta(live: &Tags, desired: &Tags) -> (Tags, Vec<String>) {
    let set = desired
        .iter()
        .filter(|(k, v)| live.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = live
        .keys()
        .filter(|k| !desired.contains_key(*k))
        .cloned()
        .collect();
    (set, remove)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(pairs: &[(&str, &str)]) -> Tags {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn delta_sets_changed_and_new_and_removes_extra() {
        let live = tags(&[("a", "1"), ("b", "2"), ("c", "3")]);
        let desired = tags(&[("a", "1"), ("b", "20"), ("d", "4")]);
        let (set, remove) = tag_delta(&live, &desired);
        assert_eq!(set, tags(&[("b", "20"), ("d", "4")]));
        assert_eq!(remove, vec!["c".to_string()]);
    }

    #[test]
    fn equal_tags_need_nothing() {
        let t = tags(&[("a", "1")]);
        let (set, remove) = tag_delta(&t, &t);
        assert!(set.is_empty() && remove.is_empty());
    }
}
