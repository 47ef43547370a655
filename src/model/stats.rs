//! The API calls a run made, by operation: reported by every command (`--stats`, JSON `stats`).
//! Counting them is the access layer's job (`live::CallCounter`).

use std::collections::BTreeMap;

use serde::Serialize;

/// Calls made so far, by operation (`ecr:DescribeRepositories`), plus retried attempts.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ApiStats {
    pub(crate) total: u64,
    pub(crate) retries: u64,
    pub(crate) by_operation: BTreeMap<String, u64>,
}

impl ApiStats {
    /// How many calls of this operation (`ecr:DescribeRepositories`) were made; 0 for none.
    pub fn calls(&self, operation: &str) -> u64 {
        self.by_operation.get(operation).copied().unwrap_or(0)
    }

    /// Calls made between `earlier` and `self`.
    pub fn since(&self, earlier: &ApiStats) -> ApiStats {
        let by_operation: BTreeMap<String, u64> = self
            .by_operation
            .iter()
            .map(|(op, n)| (op.clone(), n - earlier.calls(op)))
            .filter(|(_, n)| *n > 0)
            .collect();
        ApiStats {
            total: self.total - earlier.total,
            retries: self.retries - earlier.retries,
            by_operation,
        }
    }

    /// Calls that change something (every operation that is not a read).
    pub fn writes(&self) -> u64 {
        self.by_operation
            .iter()
            .filter(|(op, _)| !is_read(op))
            .map(|(_, n)| n)
            .sum()
    }
}

/// Whether an operation name (`service:Operation`) only reads.
pub fn is_read(operation: &str) -> bool {
    let name = operation.rsplit(':').next().unwrap_or(operation);
    ["Get", "List", "Describe", "BatchGet"]
        .iter()
        .any(|p| name.starts_with(p))
}
