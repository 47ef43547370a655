//! The fake's registry-wide settings and SSM parameters, with AWS's answers: the default BASIC
//! scanning without rules, no replication, `RegistryPolicyNotFoundException` when there is no
//! policy, and parameters that refuse tags on an overwrite.

use std::collections::BTreeMap;

use super::FakeAws;
use crate::live::{
    CreationTemplateApi, Ensured, ErrorKind, LiveError, PullThroughCacheApi, RegistryApi, SsmApi,
};
use crate::model::registry::{ReplicationRule, Scanning};
use crate::model::{CreationTemplate, PullThroughCacheRule, Tags};

/// The registry settings of the fake's account and region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FakeRegistry {
    /// The scanning configuration (AWS's default: BASIC without rules).
    pub scanning: Scanning,
    /// The replication rules, in order.
    pub replication: Vec<ReplicationRule>,
    /// The registry policy's text, reformatted as AWS hands it back.
    pub policy: Option<String>,
    /// SSM parameters: value and tags.
    pub parameters: BTreeMap<String, (String, Tags)>,
    /// Pull-through cache rules by prefix.
    pub(crate) pull_through_cache: BTreeMap<String, PullThroughCacheRule>,
    /// Repository creation templates by prefix.
    pub(crate) creation_templates: BTreeMap<String, CreationTemplate>,
    /// Account settings set by hand (`REGISTRY_POLICY_SCOPE` …); AWS's default when absent.
    pub account_settings: BTreeMap<String, String>,
}

impl FakeAws {
    /// The registry settings and parameters as stored.
    pub fn registry(&self) -> FakeRegistry {
        self.state().registry.clone()
    }

    /// Changes the registry settings directly, as the console or another tool would.
    pub fn tamper_registry(&self, change: impl FnOnce(&mut FakeRegistry)) {
        change(&mut self.state().registry);
    }
}

impl RegistryApi for FakeAws {
    async fn get_registry_scanning(&self) -> Result<Scanning, LiveError> {
        let state = self.enter("ecr:GetRegistryScanningConfiguration", "")?;
        Ok(state.registry.scanning.clone())
    }

    async fn put_registry_scanning(&self, scanning: &Scanning) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutRegistryScanningConfiguration";
        let mut state = self.enter(OP, "")?;
        if scanning.rules.len() > crate::model::registry::MAX_SCANNING_RULES {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "ValidationException",
                "at most 2 scanning rules".into(),
            ));
        }
        state.registry.scanning = scanning.clone();
        Ok(())
    }

    async fn get_replication(&self) -> Result<Vec<ReplicationRule>, LiveError> {
        let state = self.enter("ecr:DescribeRegistry", "")?;
        Ok(state.registry.replication.clone())
    }

    async fn put_replication(&self, rules: &[ReplicationRule]) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutReplicationConfiguration", "")?;
        state.registry.replication = rules.to_vec();
        Ok(())
    }

    async fn get_registry_policy(&self) -> Result<Option<String>, LiveError> {
        let state = self.enter("ecr:GetRegistryPolicy", "")?;
        Ok(state.registry.policy.clone())
    }

    async fn get_account_setting(&self, name: &str) -> Result<Option<String>, LiveError> {
        let state = self.enter("ecr:GetAccountSetting", name)?;
        Ok(Some(
            state
                .registry
                .account_settings
                .get(name)
                .cloned()
                .unwrap_or_else(|| match name {
                    "REGISTRY_POLICY_SCOPE" => "V2".to_string(),
                    "BLOB_MOUNTING" => "DISABLED".to_string(),
                    _ => "AWS_NATIVE".to_string(),
                }),
        ))
    }

    async fn put_registry_policy(&self, text: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutRegistryPolicy", "")?;
        // AWS hands documents back reformatted.
        let reformatted = serde_json::from_str::<serde_json::Value>(text)
            .map(|v| serde_json::to_string_pretty(&v).expect("a value serializes"))
            .unwrap_or_else(|_| text.to_string());
        state.registry.policy = Some(reformatted);
        Ok(())
    }

    async fn delete_registry_policy(&self) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeleteRegistryPolicy", "")?;
        Ok(match state.registry.policy.take() {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

impl SsmApi for FakeAws {
    async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, LiveError> {
        let state = self.enter("ssm:GetParametersByPath", path)?;
        let prefix = format!("{}/", path.trim_end_matches('/'));
        Ok(state
            .registry
            .parameters
            .iter()
            .filter(|(name, _)| {
                name.strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            })
            .map(|(name, (value, _))| (name.clone(), value.clone()))
            .collect())
    }

    async fn get_parameter(&self, name: &str) -> Result<Option<String>, LiveError> {
        let state = self.enter("ssm:GetParameter", name)?;
        Ok(state.registry.parameters.get(name).map(|(v, _)| v.clone()))
    }

    async fn create_parameter(
        &self,
        name: &str,
        value: &str,
        tags: &Tags,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:PutParameter", name)?;
        if state.registry.parameters.contains_key(name) {
            return Ok(Ensured::NotNeeded);
        }
        state
            .registry
            .parameters
            .insert(name.to_string(), (value.to_string(), tags.clone()));
        Ok(Ensured::Done)
    }

    async fn overwrite_parameter(&self, name: &str, value: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ssm:PutParameter", name)?;
        let entry = state
            .registry
            .parameters
            .entry(name.to_string())
            .or_insert_with(|| (String::new(), Tags::new()));
        entry.0 = value.to_string();
        Ok(())
    }

    async fn delete_parameter(&self, name: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:DeleteParameter", name)?;
        Ok(match state.registry.parameters.remove(name) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

impl PullThroughCacheApi for FakeAws {
    async fn list_pull_through_cache_rules(&self) -> Result<Vec<PullThroughCacheRule>, LiveError> {
        let state = self.enter("ecr:DescribePullThroughCacheRules", "")?;
        Ok(state
            .registry
            .pull_through_cache
            .values()
            .cloned()
            .collect())
    }

    async fn create_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:CreatePullThroughCacheRule", &rule.prefix)?;
        if state.registry.pull_through_cache.contains_key(&rule.prefix) {
            return Ok(Ensured::NotNeeded);
        }
        let stored = PullThroughCacheRule {
            tags: Tags::new(),
            ..rule.clone()
        };
        state
            .registry
            .pull_through_cache
            .insert(rule.prefix.clone(), stored);
        Ok(Ensured::Done)
    }

    async fn update_pull_through_cache_rule(
        &self,
        rule: &PullThroughCacheRule,
    ) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdatePullThroughCacheRule";
        let mut state = self.enter(OP, &rule.prefix)?;
        let Some(stored) = state.registry.pull_through_cache.get_mut(&rule.prefix) else {
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
        let mut state = self.enter("ecr:DeletePullThroughCacheRule", prefix)?;
        Ok(match state.registry.pull_through_cache.remove(prefix) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

impl CreationTemplateApi for FakeAws {
    async fn list_creation_templates(&self) -> Result<Vec<CreationTemplate>, LiveError> {
        let state = self.enter("ecr:DescribeRepositoryCreationTemplates", "")?;
        Ok(state
            .registry
            .creation_templates
            .values()
            .cloned()
            .collect())
    }

    async fn create_creation_template(
        &self,
        template: &CreationTemplate,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:CreateRepositoryCreationTemplate", &template.prefix)?;
        if state
            .registry
            .creation_templates
            .contains_key(&template.prefix)
        {
            return Ok(Ensured::NotNeeded);
        }
        state.registry.creation_templates.insert(
            template.prefix.clone(),
            CreationTemplate {
                tags: Tags::new(),
                ..template.clone()
            },
        );
        Ok(Ensured::Done)
    }

    async fn update_creation_template(&self, template: &CreationTemplate) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdateRepositoryCreationTemplate";
        let mut state = self.enter(OP, &template.prefix)?;
        let Some(stored) = state.registry.creation_templates.get_mut(&template.prefix) else {
            return Err(Self::error(
                OP,
                ErrorKind::NotFound,
                "TemplateNotFoundException",
                format!("no template for {}", template.prefix),
            ));
        };
        *stored = CreationTemplate {
            tags: Tags::new(),
            ..template.clone()
        };
        Ok(())
    }

    async fn delete_creation_template(&self, prefix: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeleteRepositoryCreationTemplate", prefix)?;
        Ok(match state.registry.creation_templates.remove(prefix) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}
