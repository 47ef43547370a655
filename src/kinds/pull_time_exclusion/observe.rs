//! The pull-time update exclusions: one listing, only when the spec or this stack's record has
//! some. Every listed principal is kept: those no stack's record lists are shown as unmanaged,
//! and the spec's ARNs (with `{account}` until the plan binds them) are matched after binding.

use crate::kinds::pull_time_exclusion::{PullTimeExclusion, RECORD_SECTION};
use crate::live::{Aws, LiveError};
use crate::model::Resource;
use crate::model::registry_record::owner_tags;
use crate::observe::ReadScope;
use crate::observe::named_with_prefix;
use crate::observe::read::{Found, Inventory, Read, Reading};
use crate::observe::registry::live;

impl Read for PullTimeExclusion {
    const READS: &'static [(&'static str, ReadScope)] =
        &[("ecr:ListPullTimeUpdateExclusions", ReadScope::Registry)];

    async fn read<C: Aws>(cx: &Reading<'_, C>) -> Result<Found, LiveError> {
        let (client, desired, records, limit) = (cx.client, cx.desired, cx.records, cx.limit);
        let wanted = desired.all::<PullTimeExclusion>().next().is_some();
        let ours = records.get(&desired.stack);
        let recorded = ours.is_some_and(|r| !r.section(RECORD_SECTION).is_empty());
        if !wanted && !recorded {
            return Ok(Found::default());
        }
        let listed = limit.call(client.list_pull_time_exclusions()).await?;
        let live = listed
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
            .collect();
        Ok(Found { live, fact: None })
    }

    /// Those a record lists, or of a role named with the project prefix.
    async fn inventory<C: Aws>(cx: &Inventory<'_, C>) -> Result<Vec<Resource>, LiveError> {
        let listed = cx.limit.call(cx.client.list_pull_time_exclusions()).await?;
        Ok(listed
            .into_iter()
            .filter_map(|arn| {
                let tags = owner_tags(cx.records, None, RECORD_SECTION, &arn);
                let prefixed = arn.split_once(":role/").is_some_and(|(_, name)| {
                    named_with_prefix(name.rsplit('/').next().unwrap_or(name), cx.prefix)
                });
                (!tags.is_empty() || prefixed).then(|| {
                    Resource::PullTimeExclusion(PullTimeExclusion {
                        principal_arn: arn,
                        tags,
                    })
                })
            })
            .collect())
    }
}
