//! A role's whole trust policy: GitHub workflows through the OIDC provider, plus the AWS principals
//! (accounts, roles, users — `assume_role_grants` users among them) and services that may call
//! `sts:AssumeRole` on it. Built from the spec, and read back from a live document for `import`.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::PolicyDocument;
use super::github_trust::{
    CLAIM_KEYS, DEFAULT_SUBJECT_CLAIMS, GithubName, GithubTrust, SUBJECT_CLAIM_KEYS,
};

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Trust {
    pub(crate) github: Option<GithubTrust>,
    /// Account ids, account root ARNs, role and user ARNs.
    pub(crate) aws: Vec<String>,
    /// AWS principals that may also `sts:TagSession` (`{principal, tag_session: true}`): role
    /// chaining with session tags, as `configure-aws-credentials` does on `AssumeRole`.
    pub(crate) aws_tag_session: Vec<String>,
    /// Service principals, e.g. `lambda.amazonaws.com`.
    pub(crate) services: Vec<String>,
    /// `trust.statements`: raw IAM statements, added as given (unbound).
    pub(crate) statements: Vec<Value>,
}

impl Trust {
    pub(crate) fn is_empty(&self) -> bool {
        self.github.is_none()
            && self.aws.is_empty()
            && self.aws_tag_session.is_empty()
            && self.services.is_empty()
            && self.statements.is_empty()
    }

    pub(crate) fn document(&self, provider_host: &str, client_ids: &[String]) -> PolicyDocument {
        let mut statements = Vec::new();
        if let Some(github) = &self.github {
            statements.extend(github.statements(provider_host, client_ids));
        }
        if !self.aws.is_empty() {
            statements.push(json!({
                "Effect": "Allow",
                "Principal": {"AWS": self.aws},
                "Action": "sts:AssumeRole",
            }));
        }
        if !self.aws_tag_session.is_empty() {
            statements.push(json!({
                "Effect": "Allow",
                "Principal": {"AWS": self.aws_tag_session},
                "Action": ["sts:AssumeRole", "sts:TagSession"],
            }));
        }
        if !self.services.is_empty() {
            statements.push(json!({
                "Effect": "Allow",
                "Principal": {"Service": self.services},
                "Action": "sts:AssumeRole",
            }));
        }
        statements.extend(self.statements.iter().cloned());
        PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": statements}))
            .expect("generated trust policies are well formed")
    }

    /// Reads a live (bound) trust policy back into the spec's terms. `None` when the document has
    /// statements the spec cannot say; a returned trust regenerates to an equivalent document
    /// (checked here), so an imported spec plans no change.
    pub(crate) fn from_document(
        doc: &PolicyDocument,
        provider_host: &str,
        client_ids: &[String],
        env: &super::Env,
    ) -> Option<Trust> {
        let mut trust = Trust::default();
        let mut github: Option<GithubTrust> = None;
        let original = match &doc.original()["Statement"] {
            Value::Array(items) => items.clone(),
            one @ Value::Object(_) => vec![one.clone()],
            _ => return None,
        };
        for st in &original {
            let one =
                PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": [st]}))
                    .ok()?;
            let canonical = &one.canonical()["Statement"][0];
            if !read_statement(canonical, provider_host, &mut trust, &mut github) {
                // Anything else is said as a raw statement, as AWS holds it.
                trust.statements.push(st.clone());
            }
        }
        trust.github = github;
        let regenerated = trust.document(provider_host, client_ids).bind(env);
        (regenerated == *doc).then_some(trust)
    }
}

/// One statement of a form the spec generates, read into `trust` (or `github`); false when it is
/// not one.
fn read_statement(
    st: &Value,
    provider_host: &str,
    trust: &mut Trust,
    github: &mut Option<GithubTrust>,
) -> bool {
    if st["Effect"] != "Allow" || st.get("Sid").is_some() {
        return false;
    }
    let Some(principal) = st["Principal"].as_object().filter(|p| p.len() == 1) else {
        return false;
    };
    let Some((kind, ids)) = principal.iter().next() else {
        return false;
    };
    let Some(ids) = ids.as_array().and_then(|a| {
        a.iter()
            .map(|v| v.as_str().map(str::to_string))
            .collect::<Option<Vec<_>>>()
    }) else {
        return false;
    };
    let mut actions: Vec<String> = match &st["Action"] {
        Value::Array(a) => a
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_ascii_lowercase)
            .collect(),
        Value::String(a) => vec![a.to_ascii_lowercase()],
        _ => return false,
    };
    actions.sort();
    let actions: Vec<&str> = actions.iter().map(String::as_str).collect();
    let plain = st.get("Condition").is_none();
    match (kind.as_str(), actions.as_slice()) {
        ("AWS", ["sts:assumerole"]) if plain => trust.aws.extend(ids),
        ("AWS", ["sts:assumerole", "sts:tagsession"]) if plain => trust.aws_tag_session.extend(ids),
        ("Service", ["sts:assumerole"]) if plain => trust.services.extend(ids),
        ("Federated", ["sts:assumerolewithwebidentity"]) => {
            let Some(part) = github_statement(st, provider_host) else {
                return false;
            };
            let mut merged = github.clone();
            if merge(&mut merged, part).is_none() {
                return false;
            }
            *github = merged;
        }
        _ => return false,
    }
    true
}

/// One GitHub statement back into organizations × repositories × subjects (+ claims).
fn github_statement(st: &Value, host: &str) -> Option<GithubTrust> {
    let condition = st["Condition"].as_object()?;
    let mut repository_id: Option<u64> = None;
    let mut subs: Vec<String> = Vec::new();
    let mut claims = BTreeMap::new();
    for (op, keys) in condition {
        for (key, values) in keys.as_object()? {
            let claim = key.strip_prefix(host)?.strip_prefix(':')?;
            let values: Vec<String> = values
                .as_array()?
                .iter()
                .map(|v| v.as_str().map(str::to_string))
                .collect::<Option<_>>()?;
            match (op.as_str(), claim) {
                ("StringEquals", "aud") => {}
                ("StringEquals", "repository_id") if values.len() == 1 => {
                    repository_id = Some(values[0].parse().ok()?)
                }
                ("StringLike", "sub") => subs = values,
                ("StringLike", c) if CLAIM_KEYS.contains(&c) => {
                    claims.insert(c.to_string(), values);
                }
                _ => return None,
            }
        }
    }
    let mut trust = GithubTrust {
        organizations: Vec::new(),
        repositories: Vec::new(),
        subjects: Vec::new(),
        claims,
    };
    for sub in subs {
        let parsed = parse_sub(&sub)?;
        let (org, repo) = parsed.org_repo.split_once('/')?;
        let (org, org_id) = match org.split_once('@') {
            Some((name, "*")) => (name, None),
            Some((name, id)) => (name, Some(id.parse().ok()?)),
            None => (org, None),
        };
        let repo = match repo.split_once('@') {
            Some((name, id)) if Some(id.parse().ok()?) == repository_id => name,
            Some(_) => return None,
            None => repo,
        };
        let template = (parsed.keys != DEFAULT_SUBJECT_CLAIMS).then(|| {
            parsed
                .keys
                .iter()
                .map(|k| k.to_string())
                .collect::<Vec<_>>()
        });
        add_name(&mut trust.organizations, org, org_id);
        add_name(&mut trust.repositories, repo, repository_id);
        let entry = trust.repositories.iter_mut().find(|r| r.name == repo)?;
        match (&entry.subject_claims, template) {
            (None, t) => entry.subject_claims = t,
            (Some(have), Some(t)) if *have == t => {}
            _ => return None,
        }
        let subject = parsed.context.unwrap_or_else(|| "*".to_string());
        if !trust.subjects.contains(&subject) {
            trust.subjects.push(subject);
        }
    }
    (!trust.repositories.is_empty()).then_some(trust)
}

/// A `sub` pattern taken apart by its subject template.
struct ParsedSub<'a> {
    keys: Vec<&'a str>,
    /// `ORG/REPO`, with `@ID`s in the immutable form.
    org_repo: String,
    context: Option<String>,
}

/// `KEY:VALUE` parts of the known keys, in order, and the context between them; `repo:` (or
/// `repository:`) names the repository. `None` when no part names it.
fn parse_sub(sub: &str) -> Option<ParsedSub<'static>> {
    let tokens: Vec<&str> = sub.split(':').collect();
    let known = |t: &str| -> Option<&'static str> {
        SUBJECT_CLAIM_KEYS
            .iter()
            .find(|k| **k == t && **k != "context")
            .copied()
    };
    let mut keys: Vec<&'static str> = Vec::new();
    let mut org_repo: Option<String> = None;
    let mut context: Option<String> = None;
    let mut i = 0;
    while i < tokens.len() {
        match known(tokens[i]) {
            Some(key) if !keys.contains(&key) && i + 1 < tokens.len() => {
                if key == "repo" || (key == "repository" && org_repo.is_none()) {
                    org_repo = Some(tokens[i + 1].to_string());
                }
                keys.push(key);
                i += 2;
            }
            _ => {
                if context.is_some() {
                    return None;
                }
                let start = i;
                while i < tokens.len() && known(tokens[i]).is_none() {
                    i += 1;
                }
                context = Some(tokens[start..i].join(":"));
                keys.push("context");
            }
        }
    }
    Some(ParsedSub {
        keys,
        org_repo: org_repo?,
        context,
    })
}

/// Adds a name once; a known id wins over none (the legacy subjects carry no ids).
fn add_name(list: &mut Vec<GithubName>, name: &str, id: Option<u64>) {
    match list.iter_mut().find(|n| n.name == name) {
        Some(existing) => existing.id = existing.id.or(id),
        None => list.push(GithubName::new(name, id)),
    }
}

/// Statements of one trust share organizations, subjects and claims; repositories add up.
fn merge(into: &mut Option<GithubTrust>, part: GithubTrust) -> Option<()> {
    match into {
        None => *into = Some(part),
        Some(t) => {
            if t.subjects != part.subjects || t.claims != part.claims {
                return None;
            }
            let names = |l: &[GithubName]| l.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
            if names(&t.organizations) != names(&part.organizations) {
                return None;
            }
            for org in &part.organizations {
                add_name(&mut t.organizations, &org.name, org.id);
            }
            t.repositories.extend(part.repositories);
        }
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Env;

    const HOST: &str = "token.actions.githubusercontent.com";

    fn aud() -> Vec<String> {
        vec!["sts.amazonaws.com".into()]
    }

    fn github(orgs: Vec<GithubName>, repos: Vec<GithubName>, subjects: &[&str]) -> GithubTrust {
        GithubTrust {
            organizations: orgs,
            repositories: repos,
            subjects: subjects.iter().map(|s| s.to_string()).collect(),
            claims: BTreeMap::new(),
        }
    }

    fn roundtrip(t: &Trust) -> Option<Trust> {
        let env = Env::placeholder("ap-southeast-1");
        let live = t.document(HOST, &aud()).bind(&env);
        // What IAM hands back: URL-encoded, account ids as root ARNs.
        let text = live
            .to_json_string()
            .replace("\"111122223333\"", "\"arn:aws:iam::111122223333:root\"");
        let encoded =
            percent_encoding::utf8_percent_encode(&text, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        let live = PolicyDocument::parse(&encoded).unwrap();
        Trust::from_document(&live, HOST, &aud(), &env)
    }

    #[test]
    fn every_mix_reads_back_as_written() {
        let n = |s: &str, id: Option<u64>| GithubName::new(s, id);
        let mut with_claims = github(vec![n("betekk", Some(5))], vec![n("a", Some(9))], &["*"]);
        with_claims
            .claims
            .insert("environment".into(), vec!["prod".into()]);
        let mut customized = github(
            vec![n("octo-org", Some(5))],
            vec![
                n("a", Some(9)).with_subject_claims(Some(vec![
                    "repo".into(),
                    "context".into(),
                    "job_workflow_ref".into(),
                ])),
                n("b", None).with_subject_claims(Some(vec![
                    "repository_owner".into(),
                    "repository".into(),
                    "context".into(),
                ])),
            ],
            &["environment:prod", "ref:refs/tags/v*"],
        );
        customized.claims.insert(
            "job_workflow_ref".into(),
            vec!["octo-org/wf/.github/workflows/oidc.yml@refs/heads/main".into()],
        );
        let table = vec![
            Trust {
                github: Some(github(
                    vec![n("nus-cee", None), n("betekk", None)],
                    vec![n("app", None)],
                    &["*"],
                )),
                ..Trust::default()
            },
            Trust {
                github: Some(github(
                    vec![n("nus-cee", None), n("betekk", Some(123456))],
                    vec![n("old", None), n("new-svc", Some(987654321))],
                    &["ref:refs/heads/main", "environment:prod"],
                )),
                aws: vec![
                    "arn:aws:iam::123456789012:user/deployer".into(),
                    "111122223333".into(),
                ],
                services: vec!["lambda.amazonaws.com".into()],
                ..Trust::default()
            },
            Trust {
                github: Some(with_claims),
                ..Trust::default()
            },
            Trust {
                services: vec!["lambda.amazonaws.com".into()],
                ..Trust::default()
            },
            Trust {
                github: Some(customized.clone()),
                ..Trust::default()
            },
        ];
        for t in table {
            let back = roundtrip(&t).unwrap_or_else(|| panic!("not read back: {t:?}"));
            let env = Env::placeholder("ap-southeast-1");
            assert_eq!(
                back.document(HOST, &aud()).bind(&env),
                t.document(HOST, &aud()).bind(&env),
                "{t:?}"
            );
            // Read back from the canonical (sorted) form: the same names and ids, maybe reordered.
            let sorted = |t: &Trust| {
                t.github.as_ref().map(|g| {
                    let (mut o, mut r) = (g.organizations.clone(), g.repositories.clone());
                    o.sort();
                    r.sort();
                    (o, r, g.claims.clone())
                })
            };
            assert_eq!(sorted(&back), sorted(&t));
        }
    }

    #[test]
    fn statements_no_spec_form_says_are_read_back_as_raw_statements() {
        let env = Env::placeholder("ap-southeast-1");
        let foreign = json!({"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {"ForAllValues:StringLike": {"token.actions.githubusercontent.com:sub": ["repo:x/y:*"]}}});
        let mfa = json!({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
            "Action": "sts:AssumeRole", "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}});
        for st in [foreign, mfa] {
            let doc = PolicyDocument::from_json(
                json!({"Version": "2012-10-17", "Statement": [st.clone()]}),
            )
            .unwrap();
            let back = Trust::from_document(&doc, HOST, &aud(), &env).expect("read");
            assert!(back.github.is_none() && back.aws.is_empty(), "{back:?}");
            assert_eq!(back.statements, [st]);
            assert_eq!(back.document(HOST, &aud()).bind(&env), doc);
        }
    }

    #[test]
    fn tag_session_principals_get_their_own_statement_and_read_back() {
        let t = Trust {
            aws: vec!["111122223333".into()],
            aws_tag_session: vec!["arn:aws:iam::123456789012:role/GithubRole".into()],
            statements: vec![
                json!({"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole",
                "Condition": {"Bool": {"aws:SecureTransport": "false"}}}),
            ],
            ..Trust::default()
        };
        let doc = t.document(HOST, &aud());
        let st = doc.original()["Statement"].as_array().unwrap().clone();
        assert_eq!(st.len(), 3);
        assert_eq!(st[1]["Action"], json!(["sts:AssumeRole", "sts:TagSession"]));
        assert_eq!(st[0]["Action"], json!("sts:AssumeRole"));
        let back = roundtrip(&t).expect("read back");
        assert_eq!(back.aws_tag_session, t.aws_tag_session);
        assert_eq!(back.statements.len(), 1);
        assert_eq!(back.statements[0]["Effect"], "Deny");
    }
}
