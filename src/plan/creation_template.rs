//! Planning repository creation templates: created, every setting updated in place, deleted when
//! the stack's record lists one the spec no longer has. Ownership is the record's, so a template
//! has no tag writes of its own; repositories already created from it are not touched.

use super::{Action, AttributeChange, Change, Op};
use crate::model::creation_template::ATTRIBUTES;
use crate::model::{Address, CreationTemplate, Kind, Live, Resource};

fn address(t: &CreationTemplate) -> Address {
    Address::new(Kind::CreationTemplate, &t.prefix)
}

fn stored(t: &CreationTemplate) -> CreationTemplate {
    CreationTemplate {
        tags: Default::default(),
        ..t.clone()
    }
}

pub fn diff(want: &CreationTemplate, live: Option<&Live>) -> Option<Change> {
    let Some(Resource::CreationTemplate(have)) = live.map(|l| &l.resource) else {
        let attributes = super::create_attributes(&Resource::CreationTemplate(want.clone()));
        let ops = vec![Op::CreateCreationTemplate {
            template: stored(want),
        }];
        return Some(Change::new(address(want), Action::Create, attributes, ops));
    };
    let attributes: Vec<AttributeChange> = crate::model::attribute::changed(ATTRIBUTES, want, have)
        .into_iter()
        .map(|a| AttributeChange::new(a.name, Some((a.shown)(have)), Some((a.shown)(want))))
        .collect();
    if attributes.is_empty() {
        return None;
    }
    let mut change = Change::new(
        address(want),
        Action::Update,
        attributes,
        vec![Op::UpdateCreationTemplate {
            template: stored(want),
        }],
    );
    change.notes.push(
        "applies to repositories ECR creates from now on; existing ones keep their settings".into(),
    );
    Some(change)
}

/// Deletes a template this stack owned that left the spec.
pub fn delete(have: &CreationTemplate) -> Change {
    let attributes = have
        .attributes()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(n, v)| AttributeChange::new(n, Some(v), None))
        .collect();
    Change::new(
        address(have),
        Action::Delete,
        attributes,
        vec![Op::DeleteCreationTemplate {
            prefix: have.prefix.clone(),
        }],
    )
}
