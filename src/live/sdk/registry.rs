//! Registry-wide ECR settings and SSM parameters through the SDK: one call per method (one
//! listing for parameters), answers translated into the model's types.

use aws_sdk_ecr::types::{
    RegistryScanningRule, RepositoryFilter, RepositoryFilterType, ScanFrequency as SdkFrequency,
    ScanType as SdkScanType, ScanningRepositoryFilter, ScanningRepositoryFilterType,
};

use super::{SdkAws, ensured_unless, live_error, not_found_as_none};
use crate::live::{
    CreationTemplateApi, Ensured, ErrorKind, LiveError, PullThroughCacheApi, RegistryApi, SsmApi,
};
use crate::model::registry::{
    Destination, ReplicationRule, ScanFrequency, ScanType, Scanning, ScanningRule,
};
use crate::model::{
    CreationTemplate, Encryption, LifecyclePolicy, PolicyDocument, PullThroughCacheRule,
    TagMutability, Tags,
};

fn build_error(
    operation: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> LiveError {
    LiveError::new(operation, ErrorKind::Invalid, None, e)
}

/// A value this tool does not know yet (AWS added one) is an error rather than a guess.
fn unknown(operation: &'static str, what: &str) -> LiveError {
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

    async fn get_account_setting(&self, name: &str) -> Result<Option<String>, LiveError> {
        let out = self
            .ecr
            .get_account_setting()
            .name(name)
            .send()
            .await
            .map_err(|e| live_error("ecr:GetAccountSetting", e))?;
        Ok(out.value().map(str::to_string))
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

/// A prefix as ECR may hand it back (`prod/`): the rule's key, without the slash AWS assumes.
fn prefix_key(prefix: &str) -> String {
    prefix.trim_end_matches('/').to_string()
}

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

fn template_from(t: &aws_sdk_ecr::types::RepositoryCreationTemplate) -> CreationTemplate {
    use aws_sdk_ecr::types::{EncryptionType, ImageTagMutability};
    let image_tag_mutability = match t.image_tag_mutability() {
        Some(ImageTagMutability::Mutable | ImageTagMutability::MutableWithExclusion) => {
            TagMutability::Mutable
        }
        _ => TagMutability::Immutable,
    };
    let encryption = match t.encryption_configuration() {
        None => Encryption::Aes256,
        Some(cfg) => {
            let kms_key = cfg.kms_key().filter(|k| !k.is_empty()).map(str::to_string);
            match cfg.encryption_type() {
                EncryptionType::Aes256 => Encryption::Aes256,
                EncryptionType::KmsDsse => Encryption::KmsDsse { kms_key },
                _ => Encryption::Kms { kms_key },
            }
        }
    };
    let mut applied_for: Vec<String> = t
        .applied_for()
        .iter()
        .map(|a| a.as_str().to_string())
        .collect();
    applied_for.sort();
    let mut filters: Vec<String> = t
        .image_tag_mutability_exclusion_filters()
        .iter()
        .map(|f| f.filter().to_string())
        .collect();
    filters.sort();
    CreationTemplate {
        prefix: prefix_key(t.prefix().unwrap_or_default()),
        description: t.description().unwrap_or_default().to_string(),
        applied_for,
        image_tag_mutability,
        image_tag_mutability_exclusion_filters: filters,
        encryption,
        lifecycle_policy: t
            .lifecycle_policy()
            .filter(|p| !p.is_empty())
            .map(LifecyclePolicy::from_aws_text),
        repository_policy: t
            .repository_policy()
            .filter(|p| !p.is_empty())
            .and_then(|p| PolicyDocument::parse(p).ok()),
        resource_tags: t
            .resource_tags()
            .iter()
            .map(|tag| (tag.key().to_string(), tag.value().to_string()))
            .collect(),
        custom_role_arn: t
            .custom_role_arn()
            .filter(|r| !r.is_empty())
            .map(str::to_string),
        tags: Tags::new(),
    }
}

/// The request fields of a template, shared by create and update.
struct TemplateFields {
    encryption: aws_sdk_ecr::types::EncryptionConfigurationForRepositoryCreationTemplate,
    tags: Vec<aws_sdk_ecr::types::Tag>,
    mutability: aws_sdk_ecr::types::ImageTagMutability,
    filters: Option<Vec<aws_sdk_ecr::types::ImageTagMutabilityExclusionFilter>>,
    applied_for: Vec<aws_sdk_ecr::types::RctAppliedFor>,
    lifecycle: Option<String>,
    policy: Option<String>,
}

fn template_fields(
    operation: &'static str,
    t: &CreationTemplate,
) -> Result<TemplateFields, LiveError> {
    use aws_sdk_ecr::types::{EncryptionType, RctAppliedFor};
    let encryption_type = match t.encryption {
        Encryption::Aes256 => EncryptionType::Aes256,
        Encryption::Kms { .. } => EncryptionType::Kms,
        Encryption::KmsDsse { .. } => EncryptionType::KmsDsse,
    };
    Ok(TemplateFields {
        encryption:
            aws_sdk_ecr::types::EncryptionConfigurationForRepositoryCreationTemplate::builder()
                .encryption_type(encryption_type)
                .set_kms_key(t.encryption.kms_key().map(str::to_string))
                .build()
                .map_err(|e| build_error(operation, e))?,
        tags: super::ecr::sdk_tags(operation, &t.resource_tags)?,
        mutability: super::ecr::mutability(
            t.image_tag_mutability,
            &t.image_tag_mutability_exclusion_filters,
        ),
        filters: super::ecr::exclusion_filters(
            operation,
            &t.image_tag_mutability_exclusion_filters,
        )?,
        applied_for: t
            .applied_for
            .iter()
            .map(|a| RctAppliedFor::from(a.as_str()))
            .collect(),
        lifecycle: t
            .lifecycle_policy
            .as_ref()
            .map(LifecyclePolicy::to_aws_text),
        policy: t
            .repository_policy
            .as_ref()
            .map(PolicyDocument::to_json_string),
    })
}

impl CreationTemplateApi for SdkAws {
    async fn list_creation_templates(&self) -> Result<Vec<CreationTemplate>, LiveError> {
        const OP: &str = "ecr:DescribeRepositoryCreationTemplates";
        let mut out = Vec::new();
        let mut pages = self
            .ecr
            .describe_repository_creation_templates()
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| live_error(OP, e))?;
            out.extend(
                page.repository_creation_templates()
                    .iter()
                    .map(template_from),
            );
        }
        Ok(out)
    }

    async fn create_creation_template(&self, t: &CreationTemplate) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:CreateRepositoryCreationTemplate";
        let f = template_fields(OP, t)?;
        ensured_unless(
            ErrorKind::AlreadyExists,
            self.ecr
                .create_repository_creation_template()
                .prefix(&t.prefix)
                .description(&t.description)
                .encryption_configuration(f.encryption)
                .set_resource_tags(Some(f.tags))
                .image_tag_mutability(f.mutability)
                .set_image_tag_mutability_exclusion_filters(f.filters)
                .set_applied_for(Some(f.applied_for))
                .set_lifecycle_policy(f.lifecycle)
                .set_repository_policy(f.policy)
                .set_custom_role_arn(t.custom_role_arn.clone())
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }

    async fn update_creation_template(&self, t: &CreationTemplate) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdateRepositoryCreationTemplate";
        let f = template_fields(OP, t)?;
        self.ecr
            .update_repository_creation_template()
            .prefix(&t.prefix)
            .description(&t.description)
            .encryption_configuration(f.encryption)
            .set_resource_tags(Some(f.tags))
            .image_tag_mutability(f.mutability)
            .set_image_tag_mutability_exclusion_filters(f.filters)
            .set_applied_for(Some(f.applied_for))
            .lifecycle_policy(f.lifecycle.unwrap_or_default())
            .repository_policy(f.policy.unwrap_or_default())
            .custom_role_arn(t.custom_role_arn.clone().unwrap_or_default())
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn delete_creation_template(&self, prefix: &str) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteRepositoryCreationTemplate";
        ensured_unless(
            ErrorKind::NotFound,
            self.ecr
                .delete_repository_creation_template()
                .prefix(prefix)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
