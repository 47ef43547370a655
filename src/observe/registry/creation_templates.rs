//! The repository creation templates a plan needs: one listing, only when the spec or this
//! stack's record has some.

use std::collections::{BTreeMap, BTreeSet};

use super::super::Limit;
use super::{keyed, live, needed};
use crate::live::{Aws, LiveError};
use crate::model::registry_record::RegistryRecord;
use crate::model::{Desired, Live, Resource};

/// The repository creation templates the plan needs; see [`keyed`].
pub(super) async fn read_creation_templates<C: Aws>(
    client: &C,
    desired: &Desired,
    records: &BTreeMap<String, RegistryRecord>,
    limit: &Limit,
) -> Result<Vec<Live>, LiveError> {
    let wanted: BTreeSet<&str> = desired
        .creation_templates()
        .map(|t| t.prefix.as_str())
        .collect();
    if !needed(&wanted, desired, records, |r| &r.creation_templates) {
        return Ok(Vec::new());
    }
    let templates = limit.call(client.list_creation_templates()).await?;
    Ok(keyed(
        templates,
        &wanted,
        &desired.project_prefix,
        records,
        |r| &r.creation_templates,
        |t| (t.prefix.clone(), &mut t.tags),
    )
    .into_iter()
    .map(|t| live(Resource::CreationTemplate(t)))
    .collect())
}
