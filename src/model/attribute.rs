//! One table of attributes per resource kind: each attribute declared once, with its canonical
//! value (compared and fingerprinted), its value as shown in plans, and how a change is made.
//! Display, comparison, fingerprints and drift all read these tables.

use serde_json::{Value, json};

use super::fingerprint::without_fingerprint;
use super::tags::Tagged;

/// How a change of an attribute is made, and so whether it is compared and fingerprinted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mutation {
    /// Written in place.
    InPlace,
    /// Tags: written in place by their own rules (ownership tags kept, adoption, the fingerprint
    /// tag written last), so not among the attributes [`changed`] returns.
    Tags,
    /// Only by replacing the resource (a repository's encryption).
    Replace,
    /// Not a property of the live resource: only recorded in the fingerprint (`force_delete`).
    Recorded,
    /// Set at creation and never changed by AWS (a policy's description): shown, not compared.
    CreateOnly,
    /// What names the resource (a provider's URL): shown, not compared.
    Key,
}

/// One attribute of a resource of type `T`.
pub(crate) struct Attribute<T> {
    /// The spec's field name.
    pub(crate) name: &'static str,
    /// What is compared and fingerprinted: equal meaning, equal value.
    pub(crate) canonical: fn(&T) -> Value,
    /// What plans show (documents as written).
    pub(crate) shown: fn(&T) -> Value,
    pub(crate) mutation: Mutation,
    /// For an attribute added after fingerprints were first recorded: the canonical value it had
    /// in resources fingerprinted before (so that their fingerprints stay readable).
    pub(crate) before_added: Option<fn() -> Value>,
}

impl<T> Attribute<T> {
    /// An attribute shown as it is compared (no document whose wording is kept apart).
    pub(crate) const fn plain(
        name: &'static str,
        value: fn(&T) -> Value,
        mutation: Mutation,
    ) -> Self {
        Attribute {
            name,
            canonical: value,
            shown: value,
            mutation,
            before_added: None,
        }
    }

    /// Marks an attribute added after fingerprints were first recorded (it goes last in its
    /// table), with the canonical value it had before.
    pub(crate) const fn added_later(mut self, before: fn() -> Value) -> Self {
        self.before_added = Some(before);
        self
    }

    /// Compared by the planner and recorded by the fingerprint.
    pub(crate) fn fingerprinted(&self) -> bool {
        matches!(
            self.mutation,
            Mutation::InPlace | Mutation::Tags | Mutation::Replace | Mutation::Recorded
        )
    }
}

impl<T: Tagged> Attribute<T> {
    /// The `tags` attribute: compared and shown without the fingerprint tag.
    pub(crate) const fn tags() -> Self {
        Attribute::plain(
            "tags",
            |r| json!(without_fingerprint(r.tags())),
            Mutation::Tags,
        )
    }
}

/// How the attribute `name` of the table is changed (`None`: not in it).
pub(crate) fn mutation_of<T>(table: &[Attribute<T>], name: &str) -> Option<Mutation> {
    table.iter().find(|a| a.name == name).map(|a| a.mutation)
}

/// The attributes plans show, in table order.
pub(crate) fn shown<T>(table: &[Attribute<T>], r: &T) -> Vec<(&'static str, Value)> {
    table
        .iter()
        .filter(|a| a.mutation != Mutation::Recorded)
        .map(|a| (a.name, (a.shown)(r)))
        .collect()
}

/// The canonical values the fingerprint records, in table order (an attribute added later goes
/// last, so that fingerprints recorded before it stay readable).
pub(crate) fn comparable<T>(table: &[Attribute<T>], r: &T) -> Vec<(&'static str, Value)> {
    table
        .iter()
        .filter(|a| a.fingerprinted())
        .map(|a| (a.name, (a.canonical)(r)))
        .collect()
}

/// The fingerprinted attributes' names in table order, each with the value it had before it
/// was added, if it was added later.
pub(crate) fn fingerprint_layout<T>(table: &[Attribute<T>]) -> Vec<(&'static str, Option<Value>)> {
    table
        .iter()
        .filter(|a| a.fingerprinted())
        .map(|a| (a.name, a.before_added.map(|before| before())))
        .collect()
}

/// The in-place attributes whose canonical values differ (tags have rules of their own).
pub(crate) fn changed<'t, T>(
    table: &'t [Attribute<T>],
    want: &T,
    have: &T,
) -> Vec<&'t Attribute<T>> {
    table
        .iter()
        .filter(|a| a.mutation == Mutation::InPlace)
        .filter(|a| (a.canonical)(want) != (a.canonical)(have))
        .collect()
}
