//! The `github:` section: the organizations every trust policy covers and the OIDC provider.

use super::reader::Reader;
use super::yaml::Node;
use super::{Context, resource_tags};
use crate::model::OidcProvider;
use crate::model::oidc_provider::{GITHUB_OIDC_URL, STS_AUDIENCE};

/// The recipe's migration pair: the old organization and the new one.
pub const DEFAULT_ORGANIZATIONS: &[&str] = &["nus-cee", "betekk"];

pub struct Github {
    pub organizations: Vec<String>,
    pub provider: OidcProvider,
}

impl Github {
    pub fn defaults(ctx: &Context) -> Self {
        Github {
            organizations: DEFAULT_ORGANIZATIONS
                .iter()
                .map(|s| s.to_string())
                .collect(),
            provider: OidcProvider::new(
                GITHUB_OIDC_URL,
                vec![STS_AUDIENCE.into()],
                Vec::new(),
                ctx.common_tags.clone(),
                true,
            ),
        }
    }
}

pub fn read(r: &mut Reader, ctx: &Context, node: Option<&Node>) -> Github {
    let mut github = Github::defaults(ctx);
    let Some(node) = node else {
        return github;
    };
    let Some(f) = r.fields(node, "github", &["organizations", "oidc_provider"]) else {
        return github;
    };
    if let Some(n) = f.get("organizations") {
        let path = f.path_of("organizations");
        if let Some(orgs) = r.strings(n, &path) {
            let valid = |o: &String| {
                !o.is_empty() && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
            };
            if orgs.is_empty() {
                r.error(n.pos, &path, "needs at least one organization");
            } else if let Some(bad) = orgs.iter().find(|o| !valid(o)) {
                r.error(
                    n.pos,
                    &path,
                    format!("invalid organization {bad:?}; allowed: letters, digits and '-'"),
                );
            } else {
                github.organizations = orgs;
            }
        }
    }
    let Some(p) = f.get("oidc_provider") else {
        return github;
    };
    let path = f.path_of("oidc_provider");
    let Some(pf) = r.fields(
        p,
        &path,
        &["manage", "url", "client_ids", "thumbprints", "tags"],
    ) else {
        return github;
    };
    let manage = pf
        .get("manage")
        .and_then(|n| r.bool(n, &pf.path_of("manage")))
        .unwrap_or(true);
    let url = match pf.get("url") {
        Some(n) => match r.string(n, &pf.path_of("url")) {
            Some(u) if u.starts_with("https://") && u.len() > "https://".len() => u,
            Some(u) => {
                r.error(
                    n.pos,
                    &pf.path_of("url"),
                    format!("expected an https:// URL, got {u:?}"),
                );
                GITHUB_OIDC_URL.into()
            }
            None => GITHUB_OIDC_URL.into(),
        },
        None => GITHUB_OIDC_URL.into(),
    };
    let client_ids = match pf.get("client_ids") {
        Some(n) => {
            let ids = r.strings(n, &pf.path_of("client_ids")).unwrap_or_default();
            if ids.is_empty() {
                r.error(
                    n.pos,
                    &pf.path_of("client_ids"),
                    "needs at least one client id (sts.amazonaws.com)",
                );
            }
            ids
        }
        None => vec![STS_AUDIENCE.into()],
    };
    let thumbprints = match pf.get("thumbprints") {
        Some(n) => {
            let list = r.strings(n, &pf.path_of("thumbprints")).unwrap_or_default();
            if let Some(bad) = list
                .iter()
                .find(|t| t.len() != 40 || !t.bytes().all(|b| b.is_ascii_hexdigit()))
            {
                r.error(
                    n.pos,
                    &pf.path_of("thumbprints"),
                    format!("{bad:?} is not a 40-digit hex SHA-1 thumbprint"),
                );
            }
            if list.len() > 5 {
                r.error(
                    n.pos,
                    &pf.path_of("thumbprints"),
                    "IAM allows at most 5 thumbprints",
                );
            }
            list
        }
        None => Vec::new(),
    };
    let tags = resource_tags(r, ctx, pf.get("tags"), &pf.path_of("tags"));
    github.provider = OidcProvider::new(&url, client_ids, thumbprints, tags, manage);
    github
}
