//! The fake's repository creation templates, with AWS's answers (already exists, not found).

use super::live::CreationTemplateApi;
use crate::live::fake::FakeAws;
use crate::live::{Ensured, ErrorKind, LiveError};
use crate::model::{CreationTemplate, Tags};

impl CreationTemplateApi for FakeAws {
    async fn list_creation_templates(&self) -> Result<Vec<CreationTemplate>, LiveError> {
        let state = self
            .enter("ecr:DescribeRepositoryCreationTemplates", "")
            .await?;
        Ok(state
            .registry
            .creation_templates
            .values()
            .cloned()
            .collect())
    }

    async fn create_creation_template(
        &self,
        template: &CreationTemplate,
    ) -> Result<Ensured, LiveError> {
        let mut state = self
            .enter("ecr:CreateRepositoryCreationTemplate", &template.prefix)
            .await?;
        if state
            .registry
            .creation_templates
            .contains_key(&template.prefix)
        {
            return Ok(Ensured::NotNeeded);
        }
        state.registry.creation_templates.insert(
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
        let Some(stored) = state.registry.creation_templates.get_mut(&template.prefix) else {
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
        Ok(match state.registry.creation_templates.remove(prefix) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}
