//! The pull-through cache rules: one listing, only when the spec or this stack's record has
//! some, keyed by prefix in the stacks' records.

use crate::live::{Aws, LiveError};
use crate::model::{PullThroughCacheRule, Resource};
use crate::observe::ReadScope;
use crate::observe::read::{Found, Inventory, Read, Reading};
use crate::observe::registry::{inventory_keyed, read_keyed};

impl Read for PullThroughCacheRule {
    const READS: &'static [(&'static str, ReadScope)] =
        &[("ecr:DescribePullThroughCacheRules", ReadScope::Registry)];

    async fn read<C: Aws>(cx: &Reading<'_, C>) -> Result<Found, LiveError> {
        read_keyed(cx, || cx.client.list_pull_through_cache_rules()).await
    }

    /// Those a record lists or named with the project prefix, with their records' ownership.
    async fn inventory<C: Aws>(cx: &Inventory<'_, C>) -> Result<Vec<Resource>, LiveError> {
        inventory_keyed(cx, || cx.client.list_pull_through_cache_rules()).await
    }
}
