//! Desired-state types: what a resource should look like, in canonical form.
//!
//! These types are shared by the spec reader (which builds them from YAML), the live reader (which
//! builds them from AWS answers) and the planner (which compares the two). They hold no I/O and no SDK
//! types. Every value is normalized on construction so that equal meaning means equal value.

pub mod address;
pub mod lifecycle;
pub mod policy_document;
pub mod repository;
pub mod tags;

pub use address::{Address, Kind};
pub use lifecycle::{LifecyclePolicy, LifecycleRule, TagStatus};
pub use policy_document::PolicyDocument;
pub use repository::{Encryption, Repository, TagMutability};
pub use tags::Tags;

use serde::{Deserialize, Serialize};

/// Tag every resource this tool creates or adopts carries.
pub const MANAGED_BY_TAG: &str = "ManagedBy";
pub const MANAGED_BY_VALUE: &str = "betekk-ecr";
/// Tag naming the stack (spec) a resource belongs to.
pub const STACK_TAG: &str = "betekk-ecr:stack";

/// One resource of any kind, as the spec wants it or as AWS has it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Resource {
    Repository(Repository),
}

impl Resource {
    pub fn address(&self) -> Address {
        match self {
            Resource::Repository(r) => Address::new(Kind::Repository, &r.name),
        }
    }

    /// The comparable attributes, by the spec's field names, as canonical JSON values.
    pub fn attributes(&self) -> Vec<(&'static str, serde_json::Value)> {
        match self {
            Resource::Repository(r) => r.attributes(),
        }
    }

    pub fn tags(&self) -> &Tags {
        match self {
            Resource::Repository(r) => &r.tags,
        }
    }
}

/// Everything one spec asks for, after defaults and `{prefix}` expansion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Desired {
    pub stack: String,
    pub project_prefix: String,
    pub region: String,
    pub resources: Vec<Resource>,
}

impl Desired {
    pub fn repositories(&self) -> impl Iterator<Item = &Repository> {
        self.resources.iter().map(|r| match r {
            Resource::Repository(repo) => repo,
        })
    }
}
