//! Errors from the live layer: which AWS operation failed, what kind of failure it was, and the
//! SDK's own error as the source.

use std::error::Error as StdError;

/// What kind of failure an AWS call met, classified from the AWS error code (never the message).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The resource (repository, policy, role, entity …) does not exist.
    NotFound,
    /// A resource of that name already exists.
    AlreadyExists,
    /// Throttled after the SDK's own retries gave up.
    Throttled,
    /// The resource is in use (a repository with images, a policy still attached).
    Conflict,
    /// AWS rejected the request's content; right after a create this is often eventual consistency.
    Invalid,
    /// The credentials are not allowed the call, or are invalid or expired.
    AccessDenied,
    /// An account quota or a per-resource limit (tags, policy versions) is reached.
    LimitExceeded,
    /// No answer: connection refused, timeout, DNS.
    Unreachable,
    /// No credentials could be loaded from the standard chain.
    NoCredentials,
    /// Any other error code, or an answer without one.
    Other,
}

/// One failed AWS call: the operation, its kind and the AWS error code; the SDK's error, with
/// every cause, is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("AWS {operation} failed{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct LiveError {
    /// The AWS operation as `service:Action`, e.g. `ecr:CreateRepository`.
    pub operation: &'static str,
    /// What kind of failure it was; callers decide retries and ensures on this.
    pub kind: ErrorKind,
    /// The AWS error code, when AWS answered with one.
    pub code: Option<String>,
    #[source]
    pub(crate) source: Box<dyn StdError + Send + Sync>,
}

impl LiveError {
    pub(crate) fn new(
        operation: &'static str,
        kind: ErrorKind,
        code: Option<String>,
        source: impl Into<Box<dyn StdError + Send + Sync>>,
    ) -> Self {
        LiveError {
            operation,
            kind,
            code,
            source: source.into(),
        }
    }

    /// Classifies an AWS error code. Codes, never messages: emulators word messages differently.
    pub(crate) fn kind_of_code(code: &str) -> ErrorKind {
        match code {
            "RepositoryNotFoundException"
            | "LifecyclePolicyNotFoundException"
            | "RepositoryPolicyNotFoundException"
            | "RegistryPolicyNotFoundException"
            | "ParameterNotFound"
            | "PullThroughCacheRuleNotFoundException"
            | "TemplateNotFoundException"
            | "ExclusionNotFoundException"
            | "SigningConfigurationNotFoundException"
            | "NoSuchEntity"
            | "NoSuchEntityException" => ErrorKind::NotFound,
            "RepositoryAlreadyExistsException"
            | "ParameterAlreadyExists"
            | "PullThroughCacheRuleAlreadyExistsException"
            | "TemplateAlreadyExistsException"
            | "ExclusionAlreadyExistsException"
            | "EntityAlreadyExists"
            | "EntityAlreadyExistsException" => ErrorKind::AlreadyExists,
            "ThrottlingException"
            | "Throttling"
            | "TooManyRequestsException"
            | "RequestLimitExceeded" => ErrorKind::Throttled,
            "RepositoryNotEmptyException" | "DeleteConflict" | "DeleteConflictException" => {
                ErrorKind::Conflict
            }
            "InvalidParameterException"
            | "ValidationException"
            | "MalformedPolicyDocument"
            | "MalformedPolicyDocumentException"
            | "InvalidInput"
            | "InvalidInputException"
            | "InvalidTagParameterException"
            | "InvalidParameterValue" => ErrorKind::Invalid,
            "AccessDenied"
            | "AccessDeniedException"
            | "UnrecognizedClientException"
            | "InvalidClientTokenId"
            | "ExpiredToken"
            | "ExpiredTokenException" => ErrorKind::AccessDenied,
            "LimitExceeded" | "LimitExceededException" | "TooManyTagsException" => {
                ErrorKind::LimitExceeded
            }
            _ => ErrorKind::Other,
        }
    }
}
