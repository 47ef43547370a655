//! The least-privilege IAM policy a caller needs to run `plan`, `drift` or `apply` on a spec,
//! derived from the declarations of every call: observe's reads ([`crate::observe::READS`]),
//! each op's calls and IAM dependents ([`crate::plan::calls::OPS`]) and the apply lock
//! ([`crate::lock::ACTIONS`]). Pure: the spec's units of one account in, one policy document out.
//!
//! Each action is scoped to the spec's own ARNs wherever AWS supports resource-level permissions
//! (the Service Authorization Reference): its repositories, roles, policies, provider, users, the
//! SSM record and lock paths, the roles it passes to ECR and the KMS keys it names, plus the
//! prefix-named resources it may prune. `*` only where AWS allows nothing narrower: the IAM and
//! ECR listings, and every registry-wide setting, pull-through cache rule and creation template
//! (ECR defines no resource type for them).

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::model::access_fact::AccessFact;
use crate::model::{Desired, Env, Kind};
use crate::model::{ManagedPolicy, OidcProvider, Repository, Role, UserAttachment};
use crate::observe::{READS, ReadScope};
use crate::plan::calls::{Dependent, OPS};

/// Which command the policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum For {
    /// Read live state and plan.
    Plan,
    /// Plan and make every change the spec may need (with its lock).
    Apply,
    /// Read live state and report drift (the same reads as plan).
    Drift,
    /// Everything: the same as apply.
    All,
}

/// One account: its partition and id (`*` when not known offline), and the spec's units in it.
pub struct Account<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub units: Vec<&'a Desired>,
}

/// The ARNs the spec's resources of one kind have in this account, prefix patterns included.
struct Arns<'a> {
    account: &'a Account<'a>,
}

impl Arns<'_> {
    fn iam(&self, kind: &str, name: &str) -> String {
        format!(
            "arn:{}:iam::{}:{kind}/{name}",
            self.account.partition, self.account.account
        )
    }

    fn in_region(&self, service: &str, region: &str, resource: &str) -> String {
        format!(
            "arn:{}:{service}:{region}:{}:{resource}",
            self.account.partition, self.account.account
        )
    }

    fn bind(&self, unit: &Desired, text: &str) -> String {
        text.replace("{partition}", self.account.partition)
            .replace("{account}", self.account.account)
            .replace("{region}", &unit.region)
    }

    /// Prefix patterns of names observe reads as prune candidates (`betekk-…`, `betekk/…`,
    /// `betekk_…`), as typed and in upper case (roles use `{PREFIX}`).
    fn candidates(unit: &Desired) -> Vec<String> {
        let prefix = &unit.project_prefix;
        let mut out = Vec::new();
        for case in [prefix.to_lowercase(), prefix.to_uppercase(), prefix.clone()] {
            for sep in ['-', '/', '_'] {
                out.push(format!("{case}{sep}*"));
            }
        }
        out.sort();
        out.dedup();
        out
    }

    fn iam_unit(&self) -> Option<&Desired> {
        self.account.units.iter().copied().find(|u| u.manages_iam)
    }

    fn roles(&self, candidates: bool) -> Vec<String> {
        let Some(unit) = self.iam_unit() else {
            return Vec::new();
        };
        // The path is part of the ARN: `role/ci/NAME` for path `/ci/`.
        let mut out: Vec<String> = unit
            .all::<Role>()
            .map(|r| self.iam("role", &format!("{}{}", &r.path[1..], r.name)))
            .collect();
        if candidates {
            out.extend(Self::candidates(unit).iter().map(|p| self.iam("role", p)));
            // Roles with a path (`role/ci/NAME`) left the spec may be pruned too.
            out.extend(
                Self::candidates(unit)
                    .iter()
                    .map(|p| self.iam("role", &format!("*/{p}"))),
            );
        }
        out
    }

    fn policies(&self, candidates: bool) -> Vec<String> {
        let Some(unit) = self.iam_unit() else {
            return Vec::new();
        };
        let mut out: Vec<String> = unit
            .all::<ManagedPolicy>()
            .map(|p| self.iam("policy", &p.name))
            .collect();
        if candidates {
            out.extend(Self::candidates(unit).iter().map(|p| self.iam("policy", p)));
        }
        out
    }

    fn repositories(&self, candidates: bool) -> Vec<String> {
        let mut out = Vec::new();
        for unit in &self.account.units {
            for repo in unit.all::<Repository>() {
                out.push(self.in_region("ecr", &unit.region, &format!("repository/{}", repo.name)));
            }
            if candidates {
                for pattern in Self::candidates(unit) {
                    if pattern.chars().all(|c| !c.is_ascii_uppercase()) {
                        out.push(self.in_region(
                            "ecr",
                            &unit.region,
                            &format!("repository/{pattern}"),
                        ));
                    }
                }
            }
        }
        out
    }

    fn every_repository(&self) -> Vec<String> {
        self.regions()
            .map(|region| self.in_region("ecr", region, "repository/*"))
            .collect()
    }

    fn regions(&self) -> impl Iterator<Item = &str> {
        self.account.units.iter().map(|u| u.region.as_str())
    }

    fn provider(&self) -> Vec<String> {
        self.iam_unit()
            .and_then(|d| d.all::<OidcProvider>().next())
            .map(|p| vec![self.iam("oidc-provider", p.host())])
            .unwrap_or_default()
    }

    fn users(&self) -> Vec<String> {
        let Some(unit) = self.iam_unit() else {
            return Vec::new();
        };
        unit.all::<UserAttachment>()
            .map(|a| self.iam("user", &a.user))
            .collect()
    }

    /// Policies outside the spec that its roles attach or use as a boundary.
    fn external_policies(&self) -> Vec<String> {
        let Some(unit) = self.iam_unit() else {
            return Vec::new();
        };
        let own: BTreeSet<String> = self.policies(false).into_iter().collect();
        unit.all::<Role>()
            .flat_map(|r| r.policies.iter().chain(&r.permissions_boundary))
            .map(|arn| self.bind(unit, arn))
            .filter(|arn| !own.contains(arn))
            .collect()
    }

    fn parameters(&self, path: &str) -> Vec<String> {
        let Some(unit) = self.iam_unit().or(self.account.units.first().copied()) else {
            return Vec::new();
        };
        vec![self.in_region(
            "ssm",
            &unit.region,
            &format!("parameter{}", path.trim_end_matches('/')),
        )]
    }

    fn has_registry(&self) -> bool {
        self.account
            .units
            .iter()
            .any(|u| u.resources.iter().any(|r| r.kind().in_registry_record()))
    }

    fn read(&self, scope: ReadScope) -> Vec<String> {
        match scope {
            ReadScope::Anything => vec!["*".into()],
            ReadScope::EveryRepository => self.every_repository(),
            ReadScope::Repositories => self.repositories(false),
            ReadScope::RepositoriesAndCandidates => self.repositories(true),
            ReadScope::Provider => self.provider(),
            ReadScope::Roles => self.roles(true),
            ReadScope::Policies => self.policies(true),
            ReadScope::ExternalPolicies => self.external_policies(),
            ReadScope::Users => self.users(),
            ReadScope::RecordPath => self.parameters(crate::model::registry_record::RECORD_PATH),
            ReadScope::Registry if self.has_registry() => vec!["*".into()],
            ReadScope::Registry => Vec::new(),
        }
    }

    /// What the writes of one kind act on; `None` when this spec cannot write that kind.
    fn written(&self, kind: Kind) -> Vec<String> {
        match kind {
            Kind::Repository => self.repositories(true),
            Kind::Role => self.roles(true),
            Kind::Policy => self.policies(true),
            Kind::OidcProvider => self.provider(),
            Kind::UserAttachment => self.users(),
            kind if kind.in_registry_record() && self.has_registry() => vec!["*".into()],
            kind if kind.in_registry_record() => Vec::new(),
            Kind::RegistryRecord if self.has_registry() => self
                .account
                .units
                .iter()
                .map(|u| {
                    self.in_region(
                        "ssm",
                        &u.region,
                        &format!(
                            "parameter{}",
                            crate::model::registry_record::parameter_name(&u.stack)
                        ),
                    )
                })
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// Statements being gathered: actions by the resources they act on.
#[derive(Default)]
struct Statements {
    plain: BTreeMap<BTreeSet<String>, BTreeSet<&'static str>>,
    special: Vec<Value>,
}

impl Statements {
    fn allow(&mut self, action: &'static str, resources: Vec<String>) {
        if resources.is_empty() {
            return;
        }
        // An action on `*` needs no narrower grant beside it.
        let key: BTreeSet<String> = if resources.iter().any(|r| r == "*") {
            ["*".to_string()].into()
        } else {
            resources.into_iter().collect()
        };
        self.plain.entry(key).or_default().insert(action);
    }

    fn document(self) -> Value {
        // One statement per resource set, the actions that share it merged.
        let mut by_actions: BTreeMap<BTreeSet<&'static str>, BTreeSet<String>> = BTreeMap::new();
        for (resources, actions) in self.plain {
            // Keep the resources that are exactly one set's apart: merging only identical sets.
            by_actions.entry(actions).or_default().extend(resources);
        }
        let mut statements: Vec<Value> = by_actions
            .into_iter()
            .map(|(actions, resources)| {
                json!({
                    "Effect": "Allow",
                    "Action": actions.into_iter().collect::<Vec<_>>(),
                    "Resource": resources.into_iter().collect::<Vec<_>>(),
                })
            })
            .collect();
        statements.sort_by_key(|s| s["Action"][0].as_str().unwrap_or_default().to_string());
        statements.extend(self.special);
        for (i, statement) in statements.iter_mut().enumerate() {
            if let Value::Object(map) = statement {
                let mut with_sid = serde_json::Map::new();
                with_sid.insert("Sid".into(), json!(format!("BetekkEcr{}", i + 1)));
                with_sid.extend(std::mem::take(map));
                *map = with_sid;
            }
        }
        json!({"Version": "2012-10-17", "Statement": statements})
    }
}

/// The policy document for `command` on the spec's units in `account`.
pub fn document(account: &Account<'_>, command: For) -> Value {
    let arns = Arns { account };
    let mut out = Statements::default();
    let reads_only = matches!(command, For::Plan | For::Drift);
    for (action, scope) in READS.iter() {
        // GetCallerIdentity needs no permission; listed all the same, as AWS's own examples do.
        out.allow(action, arns.read(*scope));
    }
    if reads_only {
        return out.document();
    }
    let mut detaches = BTreeSet::new();
    let mut passes = false;
    for row in OPS.iter() {
        let resources = arns.written(row.kind);
        if resources.is_empty() {
            continue;
        }
        for call in row.calls {
            // A call observe also makes is granted by its read's scope (the listings need `*`).
            if READS.iter().any(|(read, _)| read == call) {
                continue;
            }
            // Pruning a policy detaches it from whoever has it: any role, user or group, but
            // only that policy (the condition below).
            if row.op == "delete_policy" || row.op == "detach_group_policy" {
                detaches.insert(*call);
                continue;
            }
            out.allow(call, resources.clone());
        }
        for dependent in row.dependent {
            match dependent {
                Dependent::WithTags(action) => out.allow(action, resources.clone()),
                Dependent::PassRole => passes = true,
                Dependent::Always(action) => {
                    // A creation template is checked for the repository writes it will make,
                    // on the repositories it shapes.
                    out.allow(action, template_repositories(&arns));
                }
            }
        }
    }
    // Detaching a pruned policy from every role, user and group that has it.
    if !arns.policies(true).is_empty() {
        out.allow("iam:DeletePolicy", arns.policies(true));
        let mut actions: Vec<&str> = detaches
            .into_iter()
            .filter(|a| *a != "iam:DeletePolicy")
            .chain(["iam:DetachRolePolicy", "iam:DetachUserPolicy"])
            .collect();
        actions.sort_unstable();
        actions.dedup();
        out.special.push(json!({
            "Effect": "Allow",
            "Action": actions,
            "Resource": [arns.iam("role", "*"), arns.iam("user", "*"), arns.iam("group", "*")],
            "Condition": {"ArnLike": {"iam:PolicyARN": arns.policies(true)}},
        }));
    }
    if passes {
        let roles = passed_roles(&arns);
        if !roles.is_empty() {
            out.special.push(json!({
                "Effect": "Allow",
                "Action": ["iam:PassRole"],
                "Resource": roles,
                "Condition": {"StringEquals": {"iam:PassedToService": "ecr.amazonaws.com"}},
            }));
        }
    }
    let keys = kms_keys(&arns);
    if !keys.is_empty() {
        // ECR describes the key and creates grants on it as the caller when it creates a
        // repository encrypted with it.
        for action in ["kms:CreateGrant", "kms:DescribeKey", "kms:RetireGrant"] {
            out.allow(action, keys.clone());
        }
    }
    for action in crate::lock::ACTIONS {
        out.allow(action, lock_parameters(&arns));
    }
    out.document()
}

/// Every access fact of every unit's resources, with its unit.
fn facts<'a>(arns: &'a Arns<'_>) -> impl Iterator<Item = (&'a Desired, AccessFact)> + 'a {
    arns.account.units.iter().flat_map(move |&unit| {
        let env = Env {
            account: arns.account.account.to_string(),
            partition: arns.account.partition.to_string(),
            region: unit.region.clone(),
        };
        unit.resources
            .iter()
            .flat_map(move |r| r.unit().access(&env))
            .map(move |fact| (unit, fact))
    })
}

fn template_repositories(arns: &Arns<'_>) -> Vec<String> {
    facts(arns)
        .filter_map(|(unit, fact)| match fact {
            AccessFact::ShapesRepositories { prefix } => {
                Some(arns.in_region("ecr", &unit.region, &format!("repository/{prefix}*")))
            }
            _ => None,
        })
        .collect()
}

fn passed_roles(arns: &Arns<'_>) -> Vec<String> {
    let roles: BTreeSet<String> = facts(arns)
        .filter_map(|(unit, fact)| match fact {
            AccessFact::PassedRole(arn) => Some(arns.bind(unit, &arn)),
            _ => None,
        })
        .collect();
    roles.into_iter().collect()
}

fn kms_keys(arns: &Arns<'_>) -> Vec<String> {
    let keys: BTreeSet<String> = facts(arns)
        .filter_map(|(unit, fact)| match fact {
            // A key ARN as given; an alias or key id resolves to some key of the region.
            AccessFact::KmsKey(key) if key.starts_with("arn:") && key.contains(":key/") => {
                Some(arns.bind(unit, &key))
            }
            AccessFact::KmsKey(_) => Some(arns.in_region("kms", &unit.region, "key/*")),
            _ => None,
        })
        .collect();
    keys.into_iter().collect()
}

fn lock_parameters(arns: &Arns<'_>) -> Vec<String> {
    let Some(unit) = arns.iam_unit().or(arns.account.units.first().copied()) else {
        return Vec::new();
    };
    vec![arns.in_region(
        "ssm",
        &unit.region,
        &format!("parameter{}*", crate::lock::parameter_name(&unit.stack)),
    )]
}

#[cfg(test)]
#[path = "permissions_tests.rs"]
mod tests;
