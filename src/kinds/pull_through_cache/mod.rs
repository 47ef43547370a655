//! A pull-through cache rule: repositories under `prefix/` are filled on first pull from an
//! upstream registry. Rules carry no tags: their ownership and last-applied fingerprint are kept
//! in the stack's registry record ([`crate::model::registry_record`]).

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

/// The upstream registries ECR pulls through (the SDK's `UpstreamRegistry` values), how their
/// URLs look, and whether a Secrets Manager credential is required (ECR user guide, "Pull through
/// cache rules"; the URLs from the `upstreamRegistryUrl` reference).
pub(crate) const UPSTREAMS: &[Upstream] = &[
    Upstream::exact("ecr-public", "public.ecr.aws", Credential::Optional),
    Upstream::exact("docker-hub", "registry-1.docker.io", Credential::Required),
    Upstream::exact("github-container-registry", "ghcr.io", Credential::Required),
    Upstream::exact(
        "gitlab-container-registry",
        "registry.gitlab.com",
        Credential::Required,
    ),
    Upstream::exact("k8s", "registry.k8s.io", Credential::Optional),
    Upstream::exact("quay", "quay.io", Credential::Optional),
    Upstream::exact("chainguard", "cgr.dev", Credential::Required),
    Upstream::suffix(
        "azure-container-registry",
        ".azurecr.io",
        Credential::Required,
    ),
    Upstream::suffix("ecr", ".amazonaws.com", Credential::Refused),
];

/// Whether an upstream needs a credential.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Credential {
    Required,
    Optional,
    /// An ECR upstream is reached with an IAM role, never a secret.
    Refused,
}

/// One upstream registry kind.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upstream {
    pub(crate) name: &'static str,
    host: &'static str,
    /// `host` is a suffix (`*.azurecr.io`, `ACCOUNT.dkr.ecr.REGION.amazonaws.com`).
    is_suffix: bool,
    pub(crate) credential: Credential,
}

impl Upstream {
    const fn exact(name: &'static str, host: &'static str, credential: Credential) -> Self {
        Upstream {
            name,
            host,
            is_suffix: false,
            credential,
        }
    }

    const fn suffix(name: &'static str, host: &'static str, credential: Credential) -> Self {
        Upstream {
            name,
            host,
            is_suffix: true,
            credential,
        }
    }

    /// The upstream a registry URL (a host name) names, if ECR supports it.
    pub(crate) fn of(url: &str) -> Option<&'static Upstream> {
        UPSTREAMS.iter().find(|u| {
            if !u.is_suffix {
                return url == u.host;
            }
            let Some(head) = url.strip_suffix(u.host) else {
                return false;
            };
            if u.name == "ecr" {
                // ACCOUNT.dkr.ecr.REGION
                let parts: Vec<&str> = head.split('.').collect();
                return parts.len() == 4
                    && crate::model::is_account_id(parts[0])
                    && parts[1] == "dkr"
                    && parts[2] == "ecr"
                    && !parts[3].is_empty();
            }
            !head.is_empty()
                && head
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        })
    }

    /// The hosts ECR accepts, as error messages list them.
    pub(crate) fn known() -> String {
        UPSTREAMS
            .iter()
            .map(|u| {
                if u.name == "ecr" {
                    "ACCOUNT.dkr.ecr.REGION.amazonaws.com".to_string()
                } else if u.is_suffix {
                    format!("NAME{}", u.host)
                } else {
                    u.host.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct PullThroughCacheRule {
    /// The ECR repository prefix, without the trailing `/` AWS assumes.
    pub(crate) prefix: String,
    /// The upstream registry's URL (a host name).
    pub(crate) upstream: String,
    /// A Secrets Manager secret named `ecr-pullthroughcache/…`, for upstreams that need one.
    #[serde(default)]
    pub(crate) credential_arn: Option<String>,
    /// An IAM role of this account ECR assumes to reach an ECR upstream in another account.
    #[serde(default)]
    pub(crate) custom_role_arn: Option<String>,
    /// For an ECR upstream: the upstream repositories' prefix the rule's prefix stands for, without
    /// a trailing `/`. `None` is ECR's default, `ROOT` (see [`upstream_prefix_of`]).
    #[serde(default)]
    pub(crate) upstream_repository_prefix: Option<String>,
    /// Not written to AWS: ownership and fingerprint from the stack's registry record.
    #[serde(default)]
    pub(crate) tags: Tags,
}

impl crate::model::tags::Tagged for PullThroughCacheRule {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<PullThroughCacheRule>] = &[
    Attribute::<PullThroughCacheRule>::plain("prefix", |r| json!(r.prefix), Mutation::Key).spec_required(
        Ty::Str,
        "The ECR repository prefix images are pulled through (2-30 characters, or ROOT)",
    ),
    Attribute::<PullThroughCacheRule>::plain("upstream", |r| json!(r.upstream), Mutation::Replace).spec_required(
        Ty::Str,
        "The upstream registry's URL, e.g. registry-1.docker.io, public.ecr.aws, ghcr.io, quay.io",
    ),
    Attribute::<PullThroughCacheRule>::plain(
        "credential_arn",
        |r| json!(r.credential_arn),
        Mutation::InPlace,
    )
    .spec(
        Ty::Str,
        "A Secrets Manager secret named ecr-pullthroughcache/…, in this account and region; \
         required for Docker Hub, GitHub, GitLab, Azure and Chainguard",
    ),
    Attribute::<PullThroughCacheRule>::plain(
        "custom_role_arn",
        |r| json!(r.custom_role_arn),
        Mutation::InPlace,
    )
    .spec(
        Ty::Str,
        "For an ECR upstream in another account: a role of this account ECR assumes",
    ),
    // Create-only (UpdatePullThroughCacheRule has no such member): a change replaces the rule.
    // Compared with `ROOT` and absence as one value, so a rule created without it, which AWS
    // reads back as `ROOT`, is no change.
    Attribute::new(
        "upstream_repository_prefix",
        |r: &PullThroughCacheRule| {
            json!(upstream_prefix_of(r.upstream_repository_prefix.as_deref()))
        },
        |r| json!(r.upstream_repository_prefix),
        Mutation::Replace,
    )
    .hidden_when_empty()
    .added_later(|| json!(null))
    .spec(
        Ty::Str,
        "For an ECR upstream and a prefix other than ROOT: the upstream repositories' prefix the rule's \
         prefix stands for (2-30 characters, or ROOT, ECR's default); set at creation, a change \
         replaces the rule",
    ),
];

/// An upstream repository prefix as compared and imported: `None` for ECR's default `ROOT` (what
/// AWS reads back for an ECR rule created without one) and for none, else the prefix without the
/// trailing `/` AWS assumes.
pub(crate) fn upstream_prefix_of(prefix: Option<&str>) -> Option<String> {
    prefix
        .map(|p| p.trim_end_matches('/'))
        .filter(|p| !p.is_empty() && *p != "ROOT")
        .map(str::to_string)
}

impl PullThroughCacheRule {
    pub(crate) fn attributes(&self) -> Vec<(&'static str, Value)> {
        attribute::shown(ATTRIBUTES, self)
    }

    /// Where images are pulled through: `ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX/…`.
    pub(crate) fn pull_url(&self, env: &crate::model::Env) -> String {
        let path = if self.prefix == "ROOT" {
            String::new()
        } else {
            format!("/{}", self.prefix)
        };
        format!("{}{path}", env.registry_host())
    }
}

/// The record's section listing a stack's pull through cache.
pub(crate) const RECORD_SECTION: &str = "pull_through_cache";

impl crate::model::unit::Declared for PullThroughCacheRule {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        self.custom_role_arn
            .clone()
            .map(crate::model::access_fact::AccessFact::PassedRole)
            .into_iter()
            .collect()
    }
    /// Where images are pulled through (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/PREFIX`, then
    /// `/UPSTREAM_REPOSITORY:TAG`).
    const OUTPUT: Option<crate::model::unit::OutputSection> =
        Some(crate::model::unit::OutputSection {
            key: "pull_through_cache",
            shape: crate::model::unit::OutputShape::ValueOmittedWhenEmpty,
            rank: 4,
        });
    fn output(
        &self,
        _live: &crate::model::Live,
        env: &crate::model::Env,
    ) -> Vec<(&'static str, String)> {
        vec![("url", self.pull_url(env))]
    }
    const IN_REGISTRY_RECORD: bool = true;
    const RECORD_SECTION: Option<&'static str> = Some(RECORD_SECTION);
    fn name(&self) -> String {
        self.prefix.clone()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, env: &crate::model::Env) {
        self.credential_arn = self.credential_arn.as_deref().map(|a| env.bind(a));
        self.custom_role_arn = self.custom_role_arn.as_deref().map(|a| env.bind(a));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_hosts_are_recognised_with_their_credential_rule() {
        let cases = [
            (
                "registry-1.docker.io",
                Some(("docker-hub", Credential::Required)),
            ),
            ("public.ecr.aws", Some(("ecr-public", Credential::Optional))),
            (
                "myreg.azurecr.io",
                Some(("azure-container-registry", Credential::Required)),
            ),
            (
                "123456789012.dkr.ecr.eu-west-1.amazonaws.com",
                Some(("ecr", Credential::Refused)),
            ),
            ("12345.dkr.ecr.eu-west-1.amazonaws.com", None),
            ("docker.io", None),
            ("ghcr.io.evil.com", None),
            (".azurecr.io", None),
        ];
        for (url, want) in cases {
            assert_eq!(
                Upstream::of(url).map(|u| (u.name, u.credential)),
                want,
                "{url}"
            );
        }
    }
}
