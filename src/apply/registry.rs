//! The registry-wide writes: each reads the setting as it is now, merges the stack's part into it
//! with the planner's own merge function, and writes only when that changes it. A rule another
//! stack added since the plan is kept, not overwritten.

use serde_json::Value;

use crate::kinds::registry::{OwnedPart, merge_policy, merge_replication, merge_scanning};
use crate::kinds::signing::{SigningRule, merge};
use crate::live::{Aws, Ensured, ErrorKind, LiveError};

pub async fn put_scanning<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
    let live = client.get_registry_scanning().await?;
    let merged = merge_scanning(&live, part);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    client.put_registry_scanning(&merged).await?;
    Ok(Ensured::Done)
}

pub async fn put_replication<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
    let live = client.get_replication().await?;
    let merged = merge_replication(&live, part);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    client.put_replication(&merged).await?;
    Ok(Ensured::Done)
}

pub async fn put_policy<C: Aws>(client: &C, part: &OwnedPart) -> Result<Ensured, LiveError> {
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

/// The signing configuration as it is now, with the stack's rules merged in; deleted when no rule
/// is left.
pub async fn put_signing<C: Aws>(
    client: &C,
    rules: &[SigningRule],
    release: &[String],
) -> Result<Ensured, LiveError> {
    let live = client.get_signing_configuration().await?;
    let merged = merge(&live, rules, release);
    if merged == live {
        return Ok(Ensured::NotNeeded);
    }
    if merged.is_empty() {
        return client.delete_signing_configuration().await;
    }
    client.put_signing_configuration(&merged).await?;
    Ok(Ensured::Done)
}

/// Creates the record, or overwrites it when it exists (SSM takes tags on creation only).
pub async fn put_record<C: Aws>(
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
