//! `registry.pull_time_update_exclusions`: principals whose pulls do not count as pulls, each a
//! role of this spec (by name) or a role or user ARN.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::kinds::pull_time_exclusion::{MAX_EXCLUSIONS, PullTimeExclusion};
use crate::model::{Observed, Resource};
use crate::spec::fields::{Field, Ty};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, from_field};
use crate::spec::yaml::Node;
use crate::spec::{Context, arns, names};

const FIELD: Field = Field::new(
    "pull_time_update_exclusions",
    Ty::Strings,
    "Principals whose pulls do not update an image's last recorded pull time \
     (RegisterPullTimeUpdateExclusion): a role of this spec, or a role or user ARN",
);

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for PullTimeExclusion {}

impl RegistryPart for PullTimeExclusion {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 40;

    fn read(r: &mut Reader, section: &Fields<'_>, scope: &Scope<'_>) -> Vec<Resource> {
        from_field(section, &FIELD, |n, path| {
            read_pull_time_exclusions(r, scope.ctx, n, path, scope.roles)
        })
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 20,
        layout: Layout::FlowList,
    });

    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        Ok(vec![self.principal_arn.clone().into()])
    }
}

pub(crate) fn read_pull_time_exclusions(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    roles: &BTreeSet<String>,
) -> Vec<Resource> {
    let Some(items) = r.list(node, path) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let count = items.len();
    for (item_path, item) in items {
        let Some(text) = r.string(item, &item_path) else {
            continue;
        };
        let text = match names::expand(&text, &ctx.prefix) {
            Ok(t) => t,
            Err(e) => {
                r.error(item.pos, &item_path, e);
                continue;
            }
        };
        let arn = match principal_arn(&text, roles) {
            Ok(arn) => arn,
            Err(e) => {
                r.error(item.pos, &item_path, e);
                continue;
            }
        };
        if !seen.insert(arn.clone()) {
            r.error(item.pos, &item_path, format!("{text:?} is listed already"));
            continue;
        }
        out.push(Resource::PullTimeExclusion(PullTimeExclusion {
            principal_arn: arn,
            tags: Default::default(),
        }));
    }
    if count > MAX_EXCLUSIONS {
        r.error(
            node.pos,
            path,
            format!("{count} exclusions; ECR holds at most {MAX_EXCLUSIONS} per account"),
        );
    }
    out
}

/// The ARN of a spec role's name, or a role or user ARN as written.
fn principal_arn(text: &str, roles: &BTreeSet<String>) -> Result<String, String> {
    if !text.starts_with("arn:") {
        return if roles.contains(text) {
            Ok(format!("arn:{{partition}}:iam::{{account}}:role/{text}"))
        } else {
            Err(format!(
                "{text:?} is no role of this spec; name one of its roles, or give a role or user ARN"
            ))
        };
    }
    arns::check_role_or_user_arn(text).map_err(|e| {
        format!("expected a role or user ARN, as ECR registers only roles and users: {e}")
    })?;
    Ok(text.to_string())
}
