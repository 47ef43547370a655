//! The ECR operations this tool uses.

use super::{Ensured, LiveError};
use crate::model::image::Image;
use crate::model::{Encryption, TagMutability, Tags};

/// What DescribeRepositories says about one repository.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryInfo {
    /// The repository name (without registry host).
    pub name: String,
    /// `arn:PARTITION:ecr:REGION:ACCOUNT:repository/NAME`, the key for tag calls.
    pub arn: String,
    /// The registry URI as AWS reports it (`ACCOUNT.dkr.ecr.REGION.amazonaws.com/NAME`), what
    /// `docker push` takes.
    pub uri: String,
    /// `MUTABLE` or `IMMUTABLE`, with the `…_WITH_EXCLUSION` forms folded into these two.
    pub image_tag_mutability: TagMutability,
    /// Tags exempt from the mutability setting (`…_WITH_EXCLUSION`), sorted.
    pub exclusion_filters: Vec<String>,
    /// Whether images are scanned when pushed (basic scanning configuration).
    pub scan_on_push: bool,
    /// Encryption at rest; AES256 unless AWS reports a KMS key.
    pub encryption: Encryption,
}

/// Everything CreateRepository sets at once, so a new repository never exists half-configured.
#[derive(Debug, Clone)]
pub struct NewRepository<'a> {
    /// The repository name.
    pub name: &'a str,
    /// Tag mutability; sent as `…_WITH_EXCLUSION` when `exclusion_filters` is not empty.
    pub image_tag_mutability: TagMutability,
    /// Wildcard tag filters exempt from the mutability setting; empty for none.
    pub exclusion_filters: &'a [String],
    /// Whether images are scanned when pushed.
    pub scan_on_push: bool,
    /// Encryption at rest, which ECR fixes at creation.
    pub encryption: &'a Encryption,
    /// Tags the repository is created with.
    pub tags: &'a Tags,
}

/// The ECR calls this tool makes, each one AWS API action (or one paginated listing) in the
/// account and region the client was built for. A missing repository is `None` or
/// [`Ensured::NotNeeded`] where the method says so, and a [`LiveError`] everywhere else.
pub trait EcrApi {
    /// The repositories of the account and region, a page at a time as each arrives
    /// (`ecr:DescribeRepositories`, 1000 a page): readers start on a page while the next is read.
    fn repository_pages(
        &self,
    ) -> impl futures::Stream<Item = Result<Vec<RepositoryInfo>, LiveError>> + Send;
    /// Every repository of the account and region, all pages.
    fn list_repositories(&self) -> impl Future<Output = Result<Vec<RepositoryInfo>, LiveError>> {
        futures::TryStreamExt::try_concat(self.repository_pages())
    }
    /// The lifecycle policy text (`ecr:GetLifecyclePolicy`); `None` when the repository has no
    /// lifecycle policy; a missing repository is an error of kind `NotFound`.
    fn get_lifecycle_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// The repository policy text as AWS returns it (`ecr:GetRepositoryPolicy`); `None` when the
    /// repository has no policy; a missing repository is an error of kind `NotFound`.
    fn get_repository_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Option<String>, LiveError>>;
    /// The tags of the resource with this ARN (`ecr:ListTagsForResource`); a missing repository
    /// is an error.
    fn list_tags(&self, arn: &str) -> impl Future<Output = Result<Tags, LiveError>>;
    /// Whether the repository holds at least one image, from one page of `ecr:ListImages`
    /// (`None` when the repository does not exist).
    fn has_images(&self, repository: &str)
    -> impl Future<Output = Result<Option<bool>, LiveError>>;
    /// Every image of the repository, archived and activating ones included, all pages
    /// (`ecr:DescribeImages`, image status `ANY`); `None` when the repository does not exist.
    /// `in_indexes` is left empty: [`EcrApi::index_children`] tells it.
    fn describe_images(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Option<Vec<Image>>, LiveError>>;
    /// The digests each of these image indexes lists, by index digest (`ecr:BatchGetImage`, up
    /// to 100 indexes a call). An index that is gone, or not an index, lists nothing.
    fn index_children(
        &self,
        repository: &str,
        indexes: &[String],
    ) -> impl Future<Output = Result<Vec<(String, Vec<String>)>, LiveError>>;

    /// Creates the repository with all its settings and tags (`ecr:CreateRepository`);
    /// `NotNeeded` when one of that name already exists, whatever its settings.
    fn create_repository(
        &self,
        new: &NewRepository<'_>,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Deletes the repository (`ecr:DeleteRepository`), with its images only when `force`;
    /// `NotNeeded` when it does not exist. Without `force` a repository holding images is an error
    /// of kind `Conflict`.
    fn delete_repository(
        &self,
        repository: &str,
        force: bool,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Sets tag mutability and its exclusion filters together (`ecr:PutImageTagMutability`);
    /// a missing repository is an error.
    fn put_image_tag_mutability(
        &self,
        repository: &str,
        value: TagMutability,
        exclusion_filters: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Turns scanning on push on or off (`ecr:PutImageScanningConfiguration`); a missing
    /// repository is an error.
    fn put_scan_on_push(
        &self,
        repository: &str,
        value: bool,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Replaces the lifecycle policy with this JSON text (`ecr:PutLifecyclePolicy`); a missing
    /// repository is an error.
    fn put_lifecycle_policy(
        &self,
        repository: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes the lifecycle policy (`ecr:DeleteLifecyclePolicy`); `NotNeeded` when there is
    /// none or the repository does not exist.
    fn delete_lifecycle_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Replaces the repository policy with this JSON text (`ecr:SetRepositoryPolicy`); a missing
    /// repository is an error.
    fn set_repository_policy(
        &self,
        repository: &str,
        text: &str,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes the repository policy (`ecr:DeleteRepositoryPolicy`); `NotNeeded` when there is
    /// none or the repository does not exist.
    fn delete_repository_policy(
        &self,
        repository: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// Adds these tags, overwriting values of keys already present (`ecr:TagResource`); a
    /// missing repository is an error.
    fn tag_resource(&self, arn: &str, tags: &Tags) -> impl Future<Output = Result<(), LiveError>>;
    /// Removes the tags with these keys (`ecr:UntagResource`); a missing repository is an error.
    fn untag_resource(
        &self,
        arn: &str,
        keys: &[String],
    ) -> impl Future<Output = Result<(), LiveError>>;
}
