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
    /// What each lane this client called in did (`ecr 111111111111 ap-southeast-1`); an IAM lane
    /// is the account's, shared by its regions. Empty for clients without lanes (the fake).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub(crate) lanes: BTreeMap<String, LaneStats>,
}

/// What a lane did in a run: reported by `--stats` and JSON `stats.lanes`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct LaneStats {
    /// Operations sent in this lane (each counted once, however many attempts it took).
    pub calls: u64,
    /// Attempts after the first (throttling, 5xx, resets).
    pub retries: u64,
    /// Answers that were throttling errors.
    pub throttles: u64,
    /// The most attempts this lane ever had in flight at once.
    pub peak_in_flight: u64,
    /// The window now: the most attempts it may have in flight.
    pub window: u64,
    /// The smallest window it was ever cut to.
    pub min_window: u64,
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
            lanes: self
                .lanes
                .iter()
                .map(|(lane, now)| {
                    let before = earlier.lanes.get(lane).cloned().unwrap_or_default();
                    let since = LaneStats {
                        calls: now.calls - before.calls,
                        retries: now.retries - before.retries,
                        throttles: now.throttles - before.throttles,
                        ..now.clone()
                    };
                    (lane.clone(), since)
                })
                .collect(),
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
