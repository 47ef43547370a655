//! The registry-wide settings through the SDK: answers translated into the model's types.

use aws_sdk_ecr::types::{
    RegistryScanningRule, RepositoryFilter, RepositoryFilterType, ScanFrequency as SdkFrequency,
    ScanType as SdkScanType, ScanningRepositoryFilter, ScanningRepositoryFilterType,
};

use super::live::RegistryApi;
use super::{Destination, ReplicationRule, ScanFrequency, ScanType, Scanning, ScanningRule};
use crate::live::sdk::{SdkAws, ensured_unless, live_error, not_found_as_none};
use crate::live::sdk::{build_error, unknown};
use crate::live::{Ensured, ErrorKind, LiveError};

impl RegistryApi for SdkAws {
    async fn get_registry_scanning(&self) -> Result<Scanning, LiveError> {
        const OP: &str = "ecr:GetRegistryScanningConfiguration";
        let out = self
            .ecr
            .get_registry_scanning_configuration()
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        let Some(config) = out.scanning_configuration() else {
            return Ok(Scanning::default());
        };
        let scan_type = match config.scan_type() {
            None => ScanType::Basic,
            Some(t) => ScanType::parse(t.as_str()).ok_or_else(|| unknown(OP, "scan type"))?,
        };
        let mut rules = Vec::new();
        for rule in config.rules() {
            rules.push(ScanningRule {
                frequency: ScanFrequency::parse(rule.scan_frequency().as_str())
                    .ok_or_else(|| unknown(OP, "scan frequency"))?,
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_string())
                    .collect(),
            });
        }
        Ok(Scanning { scan_type, rules })
    }

    async fn put_registry_scanning(&self, scanning: &Scanning) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutRegistryScanningConfiguration";
        let mut rules = Vec::new();
        for rule in &scanning.rules {
            let filters = rule
                .filters
                .iter()
                .map(|f| {
                    ScanningRepositoryFilter::builder()
                        .filter(f)
                        .filter_type(ScanningRepositoryFilterType::Wildcard)
                        .build()
                        .map_err(|e| build_error(OP, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            rules.push(
                RegistryScanningRule::builder()
                    .scan_frequency(SdkFrequency::from(rule.frequency.as_str()))
                    .set_repository_filters(Some(filters))
                    .build()
                    .map_err(|e| build_error(OP, e))?,
            );
        }
        self.ecr
            .put_registry_scanning_configuration()
            .scan_type(SdkScanType::from(scanning.scan_type.as_str()))
            .set_rules(Some(rules))
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn get_replication(&self) -> Result<Vec<ReplicationRule>, LiveError> {
        const OP: &str = "ecr:DescribeRegistry";
        let out = self
            .ecr
            .describe_registry()
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        let Some(config) = out.replication_configuration() else {
            return Ok(Vec::new());
        };
        Ok(config
            .rules()
            .iter()
            .map(|rule| ReplicationRule {
                destinations: rule
                    .destinations()
                    .iter()
                    .map(|d| Destination {
                        region: d.region().to_string(),
                        account: d.registry_id().to_string(),
                    })
                    .collect(),
                filters: rule
                    .repository_filters()
                    .iter()
                    .map(|f| f.filter().to_string())
                    .collect(),
            })
            .collect())
    }

    async fn put_replication(&self, rules: &[ReplicationRule]) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutReplicationConfiguration";
        let mut sdk_rules = Vec::new();
        for rule in rules {
            let destinations = rule
                .destinations
                .iter()
                .map(|d| {
                    aws_sdk_ecr::types::ReplicationDestination::builder()
                        .region(&d.region)
                        .registry_id(&d.account)
                        .build()
                        .map_err(|e| build_error(OP, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            let filters = rule
                .filters
                .iter()
                .map(|f| {
                    RepositoryFilter::builder()
                        .filter(f)
                        .filter_type(RepositoryFilterType::PrefixMatch)
                        .build()
                        .map_err(|e| build_error(OP, e))
                })
                .collect::<Result<Vec<_>, _>>()?;
            sdk_rules.push(
                aws_sdk_ecr::types::ReplicationRule::builder()
                    .set_destinations(Some(destinations))
                    .set_repository_filters((!filters.is_empty()).then_some(filters))
                    .build()
                    .map_err(|e| build_error(OP, e))?,
            );
        }
        let config = aws_sdk_ecr::types::ReplicationConfiguration::builder()
            .set_rules(Some(sdk_rules))
            .build()
            .map_err(|e| build_error(OP, e))?;
        self.ecr
            .put_replication_configuration()
            .replication_configuration(config)
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn get_registry_policy(&self) -> Result<Option<String>, LiveError> {
        const OP: &str = "ecr:GetRegistryPolicy";
        let out = not_found_as_none(
            self.ecr
                .get_registry_policy()
                .send()
                .await
                .map_err(|e| live_error(OP, e)),
        )?;
        Ok(out.and_then(|o| o.policy_text().map(str::to_string)))
    }

    async fn put_registry_policy(&self, text: &str) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutRegistryPolicy";
        self.ecr
            .put_registry_policy()
            .policy_text(text)
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn delete_registry_policy(&self) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteRegistryPolicy";
        ensured_unless(
            ErrorKind::NotFound,
            self.ecr
                .delete_registry_policy()
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
