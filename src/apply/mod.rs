//! The executor: runs a plan's changes in dependency order, independent ones concurrently.
//!
//! It decides nothing the plan did not say, except to refuse what is unsafe at the moment of
//! execution (deleting a repository that holds images without the opt-ins). A failed change skips
//! only the changes that depend on it; every change ends with one recorded outcome.

#[cfg(test)]
mod iam_tests;
mod outcome;
mod retry;
pub(crate) mod step;
mod stop;
#[cfg(test)]
mod tests;

pub use outcome::{Outcome, Report, Status};
pub use stop::Stop;

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::live::Aws;
use crate::model::Address;
use crate::plan::{Change, Plan};

/// What the executor reports while it runs.
#[derive(Debug)]
pub enum Event<'a> {
    Started(&'a Change),
    /// A step waits for IAM to propagate an earlier change.
    Retrying {
        address: &'a Address,
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    Finished(&'a Outcome),
}

#[derive(Debug, Clone)]
pub struct ApplyOptions {
    pub parallelism: usize,
    /// Allows replacing a repository that holds images (it must also set `force_delete: true`).
    pub allow_replace: bool,
    /// Allows deleting a repository that holds images when it left the spec.
    pub allow_destroy: bool,
    /// How long to wait out IAM's eventual consistency on one step.
    pub consistency_timeout: Duration,
    /// The first wait between such retries; doubled each time, up to 10 s.
    pub retry_base: Duration,
    /// Set to stop: nothing new starts, and what runs gets `stop_grace` to finish.
    pub stop: Stop,
    pub stop_grace: Duration,
}

impl Default for ApplyOptions {
    fn default() -> Self {
        ApplyOptions {
            parallelism: 8,
            allow_replace: false,
            allow_destroy: false,
            consistency_timeout: Duration::from_secs(120),
            retry_base: Duration::from_secs(1),
            stop: Stop::default(),
            stop_grace: Duration::from_secs(5),
        }
    }
}

/// Runs the plan; `notify` hears of each change as it starts, waits and ends.
///
/// # Guarantees
/// - Every change ends with exactly one outcome in the report (applied, not needed, failed,
///   skipped or interrupted), in the plan's order; nothing is dropped.
/// - A change starts only after every change it depends on succeeded; a failure skips only what
///   depends on it.
/// - Each op is one AWS call made as an ensure (already-exists and not-found are outcomes, not
///   errors), plus the IAM propagation retries and the image guard at the time of a delete; a
///   policy version whose create response was lost is recognised rather than made twice.
/// - After a stop (`options.stop`), nothing new starts and running changes get `stop_grace`.
///
/// # Errors
/// None: failures are outcomes in the report, and `Report::succeeded` says whether all went well.
pub async fn apply<C: Aws>(
    client: &C,
    plan: &Plan,
    options: &ApplyOptions,
    notify: &dyn Fn(Event<'_>),
) -> Report {
    let started = Instant::now();
    let mut status: BTreeMap<&Address, Status> = BTreeMap::new();
    let mut outcomes: Vec<Outcome> = Vec::new();
    let mut pending: Vec<usize> = (0..plan.changes.len()).collect();
    let mut running = FuturesUnordered::new();
    let in_plan: BTreeSet<&Address> = plan.changes.iter().map(|c| &c.address).collect();

    let mut in_flight: BTreeSet<&Address> = BTreeSet::new();
    let mut deadline: Option<tokio::time::Instant> = None;
    loop {
        // Start whatever is ready, skip whatever can no longer run; once stopped, start nothing.
        let mut still_pending = Vec::new();
        for i in pending {
            let change = &plan.changes[i];
            let deps: Vec<&Address> = change
                .depends_on
                .iter()
                .filter(|d| in_plan.contains(d))
                .collect();
            if let Some(failed) = deps
                .iter()
                .find(|d| matches!(status.get(*d), Some(Status::Failed | Status::Skipped)))
            {
                let outcome = Outcome::skipped(change, format!("{failed} did not complete"));
                status.insert(&change.address, Status::Skipped);
                notify(Event::Finished(&outcome));
                outcomes.push(outcome);
            } else if !options.stop.requested()
                && deps
                    .iter()
                    .all(|d| status.get(*d).is_some_and(|s| s.succeeded()))
                && running.len() < options.parallelism.max(1)
            {
                notify(Event::Started(change));
                in_flight.insert(&change.address);
                running.push(step::run(client, change, options, notify));
            } else {
                still_pending.push(i);
            }
        }
        pending = still_pending;
        if running.is_empty() {
            break;
        }
        let next = match deadline {
            None => tokio::select! {
                next = running.next() => next,
                () = options.stop.wait() => {
                    deadline = Some(tokio::time::Instant::now() + options.stop_grace);
                    continue;
                }
            },
            Some(at) => match tokio::time::timeout_at(at, running.next()).await {
                Ok(next) => next,
                // The grace is over: what still runs is given up (its calls are dropped).
                Err(_) => break,
            },
        };
        let Some(outcome) = next else {
            break;
        };
        let change = plan
            .changes
            .iter()
            .find(|c| c.address == outcome.address)
            .expect("outcome of a planned change");
        in_flight.remove(&change.address);
        status.insert(&change.address, outcome.status);
        notify(Event::Finished(&outcome));
        outcomes.push(outcome);
    }
    drop(running);
    for change in plan
        .changes
        .iter()
        .filter(|c| in_flight.contains(&c.address))
    {
        let outcome = Outcome::interrupted(
            change,
            "interrupted while running; it may be half done: the next apply finishes it".into(),
        );
        notify(Event::Finished(&outcome));
        outcomes.push(outcome);
    }
    if options.stop.requested() {
        for i in std::mem::take(&mut pending) {
            let outcome =
                Outcome::interrupted(&plan.changes[i], "interrupted before it started".into());
            notify(Event::Finished(&outcome));
            outcomes.push(outcome);
        }
    }
    // Anything left waits on a dependency outside the plan that never ran: report it, never drop it.
    for i in pending {
        let outcome = Outcome::skipped(&plan.changes[i], "a dependency never ran".into());
        notify(Event::Finished(&outcome));
        outcomes.push(outcome);
    }
    let order: BTreeMap<&Address, usize> = plan
        .changes
        .iter()
        .enumerate()
        .map(|(i, c)| (&c.address, i))
        .collect();
    outcomes.sort_by_key(|o| order.get(&o.address).copied());
    Report {
        outcomes,
        duration_ms: started.elapsed().as_millis() as u64,
    }
}
