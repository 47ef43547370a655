//! Carries out this kind's ops, each an ensure.

use super::plan::PolicyOp;
use crate::apply::step::{Ctx, Execute, StepError};
use crate::live::{Aws, Ensured, ErrorKind, LiveError, NewPolicy};
use crate::model::PolicyDocument;

impl Execute for PolicyOp {
    async fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> Result<Ensured, StepError> {
        let client = cx.client;
        match self {
            PolicyOp::CreatePolicy {
                name,
                description,
                document,
                tags,
            } => {
                let created = client
                    .create_policy(&NewPolicy {
                        name,
                        description,
                        document,
                        tags,
                    })
                    .await?;
                if created == Ensured::NotNeeded {
                    // Already there: our own create whose response was lost (the SDK retried
                    // it), or another run of this stack. Another stack's is not taken over.
                    let arn = cx.policy_arn(name).await?;
                    let live_tags = client.list_policy_tags(&arn).await?;
                    cx.not_anothers("policy", name, &live_tags, tags)?;
                }
                Ok(Ensured::Done)
            }
            PolicyOp::CreatePolicyVersion { arn, document } => {
                cx.create_policy_version(arn, document).await
            }
            PolicyOp::DeletePolicy { arn } => Ok(cx
                .retrying(&[ErrorKind::Conflict], || client.delete_policy(arn))
                .await?),
            PolicyOp::DeletePolicyVersion { arn, version_id } => {
                Ok(client.delete_policy_version(arn, version_id).await?)
            }
            PolicyOp::DetachGroupPolicy { group, policy_arn } => {
                Ok(client.detach_group_policy(group, policy_arn).await?)
            }
        }
    }
}

impl<C: Aws> Ctx<'_, C> {
    /// Makes `document` the default version of the policy, staying within IAM's five versions
    /// (the oldest non-default versions go first; never the default).
    ///
    /// A create whose response is lost (a 5xx or reset after IAM acted) is retried by the SDK, and
    /// the retry fails (LimitExceeded at five versions) or creates a second version: so a create
    /// that failed is taken as done when the default version holds the document after all, and a
    /// duplicate the retry left behind is removed. A document already in effect (another run of
    /// this stack) is not created again.
    async fn create_policy_version(&self, arn: &str, document: &str) -> Result<Ensured, StepError> {
        let client = self.client;
        let wanted = PolicyDocument::parse(document).ok();
        let versions = client.list_policy_versions(arn).await?;
        if self.default_holds(arn, &versions, wanted.as_ref()).await? {
            return Ok(Ensured::NotNeeded);
        }
        // The plan made room (one free slot); a retry of a lost create may use a second.
        let count = versions.len();
        if let Err(e) = client.create_policy_version(arn, document).await {
            let now = client.list_policy_versions(arn).await?;
            if !self.default_holds(arn, &now, wanted.as_ref()).await? {
                return Err(e.into());
            }
        }
        let after = client.list_policy_versions(arn).await?;
        if after.len() > count + 1 {
            for v in after.iter().filter(|v| !v.is_default) {
                let text = client.get_policy_version(arn, &v.version_id).await?;
                let doc = text.and_then(|t| PolicyDocument::parse(&t).ok());
                if doc.is_some() && doc.as_ref() == wanted.as_ref() {
                    client.delete_policy_version(arn, &v.version_id).await?;
                }
            }
        }
        Ok(Ensured::Done)
    }

    /// Whether the default version's document means `wanted`.
    async fn default_holds(
        &self,
        arn: &str,
        versions: &[crate::live::PolicyVersionInfo],
        wanted: Option<&PolicyDocument>,
    ) -> Result<bool, StepError> {
        let (Some(wanted), Some(default)) = (wanted, versions.iter().find(|v| v.is_default)) else {
            return Ok(false);
        };
        let text = self
            .client
            .get_policy_version(arn, &default.version_id)
            .await?;
        Ok(text
            .and_then(|t| PolicyDocument::parse(&t).ok())
            .is_some_and(|d| &d == wanted))
    }

    /// The ARN of a policy of this name (after a create race, when the create returned none).
    async fn policy_arn(&self, name: &str) -> Result<String, StepError> {
        let listed = self.client.list_policies().await?;
        Ok(listed
            .into_iter()
            .find(|p| p.name == name)
            .map(|p| p.arn)
            .ok_or_else(|| {
                LiveError::new(
                    "iam:ListPolicies",
                    ErrorKind::NotFound,
                    None,
                    format!("policy {name} vanished after a create race"),
                )
            })?)
    }
}
