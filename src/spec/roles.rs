//! The `roles:` section: roles GitHub workflows assume through the OIDC provider.

use std::collections::BTreeSet;

use super::github::Github;
use super::policies::iam_name;
use super::reader::{Reader, join};
use super::yaml::Node;
use super::{Context, names, resource_tags};
use crate::model::role::DEFAULT_MAX_SESSION;
use crate::model::{Env, GithubTrust, Resource, Role};

/// IAM's default quota for a trust policy, and the most it can be raised to.
pub const TRUST_POLICY_QUOTA: usize = 2048;
pub const TRUST_POLICY_MAX: usize = 4096;
/// IAM's hard limit of managed policies per role.
pub const MAX_ATTACHED: usize = 20;

const FIELDS: &[&str] = &[
    "name",
    "description",
    "github_trust",
    "allow_any_repository",
    "policies",
    "max_session_duration",
    "permissions_boundary",
    "tags",
];

/// `spec_policies`: names of the policies this spec defines (after expansion).
pub fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    github: &Github,
    spec_policies: &BTreeSet<String>,
) -> Vec<Resource> {
    let Some(items) = r.list(node, "roles") else {
        return Vec::new();
    };
    let mut out: Vec<Resource> = Vec::new();
    for (path, item) in items {
        let Some(role) = read_one(r, ctx, item, &path, github, spec_policies) else {
            continue;
        };
        if out
            .iter()
            .any(|x| matches!(x, Resource::Role(y) if y.name == role.name))
        {
            r.error(
                item.pos,
                &join(&path, "name"),
                format!("duplicate role name {:?}", role.name),
            );
            continue;
        }
        out.push(Resource::Role(role));
    }
    out
}

/// A policy reference: a policy of this spec by name (bound to its ARN later), or an ARN.
pub fn policy_arn(reference: &str, spec_policies: &BTreeSet<String>) -> Result<String, String> {
    if reference.starts_with("arn:") {
        if reference.contains(":policy/") {
            Ok(reference.to_string())
        } else {
            Err(format!(
                "{reference:?} is not a policy ARN (arn:…:policy/NAME)"
            ))
        }
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
) -> Option<Role> {
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
    let trust = match f.get("github_trust") {
        None => {
            r.error(
                node.pos,
                &f.path_of("github_trust"),
                "missing; say which GitHub repositories may assume the role",
            );
            None
        }
        Some(n) => read_trust(r, n, &f.path_of("github_trust"), github, allow_any),
    };
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
    let tags = resource_tags(r, ctx, f.get("tags"), &f.path_of("tags"));
    let trust = trust?;
    let document = trust.document(github.provider.host(), &github.provider.client_ids);
    let size = document.bind(&Env::placeholder("ap-southeast-1")).size();
    let trust_path = f.path_of("github_trust");
    let trust_pos = f.get("github_trust").map(|n| n.pos).unwrap_or(node.pos);
    if size > TRUST_POLICY_MAX {
        r.error(
            trust_pos,
            &trust_path,
            format!("the trust policy would have {size} characters; IAM allows at most {TRUST_POLICY_MAX}: trust fewer repositories or subjects"),
        );
        return None;
    }
    if size > TRUST_POLICY_QUOTA {
        r.diags.warning(
            trust_pos,
            &trust_path,
            format!(
                "the trust policy would have {size} characters, above IAM's default quota of {TRUST_POLICY_QUOTA}; \
                 the account needs a raised quota (up to {TRUST_POLICY_MAX})"
            ),
        );
    }
    Some(Role {
        name: name?,
        description,
        trust_policy: document,
        max_session_duration: max_session?,
        permissions_boundary: boundary?,
        policies: policies?,
        tags,
    })
}

fn read_trust(
    r: &mut Reader,
    node: &Node,
    path: &str,
    github: &Github,
    allow_any: bool,
) -> Option<GithubTrust> {
    let f = r.fields(node, path, &["repositories", "subjects"])?;
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
            r.strings(n, &p).filter(|repos| {
                let valid = |s: &String| {
                    !s.is_empty() && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.*".contains(&b))
                };
                if repos.is_empty() {
                    r.error(n.pos, &p, "needs at least one repository");
                    false
                } else if let Some(bad) = repos.iter().find(|s| s.contains('/') || !valid(s)) {
                    r.error(n.pos, &p, format!("{bad:?} is not a repository name; give the name without the organization"));
                    false
                } else if let Some(wild) = repos.iter().find(|s| s.contains('*')).filter(|_| !allow_any) {
                    r.error(
                        n.pos,
                        &p,
                        format!("{wild:?} lets every matching repository of each organization assume the role; set allow_any_repository: true on the role if that is meant"),
                    );
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
    Some(GithubTrust {
        organizations: github.organizations.clone(),
        repositories: repositories?,
        subjects: subjects?,
    })
}
