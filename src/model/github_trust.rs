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
//!
//! An organization or repository may customize the `sub` (GitHub's `include_claim_keys`, the
//! spec's `subject_claims`): its patterns are then written in that template, `KEY:VALUE` parts in
//! its order with the context as it is (`repo:ORG/REPO:environment:prod:job_workflow_ref:…`).

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

/// The `sub` GitHub puts into tokens unless the organization or repository customizes it
/// (`include_claim_keys`): `repo:ORG/REPO:<context>`.
pub(crate) const DEFAULT_SUBJECT_CLAIMS: &[&str] = &["repo", "context"];

/// Keys a subject template (`subject_claims`, GitHub's `include_claim_keys`) may name. `context`
/// is the environment, `pull_request` or ref part; every other key is written `KEY:VALUE`.
/// `ref` and `environment` are left out: their `KEY:VALUE` reads the same as `context`, so a
/// trust could not be read back unambiguously.
pub(crate) const SUBJECT_CLAIM_KEYS: &[&str] = &[
    "repo",
    "context",
    "job_workflow_ref",
    "job_workflow_sha",
    "workflow",
    "workflow_ref",
    "workflow_sha",
    "repository",
    "repository_id",
    "repository_owner",
    "repository_owner_id",
    "repository_visibility",
    "actor",
    "actor_id",
    "enterprise",
    "enterprise_id",
    "event_name",
    "ref_type",
    "runner_environment",
    "head_ref",
    "base_ref",
];

/// An organization (owner) or a repository, with GitHub's numeric id when the spec gives it, and
/// its subject template when it customizes one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct GithubName {
    pub(crate) name: String,
    pub(crate) id: Option<u64>,
    /// `include_claim_keys` of this organization or repository; `None`: the one above it (the
    /// repository's organization, then `github.subject_claims`), else the default.
    pub(crate) subject_claims: Option<Vec<String>>,
}

impl GithubName {
    pub(crate) fn new(name: &str, id: Option<u64>) -> Self {
        GithubName {
            name: name.to_string(),
            id,
            subject_claims: None,
        }
    }

    pub(crate) fn with_subject_claims(mut self, keys: Option<Vec<String>>) -> Self {
        self.subject_claims = keys;
        self
    }
}

/// The template tokens of `repo` (in `org`) carry: the repository's own, else the
/// organization's, else GitHub's default.
pub(crate) fn template_of<'a>(org: &'a GithubName, repo: &'a GithubName) -> Vec<&'a str> {
    match repo.subject_claims.as_ref().or(org.subject_claims.as_ref()) {
        Some(keys) => keys.iter().map(String::as_str).collect(),
        None => DEFAULT_SUBJECT_CLAIMS.to_vec(),
    }
}

/// The subject templates a spec declares, to build a token's `sub` the way GitHub will.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct SubjectTemplates {
    /// `github.subject_claims`.
    pub(crate) default: Option<Vec<String>>,
    pub(crate) organizations: Vec<GithubName>,
    /// Every trusted repository that declares its own template.
    pub(crate) repositories: Vec<GithubName>,
}

impl SubjectTemplates {
    /// The template of `owner/repo`'s tokens; `None`: GitHub's default.
    pub(crate) fn of(&self, owner: &str, repo: &str) -> Option<Vec<String>> {
        let own = self
            .repositories
            .iter()
            .find(|r| r.name.eq_ignore_ascii_case(repo) && r.subject_claims.is_some());
        let org = self
            .organizations
            .iter()
            .find(|o| o.name.eq_ignore_ascii_case(owner));
        own.and_then(|r| r.subject_claims.clone())
            .or_else(|| org.and_then(|o| o.subject_claims.clone()))
            .or_else(|| self.default.clone())
    }
}

/// What one token's `sub` is made of, for [`sub_in_template`].
pub(crate) struct SubParts<'a> {
    pub(crate) owner: &'a str,
    pub(crate) repository: &'a str,
    /// Both ids: the `repo` key takes the immutable form `ORG@OWNER_ID/REPO@REPO_ID`.
    pub(crate) immutable: Option<(String, String)>,
    pub(crate) owner_id: Option<String>,
    pub(crate) repository_id: Option<String>,
    /// The `context` part: `environment:NAME`, `pull_request` or `ref:REF` (or a pattern).
    pub(crate) context: &'a str,
}

/// Every `sub` a template gives for these parts: `KEY:VALUE` joined by `:` in the template's order,
/// the context without its key (GitHub's format, e.g.
/// `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/…/oidc.yml@refs/heads/main`).
/// A key with several values (`values`) gives one `sub` each; a key without a value is `*`.
pub(crate) fn sub_in_template(
    keys: &[&str],
    parts: &SubParts,
    values: &dyn Fn(&str) -> Option<Vec<String>>,
) -> Vec<String> {
    let star = || vec!["*".to_string()];
    let mut out = vec![String::new()];
    for key in keys {
        let alternatives: Vec<String> = match *key {
            "repo" => vec![match &parts.immutable {
                Some((owner_id, repo_id)) => format!(
                    "repo:{}@{owner_id}/{}@{repo_id}",
                    parts.owner, parts.repository
                ),
                None => format!("repo:{}/{}", parts.owner, parts.repository),
            }],
            "context" => vec![parts.context.to_string()],
            other => {
                let vals = match other {
                    "repository" => vec![format!("{}/{}", parts.owner, parts.repository)],
                    "repository_owner" => vec![parts.owner.to_string()],
                    "repository_owner_id" => parts.owner_id.clone().map_or_else(star, |v| vec![v]),
                    "repository_id" => parts.repository_id.clone().map_or_else(star, |v| vec![v]),
                    _ => values(other).unwrap_or_else(star),
                };
                vals.into_iter().map(|v| format!("{other}:{v}")).collect()
            }
        };
        out = out
            .iter()
            .flat_map(|prefix| {
                alternatives.iter().map(move |a| {
                    if prefix.is_empty() {
                        a.clone()
                    } else {
                        format!("{prefix}:{a}")
                    }
                })
            })
            .collect();
    }
    out
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
    /// Every `sub` pattern in a stable order, legacy form only.
    #[cfg(test)]
    pub(crate) fn sub_patterns(&self) -> Vec<String> {
        let repos: Vec<&GithubName> = self.repositories.iter().collect();
        self.legacy_subjects(&repos)
    }

    fn values(&self) -> impl Fn(&str) -> Option<Vec<String>> + '_ {
        |key| self.claims.get(key).cloned()
    }

    /// The `sub` patterns of one organization × repository × subject, in the template that
    /// applies to them; `immutable`: in GitHub's immutable form.
    fn patterns(
        &self,
        org: &GithubName,
        repo: &GithubName,
        subject: &str,
        immutable: bool,
    ) -> Vec<String> {
        let owner_id = org.id.map(|id| id.to_string());
        let repository_id = repo.id.map(|id| id.to_string());
        let parts = SubParts {
            owner: &org.name,
            repository: &repo.name,
            immutable: immutable.then(|| {
                (
                    owner_id.clone().unwrap_or_else(|| "*".into()),
                    repository_id.clone().unwrap_or_else(|| "*".into()),
                )
            }),
            owner_id,
            repository_id,
            context: subject,
        };
        sub_in_template(&template_of(org, repo), &parts, &self.values())
    }

    fn legacy_subjects(&self, repos: &[&GithubName]) -> Vec<String> {
        let mut claims: Vec<String> = Vec::new();
        for org in &self.organizations {
            for repo in repos {
                for subject in &self.subjects {
                    for sub in self.patterns(org, repo, subject, false) {
                        if !claims.contains(&sub) {
                            claims.push(sub);
                        }
                    }
                }
            }
        }
        claims
    }

    /// Both subject forms of one repository with an id; the owner's id pins the owner when known.
    pub(crate) fn pinned_subjects(&self, repo: &GithubName) -> Vec<String> {
        let mut claims = self.legacy_subjects(&[repo]);
        for org in &self.organizations {
            if !template_of(org, repo).contains(&"repo") {
                continue;
            }
            for subject in &self.subjects {
                for sub in self.patterns(org, repo, subject, true) {
                    if !claims.contains(&sub) {
                        claims.push(sub);
                    }
                }
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
                    self.pinned_subjects(repo),
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
            assert_eq!(trust(orgs, repos, subjects).sub_patterns(), *want);
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

    fn keys(xs: &[&str]) -> Option<Vec<String>> {
        Some(xs.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn a_customized_organization_gets_subjects_in_its_template() {
        let mut t = trust(
            &["octo-org", "betekk"],
            &["octo-repo"],
            &["environment:prod"],
        );
        t.organizations[0].subject_claims = keys(&["repo", "context", "job_workflow_ref"]);
        t.claims.insert(
            "job_workflow_ref".into(),
            vec!["octo-org/wf/.github/workflows/oidc.yml@refs/heads/main".into()],
        );
        assert_eq!(
            t.sub_patterns(),
            [
                "repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/wf/.github/workflows/oidc.yml@refs/heads/main",
                "repo:betekk/octo-repo:environment:prod",
            ]
        );
    }

    #[test]
    fn a_repository_template_wins_over_its_organizations_and_keeps_the_immutable_form() {
        let mut t = trust(&["o"], &[], &["*"]);
        t.organizations[0].id = Some(5);
        t.organizations[0].subject_claims = keys(&["repo", "context", "job_workflow_ref"]);
        t.repositories = vec![
            GithubName::new("r", Some(9)).with_subject_claims(keys(&[
                "repository_owner_id",
                "repository_id",
                "context",
            ])),
            GithubName::new("s", Some(8)),
        ];
        let st = t.statements(HOST, &["sts.amazonaws.com".into()]);
        assert_eq!(
            st[0]["Condition"]["StringLike"][format!("{HOST}:sub")],
            json!(["repository_owner_id:5:repository_id:9:*"])
        );
        assert_eq!(
            st[1]["Condition"]["StringLike"][format!("{HOST}:sub")],
            json!([
                "repo:o/s:*:job_workflow_ref:*",
                "repo:o@5/s@8:*:job_workflow_ref:*"
            ])
        );
    }

    #[test]
    fn the_default_template_is_todays_format() {
        let mut t = trust(&["o"], &["r"], &["pull_request"]);
        let plain = t.sub_patterns();
        t.organizations[0].subject_claims = keys(DEFAULT_SUBJECT_CLAIMS);
        assert_eq!(t.sub_patterns(), plain);
        assert_eq!(plain, ["repo:o/r:pull_request"]);
    }
}
