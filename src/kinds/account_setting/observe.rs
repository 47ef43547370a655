//! The account settings: one `GetAccountSetting` per setting the spec declares or this stack's
//! record owns (at most three), none otherwise. A setting is given the ownership of this stack's
//! record when it lists it, else of another stack's that does.

use std::collections::BTreeSet;

use futures::future::try_join_all;

use crate::kinds::account_setting::{AccountSetting, RECORD_SECTION, known};
use crate::live::{Aws, LiveError};
use crate::model::Resource;
use crate::model::registry_record::owner_tags;
use crate::observe::ReadScope;
use crate::observe::read::{Found, Inventory, Read, Reading};
use crate::observe::registry::live;

impl Read for AccountSetting {
    const READS: &'static [(&'static str, ReadScope)] = &[
        // Each account setting the spec declares or the stack's record owns.
        ("ecr:GetAccountSetting", ReadScope::Registry),
    ];

    async fn read<C: Aws>(cx: &Reading<'_, C>) -> Result<Found, LiveError> {
        let (client, desired, records, limit) = (cx.client, cx.desired, cx.records, cx.limit);
        let ours = records.get(&desired.stack);
        let names: BTreeSet<&str> = desired
            .all::<AccountSetting>()
            .map(|s| s.name.as_str())
            .chain(
                ours.map(|r| r.section(RECORD_SECTION).keys().map(String::as_str))
                    .into_iter()
                    .flatten(),
            )
            .filter(|name| known(name).is_some())
            .collect();
        let reads = names.into_iter().map(|name| async move {
            let aws_name = known(name).map_or("", |k| k.aws_name);
            let value = limit.call(client.get_account_setting(aws_name)).await?;
            let tags = owner_tags(records, Some(&desired.stack), RECORD_SECTION, name);
            Ok::<_, LiveError>(value.map(|value| {
                live(Resource::AccountSetting(AccountSetting {
                    name: name.to_string(),
                    value,
                    tags,
                }))
            }))
        });
        let live = try_join_all(reads).await?.into_iter().flatten().collect();
        Ok(Found { live, fact: None })
    }

    /// Those a stack's record lists: account-wide values are never adopted by an import on
    /// their own.
    async fn inventory<C: Aws>(cx: &Inventory<'_, C>) -> Result<Vec<Resource>, LiveError> {
        let names: BTreeSet<&str> = cx
            .records
            .values()
            .flat_map(|r| r.section(RECORD_SECTION).keys())
            .map(String::as_str)
            .filter(|name| known(name).is_some())
            .collect();
        let mut found = Vec::new();
        for name in names {
            let aws_name = known(name).map_or("", |k| k.aws_name);
            if let Some(value) = cx
                .limit
                .call(cx.client.get_account_setting(aws_name))
                .await?
            {
                found.push(Resource::AccountSetting(AccountSetting {
                    name: name.to_string(),
                    value,
                    tags: owner_tags(cx.records, None, RECORD_SECTION, name),
                }));
            }
        }
        Ok(found)
    }
}
