//! ECR through the SDK: one call per method, answers translated into the live types.

use aws_sdk_ecr::types::{
    DescribeImagesFilter, EncryptionConfiguration, EncryptionType, ImageDetail, ImageIdentifier,
    ImageScanningConfiguration, ImageStatusFilter, ImageTagMutability,
    ImageTagMutabilityExclusionFilter, ImageTagMutabilityExclusionFilterType, Tag,
};

use super::{SdkAws, ensured_unless, live_error, none_when_code, not_found_as_none};
use crate::live::{EcrApi, Ensured, ErrorKind, LiveError, NewRepository, RepositoryInfo};
use crate::model::image::{INDEX_MEDIA_TYPES, Image, StorageClass, manifest_children};
use crate::model::{Encryption, TagMutability, Tags};

/// The setting as ECR names it: with exclusion filters, `…_WITH_EXCLUSION`.
pub(crate) fn mutability(value: TagMutability, filters: &[String]) -> ImageTagMutability {
    match (value, filters.is_empty()) {
        (TagMutability::Mutable, true) => ImageTagMutability::Mutable,
        (TagMutability::Immutable, true) => ImageTagMutability::Immutable,
        (TagMutability::Mutable, false) => ImageTagMutability::MutableWithExclusion,
        (TagMutability::Immutable, false) => ImageTagMutability::ImmutableWithExclusion,
    }
}

/// Wildcard exclusion filters; `None` for none (the field is then left out).
pub(crate) fn exclusion_filters(
    operation: &'static str,
    filters: &[String],
) -> Result<Option<Vec<ImageTagMutabilityExclusionFilter>>, LiveError> {
    if filters.is_empty() {
        return Ok(None);
    }
    filters
        .iter()
        .map(|f| {
            ImageTagMutabilityExclusionFilter::builder()
                .filter_type(ImageTagMutabilityExclusionFilterType::Wildcard)
                .filter(f)
                .build()
                .map_err(|e| build_error(operation, e))
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Some)
}

fn build_error(
    operation: &'static str,
    e: impl std::error::Error + Send + Sync + 'static,
) -> LiveError {
    LiveError::new(operation, ErrorKind::Invalid, None, e)
}

pub(crate) fn sdk_tags(operation: &'static str, tags: &Tags) -> Result<Vec<Tag>, LiveError> {
    tags.iter()
        .map(|(k, v)| {
            Tag::builder()
                .key(k)
                .value(v)
                .build()
                .map_err(|e| build_error(operation, e))
        })
        .collect()
}

fn repository_info(repo: &aws_sdk_ecr::types::Repository) -> RepositoryInfo {
    let mutability = match repo.image_tag_mutability() {
        Some(ImageTagMutability::Mutable | ImageTagMutability::MutableWithExclusion) => {
            TagMutability::Mutable
        }
        _ => TagMutability::Immutable,
    };
    let encryption = match repo.encryption_configuration() {
        Some(cfg) => {
            let kms_key = cfg.kms_key().filter(|k| !k.is_empty()).map(str::to_string);
            match cfg.encryption_type() {
                EncryptionType::KmsDsse => Encryption::KmsDsse { kms_key },
                EncryptionType::Aes256 => Encryption::Aes256,
                // KMS, and any type newer than this SDK: planned as a replacement if the spec
                // says otherwise.
                _ => Encryption::Kms { kms_key },
            }
        }
        None => Encryption::Aes256,
    };
    let mut exclusion_filters: Vec<String> = repo
        .image_tag_mutability_exclusion_filters()
        .iter()
        .map(|f| f.filter().to_string())
        .collect();
    exclusion_filters.sort();
    RepositoryInfo {
        name: repo.repository_name().unwrap_or_default().to_string(),
        arn: repo.repository_arn().unwrap_or_default().to_string(),
        uri: repo.repository_uri().unwrap_or_default().to_string(),
        image_tag_mutability: mutability,
        exclusion_filters,
        scan_on_push: repo
            .image_scanning_configuration()
            .is_some_and(|c| c.scan_on_push()),
        encryption,
    }
}

fn millis(t: Option<&aws_smithy_types::DateTime>) -> Option<i64> {
    t.and_then(|t| t.to_millis().ok())
}

fn image(detail: &ImageDetail) -> Image {
    let mut tags = detail.image_tags().to_vec();
    tags.sort();
    Image {
        digest: detail.image_digest().unwrap_or_default().to_string(),
        tags,
        pushed_at: millis(detail.image_pushed_at()).unwrap_or_default(),
        last_pulled_at: millis(detail.last_recorded_pull_time()),
        storage_class: StorageClass::from_image_status(detail.image_status().map(|s| s.as_str())),
        last_archived_at: millis(detail.last_archived_at()),
        last_activated_at: millis(detail.last_activated_at()),
        size_bytes: detail
            .image_size_in_bytes()
            .and_then(|b| u64::try_from(b).ok())
            .unwrap_or_default(),
        media_type: detail.image_manifest_media_type().map(str::to_string),
        in_indexes: Vec::new(),
    }
}

impl EcrApi for SdkAws {
    fn repository_pages(
        &self,
    ) -> impl futures::Stream<Item = Result<Vec<RepositoryInfo>, LiveError>> + Send {
        let pages = self
            .ecr
            .describe_repositories()
            .max_results(1000)
            .into_paginator()
            .send();
        futures::stream::unfold(pages, |mut pages| async move {
            let page = pages.next().await?;
            let page = page
                .map(|p| p.repositories().iter().map(repository_info).collect())
                .map_err(|e| live_error("ecr:DescribeRepositories", e));
            Some((page, pages))
        })
    }

    async fn get_lifecycle_policy(&self, repository: &str) -> Result<Option<String>, LiveError> {
        let result = self
            .ecr
            .get_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .map(|out| out.lifecycle_policy_text().unwrap_or_default().to_string())
            .map_err(|e| live_error("ecr:GetLifecyclePolicy", e));
        none_when_code("LifecyclePolicyNotFoundException", result)
    }

    async fn get_repository_policy(&self, repository: &str) -> Result<Option<String>, LiveError> {
        let result = self
            .ecr
            .get_repository_policy()
            .repository_name(repository)
            .send()
            .await
            .map(|out| out.policy_text().unwrap_or_default().to_string())
            .map_err(|e| live_error("ecr:GetRepositoryPolicy", e));
        none_when_code("RepositoryPolicyNotFoundException", result)
    }

    async fn list_tags(&self, arn: &str) -> Result<Tags, LiveError> {
        let out = self
            .ecr
            .list_tags_for_resource()
            .resource_arn(arn)
            .send()
            .await
            .map_err(|e| live_error("ecr:ListTagsForResource", e))?;
        Ok(out
            .tags()
            .iter()
            .map(|t| (t.key().to_string(), t.value().to_string()))
            .collect())
    }

    async fn has_images(&self, repository: &str) -> Result<Option<bool>, LiveError> {
        let result = self
            .ecr
            .list_images()
            .repository_name(repository)
            .max_results(1)
            .send()
            .await
            .map(|out| !out.image_ids().is_empty())
            .map_err(|e| live_error("ecr:ListImages", e));
        not_found_as_none(result)
    }

    async fn describe_images(&self, repository: &str) -> Result<Option<Vec<Image>>, LiveError> {
        const OP: &str = "ecr:DescribeImages";
        let mut out = Vec::new();
        let mut pages = self
            .ecr
            .describe_images()
            .repository_name(repository)
            .filter(
                DescribeImagesFilter::builder()
                    .image_status(ImageStatusFilter::Any)
                    .build(),
            )
            .max_results(1000)
            .into_paginator()
            .send();
        while let Some(page) = pages.next().await {
            match page.map_err(|e| live_error(OP, e)) {
                Ok(page) => out.extend(page.image_details().iter().map(image)),
                Err(e) if e.kind == ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        Ok(Some(out))
    }

    async fn index_children(
        &self,
        repository: &str,
        indexes: &[String],
    ) -> Result<Vec<(String, Vec<String>)>, LiveError> {
        let mut out = Vec::new();
        for chunk in indexes.chunks(100) {
            let ids = chunk
                .iter()
                .map(|d| ImageIdentifier::builder().image_digest(d).build())
                .collect();
            let result = self
                .ecr
                .batch_get_image()
                .repository_name(repository)
                .set_image_ids(Some(ids))
                .set_accepted_media_types(Some(
                    INDEX_MEDIA_TYPES.iter().map(|m| m.to_string()).collect(),
                ))
                .send()
                .await
                .map_err(|e| live_error("ecr:BatchGetImage", e));
            let Some(answer) = not_found_as_none(result)? else {
                return Ok(Vec::new());
            };
            for got in answer.images() {
                let Some(digest) = got.image_id().and_then(|i| i.image_digest()) else {
                    continue;
                };
                let children = got.image_manifest().map(manifest_children);
                out.push((digest.to_string(), children.unwrap_or_default()));
            }
        }
        Ok(out)
    }

    async fn create_repository(&self, new: &NewRepository<'_>) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:CreateRepository";
        let encryption_type = match new.encryption {
            Encryption::Aes256 => EncryptionType::Aes256,
            Encryption::Kms { .. } => EncryptionType::Kms,
            Encryption::KmsDsse { .. } => EncryptionType::KmsDsse,
        };
        // No key: ECR uses its AWS managed key.
        let encryption = EncryptionConfiguration::builder()
            .encryption_type(encryption_type)
            .set_kms_key(new.encryption.kms_key().map(str::to_string))
            .build()
            .map_err(|e| build_error(OP, e))?;
        let result = self
            .ecr
            .create_repository()
            .repository_name(new.name)
            .image_tag_mutability(mutability(new.image_tag_mutability, new.exclusion_filters))
            .set_image_tag_mutability_exclusion_filters(exclusion_filters(
                OP,
                new.exclusion_filters,
            )?)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(new.scan_on_push)
                    .build(),
            )
            .encryption_configuration(encryption)
            .set_tags(Some(sdk_tags(OP, new.tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error(OP, e));
        ensured_unless(ErrorKind::AlreadyExists, result)
    }

    async fn delete_repository(&self, repository: &str, force: bool) -> Result<Ensured, LiveError> {
        let result = self
            .ecr
            .delete_repository()
            .repository_name(repository)
            .force(force)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:DeleteRepository", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn put_image_tag_mutability(
        &self,
        repository: &str,
        value: TagMutability,
        filters: &[String],
    ) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutImageTagMutability";
        self.ecr
            .put_image_tag_mutability()
            .repository_name(repository)
            .image_tag_mutability(mutability(value, filters))
            .set_image_tag_mutability_exclusion_filters(exclusion_filters(OP, filters)?)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:PutImageTagMutability", e))
    }

    async fn put_scan_on_push(&self, repository: &str, value: bool) -> Result<(), LiveError> {
        self.ecr
            .put_image_scanning_configuration()
            .repository_name(repository)
            .image_scanning_configuration(
                ImageScanningConfiguration::builder()
                    .scan_on_push(value)
                    .build(),
            )
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:PutImageScanningConfiguration", e))
    }

    async fn put_lifecycle_policy(&self, repository: &str, text: &str) -> Result<(), LiveError> {
        self.ecr
            .put_lifecycle_policy()
            .repository_name(repository)
            .lifecycle_policy_text(text)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:PutLifecyclePolicy", e))
    }

    async fn delete_lifecycle_policy(&self, repository: &str) -> Result<Ensured, LiveError> {
        let result = self
            .ecr
            .delete_lifecycle_policy()
            .repository_name(repository)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:DeleteLifecyclePolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn set_repository_policy(&self, repository: &str, text: &str) -> Result<(), LiveError> {
        self.ecr
            .set_repository_policy()
            .repository_name(repository)
            .policy_text(text)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:SetRepositoryPolicy", e))
    }

    async fn delete_repository_policy(&self, repository: &str) -> Result<Ensured, LiveError> {
        let result = self
            .ecr
            .delete_repository_policy()
            .repository_name(repository)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:DeleteRepositoryPolicy", e));
        ensured_unless(ErrorKind::NotFound, result)
    }

    async fn tag_resource(&self, arn: &str, tags: &Tags) -> Result<(), LiveError> {
        const OP: &str = "ecr:TagResource";
        self.ecr
            .tag_resource()
            .resource_arn(arn)
            .set_tags(Some(sdk_tags(OP, tags)?))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error(OP, e))
    }

    async fn untag_resource(&self, arn: &str, keys: &[String]) -> Result<(), LiveError> {
        self.ecr
            .untag_resource()
            .resource_arn(arn)
            .set_tag_keys(Some(keys.to_vec()))
            .send()
            .await
            .map(|_| ())
            .map_err(|e| live_error("ecr:UntagResource", e))
    }
}
