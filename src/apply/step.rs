//! Running one change: its operations in order, each an ensure.

use std::time::Instant;

use super::{ApplyOptions, Outcome, Status};
use crate::error::chain;
use crate::live::{Aws, Ensured, LiveError, NewRepository};
use crate::plan::{Change, DeleteReason, Op};

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Aws(#[from] LiveError),
    #[error("refused to delete repository {name}: it holds images and {needs}")]
    HoldsImages { name: String, needs: &'static str },
}

pub async fn run<C: Aws>(client: &C, change: &Change, options: &ApplyOptions) -> Outcome {
    let started = Instant::now();
    let mut changed = false;
    let mut error = None;
    for op in &change.ops {
        match run_op(client, op, options).await {
            Ok(Ensured::Done) => changed = true,
            Ok(Ensured::NotNeeded) => {}
            Err(e) => {
                error = Some(chain(&e));
                break;
            }
        }
    }
    let status = match (&error, changed) {
        (Some(_), _) => Status::Failed,
        (None, true) => Status::Applied,
        (None, false) => Status::NotNeeded,
    };
    Outcome {
        address: change.address.clone(),
        action: change.action,
        status,
        duration_ms: started.elapsed().as_millis() as u64,
        error,
    }
}

async fn run_op<C: Aws>(client: &C, op: &Op, options: &ApplyOptions) -> Result<Ensured, StepError> {
    let done = |r: Result<(), LiveError>| r.map(|()| Ensured::Done).map_err(StepError::from);
    match op {
        Op::CreateRepository {
            name,
            image_tag_mutability,
            scan_on_push,
            encryption,
            tags,
        } => {
            let created = client
                .create_repository(&NewRepository {
                    name,
                    image_tag_mutability: *image_tag_mutability,
                    scan_on_push: *scan_on_push,
                    encryption,
                    tags,
                })
                .await?;
            if created == Ensured::NotNeeded {
                // It appeared since the plan was made (another run, or one that died half-way):
                // make its settings ours; a different encryption shows as a replacement next plan.
                client.put_image_tag_mutability(name, *image_tag_mutability).await?;
                client.put_scan_on_push(name, *scan_on_push).await?;
                let info = client.list_repositories().await?;
                if let Some(repo) = info.iter().find(|r| &r.name == name) {
                    client.tag_resource(&repo.arn, tags).await?;
                }
            }
            Ok(Ensured::Done)
        }
        Op::DeleteRepository {
            name,
            force_delete,
            reason,
        } => {
            let holds_images = client.has_images(name).await?;
            let Some(holds_images) = holds_images else {
                return Ok(Ensured::NotNeeded);
            };
            if holds_images {
                let allowed = match reason {
                    DeleteReason::Replace => *force_delete && options.allow_replace,
                    DeleteReason::Destroy => options.allow_destroy,
                };
                if !allowed {
                    let needs = match reason {
                        DeleteReason::Replace => "replacing it needs force_delete: true in the spec and --allow-replace",
                        DeleteReason::Destroy => "deleting it needs --allow-destroy",
                    };
                    return Err(StepError::HoldsImages {
                        name: name.clone(),
                        needs,
                    });
                }
            }
            Ok(client.delete_repository(name, holds_images).await?)
        }
        Op::PutImageTagMutability { name, value } => done(client.put_image_tag_mutability(name, *value).await),
        Op::PutScanOnPush { name, value } => done(client.put_scan_on_push(name, *value).await),
        Op::PutLifecyclePolicy { name, text } => done(client.put_lifecycle_policy(name, text).await),
        Op::DeleteLifecyclePolicy { name } => Ok(client.delete_lifecycle_policy(name).await?),
        Op::SetRepositoryPolicy { name, text } => done(client.set_repository_policy(name, text).await),
        Op::DeleteRepositoryPolicy { name } => Ok(client.delete_repository_policy(name).await?),
        Op::TagRepository { arn, tags } => done(client.tag_resource(arn, tags).await),
        Op::UntagRepository { arn, keys } => done(client.untag_resource(arn, keys).await),
    }
}
