//! The fake's repository creation templates, with AWS's answers (already exists, not found).

use super::live::CreationTemplateApi;
use crate::live::fake::{FakeAws, FakeRegistry};
use crate::live::{Ensured, ErrorKind, LiveError};
use crate::model::{CreationTemplate, Tags};

impl CreationTemplateApi for FakeAws {
    async fn list_creation_templates(&self) -> Result<Vec<CreationTemplate>, LiveError> {
        let mut state = self
            .enter("ecr:DescribeRepositoryCreationTemplates", "")
            .await?;
        Ok(templates(&mut state.registry).values().cloned().collect())
    }

    async fn create_creation_template(
        &self,
        template: &CreationTemplate,
    ) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:CreateRepositoryCreationTemplate", &template.prefix)
            .await?;
        if templates(&mut state.registry).contains_key(&template.prefix) {
            return Ok(Ensured::NotNeeded);
        }
        templates(&mut state.registry).insert(
            template.prefix.clone(),
            CreationTemplate {
                tags: Tags::new(),
                ..template.clone()
            },
        );
        Ok(Ensured::Done)
    }

    async fn update_creation_template(&self, template: &CreationTemplate) -> Result<(), LiveError> {
        const OP: &str = "ecr:UpdateRepositoryCreationTemplate";
        let mut state = self.enter(OP, &template.prefix).await?;
        let Some(stored) = templates(&mut state.registry).get_mut(&template.prefix) else {
            return Err(Self::error(
                OP,
                ErrorKind::NotFound,
                "TemplateNotFoundException",
                format!("no template for {}", template.prefix),
            ));
        };
        *stored = CreationTemplate {
            tags: Tags::new(),
            ..template.clone()
        };
        Ok(())
    }

    async fn delete_creation_template(&self, prefix: &str) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:DeleteRepositoryCreationTemplate", prefix)
            .await?;
        Ok(match templates(&mut state.registry).remove(prefix) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}

/// The fake registry's creation templates by prefix.
pub(crate) fn templates(
    registry: &mut FakeRegistry,
) -> &mut std::collections::BTreeMap<String, CreationTemplate> {
    registry.kinds.get("creation_templates")
}
