//! What every resource kind declares about itself in its own model file, and the one object-safe
//! view of it that generic code (address, attributes, tags, binding, fingerprints) reads.

use serde_json::Value;

use super::Desired;
use super::access_fact::AccessFact;
use super::attribute::{self, Attribute, Mutation};
use super::env::Env;
use super::observed::{Live, Observed};
use super::tags::Tags;

/// `Declared::tags` and `tags_mut` for a kind whose tags are its `tags` field.
macro_rules! tags_in_field {
    () => {
        fn tags(&self) -> Option<&$crate::model::Tags> {
            Some(&self.tags)
        }
        fn tags_mut(&mut self) -> Option<&mut $crate::model::Tags> {
            Some(&mut self.tags)
        }
    };
}

pub(crate) use tags_in_field;

/// A kind's declaration, implemented once in the kind's model file.
pub(crate) trait Declared: Sized + 'static {
    /// The calls its planner makes to write changed attributes in place, as its rows name them
    /// (`()` for a kind whose planner does not read them from the rows).
    type Write: Copy + Ord + 'static;
    /// Its attributes, one row each, in the order plans show them (an attribute added after
    /// fingerprints were first recorded goes last).
    const ATTRIBUTES: &'static [Attribute<Self, Self::Write>];
    /// The name part of its address (`repository.<name>`).
    fn name(&self) -> String;
    /// Its tags; `None` for a kind that carries none.
    fn tags(&self) -> Option<&Tags>;
    fn tags_mut(&mut self) -> Option<&mut Tags>;
    /// Binds `{account}`, `{partition}` and `{region}` in its documents and ARNs.
    fn bind(&mut self, env: &Env);
    /// A part of the registry-wide settings, recorded in the stack's registry record (whose
    /// write goes after every change of such a part).
    const IN_REGISTRY_RECORD: bool = false;
    /// For a registry part of a keyed kind: its section of the registry record, which lists the
    /// stack's by key with their fingerprints.
    const RECORD_SECTION: Option<&'static str> = None;
    /// Where `output` shows the kind (`None`: it does not).
    const OUTPUT: Option<OutputSection> = None;
    /// What `output` shows of a live resource of the kind, as (field, value) pairs: by default
    /// its ARN (read only for a kind with an [`Self::OUTPUT`] section).
    fn output(&self, live: &Live, _env: &Env) -> Vec<(&'static str, String)> {
        vec![("arn", live.arn.clone())]
    }
    /// Whether `output` lists it as missing when it does not exist yet (not a user's policy
    /// attachment, which is no resource of its own).
    const REPORTED_MISSING: bool = true;
    /// What it contributes to access decisions (bound resources only).
    fn access(&self, _env: &Env) -> Vec<AccessFact> {
        Vec::new()
    }
    /// The keys the stack's registry record lists for it (its name, unless it owns several parts).
    fn record_keys(&self) -> Vec<String> {
        vec![self.name()]
    }
    /// The names of live parts of the kind that no stack owns (registry rules and statements set
    /// in the console): drift shows them as unmanaged.
    fn unowned_parts(_desired: &Desired, _observed: &Observed) -> Vec<String> {
        Vec::new()
    }
}

/// A section of `output`'s document.
#[derive(Debug, Clone, Copy)]
pub(crate) struct OutputSection {
    /// Its key in the JSON document.
    pub(crate) key: &'static str,
    pub(crate) shape: OutputShape,
    /// Where it goes among the sections (JSON and human output alike).
    pub(crate) rank: u8,
}

/// How a section holds its resources' fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum OutputShape {
    /// `{name: {field: value}}`, always present.
    Fields,
    /// `{name: value}` (one field), always present.
    Value,
    /// `{name: value}` (one field), left out when empty.
    ValueOmittedWhenEmpty,
    /// One value for the account (one field), `null` when absent.
    Single,
}

/// Any resource, whatever its kind: what generic code asks of it.
pub(crate) trait Unit {
    fn name(&self) -> String;
    /// The attributes plans show, by the spec's field names, in table order.
    fn attributes(&self) -> Vec<(&'static str, Value)>;
    /// How the attribute `name` is changed (`None`: not one of the kind's).
    fn mutation(&self, name: &str) -> Option<Mutation>;
    /// The canonical values the fingerprint records, in table order.
    fn comparable(&self) -> Vec<(&'static str, Value)>;
    /// The fingerprinted attributes' names, each with the value it had before it was added.
    fn fingerprint_layout(&self) -> Vec<(&'static str, Option<Value>)>;
    fn tags(&self) -> Option<&Tags>;
    fn tags_mut(&mut self) -> Option<&mut Tags>;
    fn bind(&mut self, env: &Env);
    fn output(&self, live: &Live, env: &Env) -> Vec<(&'static str, String)>;
    fn access(&self, env: &Env) -> Vec<AccessFact>;
    fn record_keys(&self) -> Vec<String>;
}

impl<T: Declared> Unit for T {
    fn name(&self) -> String {
        Declared::name(self)
    }
    fn attributes(&self) -> Vec<(&'static str, Value)> {
        attribute::shown(T::ATTRIBUTES, self)
    }
    fn mutation(&self, name: &str) -> Option<Mutation> {
        attribute::mutation_of(T::ATTRIBUTES, name)
    }
    fn comparable(&self) -> Vec<(&'static str, Value)> {
        attribute::comparable(T::ATTRIBUTES, self)
    }
    fn fingerprint_layout(&self) -> Vec<(&'static str, Option<Value>)> {
        attribute::fingerprint_layout(T::ATTRIBUTES)
    }
    fn tags(&self) -> Option<&Tags> {
        Declared::tags(self)
    }
    fn tags_mut(&mut self) -> Option<&mut Tags> {
        Declared::tags_mut(self)
    }
    fn bind(&mut self, env: &Env) {
        Declared::bind(self, env);
    }
    fn output(&self, live: &Live, env: &Env) -> Vec<(&'static str, String)> {
        Declared::output(self, live, env)
    }
    fn access(&self, env: &Env) -> Vec<AccessFact> {
        Declared::access(self, env)
    }
    fn record_keys(&self) -> Vec<String> {
        Declared::record_keys(self)
    }
}
