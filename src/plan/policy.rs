//! Planning a managed policy: a document change is a new default version; tags in place.

use super::{Action, AttributeChange, Change, Op, tag_ops};
use crate::model::Live;
use crate::model::{Address, Env, Kind, ManagedPolicy, Resource, TagTarget};

pub fn diff(want: &ManagedPolicy, live: Option<&Live>, env: &Env) -> Option<Change> {
    let address = Address::new(Kind::Policy, &want.name);
    let Some(live) = live else {
        let attributes = super::create_attributes(&Resource::Policy(want.clone()));
        let ops = vec![Op::CreatePolicy {
            name: want.name.clone(),
            description: want.description.clone(),
            document: want.document.to_json_string(),
            tags: want.tags.clone(),
        }];
        return Some(Change::new(address, Action::Create, attributes, ops));
    };
    let Resource::Policy(have) = &live.resource else {
        return None;
    };
    let arn = if live.arn.is_empty() {
        env.iam_arn("policy", &want.name)
    } else {
        live.arn.clone()
    };
    let mut attributes = Vec::new();
    let mut ops = Vec::new();
    if want.document != have.document {
        attributes.push(AttributeChange::new(
            "document",
            Some(have.document.original().clone()),
            Some(want.document.original().clone()),
        ));
        ops.push(Op::CreatePolicyVersion {
            arn: arn.clone(),
            document: want.document.to_json_string(),
        });
    }
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::Policy { arn },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))
}

pub fn delete(live: &Live) -> Change {
    let mut change = Change::new(
        live.resource.address(),
        Action::Delete,
        Vec::new(),
        vec![Op::DeletePolicy {
            arn: live.arn.clone(),
        }],
    );
    change
        .notes
        .push("detached from every role, user and group first".into());
    change
}
