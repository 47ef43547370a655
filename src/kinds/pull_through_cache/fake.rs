//! The fake's pull-through cache rules, with AWS's answers (already exists, not found).

use super::live::PullThroughCacheApi;
use crate::kinds::pull_through_cache::{Upstream, upstream_prefix_of};
use crate::live::fake::{FakeAws, FakeRegistry};
use crate::live::{Ensured, ErrorKind, LiveError};
use crate::model::{PullThroughCacheRule, Tags};

impl PullThroughCacheApi for FakeAws {
    async fn list_pull_through_cache_rules(&self) -> Result<Vec<PullThroughCacheRule>, LiveError> {
        let mut state = self.enter("ecr:DescribePullThroughCacheRules", "").await?;
        // Read back as the SDK layer hands it on: ECR's `ROOT` default as none.
        Ok(rules(&mut state.registry)
            .values()
            .map(|r| PullThroughCacheRule {
                upstream_repository_prefix: upstream_prefix_of(
                    r.upstream_repository_prefix.as_deref(),
                ),
                ..r.clone()
            })
            .collect())
    }

    async fn create_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:CreatePullThroughCacheRule", &rule.prefix)
            .await?;
        if rules(&mut state.registry).contains_key(&rule.prefix) {
            return Ok(Ensured::NotNeeded);
        }
        let is_ecr = Upstream::of(&rule.upstream).is_some_and(|u| u.name == "ecr");
        if rule.upstream_repository_prefix.is_some() && (!is_ecr || rule.prefix == "ROOT") {
            return Err(Self::error(
                "ecr:CreatePullThroughCacheRule",
                ErrorKind::Invalid,
                "InvalidParameterException",
                "upstreamRepositoryPrefix needs an Amazon ECR upstream and a prefix other than ROOT"
                    .into(),
            ));
        }
        // AWS stores ECR's default for an ECR upstream created without one.
        let upstream_repository_prefix = match &rule.upstream_repository_prefix {
            None if is_ecr => Some("ROOT".to_string()),
            given => given.clone(),
        };
        let stored = PullThroughCacheRule {
            upstream_repository_prefix,
            tags: Tags::new(),
            ..rule.clone()
        };
        rules(&mut state.registry).insert(rule.prefix.clone(), stored);
        Ok(Ensured::Done)
    }

    async fn update_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdatePullThroughCacheRule";
        let mut state = self.enter(OP, &rule.prefix).await?;
        let Some(stored) = rules(&mut state.registry).get_mut(&rule.prefix) else {
            return Err(Self::error(
                OP,
                ErrorKind::NotFound,
                "PullThroughCacheRuleNotFoundException",
                format!("no rule for {}", rule.prefix),
            ));
        };
        stored.credential_arn = rule.credential_arn.clone();
        stored.custom_role_arn = rule.custom_role_arn.clone();
        Ok(())
    }

    async fn delete_pull_through_cache_rule(&self, prefix: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeletePullThroughCacheRule", prefix).await?;
        Ok(match rules(&mut state.registry).remove(prefix) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

/// The fake registry's pull through cache by prefix.
pub(crate) fn rules(
    registry: &mut FakeRegistry,
) -> &mut std::collections::BTreeMap<String, PullThroughCacheRule> {
    registry.kinds.get("pull_through_cache")
}
