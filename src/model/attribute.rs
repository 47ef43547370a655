//! One table of attributes per resource kind: each attribute declared once, with its canonical
//! value (compared and fingerprinted), its value as shown in plans, how a change is made, and the
//! spec field that sets it. Display, comparison, fingerprints, drift, import and the spec's field
//! tables (its reader's key checks and `schema`) all read these tables.

use serde_json::{Value, json};

use super::tags::Tagged;
use super::tags::without_fingerprint;

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

/// How `import` writes an attribute into the spec it generates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Import {
    /// As shown, under the name of the spec field that sets it (the attribute's name unless its
    /// row says another: a creation template's `resource_tags` are its `tags:`); left out when
    /// empty (`null`, `""`, `[]`, `{}`), which is each such field's default in the spec.
    Field,
    /// By the kind's own import code, because the spec says it in other terms (a trust document
    /// read back into `github_trust`, policy ARNs into names, only the stack's own tags).
    ByKind,
    /// Never: not a property of the live resource (`force_delete`), or left to AWS on purpose
    /// (a provider's thumbprints, which the spec leaves unmanaged when it lists none).
    No,
}

/// One attribute of a resource of type `T`, changed in place by the call `W` names (the kind's
/// own list of its calls; `()` for a kind whose planner reads no such column).
pub(crate) struct Attribute<T, W = ()> {
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
    pub(crate) import: Import,
    /// Shown in plans even when empty; `false` for an attribute that is empty in nearly every
    /// resource (a repository's exclusion filters).
    pub(crate) shown_when_empty: bool,
    /// The spec field that sets it (`None`: the spec says it in other terms, or not at all).
    pub(crate) spec: Option<Field>,
    /// The call that writes it when it changes in place (several attributes may share one).
    pub(crate) writes: Option<W>,
}

impl<T, W: Copy> Attribute<T, W> {
    /// An attribute compared in one form and shown in another (a document: compared canonically,
    /// shown as written). Imported as shown, except what is only recorded.
    pub(crate) const fn new(
        name: &'static str,
        canonical: fn(&T) -> Value,
        shown: fn(&T) -> Value,
        mutation: Mutation,
    ) -> Self {
        Attribute {
            name,
            canonical,
            shown,
            mutation,
            before_added: None,
            import: match mutation {
                Mutation::Recorded => Import::No,
                Mutation::Tags => Import::ByKind,
                _ => Import::Field,
            },
            shown_when_empty: true,
            spec: None,
            writes: None,
        }
    }

    /// An attribute shown as it is compared (no document whose wording is kept apart).
    pub(crate) const fn plain(
        name: &'static str,
        value: fn(&T) -> Value,
        mutation: Mutation,
    ) -> Self {
        Attribute::new(name, value, value, mutation)
    }

    /// How `import` writes it, when not as shown under its name.
    pub(crate) const fn imported(mut self, import: Import) -> Self {
        self.import = import;
        self
    }

    /// Set by the spec field of its name.
    pub(crate) const fn spec(mut self, ty: Ty, doc: &'static str) -> Self {
        self.spec = Some(Field::new(self.name, ty, doc));
        self
    }

    /// Set by the spec field of its name, which every item must have.
    pub(crate) const fn spec_required(mut self, ty: Ty, doc: &'static str) -> Self {
        self.spec = Some(Field::required(self.name, ty, doc));
        self
    }

    /// Set by a spec field of another name.
    pub(crate) const fn spec_named(
        mut self,
        field: &'static str,
        ty: Ty,
        doc: &'static str,
    ) -> Self {
        self.spec = Some(Field::new(field, ty, doc));
        self
    }

    /// Written, when it changes in place, by the call `write` names.
    pub(crate) const fn written_by(mut self, write: W) -> Self {
        self.writes = Some(write);
        self
    }

    /// The spec field says, for this kind, `doc` (a row shared by two kinds, which read it in
    /// their own terms).
    pub(crate) const fn spec_doc(mut self, doc: &'static str) -> Self {
        if let Some(field) = &mut self.spec {
            field.doc = doc;
        }
        self
    }

    /// Compared and fingerprinted in this form, instead of the one its shared row declares.
    pub(crate) const fn compared_as(mut self, canonical: fn(&T) -> Value) -> Self {
        self.canonical = canonical;
        self
    }

    /// Changed this way, instead of the way its shared row declares.
    pub(crate) const fn changed_by(mut self, mutation: Mutation) -> Self {
        self.mutation = mutation;
        self
    }

    /// Left out of plans when empty.
    pub(crate) const fn hidden_when_empty(mut self) -> Self {
        self.shown_when_empty = false;
        self
    }

    /// Marks an attribute added after fingerprints were first recorded (it goes last in its
    /// table), with the canonical value it had before.
    pub(crate) const fn added_later(mut self, before: fn() -> Value) -> Self {
        self.before_added = Some(before);
        self
    }
}

impl<T, W> Attribute<T, W> {
    /// Compared by the planner and recorded by the fingerprint.
    pub(crate) fn fingerprinted(&self) -> bool {
        matches!(
            self.mutation,
            Mutation::InPlace | Mutation::Tags | Mutation::Replace | Mutation::Recorded
        )
    }
}

impl<T: Tagged, W: Copy> Attribute<T, W> {
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
pub(crate) fn mutation_of<T, W>(table: &[Attribute<T, W>], name: &str) -> Option<Mutation> {
    table.iter().find(|a| a.name == name).map(|a| a.mutation)
}

/// `null`, `""`, `[]` or `{}`.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Bool(_) | Value::Number(_) => false,
    }
}

/// The attributes plans show, in table order.
pub(crate) fn shown<T, W>(table: &[Attribute<T, W>], r: &T) -> Vec<(&'static str, Value)> {
    table
        .iter()
        .filter(|a| a.mutation != Mutation::Recorded)
        .map(|a| (a, (a.shown)(r)))
        .filter(|(a, v)| a.shown_when_empty || !is_empty(v))
        .map(|(a, v)| (a.name, v))
        .collect()
}

/// How many rows of the table a spec field sets.
pub(crate) const fn spec_fields<T, W>(table: &[Attribute<T, W>]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < table.len() {
        if table[i].spec.is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The spec fields `import` writes from the table, with their values, in table order: every
/// attribute imported as a field whose value is not empty. What the kind imports itself is not
/// among them.
pub(crate) fn imported<T, W>(table: &[Attribute<T, W>], r: &T) -> Vec<(&'static str, Value)> {
    table
        .iter()
        .filter_map(|a| match a.import {
            Import::Field => Some((a.spec.map_or(a.name, |f| f.name), (a.shown)(r))),
            Import::ByKind | Import::No => None,
        })
        .filter(|(_, v)| !is_empty(v))
        .collect()
}

/// The canonical values the fingerprint records, in table order (an attribute added later goes
/// last, so that fingerprints recorded before it stay readable).
pub(crate) fn comparable<T, W>(table: &[Attribute<T, W>], r: &T) -> Vec<(&'static str, Value)> {
    table
        .iter()
        .filter(|a| a.fingerprinted())
        .map(|a| (a.name, (a.canonical)(r)))
        .collect()
}

/// The fingerprinted attributes' names in table order, each with the value it had before it
/// was added, if it was added later.
pub(crate) fn fingerprint_layout<T, W>(
    table: &[Attribute<T, W>],
) -> Vec<(&'static str, Option<Value>)> {
    table
        .iter()
        .filter(|a| a.fingerprinted())
        .map(|a| (a.name, a.before_added.map(|before| before())))
        .collect()
}

/// The in-place attributes whose canonical values differ (tags have rules of their own).
pub(crate) fn changed<'t, T, W>(
    table: &'t [Attribute<T, W>],
    want: &T,
    have: &T,
) -> Vec<&'t Attribute<T, W>> {
    table
        .iter()
        .filter(|a| a.mutation == Mutation::InPlace)
        .filter(|a| (a.canonical)(want) != (a.canonical)(have))
        .collect()
}

/// The calls that write these changed attributes, each once, in the order the kind lists its
/// calls.
pub(crate) fn writes<T, W: Copy + Ord>(changed: &[&Attribute<T, W>]) -> Vec<W> {
    let mut calls: Vec<W> = changed.iter().filter_map(|a| a.writes).collect();
    calls.sort();
    calls.dedup();
    calls
}

/// One field of a spec mapping: its name, what its value may be, whether it is required, and what
/// it means (its default among it). An attribute's row carries the field that sets it; the spec
/// reader checks keys against a kind's fields and `schema` describes them.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    pub(crate) name: &'static str,
    pub(crate) ty: Ty,
    pub(crate) required: bool,
    pub(crate) doc: &'static str,
}

/// What a field's value may be.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Ty {
    Str,
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    /// A positive whole number, or the same as a string of digits (GitHub's numeric ids).
    NumericId,
    /// One of these strings, exactly.
    OneOf(&'static [&'static str]),
    /// A list of strings (a single string is refused so that typos stay visible).
    Strings,
    /// A list whose items are each a name or a mapping of these fields (`{name, id}`).
    NamesOr(&'static [Field]),
    /// Names to values (tags); numbers and booleans are taken as their text.
    StringMap,
    /// These keys only, each a string, a number or a list of strings.
    Claims(&'static [&'static str]),
    /// An IAM policy document: a mapping, or the same as a JSON string.
    Document,
    /// Names to policy documents (a mapping or a JSON string) or lists of these statements.
    NamedDocuments(&'static [Field]),
    /// A free-form mapping (IAM condition operators).
    Mapping,
    /// A mapping of these fields.
    Map(&'static [Field]),
    /// A list of mappings of these fields.
    ListOf(&'static [Field]),
}

impl Field {
    pub(crate) const fn new(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Field {
            name,
            ty,
            required: false,
            doc,
        }
    }

    pub(crate) const fn required(name: &'static str, ty: Ty, doc: &'static str) -> Self {
        Field {
            name,
            ty,
            required: true,
            doc,
        }
    }
}
