//! One apply per stack at a time: a lease held in an SSM parameter of the account,
//! `/betekk-ecr/lock/<stack>`, created with `Overwrite=false` so that of two applies exactly one
//! creates it. The lease says who holds it and until when; the holder renews it while it works
//! and deletes it at the end. A lease past its expiry (its apply was killed) is taken over.
//!
//! SSM has no conditional overwrite or delete, so a takeover first creates a marker parameter
//! named after the expired lease (`…/<stack>.takeover-<id>`, again `Overwrite=false`): of several
//! applies finding the same expired lease, only the one that creates the marker overwrites it.
//!
//! This module decides nothing about plans; it only reads and writes the lease through
//! [`SsmApi`]. `plan`, `drift` and `output` never call it.

use std::time::{Duration, Instant, SystemTime};

use serde::{Deserialize, Serialize};

use crate::clock::{parse_secs, rfc3339};
use crate::live::{Ensured, LiveError, SsmApi};
use crate::model::Tags;

/// The IAM actions the lock needs, on `parameter/betekk-ecr/lock/<stack>*` (the lease and its
/// takeover marker).
pub const ACTIONS: &[&str] = &[
    "ssm:DeleteParameter",
    "ssm:GetParameter",
    "ssm:PutParameter",
];

/// Where the leases live; one parameter per stack.
pub const LOCK_PATH: &str = "/betekk-ecr/lock";

/// How long a lease lasts unless renewed: long enough to outlive a stalled call, short enough
/// that a killed apply blocks the next one for minutes, not hours.
pub const DEFAULT_TTL: Duration = Duration::from_secs(15 * 60);

/// The parameter holding the stack's lease.
pub fn parameter_name(stack: &str) -> String {
    format!("{LOCK_PATH}/{stack}")
}

fn takeover_name(stack: &str, expired_id: &str) -> String {
    format!("{LOCK_PATH}/{stack}.takeover-{expired_id}")
}

/// Who holds a stack's lock, and until when: the parameter's value, as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lease {
    /// A fresh id per apply; `force-unlock` must name it.
    pub id: String,
    /// The caller's ARN (`sts:GetCallerIdentity`).
    pub holder: String,
    /// The host the apply runs on.
    pub host: String,
    /// Its process id there.
    pub pid: u32,
    /// When it was taken, RFC 3339 UTC.
    pub acquired: String,
    /// When it lapses unless renewed, RFC 3339 UTC.
    pub expires: String,
}

impl Lease {
    /// A new lease for this process, taken now.
    pub fn new(holder: &str, ttl: Duration) -> Self {
        let now = SystemTime::now();
        Lease {
            id: new_id(),
            holder: holder.to_string(),
            host: host_name(),
            pid: std::process::id(),
            acquired: rfc3339(now),
            expires: rfc3339(now + ttl),
        }
    }

    /// Whether it has lapsed at `now`; a lease whose expiry cannot be read never lapses (it is
    /// not this tool's to take over: `force-unlock` removes it).
    pub fn expired_at(&self, now: SystemTime) -> bool {
        let now = now
            .duration_since(SystemTime::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        parse_secs(&self.expires).is_some_and(|expires| expires < now)
    }

    fn parse(text: &str) -> Option<Lease> {
        serde_json::from_str(text).ok()
    }

    fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a lease serializes")
    }

    fn renewed(&self, ttl: Duration) -> Lease {
        Lease {
            expires: rfc3339(SystemTime::now() + ttl),
            ..self.clone()
        }
    }
}

/// What `apply --output json` says of a lock: which, where, and when it was held.
#[derive(Debug, Clone, Serialize)]
pub struct LockRecord {
    pub id: String,
    pub account: String,
    pub acquired: String,
    /// When it was released; `null` when the release failed (the lease then lapses).
    pub released: Option<String>,
}

/// How to wait for and keep a lock.
#[derive(Debug, Clone)]
pub struct LockOptions {
    /// How long a lease lasts unless renewed (renewed every third of it).
    pub ttl: Duration,
    /// How long to wait for a lock another apply holds; zero: refuse at once.
    pub timeout: Duration,
    /// How often to look again while waiting.
    pub poll: Duration,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            ttl: DEFAULT_TTL,
            timeout: Duration::ZERO,
            poll: Duration::from_secs(2),
        }
    }
}

/// Why a lock was not taken, kept or removed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// Another apply holds the stack's lock (and `--lock-timeout`, if any, ran out).
    #[error(
        "the stack {stack} is locked in account {account} by {} on {} (pid {}) since {}, until {} \
         unless renewed (lock id {}); wait for that apply, pass --lock-timeout to wait here, or, \
         if it is gone, run: betekk-ecr force-unlock SPEC {}",
        lease.holder, lease.host, lease.pid, lease.acquired, lease.expires, lease.id, lease.id
    )]
    Held {
        stack: String,
        account: String,
        lease: Box<Lease>,
    },
    /// The parameter exists but holds no lease this tool wrote.
    #[error(
        "the lock parameter {parameter} in account {account} holds no betekk-ecr lease; remove it by hand if nothing else uses it"
    )]
    Unreadable { parameter: String, account: String },
    /// `force-unlock` named another lease than the one there, or there is none.
    #[error("{0}")]
    Mismatch(String),
    /// The SSM call failed.
    #[error("the lock of stack {stack} in account {account}")]
    Live {
        stack: String,
        account: String,
        #[source]
        source: LiveError,
    },
}

/// A lock this process holds: release it with [`Held::release`].
#[derive(Debug, Clone)]
pub struct Held {
    pub stack: String,
    pub account: String,
    pub lease: Lease,
    /// The lapsed lease this one took over, if any.
    pub previous: Option<Lease>,
    takeover: Option<String>,
}

/// Takes the stack's lock in the account `client` reaches, waiting up to `options.timeout`
/// while another apply holds it; `waiting` is told once whom it waits for.
pub async fn acquire<C: SsmApi>(
    client: &C,
    stack: &str,
    account: &str,
    holder: &str,
    options: &LockOptions,
    waiting: &(dyn Fn(&Lease) + Sync),
) -> Result<Held, LockError> {
    let live = |source| LockError::Live {
        stack: stack.to_string(),
        account: account.to_string(),
        source,
    };
    let name = parameter_name(stack);
    let deadline = Instant::now() + options.timeout;
    let mut told = false;
    loop {
        let lease = Lease::new(holder, options.ttl);
        let held = |previous, takeover| Held {
            stack: stack.to_string(),
            account: account.to_string(),
            lease: lease.clone(),
            previous,
            takeover,
        };
        let created = client
            .create_parameter(&name, &lease.to_json(), &Tags::new())
            .await
            .map_err(live)?;
        if created == Ensured::Done {
            return Ok(held(None, None));
        }
        // Deleted since: the next round creates it.
        let Some(text) = client.get_parameter(&name).await.map_err(live)? else {
            continue;
        };
        let other = Lease::parse(&text).ok_or_else(|| LockError::Unreadable {
            parameter: name.clone(),
            account: account.to_string(),
        })?;
        if other.expired_at(SystemTime::now()) {
            let marker = takeover_name(stack, &other.id);
            let won = client
                .create_parameter(&marker, &lease.to_json(), &Tags::new())
                .await
                .map_err(live)?;
            if won == Ensured::Done {
                let still = client.get_parameter(&name).await.map_err(live)?;
                if still.as_deref().and_then(Lease::parse).as_ref() == Some(&other) {
                    client
                        .overwrite_parameter(&name, &lease.to_json())
                        .await
                        .map_err(live)?;
                    return Ok(held(Some(other), Some(marker)));
                }
                client.delete_parameter(&marker).await.map_err(live)?;
                continue;
            }
        }
        if Instant::now() >= deadline {
            return Err(LockError::Held {
                stack: stack.to_string(),
                account: account.to_string(),
                lease: Box::new(other),
            });
        }
        if !told {
            waiting(&other);
            told = true;
        }
        let left = deadline.saturating_duration_since(Instant::now());
        tokio::time::sleep(options.poll.min(left)).await;
    }
}

impl Held {
    fn live(&self, source: LiveError) -> LockError {
        LockError::Live {
            stack: self.stack.clone(),
            account: self.account.clone(),
            source,
        }
    }

    /// Pushes the expiry forward; an error when the lease is no longer this one's (force-unlocked
    /// or taken over after lapsing), so that the caller can say so.
    pub async fn renew<C: SsmApi>(&mut self, client: &C, ttl: Duration) -> Result<(), LockError> {
        let name = parameter_name(&self.stack);
        let current = client
            .get_parameter(&name)
            .await
            .map_err(|e| self.live(e))?;
        if current.as_deref().and_then(Lease::parse).map(|l| l.id) != Some(self.lease.id.clone()) {
            return Err(LockError::Mismatch(format!(
                "the lock of stack {} in account {} is no longer held by this apply (lock id {}): it was force-unlocked or taken over",
                self.stack, self.account, self.lease.id
            )));
        }
        let renewed = self.lease.renewed(ttl);
        client
            .overwrite_parameter(&name, &renewed.to_json())
            .await
            .map_err(|e| self.live(e))?;
        self.lease = renewed;
        Ok(())
    }

    /// Deletes the lease if it is still this one's (and the takeover marker, if any).
    pub async fn release<C: SsmApi>(&self, client: &C) -> Result<(), LockError> {
        let name = parameter_name(&self.stack);
        let current = client
            .get_parameter(&name)
            .await
            .map_err(|e| self.live(e))?;
        if current.as_deref().and_then(Lease::parse).map(|l| l.id) == Some(self.lease.id.clone()) {
            client
                .delete_parameter(&name)
                .await
                .map_err(|e| self.live(e))?;
        }
        if let Some(marker) = &self.takeover {
            client
                .delete_parameter(marker)
                .await
                .map_err(|e| self.live(e))?;
        }
        Ok(())
    }
}

/// Runs `work` while renewing every lease of `leases` every third of `ttl`; a failed renewal
/// is reported through `warn` and the work goes on (its writes are ensures: an apply that takes
/// over after the lease lapsed converges with it).
pub async fn renewing<C: SsmApi, T>(
    leases: &mut [(C, Held)],
    ttl: Duration,
    warn: &dyn Fn(&LockError),
    work: impl Future<Output = T>,
) -> T {
    let mut work = std::pin::pin!(work);
    let period = (ttl / 3).max(Duration::from_millis(10));
    loop {
        tokio::select! {
            out = &mut work => return out,
            () = tokio::time::sleep(period) => {
                for (client, held) in leases.iter_mut() {
                    if let Err(e) = held.renew(client, ttl).await {
                        warn(&e);
                    }
                }
            }
        }
    }
}

/// Removes the stack's lease when its id is `id`; refuses otherwise, naming the lease there.
pub async fn force_unlock<C: SsmApi>(
    client: &C,
    stack: &str,
    account: &str,
    id: &str,
) -> Result<Lease, LockError> {
    let live = |source| LockError::Live {
        stack: stack.to_string(),
        account: account.to_string(),
        source,
    };
    let name = parameter_name(stack);
    let Some(text) = client.get_parameter(&name).await.map_err(live)? else {
        return Err(LockError::Mismatch(format!(
            "the stack {stack} is not locked in account {account} ({name} does not exist); nothing was removed"
        )));
    };
    let lease = Lease::parse(&text).ok_or_else(|| LockError::Unreadable {
        parameter: name.clone(),
        account: account.to_string(),
    })?;
    if lease.id != id {
        return Err(LockError::Mismatch(format!(
            "the lock of stack {stack} in account {account} has id {}, not {id} (held by {} on {} since {}); nothing was removed",
            lease.id, lease.holder, lease.host, lease.acquired
        )));
    }
    client.delete_parameter(&name).await.map_err(live)?;
    Ok(lease)
}

/// A lease id unique enough across hosts and processes: time, pid and randomness.
fn new_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{:08x}-{:04x}-{:08x}",
        (nanos & 0xffff_ffff) as u32,
        std::process::id() & 0xffff,
        fastrand::u32(..)
    )
}

/// This machine's name, as the kernel or the environment gives it.
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "unknown-host".into())
}

#[cfg(test)]
#[path = "lock_tests.rs"]
mod tests;
