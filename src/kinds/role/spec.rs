//! The `roles:` section: roles GitHub workflows assume through the OIDC provider, and roles other
//! AWS principals or services assume (`trust:`).

use std::collections::BTreeSet;

use std::collections::BTreeMap;

use crate::kinds::policy::spec::iam_name;
use crate::kinds::role::DEFAULT_MAX_SESSION;
use crate::model::github_trust::CLAIM_KEYS;
use crate::model::trust::Trust;
use crate::model::{Env, GithubTrust, PolicyDocument, Resource, Role};
use crate::spec::arns;
use crate::spec::diagnostic::one_of;
use crate::spec::fields::{Field, Ty};
use crate::spec::github::{self, Github};
use crate::spec::reader::{Reader, join};
use crate::spec::yaml::{Node, Pos, Value};
use crate::spec::{Context, names, resource_tags};

/// IAM's default quota for a trust policy, and the most it can be raised to.
pub(crate) const TRUST_POLICY_QUOTA: usize = 2048;
pub(crate) const TRUST_POLICY_MAX: usize = 4096;
/// IAM's hard limit of managed policies per role.
pub(crate) const MAX_ATTACHED: usize = 20;

pub(crate) const FIELDS: &[Field] = &[
    Field::required(
        "name",
        Ty::Str,
        "The role's name; {prefix} and {PREFIX} expand",
    ),
    Field::new("description", Ty::Str, "What the role is for"),
    Field::new(
        "github_trust",
        Ty::Map(GITHUB_TRUST),
        "GitHub Actions workflows that may assume the role (through the OIDC provider)",
    ),
    Field::new(
        "allow_any_repository",
        Ty::Bool,
        "Needed for a repository pattern with * in github_trust (default false)",
    ),
    Field::new(
        "trust",
        Ty::Map(OTHER_TRUST),
        "AWS principals and services that may assume the role",
    ),
    Field::new(
        "policies",
        Ty::Strings,
        "Policies of this spec, or ARNs of existing ones; attachments are exclusive",
    ),
    Field::new(
        "inline_policies",
        Ty::NamedDocuments(crate::kinds::policy::spec::STATEMENT),
        "Inline policies: name → a policy document (YAML or a JSON string) or a list of \
         statements; exclusive",
    ),
    Field::new(
        "max_session_duration",
        Ty::Int {
            min: 3600,
            max: 43200,
        },
        "Seconds (default 3600)",
    ),
    Field::new(
        "permissions_boundary",
        Ty::Str,
        "A policy of this spec or an ARN",
    ),
    Field::new("tags", Ty::StringMap, "The role's own tags"),
    Field::new(
        "path",
        Ty::Str,
        "IAM path, e.g. /ci/ (default /); part of the ARN, so a change replaces the role",
    ),
];

const GITHUB_TRUST: &[Field] = &[
    Field::required(
        "repositories",
        Ty::NamesOr(crate::spec::github::NAME_ID),
        "Repositories without the organization, or {name, id}; combined with every organization",
    ),
    Field::new(
        "subjects",
        Ty::Strings,
        "After repo:ORG/REPO: — \"*\" (default), \"ref:refs/heads/main\", \"environment:prod\", \
         \"pull_request\"",
    ),
    Field::new(
        "claims",
        Ty::Claims(CLAIM_KEYS),
        "Other token claims → a value or a list of values (StringLike)",
    ),
];

const OTHER_TRUST: &[Field] = &[
    Field::new(
        "aws",
        Ty::NamesOr(AWS_PRINCIPAL),
        "Account ids, or user or role ARNs; or {principal, tag_session: true} to allow \
         sts:TagSession too (role chaining with session tags)",
    ),
    Field::new(
        "services",
        Ty::Strings,
        "Service principals, e.g. lambda.amazonaws.com",
    ),
    Field::new(
        "statements",
        Ty::ListOf(TRUST_STATEMENT),
        "Raw IAM trust statements (Effect, Principal, Action, Condition), added as given",
    ),
];

/// `{principal, tag_session}`: an AWS principal that may also tag its session.
const AWS_PRINCIPAL: &[Field] = &[
    Field::required("principal", Ty::Str, "An account id, or a user or role ARN"),
    Field::new(
        "tag_session",
        Ty::Bool,
        "Also allow sts:TagSession (default false)",
    ),
];

/// A raw IAM statement, in IAM's own keys.
const TRUST_STATEMENT: &[Field] = &[
    Field::new("Sid", Ty::Str, "The statement's id"),
    Field::new("Effect", Ty::OneOf(&["Allow", "Deny"]), "Allow or Deny"),
    Field::new("Principal", Ty::Mapping, "AWS, Service or Federated → ids"),
    Field::new("NotPrincipal", Ty::Mapping, "Everyone but these"),
    Field::new("Action", Ty::Strings, "sts:AssumeRole, sts:TagSession, …"),
    Field::new("NotAction", Ty::Strings, "Every action but these"),
    Field::new(
        "Condition",
        Ty::Mapping,
        "IAM conditions: operator → key → values",
    ),
];

/// A role as read, before `assume_role_grants` add their users to its trust: the trust document
/// (and its size check) is made by [`finish`].
pub(crate) struct PendingRole {
    pub(crate) role: Role,
    pub(crate) trust: Trust,
    pub(crate) pos: Pos,
    pub(crate) path: String,
}

/// `spec_policies`: names of the policies this spec defines (after expansion).
pub(crate) fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    github: &Github,
    spec_policies: &BTreeSet<String>,
) -> Vec<PendingRole> {
    let Some(items) = r.list(node, "roles") else {
        return Vec::new();
    };
    let mut out: Vec<PendingRole> = Vec::new();
    for (path, item) in items {
        let Some(role) = read_one(r, ctx, item, &path, github, spec_policies) else {
            continue;
        };
        if out.iter().any(|x| x.role.name == role.role.name) {
            r.error(
                item.pos,
                &join(&path, "name"),
                format!("duplicate role name {:?}", role.role.name),
            );
            continue;
        }
        out.push(role);
    }
    out
}

/// The names the `roles:` section declares, read ahead (silently: [`read`] reports any error) so
/// that policies can refer to roles by name.
pub(crate) fn declared_names(node: Option<&Node>, prefix: &str) -> BTreeSet<String> {
    let Some(Value::Seq(items)) = node.map(|n| &n.value) else {
        return BTreeSet::new();
    };
    items
        .iter()
        .filter_map(|item| match &item.value {
            Value::Map(entries) => entries.iter().find(|(k, _)| k.name == "name"),
            _ => None,
        })
        .filter_map(|(_, v)| match &v.value {
            Value::String(s) => names::expand(s, prefix).ok(),
            _ => None,
        })
        .collect()
}

/// Adds each granted user to the trust of the roles it may assume, then makes every trust
/// document and checks its real size.
pub(crate) fn finish(
    r: &mut Reader,
    pending: Vec<PendingRole>,
    grants: &BTreeMap<String, Vec<String>>,
    github: &Github,
) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut without_id: Vec<String> = Vec::new();
    for PendingRole {
        mut role,
        mut trust,
        pos,
        path,
    } in pending
    {
        for user in grants.get(&role.name).into_iter().flatten() {
            let arn = format!("arn:{{partition}}:iam::{{account}}:user/{user}");
            if !trust.aws.contains(&arn) {
                trust.aws.push(arn);
            }
        }
        let document = trust.document(github.provider.host(), &github.provider.client_ids);
        let size = document.bind(&Env::placeholder("ap-southeast-1")).size();
        if size > TRUST_POLICY_MAX {
            r.error(
                pos,
                &path,
                format!("the trust policy would have {size} characters; IAM allows at most {TRUST_POLICY_MAX}: trust fewer repositories or subjects"),
            );
            continue;
        }
        if size > TRUST_POLICY_QUOTA {
            r.diags.warning(
                pos,
                &path,
                format!(
                    "the trust policy would have {size} characters, above IAM's default quota of {TRUST_POLICY_QUOTA}; \
                     the account needs a raised quota (up to {TRUST_POLICY_MAX})"
                ),
            );
        }
        for repo in trust.github.iter().flat_map(|g| &g.repositories) {
            if repo.id.is_none() && !repo.name.contains('*') && !without_id.contains(&repo.name) {
                without_id.push(repo.name.clone());
            }
        }
        role.trust_policy = document;
        out.push(Resource::Role(role));
    }
    if !without_id.is_empty() {
        let org = github
            .organizations
            .last()
            .map_or("ORG", |o| o.name.as_str());
        r.notes.push(format!(
            "GitHub repositories trusted without an id: {}. A repository deleted or renamed and \
             then re-created under the same name would be trusted too. Give each as \
             {{name: NAME, id: ID}}, the id from `gh api repos/{org}/NAME --jq .id`; the trust then \
             also accepts GitHub's immutable subject (repo:ORG@ORG_ID/REPO@REPO_ID:…) and refuses \
             any other repository id.",
            without_id.join(", ")
        ));
    }
    out
}

/// Policies and pull-time exclusions name the spec's roles by name (`lambda_deploy.execution_roles`,
/// `assume_role_grants`, `registry.pull_time_update_exclusions`)
/// before the roles' paths are read: the ARNs of roles with a path get it here.
pub(crate) fn with_paths(resources: &mut [Resource], paths: &[(String, String)]) {
    if paths.is_empty() {
        return;
    }
    for resource in resources.iter_mut() {
        if let Resource::PullTimeExclusion(exclusion) = resource {
            for (name, path) in paths {
                if exclusion.principal_arn
                    == format!("arn:{{partition}}:iam::{{account}}:role/{name}")
                {
                    exclusion.principal_arn =
                        format!("arn:{{partition}}:iam::{{account}}:role{path}{name}");
                }
            }
            continue;
        }
        let Resource::Policy(policy) = resource else {
            continue;
        };
        let mut text = policy.document.to_json_string();
        for (name, path) in paths {
            text = text.replace(
                &format!("arn:{{partition}}:iam::{{account}}:role/{name}\""),
                &format!("arn:{{partition}}:iam::{{account}}:role{path}{name}\""),
            );
        }
        if let Some(doc) = serde_json::from_str(&text)
            .ok()
            .and_then(|v| PolicyDocument::from_json(v).ok())
        {
            policy.document = doc;
        }
    }
}

/// A policy reference: a policy of this spec by name (bound to its ARN later), or an ARN.
pub(crate) fn policy_arn(
    reference: &str,
    spec_policies: &BTreeSet<String>,
) -> Result<String, String> {
    if reference.starts_with("arn:") {
        arns::check_policy_arn(reference).map(|()| reference.to_string())
    } else if spec_policies.contains(reference) {
        Ok(format!(
            "arn:{{partition}}:iam::{{account}}:policy/{reference}"
        ))
    } else {
        Err(format!(
            "no policy named {reference:?} in this spec; name one of its policies, or give the ARN of an existing policy"
        ))
    }
}

fn read_one(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    github: &Github,
    spec_policies: &BTreeSet<String>,
) -> Option<PendingRole> {
    let f = r.fields(node, path, FIELDS)?;
    let name = iam_name(r, f.get("name"), node, &f.path_of("name"), ctx, "role", 64);
    let description = f
        .get("description")
        .and_then(|n| r.string(n, &f.path_of("description")))
        .unwrap_or_default();
    let allow_any = f
        .get("allow_any_repository")
        .and_then(|n| r.bool(n, &f.path_of("allow_any_repository")))
        .unwrap_or(false);
    let github_trust = match f.get("github_trust") {
        None => Some(None),
        Some(n) => read_github_trust(r, n, &f.path_of("github_trust"), github, allow_any).map(Some),
    };
    let other_trust = match f.get("trust") {
        None => Some(Trust::default()),
        Some(n) => read_other_trust(r, ctx, n, &f.path_of("trust")),
    };
    if f.get("github_trust").is_none() && f.get("trust").is_none() {
        r.error(
            node.pos,
            &f.path_of("github_trust"),
            "missing; say which GitHub repositories may assume the role (or, with trust:, which AWS principals and services)",
        );
    }
    let max_session = match f.get("max_session_duration") {
        None => Some(DEFAULT_MAX_SESSION),
        Some(n) => r
            .int(n, &f.path_of("max_session_duration"), 3600, 43200)
            .map(|v| v as i32),
    };
    let boundary = match f.get("permissions_boundary") {
        None => Some(None),
        Some(n) => {
            let p = f.path_of("permissions_boundary");
            r.string(n, &p).and_then(|s| {
                names::expand(&s, &ctx.prefix)
                    .and_then(|s| policy_arn(&s, spec_policies))
                    .map(Some)
                    .map_err(|e| r.error(n.pos, &p, e))
                    .ok()
            })
        }
    };
    let policies = match f.get("policies") {
        None => Some(Vec::new()),
        Some(n) => {
            let p = f.path_of("policies");
            r.strings(n, &p).and_then(|list| {
                if list.len() > MAX_ATTACHED {
                    r.error(
                        n.pos,
                        &p,
                        format!(
                            "{} policies; IAM attaches at most {MAX_ATTACHED} to a role",
                            list.len()
                        ),
                    );
                    return None;
                }
                let mut arns = Vec::new();
                for reference in list {
                    match names::expand(&reference, &ctx.prefix)
                        .and_then(|expanded| policy_arn(&expanded, spec_policies))
                    {
                        Ok(arn) => arns.push(arn),
                        Err(e) => {
                            r.error(n.pos, &p, e);
                            return None;
                        }
                    }
                }
                arns.sort();
                arns.dedup();
                Some(arns)
            })
        }
    };
    let inline = match f.get("inline_policies") {
        None => Some(BTreeMap::new()),
        Some(n) => read_inline_policies(r, ctx, n, &f.path_of("inline_policies")),
    };
    let tags = resource_tags(r, ctx, f.get("tags"), &f.path_of("tags"));
    let path = match f.get("path") {
        None => Some(crate::kinds::role::root_path()),
        Some(n) => {
            let p = f.path_of("path");
            r.string(n, &p).and_then(|s| {
                check_role_path(&s)
                    .map(|()| s)
                    .map_err(|e| r.error(n.pos, &p, e))
                    .ok()
            })
        }
    };
    let (github_trust, other_trust) = (github_trust?, other_trust?);
    let trust = Trust {
        github: github_trust,
        ..other_trust
    };
    if trust.is_empty() {
        return None;
    }
    // Messages about the whole document point at the GitHub trust, where its size comes from.
    let (pos, trust_path) = match f.get("github_trust").or(f.get("trust")) {
        Some(n) if f.get("github_trust").is_some() => (n.pos, f.path_of("github_trust")),
        Some(n) => (n.pos, f.path_of("trust")),
        None => (node.pos, f.path_of("github_trust")),
    };
    Some(PendingRole {
        role: Role {
            name: name?,
            description,
            trust_policy: PolicyDocument::from_json(serde_json::json!({"Statement": []}))
                .expect("an empty document is well formed"),
            max_session_duration: max_session?,
            permissions_boundary: boundary?,
            policies: policies?,
            inline_policies: inline?,
            tags,
            path: path?,
        },
        trust,
        pos,
        path: trust_path,
    })
}

fn read_github_trust(
    r: &mut Reader,
    node: &Node,
    path: &str,
    github: &Github,
    allow_any: bool,
) -> Option<GithubTrust> {
    let f = r.fields(node, path, GITHUB_TRUST)?;
    let repositories = match f.get("repositories") {
        None => {
            r.error(
                node.pos,
                &f.path_of("repositories"),
                "missing; list the repositories (without the organization)",
            );
            None
        }
        Some(n) => {
            let p = f.path_of("repositories");
            let valid = |s: &str| {
                let chars_ok = !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_.*".contains(&b));
                if s.contains('/') || !chars_ok {
                    Err(format!(
                        "{s:?} is not a repository name; give the name without the organization"
                    ))
                } else if s.contains('*') && !allow_any {
                    Err(format!(
                        "{s:?} lets every matching repository of each organization assume the role; set allow_any_repository: true on the role if that is meant"
                    ))
                } else {
                    Ok(())
                }
            };
            github::names(r, n, &p, "repository", valid).filter(|repos| {
                if repos.is_empty() {
                    r.error(n.pos, &p, "needs at least one repository");
                    false
                } else {
                    true
                }
            })
        }
    };
    let subjects = match f.get("subjects") {
        None => Some(vec!["*".to_string()]),
        Some(n) => {
            let p = f.path_of("subjects");
            r.strings(n, &p).filter(|subjects| {
                if subjects.is_empty() {
                    r.error(n.pos, &p, "needs at least one subject, e.g. \"*\" or \"ref:refs/heads/main\"");
                    false
                } else if let Some(bad) = subjects.iter().find(|s| s.is_empty() || s.starts_with("repo:") || s.contains(' ')) {
                    r.error(
                        n.pos,
                        &p,
                        format!("{bad:?}: give only the part after repo:ORG/REPO: (\"*\", \"ref:refs/heads/main\", \"environment:prod\", \"pull_request\")"),
                    );
                    false
                } else {
                    true
                }
            })
        }
    };
    let claims = match f.get("claims") {
        None => Some(BTreeMap::new()),
        Some(n) => read_claims(r, n, &f.path_of("claims")),
    };
    // A subject template that does not name the repository lets in every repository whose
    // tokens match its other claims, unless the repository's id or a claim pins it.
    if let (Some(repos), Some(claims)) = (&repositories, &claims)
        && !allow_any
        && !claims.contains_key("repository")
        && !claims.contains_key("repository_id")
    {
        for repo in repos.iter().filter(|r| r.id.is_none()) {
            for org in &github.organizations {
                let template = crate::model::github_trust::template_of(org, repo);
                if !template
                    .iter()
                    .any(|k| ["repo", "repository", "repository_id"].contains(k))
                {
                    r.error(
                        node.pos,
                        &f.path_of("repositories"),
                        format!(
                            "the subject template [{}] of {}/{} does not name the repository, so \
                             the trust would let in any repository of {} with the same claims; \
                             give the repository's id ({{name: {}, id: ID}}, the trust then pins \
                             repository_id), or claims: {{repository: {}/{}}}, or set \
                             allow_any_repository: true if that is meant",
                            template.join(", "),
                            org.name,
                            repo.name,
                            org.name,
                            repo.name,
                            org.name,
                            repo.name
                        ),
                    );
                    break;
                }
            }
        }
    }
    Some(GithubTrust {
        organizations: github.organizations.clone(),
        repositories: repositories?,
        subjects: subjects?,
        claims: claims?,
    })
}

/// IAM's limit for all of a role's inline policies together, in characters without whitespace.
pub(crate) const INLINE_POLICIES_MAX: usize = 10_240;

/// `inline_policies:` — name → a policy document (YAML or a JSON string) or a list of statements
/// in the `statements:` form.
fn read_inline_policies(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
) -> Option<BTreeMap<String, PolicyDocument>> {
    let Value::Map(entries) = &node.value else {
        r.error(
            node.pos,
            path,
            "expected a mapping of policy name → document or statements",
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, value) in entries {
        let field = join(path, &key.name);
        if let Err(e) = names::check_iam_name(&key.name, "inline policy", 128) {
            r.error(key.pos, &field, e);
            ok = false;
            continue;
        }
        let document = match &value.value {
            Value::Seq(_) => crate::kinds::policy::spec::read_statements(r, ctx, value, &field)
                .and_then(|statements| {
                    PolicyDocument::from_json(
                        serde_json::json!({"Version": "2012-10-17", "Statement": statements}),
                    )
                    .map_err(|e| r.error(value.pos, &field, e.to_string()))
                    .ok()
                }),
            _ => crate::spec::settings::read_policy_document(r, value, &field, &ctx.prefix),
        };
        match document {
            Some(d) => {
                out.insert(key.name.clone(), d);
            }
            None => ok = false,
        }
    }
    let size: usize = out
        .values()
        .map(|d| d.bind(&Env::placeholder("ap-southeast-1")).size())
        .sum();
    if size > INLINE_POLICIES_MAX {
        r.error(
            node.pos,
            path,
            format!("the inline policies have {size} characters together; IAM allows {INLINE_POLICIES_MAX} per role"),
        );
        ok = false;
    }
    ok.then_some(out)
}

/// `claims:` — claim → a value or a list of values (any of them), each a StringLike condition.
fn read_claims(r: &mut Reader, node: &Node, path: &str) -> Option<BTreeMap<String, Vec<String>>> {
    let Value::Map(entries) = &node.value else {
        r.error(
            node.pos,
            path,
            "expected a mapping of claim → value or list of values",
        );
        return None;
    };
    let mut out = BTreeMap::new();
    let mut ok = true;
    for (key, value) in entries {
        let field = join(path, &key.name);
        if !CLAIM_KEYS.contains(&key.name.as_str()) {
            let hint = match key.name.as_str() {
                "sub" => "; the subject comes from repositories and subjects".to_string(),
                "aud" => "; the audience comes from github.oidc_provider.client_ids".to_string(),
                _ => String::new(),
            };
            r.error(
                key.pos,
                &field,
                format!(
                    "unknown claim {:?}; AWS STS evaluates {}{hint}",
                    key.name,
                    one_of(CLAIM_KEYS)
                ),
            );
            ok = false;
            continue;
        }
        let values = match &value.value {
            Value::Seq(_) => r.strings(value, &field),
            Value::String(s) => Some(vec![s.clone()]),
            Value::Int(i) => Some(vec![i.to_string()]),
            _ => {
                r.error(value.pos, &field, "expected a string or a list of strings");
                None
            }
        };
        match values {
            Some(v) if v.is_empty() || v.iter().any(String::is_empty) => {
                r.error(
                    value.pos,
                    &field,
                    "needs a value; an empty claim would match no token (leave the claim out to accept any)",
                );
                ok = false;
            }
            Some(v) => {
                out.insert(key.name.clone(), v);
            }
            None => ok = false,
        }
    }
    ok.then_some(out)
}

/// `trust:` — AWS principals (`aws`, plain or with `tag_session`), services (`services`) that may
/// `sts:AssumeRole` the role, and raw `statements`.
fn read_other_trust(r: &mut Reader, ctx: &Context, node: &Node, path: &str) -> Option<Trust> {
    let f = r.fields(node, path, OTHER_TRUST)?;
    let mut trust = Trust::default();
    let mut ok = true;
    if let Some(n) = f.get("aws") {
        let p = f.path_of("aws");
        match &n.value {
            Value::Seq(items) => {
                for (i, item) in items.iter().enumerate() {
                    let ipath = crate::spec::reader::index(&p, i);
                    let (text, tag_session) = match &item.value {
                        Value::String(s) => (Some((s.clone(), item.pos)), false),
                        Value::Map(_) => {
                            let Some(af) = r.fields(item, &ipath, AWS_PRINCIPAL) else {
                                ok = false;
                                continue;
                            };
                            let principal = match af.get("principal") {
                                Some(pn) => {
                                    r.string(pn, &af.path_of("principal")).map(|s| (s, pn.pos))
                                }
                                None => {
                                    r.error(
                                        item.pos,
                                        &af.path_of("principal"),
                                        "missing; an account id, or a user or role ARN",
                                    );
                                    None
                                }
                            };
                            let tag = af
                                .get("tag_session")
                                .and_then(|t| r.bool(t, &af.path_of("tag_session")))
                                .unwrap_or(false);
                            (principal, tag)
                        }
                        _ => {
                            r.error(
                                item.pos,
                                &ipath,
                                "expected an account id or ARN, or {principal: …, tag_session: true}",
                            );
                            (None, false)
                        }
                    };
                    let Some((text, pos)) = text else {
                        ok = false;
                        continue;
                    };
                    match names::expand(&text, &ctx.prefix)
                        .and_then(|v| arns::check_aws_principal(&v).map(|()| v))
                    {
                        Ok(v) => {
                            let target = if tag_session {
                                &mut trust.aws_tag_session
                            } else {
                                &mut trust.aws
                            };
                            if !target.contains(&v) {
                                target.push(v);
                            }
                        }
                        Err(e) => {
                            r.error(pos, &ipath, e);
                            ok = false;
                        }
                    }
                }
            }
            _ => {
                r.error(
                    n.pos,
                    &p,
                    "expected a list of account ids, ARNs or {principal, tag_session} mappings",
                );
                ok = false;
            }
        }
    }
    if let Some(n) = f.get("services") {
        let p = f.path_of("services");
        match r.strings(n, &p) {
            Some(values) => {
                for v in values {
                    match names::expand(&v, &ctx.prefix)
                        .and_then(|v| check_service_principal(&v).map(|()| v))
                    {
                        Ok(v) if !trust.services.contains(&v) => trust.services.push(v),
                        Ok(_) => {}
                        Err(e) => {
                            r.error(n.pos, &p, e);
                            ok = false;
                        }
                    }
                }
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("statements") {
        match read_trust_statements(r, ctx, n, &f.path_of("statements")) {
            Some(statements) => trust.statements = statements,
            None => ok = false,
        }
    }
    if ok && trust.is_empty() {
        r.error(
            node.pos,
            path,
            "needs aws (account ids, role or user ARNs), services (e.g. lambda.amazonaws.com) or statements",
        );
        return None;
    }
    ok.then_some(trust)
}

/// `trust.statements:` — raw IAM statements, each a mapping in IAM's keys or a JSON string; each
/// needs a principal and an action, as a trust policy's statements do.
fn read_trust_statements(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
) -> Option<Vec<serde_json::Value>> {
    let items = r.list(node, path)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (spath, item) in items {
        let json = match &item.value {
            Value::String(text) => match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) => v,
                Err(e) => {
                    r.error(item.pos, &spath, format!("not a JSON statement: {e}"));
                    ok = false;
                    continue;
                }
            },
            Value::Map(_) => {
                let Some(f) = r.fields(item, &spath, TRUST_STATEMENT) else {
                    ok = false;
                    continue;
                };
                let mut lists = true;
                for key in ["Action", "NotAction"] {
                    if let Some(n) = f.get(key) {
                        lists &= r.strings(n, &f.path_of(key)).is_some();
                    }
                }
                if !lists {
                    ok = false;
                    continue;
                }
                item.value.to_json()
            }
            _ => {
                r.error(
                    item.pos,
                    &spath,
                    "expected an IAM statement (Effect, Principal, Action), as a mapping or a JSON string",
                );
                ok = false;
                continue;
            }
        };
        let json = match expand_json(&json, &ctx.prefix) {
            Ok(v) => v,
            Err(e) => {
                r.error(item.pos, &spath, e);
                ok = false;
                continue;
            }
        };
        let has = |k: &str| json.get(k).is_some();
        let problem = if !json.is_object() {
            Some("expected a mapping")
        } else if !has("Principal") && !has("NotPrincipal") {
            Some("needs Principal (a trust statement says who may assume the role)")
        } else if !has("Action") && !has("NotAction") {
            Some("needs Action, e.g. sts:AssumeRole")
        } else {
            None
        };
        if let Some(problem) = problem {
            r.error(item.pos, &spath, problem);
            ok = false;
            continue;
        }
        // The document parser checks the statement's shape (effects, operators, value types).
        let doc = serde_json::json!({"Version": "2012-10-17", "Statement": [json.clone()]});
        if let Err(e) = PolicyDocument::from_json(doc) {
            r.error(item.pos, &spath, e.to_string());
            ok = false;
            continue;
        }
        out.push(json);
    }
    ok.then_some(out)
}

/// `{prefix}`/`{PREFIX}` expanded in every string of a raw statement.
fn expand_json(value: &serde_json::Value, prefix: &str) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        J::String(s) => J::String(names::expand(s, prefix)?),
        J::Array(items) => J::Array(
            items
                .iter()
                .map(|v| expand_json(v, prefix))
                .collect::<Result<_, _>>()?,
        ),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(k, v)| Ok((k.clone(), expand_json(v, prefix)?)))
                .collect::<Result<_, String>>()?,
        ),
        other => other.clone(),
    })
}

/// IAM's rule for a path: `/`, or `/`-delimited parts of printable ASCII, at most 512 characters.
fn check_role_path(p: &str) -> Result<(), String> {
    let ok = p.starts_with('/')
        && p.ends_with('/')
        && p.len() <= 512
        && !p.contains("//")
        && p.bytes().all(|b| (0x21..=0x7e).contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{p:?} is not an IAM path; expected / or /part/…/ (printable ASCII, no empty part, at most 512 characters)"
        ))
    }
}

fn check_service_principal(p: &str) -> Result<(), String> {
    let host_ok = p.split('.').all(|label| {
        !label.is_empty()
            && label
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
    });
    if host_ok && (p.ends_with(".amazonaws.com") || p.ends_with(".amazonaws.com.cn")) {
        Ok(())
    } else {
        Err(format!(
            "{p:?} is not a service principal; expected e.g. lambda.amazonaws.com"
        ))
    }
}

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for Role {}
