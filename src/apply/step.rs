//! Running one change: its operations in order, each an ensure.

use crate::plan::tag_ops::TagOp;
use std::time::Instant;

use super::retry::with_retry;
use super::{ApplyOptions, Event, Outcome, Status};
use crate::causes::chain;
use crate::live::{Aws, Ensured, ErrorKind, LiveError};
use crate::model::tags::owner_of_tags;
use crate::model::{Address, TagTarget};
use crate::plan::{Change, Op};

#[derive(Debug, thiserror::Error)]
pub enum StepError {
    #[error(transparent)]
    Aws(#[from] LiveError),
    #[error(
        "{kind} {name} was created by stack {owner:?} since the plan was made; not taking it over"
    )]
    OwnedByAnotherStack {
        kind: &'static str,
        name: String,
        owner: String,
    },
    #[error("refused to delete repository {name}: it holds images and {needs}")]
    HoldsImages { name: String, needs: &'static str },
}

impl StepError {
    /// The kind named in JSON reports.
    pub fn kind(&self) -> String {
        match self {
            StepError::Aws(e) => snake_case(&format!("{:?}", e.kind)),
            StepError::OwnedByAnotherStack { .. } => "owned_by_another_stack".into(),
            StepError::HoldsImages { .. } => "holds_images".into(),
        }
    }
}

/// `AccessDenied` → `access_denied`.
fn snake_case(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            out.push('_');
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

pub async fn run<C: Aws>(
    client: &C,
    change: &Change,
    options: &ApplyOptions,
    notify: &dyn Fn(Event<'_>),
) -> Outcome {
    let started = Instant::now();
    let mut changed = false;
    let mut error = None;
    let mut error_kind = None;
    for op in &change.ops {
        let ctx = Ctx {
            client,
            options,
            notify,
            address: &change.address,
        };
        match ctx.run_op(op).await {
            Ok(Ensured::Done) => changed = true,
            Ok(Ensured::NotNeeded) => {}
            Err(e) => {
                error = Some(chain(&e));
                error_kind = Some(e.kind());
                break;
            }
        }
    }
    let status = match (&error, changed) {
        (Some(_), _) => Status::Failed,
        (None, true) => Status::Applied,
        (None, false) => Status::NotNeeded,
    };
    Outcome {
        address: change.address.clone(),
        action: change.action,
        status,
        duration_ms: started.elapsed().as_millis() as u64,
        error,
        error_kind,
    }
}

pub(crate) struct Ctx<'a, C> {
    pub(crate) client: &'a C,
    pub(crate) options: &'a ApplyOptions,
    notify: &'a dyn Fn(Event<'_>),
    address: &'a Address,
}

pub(crate) fn done(r: Result<(), LiveError>) -> Result<Ensured, StepError> {
    r.map(|()| Ensured::Done).map_err(StepError::from)
}

/// Not-found on a removal means it is already gone.
pub(crate) fn gone(r: Result<(), LiveError>) -> Result<Ensured, StepError> {
    match r {
        Err(e) if e.kind == ErrorKind::NotFound => Ok(Ensured::NotNeeded),
        other => done(other),
    }
}

impl<C: Aws> Ctx<'_, C> {
    pub(crate) async fn retrying<T, F, Fut>(
        &self,
        retry_on: &[ErrorKind],
        call: F,
    ) -> Result<T, LiveError>
    where
        F: FnMut() -> Fut,
        Fut: Future<Output = Result<T, LiveError>>,
    {
        with_retry(self.address, retry_on, self.options, self.notify, call).await
    }

    /// Writes and removes tags through the service that holds the resource.
    async fn set_tags(
        &self,
        target: &TagTarget,
        set: &crate::model::Tags,
        unset: &[String],
    ) -> Result<Ensured, StepError> {
        let client = self.client;
        if !set.is_empty() {
            match target {
                TagTarget::Repository { arn } => client.tag_resource(arn, set).await?,
                iam => client.tag_iam(iam, set).await?,
            }
        }
        if !unset.is_empty() {
            match target {
                TagTarget::Repository { arn } => client.untag_resource(arn, unset).await?,
                iam => client.untag_iam(iam, unset).await?,
            }
        }
        Ok(Ensured::Done)
    }

    /// Refuses to take over what another stack owns; ours (or unowned) is fine.
    pub(crate) fn not_anothers(
        &self,
        kind: &'static str,
        name: &str,
        live: &crate::model::Tags,
        want: &crate::model::Tags,
    ) -> Result<(), StepError> {
        let owner = owner_of_tags(live);
        if owner.is_some() && owner != owner_of_tags(want) {
            return Err(StepError::OwnedByAnotherStack {
                kind,
                name: name.to_string(),
                owner: owner.unwrap_or_default().to_string(),
            });
        }
        Ok(())
    }
}

/// Carries out one kind's ops; implemented in each kind's `apply.rs`.
pub(crate) trait Execute {
    /// Makes the op's change, or finds it made already (`Ensured::NotNeeded`).
    fn execute<C: Aws>(&self, cx: &Ctx<'_, C>) -> impl Future<Output = Result<Ensured, StepError>>;
}

/// The dispatch of an op to its kind's [`Execute`], from the registration.
macro_rules! declare_run_op {
    ($($(#[$doc:meta])* $variant:ident($module:ident :: $model:ident $(, $api:ident)?) = $prefix:literal,)*) => {
        impl<C: Aws> Ctx<'_, C> {
            async fn run_op(&self, op: &Op) -> Result<Ensured, StepError> {
                match op {
                    Op::Tags(TagOp::SetTags { target, set, unset }) => {
                        self.set_tags(target, set, unset).await
                    }
                    $(Op::$variant(op) => op.execute(self).await,)*
                }
            }
        }
    };
}

crate::kinds::for_each_kind!(declare_run_op);
