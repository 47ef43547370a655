//! An SDK interceptor that counts every operation and every retried attempt, and tells the
//! client's lane (`live::lanes`) whether each answer was throttling.

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeSerializationInterceptorContextRef,
    BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use aws_smithy_runtime_api::client::retries::RequestAttempts;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::ConfigBag;

use crate::live::CallCounter;
use crate::live::lanes::Lane;

#[derive(Debug)]
pub(crate) struct CountCalls(CallCounter, Option<Lane>);

impl CountCalls {
    pub(crate) fn new(counter: CallCounter, lane: Option<Lane>) -> Self {
        CountCalls(counter, lane)
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
        if let Some(lane) = &self.1 {
            lane.called();
        }
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
            if let Some(lane) = &self.1 {
                lane.retried();
            }
        }
        Ok(())
    }

    // The body is in memory here (it is not before deserialization), and the throttling codes
    // are the same in every protocol: one check for every service, no operation's error type.
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(lane) = &self.1 {
            let response = context.response();
            let status = response.status().as_u16();
            if status < 500 {
                lane.answered(throttling(
                    status,
                    response.body().bytes().unwrap_or_default(),
                ));
            }
        }
        Ok(())
    }
}

/// Whether an answer is AWS saying "slow down": 429, or a 400 with a throttling code (IAM and
/// STS `Throttling`, ECR `ThrottlingException`, `TooManyRequestsException`,
/// `RequestLimitExceeded`, SSM `ThrottlingException`).
pub(crate) fn throttling(status: u16, body: &[u8]) -> bool {
    const CODES: [&[u8]; 3] = [b"Throttling", b"TooManyRequests", b"RequestLimitExceeded"];
    status == 429
        || (status == 400
            && CODES
                .iter()
                .any(|code| body.windows(code.len()).any(|w| w == *code)))
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

#[cfg(test)]
mod tests {
    use super::throttling;

    #[test]
    fn throttling_is_recognised_in_every_protocol_and_nothing_else_is() {
        let iam = b"<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>";
        let ecr = br#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#;
        let denied = br#"{"__type":"AccessDeniedException","message":"no"}"#;
        assert!(throttling(400, iam));
        assert!(throttling(400, ecr));
        assert!(throttling(400, br#"{"__type":"TooManyRequestsException"}"#));
        assert!(throttling(429, b""));
        assert!(!throttling(400, denied));
        assert!(!throttling(200, ecr), "a listing may name anything");
        assert!(!throttling(404, b"RepositoryNotFoundException"));
    }
}
