//! `registry.pull_through_cache`: the stack's pull-through cache rules, keyed by prefix, with their
//! upstream, credential and role checked offline.

use std::collections::BTreeSet;

use crate::kinds::pull_through_cache::{Credential, Upstream};
use serde_json::Value;

use crate::model::{Observed, PullThroughCacheRule, Resource};
use crate::spec::fields::{Field, Ty, kind_fields};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, from_field, imported_fields};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

/// A rule's fields: its attribute rows'.
pub const PULL_THROUGH_CACHE_FIELDS: &[Field] = kind_fields!([], super::ATTRIBUTES, []);

const FIELD: Field = Field::new(
    "pull_through_cache",
    Ty::ListOf(PULL_THROUGH_CACHE_FIELDS),
    "Pull-through cache rules (CreatePullThroughCacheRule), keyed by prefix",
);

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for PullThroughCacheRule {}

impl RegistryPart for PullThroughCacheRule {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 10;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        from_field(section, &FIELD, |n, path| {
            read_pull_through_cache(r, scope.ctx, n, path)
        })
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 40,
        layout: Layout::FlowItems,
    });

    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        Ok(vec![imported_fields(super::ATTRIBUTES, self)])
    }
}

pub(crate) fn read_pull_through_cache(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
) -> Vec<Resource> {
    let mut out = Vec::new();
    let mut prefixes = BTreeSet::new();
    let Some(items) = r.list(node, path) else {
        return out;
    };
    for (item_path, item) in items {
        let Some(f) = r.fields(item, &item_path, PULL_THROUGH_CACHE_FIELDS) else {
            continue;
        };
        let text = |r: &mut Reader, name: &str| -> Option<(String, &Node)> {
            let n = f.get(name)?;
            let value = r.string(n, &f.path_of(name))?;
            match names::expand(&value, &ctx.prefix) {
                Ok(v) => Some((v, n)),
                Err(e) => {
                    r.error(n.pos, &f.path_of(name), e);
                    None
                }
            }
        };
        let prefix = match text(r, "prefix") {
            None => {
                if f.get("prefix").is_none() {
                    r.error(
                        item.pos,
                        &f.path_of("prefix"),
                        "missing; name the repository prefix",
                    );
                }
                None
            }
            Some((p, n)) => {
                let key = p.trim_end_matches('/').to_string();
                match check_cache_prefix(&key) {
                    Err(e) => {
                        r.error(n.pos, &f.path_of("prefix"), e);
                        None
                    }
                    Ok(()) if !prefixes.insert(key.clone()) => {
                        r.error(
                            n.pos,
                            &f.path_of("prefix"),
                            format!("prefix {key:?} has a rule already"),
                        );
                        None
                    }
                    Ok(()) => Some(key),
                }
            }
        };
        let upstream = match text(r, "upstream") {
            None => {
                if f.get("upstream").is_none() {
                    r.error(
                        item.pos,
                        &f.path_of("upstream"),
                        "missing; name the upstream registry's URL",
                    );
                }
                None
            }
            Some((u, n)) => {
                let host = u
                    .trim_start_matches("https://")
                    .trim_end_matches('/')
                    .to_string();
                match Upstream::of(&host) {
                    Some(kind) => Some((host, kind, n)),
                    None => {
                        r.error(
                            n.pos,
                            &f.path_of("upstream"),
                            format!(
                                "{host:?} is not an upstream ECR pulls through; supported: {}",
                                Upstream::known()
                            ),
                        );
                        None
                    }
                }
            }
        };
        let credential = text(r, "credential_arn");
        let role = text(r, "custom_role_arn");
        let upstream_prefix = text(r, "upstream_repository_prefix").and_then(|(p, n)| {
            let p = p.trim_end_matches('/').to_string();
            match check_cache_prefix(&p) {
                Ok(()) => Some((p, n)),
                Err(e) => {
                    r.error(n.pos, &f.path_of("upstream_repository_prefix"), e);
                    None
                }
            }
        });
        // Checked whether or not the rest of the rule is valid, so that every error shows at once.
        if let Some((_, n)) = &upstream_prefix {
            match &upstream {
                Some((host, kind, _)) if kind.credential != Credential::Refused => r.error(
                    n.pos,
                    &f.path_of("upstream_repository_prefix"),
                    format!(
                        "upstream_repository_prefix is for an ECR upstream \
                         (ACCOUNT.dkr.ecr.REGION.amazonaws.com) only, not {host}"
                    ),
                ),
                _ if prefix.as_deref() == Some("ROOT") => r.error(
                    n.pos,
                    &f.path_of("upstream_repository_prefix"),
                    "ECR takes an upstream_repository_prefix only for a rule whose prefix is not ROOT",
                ),
                _ => {}
            }
        }
        let (Some(prefix), Some((host, kind, upstream_node))) = (prefix, upstream) else {
            continue;
        };
        match (&credential, kind.credential) {
            (None, Credential::Required) => r.error(
                upstream_node.pos,
                &f.path_of("credential_arn"),
                format!(
                    "{host} needs a credential: a Secrets Manager secret named \
                     ecr-pullthroughcache/… in this account and region"
                ),
            ),
            (Some((_, n)), Credential::Refused) => r.error(
                n.pos,
                &f.path_of("credential_arn"),
                "an ECR upstream is reached with custom_role_arn (or none in the same account), not a secret",
            ),
            (Some((arn, n)), _) => {
                if let Err(e) = check_credential_arn(arn) {
                    r.error(n.pos, &f.path_of("credential_arn"), e);
                }
            }
            _ => {}
        }
        if let Some((arn, n)) = &role {
            if kind.credential != Credential::Refused {
                r.error(
                    n.pos,
                    &f.path_of("custom_role_arn"),
                    "custom_role_arn is for an ECR upstream only",
                );
            } else if let Err(e) = arns::check_role_arn(arn) {
                r.error(n.pos, &f.path_of("custom_role_arn"), e);
            }
        }
        out.push(Resource::PullThroughCache(PullThroughCacheRule {
            prefix,
            upstream: host,
            credential_arn: credential.map(|(a, _)| a),
            custom_role_arn: role.map(|(a, _)| a),
            upstream_repository_prefix: upstream_prefix.map(|(p, _)| p),
            tags: Default::default(),
        }));
    }
    out
}

/// ECR's pull-through cache prefix, for the rule's own and the upstream's alike: `ROOT`, or 2-30
/// characters of lowercase path segments.
fn check_cache_prefix(prefix: &str) -> Result<(), String> {
    if prefix == "ROOT" {
        return Ok(());
    }
    if !(2..=30).contains(&prefix.len()) {
        return Err(format!(
            "prefix {prefix:?} has {} characters; ECR allows 2 to 30 (or ROOT)",
            prefix.len()
        ));
    }
    names::check_repository_name(prefix).map_err(|_| {
        format!(
            "prefix {prefix:?}: lowercase letters and digits, . _ - between them, '/' between parts"
        )
    })
}

/// `arn:PARTITION:secretsmanager:REGION:ACCOUNT:secret:ecr-pullthroughcache/NAME` (placeholders
/// allowed; AWS requires the secret in the rule's own account and region).
fn check_credential_arn(arn: &str) -> Result<(), String> {
    let parts: Vec<&str> = arn.splitn(7, ':').collect();
    let ok = parts.len() == 7
        && parts[0] == "arn"
        && parts[2] == "secretsmanager"
        && parts[5] == "secret"
        && parts[6]
            .strip_prefix("ecr-pullthroughcache/")
            .is_some_and(|name| !name.is_empty());
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{arn:?} is not a Secrets Manager secret ARN named ecr-pullthroughcache/…: \
             arn:{{partition}}:secretsmanager:{{region}}:{{account}}:secret:ecr-pullthroughcache/NAME"
        ))
    }
}
