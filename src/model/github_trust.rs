//! Trust policies for GitHub Actions: who may assume a role through the OIDC provider.

use serde_json::json;

use super::PolicyDocument;

/// Which workflows may assume a role: every organization × repository × subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GithubTrust {
    pub organizations: Vec<String>,
    pub repositories: Vec<String>,
    /// The part after `repo:ORG/REPO:` — `*`, `ref:refs/heads/main`, `environment:prod`, `pull_request`.
    pub subjects: Vec<String>,
}

impl GithubTrust {
    /// `repo:ORG/REPO:SUBJECT` for every combination, in a stable order.
    pub fn subject_claims(&self) -> Vec<String> {
        let mut claims = Vec::new();
        for org in &self.organizations {
            for repo in &self.repositories {
                for subject in &self.subjects {
                    claims.push(format!("repo:{org}/{repo}:{subject}"));
                }
            }
        }
        claims.dedup();
        claims
    }

    /// The trust policy: the provider as federated principal, `aud` pinned with StringEquals, `sub`
    /// matched with StringLike. Never `ForAllValues:`, which matches a token with no `sub` at all.
    /// `{partition}` and `{account}` are bound once the account is known.
    pub fn document(&self, provider_host: &str, client_ids: &[String]) -> PolicyDocument {
        let principal = format!("arn:{{partition}}:iam::{{account}}:oidc-provider/{provider_host}");
        let doc = json!({
            "Version": "2012-10-17",
            "Statement": [{
                "Effect": "Allow",
                "Principal": {"Federated": principal},
                "Action": "sts:AssumeRoleWithWebIdentity",
                "Condition": {
                    "StringEquals": {format!("{provider_host}:aud"): client_ids},
                    "StringLike": {format!("{provider_host}:sub"): self.subject_claims()},
                }
            }]
        });
        PolicyDocument::from_json(doc).expect("generated trust policies are well formed")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Env;

    fn trust(orgs: &[&str], repos: &[&str], subjects: &[&str]) -> GithubTrust {
        let v = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect();
        GithubTrust {
            organizations: v(orgs),
            repositories: v(repos),
            subjects: v(subjects),
        }
    }

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
    fn document_pins_audience_and_principal() {
        let doc = trust(&["betekk"], &["app"], &["*"])
            .document(
                "token.actions.githubusercontent.com",
                &["sts.amazonaws.com".into()],
            )
            .bind(&Env::placeholder("ap-southeast-1"));
        let text = doc.to_json_string();
        assert!(text.contains(r#""Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com""#), "{text}");
        assert!(text.contains(r#""StringEquals":{"token.actions.githubusercontent.com:aud":["sts.amazonaws.com"]}"#), "{text}");
        assert!(
            text.contains(r#""token.actions.githubusercontent.com:sub":["repo:betekk/app:*"]"#),
            "{text}"
        );
        assert!(!text.contains("ForAllValues"));
        assert!(text.contains("sts:AssumeRoleWithWebIdentity"));
    }
}
