//! The `github:` section: the organizations every trust policy covers and the OIDC provider.

use super::fields::{Field, Ty};
use super::reader::{Reader, index};
use super::yaml::{Node, Value};
use super::{Context, resource_tags};
use crate::kinds::oidc_provider::{GITHUB_OIDC_URL, STS_AUDIENCE};
use crate::model::OidcProvider;
use crate::model::github_trust::{GithubName, SUBJECT_CLAIM_KEYS};

/// The recipe's migration pair: the old organization and the new one.
pub(crate) const DEFAULT_ORGANIZATIONS: &[&str] = &["nus-cee", "betekk"];

pub(crate) const FIELDS: &[Field] = &[
    Field::new(
        "organizations",
        Ty::NamesOr(NAME_ID),
        "GitHub organizations (default nus-cee, betekk); every trust condition covers each",
    ),
    Field::new(
        "oidc_provider",
        Ty::Map(PROVIDER),
        "The GitHub Actions OIDC identity provider",
    ),
    Field::new(
        "subject_claims",
        Ty::Strings,
        "The OIDC subject template of every organization (GitHub's include_claim_keys), \
         default [repo, context]",
    ),
];

/// `{name, id}`: a GitHub organization or repository with its numeric id.
pub(crate) const NAME_ID: &[Field] = &[
    Field::required("name", Ty::Str, "The name"),
    Field::new(
        "id",
        Ty::NumericId,
        "GitHub's numeric id (gh api repos/ORG/REPO --jq .id, gh api orgs/ORG --jq .id)",
    ),
    Field::new(
        "subject_claims",
        Ty::Strings,
        "Its OIDC subject template (GitHub's include_claim_keys), e.g. [repo, context, \
         job_workflow_ref]; default: the organization's, else github.subject_claims",
    ),
];

const PROVIDER: &[Field] = &[
    Field::new(
        "manage",
        Ty::Bool,
        "true (default): this stack manages it; false: it must exist and is used unchanged",
    ),
    Field::new(
        "url",
        Ty::Str,
        "Default https://token.actions.githubusercontent.com",
    ),
    Field::new(
        "client_ids",
        Ty::Strings,
        "Audiences (default sts.amazonaws.com)",
    ),
    Field::new(
        "thumbprints",
        Ty::Strings,
        "40-digit hex SHA-1 thumbprints, at most 5 (default none: AWS no longer needs them)",
    ),
    Field::new("tags", Ty::StringMap, "The provider's own tags"),
];

pub(crate) struct Github {
    /// Each with its subject template: its own, else `github.subject_claims`.
    pub(crate) organizations: Vec<GithubName>,
    pub(crate) provider: OidcProvider,
    /// `github.subject_claims`, when given.
    pub(crate) subject_claims: Option<Vec<String>>,
}

impl Github {
    pub(crate) fn defaults(ctx: &Context) -> Self {
        Github {
            organizations: DEFAULT_ORGANIZATIONS
                .iter()
                .map(|s| GithubName::new(s, None))
                .collect(),
            provider: OidcProvider::new(
                GITHUB_OIDC_URL,
                vec![STS_AUDIENCE.into()],
                Vec::new(),
                ctx.common_tags.clone(),
                true,
            ),
            subject_claims: None,
        }
    }
}

pub(crate) fn read(r: &mut Reader, ctx: &Context, node: Option<&Node>) -> Github {
    let mut github = Github::defaults(ctx);
    let Some(node) = node else {
        return github;
    };
    let Some(f) = r.fields(node, "github", FIELDS) else {
        return github;
    };
    if let Some(n) = f.get("organizations") {
        let path = f.path_of("organizations");
        let valid = |o: &str| {
            if !o.is_empty() && o.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                Ok(())
            } else {
                Err(format!(
                    "invalid organization {o:?}; allowed: letters, digits and '-'"
                ))
            }
        };
        if let Some(orgs) = names(r, n, &path, "organization", valid) {
            if orgs.is_empty() {
                r.error(n.pos, &path, "needs at least one organization");
            } else {
                github.organizations = orgs;
            }
        }
    }
    if let Some(n) = f.get("subject_claims") {
        github.subject_claims = subject_claims(r, n, &f.path_of("subject_claims"));
        for org in &mut github.organizations {
            if org.subject_claims.is_none() {
                org.subject_claims = github.subject_claims.clone();
            }
        }
    }
    let Some(p) = f.get("oidc_provider") else {
        return github;
    };
    let path = f.path_of("oidc_provider");
    let Some(pf) = r.fields(p, &path, PROVIDER) else {
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

/// A list of GitHub names, each a string or `{name: NAME, id: NUMBER}` with GitHub's numeric id
/// (`gh api repos/ORG/REPO --jq .id`, `gh api orgs/ORG --jq .id`). A name given twice is an error.
pub(crate) fn names(
    r: &mut Reader,
    node: &Node,
    path: &str,
    what: &str,
    valid: impl Fn(&str) -> Result<(), String>,
) -> Option<Vec<GithubName>> {
    let Value::Seq(items) = &node.value else {
        r.error(
            node.pos,
            path,
            format!("expected a list of {what} names or {{name, id}} mappings"),
        );
        return None;
    };
    let mut out: Vec<GithubName> = Vec::new();
    let mut ok = true;
    for (i, item) in items.iter().enumerate() {
        let ipath = index(path, i);
        let mut template = None;
        let (name, id) = match &item.value {
            Value::String(s) => (Some((s.clone(), item.pos)), None),
            Value::Map(_) => {
                let Some(f) = r.fields(item, &ipath, NAME_ID) else {
                    ok = false;
                    continue;
                };
                let name = match f.get("name") {
                    Some(n) => r.string(n, &f.path_of("name")).map(|s| (s, n.pos)),
                    None => {
                        r.error(
                            item.pos,
                            &f.path_of("name"),
                            format!("missing; the {what}'s name"),
                        );
                        None
                    }
                };
                let id = f.get("id").map(|n| (github_id(r, n, &f.path_of("id")), n));
                match f.get("subject_claims") {
                    Some(n) => match subject_claims(r, n, &f.path_of("subject_claims")) {
                        Some(keys) => template = Some(keys),
                        None => {
                            ok = false;
                            continue;
                        }
                    },
                    None => template = None,
                }
                (name, id)
            }
            _ => {
                r.error(
                    item.pos,
                    &ipath,
                    format!("expected a {what} name or {{name: NAME, id: NUMBER}}"),
                );
                ok = false;
                continue;
            }
        };
        let Some((name, pos)) = name else {
            ok = false;
            continue;
        };
        if let Err(e) = valid(&name) {
            r.error(pos, path, e);
            ok = false;
            continue;
        }
        let id = match id {
            None => None,
            Some((Some(id), _)) => Some(id),
            Some((None, _)) => {
                ok = false;
                continue;
            }
        };
        if out.iter().any(|n| n.name == name) {
            r.error(pos, &ipath, format!("{what} {name:?} is listed twice"));
            ok = false;
            continue;
        }
        out.push(GithubName::new(&name, id).with_subject_claims(template));
    }
    ok.then_some(out)
}

/// `subject_claims:` — GitHub's `include_claim_keys`: known keys, each once, at least one.
pub(crate) fn subject_claims(r: &mut Reader, node: &Node, path: &str) -> Option<Vec<String>> {
    let keys = r.strings(node, path)?;
    if keys.is_empty() {
        r.error(
            node.pos,
            path,
            "needs at least one claim key, e.g. [repo, context] (GitHub's default)",
        );
        return None;
    }
    for (i, key) in keys.iter().enumerate() {
        let pos = match &node.value {
            Value::Seq(items) => items.get(i).map_or(node.pos, |n| n.pos),
            _ => node.pos,
        };
        if !SUBJECT_CLAIM_KEYS.contains(&key.as_str()) {
            let hint = match key.as_str() {
                "ref" | "environment" => {
                    "; the ref and the environment are part of `context`".to_string()
                }
                _ => String::new(),
            };
            r.error(
                pos,
                path,
                format!(
                    "unknown subject claim key {key:?}; allowed: {}{hint}",
                    SUBJECT_CLAIM_KEYS.join(", ")
                ),
            );
            return None;
        }
        if keys[..i].contains(key) {
            r.error(pos, path, format!("{key:?} is listed twice"));
            return None;
        }
    }
    Some(keys)
}

/// GitHub's numeric id of an owner or repository: digits, as a number or a string.
fn github_id(r: &mut Reader, node: &Node, path: &str) -> Option<u64> {
    let text = match &node.value {
        Value::Int(i) => i.to_string(),
        Value::String(s) => s.clone(),
        _ => String::new(),
    };
    match text.parse::<u64>() {
        Ok(id) if id > 0 && text.bytes().all(|b| b.is_ascii_digit()) => Some(id),
        _ => {
            r.error(
                node.pos,
                path,
                format!(
                    "expected GitHub's numeric id (digits only, e.g. `gh api repos/ORG/REPO --jq .id`), got {}",
                    match &node.value {
                        Value::String(s) => format!("{s:?}"),
                        Value::Int(i) => i.to_string(),
                        other => other.type_name().to_string(),
                    }
                ),
            );
            None
        }
    }
}
