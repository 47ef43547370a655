//! The top-level error: which layer failed, and a hint for what the user can do about it.

pub use crate::causes::chain;
use crate::live::{ErrorKind, LiveError};
use crate::plan::PlanError;
use crate::spec::LoadError;

/// Why a command could not finish, by the layer that failed; print it with [`chain`] and
/// [`Error::hint`], or as JSON with [`Error::document`].
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The spec file could not be read, or is invalid (with every diagnostic).
    #[error(transparent)]
    Spec(#[from] LoadError),
    /// An AWS call failed while reading live state (or asking STS who we are).
    #[error("reading live state failed")]
    Observe(#[source] LiveError),
    /// The spec and live state cannot be reconciled, e.g. a resource owned by another stack.
    #[error("cannot plan")]
    Plan(#[from] PlanError),
    /// The command will not do what was asked, with the reason: a flag value it cannot use, an
    /// existing file without `--force`, a target whose credentials reach another account, ….
    #[error("{0}")]
    Refused(String),
    /// A saved plan is refused: unreadable, of another format version, made for another spec,
    /// region or account, or AWS changed since it was made.
    #[error(transparent)]
    SavedPlan(#[from] crate::plan::saved::SavedPlanError),
    /// The stack's apply lock could not be taken (another apply holds it), kept or removed.
    #[error(transparent)]
    Lock(#[from] crate::lock::LockError),
    /// The workflow cannot be generated from this spec.
    #[error("cannot write the workflow")]
    Workflow(#[from] crate::workflow::WorkflowError),
    /// A GitHub API read failed (`github-ids`).
    #[error("reading GitHub failed")]
    Github(#[source] crate::github_ids::api::GithubError),
    /// Reading or writing a local file (or stdout) failed.
    #[error("{what}")]
    Io {
        /// What was being done, e.g. `cannot write spec.yaml`.
        what: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl Error {
    /// The layer that failed, as JSON error documents name it.
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Error::Spec(LoadError::Invalid(_)) => "spec",
            Error::Spec(LoadError::Read { .. }) | Error::Io { .. } => "io",
            Error::Observe(_) => "aws",
            Error::Plan(_) => "plan",
            Error::Refused(_) => "refused",
            Error::SavedPlan(_) => "saved_plan",
            Error::Workflow(_) => "workflow",
            Error::Lock(_) => "lock",
            Error::Github(_) => "github",
        }
    }

    /// An error as a JSON document (`--output json`): kind, message with its causes, hint, and
    /// for a spec each diagnostic with its position.
    pub fn document(&self) -> serde_json::Value {
        let diagnostics: Vec<serde_json::Value> = match self {
            Error::Spec(LoadError::Invalid(e)) => {
                e.0.iter()
                    .map(|d| {
                        serde_json::json!({
                            "file": d.file, "line": d.pos.line, "column": d.pos.column,
                            "path": d.path, "message": d.message,
                            "severity": format!("{:?}", d.severity).to_ascii_lowercase(),
                        })
                    })
                    .collect()
            }
            _ => Vec::new(),
        };
        serde_json::json!({
            "schema_version": crate::render::json::SCHEMA_VERSION,
            "error": {
                "kind": self.kind(),
                "message": chain(self),
                "hint": self.hint(),
                "diagnostics": diagnostics,
            }
        })
    }

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
