//! An account setting of the registry (`PutAccountSetting`): one per name and region, owned by the
//! stack that declares it (its registry record says so), like every registry-wide part.
//!
//! AWS has no "unset": a setting always has a value (its default until someone puts another), so
//! a stack that stops declaring one gives up its ownership and the registry keeps the value.

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

/// One setting ECR knows, as the spec names it and as AWS does.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Known {
    /// The spec's field under `registry.account_settings`.
    pub(crate) key: &'static str,
    /// The name `PutAccountSetting` takes.
    pub(crate) aws_name: &'static str,
    pub(crate) values: &'static [&'static str],
    pub(crate) doc: &'static str,
}

/// Every setting the spec may declare (ECR API reference, PutAccountSetting).
pub(crate) const KNOWN: &[Known] = &[
    Known {
        key: "registry_policy_scope",
        aws_name: "REGISTRY_POLICY_SCOPE",
        values: &["V1", "V2"],
        doc: "Whether the registry policy governs every ECR call (V2, AWS's default) or only \
              replication, pull-through cache imports and repository creation (V1)",
    },
    Known {
        key: "basic_scan_type_version",
        aws_name: "BASIC_SCAN_TYPE_VERSION",
        values: &["AWS_NATIVE"],
        doc: "The engine of basic scanning (AWS_NATIVE; Clair was retired)",
    },
    Known {
        key: "blob_mounting",
        aws_name: "BLOB_MOUNTING",
        values: &["ENABLED", "DISABLED"],
        doc: "Cross-repository layer sharing within the registry",
    },
];

/// The setting the spec calls `key`.
pub(crate) fn known(key: &str) -> Option<&'static Known> {
    KNOWN.iter().find(|k| k.key == key)
}

/// The record's section listing a stack's account settings.
pub(crate) const RECORD_SECTION: &str = "account_settings";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct AccountSetting {
    /// The spec's name of the setting (`registry_policy_scope`).
    pub(crate) name: String,
    pub(crate) value: String,
    /// Ownership and the last-applied fingerprint, from the stack's registry record.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub(crate) tags: Tags,
}

impl AccountSetting {
    /// The name AWS gives it (`REGISTRY_POLICY_SCOPE`).
    pub(crate) fn aws_name(&self) -> &'static str {
        known(&self.name).map_or("", |k| k.aws_name)
    }
}

impl crate::model::tags::Tagged for AccountSetting {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<AccountSetting>] = &[
    Attribute::plain("name", |s| json!(s.name), Mutation::Key),
    Attribute::plain("value", |s| json!(s.value), Mutation::InPlace),
];

impl crate::model::unit::Declared for AccountSetting {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    const IN_REGISTRY_RECORD: bool = true;
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        self.name.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, _env: &crate::model::Env) {}
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        if self.name != "registry_policy_scope" {
            return Vec::new();
        }
        vec![crate::model::access_fact::AccessFact::RegistryPolicyScope(
            self.value.clone(),
        )]
    }
}
