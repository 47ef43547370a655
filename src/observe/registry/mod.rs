//! Reads the registry-wide settings of the region and every stack's ownership record of them:
//! one listing of records always, and three reads of the settings only when the spec declares
//! some or this stack's record owns some. O(1) calls per region, none per repository.
//! The registry kinds read themselves ([`super::read::Read`]), side by side with the settings,
//! once the records are listed.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::read::{Found, Inventory, Reading, read_kinds};
use super::{Limit, named_with_prefix};
use crate::kinds::registry::{LiveRegistry, RegistrySettings};
use crate::live::{Aws, ErrorKind, LiveError};
use crate::model::registry_record::{RECORD_PATH, RegistryRecord, parameter_name};
use crate::model::unit::Declared;
use crate::model::{Desired, Live, Registered, RegistryState, Resource};

/// The region's registry state, this stack's owned part of the settings as AWS has it (when it
/// has one), and every registry kind's resources and facts the plan needs.
pub async fn read<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
) -> Result<(RegistryState, Vec<Live>), LiveError> {
    // A read-only role from before records existed may lack ssm:GetParametersByPath; a spec
    // without a registry section does not need the records.
    let without_registry = !desired
        .resources
        .iter()
        .any(|r| r.kind().in_registry_record());
    let records = read_records(client, limit, without_registry).await?;
    let ours = records.get(&desired.stack);
    let reading = Reading {
        client,
        desired,
        records: &records,
        limit,
    };
    // The settings and every kind need only the records: read side by side.
    let ((settings, settings_live), found) = futures::try_join!(
        read_settings(client, desired, ours, limit),
        read_kinds(&reading)
    )?;
    let mut facts = BTreeMap::new();
    let mut resources: Vec<Live> = settings_live.into_iter().collect();
    for (kind, found) in found {
        resources.extend(found.live);
        if let Some(fact) = found.fact {
            facts.insert(kind, fact);
        }
    }
    Ok((
        RegistryState {
            records,
            settings,
            facts,
        },
        resources,
    ))
}

/// Every stack's ownership record in the region (one listing); an access denial is read as
/// "none" when `tolerate_denied`.
pub(crate) async fn read_records<C: Aws>(
    client: &C,
    limit: &Limit,
    tolerate_denied: bool,
) -> Result<BTreeMap<String, RegistryRecord>, LiveError> {
    let parameters = match limit.call(client.parameters_under(RECORD_PATH)).await {
        Ok(p) => p,
        Err(e) if e.kind == ErrorKind::AccessDenied && tolerate_denied => Vec::new(),
        Err(e) => return Err(e),
    };
    Ok(parameters
        .into_iter()
        .filter_map(|(name, value)| {
            let record = RegistryRecord::parse(&value)?;
            (name == parameter_name(&record.stack)).then(|| (record.stack.clone(), record))
        })
        .collect())
}

/// The registry's whole settings: scanning, replication and policy (three reads).
pub(crate) async fn read_live_settings<C: Aws>(
    client: &C,
    limit: &Limit,
) -> Result<LiveRegistry, LiveError> {
    let (scanning, replication, policy) = futures::try_join!(
        limit.call(client.get_registry_scanning()),
        limit.call(client.get_replication()),
        limit.call(client.get_registry_policy()),
    )?;
    let policy = match policy {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| LiveError::new("ecr:GetRegistryPolicy", ErrorKind::Other, None, e))?,
        ),
    };
    Ok(LiveRegistry {
        scanning,
        replication,
        policy,
    })
}

/// The settings and the stack's owned part of them, when the spec declares some or its record
/// owns some (three reads); nothing otherwise.
async fn read_settings<C: Aws>(
    client: &C,
    desired: &Desired,
    ours: Option<&RegistryRecord>,
    limit: &Limit,
) -> Result<(Option<LiveRegistry>, Option<Live>), LiveError> {
    let declared = desired
        .all::<RegistrySettings>()
        .next()
        .map(RegistrySettings::keys);
    let recorded = ours.filter(|r| r.owns_settings());
    if declared.is_none() && recorded.is_none() {
        return Ok((None, None));
    }
    let settings = read_live_settings(client, limit).await?;
    let owned = declared
        .unwrap_or_default()
        .union(&recorded.map(|r| r.registry.clone()).unwrap_or_default());
    let mut projection = RegistrySettings::project(&settings, &owned);
    projection.tags = ours.map(RegistryRecord::tags).unwrap_or_default();
    let live = (recorded.is_some() || !projection.is_empty())
        .then(|| live(Resource::Registry(projection)));
    Ok((Some(settings), live))
}

/// A registry kind keyed by its name in the stacks' records (pull-through cache rules, creation
/// templates): the items the plan needs, from one listing (`list`), made only when the spec
/// declares some or this stack's record lists some; see [`keyed`].
pub(crate) async fn read_keyed<C, T, F>(
    cx: &Reading<'_, C>,
    list: impl FnOnce() -> F,
) -> Result<Found, LiveError>
where
    T: Declared + Registered,
    F: Future<Output = Result<Vec<T>, LiveError>>,
{
    let wanted: BTreeSet<String> = cx.desired.all::<T>().map(Declared::name).collect();
    let recorded = cx
        .records
        .get(&cx.desired.stack)
        .is_some_and(|r| !r.section(section::<T>()).is_empty());
    if wanted.is_empty() && !recorded {
        return Ok(Found::default());
    }
    let items = cx.limit.call(list()).await?;
    let live = keyed(items, &wanted, &cx.desired.project_prefix, cx.records)
        .into_iter()
        .map(|item| live(item.into_resource()))
        .collect();
    Ok(Found { live, fact: None })
}

/// For `import`: the listed items of a keyed kind a record lists or named with the prefix.
pub(crate) async fn inventory_keyed<C, T, F>(
    cx: &Inventory<'_, C>,
    list: impl FnOnce() -> F,
) -> Result<Vec<Resource>, LiveError>
where
    T: Declared + Registered,
    F: Future<Output = Result<Vec<T>, LiveError>>,
{
    let items = cx.limit.call(list()).await?;
    Ok(keyed(items, &BTreeSet::new(), cx.prefix, cx.records)
        .into_iter()
        .map(Registered::into_resource)
        .collect())
}

/// The section of the stacks' records that lists a keyed kind's items.
fn section<T: Declared>() -> &'static str {
    T::RECORD_SECTION.expect("a keyed registry kind is listed in the stacks' records")
}

/// Of the listed items, those the plan needs (the spec's, every record's, and prefix-named
/// ones), each given the ownership tags of the record that lists it.
fn keyed<T: Declared>(
    items: Vec<T>,
    wanted: &BTreeSet<String>,
    prefix: &str,
    records: &BTreeMap<String, RegistryRecord>,
) -> Vec<T> {
    items
        .into_iter()
        .filter_map(|mut item| {
            let key = item.name();
            let owner = records
                .values()
                .find_map(|r| r.section(section::<T>()).get(&key).map(|fp| (r, fp)));
            let keep = wanted.contains(&key) || owner.is_some() || named_with_prefix(&key, prefix);
            if let Some(tags) = item.tags_mut() {
                *tags = owner
                    .map(|(record, fp)| record.tags_with(Some(fp)))
                    .unwrap_or_default();
            }
            keep.then_some(item)
        })
        .collect()
}

pub(crate) fn live(resource: Resource) -> Live {
    Live {
        resource,
        arn: String::new(),
        uri: None,
        complete: true,
        dependents: Default::default(),
    }
}
