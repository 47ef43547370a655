//! Import: live resources → spec text. Pure: reads an inventory ([`crate::observe::inventory`]),
//! writes YAML, decides nothing about AWS.
//!
//! What the spec can express is written so that planning it against the same account changes
//! nothing but ownership tags (a trust statement of no other form is written as a raw
//! `trust.statements` entry); what it cannot express (a policy statement with `NotAction`, a
//! lifecycle rule of another kind) is left out with
//! a `# skipped:` comment saying why, never approximated. Ownership tags (`ManagedBy`, the stack
//! tag) and the fingerprint are not written: the spec adds them to every resource, and a
//! resource already owned by another stack is skipped.
//!
//! Each kind says in its own folder what import writes of it, where and how: a kind of the top
//! level its section ([`section::Section`], in its `import.rs`), a kind with a part of the
//! `registry:` section that part ([`crate::spec::registry::RegistryPart`], in its `spec.rs`). This
//! file assembles the spec from those declarations; only the registry's own settings (scanning,
//! replication, the registry policy), read from the stacks' ownership records rather than as
//! resources, are written here.

pub(crate) mod section;
#[cfg(test)]
mod tests;
pub(crate) mod text;

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::{Value, json};

use crate::kinds::registry::{OwnedKeys, unowned};
use crate::model::{Observed, RegistrySettings};
use crate::observe::named_with_prefix;
use crate::plan::owner_of;
use crate::spec::registry::{self as registry_section, Layout};
use section::Context;
use text::q;

pub struct Imported {
    pub text: String,
    /// Resources left out, with the reason (also written as comments in the text).
    pub skipped: Vec<String>,
    pub resources: usize,
}

pub fn spec_text(inv: &Observed, stack: &str, prefix: &str) -> Imported {
    let mut skipped = Vec::new();
    let mut count = 0;
    let mut ctx = Context::new(inv, stack);
    // The top-level sections the kinds declare, by rank and key: head and items.
    let mut sections: BTreeMap<(u8, &str), (section::Found, String)> = BTreeMap::new();
    // The parts of `registry:` the kinds there declare, by rank and key: layout and items.
    let mut parts: BTreeMap<(u8, &str), (Layout, Vec<Value>)> = BTreeMap::new();

    for live in inv.resources.values() {
        let address = live.resource.address();
        let found = section::of(&live.resource);
        if !found.is_some_and(|f| f.at.shared) && !ctx.owns(&live.resource) {
            skipped.push(format!(
                "{address}: belongs to stack {:?}",
                owner_of(&live.resource).unwrap_or_default()
            ));
            continue;
        }
        let result = match found {
            Some(found) => section::item(live, &mut ctx).map(|item| {
                let at = (found.at.rank, found.at.key);
                sections
                    .entry(at)
                    .or_insert((found, String::new()))
                    .1
                    .push_str(&item);
            }),
            None => match registry_section::imported(&live.resource, inv, stack) {
                Some((how, items)) => items.map(|items| {
                    let part = parts.entry((how.rank, how.key));
                    part.or_insert((how.layout, Vec::new())).1.extend(items);
                }),
                None => Ok(()),
            },
        };
        match result {
            Ok(()) => count += 1,
            Err(why) => skipped.push(format!("{address}: {why}")),
        }
    }

    let mut skipped_later = Vec::new();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "# Imported by betekk-ecr import from account {} in {}.\n\
         # Plan it before anything else: it should show only ownership tags being added (or\n\
         # nothing after `import --adopt`).",
        inv.identity.account, inv.region
    );
    for s in &skipped {
        let _ = writeln!(out, "# skipped: {s}");
    }
    let _ = writeln!(
        out,
        "version: 1\nstack: {}\nproject_prefix: {}\nregion: {}",
        q(stack),
        q(prefix),
        q(&inv.region)
    );
    for ((_, key), (found, items)) in &sections {
        let _ = write!(out, "{key}:\n{}{items}", (found.head)(&ctx));
    }
    let (settings, settings_count) = registry_settings(inv, stack, prefix, &mut skipped_later);
    count += settings_count;
    parts.retain(|_, (_, items)| !items.is_empty());
    if !settings.is_empty() || !parts.is_empty() {
        let _ = write!(out, "registry:\n{settings}");
        for ((_, key), (layout, items)) in &parts {
            registry_part(&mut out, key, *layout, items);
        }
    }
    for s in &skipped_later {
        let _ = writeln!(out, "# skipped: {s}");
    }
    skipped.extend(skipped_later);
    Imported {
        text: out,
        skipped,
        resources: count,
    }
}

/// A kind's part of `registry:`: its key, then its items as its layout writes them.
fn registry_part(out: &mut String, key: &str, layout: Layout, items: &[Value]) {
    if layout == Layout::FlowList {
        let _ = writeln!(out, "  {key}: {}", q(items));
        return;
    }
    let _ = writeln!(out, "  {key}:");
    for item in items {
        let entries = item.as_object().into_iter().flatten();
        match layout {
            Layout::FlowItems => {
                let _ = writeln!(out, "    - {}", q(item));
            }
            Layout::BlockItems => {
                for (i, (name, value)) in entries.enumerate() {
                    let lead = if i == 0 { "    - " } else { "      " };
                    let _ = writeln!(out, "{lead}{name}: {}", q(value));
                }
            }
            Layout::Entries => {
                for (name, value) in entries {
                    let _ = writeln!(out, "    {name}: {}", q(value));
                }
            }
            Layout::FlowList => {}
        }
    }
}

/// The `scanning`, `replication` and `policy` parts this stack takes: what its record owns, and
/// the filters and rules named with the project prefix that no stack owns. Statements and a scan
/// type in no record are left to whoever set them (listed as skipped). Returns the YAML and the
/// number of parts written.
fn registry_settings(
    inv: &Observed,
    stack: &str,
    prefix: &str,
    skipped: &mut Vec<String>,
) -> (String, usize) {
    let Some(live) = &inv.registry.settings else {
        return (String::new(), 0);
    };
    let everyone = inv
        .registry
        .records
        .values()
        .fold(OwnedKeys::default(), |all, r| all.union(&r.registry));
    let mut owned = inv
        .registry
        .records
        .get(stack)
        .map(|r| r.registry.clone())
        .unwrap_or_default();
    for part in unowned(live, &everyone) {
        let (kind, key) = part.split_once(':').expect("parts are kind:key");
        match kind {
            "scanning" if named_with_prefix(key, prefix) => {
                owned.scanning.insert(key.to_string());
            }
            "replication" if key.split(',').all(|f| named_with_prefix(f, prefix)) => {
                owned
                    .replication
                    .insert(key.split(',').map(str::to_string).collect());
            }
            "scanning" | "replication" => {}
            _ => skipped.push(format!(
                "registry {part}: in no stack's record; add it under registry.policy (with a Sid) to own it"
            )),
        }
    }
    let mine = RegistrySettings::project(live, &owned);
    let mut out = String::new();
    let mut count = 0;
    if mine.scan_type.is_some() || !mine.scanning.is_empty() {
        let _ = writeln!(out, "  scanning:");
        if let Some(t) = mine.scan_type {
            let _ = writeln!(out, "    type: {}", t.as_str());
        }
        let mut by_frequency: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
        for (filter, frequency) in &mine.scanning {
            by_frequency
                .entry(frequency.as_str())
                .or_default()
                .push(filter);
        }
        if !by_frequency.is_empty() {
            let _ = writeln!(out, "    rules:");
        }
        for (frequency, filters) in by_frequency {
            let _ = writeln!(
                out,
                "      - {{frequency: {frequency}, filters: {}}}",
                q(filters)
            );
        }
        count += 1;
    }
    if !mine.replication.is_empty() {
        let _ = writeln!(out, "  replication:\n    rules:");
        for (filters, destinations) in &mine.replication {
            let to: Vec<Value> = destinations
                .iter()
                .map(|d| {
                    if d.account == inv.identity.account {
                        json!({"region": d.region})
                    } else {
                        json!({"region": d.region, "account": d.account})
                    }
                })
                .collect();
            let _ = writeln!(
                out,
                "      - {{destinations: {}, filters: {}}}",
                q(to),
                q(filters)
            );
        }
        count += 1;
    }
    if !mine.policy.is_empty() {
        let statements = mine.statements_as_written();
        let _ = writeln!(
            out,
            "  policy: {}",
            q(json!({"Version": "2012-10-17", "Statement": statements}))
        );
        count += 1;
    }
    (out, count)
}
