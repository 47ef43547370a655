//! Carries out this kind's ops, each an ensure.

use super::plan::{DeleteReason, RepositoryOp};
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured, ErrorKind, NewRepository};

impl Execute for RepositoryOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            RepositoryOp::CreateRepository { .. } | RepositoryOp::DeleteRepository { .. } => {
                cx.repository_lifecycle(self).await
            }
            RepositoryOp::PutImageTagMutability {
                name,
                value,
                exclusion_filters,
            } => done(
                client
                    .put_image_tag_mutability(name, *value, exclusion_filters)
                    .await,
            ),
            RepositoryOp::PutScanOnPush { name, value } => {
                done(client.put_scan_on_push(name, *value).await)
            }
            RepositoryOp::PutLifecyclePolicy { name, text } => {
                done(client.put_lifecycle_policy(name, text).await)
            }
            RepositoryOp::DeleteLifecyclePolicy { name } => {
                Ok(client.delete_lifecycle_policy(name).await?)
            }
            RepositoryOp::SetRepositoryPolicy { name, text } => done(
                cx.retrying(&[ErrorKind::Invalid], || {
                    client.set_repository_policy(name, text)
                })
                .await,
            ),
            RepositoryOp::DeleteRepositoryPolicy { name } => {
                Ok(client.delete_repository_policy(name).await?)
            }
        }
    }
}

impl<C: Aws> Ctx<'_, C> {
    async fn repository_lifecycle(&self, op: &RepositoryOp) -> Result<Ensured, StepError> {
        let client = self.client;
        match op {
            RepositoryOp::CreateRepository {
                name,
                image_tag_mutability,
                exclusion_filters,
                scan_on_push,
                encryption,
                tags,
            } => {
                let created = client
                    .create_repository(&NewRepository {
                        name,
                        image_tag_mutability: *image_tag_mutability,
                        exclusion_filters,
                        scan_on_push: *scan_on_push,
                        encryption,
                        tags,
                    })
                    .await?;
                if created == Ensured::NotNeeded {
                    // It appeared since the plan was made (another run of this stack, or one that
                    // died half-way): make its settings ours, unless another stack owns it.
                    let listed = client.list_repositories().await?;
                    if let Some(repo) = listed.iter().find(|r| &r.name == name) {
                        let live_tags = client.list_tags(&repo.arn).await?;
                        self.not_anothers("repository", name, &live_tags, tags)?;
                        client
                            .put_image_tag_mutability(
                                name,
                                *image_tag_mutability,
                                exclusion_filters,
                            )
                            .await?;
                        client.put_scan_on_push(name, *scan_on_push).await?;
                        client.tag_resource(&repo.arn, tags).await?;
                    }
                }
                Ok(Ensured::Done)
            }
            RepositoryOp::DeleteRepository {
                name,
                force_delete,
                reason,
            } => {
                let Some(holds_images) = client.has_images(name).await? else {
                    return Ok(Ensured::NotNeeded);
                };
                if holds_images {
                    let (allowed, needs) = match reason {
                        DeleteReason::Replace => (
                            *force_delete && self.options.allow_replace,
                            "replacing it needs force_delete: true in the spec and --allow-replace",
                        ),
                        DeleteReason::Destroy => (
                            *force_delete || self.options.allow_destroy,
                            "deleting it needs force_delete: true on its last apply, or --allow-destroy",
                        ),
                    };
                    if !allowed {
                        return Err(StepError::HoldsImages {
                            name: name.clone(),
                            needs,
                        });
                    }
                }
                Ok(client.delete_repository(name, holds_images).await?)
            }
            _ => unreachable!("only repository creation and deletion come here"),
        }
    }
}
