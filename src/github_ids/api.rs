//! The few GitHub REST reads `github-ids` makes, over the HTTP stack the AWS SDK already builds.
//! Owns the token and base URL from the environment and turns GitHub's status codes into errors
//! that name the repository or organization, and the variable the token came from.

use std::sync::Arc;
use std::time::Duration;

use http_body_util::{BodyExt, Empty};
use hyper::body::Bytes;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use serde::Deserialize;

/// GitHub.com's API; GitHub Enterprise Server's is `https://HOST/api/v3` (`GITHUB_API_URL`).
pub(crate) const DEFAULT_API_URL: &str = "https://api.github.com";
const TIMEOUT: Duration = Duration::from_secs(30);

/// A GitHub API failure, naming what was asked for and what the user can do.
#[derive(Debug, thiserror::Error)]
pub enum GithubError {
    /// 404: the repository or organization does not exist, or the token cannot see it.
    #[error("{what} not found on {api} (or {token} cannot see it)")]
    NotFound {
        /// e.g. `repository betekk/app`.
        what: String,
        /// The API base URL.
        api: String,
        /// Where the token came from.
        token: String,
    },
    /// 401 or 403: the token is missing, invalid or lacks a permission.
    #[error("GitHub refused {token} ({status}) for {what}: it needs {needs}")]
    Refused {
        /// e.g. `repository betekk/app`.
        what: String,
        /// The HTTP status.
        status: u16,
        /// Where the token came from.
        token: String,
        /// The scope or permission the call needs.
        needs: &'static str,
    },
    /// Another status, an unreadable answer, or no connection.
    #[error("GET {url}: {message}")]
    Other {
        /// The URL asked.
        url: String,
        /// What went wrong.
        message: String,
    },
}

/// Where the token came from, for messages (never the token itself).
#[derive(Debug, Clone)]
pub(crate) struct Token {
    pub(crate) value: Option<String>,
    pub(crate) source: &'static str,
}

impl Token {
    /// `GITHUB_TOKEN`, else `GH_TOKEN` (what the `gh` CLI reads), else none (public data only).
    pub(crate) fn from_env() -> Token {
        for var in ["GITHUB_TOKEN", "GH_TOKEN"] {
            if let Ok(value) = std::env::var(var)
                && !value.trim().is_empty()
            {
                return Token {
                    value: Some(value.trim().to_string()),
                    source: var,
                };
            }
        }
        Token {
            value: None,
            source: "",
        }
    }

    fn describe(&self) -> String {
        if self.value.is_some() {
            format!("the token in {}", self.source)
        } else {
            "a request without a token (set GITHUB_TOKEN or GH_TOKEN)".into()
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Repository {
    pub(crate) id: u64,
    pub(crate) owner: Owner,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Owner {
    pub(crate) id: u64,
    pub(crate) login: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Organization {
    pub(crate) id: u64,
}

/// An OIDC subject template: an organization's (`use_default` absent) or a repository's.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize, PartialEq, Eq)]
pub(crate) struct SubTemplate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) use_default: Option<bool>,
    #[serde(default)]
    pub(crate) include_claim_keys: Vec<String>,
}

enum Http {
    Plain(Client<HttpConnector, Empty<Bytes>>),
    Tls(Client<hyper_rustls::HttpsConnector<HttpConnector>, Empty<Bytes>>),
}

pub(crate) struct GithubApi {
    pub(crate) base: String,
    token: Token,
    http: Http,
}

/// What a read found: the value, or that there is none (404, or a 301 for a moved repository).
pub(crate) type Found<T> = Option<T>;

impl GithubApi {
    /// The client for `GITHUB_API_URL` (default [`DEFAULT_API_URL`]) with the token from the
    /// environment; `http://` only for a local server (tests, a proxy).
    pub(crate) fn from_env() -> Result<GithubApi, GithubError> {
        let base = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_URL.into());
        GithubApi::new(base.trim().trim_end_matches('/'), Token::from_env())
    }

    pub(crate) fn new(base: &str, token: Token) -> Result<GithubApi, GithubError> {
        let builder = Client::builder(TokioExecutor::new());
        let http = if base.starts_with("http://") {
            Http::Plain(builder.build(HttpConnector::new()))
        } else if base.starts_with("https://") {
            let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
            let connector = hyper_rustls::HttpsConnectorBuilder::new()
                .with_provider_and_native_roots(provider)
                .map_err(|e| GithubError::Other {
                    url: base.into(),
                    message: format!("cannot load the system's TLS roots: {e}"),
                })?
                .https_only()
                .enable_http1()
                .build();
            Http::Tls(builder.build(connector))
        } else {
            return Err(GithubError::Other {
                url: base.into(),
                message: "GITHUB_API_URL must start with https:// (or http:// for a local server)"
                    .into(),
            });
        };
        Ok(GithubApi {
            base: base.into(),
            token,
            http,
        })
    }

    /// `GET /repos/{owner}/{repo}`; `None` when it is not there (404) or moved (301).
    pub(crate) async fn repository(
        &self,
        owner: &str,
        repo: &str,
    ) -> Result<Found<Repository>, GithubError> {
        let what = format!("repository {owner}/{repo}");
        self.get(&format!("/repos/{owner}/{repo}"), &what, REPO_READ)
            .await
    }

    /// `GET /orgs/{org}`.
    pub(crate) async fn organization(&self, org: &str) -> Result<Organization, GithubError> {
        let what = format!("organization {org}");
        self.get(&format!("/orgs/{org}"), &what, REPO_READ)
            .await?
            .ok_or_else(|| self.not_found(what))
    }

    /// `GET /orgs/{org}/actions/oidc/customization/sub`.
    pub(crate) async fn org_sub(&self, org: &str) -> Result<SubTemplate, GithubError> {
        let what = format!("the OIDC subject template of organization {org}");
        self.get(
            &format!("/orgs/{org}/actions/oidc/customization/sub"),
            &what,
            ORG_READ,
        )
        .await?
        .ok_or_else(|| self.not_found(what))
    }

    /// `GET /repos/{owner}/{repo}/actions/oidc/customization/sub`.
    pub(crate) async fn repo_sub(
        &self,
        owner: &str,
        repo: &str,
    ) -> Result<SubTemplate, GithubError> {
        let what = format!("the OIDC subject template of repository {owner}/{repo}");
        self.get(
            &format!("/repos/{owner}/{repo}/actions/oidc/customization/sub"),
            &what,
            REPO_READ,
        )
        .await?
        .ok_or_else(|| self.not_found(what))
    }

    /// A 404 for `what`, naming the API and the token's variable.
    pub(crate) fn not_found(&self, what: String) -> GithubError {
        GithubError::NotFound {
            what,
            api: self.base.clone(),
            token: self.token.describe(),
        }
    }

    async fn get<T: for<'de> Deserialize<'de>>(
        &self,
        path: &str,
        what: &str,
        needs: &'static str,
    ) -> Result<Found<T>, GithubError> {
        let url = format!("{}{path}", self.base);
        let other = |message: String| GithubError::Other {
            url: url.clone(),
            message,
        };
        let mut request = hyper::Request::get(&url)
            .header("accept", "application/vnd.github+json")
            .header("x-github-api-version", "2022-11-28")
            .header(
                "user-agent",
                concat!("betekk-ecr/", env!("CARGO_PKG_VERSION")),
            );
        if let Some(token) = &self.token.value {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        let request = request
            .body(Empty::<Bytes>::new())
            .map_err(|e| other(e.to_string()))?;
        let call = async {
            let response = match &self.http {
                Http::Plain(c) => c.request(request).await,
                Http::Tls(c) => c.request(request).await,
            }
            .map_err(|e| other(crate::causes::chain(&e)))?;
            let status = response.status().as_u16();
            let body = response
                .into_body()
                .collect()
                .await
                .map_err(|e| other(e.to_string()))?
                .to_bytes();
            Ok::<_, GithubError>((status, body))
        };
        let (status, body) = tokio::time::timeout(TIMEOUT, call)
            .await
            .map_err(|_| other(format!("no answer within {}s", TIMEOUT.as_secs())))??;
        match status {
            200 => serde_json::from_slice(&body)
                .map(Some)
                .map_err(|e| other(format!("unexpected answer: {e}"))),
            301 | 404 => Ok(None),
            401 | 403 => Err(GithubError::Refused {
                what: what.into(),
                status,
                token: self.token.describe(),
                needs,
            }),
            _ => Err(other(format!(
                "HTTP {status}: {}",
                String::from_utf8_lossy(&body)
                    .chars()
                    .take(200)
                    .collect::<String>()
            ))),
        }
    }
}

const REPO_READ: &str = "read access to the repository (classic token: repo for a private one; \
                         fine-grained: Metadata read)";
const ORG_READ: &str = "read:org (classic token), or the organization's Administration read \
                        permission (fine-grained)";
