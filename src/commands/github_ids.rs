//! `github-ids SPEC [--write]`: GitHub's numeric ids for the spec's organizations and trusted
//! repositories, and their OIDC subject templates; with `--write`, the ids go into the spec file.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::Exit;
use super::session::load_spec;
use crate::cli::{GithubIdsArgs, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::github_ids::api::{GithubApi, SubTemplate};
use crate::github_ids::edit::{self, IdEdit};
use crate::github_ids::entries::{self, Place};
use crate::model::github_trust::SUBJECT_CLAIM_KEYS;
use crate::render::json::SCHEMA_VERSION;

/// GitHub's default subject: `repo:ORG/REPO:` then the context (ref, environment, pull_request).
const DEFAULT_SUB_KEYS: &[&str] = &["repo", "context"];

#[derive(Debug, Serialize)]
struct Report {
    schema_version: u32,
    file: String,
    api_url: String,
    organizations: Vec<OrgIds>,
    repositories: Vec<RepoIds>,
    /// Subject templates that the role's `repo:ORG/REPO:…` conditions will not match.
    notes: Vec<String>,
    /// Ids that disagree with the spec, or cannot be decided: not written; exit 1.
    problems: Vec<String>,
    /// How many entries `--write` rewrote (0 without it).
    written: usize,
}

#[derive(Debug, Serialize)]
struct OrgIds {
    name: String,
    id: u64,
    /// The id the spec gives, when it gives one.
    spec_id: Option<u64>,
    sub: SubTemplate,
    /// The spec's `subject_claims` for it, when it customizes the subject.
    #[serde(skip_serializing_if = "Option::is_none")]
    subject_claims: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
struct RepoIds {
    name: String,
    owner: String,
    id: u64,
    owner_id: u64,
    spec_id: Option<u64>,
    /// The roles whose `github_trust.repositories` list it.
    roles: Vec<String>,
    sub: SubTemplate,
    /// The spec's `subject_claims` for it, when it opted out of the default template.
    #[serde(skip_serializing_if = "Option::is_none")]
    subject_claims: Option<Vec<String>>,
}

pub(crate) async fn run(global: &GlobalArgs, args: &GithubIdsArgs) -> Result<Exit, Error> {
    // Only a valid spec is looked up or rewritten.
    load_spec(&args.spec)?;
    let file = args.spec.display().to_string();
    let text = std::fs::read_to_string(&args.spec).map_err(|source| Error::Io {
        what: format!("cannot read {file}"),
        source,
    })?;
    // The spec reader accepted this text a moment ago, so it parses.
    let root = crate::spec::yaml::parse(&text).map_err(|e| Error::Refused(e.message))?;
    let found = entries::find(&root);
    let api = GithubApi::from_env().map_err(Error::Github)?;

    let mut org_names: Vec<String> = found
        .iter()
        .filter(|e| e.place == Place::Organization)
        .map(|e| e.name.clone())
        .collect();
    if org_names.is_empty() {
        org_names = crate::spec::github::DEFAULT_ORGANIZATIONS
            .iter()
            .map(|s| s.to_string())
            .collect();
    }
    let mut report = Report {
        schema_version: SCHEMA_VERSION,
        file: file.clone(),
        api_url: api.base.clone(),
        organizations: Vec::new(),
        repositories: Vec::new(),
        notes: Vec::new(),
        problems: Vec::new(),
        written: 0,
    };
    for org in &org_names {
        let id = api.organization(org).await.map_err(Error::Github)?.id;
        let sub = api.org_sub(org).await.map_err(Error::Github)?;
        if is_customized(&sub.include_claim_keys) {
            report.notes.push(customized_note(
                &format!("organization {org} (for its repositories that use its template)"),
                &sub.include_claim_keys,
            ));
        }
        let spec_id = spec_id_of(&found, |p| *p == Place::Organization, org);
        let subject_claims =
            is_customized(&sub.include_claim_keys).then(|| sub.include_claim_keys.clone());
        report.organizations.push(OrgIds {
            name: org.clone(),
            id,
            spec_id,
            sub,
            subject_claims,
        });
    }

    let mut repos: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for entry in &found {
        if let Place::Repository { role } = &entry.place {
            let roles = repos.entry(entry.name.as_str()).or_default();
            if !roles.contains(role) {
                roles.push(role.clone());
            }
        }
    }
    let mut ambiguous = Vec::new();
    for (name, roles) in repos {
        let mut hits = Vec::new();
        for org in &org_names {
            if let Some(repo) = api.repository(org, name).await.map_err(Error::Github)?
                && repo.owner.login.eq_ignore_ascii_case(org)
            {
                hits.push(repo);
            }
        }
        // The newest organization (listed last) wins, as the spec's notes assume.
        let Some(repo) = hits.pop() else {
            return Err(Error::Github(api.not_found(format!(
                "repository {name} (looked for in {})",
                org_names.join(", ")
            ))));
        };
        if let Some(other) = hits.iter().find(|h| h.id != repo.id) {
            report.problems.push(format!(
                "repository {name} exists in {} (id {}) and {} (id {}): an id trusts one of them \
                 only; give the one meant by hand",
                other.owner.login, other.id, repo.owner.login, repo.id
            ));
            ambiguous.push(name.to_string());
        }
        let sub = api
            .repo_sub(&repo.owner.login, name)
            .await
            .map_err(Error::Github)?;
        if sub.use_default == Some(false) && is_customized(&sub.include_claim_keys) {
            report.notes.push(customized_note(
                &format!("repository {}/{name}", repo.owner.login),
                &sub.include_claim_keys,
            ));
        }
        let spec_id = spec_id_of(&found, |p| matches!(p, Place::Repository { .. }), name);
        let subject_claims = (sub.use_default == Some(false)
            && is_customized(&sub.include_claim_keys))
        .then(|| sub.include_claim_keys.clone());
        report.repositories.push(RepoIds {
            name: name.to_string(),
            owner: repo.owner.login,
            id: repo.id,
            owner_id: repo.owner.id,
            spec_id,
            roles,
            sub,
            subject_claims,
        });
    }

    // An id the spec gives that GitHub does not: a re-created repository, or a typo. Either way
    // the spec pins what a person decided, so it is reported, never overwritten.
    let mut edits = Vec::new();
    for entry in &found {
        let github = match entry.place {
            Place::Organization => report
                .organizations
                .iter()
                .find(|o| o.name == entry.name)
                .map(|o| (o.id, o.subject_claims.clone())),
            Place::Repository { .. } if ambiguous.contains(&entry.name) => None,
            Place::Repository { .. } => report
                .repositories
                .iter()
                .find(|r| r.name == entry.name)
                .map(|r| (r.id, r.subject_claims.clone())),
        };
        let Some((id, template)) = github else {
            continue;
        };
        // Only a template the spec can say is written (the note says why another is not).
        let subject_claims = template.filter(|keys| {
            !entry.has_subject_claims
                && keys
                    .iter()
                    .all(|k| SUBJECT_CLAIM_KEYS.contains(&k.as_str()))
        });
        match entry.id {
            Some(given) if given != id => report.problems.push(format!(
                "{file}: {}: the spec says id {given} for {}, GitHub says {id}: the {} was deleted \
                 and re-created, or the id is wrong; not rewritten",
                entry.path,
                entry.name,
                if entry.place == Place::Organization {
                    "organization"
                } else {
                    "repository"
                }
            )),
            Some(_) if subject_claims.is_none() => {}
            _ => edits.push(IdEdit {
                entry,
                id,
                subject_claims,
            }),
        }
    }
    if args.write && !edits.is_empty() {
        let new_text = edit::apply(&text, &edits).map_err(|e| Error::Refused(e.to_string()))?;
        write_in_place(&args.spec, &new_text)?;
        report.written = edits.len();
        eprintln!(
            "wrote {} entr{} (ids, customized subject templates) into {file}",
            edits.len(),
            if edits.len() == 1 { "y" } else { "ies" }
        );
    } else if args.write {
        eprintln!("{file}: every entry already has its id and subject template; nothing written");
    }

    match global.output {
        OutputFormat::Json => println!("{}", crate::render::json::to_string(&report)),
        OutputFormat::Human | OutputFormat::Markdown => print!("{}", human(&report)),
    }
    Ok(if report.problems.is_empty() {
        Exit::Ok
    } else {
        Exit::Error
    })
}

fn spec_id_of(found: &[entries::Entry], place: impl Fn(&Place) -> bool, name: &str) -> Option<u64> {
    found
        .iter()
        .filter(|e| place(&e.place) && e.name == name)
        .find_map(|e| e.id)
}

fn is_customized(keys: &[String]) -> bool {
    !keys.is_empty()
        && keys
            .iter()
            .map(String::as_str)
            .ne(DEFAULT_SUB_KEYS.iter().copied())
}

/// What a customized subject means for the roles' trust, and how the spec says it.
fn customized_note(who: &str, keys: &[String]) -> String {
    let keys_text = keys.join(", ");
    let unknown: Vec<&str> = keys
        .iter()
        .map(String::as_str)
        .filter(|k| !SUBJECT_CLAIM_KEYS.contains(k))
        .collect();
    if !unknown.is_empty() {
        return format!(
            "{who} customizes the OIDC subject (include_claim_keys: {keys_text}); the spec's \
             subject_claims cannot say {} (the ref and the environment are part of `context`), so \
             the roles' GitHub trust will not match its tokens",
            unknown.join(", ")
        );
    }
    let scope = if keys.iter().any(|k| k == "repo" || k == "repository") {
        ""
    } else {
        "; mind that without repo (or repository) the subject does not name the repository, so \
         the trust's repository_id condition (ids) and claims are what tell repositories apart"
    };
    format!(
        "{who} customizes the OIDC subject (include_claim_keys: {keys_text}): give it \
         subject_claims: [{keys_text}] in the spec (as printed above), so that the roles' trust \
         is written in that format{scope}"
    )
}

fn sub_comment(sub: &SubTemplate) -> String {
    match sub.use_default {
        Some(true) => "OIDC sub: not customized for the repository".into(),
        _ if sub.include_claim_keys.is_empty() => "OIDC sub: default".into(),
        _ if !is_customized(&sub.include_claim_keys) => "OIDC sub: default (repo, context)".into(),
        _ => format!(
            "OIDC sub: CUSTOMIZED ({})",
            sub.include_claim_keys.join(", ")
        ),
    }
}

/// `, subject_claims: [...]` inside an entry, for a customized subject.
fn template_field(keys: &Option<Vec<String>>) -> String {
    keys.as_ref()
        .map(|k| format!(", subject_claims: [{}]", k.join(", ")))
        .unwrap_or_default()
}

/// The spec entries to use, as YAML with comments, then notes and problems.
fn human(r: &Report) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "# GitHub ids for {}, from {}", r.file, r.api_url);
    let _ = writeln!(out, "github:\n  organizations:");
    for o in &r.organizations {
        let _ = writeln!(
            out,
            "    - {{name: {}, id: {}{}}}  # {}",
            o.name,
            o.id,
            template_field(&o.subject_claims),
            sub_comment(&o.sub)
        );
    }
    if !r.repositories.is_empty() {
        let _ = writeln!(out, "# in the roles' github_trust:");
        let _ = writeln!(out, "repositories:");
        for repo in &r.repositories {
            let _ = writeln!(
                out,
                "  - {{name: {}, id: {}{}}}  # {}/{} (owner id {}), roles {}; {}",
                repo.name,
                repo.id,
                template_field(&repo.subject_claims),
                repo.owner,
                repo.name,
                repo.owner_id,
                repo.roles.join(", "),
                sub_comment(&repo.sub)
            );
        }
    }
    for note in &r.notes {
        let _ = writeln!(out, "note: {note}");
    }
    for problem in &r.problems {
        let _ = writeln!(out, "error: {problem}");
    }
    out
}

/// Replaces the file through a sibling temporary file, so that a failed write leaves it whole.
fn write_in_place(path: &std::path::Path, text: &str) -> Result<(), Error> {
    let io = |source| Error::Io {
        what: format!("cannot write {}", path.display()),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".github-ids.tmp");
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text).map_err(io)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path).map_err(io)
}
