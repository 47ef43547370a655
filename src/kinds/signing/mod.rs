//! Managed image signing (`PutSigningConfiguration`): the registry's rules, each an AWS Signer
//! profile and the repositories whose pushed images ECR signs with it. The registry holds one
//! configuration of up to 10 rules, replaced as a whole; a stack owns the rules it declares, by
//! (profile, filters), as it owns replication rules, and every other rule is kept as it is.
//!
//! Signing runs as the pusher: whoever pushes to a covered repository needs `signer:SignPayload`
//! on the profile, so the push policies of this tool gain it (see `kinds/policy/plan.rs`).

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

use crate::model::attribute::{Attribute, Mutation};
use crate::model::tags::Tags;
use crate::model::wildcard;

/// ECR's limits: rules per registry, filters per rule.
pub(crate) const MAX_RULES: usize = 10;
pub(crate) const MAX_FILTERS: usize = 100;

/// The record's section listing a stack's rules, by key.
pub(crate) const RECORD_SECTION: &str = "signing";

/// One rule: a profile, and the repositories it signs (none: every repository).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct SigningRule {
    /// `arn:PARTITION:signer:REGION:ACCOUNT:/signing-profiles/NAME`.
    pub(crate) profile_arn: String,
    /// Wildcard repository filters, sorted; empty for every repository.
    pub(crate) filters: Vec<String>,
}

impl SigningRule {
    pub(crate) fn new(profile_arn: String, mut filters: Vec<String>) -> Self {
        filters.sort();
        filters.dedup();
        SigningRule {
            profile_arn,
            filters,
        }
    }

    /// What owns it: the profile and the filters.
    pub(crate) fn key(&self) -> String {
        format!("{}|{}", self.profile_arn, self.filters.join(","))
    }

    /// Whether ECR signs images pushed to `repository` with this rule.
    pub(crate) fn covers(&self, repository: &str) -> bool {
        self.filters.is_empty()
            || self
                .filters
                .iter()
                .any(|f| wildcard::matches(f, repository))
    }

    /// As plans show it, in the spec's terms.
    pub(crate) fn shown(&self) -> Value {
        json!({"signing_profile": self.profile_arn, "repositories": self.filters})
    }
}

/// The configuration after a stack's write: every rule it does not own and does not give up is
/// kept, in AWS's order, and its own follow. `ours`: the rules it declares; `release`: the keys of
/// rules it owned and gives up.
pub(crate) fn merge(
    live: &[SigningRule],
    ours: &[SigningRule],
    release: &[String],
) -> Vec<SigningRule> {
    let replaced: Vec<String> = ours
        .iter()
        .map(SigningRule::key)
        .chain(release.iter().cloned())
        .collect();
    live.iter()
        .filter(|r| !replaced.contains(&r.key()))
        .chain(ours)
        .cloned()
        .collect()
}

/// The repository ARNs a push policy (the `ecr_push` shortcut's `EcrPushPull` statement) names:
/// those whose pushed images ECR may sign.
pub(crate) fn pushed_repositories(
    document: &crate::model::PolicyDocument,
) -> impl Iterator<Item = String> + '_ {
    let statements = match &document.original()["Statement"] {
        Value::Array(items) => items.iter().collect(),
        single @ Value::Object(_) => vec![single],
        _ => Vec::new(),
    };
    statements
        .into_iter()
        .filter(|s| s["Sid"] == "EcrPushPull")
        .flat_map(|s| match &s["Resource"] {
            Value::Array(items) => items.iter().filter_map(Value::as_str).collect(),
            Value::String(one) => vec![one.as_str()],
            _ => Vec::new(),
        })
        .filter(|arn| arn.contains(":repository/"))
        .map(str::to_string)
}

/// The rules a stack owns in a region (as the spec wants them, or as AWS has them).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Signing {
    /// Sorted by key.
    pub(crate) rules: Vec<SigningRule>,
    /// Ownership and the last-applied fingerprint, from the stack's registry record.
    #[serde(default, skip_serializing_if = "Tags::is_empty")]
    pub(crate) tags: Tags,
}

impl Signing {
    pub(crate) fn new(mut rules: Vec<SigningRule>) -> Self {
        rules.sort();
        rules.dedup();
        Signing {
            rules,
            tags: Tags::new(),
        }
    }

    pub(crate) fn keys(&self) -> Vec<String> {
        self.rules.iter().map(SigningRule::key).collect()
    }
}

impl crate::model::tags::Tagged for Signing {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<Signing>] = &[Attribute::plain(
    "rules",
    |s| Value::Array(s.rules.iter().map(SigningRule::shown).collect()),
    Mutation::InPlace,
)];

/// The address name of a stack's rules.
pub(crate) const ADDRESS_NAME: &str = "rules";

impl crate::model::unit::Declared for Signing {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    const IN_REGISTRY_RECORD: bool = true;
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        ADDRESS_NAME.to_string()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        let rules = self
            .rules
            .iter()
            .map(|r| SigningRule::new(env.bind(&r.profile_arn), r.filters.clone()))
            .collect();
        *self = Signing {
            tags: std::mem::take(&mut self.tags),
            ..Signing::new(rules)
        };
    }
    /// Each rule is recorded by its key.
    fn record_keys(&self) -> Vec<String> {
        self.keys()
    }
    /// The live rules no stack's record lists (set in the console or by another tool).
    fn unowned_parts(
        _desired: &crate::model::Desired,
        observed: &crate::model::Observed,
    ) -> Vec<String> {
        observed
            .registry
            .fact::<Vec<SigningRule>>(crate::model::Kind::Signing)
            .iter()
            .flatten()
            .map(SigningRule::key)
            .filter(|key| {
                !observed
                    .registry
                    .records
                    .values()
                    .any(|r| r.section(RECORD_SECTION).contains_key(key))
            })
            .collect()
    }
}
