//! A pull-time update exclusion (`RegisterPullTimeUpdateExclusion`): a role or user whose pulls
//! do not update an image's `LastRecordedPullTime`, so that a scanner pulling every image daily
//! does not keep archive rules (`not_pulled_for_days`) from ever matching. One per principal,
//! owned by the stack that declares it (its registry record says so); the registry holds 100.

pub(crate) mod apply;
#[cfg(any(test, feature = "fake"))]
pub(crate) mod fake;
pub(crate) mod live;
pub(crate) mod observe;
pub(crate) mod plan;
pub(crate) mod sdk;
pub(crate) mod spec;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::attribute::{Attribute, Mutation};
use crate::model::tags::Tags;

/// ECR's limit of exclusions (per account, and per region as far as the docs say).
pub(crate) const MAX_EXCLUSIONS: usize = 100;

/// The record's section listing a stack's exclusions.
pub(crate) const RECORD_SECTION: &str = "pull_time_update_exclusions";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PullTimeExclusion {
    /// The role or user ARN (`{partition}`, `{account}` bound at plan time).
    pub(crate) principal_arn: String,
    /// Ownership and the last-applied fingerprint, from the stack's registry record.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub(crate) tags: Tags,
}

impl crate::model::tags::Tagged for PullTimeExclusion {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<PullTimeExclusion>] = &[Attribute::plain(
    "principal_arn",
    |e| json!(e.principal_arn),
    Mutation::Key,
)];

impl crate::model::unit::Declared for PullTimeExclusion {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    const IN_REGISTRY_RECORD: bool = true;
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        self.principal_arn.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.principal_arn = env.bind(&self.principal_arn);
    }
}
