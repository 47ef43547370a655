//! The fake's registry-wide settings, with AWS's answers: the default BASIC scanning without
//! rules, no replication, `RegistryPolicyNotFoundException` when there is no policy.

use super::live::RegistryApi;
use super::{ReplicationRule, Scanning};
use crate::live::fake::FakeAws;
use crate::live::{Ensured, ErrorKind, LiveError};

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
