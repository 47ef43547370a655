//! API-call accounting: every AWS operation a run issues, counted by name.

use std::sync::{Arc, Mutex};

pub use crate::model::stats::{ApiStats, is_read};

/// A shared counter the clients record into.
#[derive(Debug, Clone, Default)]
pub(crate) struct CallCounter(Arc<Mutex<ApiStats>>);

impl CallCounter {
    pub(crate) fn record(&self, operation: &str) {
        let mut stats = self.0.lock().expect("call counter poisoned");
        stats.total += 1;
        *stats.by_operation.entry(operation.to_string()).or_insert(0) += 1;
    }

    pub(crate) fn record_retry(&self) {
        self.0.lock().expect("call counter poisoned").retries += 1;
    }

    pub(crate) fn snapshot(&self) -> ApiStats {
        self.0.lock().expect("call counter poisoned").clone()
    }
}
