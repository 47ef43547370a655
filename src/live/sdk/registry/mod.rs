//! Registry-wide ECR settings and SSM parameters through the SDK: one call per method (one
//! listing for parameters), answers translated into the model's types. Pull-through cache rules
//! and creation templates are in their own files.

use aws_sdk_ecr::types::{
    RegistryScanningRule, RepositoryFilter, RepositoryFilterType, ScanFrequency as SdkFrequency,
    ScanType as SdkScanType, ScanningRepositoryFilter, ScanningRepositoryFilterType,
};

use super::{SdkAws, ensured_unless, live_error, not_found_as_none};
use crate::kinds::registry::{
    Destination, ReplicationRule, ScanFrequency, ScanType, Scanning, ScanningRule,
};
use crate::live::{Ensured, ErrorKind, LiveError, RegistryApi, SsmApi};
use crate::model::Tags;

pub(crate) fn build_error(
    operation: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> LiveError {
    LiveError::new(operation, ErrorKind::Invalid, None, e)
}

/// A value this tool does not know yet (AWS added one) is an error rather than a guess.
pub(crate) fn unknown(operation: &'static str, what: &str) -> LiveError {
    LiveError::new(
        operation,
        ErrorKind::Other,
        None,
        std::io::Error::other(format!("AWS answered an unknown {what}")),
    )
}

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

impl SsmApi for SdkAws {
    async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, LiveError> {
        const OP: &str = "ssm:GetParametersByPath";
        let mut out = Vec::new();
        let mut token = None;
        loop {
            let page = self
                .ssm
                .get_parameters_by_path()
                .path(path)
                .recursive(false)
                .set_next_token(token)
                .send()
                .await
                .map_err(|e| live_error(OP, e))?;
            for p in page.parameters() {
                if let (Some(name), Some(value)) = (p.name(), p.value()) {
                    out.push((name.to_string(), value.to_string()));
                }
            }
            token = page.next_token().map(str::to_string);
            if token.is_none() {
                return Ok(out);
            }
        }
    }

    async fn get_parameter(&self, name: &str) -> Result<Option<String>, LiveError> {
        let result = self
            .ssm
            .get_parameter()
            .name(name)
            .send()
            .await
            .map(|out| {
                out.parameter()
                    .and_then(|p| p.value())
                    .unwrap_or_default()
                    .to_string()
            })
            .map_err(|e| live_error("ssm:GetParameter", e));
        not_found_as_none(result)
    }

    async fn create_parameter(
        &self,
        name: &str,
        value: &str,
        tags: &Tags,
    ) -> Result<Ensured, LiveError> {
        const OP: &str = "ssm:PutParameter";
        let tags = tags
            .iter()
            .map(|(k, v)| {
                aws_sdk_ssm::types::Tag::builder()
                    .key(k)
                    .value(v)
                    .build()
                    .map_err(|e| build_error(OP, e))
            })
            .collect::<Result<Vec<_>, _>>()?;
        ensured_unless(
            ErrorKind::AlreadyExists,
            self.ssm
                .put_parameter()
                .name(name)
                .value(value)
                .r#type(aws_sdk_ssm::types::ParameterType::String)
                .set_tags(Some(tags))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }

    async fn overwrite_parameter(&self, name: &str, value: &str) -> Result<(), LiveError> {
        const OP: &str = "ssm:PutParameter";
        self.ssm
            .put_parameter()
            .name(name)
            .value(value)
            .r#type(aws_sdk_ssm::types::ParameterType::String)
            .overwrite(true)
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn delete_parameter(&self, name: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "ssm:DeleteParameter";
        ensured_unless(
            ErrorKind::NotFound,
            self.ssm
                .delete_parameter()
                .name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
