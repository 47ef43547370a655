//! What a spec role is allowed to do, read from the spec's own policy documents and trust policy,
//! so that a generated workflow assumes the narrowest role that can do its job. It reads Allow
//! statements only and ignores conditions: good enough to choose a role, not to audit one.

use serde_json::Value;

use crate::model::ManagedPolicy;
use crate::model::wildcard::matches as glob;
use crate::model::{Desired, Env, Resource, Role};

/// One Allow statement of a role's policies: lower-cased actions, resources (bound to `env`).
#[derive(Debug, Clone)]
struct Grant {
    actions: Vec<String>,
    resources: Vec<String>,
}

/// A spec role and what its spec policies allow.
#[derive(Debug, Clone)]
pub(crate) struct RoleAccess<'a> {
    pub(crate) role: &'a Role,
    grants: Vec<Grant>,
}

impl<'a> RoleAccess<'a> {
    pub(crate) fn of(desired: &'a Desired, role: &'a Role, env: &Env) -> Self {
        let Resource::Role(bound) = Resource::Role(role.clone()).bind(env) else {
            unreachable!("binding keeps the kind")
        };
        let mut grants = Vec::new();
        for policy in desired.all::<ManagedPolicy>() {
            if !bound
                .policies
                .contains(&env.iam_arn("policy", &policy.name))
            {
                continue;
            }
            let doc = env.bind_json(policy.document.canonical());
            for statement in doc["Statement"].as_array().into_iter().flatten() {
                if statement["Effect"] != "Allow" {
                    continue;
                }
                grants.push(Grant {
                    actions: strings(&statement["Action"])
                        .into_iter()
                        .map(|a| a.to_ascii_lowercase())
                        .collect(),
                    resources: strings(&statement["Resource"]),
                });
            }
        }
        RoleAccess { role, grants }
    }

    /// Whether some Allow statement covers `action` on `resource`.
    pub(crate) fn can(&self, action: &str, resource: &str) -> bool {
        let action = action.to_ascii_lowercase();
        self.grants.iter().any(|g| {
            g.actions.iter().any(|a| glob(a, &action))
                && g.resources.iter().any(|r| glob(r, resource))
        })
    }

    /// Every action pattern granted, so that the narrowest of several able roles can be chosen.
    pub(crate) fn breadth(&self) -> usize {
        self.grants.iter().map(|g| g.actions.len()).sum()
    }

    /// Whether every granted action only reads (Get, List, Describe).
    pub(crate) fn read_only(&self) -> bool {
        self.grants.iter().flat_map(|g| &g.actions).all(|a| {
            let verb = a.split(':').nth(1).unwrap_or("");
            ["get", "list", "describe"]
                .iter()
                .any(|v| verb.starts_with(v))
        })
    }

    /// The resources of the grants that cover `action`.
    pub(crate) fn resources_for(&self, action: &str) -> Vec<&str> {
        let action = action.to_ascii_lowercase();
        let mut out: Vec<&str> = self
            .grants
            .iter()
            .filter(|g| g.actions.iter().any(|a| glob(a, &action)))
            .flat_map(|g| g.resources.iter().map(String::as_str))
            .collect();
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The `sub` claims the role's trust policy accepts (`repo:ORG/REPO:SUBJECT` patterns).
    pub(crate) fn trusted_subjects(&self) -> Vec<String> {
        let doc = self.role.trust_policy.canonical();
        let mut out = Vec::new();
        for statement in doc["Statement"].as_array().into_iter().flatten() {
            let Some(conditions) = statement["Condition"].as_object() else {
                continue;
            };
            for (operator, keys) in conditions {
                if !operator.starts_with("String") {
                    continue;
                }
                for (key, values) in keys.as_object().into_iter().flatten() {
                    if key.ends_with(":sub") {
                        out.extend(strings(values));
                    }
                }
            }
        }
        out.sort();
        out.dedup();
        out
    }

    /// Whether a workflow run whose `sub` ends in `tail` (e.g. `ref:refs/tags/v1.0.0`), in some
    /// repository the role trusts, may assume the role.
    pub(crate) fn trusts_runs_of(&self, tail: &str) -> bool {
        self.trusted_subjects().iter().any(|pattern| {
            let repository = pattern.split(':').nth(1).unwrap_or("");
            // A customized subject template puts further claims after the context
            // (`…:ref:refs/tags/v*:job_workflow_ref:…`): the run carries the same ones.
            match template_rest(pattern) {
                // No context in the template: the run's ref is not in its `sub` at all.
                (true, rest) => glob(pattern, &format!("repo:{repository}{rest}")),
                (false, rest) => glob(pattern, &format!("repo:{repository}:{tail}{rest}")),
            }
        })
    }
}

/// What follows the context in a `sub` pattern of a customized template: from the first
/// `:KEY:` of a template key other than `repo` and `context`, else nothing; and whether that
/// comes right after `repo:ORG/REPO` (the template has no context).
fn template_rest(pattern: &str) -> (bool, &str) {
    use crate::model::github_trust::SUBJECT_CLAIM_KEYS;
    let after_repo = pattern
        .strip_prefix("repo:")
        .and_then(|rest| rest.find(':'))
        .map_or(0, |i| i + "repo:".len());
    SUBJECT_CLAIM_KEYS
        .iter()
        .filter(|k| **k != "repo" && **k != "context")
        .filter_map(|k| {
            pattern[after_repo..]
                .find(&format!(":{k}:"))
                .map(|i| after_repo + i)
        })
        .min()
        .map_or((false, ""), |i| (i == after_repo, &pattern[i..]))
}

fn strings(v: &Value) -> Vec<String> {
    match v {
        Value::String(s) => vec![s.clone()],
        Value::Array(items) => items
            .iter()
            .filter_map(|i| i.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}
