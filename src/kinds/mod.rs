//! Every resource kind this tool manages, one folder each, registered once below in dependency
//! order (what comes first is created first and deleted last).
//!
//! A kind's folder holds the whole kind, one layer per file: `mod.rs` the model type (its
//! attribute rows and `model::unit::Declared`), `spec.rs` its spec reader, `observe.rs` how it is
//! read, `plan.rs` how it is diffed and which ops make it (`plan::planned::Planned`), `apply.rs`
//! how its ops are carried out, and, for a kind with AWS calls of its own, `live.rs` (the trait),
//! `sdk.rs` and `fake.rs`. A kind's registration is its `mod` line and its line of
//! [`for_each_kind`] (its [`Kind`](crate::model::Kind) variant, its module and model type, its
//! own AWS trait if any, its address prefix). The generic layers expand the list into their own
//! dispatch, so that they name no kind (`tests.rs` holds them to that).

// Each kind's folder; rustfmt and other tools find modules only by their `mod` lines, so these
// are written out rather than generated from the list below.
pub(crate) mod account_setting;
pub(crate) mod creation_template;
pub(crate) mod oidc_provider;
pub(crate) mod policy;
pub(crate) mod pull_through_cache;
pub(crate) mod pull_time_exclusion;
pub(crate) mod registry;
pub(crate) mod repository;
pub(crate) mod role;
pub(crate) mod signing;
pub(crate) mod user_attachment;

#[cfg(test)]
mod tests;

/// Calls the macro `$callback` with the list of kinds:
/// `$(#[doc] Variant(module::ModelType[, ApiTrait]) = "address_prefix",)*`, where `ApiTrait` is
/// the trait of the kind's own AWS calls in `kinds/<module>/live.rs`, implemented in its `sdk.rs`
/// and `fake.rs` (a kind that uses a service's calls shared with others names none).
macro_rules! for_each_kind {
    ($callback:ident) => {
        $callback! {
            /// The GitHub Actions OIDC identity provider (IAM).
            OidcProvider(oidc_provider::OidcProvider) = "oidc_provider",
            /// An ECR repository.
            Repository(repository::Repository) = "repository",
            /// A customer managed IAM policy.
            Policy(policy::ManagedPolicy) = "policy",
            /// An IAM role.
            Role(role::Role) = "role",
            /// A managed policy attached to an existing IAM user (the user itself is not managed).
            UserAttachment(user_attachment::UserAttachment) = "user_attachment",
            /// A repository creation template (before the rules whose repositories it shapes).
            CreationTemplate(creation_template::CreationTemplate, CreationTemplateApi) = "creation_template",
            /// A pull-through cache rule (before the settings: a registry policy may name its prefix).
            PullThroughCache(pull_through_cache::PullThroughCacheRule, PullThroughCacheApi) = "pull_through_cache",
            /// An account setting of the registry (before the registry policy, whose statements
            /// the registry policy scope decides).
            AccountSetting(account_setting::AccountSetting, AccountSettingApi) = "account_setting",
            /// A principal whose pulls do not update an image's last recorded pull time.
            PullTimeExclusion(pull_time_exclusion::PullTimeExclusion, PullTimeExclusionApi) = "pull_time_update_exclusion",
            /// The managed signing rules a stack owns.
            Signing(signing::Signing, SigningApi) = "signing",
            /// The part of a region's registry-wide settings a stack owns.
            Registry(registry::RegistrySettings, RegistryApi) = "registry",
        }
    };
}

pub(crate) use for_each_kind;
