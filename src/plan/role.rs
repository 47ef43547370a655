//! Planning a role: trust policy, settings, permissions boundary, tags, and the exclusive set of
//! attached managed policies (anything attached out of band is detached).

use serde_json::{Value, json};

use super::{Action, AttributeChange, Change, Op, tag_ops};
use crate::model::Live;
use crate::model::{Address, Kind, Resource, Role, TagTarget};

pub fn diff(want: &Role, live: Option<&Live>) -> Option<Change> {
    let address = Address::new(Kind::Role, &want.name);
    let role = want.name.clone();
    let Some(live) = live else {
        let attributes = super::create_attributes(&Resource::Role(want.clone()));
        let mut ops = vec![Op::CreateRole {
            name: want.name.clone(),
            description: want.description.clone(),
            trust_policy: want.trust_policy.to_json_string(),
            max_session_duration: want.max_session_duration,
            permissions_boundary: want.permissions_boundary.clone(),
            tags: want.tags.clone(),
        }];
        ops.extend(want.policies.iter().map(|arn| Op::AttachRolePolicy {
            role: role.clone(),
            policy_arn: arn.clone(),
        }));
        ops.extend(
            want.inline_policies
                .iter()
                .map(|(name, doc)| Op::PutRolePolicy {
                    role: role.clone(),
                    name: name.clone(),
                    document: doc.to_json_string(),
                }),
        );
        return Some(Change::new(address, Action::Create, attributes, ops));
    };
    let Resource::Role(have) = &live.resource else {
        return None;
    };
    let mut attributes = Vec::new();
    let mut ops = Vec::new();
    if want.trust_policy != have.trust_policy {
        attributes.push(AttributeChange::new(
            "trust_policy",
            Some(have.trust_policy.original().clone()),
            Some(want.trust_policy.original().clone()),
        ));
        ops.push(Op::UpdateTrustPolicy {
            role: role.clone(),
            document: want.trust_policy.to_json_string(),
        });
    }
    let description_differs = want.description != have.description;
    let session_differs = want.max_session_duration != have.max_session_duration;
    if description_differs {
        attributes.push(AttributeChange::new(
            "description",
            Some(json!(have.description)),
            Some(json!(want.description)),
        ));
    }
    if session_differs {
        attributes.push(AttributeChange::new(
            "max_session_duration",
            Some(json!(have.max_session_duration)),
            Some(json!(want.max_session_duration)),
        ));
    }
    if description_differs || session_differs {
        ops.push(Op::UpdateRole {
            role: role.clone(),
            description: want.description.clone(),
            max_session_duration: want.max_session_duration,
        });
    }
    if want.permissions_boundary != have.permissions_boundary {
        attributes.push(AttributeChange::new(
            "permissions_boundary",
            Some(json!(have.permissions_boundary)),
            Some(json!(want.permissions_boundary)),
        ));
        ops.push(match &want.permissions_boundary {
            Some(arn) => Op::PutPermissionsBoundary {
                role: role.clone(),
                policy_arn: arn.clone(),
            },
            None => Op::DeletePermissionsBoundary { role: role.clone() },
        });
    }
    if want.policies != have.policies {
        attributes.push(AttributeChange::new(
            "policies",
            Some(json!(have.policies)),
            Some(json!(want.policies)),
        ));
        for arn in want.policies.iter().filter(|p| !have.policies.contains(p)) {
            ops.push(Op::AttachRolePolicy {
                role: role.clone(),
                policy_arn: arn.clone(),
            });
        }
        for arn in have.policies.iter().filter(|p| !want.policies.contains(p)) {
            ops.push(Op::DetachRolePolicy {
                role: role.clone(),
                policy_arn: arn.clone(),
            });
        }
    }
    if want.inline_policies != have.inline_policies {
        let shown = |r: &Role| {
            Value::Object(
                r.inline_policies
                    .iter()
                    .map(|(k, d)| (k.clone(), d.original().clone()))
                    .collect(),
            )
        };
        attributes.push(AttributeChange::new(
            "inline_policies",
            Some(shown(have)),
            Some(shown(want)),
        ));
        for (name, doc) in &want.inline_policies {
            if have.inline_policies.get(name) != Some(doc) {
                ops.push(Op::PutRolePolicy {
                    role: role.clone(),
                    name: name.clone(),
                    document: doc.to_json_string(),
                });
            }
        }
        // Roles are exclusive: an inline policy added out of band is removed.
        for name in have
            .inline_policies
            .keys()
            .filter(|n| !want.inline_policies.contains_key(*n))
        {
            ops.push(Op::DeleteRolePolicy {
                role: role.clone(),
                name: name.clone(),
            });
        }
    }
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::Role { name: role },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))
}

/// Its managed policies detached and its inline policies deleted, then deleted: IAM refuses to
/// delete a role that still has either.
pub fn delete(live: &Live) -> Change {
    let Resource::Role(have) = &live.resource else {
        unreachable!("role::delete is only called for roles");
    };
    let role = have.name.clone();
    let mut ops: Vec<Op> = have
        .policies
        .iter()
        .map(|arn| Op::DetachRolePolicy {
            role: role.clone(),
            policy_arn: arn.clone(),
        })
        .collect();
    ops.extend(
        have.inline_policies
            .keys()
            .map(|name| Op::DeleteRolePolicy {
                role: role.clone(),
                name: name.clone(),
            }),
    );
    ops.push(Op::DeleteRole { role });
    Change::new(live.resource.address(), Action::Delete, Vec::new(), ops)
}
