//! The pull-through cache rules a plan needs: one listing, only when the spec or this stack's
//! record has some.

use std::collections::{BTreeMap, BTreeSet};

use super::super::Limit;
use super::{keyed, live, needed};
use crate::live::{Aws, LiveError};
use crate::model::registry_record::RegistryRecord;
use crate::model::{Desired, Live, Resource};

/// The pull-through cache rules the plan needs; see [`keyed`].
pub(super) async fn read_pull_through_cache<C: Aws>(
    client: &C,
    desired: &Desired,
    records: &BTreeMap<String, RegistryRecord>,
    limit: &Limit,
) -> Result<Vec<Live>, LiveError> {
    let wanted: BTreeSet<&str> = desired
        .pull_through_cache_rules()
        .map(|r| r.prefix.as_str())
        .collect();
    if !needed(&wanted, desired, records, |r| &r.pull_through_cache) {
        return Ok(Vec::new());
    }
    let rules = limit.call(client.list_pull_through_cache_rules()).await?;
    Ok(keyed(
        rules,
        &wanted,
        &desired.project_prefix,
        records,
        |r| &r.pull_through_cache,
        |rule| (rule.prefix.clone(), &mut rule.tags),
    )
    .into_iter()
    .map(|rule| live(Resource::PullThroughCache(rule)))
    .collect())
}
