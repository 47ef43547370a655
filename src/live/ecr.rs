//! The ECR operations this tool uses.

use super::{Ensured, LiveError};
use crate::model::{Encryption, TagMutability, Tags};

/// What DescribeRepositories says about one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryInfo {
    pub name: String,
    pub arn: String,
    pub uri: String,
    pub image_tag_mutability: TagMutability,
    /// Tags exempt from the mutability setting (`…_WITH_EXCLUSION`), sorted.
    pub exclusion_filters: Vec<String>,
    pub scan_on_push: bool,
    pub encryption: Encryption,
}

#[derive(Debug, Clone)]
pub struct NewRepository<'a> {
    pub name: &'a str,
    pub image_tag_mutability: TagMutability,
    pub exclusion_filters: &'a [String],
    pub scan_on_push: bool,
    pub encryption: &'a Encryption,
    pub tags: &'a Tags,
}

pub trait EcrApi {
    /// Every repository of the account and region, all pages.
    fn list_repositories(&self) -> impl Future<Output = Result<Vec<RepositoryInfo>, LiveError>>;
    fn get_lifecycle_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    fn get_repository_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    fn list_tags(&self, arn: &str) -> impl Future<Output = Result<Tags, LiveError>>;
    /// Whether the repository holds at least one image (`None` when it does not exist).
    fn has_images(&self, repository: &str)
    -> impl Future<Output = Result<Option<bool>, LiveError>>;

    /// Creates the repository; `NotNeeded` when one of that name already exists.
    fn create_repository(
        &self,
        new: &NewRepository<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn delete_repository(
        &self,
        repository: &str,
        force: bool,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn put_image_tag_mutability(
        &self,
        repository: &str,
        value: TagMutability,
        exclusion_filters: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn put_scan_on_push(
        &self,
        repository: &str,
        value: bool,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn put_lifecycle_policy(
        &self,
        repository: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_lifecycle_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn set_repository_policy(
        &self,
        repository: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    fn delete_repository_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    fn tag_resource(&self, arn: &str, tags: &Tags) -> impl Future<Output = Result<(), LiveError>>;
    fn untag_resource(
        &self,
        arn: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
}
