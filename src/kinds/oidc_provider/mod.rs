//! The GitHub Actions OIDC identity provider: one per URL per account.

pub(crate) mod apply;
mod import;
pub(crate) mod plan;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::attribute::{Attribute, Import, Mutation};

use crate::model::Tags;

pub(crate) const GITHUB_OIDC_URL: &str = "https://token.actions.githubusercontent.com";
pub(crate) const STS_AUDIENCE: &str = "sts.amazonaws.com";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct OidcProvider {
    /// With `https://`.
    pub(crate) url: String,
    /// Sorted, deduplicated.
    pub(crate) client_ids: Vec<String>,
    /// Sorted, lowercase. Empty in a spec means "not managed": AWS no longer needs thumbprints for
    /// GitHub and fills in its own, which must not churn.
    pub(crate) thumbprints: Vec<String>,
    pub(crate) tags: Tags,
    /// False: the provider must exist but is not changed (another stack or team owns it).
    #[serde(default = "yes")]
    pub(crate) manage: bool,
}

fn yes() -> bool {
    true
}

impl crate::model::tags::Tagged for OidcProvider {
    fn tags(&self) -> &Tags {
        &self.tags
    }
}

impl OidcProvider {
    pub(crate) fn new(
        url: &str,
        mut client_ids: Vec<String>,
        mut thumbprints: Vec<String>,
        tags: Tags,
        manage: bool,
    ) -> Self {
        client_ids.sort();
        client_ids.dedup();
        thumbprints
            .iter_mut()
            .for_each(|t| *t = t.to_ascii_lowercase());
        thumbprints.sort();
        thumbprints.dedup();
        OidcProvider {
            url: normalize_url(url),
            client_ids,
            thumbprints,
            tags,
            manage,
        }
    }

    /// The URL without scheme: what IAM condition keys and the provider ARN use.
    pub(crate) fn host(&self) -> &str {
        self.url.trim_start_matches("https://")
    }
}

pub(crate) const ATTRIBUTES: &[Attribute<OidcProvider>] = &[
    Attribute::plain("url", |p| json!(p.url), Mutation::Key),
    Attribute::plain("client_ids", |p| json!(p.client_ids), Mutation::InPlace),
    // AWS no longer needs them; import leaves them out, so that the spec leaves them as they are.
    Attribute::<OidcProvider>::plain("thumbprints", |p| json!(p.thumbprints), Mutation::InPlace)
        .imported(Import::No),
    Attribute::tags(),
];

/// `token.actions.githubusercontent.com/` and `https://token.actions.githubusercontent.com` are one URL.
pub(crate) fn normalize_url(url: &str) -> String {
    let host = url
        .trim()
        .trim_start_matches("https://")
        .trim_end_matches('/');
    format!("https://{host}")
}

impl crate::model::unit::Declared for OidcProvider {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    const OUTPUT: Option<crate::model::unit::OutputSection> =
        Some(crate::model::unit::OutputSection {
            key: "oidc_provider",
            shape: crate::model::unit::OutputShape::Single,
            rank: 1,
        });
    fn name(&self) -> String {
        self.host().to_string()
    }
    crate::model::unit::tags_in_field!();
    fn bind(&mut self, _env: &crate::model::Env) {}
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        vec![crate::model::access_fact::AccessFact::IdentityProvider {
            host: self.host().to_string(),
        }]
    }
}

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for OidcProvider {}

/// Read with the IAM and ECR listings (`observe`), not as a registry kind.
impl crate::observe::read::Read for OidcProvider {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[
            ("iam:ListOpenIDConnectProviders", ReadScope::Anything),
            ("iam:GetOpenIDConnectProvider", ReadScope::Provider),
        ]
    };
}
