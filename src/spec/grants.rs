//! The `assume_role_grants:` section (the recipe's iam-role-assume module): an existing IAM user may
//! assume some of the spec's roles, through a policy `{prefix}_AssumeRolePolicy-<user>` attached to it.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::json;

use super::fields::{Field, Ty};
use super::reader::Reader;
use super::yaml::Node;
use super::{Context, names};
use crate::model::{ManagedPolicy, PolicyDocument, Resource, UserAttachment};

pub(crate) const FIELDS: &[Field] = &[
    Field::required("user", Ty::Str, "An existing IAM user (not created here)"),
    Field::required(
        "roles",
        Ty::Strings,
        "Roles of this spec the user may assume; a policy {prefix}_AssumeRolePolicy-USER is attached",
    ),
];

/// The grant policies and attachments, and for each of the spec's roles the users granted it
/// (they are added to its trust: AWS needs both the user's permission and the role's trust).
pub(crate) fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    spec_roles: &BTreeSet<String>,
) -> (Vec<Resource>, BTreeMap<String, Vec<String>>) {
    let mut granted: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let Some(items) = r.list(node, "assume_role_grants") else {
        return (Vec::new(), granted);
    };
    let mut out = Vec::new();
    let mut users = BTreeSet::new();
    for (path, item) in items {
        let Some(f) = r.fields(item, &path, FIELDS) else {
            continue;
        };
        let user = match f.get("user") {
            None => {
                r.error(
                    item.pos,
                    &f.path_of("user"),
                    "missing; name an existing IAM user",
                );
                None
            }
            Some(n) => r.string(n, &f.path_of("user")).filter(|u| {
                match names::check_iam_name(u, "user", 64) {
                    Ok(()) => true,
                    Err(e) => {
                        r.error(n.pos, &f.path_of("user"), e);
                        false
                    }
                }
            }),
        };
        let roles = match f.get("roles") {
            None => {
                r.error(
                    item.pos,
                    &f.path_of("roles"),
                    "missing; list the roles the user may assume",
                );
                None
            }
            Some(n) => {
                let p = f.path_of("roles");
                r.strings(n, &p).and_then(|list| {
                    let mut arns = Vec::new();
                    let mut spec_role_names = Vec::new();
                    for role in list {
                        let role = match names::expand(&role, &ctx.prefix) {
                            Ok(role) => role,
                            Err(e) => {
                                r.error(n.pos, &p, e);
                                return None;
                            }
                        };
                        if role.starts_with("arn:") {
                            if let Err(e) = super::arns::check_role_arn(&role) {
                                r.error(n.pos, &p, e);
                                return None;
                            }
                            arns.push(role);
                        } else if spec_roles.contains(&role) {
                            arns.push(format!("arn:{{partition}}:iam::{{account}}:role/{role}"));
                            spec_role_names.push(role);
                        } else {
                            r.error(n.pos, &p, format!("no role named {role:?} in this spec; name one of its roles or give a role ARN"));
                            return None;
                        }
                    }
                    (!arns.is_empty()).then_some((arns, spec_role_names))
                })
            }
        };
        let (Some(user), Some((roles, role_names))) = (user, roles) else {
            continue;
        };
        if !users.insert(user.clone()) {
            r.error(
                item.pos,
                &f.path_of("user"),
                format!("user {user:?} has a grant already; list all its roles in one"),
            );
            continue;
        }
        for role in role_names {
            granted.entry(role).or_default().push(user.clone());
        }
        let name = format!("{}_AssumeRolePolicy-{user}", ctx.prefix);
        let document = PolicyDocument::from_json(json!({
            "Version": "2012-10-17",
            "Statement": [{"Sid": "AssumeStackRoles", "Effect": "Allow", "Action": "sts:AssumeRole", "Resource": roles}]
        }))
        .expect("generated grant policies are well formed");
        out.push(Resource::Policy(ManagedPolicy {
            name: name.clone(),
            description: format!("Lets IAM user {user} assume this stack's roles"),
            document,
            tags: ctx.common_tags.clone(),
        }));
        out.push(Resource::UserAttachment(UserAttachment {
            user,
            policy_arn: format!("arn:{{partition}}:iam::{{account}}:policy/{name}"),
        }));
    }
    (out, granted)
}
