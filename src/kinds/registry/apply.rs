//! Carries out this kind's ops, each an ensure. The registry-wide writes read the setting as it is
//! now, merge the stack's part into it with the planner's own merge function, and write only
//! when that changes it: a rule another stack added since the plan is kept, not overwritten.

use super::plan::RegistryOp;
use crate::apply::step::{Ctx, Execute, StepError};
use serde_json::Value;

use super::{OwnedPart, merge_policy, merge_replication, merge_scanning};
use crate::live::{Aws, Ensured, ErrorKind, LiveError};

impl Execute for RegistryOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            RegistryOp::PutRegistryScanning { part } => Ok(put_scanning(client, part).await?),
            RegistryOp::PutReplication { part } => Ok(put_replication(client, part).await?),
            RegistryOp::PutRegistryPolicy { part } => Ok(put_policy(client, part).await?),
            RegistryOp::PutRegistryRecord { name, value, tags } => {
                Ok(put_record(client, name, value, tags).await?)
            }
            RegistryOp::DeleteRegistryRecord { name } => Ok(client.delete_parameter(name).await?),
        }
    }
}

async fn put_scanning<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
    let live = client.get_registry_scanning().await?;
    let merged = merge_scanning(&live, part);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    client.put_registry_scanning(&merged).await?;
    Ok(Ensured::Done)
}

async fn put_replication<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
    let live = client.get_replication().await?;
    let merged = merge_replication(&live, part);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    client.put_replication(&merged).await?;
    Ok(Ensured::Done)
}

async fn put_policy<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
    let live = match client.get_registry_policy().await? {
        None => None,
        Some(text) => Some(
            serde_json::from_str::<Value>(&text)
                .map_err(|e| LiveError::new("ecr:GetRegistryPolicy", ErrorKind::Other, None, e))?,
        ),
    };
    let merged = merge_policy(live.as_ref(), part);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    match merged {
        None => client.delete_registry_policy().await,
        Some(policy) => {
            client.put_registry_policy(&policy.to_string()).await?;
            Ok(Ensured::Done)
        }
    }
}

/// Creates the record, or overwrites it when it exists (SSM takes tags on creation only).
async fn put_record<C: Aws>(
    client: &C,
    name: &str,
    value: &str,
    tags: &crate::model::Tags,
) -> Result<Ensured, LiveError> {
    if client.create_parameter(name, value, tags).await? == Ensured::NotNeeded {
        client.overwrite_parameter(name, value).await?;
    }
    Ok(Ensured::Done)
}
