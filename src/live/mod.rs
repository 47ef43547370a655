//! All AWS access goes through the traits in this module; nothing else in the crate names an SDK.
//!
//! Not-found and already-exists are answers, not errors: reads return `Option`, creates and deletes
//! return [`Ensured`]. The SDK implementation (`sdk/`) is a thin translation with no decisions of
//! its own; the in-memory `fake::FakeAws` implements the same traits for tests and can inject
//! throttling, failures and half-finished states.

pub(crate) mod ecr;
pub(crate) mod error;
/// The in-memory account for tests: compiled into unit tests, and into anything else (the bench)
/// only with the `fake` feature, never into the release binary.
#[cfg(any(test, feature = "fake"))]
pub mod fake;
pub(crate) mod iam;
pub mod images_file;
pub mod lanes;
pub mod sdk;
pub(crate) mod ssm;
pub mod stats;
pub(crate) mod sts;

pub use ecr::{EcrApi, NewRepository, RepositoryInfo};
pub use error::{ErrorKind, LiveError};
pub use iam::{
    IamApi, NewOidcProvider, NewPolicy, NewRole, OidcProviderInfo, PolicyEntities, PolicyInfo,
    PolicyVersionInfo, RoleInfo,
};
pub(crate) use ssm::SsmApi;
pub(crate) use stats::{ApiStats, CallCounter};
pub(crate) use sts::{Identity, StsApi};

/// What an idempotent write found: it did the work, or the work was already done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ensured {
    /// The call changed something.
    Done,
    /// AWS answered already-exists (for a create) or not-found (for a delete or detach): the
    /// state was already as asked, nothing changed.
    NotNeeded,
}

/// Declares [`Aws`]: the services' traits and each registered kind's own.
macro_rules! declare_aws {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        /// Every AWS service this tool uses, and the API-call count of this client so far.
        ///
        /// # Guarantees
        /// Each method is one AWS call (or one paginated listing) and decides nothing; writes that AWS
        /// answers with already-exists or not-found return [`Ensured::NotNeeded`].
        ///
        /// # Errors
        /// [`LiveError`] with the operation and a [`ErrorKind`] (throttled after the SDK's retries, not
        /// found, access denied, …).
        ///
        /// With every service's trait, the traits of the kinds with AWS calls of their own.
        pub(crate) trait Aws:
            EcrApi + StsApi + IamApi + SsmApi $($(+ crate::kinds::$module::live::$api)?)*
        {
            fn stats(&self) -> ApiStats;
        }
    };
}

crate::kinds::for_each_kind!(declare_aws);
