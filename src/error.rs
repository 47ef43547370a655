//! The top-level error: which layer failed, and a hint for what the user can do about it.

use std::error::Error as StdError;

use crate::live::{ErrorKind, LiveError};
use crate::plan::PlanError;
use crate::spec::LoadError;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Spec(#[from] LoadError),
    #[error("reading live state failed")]
    Observe(#[source] LiveError),
    #[error("cannot plan")]
    Plan(#[from] PlanError),
    #[error("{0}")]
    Refused(String),
    #[error("cannot write the workflow")]
    Workflow(#[from] crate::workflow::WorkflowError),
    #[error("{what}")]
    Io {
        what: String,
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// A suggestion printed after the error, when one helps.
    pub fn hint(&self) -> Option<&'static str> {
        match self {
            Error::Observe(e) => match e.kind {
                ErrorKind::Unreachable => Some(
                    "is the endpoint reachable? For the local emulator run localstack/start.sh; \
                     for AWS check --endpoint-url / AWS_ENDPOINT_URL are unset",
                ),
                ErrorKind::NoCredentials => Some(
                    "no AWS credentials were found: use --profile or AWS_PROFILE, or set \
                     AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; in GitHub Actions, \
                     aws-actions/configure-aws-credentials with role-to-assume",
                ),
                ErrorKind::AccessDenied => Some(
                    "check the credentials (aws sts get-caller-identity, --profile, AWS_PROFILE) and \
                     that the role may call the operation named above",
                ),
                ErrorKind::Throttled => {
                    Some("AWS throttled the reads; lower --parallelism or run again")
                }
                _ => None,
            },
            _ => None,
        }
    }
}

/// An error and all its causes on one line, outermost first, each cause once.
pub fn chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = vec![error.to_string()];
    let mut source = error.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = cause.source();
    }
    parts.join(": ")
}
