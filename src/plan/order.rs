//! Dependencies between changes: provider before roles; repositories before the policies that
//! name them; policies before the roles and users they are attached to; deletes in reverse.

use std::collections::BTreeSet;

use super::{Action, Change};
use crate::model::{Address, Env, Kind, Resource};

/// Fills `depends_on` of every change. Dependencies on resources without a change are left out.
pub fn link(changes: &mut [Change], desired: &[Resource], env: &Env) {
    let changing: BTreeSet<(Address, bool)> = changes
        .iter()
        .map(|c| (c.address.clone(), c.action == Action::Delete))
        .collect();
    let deletes_of = |kind: Kind| -> Vec<Address> {
        changing
            .iter()
            .filter(|(a, is_delete)| *is_delete && a.kind == kind)
            .map(|(a, _)| a.clone())
            .collect()
    };
    for change in changes.iter_mut() {
        let deps: Vec<Address> = if change.action == Action::Delete {
            super::planned::deleted_after(change.kind)
                .iter()
                .flat_map(|kind| deletes_of(*kind))
                .collect()
        } else {
            desired
                .iter()
                .find(|r| r.address() == change.address)
                .map(|r| super::planned::planned(r).references(desired, env))
                .unwrap_or_default()
                .into_iter()
                .filter(|a| changing.contains(&(a.clone(), false)))
                .collect()
        };
        change.depends_on = deps;
    }
}
