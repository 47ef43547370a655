//! The `registry:` section: registry-wide ECR settings of each region the spec applies to, and
//! the kinds that live there (pull-through cache rules, creation templates, signing rules, …).
//! Each kind declares its part of the section in its own spec file ([`RegistryPart`]): its
//! fields, where they go, how they are read and how `import` writes them. This file assembles
//! the section from the registrations and names no kind.

use std::collections::BTreeSet;

use serde_json::Value;

use super::Context;
use super::fields::{Field, Ty};
use super::reader::{Fields, Reader};
use super::yaml::Node;
use crate::kinds::for_each_kind;
use crate::model::target::Target;
use crate::model::{Observed, Resource};

/// What a part's reader sees besides the section.
pub(crate) struct Scope<'a> {
    pub(crate) ctx: &'a Context,
    /// The spec's regions.
    pub(crate) regions: &'a [String],
    pub(crate) targets: &'a [Target],
    /// The names of the roles the spec declares.
    pub(crate) roles: &'a BTreeSet<String>,
}

/// A kind's part of the `registry:` section, declared in the kind's own spec file (a kind with
/// no part declares nothing).
pub(crate) trait RegistryPart {
    /// Its fields of the section.
    const FIELDS: &'static [Field] = &[];
    /// Where its resources go among the parts', lowest first: the desired state lists the
    /// resources read in this order.
    const RANK: u8 = u8::MAX;
    /// Where its fields go among the section's, lowest first: the schema and error messages list
    /// them in this order.
    const FIELD_RANK: u8 = Self::RANK;

    /// Its resources, read from its fields of the section (whose keys are checked already).
    fn read(_r: &mut Reader, _section: &Fields<'_>, _scope: &Scope<'_>) -> Vec<Resource> {
        Vec::new()
    }

    /// How `import` writes the part (`None`: import writes it some other way).
    const IMPORTED: Option<Imported> = None;

    /// What `import` writes of one live resource of the kind, the stack's: its items under
    /// [`Imported::key`]; `Err`: why it is left out.
    ///
    /// # Errors
    /// When the spec cannot express the resource.
    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        Ok(Vec::new())
    }
}

/// Where and how `import` writes a part.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Imported {
    /// The part's field, under which its items go.
    pub(crate) key: &'static str,
    /// Where it goes in the imported section, lowest first.
    pub(crate) rank: u8,
    pub(crate) layout: Layout,
}

/// How `import` writes a part's items under its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// A list, each item a flow mapping on its own line.
    FlowItems,
    /// A list, each item a block mapping of its fields, a line each.
    BlockItems,
    /// One mapping of every item's fields, a line each.
    Entries,
    /// A flow list on the key's line.
    FlowList,
}

/// The `registry:` section's parts, in registration order: their fields, ranks and readers.
macro_rules! declare_parts {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        const PARTS: &[Part] = &[$(Part {
            fields: <crate::kinds::$module::$model as RegistryPart>::FIELDS,
            rank: <crate::kinds::$module::$model as RegistryPart>::RANK,
            field_rank: <crate::kinds::$module::$model as RegistryPart>::FIELD_RANK,
            read: <crate::kinds::$module::$model as RegistryPart>::read,
        },)*];

        /// How `import` writes the part of `resource`'s kind, if it has one, and what it
        /// writes of `resource` there.
        pub(crate) fn imported(
            resource: &Resource,
            inv: &Observed,
            stack: &str,
        ) -> Option<(Imported, Result<Vec<Value>, String>)> {
            match resource {
                $(Resource::$variant(r) => <crate::kinds::$module::$model as RegistryPart>::IMPORTED
                    .map(|how| (how, r.imported(inv, stack))),)*
            }
        }
    };
}

for_each_kind!(declare_parts);

type Read = fn(&mut Reader, &Fields<'_>, &Scope<'_>) -> Vec<Resource>;

struct Part {
    fields: &'static [Field],
    rank: u8,
    field_rank: u8,
    read: Read,
}

const FIELD_COUNT: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < PARTS.len() {
        n += PARTS[i].fields.len();
        i += 1;
    }
    n
};

/// Every part's fields, in field rank order (parts of one rank in registration order).
pub const FIELDS: &[Field] = &in_rank_order::<FIELD_COUNT>();

const fn in_rank_order<const N: usize>() -> [Field; N] {
    let mut out = [Field::new("", Ty::Str, ""); N];
    let mut n = 0;
    let mut rank = 0;
    while rank <= u8::MAX as usize {
        let mut i = 0;
        while i < PARTS.len() {
            if PARTS[i].field_rank as usize == rank {
                let mut j = 0;
                while j < PARTS[i].fields.len() {
                    out[n] = PARTS[i].fields[j];
                    n += 1;
                    j += 1;
                }
            }
            i += 1;
        }
        rank += 1;
    }
    out
}

/// The section's resources, each part's in rank order. `regions`: the spec's regions;
/// `roles`: the roles it declares.
pub fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    regions: &[String],
    targets: &[Target],
    roles: &BTreeSet<String>,
) -> Vec<Resource> {
    let Some(section) = r.fields(node, "registry", FIELDS) else {
        return Vec::new();
    };
    let scope = Scope {
        ctx,
        regions,
        targets,
        roles,
    };
    let mut parts: Vec<&Part> = PARTS.iter().filter(|p| !p.fields.is_empty()).collect();
    parts.sort_by_key(|p| p.rank);
    parts
        .into_iter()
        .flat_map(|p| (p.read)(r, &section, &scope))
        .collect()
}

/// The fields a kind's attribute table imports, as one mapping.
/// The resources a kind reads from its one field of the section (`read(node, path)`), none when
/// the spec leaves the field out.
pub(crate) fn from_field(
    section: &Fields<'_>,
    field: &Field,
    read: impl FnOnce(&Node, &str) -> Vec<Resource>,
) -> Vec<Resource> {
    section
        .get(field.name)
        .map(|node| read(node, &section.path_of(field.name)))
        .unwrap_or_default()
}

pub(crate) fn imported_fields<T, W>(
    table: &[crate::model::attribute::Attribute<T, W>],
    r: &T,
) -> Value {
    Value::Object(
        crate::model::attribute::imported(table, r)
            .into_iter()
            .map(|(name, value)| (name.to_string(), value))
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::FIELDS;
    use crate::spec::fields::names;

    #[test]
    fn the_section_lists_the_settings_then_each_kinds_part_once() {
        assert_eq!(
            names(FIELDS),
            [
                "scanning",
                "replication",
                "policy",
                "pull_through_cache",
                "creation_templates",
                "signing",
                "pull_time_update_exclusions",
                "account_settings",
            ]
        );
    }
}
