//! The request a GitHub Actions token makes when a workflow assumes a role: its `sub` in the
//! legacy and the immutable form, and the claims AWS STS turns into condition keys.

use std::collections::BTreeMap;

use serde::Serialize;

use super::evaluate::Request;

/// Which `sub` GitHub puts into the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum SubjectForm {
    /// `repo:OWNER/REPO:…`
    Legacy,
    /// `repo:OWNER@OWNER_ID/REPO@REPO_ID:…` (repositories created, renamed or transferred since
    /// 2026-07-15, or opted in).
    Immutable,
}

/// What a workflow run is: the claims of its token that trust policies look at.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GithubToken {
    pub(crate) owner: String,
    pub(crate) repository: String,
    /// The owner's numeric GitHub id; with `repository_id` it adds the immutable subject.
    pub owner_id: Option<u64>,
    /// The repository's numeric GitHub id (the `repository_id` claim).
    pub repository_id: Option<u64>,
    /// `refs/heads/main` unless given.
    pub git_ref: Option<String>,
    /// The job's deployment environment; when set, the subject ends in `environment:NAME`.
    pub environment: Option<String>,
    /// A `pull_request` event without an environment (the subject is `…:pull_request`).
    pub pull_request: bool,
    pub(crate) job_workflow_ref: Option<String>,
    /// The `aud` claim; `sts.amazonaws.com` unless changed.
    pub audience: String,
    /// Further claims (`--claim KEY=VALUE`), which win over the ones derived above.
    pub(crate) claims: BTreeMap<String, String>,
    /// The subject template (`include_claim_keys`) of the token's repository; `None`: GitHub's
    /// default `[repo, context]`.
    pub subject_claims: Option<Vec<String>>,
}

impl GithubToken {
    /// `owner/repo` → a token for `refs/heads/main`.
    pub fn parse(owner_repo: &str) -> Result<Self, String> {
        let (owner, repository) = owner_repo
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| {
                format!("{owner_repo:?}: expected OWNER/REPOSITORY, e.g. betekk/probe-engine")
            })?;
        Ok(GithubToken {
            owner: owner.to_string(),
            repository: repository.to_string(),
            audience: crate::kinds::oidc_provider::STS_AUDIENCE.to_string(),
            ..GithubToken::default()
        })
    }

    pub(crate) fn git_ref(&self) -> &str {
        self.git_ref.as_deref().unwrap_or("refs/heads/main")
    }

    /// The part after `repo:…:`, as GitHub builds it: the environment when the job has one, else
    /// `pull_request` for that event, else the ref.
    fn suffix(&self) -> String {
        match (&self.environment, self.pull_request) {
            (Some(env), _) => format!("environment:{env}"),
            (None, true) => "pull_request".to_string(),
            (None, false) => format!("ref:{}", self.git_ref()),
        }
    }

    /// The value of a claim other than `sub` and `aud`, as the request carries it.
    fn claim(&self, key: &str) -> Option<String> {
        if let Some(v) = self.claims.get(key) {
            return Some(v.clone());
        }
        match key {
            "repository" => Some(format!("{}/{}", self.owner, self.repository)),
            "repository_owner" => Some(self.owner.clone()),
            "repository_owner_id" => self.owner_id.map(|id| id.to_string()),
            "repository_id" => self.repository_id.map(|id| id.to_string()),
            "ref" => Some(self.git_ref().to_string()),
            "environment" => self.environment.clone(),
            "job_workflow_ref" => self.job_workflow_ref.clone(),
            _ => None,
        }
    }

    /// Keys of the subject template this token cannot fill in (`--workflow-ref`, `--claim KEY=…`).
    pub fn missing_template_claims(&self) -> Vec<String> {
        self.template()
            .into_iter()
            .filter(|k| *k != "repo" && *k != "context" && self.claim(k).is_none())
            .map(str::to_string)
            .collect()
    }

    fn template(&self) -> Vec<&str> {
        match &self.subject_claims {
            Some(keys) => keys.iter().map(String::as_str).collect(),
            None => crate::model::github_trust::DEFAULT_SUBJECT_CLAIMS.to_vec(),
        }
    }

    /// The subjects this token may carry, in its subject template: the legacy form always, the
    /// immutable form when both ids are known.
    pub fn subjects(&self) -> Vec<(SubjectForm, String)> {
        use crate::model::github_trust::{SubParts, sub_in_template};
        let context = self.suffix();
        let values = |key: &str| self.claim(key).map(|v| vec![v]);
        let mut parts = SubParts {
            owner: &self.owner,
            repository: &self.repository,
            immutable: None,
            owner_id: self.owner_id.map(|id| id.to_string()),
            repository_id: self.repository_id.map(|id| id.to_string()),
            context: &context,
        };
        let template = self.template();
        let one = |parts: &SubParts| {
            sub_in_template(&template, parts, &values)
                .into_iter()
                .next()
                .unwrap_or_default()
        };
        let mut out = vec![(SubjectForm::Legacy, one(&parts))];
        if let (Some(owner_id), Some(repo_id)) = (self.owner_id, self.repository_id) {
            parts.immutable = Some((owner_id.to_string(), repo_id.to_string()));
            out.push((SubjectForm::Immutable, one(&parts)));
        }
        out
    }

    /// `sts:AssumeRoleWithWebIdentity` on `role_arn` through the provider, with this subject.
    pub fn request(
        &self,
        subject: &str,
        provider_arn: &str,
        host: &str,
        role_arn: &str,
    ) -> Request {
        let mut request = Request::new(provider_arn, "sts:AssumeRoleWithWebIdentity", role_arn);
        let mut claims: BTreeMap<String, String> = BTreeMap::new();
        claims.insert("aud".into(), self.audience.clone());
        claims.insert("sub".into(), subject.to_string());
        claims.insert(
            "repository".into(),
            format!("{}/{}", self.owner, self.repository),
        );
        claims.insert("ref".into(), self.git_ref().to_string());
        if let Some(id) = self.repository_id {
            claims.insert("repository_id".into(), id.to_string());
        }
        if let Some(env) = &self.environment {
            claims.insert("environment".into(), env.clone());
        }
        if let Some(w) = &self.job_workflow_ref {
            claims.insert("job_workflow_ref".into(), w.clone());
        }
        for (k, v) in &self.claims {
            claims.insert(k.clone(), v.clone());
        }
        for (k, v) in claims {
            request = request.with(&format!("{host}:{k}"), &v);
        }
        request
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_githubs_rules() {
        let mut t = GithubToken::parse("betekk/new-svc").unwrap();
        assert_eq!(
            t.subjects(),
            [(
                SubjectForm::Legacy,
                "repo:betekk/new-svc:ref:refs/heads/main".to_string()
            )]
        );
        t.owner_id = Some(123456);
        t.repository_id = Some(987654321);
        t.environment = Some("prod".into());
        assert_eq!(
            t.subjects()[1],
            (
                SubjectForm::Immutable,
                "repo:betekk@123456/new-svc@987654321:environment:prod".to_string()
            )
        );
        t.environment = None;
        t.pull_request = true;
        assert_eq!(t.subjects()[0].1, "repo:betekk/new-svc:pull_request");
        assert!(GithubToken::parse("no-slash").is_err());
        t.pull_request = false;
        t.subject_claims = Some(vec![
            "repo".into(),
            "context".into(),
            "job_workflow_ref".into(),
        ]);
        assert_eq!(t.missing_template_claims(), ["job_workflow_ref"]);
        t.job_workflow_ref = Some("octo-org/wf/.github/workflows/oidc.yml@refs/heads/main".into());
        t.environment = Some("prod".into());
        assert!(t.missing_template_claims().is_empty());
        assert_eq!(
            t.subjects()[0].1,
            "repo:betekk/new-svc:environment:prod:job_workflow_ref:octo-org/wf/.github/workflows/oidc.yml@refs/heads/main"
        );
        t.subject_claims = Some(vec!["repository_owner_id".into(), "context".into()]);
        assert_eq!(
            t.subjects()[0].1,
            "repository_owner_id:123456:environment:prod"
        );
        assert!(GithubToken::parse("a/b/c").is_err());
    }

    #[test]
    fn the_request_carries_the_claims_sts_evaluates() {
        let mut t = GithubToken::parse("betekk/app").unwrap();
        t.repository_id = Some(42);
        t.claims.insert("actor".into(), "octocat".into());
        let host = "token.actions.githubusercontent.com";
        let r = t.request(
            "repo:betekk/app:ref:refs/heads/main",
            "arn:aws:iam::1:oidc-provider/x",
            host,
            "arn:aws:iam::1:role/R",
        );
        let get = |k: &str| r.context.get(&format!("{host}:{k}")).map(|v| v[0].clone());
        assert_eq!(get("aud").as_deref(), Some("sts.amazonaws.com"));
        assert_eq!(get("repository_id").as_deref(), Some("42"));
        assert_eq!(get("repository").as_deref(), Some("betekk/app"));
        assert_eq!(get("actor").as_deref(), Some("octocat"));
        assert_eq!(get("environment"), None);
        assert_eq!(r.action, "sts:AssumeRoleWithWebIdentity");
    }
}
