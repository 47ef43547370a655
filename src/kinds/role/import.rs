//! How `import` writes a role: an item of `roles:`, its trust in the spec's forms (GitHub,
//! AWS principals, services, raw statements), its policies by the names the spec gives them.

use std::fmt::Write;

use serde_json::{Value, json};

use super::{ATTRIBUTES, Role, is_root_path};
use crate::import::section::{Context, Placement, Section};
use crate::import::text::{fields, github_names, q, tags_line};
use crate::kinds::oidc_provider::OidcProvider;
use crate::model::github_trust::GithubName;
use crate::model::trust::Trust;
use crate::model::{Live, Registered};

impl Section for Role {
    const SECTION: Option<Placement> = Some(Placement {
        key: "roles",
        rank: 3,
        shared: false,
    });

    fn item(&self, _live: &Live, ctx: &mut Context<'_>) -> Result<String, String> {
        let provider = ctx
            .inv
            .resources
            .values()
            .find_map(|l| OidcProvider::of(&l.resource));
        let host = provider.map(|p| p.host().to_string());
        let client_ids = provider.map(|p| p.client_ids.clone()).unwrap_or_default();
        // Without a provider only the AWS-principal and service forms can be read.
        let host_name = host
            .as_deref()
            .unwrap_or("token.actions.githubusercontent.com");
        let not_spec = "its trust policy is not a form the spec generates (github_trust, trust)";
        let mut trust = Trust::from_document(&self.trust_policy, host_name, &client_ids, &ctx.env)
            .ok_or(not_spec)?;
        if trust.github.is_some() && host.is_none() {
            return Err(
                "no GitHub OIDC provider in the account, so its trust is not the GitHub form"
                    .into(),
            );
        }
        if let Some(github) = &mut trust.github {
            let organizations = &mut ctx.organizations;
            match organizations {
                None => *organizations = Some(github.organizations.clone()),
                Some(orgs) => {
                    let names =
                        |l: &[GithubName]| l.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
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
        let _ = writeln!(s, "  - name: {}", q(&self.name));
        fields(&mut s, "    ", ATTRIBUTES, self);
        if !is_root_path(&self.path) {
            let _ = writeln!(s, "    path: {}", q(&self.path));
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
        let policies: Vec<&str> = self
            .policies
            .iter()
            .map(|arn| ctx.names.get(arn).map_or(arn.as_str(), String::as_str))
            .collect();
        if !policies.is_empty() {
            let _ = writeln!(s, "    policies: {}", q(&policies));
        }
        if let Some(b) = &self.permissions_boundary {
            let _ = writeln!(
                s,
                "    permissions_boundary: {}",
                q(ctx.names.get(b).unwrap_or(b))
            );
        }
        tags_line(&mut s, &self.tags);
        Ok(s)
    }
}
