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
pub(crate) struct Placement {
    /// The regions the spec names (`region:` or `regions:`); empty when it names none.
    pub(crate) regions: Vec<String>,
    /// Empty: the caller's own account.
    pub(crate) targets: Vec<Target>,
    /// Repository name → the regions it is limited to (absent: every region).
    pub(crate) repository_regions: BTreeMap<String, Vec<String>>,
}

impl Placement {
    /// Whether the spec reaches beyond one account and one region (plans then group by target).
    pub(crate) fn fans_out(&self) -> bool {
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
pub(crate) fn read_regions(
    r: &mut Reader,
    region: Option<&Node>,
    regions: Option<&Node>,
) -> Vec<String> {
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
pub(crate) fn subset(
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
pub(crate) const TARGET_FIELDS: &[Field] = &[
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

pub(crate) fn read_targets(r: &mut Reader, node: &Node, spec_regions: &[String]) -> Vec<Target> {
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
                if crate::model::is_account_id(&text) {
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

/// One account and region the spec is planned and applied in.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Unit {
    /// `None`: the caller's own account.
    pub(crate) target: Option<Target>,
    /// What this account and region must hold: the repositories placed here, and the IAM side
    /// only in the first region of the account (IAM is global).
    pub(crate) desired: crate::model::Desired,
}

impl Unit {
    pub(crate) fn region(&self) -> &str {
        &self.desired.region
    }

    /// `prod (111111111111) ap-southeast-1`, or just the region for the caller's account.
    pub(crate) fn label(&self) -> String {
        match &self.target {
            Some(t) => format!("{} ({}) {}", t.name, t.account, self.region()),
            None => self.region().to_string(),
        }
    }
}

/// The repository ARNs of a document, one per region of the account when it has several: an
/// `ecr_push` or `lambda_deploy` policy covers its repositories in every region of its account.
fn spread_regions(value: &serde_json::Value, regions: &[String]) -> serde_json::Value {
    use serde_json::Value as J;
    let spread = |s: &str| -> Vec<J> {
        if s.contains("{region}") {
            regions
                .iter()
                .map(|r| J::String(s.replace("{region}", r)))
                .collect()
        } else {
            vec![J::String(s.to_string())]
        }
    };
    match value {
        J::String(s) if s.contains("{region}") => J::Array(spread(s)),
        J::Array(items) => J::Array(
            items
                .iter()
                .flat_map(|v| match v {
                    J::String(s) => spread(s),
                    other => vec![spread_regions(other, regions)],
                })
                .collect(),
        ),
        J::Object(map) => J::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), spread_regions(v, regions)))
                .collect(),
        ),
        other => other.clone(),
    }
}

impl Placement {
    /// The units a command runs: every target (or the caller's account) × its regions among
    /// `chosen` (the regions the command runs in), narrowed to `only_target` when given.
    pub(crate) fn units(
        &self,
        desired: &crate::model::Desired,
        chosen: &[String],
        only_target: Option<&str>,
    ) -> Result<Vec<Unit>, String> {
        use crate::model::{PolicyDocument, Resource};
        let targets: Vec<Option<&Target>> = if self.targets.is_empty() {
            if let Some(name) = only_target {
                return Err(format!("--target {name}: the spec has no targets"));
            }
            vec![None]
        } else {
            let selected: Vec<Option<&Target>> = self
                .targets
                .iter()
                .filter(|t| only_target.is_none_or(|n| n == t.name))
                .map(Some)
                .collect();
            if selected.is_empty() {
                let names: Vec<&str> = self.targets.iter().map(|t| t.name.as_str()).collect();
                return Err(format!(
                    "--target {}: no such target (the spec has {})",
                    only_target.unwrap_or_default(),
                    names.join(", ")
                ));
            }
            selected
        };
        let mut out = Vec::new();
        for target in targets {
            // The account's regions as the spec names them (documents cover all of them), and
            // the ones this command runs in.
            let account_regions: Vec<String> = match target {
                Some(t) if !t.regions.is_empty() => t.regions.clone(),
                _ if !self.regions.is_empty() => self.regions.clone(),
                _ => chosen.to_vec(),
            };
            let here: Vec<&String> = chosen
                .iter()
                .filter(|r| account_regions.contains(r) || self.regions.is_empty())
                .collect();
            for (i, region) in here.iter().enumerate() {
                let manages_iam = i == 0;
                let resources = desired
                    .resources
                    .iter()
                    .filter(|r| match r {
                        Resource::Repository(repo) => self
                            .repository_regions
                            .get(&repo.name)
                            .is_none_or(|rs| rs.contains(region)),
                        _ => manages_iam,
                    })
                    .map(|r| match r {
                        Resource::Policy(p) if account_regions.len() > 1 => {
                            let mut p = p.clone();
                            p.document = PolicyDocument::from_json(spread_regions(
                                p.document.original(),
                                &account_regions,
                            ))
                            .expect("spreading ARNs over regions keeps a document valid");
                            Resource::Policy(p)
                        }
                        other => other.clone(),
                    })
                    .collect();
                out.push(Unit {
                    target: target.cloned(),
                    desired: crate::model::Desired {
                        region: (*region).clone(),
                        resources,
                        manages_iam,
                        ..desired.clone()
                    },
                });
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{Kind, Resource};
    use crate::testing::spec;

    const SPEC: &str = "version: 1\nstack: multi\nregions: [ap-southeast-1, ap-southeast-2]\ntargets:\n  - {name: prod, account: \"111111111111\", role: Provisioner}\n  - {name: staging, account: \"222222222222\", role: \"arn:aws:iam::222222222222:role/P\", regions: [ap-southeast-2]}\nrepositories:\n  - name: app\n  - name: sg-only\n    regions: [ap-southeast-1]\npolicies:\n  - name: push\n    ecr_push: [app]\nroles:\n  - name: ci\n    github_trust: {repositories: [app]}\n    policies: [push]\n";

    fn names(u: &super::Unit, kind: Kind) -> Vec<String> {
        u.desired
            .resources
            .iter()
            .map(Resource::address)
            .filter(|a| a.kind == kind)
            .map(|a| a.name)
            .collect()
    }

    #[test]
    fn every_target_and_region_once_with_iam_in_the_first_region_of_each_account() {
        let s = spec(SPEC);
        let all = s.placement.regions.clone();
        let units = s.placement.units(&s.desired, &all, None).unwrap();
        let labels: Vec<String> = units.iter().map(super::Unit::label).collect();
        assert_eq!(
            labels,
            [
                "prod (111111111111) ap-southeast-1",
                "prod (111111111111) ap-southeast-2",
                "staging (222222222222) ap-southeast-2"
            ]
        );
        let iam: Vec<bool> = units.iter().map(|u| u.desired.manages_iam).collect();
        assert_eq!(iam, [true, false, true], "IAM once per account");
        assert_eq!(names(&units[0], Kind::Repository), ["app", "sg-only"]);
        assert_eq!(
            names(&units[1], Kind::Repository),
            ["app"],
            "sg-only stays in its region"
        );
        assert!(names(&units[1], Kind::Role).is_empty());
        assert_eq!(names(&units[2], Kind::Role), ["ci"]);
        // The push policy covers the repository in both regions of prod, only in staging's one.
        let push = |u: &super::Unit| {
            u.desired
                .all::<crate::model::ManagedPolicy>()
                .next()
                .unwrap()
                .document
                .original()["Statement"][1]["Resource"]
                .clone()
        };
        assert_eq!(
            push(&units[0]),
            serde_json::json!([
                "arn:{partition}:ecr:ap-southeast-1:{account}:repository/app",
                "arn:{partition}:ecr:ap-southeast-2:{account}:repository/app"
            ])
        );
        assert_eq!(
            push(&units[2]),
            serde_json::json!(["arn:{partition}:ecr:{region}:{account}:repository/app"])
        );
        let staging = units[2].target.as_ref().unwrap();
        assert_eq!(staging.role_arn, "arn:aws:iam::222222222222:role/P");
        assert_eq!(
            units[0].target.as_ref().unwrap().role_arn,
            "arn:{partition}:iam::111111111111:role/Provisioner"
        );
    }

    #[test]
    fn target_and_region_selection() {
        let s = spec(SPEC);
        let sydney = vec!["ap-southeast-2".to_string()];
        let units = s
            .placement
            .units(&s.desired, &sydney, Some("prod"))
            .unwrap();
        assert_eq!(units.len(), 1);
        assert!(
            units[0].desired.manages_iam,
            "the first region this run touches owns IAM"
        );
        assert!(
            s.placement
                .units(&s.desired, &sydney, Some("dev"))
                .unwrap_err()
                .contains("no such target (the spec has prod, staging)")
        );
        let single = spec("version: 1\nstack: one\nrepositories: [{name: app}]\n");
        let units = single
            .placement
            .units(&single.desired, &["us-east-1".to_string()], None)
            .unwrap();
        assert_eq!(units.len(), 1);
        assert_eq!(
            units[0].desired,
            crate::model::Desired {
                region: "us-east-1".into(),
                ..single.desired.clone()
            }
        );
        assert!(
            single
                .placement
                .units(&single.desired, &["us-east-1".to_string()], Some("x"))
                .is_err()
        );
    }

    #[test]
    fn placement_mistakes_are_spec_errors() {
        let errors = crate::testing::spec_errors(
            "version: 1\nstack: t\nregion: ap-southeast-1\nregions: [ap-southeast-1]\n",
        );
        assert!(
            errors[0].contains("regions: give region or regions, not both"),
            "{errors:?}"
        );
        let errors = crate::testing::spec_errors(
            "version: 1\nstack: t\nregions: [ap-southeast-1]\nrepositories:\n  - {name: app, regions: [eu-west-1]}\n",
        );
        assert!(
            errors[0].contains("eu-west-1 is not one of the spec's regions (ap-southeast-1)"),
            "{errors:?}"
        );
        let errors = crate::testing::spec_errors(
            "version: 1\nstack: t\ntargets:\n  - {name: p, account: \"111111111111\", role: \"arn:aws:iam::222222222222:role/R\"}\n",
        );
        assert!(
            errors[0].contains("is in another account than the target's 111111111111"),
            "{errors:?}"
        );
        let errors = crate::testing::spec_errors(
            "version: 1\nstack: t\ntargets:\n  - {name: p, account: \"1111\", role: R}\n",
        );
        assert!(
            errors[0].contains("expected a 12-digit account id"),
            "{errors:?}"
        );
        let errors = crate::testing::spec_errors("version: 1\nstack: t\nregion: mars-1\n");
        assert!(
            errors[0].contains("\"mars-1\" is not an AWS region"),
            "{errors:?}"
        );
    }
}
