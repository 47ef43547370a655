//! Stopping an apply: once asked (the first Ctrl-C or SIGTERM), no further change starts, IAM
//! waits end, and the changes in flight get a short grace to finish before they are given up.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::Notify;

/// A shared "stop" flag: cheap to clone, set once, awaited by the executor.
#[derive(Debug, Clone, Default)]
pub struct Stop(Arc<(AtomicBool, Notify)>);

impl Stop {
    pub fn request(&self) {
        self.0.0.store(true, Ordering::SeqCst);
        self.0.1.notify_waiters();
    }

    pub fn requested(&self) -> bool {
        self.0.0.load(Ordering::SeqCst)
    }

    /// Resolves once a stop is requested (at once if it already was).
    pub async fn wait(&self) {
        let notified = self.0.1.notified();
        if self.requested() {
            return;
        }
        notified.await;
    }
}
