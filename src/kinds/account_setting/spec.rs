//! `registry.account_settings`: the account settings of the registry this stack owns, one field
//! per setting ECR knows, each one of the values AWS documents.

use serde_json::{Value, json};

use crate::kinds::account_setting::{AccountSetting, KNOWN, Known};
use crate::model::{Observed, Resource};
use crate::spec::fields::{Field, Ty};
use crate::spec::reader::{Fields, Reader};
use crate::spec::registry::{Imported, Layout, RegistryPart, Scope, from_field};
use crate::spec::yaml::Node;

/// One field per known setting, from the model's table.
pub const ACCOUNT_SETTINGS_FIELDS: &[Field] = &fields(KNOWN_ARRAY);

const KNOWN_ARRAY: &[Known; 3] = match KNOWN.first_chunk::<3>() {
    Some(known) if KNOWN.len() == 3 => known,
    _ => panic!("ACCOUNT_SETTINGS_FIELDS: update the count to the model's KNOWN"),
};

const fn fields<const N: usize>(known: &[Known; N]) -> [Field; N] {
    let mut out = [Field::new("", Ty::Str, ""); N];
    let mut i = 0;
    while i < N {
        out[i] = Field::new(known[i].key, Ty::OneOf(known[i].values), known[i].doc);
        i += 1;
    }
    out
}

const FIELD: Field = Field::new(
    "account_settings",
    Ty::Map(ACCOUNT_SETTINGS_FIELDS),
    "The registry's account settings this stack owns (PutAccountSetting), per region",
);

/// A part of the `registry:` section: import writes it there, not in a section of its own.
impl crate::import::section::Section for AccountSetting {}

impl RegistryPart for AccountSetting {
    const FIELDS: &'static [Field] = &[FIELD];
    const RANK: u8 = 50;

    fn read(r: &mut Reader, section: &Fields<'_>, _scope: &Scope<'_>) -> Vec<Resource> {
        from_field(section, &FIELD, |n, path| read_account_settings(r, n, path))
    }

    const IMPORTED: Option<Imported> = Some(Imported {
        key: FIELD.name,
        rank: 30,
        layout: Layout::Entries,
    });

    fn imported(&self, _inv: &Observed, _stack: &str) -> Result<Vec<Value>, String> {
        Ok(vec![json!({ &self.name: self.value })])
    }
}

pub(crate) fn read_account_settings(r: &mut Reader, node: &Node, path: &str) -> Vec<Resource> {
    let Some(f) = r.fields(node, path, ACCOUNT_SETTINGS_FIELDS) else {
        return Vec::new();
    };
    KNOWN
        .iter()
        .filter_map(|known| {
            let n = f.get(known.key)?;
            let value = r.one_of(n, &f.path_of(known.key), known.values, |v| {
                known.values.contains(&v).then(|| v.to_string())
            })?;
            Some(Resource::AccountSetting(AccountSetting {
                name: known.key.to_string(),
                value,
                tags: Default::default(),
            }))
        })
        .collect()
}
