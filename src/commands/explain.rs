//! `explain SPEC …`: who gets in, and why. Offline against the spec's documents (bound to
//! `--account`), or with `--live` against what the account holds for the stack.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use super::Exit;
use super::session::{load_spec, open_units, region};
use crate::access::GithubToken;
use crate::access::view::{AccessView, RegistryPolicyScope};
use crate::cli::{ExplainArgs, GlobalArgs, OutputFormat};
use crate::error::Error;
use crate::kinds::account_setting::live::AccountSettingApi;
use crate::kinds::oidc_provider::GITHUB_OIDC_URL;
use crate::model::access_fact::AccessFact;
use crate::model::{Env, Identity, Observed, Resource};
use crate::render::json::SCHEMA_VERSION;
use crate::render::{Style, explain as render};

/// The registry policy scope the account has (`ecr:GetAccountSetting`); V2, AWS's default, with a
/// note when it cannot be read.
async fn live_scope(
    client: &impl AccountSettingApi,
    notes: &mut Vec<String>,
) -> RegistryPolicyScope {
    match client.get_account_setting("REGISTRY_POLICY_SCOPE").await {
        Ok(Some(value)) if value.eq_ignore_ascii_case("V1") => RegistryPolicyScope::V1,
        Ok(Some(value)) if value.eq_ignore_ascii_case("V2") => RegistryPolicyScope::V2,
        Ok(other) => {
            notes.push(format!(
                "the account's REGISTRY_POLICY_SCOPE is {other:?}: V2 (AWS's default) assumed"
            ));
            RegistryPolicyScope::V2
        }
        Err(e) => {
            notes.push(format!(
                "the registry policy scope could not be read ({}): V2 (AWS's default) assumed; \
                 --registry-policy-scope V1 evaluates the other",
                crate::error::chain(&e)
            ));
            RegistryPolicyScope::V2
        }
    }
}

/// The account the spec is bound to when none is given offline.
pub(crate) const OFFLINE_ACCOUNT: &str = "123456789012";

pub(crate) async fn run(global: &GlobalArgs, args: &ExplainArgs) -> Result<Exit, Error> {
    let mut scope_notes = Vec::new();
    let spec = load_spec(&args.spec)?;
    let view = if args.live {
        // The first account and region the flags select (--target, --region).
        let opened = super::session::single(open_units(global, &spec).await?)?;
        let observed = &opened.observed;
        let host = provider_host(
            observed.resources.values().map(|l| &l.resource),
            &observed.env(),
        );
        let mut view = AccessView::new(
            observed.env(),
            &host,
            observed.resources.values().map(|l| &l.resource),
        );
        view.registry_policy_scope = match args.registry_policy_scope {
            Some(scope) => scope,
            None => live_scope(&opened.client, &mut scope_notes).await,
        };
        view
    } else {
        let account = args
            .account
            .clone()
            .unwrap_or_else(|| OFFLINE_ACCOUNT.to_string());
        if !crate::model::is_account_id(&account) {
            return Err(Error::Refused(format!(
                "--account {account:?}: expected a 12-digit account id"
            )));
        }
        let env = Env {
            account,
            partition: "aws".to_string(),
            region: region(global, &spec)?,
        };
        let declared: Vec<Resource> = spec
            .desired
            .resources
            .iter()
            .map(|r| r.bind(&env))
            .collect();
        // The documents as the plan writes them (a push policy allows signing with the spec's
        // own signing rules), against an account of which nothing is known.
        let nothing = Observed {
            identity: Identity::from_arn(env.account.clone(), String::new()),
            region: env.region.clone(),
            resources: Default::default(),
            missing_users: Default::default(),
            missing_policies: Default::default(),
            registry: Default::default(),
        };
        let bound: Vec<Resource> =
            crate::plan::completed(&declared, &nothing, &env, &spec.desired.stack)
                .into_iter()
                .map(|(r, _)| r)
                .collect();
        let host = provider_host(bound.iter(), &env);
        let mut view = AccessView::new(env, &host, bound.iter());
        // The flag, else what the spec declares (registry.account_settings), else AWS's default.
        view.registry_policy_scope = args
            .registry_policy_scope
            .unwrap_or(view.registry_policy_scope);
        view
    };
    let mut notes = scope_notes;
    if !args.live {
        notes.push(format!(
            "evaluated the spec's documents for account {} (offline); --live evaluates the account's",
            view.env.account
        ));
    }
    if let Some(repo) = &args.github {
        let mut token = GithubToken::parse(repo).map_err(Error::Refused)?;
        token.owner_id = args.owner_id;
        token.repository_id = args.repository_id;
        token.git_ref = args.git_ref.clone();
        token.environment = args.environment.clone();
        token.pull_request = args.pull_request;
        token.job_workflow_ref = args.workflow_ref.clone();
        if let Some(aud) = &args.audience {
            token.audience = aud.clone();
        }
        token.claims = args.claim.iter().cloned().collect();
        token.subject_claims = match &args.subject_claims {
            Some(keys) => Some(keys.clone()),
            None => spec.subject_templates.of(&token.owner, &token.repository),
        };
        let missing = token.missing_template_claims();
        if !missing.is_empty() {
            return Err(Error::Refused(format!(
                "{repo}'s tokens carry a customized sub ({}); give the value of {} \
                 (--workflow-ref for job_workflow_ref, else --claim KEY=VALUE)",
                token.subject_claims.clone().unwrap_or_default().join(", "),
                missing.join(", ")
            )));
        }
        if view.provider_host != GITHUB_OIDC_URL.trim_start_matches("https://") {
            notes.push(format!(
                "the token's issuer is https://{host} (GitHub Enterprise Server): its claims are \
                 the condition keys {host}:sub, {host}:aud, …",
                host = view.provider_host
            ));
        }
        if let Some(keys) = &token.subject_claims {
            notes.push(format!(
                "the token's sub follows the subject template [{}]",
                keys.join(", ")
            ));
        }
        if token.repository_id.is_some() != token.owner_id.is_some() {
            notes.push("the immutable subject form needs both --owner-id and --repository-id; only the legacy form was asked".into());
        }
        let results = view
            .github(&token, args.role.as_deref())
            .map_err(Error::Refused)?;
        let allowed = results.iter().any(|r| r.evaluation.decision.allowed());
        match global.output {
            OutputFormat::Json => print_json(
                &view,
                args.live,
                json!({ "github": repo, "results": results, "allowed": allowed, "notes": notes }),
            ),
            OutputFormat::Human | OutputFormat::Markdown => {
                let title = format!(
                    "A GitHub Actions token of {repo} ({}):",
                    token_detail(&token)
                );
                print!(
                    "{}",
                    render::github(&title, &results, &notes, Style::for_stdout())
                );
            }
        }
        return Ok(if allowed { Exit::Ok } else { Exit::Denied });
    }
    let Some(action) = &args.action else {
        return Err(Error::Refused(
            "say what to explain: --github OWNER/REPO, --principal ARN --action A (--role NAME | --resource R), or --role NAME --action A --resource R".into(),
        ));
    };
    let (principal, resource) = match (&args.principal, &args.role, &args.resource) {
        (Some(p), Some(role), None) => (p.clone(), role.clone()),
        (Some(p), _, Some(resource)) => (p.clone(), resource.clone()),
        (None, Some(role), Some(resource)) => (view.role_arn(role), resource.clone()),
        _ => {
            return Err(Error::Refused(
                "with --action give --principal and --role (the role to assume) or --resource, or --role (the role acting) and --resource".into(),
            ));
        }
    };
    let context: BTreeMap<String, String> = args.context.iter().cloned().collect();
    let mut answer = view
        .principal(&principal, action, &resource, &context)
        .map_err(Error::Refused)?;
    answer.notes.extend(notes);
    let allowed = answer.evaluation.decision.allowed();
    match global.output {
        OutputFormat::Json => print_json(
            &view,
            args.live,
            json!({ "answer": answer, "allowed": allowed }),
        ),
        OutputFormat::Human | OutputFormat::Markdown => {
            print!("{}", render::answer(&answer, Style::for_stdout()))
        }
    }
    Ok(if allowed { Exit::Ok } else { Exit::Denied })
}

/// An answer as JSON: the fields every explain answer starts with, then `fields`.
fn print_json(view: &AccessView, live: bool, fields: Value) {
    let mut doc = json!({
        "schema_version": SCHEMA_VERSION,
        "account": view.env.account,
        "live": live,
    });
    if let (Value::Object(doc), Value::Object(fields)) = (&mut doc, fields) {
        doc.extend(fields);
    }
    println!("{doc}");
}

fn token_detail(t: &GithubToken) -> String {
    let mut parts = vec![match (&t.environment, t.pull_request) {
        (Some(e), _) => format!("environment {e}"),
        (None, true) => "pull_request".to_string(),
        (None, false) => format!("ref {}", t.git_ref()),
    }];
    if let Some(id) = t.repository_id {
        parts.push(format!("repository_id {id}"));
    }
    if let Some(id) = t.owner_id {
        parts.push(format!("owner id {id}"));
    }
    if let Some(w) = &t.job_workflow_ref {
        parts.push(format!("job_workflow_ref {w}"));
    }
    for (k, v) in &t.claims {
        parts.push(format!("{k} {v}"));
    }
    parts.join(", ")
}

fn provider_host<'a>(resources: impl Iterator<Item = &'a Resource>, env: &Env) -> String {
    let mut host = GITHUB_OIDC_URL.trim_start_matches("https://").to_string();
    for fact in resources.flat_map(|r| r.unit().access(env)) {
        if let AccessFact::IdentityProvider { host: h } = fact {
            host = h;
        }
    }
    host
}
