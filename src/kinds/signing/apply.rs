//! Carries out this kind's ops, each an ensure.

use super::plan::SigningOp;
use super::{SigningRule, merge};
use crate::apply::step::{Ctx, Execute, StepError};
use crate::live::{Aws, Ensured, LiveError};

impl Execute for SigningOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            SigningOp::PutSigningRules { rules, release } => {
                Ok(put_signing(client, rules, release).await?)
            }
        }
    }
}

/// The signing configuration as it is now, with the stack's rules merged in; deleted when no rule
/// is left.
async fn put_signing<C: Aws>(
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
