//! The repository creation templates: what observe needs to know of the kind to read it.
//! One listing, only when the spec or this stack's record has some.

use std::collections::BTreeSet;

use crate::model::registry_record::RegistryRecord;
use crate::model::{CreationTemplate, Desired, Resource, Tags};
use crate::observe::registry::KeyedKind;

pub(crate) const KIND: KeyedKind<CreationTemplate> = KeyedKind {
    wanted,
    recorded,
    key_and_tags,
    resource: Resource::CreationTemplate,
};

fn wanted(desired: &Desired) -> BTreeSet<&str> {
    desired
        .all::<CreationTemplate>()
        .map(|item| item.prefix.as_str())
        .collect()
}

fn recorded(record: &RegistryRecord) -> &std::collections::BTreeMap<String, String> {
    record.section(crate::kinds::creation_template::RECORD_SECTION)
}

fn key_and_tags(item: &mut CreationTemplate) -> (String, &mut Tags) {
    (item.prefix.clone(), &mut item.tags)
}
