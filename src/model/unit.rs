//! What every resource kind declares about itself in its own model file, and the one object-safe
//! view of it that generic code (address, attributes, tags, binding, fingerprints) reads.

use serde_json::Value;

use super::attribute::{self, Attribute, Mutation};
use super::env::Env;
use super::tags::Tags;

/// A kind's declaration, implemented once in the kind's model file.
pub(crate) trait Declared: Sized + 'static {
    /// Its attributes, one row each, in the order plans show them (an attribute added after
    /// fingerprints were first recorded goes last).
    const ATTRIBUTES: &'static [Attribute<Self>];
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
}
