//! Repository creation templates through the SDK: one call per method.

use super::live::CreationTemplateApi;
use crate::live::sdk::{SdkAws, build_error, ensured_unless, live_error, prefix_key};
use crate::live::{Ensured, ErrorKind, LiveError};
use crate::model::{
    CreationTemplate, Encryption, LifecyclePolicy, PolicyDocument, RepositorySettings,
    TagMutability, Tags,
};

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
        settings: RepositorySettings {
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
        },
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
    let encryption_type = match t.settings.encryption {
        Encryption::Aes256 => EncryptionType::Aes256,
        Encryption::Kms { .. } => EncryptionType::Kms,
        Encryption::KmsDsse { .. } => EncryptionType::KmsDsse,
    };
    Ok(TemplateFields {
        encryption:
            aws_sdk_ecr::types::EncryptionConfigurationForRepositoryCreationTemplate::builder()
                .encryption_type(encryption_type)
                .set_kms_key(t.settings.encryption.kms_key().map(str::to_string))
                .build()
                .map_err(|e| build_error(operation, e))?,
        tags: crate::live::sdk::ecr::sdk_tags(operation, &t.resource_tags)?,
        mutability: crate::live::sdk::ecr::mutability(
            t.settings.image_tag_mutability,
            &t.settings.image_tag_mutability_exclusion_filters,
        ),
        filters: crate::live::sdk::ecr::exclusion_filters(
            operation,
            &t.settings.image_tag_mutability_exclusion_filters,
        )?,
        applied_for: t
            .applied_for
            .iter()
            .map(|a| RctAppliedFor::from(a.as_str()))
            .collect(),
        lifecycle: t
            .settings
            .lifecycle_policy
            .as_ref()
            .map(LifecyclePolicy::to_aws_text),
        policy: t
            .settings
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
