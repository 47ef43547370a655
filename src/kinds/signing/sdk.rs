//! The registry's managed signing configuration through the SDK.

use aws_sdk_ecr::types::{
    SigningConfiguration, SigningRepositoryFilter, SigningRepositoryFilterType,
    SigningRule as SdkSigningRule,
};

use super::SigningRule;
use super::live::SigningApi;
use crate::live::sdk::SdkAws;
use crate::live::sdk::build_error;
use crate::live::sdk::{ensured_unless, live_error, not_found_as_none};
use crate::live::{Ensured, ErrorKind, LiveError};

impl SigningApi for SdkAws {
    async fn get_signing_configuration(&self) -> Result<Vec<SigningRule>, LiveError> {
        const OP: &str = "ecr:GetSigningConfiguration";
        let out = not_found_as_none(
            self.ecr
                .get_signing_configuration()
                .send()
                .await
                .map_err(|e| live_error(OP, e)),
        )?;
        let rules = out
            .as_ref()
            .and_then(|o| o.signing_configuration())
            .map(|c| c.rules())
            .unwrap_or_default();
        Ok(rules
            .iter()
            .map(|r| {
                SigningRule::new(
                    r.signing_profile_arn().to_string(),
                    r.repository_filters()
                        .iter()
                        .map(|f| f.filter().to_string())
                        .collect(),
                )
            })
            .collect())
    }

    async fn put_signing_configuration(&self, rules: &[SigningRule]) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutSigningConfiguration";
        let invalid = |e| build_error(OP, e);
        let mut sdk_rules = Vec::new();
        for rule in rules {
            let filters = rule
                .filters
                .iter()
                .map(|f| {
                    SigningRepositoryFilter::builder()
                        .filter(f)
                        .filter_type(SigningRepositoryFilterType::WildcardMatch)
                        .build()
                })
                .collect::<Result<Vec<_>, _>>()
                .map_err(invalid)?;
            sdk_rules.push(
                SdkSigningRule::builder()
                    .signing_profile_arn(&rule.profile_arn)
                    .set_repository_filters((!filters.is_empty()).then_some(filters))
                    .build()
                    .map_err(invalid)?,
            );
        }
        let configuration = SigningConfiguration::builder()
            .set_rules(Some(sdk_rules))
            .build()
            .map_err(invalid)?;
        self.ecr
            .put_signing_configuration()
            .signing_configuration(configuration)
            .send()
            .await
            .map_err(|e| live_error(OP, e))?;
        Ok(())
    }

    async fn delete_signing_configuration(&self) -> Result<Ensured, LiveError> {
        const OP: &str = "ecr:DeleteSigningConfiguration";
        ensured_unless(
            ErrorKind::NotFound,
            self.ecr
                .delete_signing_configuration()
                .send()
                .await
                .map(|_| ())
                .map_err(|e| live_error(OP, e)),
        )
    }
}
