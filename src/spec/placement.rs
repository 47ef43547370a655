//! Where the spec applies: `region`/`regions`, `targets` (accounts reached through a role), and
//! `repositories[].regions` (checked by the repository reader against these).

use std::collections::BTreeMap;

use super::arns;
use super::fields::{Field, Ty};
use super::reader::{Reader, join};
use super::yaml::{Node, Value};
use crate::model::target::Target;

/// Where a spec applies, as written.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Placement {
    /// The regions the spec names (`region:` or `regions:`); empty when it names none.
    pub regions: Vec<String>,
    /// Empty: the caller's own account.
    pub targets: Vec<Target>,
    /// Repository name → the regions it is limited to (absent: every region).
    pub repository_regions: BTreeMap<String, Vec<String>>,
}

impl Placement {
    /// Whether the spec reaches beyond one account and one region (plans then group by target).
    pub fn fans_out(&self) -> bool {
        !self.targets.is_empty() || self.regions.len() > 1
    }
}

fn region_list(r: &mut Reader, node: &Node, path: &str) -> Option<Vec<String>> {
    let list = r.strings(node, path)?;
    if list.is_empty() {
        r.error(node.pos, path, "needs at least one region");
        return None;
    }
    let mut out: Vec<String> = Vec::new();
    for region in list {
        if !arns::region_ok(&region) || region.contains('{') {
            r.error(
                node.pos,
                path,
                format!("{region:?} is not an AWS region (e.g. ap-southeast-1)"),
            );
            return None;
        }
        if out.contains(&region) {
            r.error(node.pos, path, format!("{region} is listed twice"));
            return None;
        }
        out.push(region);
    }
    Some(out)
}

/// `region:` or `regions:` (not both).
pub fn read_regions(r: &mut Reader, region: Option<&Node>, regions: Option<&Node>) -> Vec<String> {
    match (region, regions) {
        (Some(_), Some(n)) => {
            r.error(n.pos, "regions", "give region or regions, not both");
            Vec::new()
        }
        (Some(n), None) => match r.string(n, "region") {
            Some(region) if arns::region_ok(&region) && !region.contains('{') => vec![region],
            Some(region) => {
                r.error(
                    n.pos,
                    "region",
                    format!("{region:?} is not an AWS region (e.g. ap-southeast-1)"),
                );
                Vec::new()
            }
            None => Vec::new(),
        },
        (None, Some(n)) => region_list(r, n, "regions").unwrap_or_default(),
        (None, None) => Vec::new(),
    }
}

/// Regions that must be among the spec's own (when it names any).
pub fn subset(
    r: &mut Reader,
    node: &Node,
    path: &str,
    spec_regions: &[String],
) -> Option<Vec<String>> {
    let list = region_list(r, node, path)?;
    if !spec_regions.is_empty()
        && let Some(bad) = list.iter().find(|x| !spec_regions.contains(x))
    {
        r.error(
            node.pos,
            path,
            format!(
                "{bad} is not one of the spec's regions ({})",
                spec_regions.join(", ")
            ),
        );
        return None;
    }
    Some(list)
}

/// A target's fields (the reader's and the schema's table).
pub const TARGET_FIELDS: &[Field] = &[
    Field::required(
        "name",
        Ty::Str,
        "Shown in plans and reports; --target NAME selects it",
    ),
    Field::required(
        "account",
        Ty::Str,
        "The target's 12-digit account id (quoted)",
    ),
    Field::required(
        "role",
        Ty::Str,
        "The role to assume there: a name in the target account, or a full ARN",
    ),
    Field::new(
        "regions",
        Ty::Strings,
        "Only these of the spec's regions (default: the spec's regions)",
    ),
    Field::new(
        "external_id",
        Ty::Str,
        "The external id the role's trust asks for",
    ),
];

pub fn read_targets(r: &mut Reader, node: &Node, spec_regions: &[String]) -> Vec<Target> {
    let Some(items) = r.list(node, "targets") else {
        return Vec::new();
    };
    let mut out: Vec<Target> = Vec::new();
    for (path, item) in items {
        let Some(f) = r.fields(item, &path, TARGET_FIELDS) else {
            continue;
        };
        let name = match f.get("name") {
            None => {
                r.error(
                    item.pos,
                    &f.path_of("name"),
                    "missing; name the target, e.g. prod",
                );
                None
            }
            Some(n) => r.string(n, &f.path_of("name")).filter(|s| {
                let ok = !s.is_empty()
                    && s.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b"-_".contains(&b));
                if !ok {
                    r.error(
                        n.pos,
                        &f.path_of("name"),
                        "expected letters, digits, - or _",
                    );
                }
                ok
            }),
        };
        let account = match f.get("account") {
            None => {
                r.error(
                    item.pos,
                    &f.path_of("account"),
                    "missing; the target's 12-digit account id",
                );
                None
            }
            Some(n) => {
                let text = match &n.value {
                    Value::String(s) => s.clone(),
                    Value::Int(i) => format!("{i:012}"),
                    _ => String::new(),
                };
                if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
                    Some(text)
                } else {
                    r.error(
                        n.pos,
                        &f.path_of("account"),
                        "expected a 12-digit account id (quote it: \"012345678901\")",
                    );
                    None
                }
            }
        };
        let role = match f.get("role") {
            None => {
                r.error(
                    item.pos,
                    &f.path_of("role"),
                    "missing; the role to assume in the target account (a name or an ARN)",
                );
                None
            }
            Some(n) => r.string(n, &f.path_of("role")),
        };
        let role_arn = match (&role, &account) {
            (Some(role), Some(account)) if role.starts_with("arn:") => {
                let n = f.get("role").expect("read above");
                match arns::check_role_arn(role) {
                    Err(e) => {
                        r.error(n.pos, &f.path_of("role"), e);
                        None
                    }
                    Ok(()) if role.split(':').nth(4) != Some(account.as_str()) => {
                        r.error(
                            n.pos,
                            &f.path_of("role"),
                            format!("{role} is in another account than the target's {account}"),
                        );
                        None
                    }
                    Ok(()) => Some(role.clone()),
                }
            }
            (Some(role), Some(account)) => {
                let arn = format!("arn:{{partition}}:iam::{account}:role/{role}");
                match arns::check_role_arn(&arn) {
                    Ok(()) => Some(arn),
                    Err(e) => {
                        r.error(
                            f.get("role").expect("read above").pos,
                            &f.path_of("role"),
                            e,
                        );
                        None
                    }
                }
            }
            _ => None,
        };
        let regions = match f.get("regions") {
            None => Some(Vec::new()),
            Some(n) => subset(r, n, &f.path_of("regions"), spec_regions),
        };
        let external_id = f
            .get("external_id")
            .and_then(|n| r.string(n, &f.path_of("external_id")));
        let (Some(name), Some(account), Some(role_arn), Some(regions)) =
            (name, account, role_arn, regions)
        else {
            continue;
        };
        if out.iter().any(|t| t.name == name) {
            r.error(
                item.pos,
                &join(&path, "name"),
                format!("target {name:?} is named twice"),
            );
            continue;
        }
        out.push(Target {
            name,
            account,
            role_arn,
            external_id,
            regions,
        });
    }
    out
}
