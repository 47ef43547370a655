//! The spec's top-level sections import writes (`repositories:`, `roles:`, …): each kind of the
//! top level declares its own in its folder ([`Section`]); this file expands the kinds'
//! registration into the dispatch [`super::spec_text`] goes through, and names no kind.

use std::collections::BTreeMap;

use crate::kinds::for_each_kind;
use crate::model::github_trust::GithubName;
use crate::model::{Env, Live, Observed, Resource};
use crate::plan::owner_of;

/// A kind's section of the spec's top level, as import writes it (a kind with none, such as
/// one of the `registry:` section's parts, declares nothing).
pub(crate) trait Section {
    /// Where its section goes (`None`: import writes the kind some other way, or not at all).
    const SECTION: Option<Placement> = None;

    /// The section's lines before its items.
    fn head(_ctx: &Context<'_>) -> String {
        String::new()
    }

    /// What import writes of one live resource of the kind, `live` (of which `self` is the
    /// resource): its item's lines; `Err`: why it is left out.
    ///
    /// # Errors
    /// When the spec cannot express the resource.
    fn item(&self, _live: &Live, _ctx: &mut Context<'_>) -> Result<String, String> {
        Ok(String::new())
    }
}

/// Where import writes a kind's section.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Placement {
    /// The section's key.
    pub(crate) key: &'static str,
    /// Where it goes among the top-level sections, lowest first.
    pub(crate) rank: u8,
    /// One resource serves every stack: another stack's is written too (used, not managed),
    /// not left out.
    pub(crate) shared: bool,
}

/// What the items see besides their own resource; items are written in address order.
pub(crate) struct Context<'a> {
    pub(crate) inv: &'a Observed,
    pub(crate) env: Env,
    stack: &'a str,
    /// The spec names of what was written so far, by ARN: how a later item names what it
    /// refers to.
    pub(crate) names: BTreeMap<String, String>,
    /// The `github.organizations` the written items trust, as the first of them set them.
    pub(crate) organizations: Option<Vec<GithubName>>,
}

impl<'a> Context<'a> {
    pub(crate) fn new(inv: &'a Observed, stack: &'a str) -> Self {
        Context {
            inv,
            env: inv.env(),
            stack,
            names: BTreeMap::new(),
            organizations: None,
        }
    }

    /// Whether `resource` is the stack's, or no stack's.
    pub(crate) fn owns(&self, resource: &Resource) -> bool {
        owner_of(resource).is_none_or(|owner| owner == self.stack)
    }
}

/// A top-level section found for a resource: where it goes and its head.
#[derive(Clone, Copy)]
pub(super) struct Found {
    pub(super) at: Placement,
    pub(super) head: fn(&Context<'_>) -> String,
}

macro_rules! declare_sections {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        /// The top-level section of `resource`'s kind, if it has one.
        pub(super) fn of(resource: &Resource) -> Option<Found> {
            match resource {
                $(Resource::$variant(_) => <crate::kinds::$module::$model as Section>::SECTION
                    .map(|at| Found {
                        at,
                        head: <crate::kinds::$module::$model as Section>::head,
                    }),)*
            }
        }

        /// What import writes of `live` in its kind's section.
        pub(super) fn item(live: &Live, ctx: &mut Context<'_>) -> Result<String, String> {
            match &live.resource {
                $(Resource::$variant(r) => r.item(live, ctx),)*
            }
        }
    };
}

for_each_kind!(declare_sections);
