//! The pull-time update exclusions: one listing, only when the spec or this stack's record has
//! some. Every listed principal is kept: those no stack's record lists are shown as unmanaged,
//! and the spec's ARNs (with `{account}` until the plan binds them) are matched after binding.

use std::collections::BTreeMap;

use crate::kinds::pull_time_exclusion::{PullTimeExclusion, RECORD_SECTION};
use crate::live::{Aws, LiveError};
use crate::model::registry_record::{RegistryRecord, owner_tags};
use crate::model::{Desired, Live, Resource};
use crate::observe::Limit;
use crate::observe::registry::live;

pub(crate) async fn read<C: Aws>(
    client: &C,
    desired: &Desired,
    records: &BTreeMap<String, RegistryRecord>,
    limit: &Limit,
) -> Result<Vec<Live>, LiveError> {
    let wanted = desired.all::<PullTimeExclusion>().next().is_some();
    let ours = records.get(&desired.stack);
    let recorded = ours.is_some_and(|r| !r.section(RECORD_SECTION).is_empty());
    if !wanted && !recorded {
        return Ok(Vec::new());
    }
    let listed = limit.call(client.list_pull_time_exclusions()).await?;
    Ok(listed
        .into_iter()
        .map(|principal_arn| {
            let tags = owner_tags(
                records,
                Some(&desired.stack),
                RECORD_SECTION,
                &principal_arn,
            );
            live(Resource::PullTimeExclusion(PullTimeExclusion {
                principal_arn,
                tags,
            }))
        })
        .collect())
}
