//! What each kind declares to observe ([`Read`]): the reads it may make, with their scopes
//! (gathered into `observe::READS`), and for a registry kind its read for a plan and for
//! `import`, which `observe::registry` runs side by side once the records are listed.

use std::collections::BTreeMap;

use serde_json::Value;

use super::Limit;
use crate::live::{Aws, LiveError};
use crate::model::registry_record::RegistryRecord;
use crate::model::{Desired, Kind, Live, Resource};

/// What a kind's read sees: the spec, every stack's record in the region, and the client.
pub(crate) struct Reading<'a, C> {
    pub(crate) client: &'a C,
    pub(crate) desired: &'a Desired,
    pub(crate) records: &'a BTreeMap<String, RegistryRecord>,
    pub(crate) limit: &'a Limit,
}

/// What `import` reads of a kind: every record in the region, and the project's prefix.
pub(crate) struct Inventory<'a, C> {
    pub(crate) client: &'a C,
    pub(crate) prefix: &'a str,
    pub(crate) records: &'a BTreeMap<String, RegistryRecord>,
    pub(crate) limit: &'a Limit,
}

/// What a kind's read found: its live resources, and what the plan must know of AWS beyond
/// them (the registry's whole signing configuration), kept in [`RegistryState::fact`].
#[derive(Default)]
pub(crate) struct Found {
    pub(crate) live: Vec<Live>,
    pub(crate) fact: Option<Value>,
}

/// How a kind is read, declared in the kind's folder: the reads it may make, and for a registry
/// kind (one owned through the stacks' registry records) its read for a plan and for `import`.
/// The IAM and repository kinds are read by the listings they share (`observe::iam`,
/// `kinds::repository::observe`) and keep the defaults, which read nothing.
pub(crate) trait Read {
    /// Every read the kind's observing may make, with the scope of resources it reads.
    const READS: &'static [(&'static str, super::ReadScope)] = &[];

    /// The kind's live resources this spec needs, and its fact; nothing (no call) when neither
    /// the spec nor this stack's record has any of it.
    fn read<C: Aws>(_cx: &Reading<'_, C>) -> impl Future<Output = Result<Found, LiveError>> {
        async { Ok(Found::default()) }
    }

    /// For `import`: the kind's resources the project owns, by a record or by its prefix.
    fn inventory<C: Aws>(
        _cx: &Inventory<'_, C>,
    ) -> impl Future<Output = Result<Vec<Resource>, LiveError>> {
        async { Ok(Vec::new()) }
    }
}

/// Every registered kind's [`Read`], side by side.
macro_rules! declare_reads {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        pub(crate) async fn read_kinds<C: Aws>(cx: &Reading<'_, C>) -> Result<Vec<(Kind, Found)>, LiveError> {
            let found = futures::try_join!(
                $(<crate::kinds::$module::$model as Read>::read(cx),)*
            )?;
            let ($($module,)*) = found;
            Ok(vec![$((Kind::$variant, $module),)*])
        }

        /// For `import`: every registered kind's resources the project owns.
        pub(crate) async fn inventory_kinds<C: Aws>(
            cx: &Inventory<'_, C>,
        ) -> Result<Vec<Resource>, LiveError> {
            let found = futures::try_join!(
                $(<crate::kinds::$module::$model as Read>::inventory(cx),)*
            )?;
            let ($($module,)*) = found;
            Ok([$($module,)*].into_iter().flatten().collect())
        }
    };
}

crate::kinds::for_each_kind!(declare_reads);
