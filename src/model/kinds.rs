//! The registration: every resource kind this tool manages, once, in dependency order (what comes
//! first is created first and deleted last).
//!
//! Each line names the kind's [`Kind`](super::Kind) variant, its model type and its address
//! prefix. The model (`Resource`, `Kind`, `model::unit::Declared`) and the planner
//! (`plan::planned::Planned`) expand [`for_each_kind`] into their own dispatch, and each kind
//! implements their traits in its own files, so the generic code of both (and drift, output, the
//! access view, the registry record) names no kind. Registering a kind is one line here; the
//! spec's section readers, observe's readers, import and `permissions` are still kind by kind.

/// Calls the macro `$callback` with the list of kinds:
/// `$(#[doc] Variant(ModelType) = "address_prefix",)*`.
macro_rules! for_each_kind {
    ($callback:ident) => {
        $callback! {
            /// The GitHub Actions OIDC identity provider (IAM).
            OidcProvider(crate::model::OidcProvider) = "oidc_provider",
            /// An ECR repository.
            Repository(crate::model::Repository) = "repository",
            /// A customer managed IAM policy.
            Policy(crate::model::ManagedPolicy) = "policy",
            /// An IAM role.
            Role(crate::model::Role) = "role",
            /// A managed policy attached to an existing IAM user (the user itself is not managed).
            UserAttachment(crate::model::UserAttachment) = "user_attachment",
            /// A repository creation template (before the rules whose repositories it shapes).
            CreationTemplate(crate::model::CreationTemplate) = "creation_template",
            /// A pull-through cache rule (before the settings: a registry policy may name its prefix).
            PullThroughCache(crate::model::PullThroughCacheRule) = "pull_through_cache",
            /// An account setting of the registry (before the registry policy, whose statements
            /// the registry policy scope decides).
            AccountSetting(crate::model::account_setting::AccountSetting) = "account_setting",
            /// A principal whose pulls do not update an image's last recorded pull time.
            PullTimeExclusion(crate::model::pull_time_exclusion::PullTimeExclusion) = "pull_time_update_exclusion",
            /// The managed signing rules a stack owns.
            Signing(crate::model::signing::Signing) = "signing",
            /// The part of a region's registry-wide settings a stack owns.
            Registry(crate::model::RegistrySettings) = "registry",
        }
    };
}

pub(crate) use for_each_kind;
