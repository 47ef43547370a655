//! `registry.scanning`, `registry.replication` and `registry.policy`: the part of the
//! registry-wide settings this stack owns (see [`crate::kinds::registry`] for what "owns" means:
//! everything else in these settings is kept as it is), read into one [`RegistrySettings`].

use std::collections::BTreeSet;

use serde_json::Value;

use crate::kinds::registry::{
    self, Destination, MAX_REPLICATION_DESTINATIONS, MAX_REPLICATION_RULES, MAX_SCANNING_FILTERS,
    RegistrySettings, ScanFrequency, ScanType,
};
use crate::model::target::Target;
use crate::model::{Resource, is_account_id};
use crate::spec::fields::{Field, Ty};
use crate::spec::reader::{Fields, Reader, index};
use crate::spec::registry::{RegistryPart, Scope};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

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

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for RegistrySettings {}

/// The section's own settings: their fields lead the section, their resource follows those of the
/// kinds that have a part of it.
impl RegistryPart for RegistrySettings {
    const FIELDS: &'static [Field] = &[
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
    ];
    const RANK: u8 = 60;
    const FIELD_RANK: u8 = 0;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        let f = section;
        let ctx = scope.ctx;
        let mut settings = RegistrySettings::default();
        if let Some(n) = f.get("scanning") {
            read_scanning(r, ctx, n, &f.path_of("scanning"), &mut settings);
        }
        if let Some(n) = f.get("replication") {
            let placement = (scope.regions, scope.targets);
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
        if settings.is_empty() {
            Vec::new()
        } else {
            vec![Resource::Registry(settings)]
        }
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
    let Some(document) = crate::spec::settings::read_policy_document(r, node, path, &ctx.prefix)
    else {
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
