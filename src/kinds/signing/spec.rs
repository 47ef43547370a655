//! `registry.signing`: the managed signing rules this stack owns, each a Signer profile of this
//! account and region (by name or ARN) and the repositories it signs, checked offline against
//! ECR's syntax and limits.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::kinds::signing::{MAX_FILTERS, MAX_RULES, RECORD_SECTION, Signing, SigningRule};
use crate::model::{Observed, Resource};
use crate::spec::fields::{Field, Ty};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, from_field};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

pub const SIGNING_FIELDS: &[Field] = &[
    Field::required(
        "signing_profile",
        Ty::Str,
        "An AWS Signer profile of this account and region: its name, or its ARN \
         (arn:PARTITION:signer:REGION:ACCOUNT:/signing-profiles/NAME)",
    ),
    Field::new(
        "repositories",
        Ty::Strings,
        "Wildcard repository filters (* matches any run of characters); none: every repository",
    ),
];

const FIELD: Field = Field::new(
    "signing",
    Ty::ListOf(SIGNING_FIELDS),
    "Managed image signing rules this stack owns (PutSigningConfiguration), by profile and \
     repositories",
);

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for Signing {}

impl RegistryPart for Signing {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 30;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        from_field(section, &FIELD, |n, path| {
            read_signing(r, scope.ctx, n, path, scope.regions)
        })
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 10,
        layout: Layout::FlowItems,
    });

    /// This stack's rules and those of no stack; another stack's are its own.
    fn imported(&self, inv: &Observed, stack: &str) -> Result<Vec<Value>, String> {
        let env = inv.env();
        let others: Vec<&str> = inv
            .registry
            .records
            .values()
            .filter(|r| r.stack != stack)
            .flat_map(|r| r.section(RECORD_SECTION).keys().map(String::as_str))
            .collect();
        // A profile of this account and region by its name, as the spec says it.
        let here = format!(
            "arn:{}:signer:{}:{}:/signing-profiles/",
            env.partition, env.region, env.account
        );
        Ok(self
            .rules
            .iter()
            .filter(|r| !others.contains(&r.key().as_str()))
            .map(|r| {
                let mut shown = r.shown();
                if let Some(name) = r.profile_arn.strip_prefix(&here) {
                    shown["signing_profile"] = name.into();
                }
                if r.filters.is_empty() {
                    shown.as_object_mut().map(|o| o.remove("repositories"));
                }
                shown
            })
            .collect())
    }
}

pub(crate) fn read_signing(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    regions: &[String],
) -> Vec<Resource> {
    let Some(items) = r.list(node, path) else {
        return Vec::new();
    };
    let count = items.len();
    let mut rules = Vec::new();
    let mut keys = BTreeSet::new();
    for (item_path, item) in items {
        let Some(f) = r.fields(item, &item_path, SIGNING_FIELDS) else {
            continue;
        };
        let Some(profile_node) = f.get("signing_profile") else {
            r.error(
                item.pos,
                &f.path_of("signing_profile"),
                "missing; name a Signer profile",
            );
            continue;
        };
        let Some(profile) = r.string(profile_node, &f.path_of("signing_profile")) else {
            continue;
        };
        let profile_arn = match profile_arn(&profile, regions) {
            Ok(arn) => arn,
            Err(e) => {
                r.error(profile_node.pos, &f.path_of("signing_profile"), e);
                continue;
            }
        };
        let mut filters = Vec::new();
        if let Some(n) = f.get("repositories") {
            let Some(list) = r.strings(n, &f.path_of("repositories")) else {
                continue;
            };
            if list.is_empty() {
                r.error(
                    n.pos,
                    &f.path_of("repositories"),
                    "an empty list; leave repositories out to sign every repository",
                );
                continue;
            }
            if list.len() > MAX_FILTERS {
                r.error(
                    n.pos,
                    &f.path_of("repositories"),
                    format!(
                        "{} filters; ECR takes at most {MAX_FILTERS} per rule",
                        list.len()
                    ),
                );
            }
            for filter in list {
                match names::expand(&filter, &ctx.prefix).and_then(|f| check_filter(&f).map(|()| f))
                {
                    Ok(f) => filters.push(f),
                    Err(e) => r.error(n.pos, &f.path_of("repositories"), e),
                }
            }
        }
        let rule = SigningRule::new(profile_arn, filters);
        if !keys.insert(rule.key()) {
            r.error(
                item.pos,
                &item_path,
                "the same profile and repositories as another rule",
            );
            continue;
        }
        rules.push(rule);
    }
    if count > MAX_RULES {
        r.error(
            node.pos,
            path,
            format!("{count} rules; ECR holds at most {MAX_RULES} signing rules per registry"),
        );
    }
    if rules.is_empty() {
        return Vec::new();
    }
    vec![Resource::Signing(Signing::new(rules))]
}

/// A profile's ARN: a name becomes this account's and region's profile; an ARN must be one of
/// this account and region (ECR does not sign with a profile of another region).
fn profile_arn(text: &str, regions: &[String]) -> Result<String, String> {
    let valid_name = |n: &str| {
        (2..=64).contains(&n.len()) && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
    };
    if !text.starts_with("arn:") {
        return if valid_name(text) {
            Ok(format!(
                "arn:{{partition}}:signer:{{region}}:{{account}}:/signing-profiles/{text}"
            ))
        } else {
            Err(format!(
                "{text:?}: a Signer profile name is 2-64 letters, digits and underscores"
            ))
        };
    }
    let parts: Vec<&str> = text.splitn(6, ':').collect();
    let [_, partition, service, region, account, resource] = parts[..] else {
        return Err(format!("{text:?} is not an ARN"));
    };
    let name = resource
        .strip_prefix("/signing-profiles/")
        .unwrap_or_default();
    if !arns::partition_ok(partition)
        || service != "signer"
        || !arns::account_ok(account)
        || !valid_name(name)
    {
        return Err(format!(
            "{text:?}: expected arn:PARTITION:signer:REGION:ACCOUNT:/signing-profiles/NAME"
        ));
    }
    if region != "{region}" && regions.iter().any(|r| r != region) {
        return Err(format!(
            "{text:?}: ECR signs only with a profile of the registry's own region, and this spec \
             applies to {}; write {{region}} (or the profile's name) so that each region uses its \
             own profile",
            regions.join(", ")
        ));
    }
    Ok(text.to_string())
}

/// ECR's repository filter syntax: repository-name characters and `*`.
fn check_filter(filter: &str) -> Result<(), String> {
    let ok = (1..=256).contains(&filter.len())
        && filter
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b"._-/*".contains(&b));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "filter {filter:?}: lowercase letters, digits, . _ - / and * only (1-256 characters)"
        ))
    }
}
