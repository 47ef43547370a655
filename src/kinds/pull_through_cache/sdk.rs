//! Pull-through cache rules through the SDK: one call per method.

use super::live::PullThroughCacheApi;
use crate::kinds::pull_through_cache::upstream_prefix_of;
use crate::live::sdk::{SdkAws, ensured_unless, live_error, prefix_key};
use crate::live::{Ensured, ErrorKind, LiveError};
use crate::model::{PullThroughCacheRule, Tags};

impl PullThroughCacheApi for SdkAws {
    async fn list_pull_through_cache_rules(&self) -> Result<Vec<PullThroughCacheRule>, LiveError> {
        const OP: &str = "ecr:DescribePullThroughCacheRules";
        let mut out = Vec::new();
        let mut pages = self
            .ecr
            .describe_pull_through_cache_rules()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error(OP, e))?;
            for rule in page.pull_through_cache_rules() {
                out.push(PullThroughCacheRule {
                    prefix: prefix_key(rule.ecr_repository_prefix().unwrap_or_default()),
                    upstream: rule.upstream_registry_url().unwrap_or_default().to_string(),
                    credential_arn: rule.credential_arn().map(str::to_string),
                    custom_role_arn: rule.custom_role_arn().map(str::to_string),
                    upstream_repository_prefix: upstream_prefix_of(
                        rule.upstream_repository_prefix(),
                    ),
                    tags: Tags::new(),
                });
            }
        }
        Ok(out)
    }

    async fn create_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:CreatePullThroughCacheRule";
        ensured_unless(
            ErrorKind::AlreadyExists,
            self.ecr
                .create_pull_through_cache_rule()
                .ecr_repository_prefix(&rule.prefix)
                .upstream_registry_url(&rule.upstream)
                .set_credential_arn(rule.credential_arn.clone())
                .set_custom_role_arn(rule.custom_role_arn.clone())
                .set_upstream_repository_prefix(rule.upstream_repository_prefix.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }

    async fn update_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdatePullThroughCacheRule";
        self.ecr
            .update_pull_through_cache_rule()
            .ecr_repository_prefix(&rule.prefix)
            .set_credential_arn(rule.credential_arn.clone())
            .set_custom_role_arn(rule.custom_role_arn.clone())
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn delete_pull_through_cache_rule(&self, prefix: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeletePullThroughCacheRule";
        ensured_unless(
            ErrorKind::NotFound,
            self.ecr
                .delete_pull_through_cache_rule()
                .ecr_repository_prefix(prefix)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
