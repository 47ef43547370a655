//! The pull-through cache rules: what observe needs to know of the kind to read it.
//! One listing, only when the spec or this stack's record has some.

use std::collections::BTreeSet;

use crate::model::registry_record::RegistryRecord;
use crate::model::{Desired, PullThroughCacheRule, Resource, Tags};
use crate::observe::registry::KeyedKind;

pub(crate) const KIND: KeyedKind<PullThroughCacheRule> = KeyedKind {
    wanted,
    recorded,
    key_and_tags,
    resource: Resource::PullThroughCache,
};

fn wanted(desired: &Desired) -> BTreeSet<&str> {
    desired
        .all::<PullThroughCacheRule>()
        .map(|item| item.prefix.as_str())
        .collect()
}

fn recorded(record: &RegistryRecord) -> &std::collections::BTreeMap<String, String> {
    record.section(crate::kinds::pull_through_cache::RECORD_SECTION)
}

fn key_and_tags(item: &mut PullThroughCacheRule) -> (String, &mut Tags) {
    (item.prefix.clone(), &mut item.tags)
}
