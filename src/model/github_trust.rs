//! Trust policies for GitHub Actions: who may assume a role through the OIDC provider.
//!
//! GitHub puts one of two subject forms into a token's `sub` claim:
//! - the legacy form `repo:ORG/REPO:SUBJECT`, and
//! - the immutable form `repo:ORG@ORG_ID/REPO@REPO_ID:SUBJECT`, which repositories created, renamed
//!   or transferred on or after 2026-07-15 carry.
//!
//! A repository given with its id is trusted in both forms, and only when the token's
//! `repository_id` claim equals the id: a recycled name (a new repository with the old name) has
//! another id and is refused. A repository without an id is trusted in the legacy form only.
//! Conditions on different keys are ANDed by IAM, so repositories with and without ids (and
//! repositories with different ids) get one statement each; `claims` are added to every statement
//! and can only narrow it.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

/// GitHub claims AWS STS evaluates as condition keys `<provider host>:<claim>` (since 2026-02),
/// besides `sub` and `aud`, which the trust sets itself. A key STS does not fill in would never
/// match, so no other key is accepted.
pub(crate) const CLAIM_KEYS: &[&str] = &[
    "actor",
    "actor_id",
    "enterprise_id",
    "environment",
    "job_workflow_ref",
    "ref",
    "repository",
    "repository_id",
    "workflow",
];

/// An organization (owner) or a repository, with GitHub's numeric id when the spec gives it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GithubName {
    pub(crate) name: String,
    pub(crate) id: Option<u64>,
}

impl GithubName {
    pub(crate) fn new(name: &str, id: Option<u64>) -> Self {
        GithubName {
            name: name.to_string(),
            id,
        }
    }
}

/// Which workflows may assume a role: every organization × repository × subject, narrowed by claims.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GithubTrust {
    pub(crate) organizations: Vec<GithubName>,
    pub(crate) repositories: Vec<GithubName>,
    /// The part after `repo:ORG/REPO:` — `*`, `ref:refs/heads/main`, `environment:prod`, `pull_request`.
    pub(crate) subjects: Vec<String>,
    /// Claim → accepted values (StringLike, any of them).
    pub(crate) claims: BTreeMap<String, Vec<String>>,
}

impl GithubTrust {
    /// `repo:ORG/REPO:SUBJECT` for every combination, in a stable order (the legacy form).
    #[cfg(test)]
    pub(crate) fn subject_claims(&self) -> Vec<String> {
        let repos: Vec<&GithubName> = self.repositories.iter().collect();
        self.legacy_subjects(&repos)
    }

    fn legacy_subjects(&self, repos: &[&GithubName]) -> Vec<String> {
        let mut claims = Vec::new();
        for org in &self.organizations {
            for repo in repos {
                for subject in &self.subjects {
                    claims.push(format!("repo:{}/{}:{subject}", org.name, repo.name));
                }
            }
        }
        claims.dedup();
        claims
    }

    /// Both subject forms of one repository with an id; the owner's id pins the owner when known.
    pub(crate) fn pinned_subjects(&self, repo: &GithubName, repo_id: u64) -> Vec<String> {
        let mut claims = self.legacy_subjects(&[repo]);
        for org in &self.organizations {
            let owner = org.id.map_or("*".to_string(), |id| id.to_string());
            for subject in &self.subjects {
                claims.push(format!(
                    "repo:{}@{owner}/{}@{repo_id}:{subject}",
                    org.name, repo.name
                ));
            }
        }
        claims
    }

    /// The statements of the trust policy: the provider as federated principal, `aud` pinned with
    /// StringEquals, `sub` (and the claims) matched with StringLike. Never `ForAllValues:`, which
    /// matches a token with no `sub` at all. `{partition}` and `{account}` are bound once the
    /// account is known.
    pub(crate) fn statements(&self, provider_host: &str, client_ids: &[String]) -> Vec<Value> {
        let unpinned: Vec<&GithubName> = self
            .repositories
            .iter()
            .filter(|r| r.id.is_none())
            .collect();
        let mut out = Vec::new();
        if !unpinned.is_empty() {
            out.push(self.statement(
                provider_host,
                client_ids,
                self.legacy_subjects(&unpinned),
                None,
            ));
        }
        for repo in &self.repositories {
            if let Some(id) = repo.id {
                out.push(self.statement(
                    provider_host,
                    client_ids,
                    self.pinned_subjects(repo, id),
                    Some(id),
                ));
            }
        }
        out
    }

    fn statement(
        &self,
        host: &str,
        client_ids: &[String],
        subjects: Vec<String>,
        repository_id: Option<u64>,
    ) -> Value {
        let mut equals = Map::new();
        equals.insert(format!("{host}:aud"), json!(client_ids));
        if let Some(id) = repository_id {
            equals.insert(format!("{host}:repository_id"), json!(id.to_string()));
        }
        let mut like = Map::new();
        like.insert(format!("{host}:sub"), json!(subjects));
        for (claim, values) in &self.claims {
            like.insert(format!("{host}:{claim}"), json!(values));
        }
        json!({
            "Effect": "Allow",
            "Principal": {"Federated": format!("arn:{{partition}}:iam::{{account}}:oidc-provider/{host}")},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"StringEquals": equals, "StringLike": like},
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(xs: &[&str]) -> Vec<GithubName> {
        xs.iter().map(|s| GithubName::new(s, None)).collect()
    }

    fn trust(orgs: &[&str], repos: &[&str], subjects: &[&str]) -> GithubTrust {
        GithubTrust {
            organizations: names(orgs),
            repositories: names(repos),
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            claims: BTreeMap::new(),
        }
    }

    const HOST: &str = "token.actions.githubusercontent.com";

    #[test]
    fn every_org_repo_subject_combination() {
        type Case<'a> = (&'a [&'a str], &'a [&'a str], &'a [&'a str], &'a [&'a str]);
        let table: &[Case] = &[
            (
                &["nus-cee", "betekk"],
                &["probe-engine"],
                &["*"],
                &["repo:nus-cee/probe-engine:*", "repo:betekk/probe-engine:*"],
            ),
            (
                &["betekk"],
                &["a", "b"],
                &["ref:refs/heads/main", "environment:prod"],
                &[
                    "repo:betekk/a:ref:refs/heads/main",
                    "repo:betekk/a:environment:prod",
                    "repo:betekk/b:ref:refs/heads/main",
                    "repo:betekk/b:environment:prod",
                ],
            ),
            (
                &["o"],
                &["r"],
                &["pull_request"],
                &["repo:o/r:pull_request"],
            ),
        ];
        for (orgs, repos, subjects, want) in table {
            assert_eq!(trust(orgs, repos, subjects).subject_claims(), *want);
        }
    }

    #[test]
    fn a_repository_without_id_keeps_the_single_legacy_statement() {
        let st =
            trust(&["betekk"], &["app"], &["*"]).statements(HOST, &["sts.amazonaws.com".into()]);
        assert_eq!(
            st,
            vec![json!({
                "Effect": "Allow",
                "Principal": {"Federated": "arn:{partition}:iam::{account}:oidc-provider/token.actions.githubusercontent.com"},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {"token.actions.githubusercontent.com:aud": ["sts.amazonaws.com"]},
                    "StringLike": {"token.actions.githubusercontent.com:sub": ["repo:betekk/app:*"]},
                }
            })]
        );
    }

    #[test]
    fn ids_pin_the_repository_and_the_owner_in_both_forms() {
        let mut t = trust(&["nus-cee", "betekk"], &["old"], &["ref:refs/heads/main"]);
        t.organizations[1].id = Some(123456);
        t.repositories
            .push(GithubName::new("new-svc", Some(987654321)));
        let st = t.statements(HOST, &["sts.amazonaws.com".into()]);
        assert_eq!(st.len(), 2, "ids and no ids never share a statement");
        assert_eq!(
            st[0]["Condition"]["StringLike"][format!("{HOST}:sub")],
            json!([
                "repo:nus-cee/old:ref:refs/heads/main",
                "repo:betekk/old:ref:refs/heads/main"
            ])
        );
        assert!(st[0]["Condition"]["StringEquals"][format!("{HOST}:repository_id")].is_null());
        assert_eq!(
            st[1]["Condition"]["StringLike"][format!("{HOST}:sub")],
            json!([
                "repo:nus-cee/new-svc:ref:refs/heads/main",
                "repo:betekk/new-svc:ref:refs/heads/main",
                "repo:nus-cee@*/new-svc@987654321:ref:refs/heads/main",
                "repo:betekk@123456/new-svc@987654321:ref:refs/heads/main"
            ])
        );
        assert_eq!(
            st[1]["Condition"]["StringEquals"][format!("{HOST}:repository_id")],
            json!("987654321")
        );
    }

    #[test]
    fn two_repositories_with_ids_get_a_statement_each() {
        let mut t = trust(&["betekk"], &[], &["*"]);
        t.repositories = vec![GithubName::new("a", Some(1)), GithubName::new("b", Some(2))];
        let st = t.statements(HOST, &["sts.amazonaws.com".into()]);
        assert_eq!(st.len(), 2);
        assert_eq!(
            st[1]["Condition"]["StringEquals"][format!("{HOST}:repository_id")],
            json!("2")
        );
        assert_eq!(
            st[1]["Condition"]["StringLike"][format!("{HOST}:sub")],
            json!(["repo:betekk/b:*", "repo:betekk@*/b@2:*"])
        );
    }

    #[test]
    fn claims_narrow_every_statement_and_never_replace_sub() {
        let mut t = trust(&["betekk"], &["a"], &["*"]);
        t.repositories.push(GithubName::new("b", Some(7)));
        t.claims
            .insert("environment".into(), vec!["prod".into(), "staging".into()]);
        t.claims.insert(
            "job_workflow_ref".into(),
            vec!["betekk/workflows/.github/workflows/release.yml@refs/heads/main".into()],
        );
        for st in t.statements(HOST, &["sts.amazonaws.com".into()]) {
            let like = &st["Condition"]["StringLike"];
            assert!(like[format!("{HOST}:sub")].is_array());
            assert_eq!(
                like[format!("{HOST}:environment")],
                json!(["prod", "staging"])
            );
            assert!(like[format!("{HOST}:job_workflow_ref")].is_array());
            assert_eq!(
                st["Condition"]["StringEquals"][format!("{HOST}:aud")],
                json!(["sts.amazonaws.com"])
            );
            assert!(!st.to_string().contains("ForAllValues"));
        }
    }
}
