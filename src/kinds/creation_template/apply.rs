//! Carries out this kind's ops, each an ensure.

use super::plan::CreationTemplateOp;
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured};

impl Execute for CreationTemplateOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            CreationTemplateOp::CreateCreationTemplate { template } => {
                Ok(client.create_creation_template(template).await?)
            }
            CreationTemplateOp::UpdateCreationTemplate { template } => {
                done(client.update_creation_template(template).await)
            }
            CreationTemplateOp::DeleteCreationTemplate { prefix } => {
                Ok(client.delete_creation_template(prefix).await?)
            }
        }
    }
}
