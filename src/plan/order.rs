//! Dependencies between changes: provider before roles; repositories before the policies that
//! name them; policies before the roles and users they are attached to; deletes in reverse.

use std::collections::BTreeSet;

use super::{Action, Change};
use crate::model::{Address, Env, Kind, Resource};

/// Fills `depends_on` of every change. Dependencies on resources without a change are left out.
pub fn link(changes: &mut [Change], desired: &[Resource], env: &Env) {
    let changing: BTreeSet<(Address, bool)> = changes
        .iter()
        .map(|c| (c.address.clone(), c.action == Action::Delete))
        .collect();
    let deletes_of = |kind: Kind| -> Vec<Address> {
        changing
            .iter()
            .filter(|(a, is_delete)| *is_delete && a.kind == kind)
            .map(|(a, _)| a.clone())
            .collect()
    };
    for change in changes.iter_mut() {
        let deps: Vec<Address> = if change.action == Action::Delete {
            match change.kind {
                Kind::OidcProvider => deletes_of(Kind::Role),
                Kind::Policy => [deletes_of(Kind::Role), deletes_of(Kind::UserAttachment)].concat(),
                Kind::Repository => deletes_of(Kind::Policy),
                Kind::Role
                | Kind::UserAttachment
                | Kind::PullThroughCache
                | Kind::CreationTemplate
                | Kind::Registry
                | Kind::RegistryRecord => Vec::new(),
            }
        } else {
            desired
                .iter()
                .find(|r| r.address() == change.address)
                .map(|r| references(r, desired, env))
                .unwrap_or_default()
                .into_iter()
                .filter(|a| changing.contains(&(a.clone(), false)))
                .collect()
        };
        change.depends_on = deps;
    }
}

/// What a desired resource refers to among the other desired resources.
fn references(resource: &Resource, desired: &[Resource], env: &Env) -> Vec<Address> {
    let policy_named = |arn: &str| {
        desired.iter().find_map(|r| match r {
            Resource::Policy(p) if env.iam_arn("policy", &p.name) == arn => Some(r.address()),
            _ => None,
        })
    };
    match resource {
        Resource::Role(role) => {
            let mut deps: Vec<Address> = desired
                .iter()
                .filter(|r| matches!(r, Resource::OidcProvider(_)))
                .map(Resource::address)
                .collect();
            deps.extend(role.policies.iter().filter_map(|arn| policy_named(arn)));
            deps.extend(role.permissions_boundary.as_deref().and_then(policy_named));
            deps
        }
        Resource::Policy(policy) => {
            let text = policy.document.to_json_string();
            desired
                .iter()
                .filter_map(|r| match r {
                    // Not when the repository's policy names a role: that role may need this
                    // policy, and IAM accepts ARNs of repositories that do not exist yet, so
                    // this edge is the one to drop to keep the order acyclic.
                    Resource::Repository(repo)
                        if text.contains(&format!("{}\"", env.repository_arn(&repo.name)))
                            && names_a_role(repo, desired, env).is_empty() =>
                    {
                        Some(r.address())
                    }
                    _ => None,
                })
                .collect()
        }
        Resource::UserAttachment(a) => policy_named(&a.policy_arn).into_iter().collect(),
        // A repository policy may name a role created in the same apply (ECR rejects unknown
        // principals): the role first.
        Resource::Repository(repo) => names_a_role(repo, desired, env),
        // ECR assumes the template's role when it applies the template: the role first.
        Resource::CreationTemplate(t) => desired
            .iter()
            .filter(|r| match r {
                Resource::Role(role) => {
                    t.custom_role_arn.as_deref() == Some(role.arn(env).as_str())
                }
                _ => false,
            })
            .map(Resource::address)
            .collect(),
        Resource::OidcProvider(_) | Resource::Registry(_) | Resource::PullThroughCache(_) => {
            Vec::new()
        }
    }
}

/// The spec's roles a repository policy names as principals.
fn names_a_role(repo: &crate::model::Repository, desired: &[Resource], env: &Env) -> Vec<Address> {
    let Some(text) = repo.repository_policy.as_ref().map(|d| d.to_json_string()) else {
        return Vec::new();
    };
    desired
        .iter()
        .filter_map(|r| match r {
            Resource::Role(role) if text.contains(&format!("{}\"", role.arn(env))) => {
                Some(r.address())
            }
            _ => None,
        })
        .collect()
}
