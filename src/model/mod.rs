//! Desired-state types: what a resource should look like, in canonical form.
//!
//! These types are shared by the spec reader (which builds them from YAML), the live reader (which
//! builds them from AWS answers) and the planner (which compares the two). They hold no I/O and no SDK
//! types. Every value is normalized on construction so that equal meaning means equal value.

pub(crate) mod access_fact;
pub(crate) mod address;
pub(crate) mod attribute;
pub(crate) mod env;
pub(crate) mod fingerprint;
pub(crate) mod github_trust;
pub(crate) mod identity;
pub mod image;
pub(crate) mod lifecycle;
pub(crate) mod lifecycle_eval;
pub(crate) mod lifecycle_preview;
pub(crate) mod observed;
pub(crate) mod policy_document;
pub(crate) mod registry_record;
pub(crate) mod repository_settings;
pub(crate) mod stats;
pub(crate) mod tags;
pub(crate) mod target;
pub(crate) mod trust;
pub(crate) mod unit;
pub(crate) mod wildcard;

pub use address::{Address, Kind};
pub use env::Env;
pub(crate) use env::is_account_id;
pub(crate) use github_trust::GithubTrust;
pub(crate) use identity::Identity;
pub(crate) use lifecycle::{LifecycleAction, LifecyclePolicy, LifecycleRule, TagStatus};
pub(crate) use observed::{Dependents, Live, Observed, PolicyVersion, RegistryState};
pub use policy_document::PolicyDocument;
pub(crate) use repository_settings::RepositorySettings;
pub use repository_settings::{Encryption, TagMutability};
pub(crate) use stats::ApiStats;
pub use tags::{TagTarget, Tags};
pub(crate) use unit::Unit;

use serde::{Deserialize, Serialize};

/// Tag every resource this tool creates or adopts carries.
pub(crate) const MANAGED_BY_TAG: &str = "ManagedBy";
pub(crate) const MANAGED_BY_VALUE: &str = "betekk-ecr";
/// Tag naming the stack (spec) a resource belongs to.
pub(crate) const STACK_TAG: &str = "betekk-ecr:stack";

/// Declares [`Resource`] from the registration in `kinds.rs`: one variant per kind, and the
/// dispatch to each kind's [`Unit`].
macro_rules! declare_resource {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        $(#[allow(unused_imports)]
        pub(crate) use crate::kinds::$module::$model;)*

        /// One resource of any kind, as the spec wants it or as AWS has it.
        #[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind", rename_all = "snake_case")]
        pub(crate) enum Resource {
            $($(#[$doc])* $variant(crate::kinds::$module::$model),)*
        }

        impl Resource {
            /// What every kind answers, whatever the kind.
            pub(crate) fn unit(&self) -> &dyn Unit {
                match self {
                    $(Resource::$variant(r) => r,)*
                }
            }

            pub(crate) fn unit_mut(&mut self) -> &mut dyn Unit {
                match self {
                    $(Resource::$variant(r) => r,)*
                }
            }

            pub(crate) fn kind(&self) -> Kind {
                match self {
                    $(Resource::$variant(_) => Kind::$variant,)*
                }
            }
        }

        impl Kind {
            /// Whether the stack's registry record lists what it owns of this kind.
            pub(crate) fn in_registry_record(self) -> bool {
                match self {
                    $(Kind::$variant => <crate::kinds::$module::$model as unit::Declared>::IN_REGISTRY_RECORD,)*
                    Kind::RegistryRecord => false,
                }
            }

            /// The registry record's section of this kind, if it is a keyed registry part.
            pub(crate) fn record_section(self) -> Option<&'static str> {
                match self {
                    $(Kind::$variant => <crate::kinds::$module::$model as unit::Declared>::RECORD_SECTION,)*
                    Kind::RegistryRecord => None,
                }
            }

            /// Where `output` shows this kind, if it does.
            pub(crate) fn output_section(self) -> Option<unit::OutputSection> {
                match self {
                    $(Kind::$variant => <crate::kinds::$module::$model as unit::Declared>::OUTPUT,)*
                    Kind::RegistryRecord => None,
                }
            }

            /// Whether `output` lists a resource of this kind as missing.
            pub(crate) fn reported_missing(self) -> bool {
                match self {
                    $(Kind::$variant => <crate::kinds::$module::$model as unit::Declared>::REPORTED_MISSING,)*
                    Kind::RegistryRecord => false,
                }
            }
        }

        /// Every kind's live parts that no stack owns, by address.
        pub(crate) fn unowned_parts(desired: &Desired, observed: &Observed) -> Vec<Address> {
            let mut out = Vec::new();
            $(out.extend(
                <crate::kinds::$module::$model as unit::Declared>::unowned_parts(desired, observed)
                    .into_iter()
                    .map(|name| Address::new(Kind::$variant, name)),
            );)*
            out
        }

        $(impl Registered for crate::kinds::$module::$model {
            fn of(resource: &Resource) -> Option<&Self> {
                match resource {
                    Resource::$variant(r) => Some(r),
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }
            fn into_resource(self) -> Resource {
                Resource::$variant(self)
            }
        })*
    };
}

crate::kinds::for_each_kind!(declare_resource);

/// A kind's model type: found among resources of every kind.
pub(crate) trait Registered: Sized {
    fn of(resource: &Resource) -> Option<&Self>;
    /// The resource of this kind.
    fn into_resource(self) -> Resource;
}

static NO_TAGS: Tags = Tags::new();

impl Resource {
    pub(crate) fn address(&self) -> Address {
        Address::new(self.kind(), self.unit().name())
    }

    /// The comparable attributes, by the spec's field names, as canonical JSON values.
    pub(crate) fn attributes(&self) -> Vec<(&'static str, serde_json::Value)> {
        self.unit().attributes()
    }

    /// How the attribute `name` of this kind is changed (`None`: not one of its table's).
    pub(crate) fn mutation(&self, name: &str) -> Option<attribute::Mutation> {
        self.unit().mutation(name)
    }

    pub(crate) fn tags(&self) -> &Tags {
        self.unit().tags().unwrap_or(&NO_TAGS)
    }

    /// The resource with `{account}`, `{partition}` and `{region}` bound in its documents and ARNs.
    pub(crate) fn bind(&self, env: &Env) -> Resource {
        let mut bound = self.clone();
        bound.unit_mut().bind(env);
        bound
    }
}

/// Everything one spec asks for, after defaults and `{prefix}` expansion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    pub(crate) stack: String,
    pub(crate) project_prefix: String,
    pub(crate) region: String,
    pub(crate) resources: Vec<Resource>,
    /// Whether this run owns the account's IAM side (IAM is global: of several regions of one
    /// account, only one reads, plans and prunes it).
    #[serde(default = "yes")]
    pub(crate) manages_iam: bool,
}

fn yes() -> bool {
    true
}

impl Desired {
    /// The spec's resources of one kind.
    pub(crate) fn all<'a, T: Registered + 'a>(&'a self) -> impl Iterator<Item = &'a T> + 'a {
        self.resources.iter().filter_map(T::of)
    }
}
