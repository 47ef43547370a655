//! Carries out this kind's ops, each an ensure.

use super::plan::OidcProviderOp;
use crate::apply::step::{Ctx, Execute, StepError, done, gone};
use crate::live::{Aws, Ensured, ErrorKind, NewOidcProvider};

impl Execute for OidcProviderOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            OidcProviderOp::CreateOidcProvider {
                url,
                client_ids,
                thumbprints,
                tags,
            } => Ok(client
                .create_oidc_provider(&NewOidcProvider {
                    url,
                    client_ids,
                    thumbprints,
                    tags,
                })
                .await?),
            OidcProviderOp::AddClientId { arn, client_id } => {
                done(client.add_client_id(arn, client_id).await)
            }
            OidcProviderOp::RemoveClientId { arn, client_id } => {
                gone(client.remove_client_id(arn, client_id).await)
            }
            OidcProviderOp::UpdateThumbprints { arn, thumbprints } => {
                done(client.update_thumbprints(arn, thumbprints).await)
            }
            OidcProviderOp::DeleteOidcProvider { arn } => Ok(cx
                .retrying(&[ErrorKind::Conflict], || client.delete_oidc_provider(arn))
                .await?),
        }
    }
}
