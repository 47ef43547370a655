//! Import: live resources → spec text. Pure: reads an inventory ([`crate::observe::inventory`]),
//! writes YAML, decides nothing about AWS.
//!
//! What the spec can express is written so that planning it against the same account changes
//! nothing but ownership tags (a trust statement of no other form is written as a raw
//! `trust.statements` entry); what it cannot express (a policy statement with `NotAction`, a
//! lifecycle rule of another kind) is left out with
//! a `# skipped:` comment saying why, never approximated. Ownership tags (`ManagedBy`, the stack
//! tag) and the fingerprint are not written: the spec adds them to every resource, and a
//! resource already owned by another stack is skipped.
//!
//! The kinds that have a part of the `registry:` section say in their own spec files what import
//! writes of them, where and how ([`crate::spec::registry::RegistryPart`]).

#[cfg(test)]
mod tests;
pub(crate) mod text;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::kinds::registry::{OwnedKeys, unowned};
use crate::kinds::repository::split_lambda_pull;
use crate::kinds::{
    oidc_provider as provider_table, policy as policy_table, repository as repository_table,
    role as role_table,
};
use crate::model::Observed;
use crate::model::github_trust::GithubName;
use crate::model::trust::Trust;
use crate::model::{
    LifecyclePolicy, ManagedPolicy, OidcProvider, RegistrySettings, Repository, Resource, Role,
};
use crate::observe::named_with_prefix;
use crate::plan::owner_of;
use crate::spec::registry::{self as registry_section, Layout};
use text::{fields, github_names, q, tags_line};

pub struct Imported {
    pub text: String,
    /// Resources left out, with the reason (also written as comments in the text).
    pub skipped: Vec<String>,
    pub resources: usize,
}

pub fn spec_text(inv: &Observed, stack: &str, prefix: &str) -> Imported {
    let mut skipped = Vec::new();
    let mut count = 0;
    let ours = |r: &Resource| owner_of(r).is_none_or(|owner| owner == stack);
    let env = inv.env();

    let mut repos = String::new();
    let mut policies = String::new();
    let mut roles = String::new();
    let mut provider: Option<&OidcProvider> = None;
    let mut organizations: Option<Vec<GithubName>> = None;
    // Policies come before roles in address order, so a role names only imported policies.
    let mut policy_names: BTreeMap<String, String> = BTreeMap::new();
    let mut provider_manage = true;
    // The parts of `registry:` the kinds there declare, by rank and key: layout and items.
    let mut parts: BTreeMap<(u8, &str), (Layout, Vec<Value>)> = BTreeMap::new();

    for live in inv.resources.values() {
        let address = live.resource.address();
        if let Resource::OidcProvider(p) = &live.resource {
            // One provider serves every stack: another stack's is used, not managed.
            provider = Some(p);
            provider_manage = ours(&live.resource);
            count += 1;
            continue;
        }
        if !ours(&live.resource) {
            skipped.push(format!(
                "{address}: belongs to stack {:?}",
                owner_of(&live.resource).unwrap_or_default()
            ));
            continue;
        }
        let result = match &live.resource {
            Resource::Repository(r) => repository(&mut repos, r, &env),
            Resource::Policy(p) => policy(&mut policies, p).map(|()| {
                policy_names.insert(live.arn.clone(), p.name.clone());
            }),
            Resource::OidcProvider(_) => Ok(()),
            Resource::Role(r) => {
                let host = provider_host(inv);
                role(
                    &mut roles,
                    r,
                    &host,
                    &env,
                    &policy_names,
                    &mut organizations,
                    inv,
                )
            }
            other => match registry_section::imported(other, inv, stack) {
                Some((how, items)) => items.map(|items| {
                    let part = parts.entry((how.rank, how.key));
                    part.or_insert((how.layout, Vec::new())).1.extend(items);
                }),
                None => Ok(()),
            },
        };
        match result {
            Ok(()) => count += 1,
            Err(why) => skipped.push(format!("{address}: {why}")),
        }
    }

    let mut skipped_later = Vec::new();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by betekk-ecr import from account {} in {}.\n\
         # Plan it before anything else: it should show only ownership tags being added (or\n\
         # nothing after `import --adopt`).",
        inv.identity.account, inv.region
    );
    for s in &skipped {
        let _ = writeln!(out, "# skipped: {s}");
    }
    let _ = writeln!(
        out,
        "version: 1\nstack: {}\nproject_prefix: {}\nregion: {}",
        q(stack),
        q(prefix),
        q(&inv.region)
    );
    if !repos.is_empty() {
        let _ = write!(out, "repositories:\n{repos}");
    }
    if let Some(p) = provider {
        let _ = writeln!(out, "github:");
        if let Some(orgs) = &organizations {
            let _ = writeln!(out, "  organizations: {}", q(github_names(orgs)));
        }
        let _ = writeln!(out, "  oidc_provider:\n    manage: {provider_manage}");
        fields(&mut out, "    ", provider_table::ATTRIBUTES, p);
        tags_line(&mut out, &p.tags);
    }
    if !policies.is_empty() {
        let _ = write!(out, "policies:\n{policies}");
    }
    if !roles.is_empty() {
        let _ = write!(out, "roles:\n{roles}");
    }
    let (settings, settings_count) = registry_settings(inv, stack, prefix, &mut skipped_later);
    count += settings_count;
    parts.retain(|_, (_, items)| !items.is_empty());
    if !settings.is_empty() || !parts.is_empty() {
        let _ = write!(out, "registry:\n{settings}");
        for ((_, key), (layout, items)) in &parts {
            registry_part(&mut out, key, *layout, items);
        }
    }
    for s in &skipped_later {
        let _ = writeln!(out, "# skipped: {s}");
    }
    skipped.extend(skipped_later);
    Imported {
        text: out,
        skipped,
        resources: count,
    }
}

fn provider_host(inv: &Observed) -> Option<String> {
    inv.resources.values().find_map(|l| match &l.resource {
        Resource::OidcProvider(p) => Some(p.host().to_string()),
        _ => None,
    })
}

fn repository(out: &mut String, r: &Repository, env: &crate::model::Env) -> Result<(), String> {
    if let Some(LifecyclePolicy::Foreign { .. }) = &r.settings.lifecycle_policy {
        return Err("its lifecycle policy uses rules the spec cannot express".into());
    }
    let mut s = String::new();
    let _ = writeln!(s, "  - name: {}", q(&r.name));
    fields(&mut s, "    ", repository_table::ATTRIBUTES, r);
    if let Some(doc) = &r.settings.repository_policy {
        let (pull, rest) = split_lambda_pull(doc, env);
        if let Some(rest) = rest {
            let _ = writeln!(s, "    repository_policy: {}", q(rest.original()));
        }
        if let Some(functions) = pull {
            let _ = writeln!(s, "    lambda_pull: {}", q(functions));
        }
    }
    tags_line(&mut s, &r.tags);
    out.push_str(&s);
    Ok(())
}

/// Statements in the spec's raw form; `Err` when a statement uses what that form cannot say.
fn statements(doc: &Value) -> Result<Vec<Value>, String> {
    if doc.get("Version").and_then(Value::as_str) != Some("2012-10-17") {
        return Err("its document's Version is not 2012-10-17".into());
    }
    if doc.get("Id").is_some() {
        return Err("its document has an Id".into());
    }
    let list = match doc.get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Err("its document has no statements".into()),
    };
    let as_list = |v: &Value| match v {
        Value::Array(items) => items.clone(),
        other => vec![other.clone()],
    };
    list.iter()
        .map(|st| {
            let obj = st.as_object().ok_or("a statement is not an object")?;
            if let Some(k) = obj.keys().find(|k| {
                ![
                    "Sid",
                    "Effect",
                    "Action",
                    "NotAction",
                    "Resource",
                    "NotResource",
                    "Condition",
                ]
                .contains(&k.as_str())
            }) {
                return Err(format!(
                    "a statement uses {k}, which the spec's statements cannot express"
                ));
            }
            let action = obj.get("Action").map(|a| ("actions", a));
            let action = action.or_else(|| obj.get("NotAction").map(|a| ("not_actions", a)));
            let resource = obj.get("Resource").map(|r| ("resources", r));
            let resource =
                resource.or_else(|| obj.get("NotResource").map(|r| ("not_resources", r)));
            let (Some((action_key, action)), Some((resource_key, resource))) = (action, resource)
            else {
                return Err("a statement lacks Action or Resource".into());
            };
            let mut out = serde_json::Map::new();
            if let Some(sid) = obj
                .get("Sid")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                out.insert("sid".into(), sid.into());
            }
            out.insert(
                "effect".into(),
                obj.get("Effect").cloned().unwrap_or("Allow".into()),
            );
            out.insert(action_key.into(), Value::Array(as_list(action)));
            out.insert(resource_key.into(), Value::Array(as_list(resource)));
            if let Some(c) = obj.get("Condition") {
                out.insert("conditions".into(), c.clone());
            }
            Ok(Value::Object(out))
        })
        .collect()
}

fn policy(out: &mut String, p: &ManagedPolicy) -> Result<(), String> {
    let mut s = String::new();
    let _ = writeln!(s, "  - name: {}", q(&p.name));
    fields(&mut s, "    ", policy_table::ATTRIBUTES, p);
    match statements(p.document.original()) {
        Ok(statements) => {
            let _ = writeln!(s, "    statements:");
            for st in statements {
                let _ = writeln!(s, "      - {}", q(st));
            }
        }
        // What the statements form cannot say, the whole document can.
        Err(_) => {
            let _ = writeln!(s, "    document: {}", q(p.document.original()));
        }
    }
    tags_line(&mut s, &p.tags);
    out.push_str(&s);
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn role(
    out: &mut String,
    r: &Role,
    host: &Option<String>,
    env: &crate::model::Env,
    policy_names: &BTreeMap<String, String>,
    organizations: &mut Option<Vec<GithubName>>,
    inv: &Observed,
) -> Result<(), String> {
    let client_ids = inv
        .resources
        .values()
        .find_map(|l| match &l.resource {
            Resource::OidcProvider(p) => Some(p.client_ids.clone()),
            _ => None,
        })
        .unwrap_or_default();
    // Without a provider only the AWS-principal and service forms can be read.
    let host_name = host
        .as_deref()
        .unwrap_or("token.actions.githubusercontent.com");
    let not_spec = "its trust policy is not a form the spec generates (github_trust, trust)";
    let mut trust =
        Trust::from_document(&r.trust_policy, host_name, &client_ids, env).ok_or(not_spec)?;
    if trust.github.is_some() && host.is_none() {
        return Err(
            "no GitHub OIDC provider in the account, so its trust is not the GitHub form".into(),
        );
    }
    if let Some(github) = &mut trust.github {
        match organizations {
            None => *organizations = Some(github.organizations.clone()),
            Some(orgs) => {
                let names = |l: &[GithubName]| l.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
                if names(orgs) != names(&github.organizations) {
                    return Err(format!(
                        "it trusts organizations {:?}, the spec's github.organizations are {:?}",
                        names(&github.organizations),
                        names(orgs)
                    ));
                }
                // Ids seen in one role's immutable subjects hold for every role.
                for (have, seen) in orgs.iter_mut().zip(&github.organizations) {
                    match (have.id, seen.id) {
                        (Some(a), Some(b)) if a != b => {
                            return Err(format!(
                                "it pins organization {:?} to id {b}, another role to {a}",
                                have.name
                            ));
                        }
                        (None, Some(b)) => have.id = Some(b),
                        _ => {}
                    }
                }
            }
        }
    }
    let mut s = String::new();
    let _ = writeln!(s, "  - name: {}", q(&r.name));
    fields(&mut s, "    ", role_table::ATTRIBUTES, r);
    if !crate::kinds::role::is_root_path(&r.path) {
        let _ = writeln!(s, "    path: {}", q(&r.path));
    }
    if let Some(github) = &trust.github {
        // A subject template that does not name the repository lets in others: say so as the
        // spec must.
        let unnamed = |x: &GithubName| {
            x.id.is_none()
                && !github.claims.contains_key("repository")
                && !github.claims.contains_key("repository_id")
                && github.organizations.iter().any(|o| {
                    !crate::model::github_trust::template_of(o, x)
                        .iter()
                        .any(|k| ["repo", "repository", "repository_id"].contains(k))
                })
        };
        if github
            .repositories
            .iter()
            .any(|x| x.name.contains('*') || unnamed(x))
        {
            let _ = writeln!(s, "    allow_any_repository: true");
        }
        let mut fields = json!({
            "repositories": github_names(&github.repositories),
            "subjects": github.subjects,
        });
        if !github.claims.is_empty() {
            fields["claims"] = json!(github.claims);
        }
        let _ = writeln!(s, "    github_trust: {}", q(fields));
    }
    if !trust.aws.is_empty()
        || !trust.aws_tag_session.is_empty()
        || !trust.services.is_empty()
        || !trust.statements.is_empty()
    {
        let mut fields = serde_json::Map::new();
        let aws: Vec<Value> = trust
            .aws
            .iter()
            .map(|p| json!(p))
            .chain(
                trust
                    .aws_tag_session
                    .iter()
                    .map(|p| json!({"principal": p, "tag_session": true})),
            )
            .collect();
        if !aws.is_empty() {
            fields.insert("aws".into(), json!(aws));
        }
        if !trust.services.is_empty() {
            fields.insert("services".into(), json!(trust.services));
        }
        if !trust.statements.is_empty() {
            // The spec lists actions (a single string is refused there): one-action statements
            // as AWS returns them become lists.
            let statements: Vec<Value> = trust
                .statements
                .iter()
                .map(|st| {
                    let mut st = st.clone();
                    for key in ["Action", "NotAction"] {
                        if let Some(a @ Value::String(_)) = st.get(key).cloned() {
                            st[key] = json!([a]);
                        }
                    }
                    st
                })
                .collect();
            fields.insert("statements".into(), json!(statements));
        }
        let _ = writeln!(s, "    trust: {}", q(fields));
    }
    let policies: Vec<&str> = r
        .policies
        .iter()
        .map(|arn| policy_names.get(arn).map_or(arn.as_str(), String::as_str))
        .collect();
    if !policies.is_empty() {
        let _ = writeln!(s, "    policies: {}", q(&policies));
    }
    if let Some(b) = &r.permissions_boundary {
        let _ = writeln!(
            s,
            "    permissions_boundary: {}",
            q(policy_names.get(b).unwrap_or(b))
        );
    }
    tags_line(&mut s, &r.tags);
    out.push_str(&s);
    Ok(())
}

/// A kind's part of `registry:`: its key, then its items as its layout writes them.
fn registry_part(out: &mut String, key: &str, layout: Layout, items: &[Value]) {
    if layout == Layout::FlowList {
        let _ = writeln!(out, "  {key}: {}", q(items));
        return;
    }
    let _ = writeln!(out, "  {key}:");
    for item in items {
        let entries = item.as_object().into_iter().flatten();
        match layout {
            Layout::FlowItems => {
                let _ = writeln!(out, "    - {}", q(item));
            }
            Layout::BlockItems => {
                for (i, (name, value)) in entries.enumerate() {
                    let lead = if i == 0 { "    - " } else { "      " };
                    let _ = writeln!(out, "{lead}{name}: {}", q(value));
                }
            }
            Layout::Entries => {
                for (name, value) in entries {
                    let _ = writeln!(out, "    {name}: {}", q(value));
                }
            }
            Layout::FlowList => {}
        }
    }
}

/// The `scanning`, `replication` and `policy` parts this stack takes: what its record owns, and
/// the filters and rules named with the project prefix that no stack owns. Statements and a scan
/// type in no record are left to whoever set them (listed as skipped). Returns the YAML and the
/// number of parts written.
fn registry_settings(
    inv: &Observed,
    stack: &str,
    prefix: &str,
    skipped: &mut Vec<String>,
) -> (String, usize) {
    let Some(live) = &inv.registry.settings else {
        return (String::new(), 0);
    };
    let everyone = inv
        .registry
        .records
        .values()
        .fold(OwnedKeys::default(), |all, r| all.union(&r.registry));
    let mut owned = inv
        .registry
        .records
        .get(stack)
        .map(|r| r.registry.clone())
        .unwrap_or_default();
    for part in unowned(live, &everyone) {
        let (kind, key) = part.split_once(':').expect("parts are kind:key");
        match kind {
            "scanning" if named_with_prefix(key, prefix) => {
                owned.scanning.insert(key.to_string());
            }
            "replication" if key.split(',').all(|f| named_with_prefix(f, prefix)) => {
                owned
                    .replication
                    .insert(key.split(',').map(str::to_string).collect());
            }
            "scanning" | "replication" => {}
            _ => skipped.push(format!(
                "registry {part}: in no stack's record; add it under registry.policy (with a Sid) to own it"
            )),
        }
    }
    let mine = RegistrySettings::project(live, &owned);
    let mut out = String::new();
    let mut count = 0;
    if mine.scan_type.is_some() || !mine.scanning.is_empty() {
        let _ = writeln!(out, "  scanning:");
        if let Some(t) = mine.scan_type {
            let _ = writeln!(out, "    type: {}", t.as_str());
        }
        let mut by_frequency: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for (filter, frequency) in &mine.scanning {
            by_frequency
                .entry(frequency.as_str())
                .or_default()
                .push(filter);
        }
        if !by_frequency.is_empty() {
            let _ = writeln!(out, "    rules:");
        }
        for (frequency, filters) in by_frequency {
            let _ = writeln!(
                out,
                "      - {{frequency: {frequency}, filters: {}}}",
                q(filters)
            );
        }
        count += 1;
    }
    if !mine.replication.is_empty() {
        let _ = writeln!(out, "  replication:\n    rules:");
        for (filters, destinations) in &mine.replication {
            let to: Vec<Value> = destinations
                .iter()
                .map(|d| {
                    if d.account == inv.identity.account {
                        json!({"region": d.region})
                    } else {
                        json!({"region": d.region, "account": d.account})
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "      - {{destinations: {}, filters: {}}}",
                q(to),
                q(filters)
            );
        }
        count += 1;
    }
    if !mine.policy.is_empty() {
        let statements = mine.statements_as_written();
        let _ = writeln!(
            out,
            "  policy: {}",
            q(json!({"Version": "2012-10-17", "Statement": statements}))
        );
        count += 1;
    }
    (out, count)
}
