//! An SDK interceptor that counts every operation and every retried attempt.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::live::CallCounter;

#[derive(Debug)]
pub(crate) struct CountCalls(CallCounter);

impl CountCalls {
    pub(crate) fn new(counter: CallCounter) -> Self {
        CountCalls(counter)
    }
}

impl Intercept for CountCalls {
    fn name(&self) -> &'static str {
        "betekk-ecr::CountCalls"
    }

    // Not read_before_execution: a client-level interceptor runs that hook before the operation's
    // configuration (and so its Metadata) is in the bag.
    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map(|m| format!("{}:{}", service_prefix(m.service()), m.name()))
            .unwrap_or_else(|| "unknown".into());
        self.0.record(&name);
        Ok(())
    }

    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if cfg
            .load::<RequestAttempts>()
            .is_some_and(|a| a.attempts() > 1)
        {
            self.0.record_retry();
        }
        Ok(())
    }
}

/// `ecr`, `iam`, `sts`: the prefix IAM actions use, so counts read like permissions.
fn service_prefix(service: &str) -> String {
    match service.to_ascii_lowercase().as_str() {
        s if s.contains("ecr") || s.contains("containerregistry") => "ecr".into(),
        s if s.contains("sts") || s.contains("securitytoken") => "sts".into(),
        s if s.contains("iam") || s.contains("identitymanagement") => "iam".into(),
        other => other.into(),
    }
}
