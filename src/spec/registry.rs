//! The `registry:` section: the registry-wide ECR settings this stack owns in each region it
//! applies to (scanning, replication, the registry policy). See [`crate::model::registry`] for
//! what "owns" means: everything else in these settings is kept as it is.

use std::collections::BTreeSet;

use serde_json::Value;

use super::fields::{Field, Ty};
use super::reader::{Reader, index};
use super::yaml::Node;
use super::{Context, arns, names, repositories};
use crate::model::creation_template::APPLIED_FOR;
use crate::model::pull_through_cache::{Credential, Upstream};
use crate::model::registry::{
    self, Destination, MAX_REPLICATION_DESTINATIONS, MAX_REPLICATION_RULES, MAX_SCANNING_FILTERS,
    RegistrySettings, ScanFrequency, ScanType,
};
use crate::model::target::Target;
use crate::model::{
    CreationTemplate, Encryption, PullThroughCacheRule, Resource, TagMutability, is_account_id,
};

const SCAN_TYPES: &[&str] = &["BASIC", "ENHANCED"];
const FREQUENCIES: &[&str] = &["SCAN_ON_PUSH", "CONTINUOUS_SCAN", "MANUAL"];

pub const SCANNING_RULE_FIELDS: &[Field] = &[
    Field::required(
        "frequency",
        Ty::OneOf(FREQUENCIES),
        "SCAN_ON_PUSH | CONTINUOUS_SCAN (ENHANCED only) | MANUAL",
    ),
    Field::required(
        "filters",
        Ty::Strings,
        "WILDCARD repository filters (`*` matches any characters); each filter is this stack's",
    ),
];

pub const SCANNING_FIELDS: &[Field] = &[
    Field::new(
        "type",
        Ty::OneOf(SCAN_TYPES),
        "BASIC | ENHANCED (Amazon Inspector); owned when set, left as it is when not",
    ),
    Field::new(
        "rules",
        Ty::ListOf(SCANNING_RULE_FIELDS),
        "At most one rule per frequency; other stacks' filters are kept in the same rules",
    ),
];

pub const DESTINATION_FIELDS: &[Field] = &[
    Field::required("region", Ty::Str, "The destination region"),
    Field::new(
        "account",
        Ty::Str,
        "The destination account (default: this account); another account must allow this one \
         in its registry policy",
    ),
];

pub const REPLICATION_RULE_FIELDS: &[Field] = &[
    Field::required(
        "destinations",
        Ty::ListOf(DESTINATION_FIELDS),
        "Where images are replicated to (1-25)",
    ),
    Field::new(
        "filters",
        Ty::Strings,
        "PREFIX_MATCH repository filters; the rule is this stack's by its set of filters \
         (none: every repository)",
    ),
];

pub const REPLICATION_FIELDS: &[Field] = &[Field::required(
    "rules",
    Ty::ListOf(REPLICATION_RULE_FIELDS),
    "Replication rules this stack owns (AWS allows 10 in all)",
)];

pub const PULL_THROUGH_CACHE_FIELDS: &[Field] = &[
    Field::required(
        "prefix",
        Ty::Str,
        "The ECR repository prefix images are pulled through (2-30 characters, or ROOT)",
    ),
    Field::required(
        "upstream",
        Ty::Str,
        "The upstream registry's URL, e.g. registry-1.docker.io, public.ecr.aws, ghcr.io, quay.io",
    ),
    Field::new(
        "credential_arn",
        Ty::Str,
        "A Secrets Manager secret named ecr-pullthroughcache/…, in this account and region; \
         required for Docker Hub, GitHub, GitLab, Azure and Chainguard",
    ),
    Field::new(
        "custom_role_arn",
        Ty::Str,
        "For an ECR upstream in another account: a role of this account ECR assumes",
    ),
];

pub const CREATION_TEMPLATE_FIELDS: &[Field] = &[
    Field::required(
        "prefix",
        Ty::Str,
        "The repository prefix the template applies to, or ROOT (every repository no other template matches)",
    ),
    Field::required(
        "applied_for",
        Ty::Strings,
        "PULL_THROUGH_CACHE, REPLICATION and/or CREATE_ON_PUSH",
    ),
    Field::new("description", Ty::Str, "Up to 256 characters"),
    Field::new(
        "image_tag_mutability",
        Ty::OneOf(TagMutability::ALLOWED),
        "IMMUTABLE (default) or MUTABLE, for the repositories ECR creates",
    ),
    Field::new(
        "image_tag_mutability_exclusion_filters",
        Ty::Strings,
        "Up to 5 wildcard filters of tags exempt from image_tag_mutability",
    ),
    Field::new(
        "encryption",
        Ty::Map(repositories::ENCRYPTION),
        "AES256 (default), KMS or KMS_DSSE; a kms_key is named by its ARN here",
    ),
    Field::new(
        "lifecycle_policy",
        Ty::Map(super::lifecycle::FIELDS),
        "The same typed rules as a repository's",
    ),
    Field::new(
        "repository_policy",
        Ty::Document,
        "An IAM policy document for the created repositories",
    ),
    Field::new(
        "tags",
        Ty::StringMap,
        "Tags the created repositories get (not the stack's ownership tags)",
    ),
    Field::new(
        "custom_role_arn",
        Ty::Str,
        "A role of this account, trusted by ecr.amazonaws.com, that ECR assumes to apply the \
         template; AWS requires one for tags or KMS encryption",
    ),
];

pub const FIELDS: &[Field] = &[
    Field::new(
        "scanning",
        Ty::Map(SCANNING_FIELDS),
        "The registry scanning configuration's scan type and rules (PutRegistryScanningConfiguration)",
    ),
    Field::new(
        "replication",
        Ty::Map(REPLICATION_FIELDS),
        "Replication rules (PutReplicationConfiguration)",
    ),
    Field::new(
        "policy",
        Ty::Document,
        "Registry permissions policy statements (each with a Sid, which makes it this stack's)",
    ),
    Field::new(
        "pull_through_cache",
        Ty::ListOf(PULL_THROUGH_CACHE_FIELDS),
        "Pull-through cache rules (CreatePullThroughCacheRule), keyed by prefix",
    ),
    Field::new(
        "creation_templates",
        Ty::ListOf(CREATION_TEMPLATE_FIELDS),
        "Repository creation templates (CreateRepositoryCreationTemplate), keyed by prefix",
    ),
];

/// The stack's registry settings (when the section declares some) and pull-through cache rules.
/// `regions`: the spec's regions (a destination may not be the region it replicates from in the
/// same account).
pub fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    regions: &[String],
    targets: &[Target],
) -> Vec<Resource> {
    let Some(f) = r.fields(node, "registry", FIELDS) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    if let Some(n) = f.get("pull_through_cache") {
        out.extend(read_pull_through_cache(
            r,
            ctx,
            n,
            &f.path_of("pull_through_cache"),
        ));
    }
    if let Some(n) = f.get("creation_templates") {
        out.extend(read_creation_templates(
            r,
            ctx,
            n,
            &f.path_of("creation_templates"),
        ));
    }
    let mut settings = RegistrySettings::default();
    if let Some(n) = f.get("scanning") {
        read_scanning(r, ctx, n, &f.path_of("scanning"), &mut settings);
    }
    if let Some(n) = f.get("replication") {
        let placement = (regions, targets);
        read_replication(
            r,
            ctx,
            n,
            &f.path_of("replication"),
            placement,
            &mut settings,
        );
    }
    if let Some(n) = f.get("policy") {
        read_policy(r, ctx, n, &f.path_of("policy"), &mut settings);
    }
    if !settings.is_empty() {
        out.push(Resource::Registry(settings));
    }
    out
}

fn read_pull_through_cache(
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
            tags: Default::default(),
        }));
    }
    out
}

fn read_creation_templates(
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
        if let Some(t) = read_creation_template(r, ctx, item, &item_path) {
            if prefixes.insert(t.prefix.clone()) {
                out.push(Resource::CreationTemplate(t));
            } else {
                r.error(
                    item.pos,
                    &format!("{item_path}.prefix"),
                    format!("prefix {:?} has a template already", t.prefix),
                );
            }
        }
    }
    out
}

fn read_creation_template(
    r: &mut Reader,
    ctx: &Context,
    item: &Node,
    path: &str,
) -> Option<CreationTemplate> {
    let f = r.fields(item, path, CREATION_TEMPLATE_FIELDS)?;
    let prefix = match f.get("prefix") {
        None => {
            r.error(
                item.pos,
                &f.path_of("prefix"),
                "missing; name the repository prefix, or ROOT",
            );
            None
        }
        Some(n) => {
            let p = r.string(n, &f.path_of("prefix"))?;
            match names::expand(&p, &ctx.prefix) {
                Err(e) => {
                    r.error(n.pos, &f.path_of("prefix"), e);
                    None
                }
                Ok(p) => {
                    let key = p.trim_end_matches('/').to_string();
                    let checked = if key == "ROOT" {
                        Ok(())
                    } else {
                        names::check_repository_name(&key)
                    };
                    match checked {
                        Ok(()) => Some(key),
                        Err(e) => {
                            r.error(n.pos, &f.path_of("prefix"), e);
                            None
                        }
                    }
                }
            }
        }
    };
    let applied_for = match f.get("applied_for") {
        None => {
            r.error(
                item.pos,
                &f.path_of("applied_for"),
                format!("missing; list one or more of {}", APPLIED_FOR.join(", ")),
            );
            None
        }
        Some(n) => {
            let mut list = r.strings(n, &f.path_of("applied_for"))?;
            match list.iter().find(|a| !APPLIED_FOR.contains(&a.as_str())) {
                Some(bad) => {
                    r.error(
                        n.pos,
                        &f.path_of("applied_for"),
                        format!("{bad:?}: expected {}", APPLIED_FOR.join(", ")),
                    );
                    None
                }
                None if list.is_empty() => {
                    r.error(n.pos, &f.path_of("applied_for"), "needs at least one");
                    None
                }
                None => {
                    list.sort();
                    list.dedup();
                    Some(list)
                }
            }
        }
    };
    let description = match f.get("description") {
        None => Some(String::new()),
        Some(n) => r.string(n, &f.path_of("description")).filter(|d| {
            let ok = d.len() <= 256;
            if !ok {
                r.error(
                    n.pos,
                    &f.path_of("description"),
                    "ECR allows 256 characters",
                );
            }
            ok
        }),
    };
    let mutability = match f.get("image_tag_mutability") {
        None => Some(TagMutability::Immutable),
        Some(n) => r.one_of(
            n,
            &f.path_of("image_tag_mutability"),
            TagMutability::ALLOWED,
            TagMutability::parse,
        ),
    };
    let exclusions = match f.get("image_tag_mutability_exclusion_filters") {
        None => Some(Vec::new()),
        Some(n) => repositories::read_exclusion_filters(
            r,
            n,
            &f.path_of("image_tag_mutability_exclusion_filters"),
        ),
    };
    let encryption = match f.get("encryption") {
        None => Some(Encryption::Aes256),
        Some(n) => {
            let e = repositories::read_encryption(r, n, &f.path_of("encryption"))?;
            if let Some(key) = e.kms_key().filter(|k| !k.starts_with("arn:")) {
                r.error(
                    n.pos,
                    &f.path_of("encryption"),
                    format!("kms_key {key:?}: a template names its key by ARN (ECR refuses ids and aliases here)"),
                );
                None
            } else {
                Some(e)
            }
        }
    };
    let lifecycle = match f.get("lifecycle_policy") {
        None => Some(None),
        Some(n) => super::lifecycle::read(r, n, &f.path_of("lifecycle_policy")).map(Some),
    };
    let policy = match f.get("repository_policy") {
        None => Some(None),
        Some(n) => {
            repositories::read_policy_document(r, n, &f.path_of("repository_policy"), &ctx.prefix)
                .map(Some)
        }
    };
    let resource_tags = match f.get("tags") {
        None => Some(Default::default()),
        Some(n) => r
            .string_map(n, &f.path_of("tags"))
            .filter(|t| match names::check_tags(t) {
                Ok(()) => true,
                Err(e) => {
                    r.error(n.pos, &f.path_of("tags"), e);
                    false
                }
            }),
    };
    let role = match f.get("custom_role_arn") {
        None => Some(None),
        Some(n) => r
            .string(n, &f.path_of("custom_role_arn"))
            .and_then(|a| names::expand(&a, &ctx.prefix).ok())
            .filter(|a| match arns::check_role_arn(a) {
                Ok(()) => true,
                Err(e) => {
                    r.error(n.pos, &f.path_of("custom_role_arn"), e);
                    false
                }
            })
            .map(Some),
    };
    let template = CreationTemplate {
        prefix: prefix?,
        description: description?,
        applied_for: applied_for?,
        image_tag_mutability: mutability?,
        image_tag_mutability_exclusion_filters: exclusions?,
        encryption: encryption?,
        lifecycle_policy: lifecycle?,
        repository_policy: policy?,
        resource_tags: resource_tags?,
        custom_role_arn: role?,
        tags: Default::default(),
    };
    let needs_role =
        !template.resource_tags.is_empty() || !matches!(template.encryption, Encryption::Aes256);
    if needs_role && template.custom_role_arn.is_none() {
        r.error(
            item.pos,
            &f.path_of("custom_role_arn"),
            "a template with tags or KMS encryption needs custom_role_arn: a role of this account \
             that trusts ecr.amazonaws.com (AWS requires it)",
        );
        return None;
    }
    Some(template)
}

/// ECR's pull-through cache prefix: `ROOT`, or 2-30 characters of lowercase path segments.
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

fn read_scanning(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    out: &mut RegistrySettings,
) {
    let Some(f) = r.fields(node, path, SCANNING_FIELDS) else {
        return;
    };
    if let Some(n) = f.get("type") {
        out.scan_type = r.one_of(n, &f.path_of("type"), SCAN_TYPES, ScanType::parse);
    }
    let Some(rules) = f.get("rules") else {
        return;
    };
    let rules_path = f.path_of("rules");
    let Some(items) = r.list(rules, &rules_path) else {
        return;
    };
    let mut frequencies = BTreeSet::new();
    for (item_path, item) in items {
        let Some(rule) = r.fields(item, &item_path, SCANNING_RULE_FIELDS) else {
            continue;
        };
        let frequency = rule.get("frequency").and_then(|n| {
            r.one_of(
                n,
                &rule.path_of("frequency"),
                FREQUENCIES,
                ScanFrequency::parse,
            )
        });
        let Some(frequency) = frequency else {
            if rule.get("frequency").is_none() {
                r.error(
                    item.pos,
                    &rule.path_of("frequency"),
                    "missing; name the scan frequency",
                );
            }
            continue;
        };
        if !frequencies.insert(frequency) {
            r.error(
                item.pos,
                &rule.path_of("frequency"),
                format!(
                    "a second {} rule; AWS keeps one rule per frequency: put its filters in one",
                    frequency.as_str()
                ),
            );
        }
        let allowed = match out.scan_type {
            Some(ScanType::Enhanced) => frequency != ScanFrequency::Manual,
            Some(ScanType::Basic) => frequency != ScanFrequency::ContinuousScan,
            None => true,
        };
        if !allowed {
            r.error(
                item.pos,
                &rule.path_of("frequency"),
                format!(
                    "{} does not go with scan type {}: ENHANCED scans SCAN_ON_PUSH or \
                     CONTINUOUS_SCAN, BASIC scans SCAN_ON_PUSH or MANUAL",
                    frequency.as_str(),
                    out.scan_type.map(ScanType::as_str).unwrap_or_default()
                ),
            );
        }
        let filters_path = rule.path_of("filters");
        let Some(n) = rule.get("filters") else {
            r.error(
                item.pos,
                &filters_path,
                "missing; list the repository filters (e.g. \"{prefix}-*\")",
            );
            continue;
        };
        let Some(filters) = r.strings(n, &filters_path) else {
            continue;
        };
        if filters.len() > MAX_SCANNING_FILTERS {
            r.error(
                n.pos,
                &filters_path,
                format!(
                    "{} filters; AWS allows {MAX_SCANNING_FILTERS} per rule",
                    filters.len()
                ),
            );
        }
        for (i, filter) in filters.iter().enumerate() {
            let p = index(&filters_path, i);
            let Some(filter) = expand(r, n, &p, filter, &ctx.prefix) else {
                continue;
            };
            if let Err(e) = check_filter(&filter, true) {
                r.error(n.pos, &p, e);
                continue;
            }
            if out.scanning.insert(filter.clone(), frequency).is_some() {
                r.error(
                    n.pos,
                    &p,
                    format!("filter {filter:?} is listed twice; a filter belongs to one rule"),
                );
            }
        }
    }
}

fn read_replication(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    placement: (&[String], &[Target]),
    out: &mut RegistrySettings,
) {
    let Some(f) = r.fields(node, path, REPLICATION_FIELDS) else {
        return;
    };
    let rules_path = f.path_of("rules");
    let Some(rules) = f.get("rules") else {
        r.error(node.pos, &rules_path, "missing; list the replication rules");
        return;
    };
    let Some(items) = r.list(rules, &rules_path) else {
        return;
    };
    if items.len() > MAX_REPLICATION_RULES {
        r.error(
            rules.pos,
            &rules_path,
            format!("{} rules; AWS allows {MAX_REPLICATION_RULES}", items.len()),
        );
    }
    for (item_path, item) in items {
        let Some(rule) = r.fields(item, &item_path, REPLICATION_RULE_FIELDS) else {
            continue;
        };
        let mut filters = Vec::new();
        if let Some(n) = rule.get("filters") {
            let filters_path = rule.path_of("filters");
            for (i, filter) in r
                .strings(n, &filters_path)
                .unwrap_or_default()
                .iter()
                .enumerate()
            {
                let p = index(&filters_path, i);
                let Some(filter) = expand(r, n, &p, filter, &ctx.prefix) else {
                    continue;
                };
                match check_filter(&filter, false) {
                    Ok(()) => filters.push(filter),
                    Err(e) => r.error(n.pos, &p, e),
                }
            }
        }
        let destinations_path = rule.path_of("destinations");
        let Some(n) = rule.get("destinations") else {
            r.error(
                item.pos,
                &destinations_path,
                "missing; list where images are replicated to",
            );
            continue;
        };
        let Some(destination_items) = r.list(n, &destinations_path) else {
            continue;
        };
        if destination_items.is_empty() || destination_items.len() > MAX_REPLICATION_DESTINATIONS {
            r.error(
                n.pos,
                &destinations_path,
                format!(
                    "{} destinations; a rule needs 1 to {MAX_REPLICATION_DESTINATIONS}",
                    destination_items.len()
                ),
            );
        }
        let mut destinations = Vec::new();
        for (dest_path, dest) in destination_items {
            if let Some(d) = read_destination(r, dest, &dest_path, placement) {
                destinations.push(d);
            }
        }
        destinations.sort();
        destinations.dedup();
        let key = registry::ReplicationRule {
            destinations: Vec::new(),
            filters,
        }
        .key();
        if out.replication.insert(key.clone(), destinations).is_some() {
            r.error(
                item.pos,
                &rule.path_of("filters"),
                format!("a second rule with the filters {key:?}; a rule is known by its filters"),
            );
        }
    }
}

fn read_destination(
    r: &mut Reader,
    node: &Node,
    path: &str,
    (regions, targets): (&[String], &[Target]),
) -> Option<Destination> {
    let f = r.fields(node, path, DESTINATION_FIELDS)?;
    let region = match f.get("region") {
        None => {
            r.error(
                node.pos,
                &f.path_of("region"),
                "missing; name the destination region",
            );
            return None;
        }
        Some(n) => {
            let region = r.string(n, &f.path_of("region"))?;
            if !arns::region_ok(&region) || region.contains('{') {
                r.error(
                    n.pos,
                    &f.path_of("region"),
                    format!("{region:?} is not an AWS region (e.g. ap-southeast-2)"),
                );
                return None;
            }
            region
        }
    };
    let account = match f.get("account") {
        None => None,
        Some(n) => {
            let account = r.string(n, &f.path_of("account"))?;
            if !is_account_id(&account) {
                r.error(
                    n.pos,
                    &f.path_of("account"),
                    format!("{account:?} is not a 12-digit account id"),
                );
                return None;
            }
            Some(account)
        }
    };
    if account.is_none() && regions.contains(&region) {
        r.error(
            node.pos,
            path,
            format!(
                "replicates {region} into itself: the spec applies to {region}, and a destination \
                 in this account must be another region"
            ),
        );
        return None;
    }
    // A target of the spec in that account, applied in that region, would replicate into itself.
    if let Some(t) = account.as_ref().and_then(|a| {
        targets.iter().find(|t| {
            &t.account == a
                && if t.regions.is_empty() {
                    regions.contains(&region)
                } else {
                    t.regions.contains(&region)
                }
        })
    }) {
        r.error(
            node.pos,
            path,
            format!(
                "replicates {region} of target {} ({}) into itself: a destination in a target's \
                 own account must be a region the target does not apply to",
                t.name, t.account
            ),
        );
        return None;
    }
    if let Some(account) = &account {
        r.notes.push(format!(
            "{path}: replication to account {account} ({region}) works only when that account's \
             registry policy lets this account replicate into it (ecr:CreateRepository and \
             ecr:ReplicateImage for arn:aws:iam::THIS_ACCOUNT:root); apply that policy in account \
             {account} (for example with its own spec's registry.policy; `explain` of that spec \
             with --account {account} --action ecr:ReplicateImage checks it), unless it is this \
             account"
        ));
    }
    Some(Destination {
        region,
        account: account.unwrap_or_else(|| "{account}".to_string()),
    })
}

fn read_policy(r: &mut Reader, ctx: &Context, node: &Node, path: &str, out: &mut RegistrySettings) {
    let Some(document) = repositories::read_policy_document(r, node, path, &ctx.prefix) else {
        return;
    };
    let statements = match document.original().get("Statement") {
        Some(Value::Array(items)) => items.clone(),
        Some(single) => vec![single.clone()],
        None => Vec::new(),
    };
    for (i, statement) in statements.iter().enumerate() {
        let p = format!("{path}.Statement[{i}]");
        match statement.get("Sid").and_then(Value::as_str) {
            None | Some("") => r.error(
                node.pos,
                &p,
                "needs a Sid: the registry policy is shared, and a statement is this stack's by its Sid",
            ),
            Some(sid) => {
                let canonical = registry::canonical_statement(statement);
                out.policy_as_written
                    .insert(sid.to_string(), statement.clone());
                if out.policy.insert(sid.to_string(), canonical).is_some() {
                    r.error(node.pos, &p, format!("Sid {sid:?} is used twice"));
                }
            }
        }
    }
}

fn expand(r: &mut Reader, node: &Node, path: &str, text: &str, prefix: &str) -> Option<String> {
    match names::expand(text, prefix) {
        Ok(s) if s.contains('{') => {
            r.error(
                node.pos,
                path,
                "repository filters take {prefix} and {PREFIX} only",
            );
            None
        }
        Ok(s) => Some(s),
        Err(e) => {
            r.error(node.pos, path, e);
            None
        }
    }
}

/// ECR's filter rules: lowercase letters, digits, `.`, `_`, `-` and `/` (and `*` in WILDCARD
/// scanning filters); a replication prefix has 2 to 256 characters, a scanning filter 1 to 256.
fn check_filter(filter: &str, wildcard: bool) -> Result<(), String> {
    let min = if wildcard { 1 } else { 2 };
    if !(min..=256).contains(&filter.len()) {
        return Err(format!(
            "filter {filter:?} has {} characters; allowed: {min} to 256",
            filter.len()
        ));
    }
    let ok = filter.bytes().all(|b| {
        b.is_ascii_lowercase()
            || b.is_ascii_digit()
            || matches!(b, b'.' | b'_' | b'-' | b'/')
            || (wildcard && b == b'*')
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "filter {filter:?}: allowed are lowercase letters, digits, . _ - /{}",
            if wildcard {
                " and *"
            } else {
                " (a prefix, no wildcards)"
            }
        ))
    }
}
