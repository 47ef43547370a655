//! The fake's registry's managed signing configuration, with AWS's answers.

use super::SigningRule;
use super::live::SigningApi;
use crate::live::fake::{FakeAws, FakeRegistry};
use crate::live::{Ensured, ErrorKind, LiveError};

impl SigningApi for FakeAws {
    async fn get_signing_configuration(&self) -> Result<Vec<SigningRule>, LiveError> {
        let mut state = self.enter("ecr:GetSigningConfiguration", "").await?;
        Ok(rules(&mut state.registry).clone())
    }

    async fn put_signing_configuration(&self, rules: &[SigningRule]) -> Result<(), LiveError> {
        const OP: &str = "ecr:PutSigningConfiguration";
        let mut state = self.enter(OP, "").await?;
        if rules.len() > crate::kinds::signing::MAX_RULES {
            return Err(Self::error(
                OP,
                ErrorKind::Invalid,
                "ValidationException",
                "at most 10 signing rules".into(),
            ));
        }
        *self::rules(&mut state.registry) = rules.to_vec();
        Ok(())
    }

    async fn delete_signing_configuration(&self) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ecr:DeleteSigningConfiguration", "").await?;
        Ok(if std::mem::take(rules(&mut state.registry)).is_empty() {
            Ensured::NotNeeded
        } else {
            Ensured::Done
        })
    }
}

/// The fake registry's signing rules, in order.
pub(crate) fn rules(registry: &mut FakeRegistry) -> &mut Vec<SigningRule> {
    registry.kinds.get("signing")
}
