//! The fake's registry-wide settings and SSM parameters, with AWS's answers: the default BASIC
//! scanning without rules, no replication, `RegistryPolicyNotFoundException` when there is no
//! policy, and parameters that refuse tags on an overwrite. Pull-through cache rules and creation
//! templates are in their own files.

use std::collections::BTreeMap;

use super::FakeAws;
use crate::kinds::registry::{ReplicationRule, Scanning};
use crate::kinds::signing::SigningRule;
use crate::live::{Ensured, ErrorKind, LiveError, RegistryApi, SsmApi};
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
    /// The signing configuration's rules, in order.
    pub(crate) signing: Vec<SigningRule>,
    /// Pull-time update exclusions: principal ARNs.
    pub pull_time_exclusions: std::collections::BTreeSet<String>,
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
        let state = self
            .enter("ecr:GetRegistryScanningConfiguration", "")
            .await?;
        Ok(state.registry.scanning.clone())
    }

    async fn put_registry_scanning(&self, scanning: &Scanning) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutRegistryScanningConfiguration";
        let mut state = self.enter(OP, "").await?;
        if scanning.rules.len() > crate::kinds::registry::MAX_SCANNING_RULES {
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
        let state = self.enter("ecr:DescribeRegistry", "").await?;
        Ok(state.registry.replication.clone())
    }

    async fn put_replication(&self, rules: &[ReplicationRule]) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutReplicationConfiguration", "").await?;
        state.registry.replication = rules.to_vec();
        Ok(())
    }

    async fn get_registry_policy(&self) -> Result<Option<String>, LiveError> {
        let state = self.enter("ecr:GetRegistryPolicy", "").await?;
        Ok(state.registry.policy.clone())
    }

    async fn get_account_setting(&self, name: &str) -> Result<Option<String>, LiveError> {
        let state = self.enter("ecr:GetAccountSetting", name).await?;
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

    async fn get_signing_configuration(&self) -> Result<Vec<SigningRule>, LiveError> {
        let state = self.enter("ecr:GetSigningConfiguration", "").await?;
        Ok(state.registry.signing.clone())
    }

    async fn put_signing_configuration(&self, rules: &[SigningRule]) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutSigningConfiguration";
        let mut state = self.enter(OP, "").await?;
        if rules.len() > crate::kinds::signing::MAX_RULES {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "ValidationException",
                "at most 10 signing rules".into(),
            ));
        }
        state.registry.signing = rules.to_vec();
        Ok(())
    }

    async fn delete_signing_configuration(&self) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeleteSigningConfiguration", "").await?;
        Ok(if std::mem::take(&mut state.registry.signing).is_empty() {
            Ensured::NotNeeded
        } else {
            Ensured::Done
        })
    }

    async fn list_pull_time_exclusions(&self) -> Result<Vec<String>, LiveError> {
        let state = self.enter("ecr:ListPullTimeUpdateExclusions", "").await?;
        Ok(state
            .registry
            .pull_time_exclusions
            .iter()
            .cloned()
            .collect())
    }

    async fn register_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:RegisterPullTimeUpdateExclusion";
        let mut state = self.enter(OP, principal_arn).await?;
        let exclusions = &mut state.registry.pull_time_exclusions;
        if exclusions.contains(principal_arn) {
            return Ok(Ensured::NotNeeded);
        }
        if exclusions.len() >= crate::kinds::pull_time_exclusion::MAX_EXCLUSIONS {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "LimitExceededException",
                "at most 100 pull-time update exclusions".into(),
            ));
        }
        exclusions.insert(principal_arn.to_string());
        Ok(Ensured::Done)
    }

    async fn deregister_pull_time_exclusion(
        &self,
        principal_arn: &str,
    ) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:DeregisterPullTimeUpdateExclusion", principal_arn)
            .await?;
        Ok(
            if state.registry.pull_time_exclusions.remove(principal_arn) {
                Ensured::Done
            } else {
                Ensured::NotNeeded
            },
        )
    }

    async fn put_account_setting(&self, name: &str, value: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutAccountSetting", name).await?;
        state
            .registry
            .account_settings
            .insert(name.to_string(), value.to_string());
        Ok(())
    }

    async fn put_registry_policy(&self, text: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ecr:PutRegistryPolicy", "").await?;
        // AWS hands documents back reformatted.
        let reformatted = serde_json::from_str::<serde_json::Value>(text)
            .map(|v| serde_json::to_string_pretty(&v).expect("a value serializes"))
            .unwrap_or_else(|_| text.to_string());
        state.registry.policy = Some(reformatted);
        Ok(())
    }

    async fn delete_registry_policy(&self) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeleteRegistryPolicy", "").await?;
        Ok(match state.registry.policy.take() {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

impl SsmApi for FakeAws {
    async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, LiveError> {
        let state = self.enter("ssm:GetParametersByPath", path).await?;
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
        let state = self.enter("ssm:GetParameter", name).await?;
        Ok(state.registry.parameters.get(name).map(|(v, _)| v.clone()))
    }

    async fn create_parameter(
        &self,
        name: &str,
        value: &str,
        tags: &Tags,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:PutParameter", name).await?;
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
        let mut state = self.enter("ssm:PutParameter", name).await?;
        let entry = state
            .registry
            .parameters
            .entry(name.to_string())
            .or_insert_with(|| (String::new(), Tags::new()));
        entry.0 = value.to_string();
        Ok(())
    }

    async fn delete_parameter(&self, name: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:DeleteParameter", name).await?;
        Ok(match state.registry.parameters.remove(name) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}
