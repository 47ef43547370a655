//! Lanes: AWS calls in flight bounded per (account, region, service), the way AWS throttles.
//!
//! AWS meters calls per account and region (IAM per account), not per caller process. So a run
//! over many targets gives each lane — IAM of an account, ECR, STS and SSM of an account and
//! region — its own window of calls in flight, starting at `--parallelism`. A lane that is
//! throttled halves its window (never below 1) and grows it back by one for every window's worth
//! of answered calls (AIMD, as TCP does), up to where it started; one throttled account never
//! slows another. A global cap (`--max-in-flight`) bounds sockets and memory over all lanes.
//!
//! [`Core`] is the pure bookkeeping (no clock, no runtime, no SDK type) and is what the tests
//! drive; [`Lanes`] puts it behind a mutex and lets calls wait for a slot. The SDK client takes
//! a slot for every attempt in its HTTP connector and reports throttling from its interceptor
//! (`sdk/`); the fake does both in one place (`fake/`). This module decides nothing about what is
//! read or written.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Notify;

pub use crate::model::stats::LaneStats;

/// The AWS service of a lane; IAM is global, the others are regional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Service {
    /// ECR, per account and region.
    Ecr,
    /// IAM, per account (it is global).
    Iam,
    /// STS, per account and region.
    Sts,
    /// SSM Parameter Store (the registry record, the lock), per account and region.
    Ssm,
}

impl Service {
    /// The service of an operation named as IAM names actions (`ecr:DescribeRepositories`).
    pub fn of_operation(operation: &str) -> Service {
        match operation.split(':').next().unwrap_or_default() {
            "iam" => Service::Iam,
            "sts" => Service::Sts,
            "ssm" => Service::Ssm,
            _ => Service::Ecr,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Service::Ecr => "ecr",
            Service::Iam => "iam",
            Service::Sts => "sts",
            Service::Ssm => "ssm",
        }
    }
}

/// One lane: a service in an account (IAM) or in an account and region (the others).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LaneKey {
    service: Service,
    account: String,
    region: Option<String>,
}

impl LaneKey {
    /// The lane of `service` for `account` (an id, or a name for "the caller's credentials") in
    /// `region`; IAM's region is dropped, since IAM meters per account.
    pub fn new(service: Service, account: &str, region: &str) -> Self {
        LaneKey {
            service,
            account: account.to_string(),
            region: (service != Service::Iam).then(|| region.to_string()),
        }
    }

    /// `iam 111111111111`, `ecr 111111111111 ap-southeast-1`: the key of the stats report.
    pub fn label(&self) -> String {
        match &self.region {
            Some(region) => format!("{} {} {region}", self.service.prefix(), self.account),
            None => format!("{} {}", self.service.prefix(), self.account),
        }
    }
}

/// One lane's state.
#[derive(Debug, Clone)]
struct LaneState {
    window: usize,
    /// Answers counted towards the next additive step (one per window's worth).
    credit: usize,
    in_flight: usize,
    stats: LaneStats,
}

/// The bookkeeping of every lane and the global cap; pure, so that tests can drive it step by
/// step.
#[derive(Debug, Clone)]
pub struct Core {
    start: usize,
    cap: usize,
    in_flight: usize,
    peak: usize,
    lanes: BTreeMap<LaneKey, LaneState>,
}

impl Core {
    /// Every lane starts (and recovers up) to `window` calls in flight; `cap` bounds all lanes
    /// together. Both are at least 1.
    pub fn new(window: usize, cap: usize) -> Self {
        Core {
            start: window.max(1),
            cap: cap.max(1),
            in_flight: 0,
            peak: 0,
            lanes: BTreeMap::new(),
        }
    }

    fn lane(&mut self, key: &LaneKey) -> &mut LaneState {
        let start = self.start;
        self.lanes.entry(key.clone()).or_insert_with(|| LaneState {
            window: start,
            credit: 0,
            in_flight: 0,
            stats: LaneStats {
                window: start as u64,
                min_window: start as u64,
                ..LaneStats::default()
            },
        })
    }

    /// Takes a slot in the lane if its window and the global cap have room.
    pub fn try_start(&mut self, key: &LaneKey) -> bool {
        if self.in_flight >= self.cap {
            return false;
        }
        let lane = self.lane(key);
        if lane.in_flight >= lane.window {
            return false;
        }
        lane.in_flight += 1;
        lane.stats.peak_in_flight = lane.stats.peak_in_flight.max(lane.in_flight as u64);
        self.in_flight += 1;
        self.peak = self.peak.max(self.in_flight);
        true
    }

    /// Gives back a slot taken by [`Core::try_start`].
    pub fn finish(&mut self, key: &LaneKey) {
        let lane = self.lane(key);
        lane.in_flight = lane.in_flight.saturating_sub(1);
        self.in_flight = self.in_flight.saturating_sub(1);
    }

    /// The lane was throttled: halve its window, never below 1 (multiplicative decrease).
    pub fn throttled(&mut self, key: &LaneKey) {
        let lane = self.lane(key);
        lane.window = (lane.window / 2).max(1);
        lane.credit = 0;
        lane.stats.throttles += 1;
        lane.stats.window = lane.window as u64;
        lane.stats.min_window = lane.stats.min_window.min(lane.window as u64);
    }

    /// An answer that was not throttling: one window's worth of them grows the window by one,
    /// up to where it started (additive increase).
    pub fn answered(&mut self, key: &LaneKey) {
        let start = self.start;
        let lane = self.lane(key);
        if lane.window >= start {
            return;
        }
        lane.credit += 1;
        if lane.credit >= lane.window {
            lane.credit = 0;
            lane.window += 1;
            lane.stats.window = lane.window as u64;
        }
    }

    /// An operation sent in this lane.
    pub fn called(&mut self, key: &LaneKey) {
        self.lane(key).stats.calls += 1;
    }

    /// An attempt after the first.
    pub fn retried(&mut self, key: &LaneKey) {
        self.lane(key).stats.retries += 1;
    }

    /// The lane's window now.
    pub fn window(&self, key: &LaneKey) -> usize {
        self.lanes.get(key).map_or(self.start, |l| l.window)
    }

    /// The lane's report so far.
    pub fn stats(&self, key: &LaneKey) -> Option<LaneStats> {
        self.lanes.get(key).map(|l| l.stats.clone())
    }

    /// The most attempts in flight over all lanes at once.
    pub fn peak(&self) -> usize {
        self.peak
    }
}

/// The lanes of one run, shared by every client of it.
#[derive(Debug, Clone)]
pub struct Lanes {
    core: Arc<Mutex<Core>>,
    changed: Arc<Notify>,
}

impl Lanes {
    /// See [`Core::new`].
    pub fn new(window: usize, cap: usize) -> Self {
        Lanes {
            core: Arc::new(Mutex::new(Core::new(window, cap))),
            changed: Arc::new(Notify::new()),
        }
    }

    fn core(&self) -> std::sync::MutexGuard<'_, Core> {
        self.core.lock().expect("lanes poisoned")
    }

    /// A handle on one lane.
    pub fn lane(&self, key: LaneKey) -> Lane {
        Lane {
            lanes: self.clone(),
            key: Arc::new(key),
        }
    }

    /// The pure state, for reports and tests.
    pub fn snapshot(&self) -> Core {
        self.core().clone()
    }

    /// Waits for a slot in the lane; the slot is given back when the returned guard drops.
    pub async fn acquire(&self, key: &LaneKey) -> Slot {
        loop {
            let changed = self.changed.notified();
            tokio::pin!(changed);
            // Registered before the check, so that a slot freed in between is not missed.
            changed.as_mut().enable();
            if self.core().try_start(key) {
                return Slot {
                    lanes: self.clone(),
                    key: key.clone(),
                };
            }
            changed.await;
        }
    }

    fn update(&self, change: impl FnOnce(&mut Core)) {
        change(&mut self.core());
        self.changed.notify_waiters();
    }
}

/// A slot in a lane, held while one attempt is in flight.
#[derive(Debug)]
pub struct Slot {
    lanes: Lanes,
    key: LaneKey,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.lanes.update(|core| core.finish(&self.key));
    }
}

/// One lane of a run: what a client holds for each service it calls.
#[derive(Debug, Clone)]
pub struct Lane {
    lanes: Lanes,
    key: Arc<LaneKey>,
}

impl Lane {
    /// Waits for a slot in this lane.
    pub async fn acquire(&self) -> Slot {
        self.lanes.acquire(&self.key).await
    }

    /// Reports an answer: throttling shrinks the window, anything else may grow it.
    pub fn answered(&self, throttled: bool) {
        self.lanes.update(|core| {
            if throttled {
                core.throttled(&self.key);
            } else {
                core.answered(&self.key);
            }
        });
    }

    /// Counts an operation sent.
    pub fn called(&self) {
        self.lanes.core().called(&self.key);
    }

    /// Counts an attempt after the first.
    pub fn retried(&self) {
        self.lanes.core().retried(&self.key);
    }

    /// This lane's label and report.
    pub fn stats(&self) -> (String, LaneStats) {
        let stats = self.lanes.core().stats(&self.key).unwrap_or_default();
        (self.key.label(), stats)
    }
}

#[cfg(test)]
#[path = "lanes_tests.rs"]
mod tests;
