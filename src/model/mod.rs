//! Desired-state types: what a resource should look like, in canonical form.
//!
//! These types are shared by the spec reader (which builds them from YAML), the live reader (which
//! builds them from AWS answers) and the planner (which compares the two). They hold no I/O and no SDK
//! types. Every value is normalized on construction so that equal meaning means equal value.

pub(crate) mod address;
pub(crate) mod attribute;
pub(crate) mod creation_template;
pub(crate) mod env;
pub(crate) mod fingerprint;
pub(crate) mod github_trust;
pub(crate) mod identity;
pub mod image;
pub(crate) mod lifecycle;
pub(crate) mod lifecycle_eval;
pub(crate) mod lifecycle_preview;
pub(crate) mod managed_policy;
pub(crate) mod observed;
pub(crate) mod oidc_provider;
pub(crate) mod policy_document;
pub(crate) mod pull_through_cache;
pub(crate) mod registry;
pub(crate) mod registry_record;
pub(crate) mod repository;
pub(crate) mod role;
pub(crate) mod stats;
pub(crate) mod tags;
pub(crate) mod target;
pub(crate) mod trust;
pub(crate) mod user_attachment;
pub(crate) mod wildcard;

pub use address::{Address, Kind};
pub(crate) use creation_template::CreationTemplate;
pub use env::Env;
pub(crate) use env::is_account_id;
pub(crate) use github_trust::GithubTrust;
pub(crate) use identity::Identity;
pub(crate) use lifecycle::{LifecycleAction, LifecyclePolicy, LifecycleRule, TagStatus};
pub(crate) use managed_policy::ManagedPolicy;
pub(crate) use observed::{Dependents, Live, Observed, PolicyVersion, RegistryState};
pub(crate) use oidc_provider::OidcProvider;
pub use policy_document::PolicyDocument;
pub(crate) use pull_through_cache::PullThroughCacheRule;
pub(crate) use registry::RegistrySettings;
pub(crate) use repository::Repository;
pub use repository::{Encryption, TagMutability};
pub(crate) use role::Role;
pub(crate) use stats::ApiStats;
pub use tags::{TagTarget, Tags};
pub(crate) use user_attachment::UserAttachment;

use serde::{Deserialize, Serialize};

/// Tag every resource this tool creates or adopts carries.
pub(crate) const MANAGED_BY_TAG: &str = "ManagedBy";
pub(crate) const MANAGED_BY_VALUE: &str = "betekk-ecr";
/// Tag naming the stack (spec) a resource belongs to.
pub(crate) const STACK_TAG: &str = "betekk-ecr:stack";

/// One resource of any kind, as the spec wants it or as AWS has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub(crate) enum Resource {
    OidcProvider(OidcProvider),
    Repository(Repository),
    Policy(ManagedPolicy),
    Role(Role),
    UserAttachment(UserAttachment),
    /// The part of the registry-wide settings the stack owns (one per region).
    Registry(RegistrySettings),
    /// A pull-through cache rule, keyed by its prefix.
    PullThroughCache(PullThroughCacheRule),
    /// A repository creation template, keyed by its prefix.
    CreationTemplate(CreationTemplate),
}

static NO_TAGS: Tags = Tags::new();

impl Resource {
    pub(crate) fn address(&self) -> Address {
        match self {
            Resource::OidcProvider(p) => Address::new(Kind::OidcProvider, p.host()),
            Resource::Repository(r) => Address::new(Kind::Repository, &r.name),
            Resource::Policy(p) => Address::new(Kind::Policy, &p.name),
            Resource::Role(r) => Address::new(Kind::Role, &r.name),
            Resource::UserAttachment(a) => Address::new(Kind::UserAttachment, a.address_name()),
            Resource::Registry(_) => Address::new(Kind::Registry, registry::ADDRESS_NAME),
            Resource::PullThroughCache(r) => Address::new(Kind::PullThroughCache, &r.prefix),
            Resource::CreationTemplate(t) => Address::new(Kind::CreationTemplate, &t.prefix),
        }
    }

    /// The comparable attributes, by the spec's field names, as canonical JSON values.
    pub(crate) fn attributes(&self) -> Vec<(&'static str, serde_json::Value)> {
        match self {
            Resource::OidcProvider(p) => p.attributes(),
            Resource::Repository(r) => r.attributes(),
            Resource::Policy(p) => p.attributes(),
            Resource::Role(r) => r.attributes(),
            Resource::UserAttachment(a) => a.attributes(),
            Resource::Registry(s) => s.attributes(),
            Resource::PullThroughCache(r) => r.attributes(),
            Resource::CreationTemplate(t) => t.attributes(),
        }
    }

    /// How the attribute `name` of this kind is changed (`None`: not one of its table's).
    pub(crate) fn mutation(&self, name: &str) -> Option<attribute::Mutation> {
        match self {
            Resource::OidcProvider(_) => attribute::mutation_of(oidc_provider::ATTRIBUTES, name),
            Resource::Repository(_) => attribute::mutation_of(repository::ATTRIBUTES, name),
            Resource::Policy(_) => attribute::mutation_of(managed_policy::ATTRIBUTES, name),
            Resource::Role(_) => attribute::mutation_of(role::ATTRIBUTES, name),
            Resource::UserAttachment(_) => None,
            Resource::Registry(_) => attribute::mutation_of(registry::ATTRIBUTES, name),
            Resource::PullThroughCache(_) => {
                attribute::mutation_of(pull_through_cache::ATTRIBUTES, name)
            }
            Resource::CreationTemplate(_) => {
                attribute::mutation_of(creation_template::ATTRIBUTES, name)
            }
        }
    }

    pub(crate) fn tags(&self) -> &Tags {
        match self {
            Resource::OidcProvider(p) => &p.tags,
            Resource::Repository(r) => &r.tags,
            Resource::Policy(p) => &p.tags,
            Resource::Role(r) => &r.tags,
            Resource::UserAttachment(_) => &NO_TAGS,
            Resource::Registry(s) => &s.tags,
            Resource::PullThroughCache(r) => &r.tags,
            Resource::CreationTemplate(t) => &t.tags,
        }
    }

    /// The resource with `{account}`, `{partition}` and `{region}` bound in its documents and ARNs.
    pub(crate) fn bind(&self, env: &Env) -> Resource {
        match self {
            Resource::OidcProvider(_) => self.clone(),
            Resource::Repository(r) => Resource::Repository(Repository {
                repository_policy: r.repository_policy.as_ref().map(|d| d.bind(env)),
                ..r.clone()
            }),
            Resource::Policy(p) => Resource::Policy(ManagedPolicy {
                document: p.document.bind(env),
                ..p.clone()
            }),
            Resource::Role(r) => {
                let mut policies: Vec<String> = r.policies.iter().map(|p| env.bind(p)).collect();
                policies.sort();
                policies.dedup();
                Resource::Role(Role {
                    trust_policy: r.trust_policy.bind(env),
                    inline_policies: r
                        .inline_policies
                        .iter()
                        .map(|(k, d)| (k.clone(), d.bind(env)))
                        .collect(),
                    permissions_boundary: r.permissions_boundary.as_deref().map(|b| env.bind(b)),
                    policies,
                    ..r.clone()
                })
            }
            Resource::UserAttachment(a) => Resource::UserAttachment(UserAttachment {
                policy_arn: env.bind(&a.policy_arn),
                ..a.clone()
            }),
            Resource::Registry(s) => Resource::Registry(RegistrySettings {
                replication: s
                    .replication
                    .iter()
                    .map(|(k, d)| {
                        let mut d: Vec<_> = d
                            .iter()
                            .map(|d| registry::Destination {
                                region: env.bind(&d.region),
                                account: env.bind(&d.account),
                            })
                            .collect();
                        d.sort();
                        (k.clone(), d)
                    })
                    .collect(),
                policy: s
                    .policy
                    .iter()
                    .map(|(k, v)| (k.clone(), env.bind_json(v)))
                    .collect(),
                policy_as_written: s
                    .policy_as_written
                    .iter()
                    .map(|(k, v)| (k.clone(), env.bind_json(v)))
                    .collect(),
                ..s.clone()
            }),
            Resource::PullThroughCache(r) => Resource::PullThroughCache(PullThroughCacheRule {
                credential_arn: r.credential_arn.as_deref().map(|a| env.bind(a)),
                custom_role_arn: r.custom_role_arn.as_deref().map(|a| env.bind(a)),
                ..r.clone()
            }),
            Resource::CreationTemplate(t) => Resource::CreationTemplate(CreationTemplate {
                repository_policy: t.repository_policy.as_ref().map(|d| d.bind(env)),
                custom_role_arn: t.custom_role_arn.as_deref().map(|a| env.bind(a)),
                encryption: match &t.encryption {
                    Encryption::Kms { kms_key } => Encryption::Kms {
                        kms_key: kms_key.as_deref().map(|k| env.bind(k)),
                    },
                    Encryption::KmsDsse { kms_key } => Encryption::KmsDsse {
                        kms_key: kms_key.as_deref().map(|k| env.bind(k)),
                    },
                    other => other.clone(),
                },
                ..t.clone()
            }),
        }
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
    pub(crate) fn repositories(&self) -> impl Iterator<Item = &Repository> {
        self.resources.iter().filter_map(|r| match r {
            Resource::Repository(repo) => Some(repo),
            _ => None,
        })
    }

    pub(crate) fn oidc_provider(&self) -> Option<&OidcProvider> {
        self.resources.iter().find_map(|r| match r {
            Resource::OidcProvider(p) => Some(p),
            _ => None,
        })
    }

    pub(crate) fn roles(&self) -> impl Iterator<Item = &Role> {
        self.resources.iter().filter_map(|r| match r {
            Resource::Role(role) => Some(role),
            _ => None,
        })
    }

    pub(crate) fn policies(&self) -> impl Iterator<Item = &ManagedPolicy> {
        self.resources.iter().filter_map(|r| match r {
            Resource::Policy(p) => Some(p),
            _ => None,
        })
    }

    /// The registry settings this spec owns (none when it has no `registry:` settings).
    pub(crate) fn registry(&self) -> Option<&RegistrySettings> {
        self.resources.iter().find_map(|r| match r {
            Resource::Registry(s) => Some(s),
            _ => None,
        })
    }

    /// The pull-through cache rules this spec owns.
    pub(crate) fn pull_through_cache_rules(&self) -> impl Iterator<Item = &PullThroughCacheRule> {
        self.resources.iter().filter_map(|r| match r {
            Resource::PullThroughCache(rule) => Some(rule),
            _ => None,
        })
    }

    /// The repository creation templates this spec owns.
    pub(crate) fn creation_templates(&self) -> impl Iterator<Item = &CreationTemplate> {
        self.resources.iter().filter_map(|r| match r {
            Resource::CreationTemplate(t) => Some(t),
            _ => None,
        })
    }

    pub(crate) fn user_attachments(&self) -> impl Iterator<Item = &UserAttachment> {
        self.resources.iter().filter_map(|r| match r {
            Resource::UserAttachment(a) => Some(a),
            _ => None,
        })
    }
}
