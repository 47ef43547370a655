//! What each kind declares to the planner, in its folder's `plan.rs`: how it is diffed, pruned and
//! ordered. The planner dispatches through [`planned`], generated from the registration in
//! `kinds/mod.rs`, and names no kind itself.

use super::calls::OpCalls;
use super::{Change, PlanError};
use crate::kinds::for_each_kind;
use crate::model::{Address, Desired, Env, Kind, Live, Observed, Resource};

/// What one kind's planning sees besides the desired resource and its live counterpart.
pub(crate) struct Context<'a> {
    pub(crate) desired: &'a Desired,
    pub(crate) observed: &'a Observed,
    pub(crate) env: &'a Env,
    /// Whether the live resource carries this stack's tags.
    pub(crate) owned: bool,
}

/// What a plan does with a resource another stack owns.
pub(crate) enum Foreign {
    /// Use it and leave it to its owner (one provider serves every stack of the account).
    Use,
    /// Own it together: both declare the same (an account setting with the same value).
    Share,
    /// Refuse the plan: two specs must not manage one resource.
    Refuse,
    /// Refuse the plan with the kind's own error (two stacks declare different values).
    Conflict(PlanError),
}

/// A kind's planning, implemented in its folder's `plan.rs`.
pub(crate) trait Planned {
    /// The change that turns `live` into this desired resource (`None`: nothing to do).
    ///
    /// # Errors
    /// [`PlanError`] when the resource cannot be planned (a missing prerequisite, a conflict).
    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError>;

    /// The change that removes this live resource, which this stack owns and no longer declares
    /// (`None`: never pruned).
    fn prune(&self, live: &Live, cx: &Context<'_>) -> Option<Change>;

    /// What to do when the live resource belongs to stack `owner`, not this one: by default two
    /// specs must not manage one resource.
    fn foreign(&self, _live: &Live, _owner: &str, _stack: &str) -> Foreign {
        Foreign::Refuse
    }

    /// Completes the desired resource from what the plan sees (a push policy gains what signing
    /// needs), and says why where the reason is not in the spec. `declared`: every desired
    /// resource, bound; `stack`: the spec's.
    fn complete(
        &mut self,
        _declared: &[Resource],
        _observed: &Observed,
        _env: &Env,
        _stack: &str,
    ) -> Vec<String> {
        Vec::new()
    }

    /// What it refers to among the other desired resources: those are created first.
    fn references(&self, _desired: &[Resource], _env: &Env) -> Vec<Address> {
        Vec::new()
    }

    /// Every call each of the kind's ops may make, declared once.
    fn ops() -> &'static [OpCalls]
    where
        Self: Sized;

    /// The kinds whose deletes go before a delete of this kind.
    fn deleted_after() -> &'static [Kind]
    where
        Self: Sized,
    {
        &[]
    }
}

macro_rules! declare_planned {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        /// The planning of a resource's kind.
        pub(crate) fn planned(resource: &Resource) -> &dyn Planned {
            match resource {
                $(Resource::$variant(r) => r,)*
            }
        }

        /// The planning of a resource's kind, to complete it.
        pub(crate) fn planned_mut(resource: &mut Resource) -> &mut dyn Planned {
            match resource {
                $(Resource::$variant(r) => r,)*
            }
        }

        /// Every kind's op declarations.
        pub(crate) fn declared_ops() -> impl Iterator<Item = &'static OpCalls> {
            [$(<crate::kinds::$module::$model as Planned>::ops(),)*].into_iter().flatten()
        }

        /// The kinds whose deletes go before a delete of `kind`.
        pub(crate) fn deleted_after(kind: Kind) -> &'static [Kind] {
            match kind {
                $(Kind::$variant => <crate::kinds::$module::$model as Planned>::deleted_after(),)*
                Kind::RegistryRecord => &[],
            }
        }
    };
}

for_each_kind!(declare_planned);
