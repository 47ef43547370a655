//! Carries out this kind's ops, each an ensure.

use super::plan::RoleOp;
use crate::apply::step::{Ctx, Execute, StepError, done};
use crate::live::{Aws, Ensured, ErrorKind, NewRole};

impl Execute for RoleOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            RoleOp::CreateRole {
                name,
                description,
                trust_policy,
                max_session_duration,
                permissions_boundary,
                tags,
                path,
            } => {
                let new = NewRole {
                    name,
                    description,
                    trust_policy,
                    max_session_duration: *max_session_duration,
                    permissions_boundary: permissions_boundary.as_deref(),
                    tags,
                    path,
                };
                let created = cx
                    .retrying(&[ErrorKind::Invalid], || client.create_role(&new))
                    .await?;
                if created == Ensured::NotNeeded
                    && let Some(live) = client.get_role(name).await?
                {
                    cx.not_anothers("role", name, &live.tags, tags)?;
                }
                Ok(Ensured::Done)
            }
            RoleOp::UpdateTrustPolicy { role, document } => done(
                cx.retrying(&[ErrorKind::Invalid], || {
                    client.update_trust_policy(role, document)
                })
                .await,
            ),
            RoleOp::UpdateRole {
                role,
                description,
                max_session_duration,
            } => done(
                client
                    .update_role(role, description, *max_session_duration)
                    .await,
            ),
            RoleOp::PutPermissionsBoundary { role, policy_arn } => done(
                cx.retrying(&[ErrorKind::NotFound], || {
                    client.put_permissions_boundary(role, policy_arn)
                })
                .await,
            ),
            RoleOp::DeletePermissionsBoundary { role } => {
                Ok(client.delete_permissions_boundary(role).await?)
            }
            RoleOp::AttachRolePolicy { role, policy_arn } => done(
                cx.retrying(&[ErrorKind::NotFound], || {
                    client.attach_role_policy(role, policy_arn)
                })
                .await,
            ),
            RoleOp::DetachRolePolicy { role, policy_arn } => {
                Ok(client.detach_role_policy(role, policy_arn).await?)
            }
            RoleOp::PutRolePolicy {
                role,
                name,
                document,
            } => done(client.put_role_policy(role, name, document).await),
            RoleOp::DeleteRolePolicy { role, name } => {
                Ok(client.delete_role_policy(role, name).await?)
            }
            RoleOp::DeleteRole { role } => Ok(cx
                .retrying(&[ErrorKind::Conflict], || client.delete_role(role))
                .await?),
        }
    }
}
