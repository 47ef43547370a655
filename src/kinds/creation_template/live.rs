//! The repository creation templates of the registry (one per prefix).

use crate::live::{Ensured, LiveError};
use crate::model::CreationTemplate;

/// The registry's repository creation templates.
pub(crate) trait CreationTemplateApi {
    /// `ecr:DescribeRepositoryCreationTemplates`, every page (tags left empty).
    fn list_creation_templates(
        &self,
    ) -> impl Future<Output = Result<Vec<CreationTemplate>, LiveError>>;
    /// `ecr:CreateRepositoryCreationTemplate`: `NotNeeded` when one of that prefix exists.
    fn create_creation_template(
        &self,
        template: &CreationTemplate,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
    /// `ecr:UpdateRepositoryCreationTemplate`: every setting.
    fn update_creation_template(
        &self,
        template: &CreationTemplate,
    ) -> impl Future<Output = Result<(), LiveError>>;
    /// `ecr:DeleteRepositoryCreationTemplate`: `NotNeeded` when there is none.
    fn delete_creation_template(
        &self,
        prefix: &str,
    ) -> impl Future<Output = Result<Ensured, LiveError>>;
}
