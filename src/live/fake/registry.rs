//! The fake's registry state: the registry-wide settings, the SSM parameters (with AWS's
//! answers: tags refused on an overwrite), and each kind's own state under its name.

use std::collections::BTreeMap;

use super::FakeAws;
use crate::kinds::registry::{ReplicationRule, Scanning};
use crate::live::{Ensured, LiveError, SsmApi};
use crate::model::Tags;

/// The registry settings of the fake's account and region.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FakeRegistry {
    /// The scanning configuration (AWS's default: BASIC without rules).
    pub scanning: Scanning,
    /// The replication rules, in order.
    pub replication: Vec<ReplicationRule>,
    /// The registry policy's text, reformatted as AWS hands it back.
    pub policy: Option<String>,
    /// SSM parameters: value and tags.
    pub parameters: BTreeMap<String, (String, Tags)>,
    /// Each kind's own state, kept by its `fake.rs` under the kind's name.
    pub(crate) kinds: KindStates,
}

/// The fake state of the kinds with AWS calls of their own, each under its kind's name and of
/// the type its `fake.rs` chooses, so that a new kind's fake needs no field here.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct KindStates(BTreeMap<&'static str, State>);

/// One kind's state: cloned and compared through the type it was stored with.
#[derive(Debug)]
struct State(Box<dyn KindState>);

trait KindState: std::any::Any + std::fmt::Debug + Send {
    fn clone_box(&self) -> Box<dyn KindState>;
    fn same(&self, other: &dyn KindState) -> bool;
    fn as_any(&self) -> &dyn std::any::Any;
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any;
}

impl<T: std::any::Any + std::fmt::Debug + Clone + PartialEq + Send> KindState for T {
    fn clone_box(&self) -> Box<dyn KindState> {
        Box::new(self.clone())
    }
    fn same(&self, other: &dyn KindState) -> bool {
        other.as_any().downcast_ref::<T>() == Some(self)
    }
    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn std::any::Any {
        self
    }
}

impl Clone for State {
    fn clone(&self) -> Self {
        State(self.0.clone_box())
    }
}

impl PartialEq for State {
    fn eq(&self, other: &Self) -> bool {
        self.0.same(other.0.as_ref())
    }
}

impl KindStates {
    /// The kind's state (its default until first written).
    ///
    /// # Panics
    /// When the kind's state was stored with another type: a bug in the kind's fake.
    pub(crate) fn get<T>(&mut self, kind: &'static str) -> &mut T
    where
        T: std::any::Any + std::fmt::Debug + Clone + PartialEq + Send + Default,
    {
        self.0
            .entry(kind)
            .or_insert_with(|| State(Box::new(T::default())))
            .0
            .as_any_mut()
            .downcast_mut::<T>()
            .expect("a kind's fake state keeps one type")
    }
}

impl FakeAws {
    /// The registry settings and parameters as stored.
    pub fn registry(&self) -> FakeRegistry {
        self.state().registry.clone()
    }

    /// Changes the registry settings directly, as the console or another tool would.
    pub fn tamper_registry(&self, change: impl FnOnce(&mut FakeRegistry)) {
        change(&mut self.state().registry);
    }
}

impl SsmApi for FakeAws {
    async fn parameters_under(&self, path: &str) -> Result<Vec<(String, String)>, LiveError> {
        let state = self.enter("ssm:GetParametersByPath", path).await?;
        let prefix = format!("{}/", path.trim_end_matches('/'));
        Ok(state
            .registry
            .parameters
            .iter()
            .filter(|(name, _)| {
                name.strip_prefix(&prefix)
                    .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'))
            })
            .map(|(name, (value, _))| (name.clone(), value.clone()))
            .collect())
    }

    async fn get_parameter(&self, name: &str) -> Result<Option<String>, LiveError> {
        let state = self.enter("ssm:GetParameter", name).await?;
        Ok(state.registry.parameters.get(name).map(|(v, _)| v.clone()))
    }

    async fn create_parameter(
        &self,
        name: &str,
        value: &str,
        tags: &Tags,
    ) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:PutParameter", name).await?;
        if state.registry.parameters.contains_key(name) {
            return Ok(Ensured::NotNeeded);
        }
        state
            .registry
            .parameters
            .insert(name.to_string(), (value.to_string(), tags.clone()));
        Ok(Ensured::Done)
    }

    async fn overwrite_parameter(&self, name: &str, value: &str) -> Result<(), LiveError> {
        let mut state = self.enter("ssm:PutParameter", name).await?;
        let entry = state
            .registry
            .parameters
            .entry(name.to_string())
            .or_insert_with(|| (String::new(), Tags::new()));
        entry.0 = value.to_string();
        Ok(())
    }

    async fn delete_parameter(&self, name: &str) -> Result<Ensured, LiveError> {
        let mut state = self.enter("ssm:DeleteParameter", name).await?;
        Ok(match state.registry.parameters.remove(name) {
            Some(_) => Ensured::Done,
            None => Ensured::NotNeeded,
        })
    }
}
