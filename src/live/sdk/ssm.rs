//! SSM parameters through the SDK: one listing for a path, one call for each other method.

use super::{SdkAws, build_error, ensured_unless, live_error, not_found_as_none};
use crate::live::{Ensured, ErrorKind, LiveError, SsmApi};
use crate::model::Tags;

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
