//! Reads the registry-wide settings of the region and every stack's ownership record of them:
//! one listing of records always, and three reads of the settings only when the spec declares
//! some or this stack's record owns some. O(1) calls per region, none per repository.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Limit;
use crate::live::{Aws, ErrorKind, LiveError};
use crate::model::registry::{LiveRegistry, RegistrySettings};
use crate::model::registry_record::{RECORD_PATH, RegistryRecord, parameter_name};
use crate::model::{Desired, Live, RegistryState, Resource};

/// The region's registry state, and this stack's owned part as AWS has it (when it has one).
pub async fn read<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
) -> Result<(RegistryState, Option<Live>), LiveError> {
    let parameters = match limit.call(client.parameters_under(RECORD_PATH)).await {
        Ok(p) => p,
        // A read-only role from before records existed may lack ssm:GetParametersByPath; a spec
        // without registry settings does not need the records.
        Err(e) if e.kind == ErrorKind::AccessDenied && desired.registry().is_none() => Vec::new(),
        Err(e) => return Err(e),
    };
    let records: BTreeMap<String, RegistryRecord> = parameters
        .into_iter()
        .filter_map(|(name, value)| {
            let record = RegistryRecord::parse(&value)?;
            (name == parameter_name(&record.stack)).then(|| (record.stack.clone(), record))
        })
        .collect();
    let ours = records.get(&desired.stack);
    let declared = desired.registry().map(RegistrySettings::keys);
    if declared.is_none() && ours.is_none_or(RegistryRecord::is_empty) {
        return Ok((
            RegistryState {
                records,
                settings: None,
            },
            None,
        ));
    }
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
    let settings = LiveRegistry {
        scanning,
        replication,
        policy,
    };
    let owned = declared
        .unwrap_or_default()
        .union(&ours.map(|r| r.registry.clone()).unwrap_or_default());
    let mut projection = RegistrySettings::project(&settings, &owned);
    projection.tags = ours.map(RegistryRecord::tags).unwrap_or_default();
    let live = (ours.is_some() || !projection.is_empty()).then(|| Live {
        resource: Resource::Registry(projection),
        arn: String::new(),
        uri: None,
        complete: true,
        dependents: Default::default(),
    });
    Ok((
        RegistryState {
            records,
            settings: Some(settings),
        },
        live,
    ))
}
