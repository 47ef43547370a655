//! `validate --strict`: security findings a platform team expects to be told about (in the spirit
//! of checkov's ECR and GitHub OIDC checks). Each is allowed by AWS and by the spec, names its place
//! and says how to fix it; `--strict` fails on any.

use std::collections::BTreeMap;

use super::reader::Reader;
use super::yaml::Pos;
use crate::kinds::role::spec::PendingRole;
use crate::model::wildcard;
use crate::model::{PolicyDocument, Repository, TagMutability};

/// Whether a document allows `action` (on `*` only, when `on_everything`).
fn allows(doc: &PolicyDocument, action: &str, on_everything: bool) -> bool {
    doc.allows().iter().any(|(actions, resources)| {
        actions
            .iter()
            .any(|a| wildcard::matches_ignore_case(a, action))
            && (!on_everything || resources.iter().any(|r| r == "*"))
    })
}

pub(crate) fn lint_repository(r: &mut Reader, repo: &Repository, pos: Pos, path: &str) {
    if repo.settings.image_tag_mutability == TagMutability::Mutable {
        r.diags.lint(
            pos,
            &format!("{path}.image_tag_mutability"),
            "MUTABLE lets a pushed tag be overwritten, so what runs under a tag can change; use IMMUTABLE with unique tags",
        );
    }
    if !repo.scan_on_push {
        r.diags.lint(
            pos,
            &format!("{path}.scan_on_push"),
            "images are not scanned for vulnerabilities when pushed; set scan_on_push: true",
        );
    }
}

pub(crate) fn lint_policy(r: &mut Reader, document: &PolicyDocument, pos: Pos, path: &str) {
    if allows(document, "ecr:PutImage", true) {
        r.diags.lint(
            pos,
            path,
            "allows ecr:PutImage on every repository (Resource \"*\"); name the repositories (ecr_push does)",
        );
    }
}

/// Roles: `subjects: ["*"]` on a role that can push, and trusted repositories without ids.
pub(crate) fn lint_roles(
    r: &mut Reader,
    roles: &[PendingRole],
    policies: &BTreeMap<String, PolicyDocument>,
) {
    for role in roles {
        let Some(github) = &role.trust.github else {
            continue;
        };
        let can_push = role
            .role
            .policies
            .iter()
            .filter_map(|arn| policies.get(arn))
            .any(|doc| allows(doc, "ecr:PutImage", false));
        if can_push && github.subjects.iter().any(|s| s == "*") {
            r.diags.lint(
                role.pos,
                &role.path,
                "subjects [\"*\"] lets every branch, tag, pull request and environment of the trusted repositories push images; \
                 narrow it, e.g. subjects: [\"ref:refs/heads/main\"] or [\"environment:prod\"]",
            );
        }
        let without: Vec<&str> = github
            .repositories
            .iter()
            .filter(|r| r.id.is_none())
            .map(|r| r.name.as_str())
            .collect();
        if !without.is_empty() {
            r.diags.lint(
                role.pos,
                &role.path,
                format!(
                    "trusts {} without GitHub's id: a repository re-created under the same name would get in; \
                     give {{name: NAME, id: ID}} (gh api repos/ORG/NAME --jq .id)",
                    without.join(", ")
                ),
            );
        }
    }
}
