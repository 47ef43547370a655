//! The repository creation templates: what observe needs to know of the kind to read it.
//! One listing, only when the spec or this stack's record has some.

use std::collections::BTreeSet;

use crate::live::{Aws, LiveError};
use crate::model::registry_record::RegistryRecord;
use crate::model::{CreationTemplate, Desired, Resource, Tags};
use crate::observe::ReadScope;
use crate::observe::registry::KeyedKind;
use crate::observe::registry::{Found, Inventory, Read, Reading, keyed, read_keyed};

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

impl Read for CreationTemplate {
    const READS: &'static [(&'static str, ReadScope)] = &[(
        "ecr:DescribeRepositoryCreationTemplates",
        ReadScope::Registry,
    )];

    async fn read<C: Aws>(cx: &Reading<'_, C>) -> Result<Found, LiveError> {
        let live = read_keyed(
            &KIND,
            || cx.client.list_creation_templates(),
            cx.desired,
            cx.records,
            cx.limit,
        )
        .await?;
        Ok(Found { live, fact: None })
    }

    /// Those a record lists or named with the project prefix, with their records' ownership.
    async fn inventory<C: Aws>(cx: &Inventory<'_, C>) -> Result<Vec<Resource>, LiveError> {
        let listed = cx.limit.call(cx.client.list_creation_templates()).await?;
        Ok(
            keyed(listed, &BTreeSet::new(), cx.prefix, cx.records, &KIND)
                .into_iter()
                .map(Resource::CreationTemplate)
                .collect(),
        )
    }
}
