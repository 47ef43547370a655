//! Waiting out IAM's eventual consistency: a principal created a moment ago is "invalid" in a
//! trust policy, a policy just created is "not found" when attached, a detached policy still
//! "conflicts" on delete. Those errors, on those operations only, are retried with backoff for a
//! bounded time, and each wait is reported.

use std::time::{Duration, Instant};

use super::{ApplyOptions, Event};
use crate::live::{ErrorKind, LiveError};
use crate::model::Address;

pub async fn with_retry<T, F, Fut>(
    address: &Address,
    retry_on: &[ErrorKind],
    options: &ApplyOptions,
    notify: &dyn Fn(Event<'_>),
    mut call: F,
) -> Result<T, LiveError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, LiveError>>,
{
    let started = Instant::now();
    let mut wait = options.retry_base;
    let mut attempt = 1;
    loop {
        match call().await {
            Err(e)
                if retry_on.contains(&e.kind)
                    && started.elapsed() + wait <= options.consistency_timeout
                    && !options.stop.requested() =>
            {
                attempt += 1;
                notify(Event::Retrying {
                    address,
                    attempt,
                    wait,
                    reason: format!(
                        "{} answered {}: IAM changes take a moment to propagate",
                        e.operation,
                        e.code.as_deref().unwrap_or("an error")
                    ),
                });
                // An interrupt ends the wait: the error stands.
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    () = options.stop.wait() => {}
                }
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            other => return other,
        }
    }
}
