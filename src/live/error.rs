//! Errors from the live layer: which AWS operation failed, what kind of failure it was, and the
//! SDK's own error as the source.

use std::error::Error as StdError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    NotFound,
    AlreadyExists,
    /// Throttled after the SDK's own retries gave up.
    Throttled,
    /// The resource is in use (a repository with images, a policy still attached).
    Conflict,
    /// AWS rejected the request's content; right after a create this is often eventual consistency.
    Invalid,
    AccessDenied,
    LimitExceeded,
    /// No answer: connection refused, timeout, DNS.
    Unreachable,
    /// No credentials could be loaded from the standard chain.
    NoCredentials,
    Other,
}

#[derive(Debug, thiserror::Error)]
#[error("AWS {operation} failed{}", code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default())]
pub struct LiveError {
    pub operation: &'static str,
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
            | "NoSuchEntity"
            | "NoSuchEntityException" => ErrorKind::NotFound,
            "RepositoryAlreadyExistsException"
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
