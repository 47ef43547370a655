//! The stack's apply lock as the commands use it: `apply` takes one lease per target account
//! before it reads (so that its plan is made under the lock), renews it while it works and
//! releases it at the end, on error and on the first interrupt; `force-unlock` removes one.
//! The lease itself is [`crate::lock`].

use std::collections::BTreeMap;

use super::Exit;
use super::session::{assume_role_of, connect_as, load_spec, units_of};
use crate::cli::{ApplyArgs, ForceUnlockArgs, GlobalArgs, OutputFormat};
use crate::error::{Error, chain};
use crate::live::sdk::SdkAws;
use crate::live::{LiveError, StsApi};
use crate::lock::{self, Held, LockError, LockOptions, LockRecord};
use crate::spec::placement::Unit;

/// The leases one apply holds: one per target account (none with `--no-lock`), each with the
/// client of its account, its target and, once released, when.
#[derive(Default)]
pub(crate) struct Locks {
    leases: Vec<(SdkAws, Held)>,
    targets: Vec<Option<String>>,
    released: Vec<Option<Option<String>>>,
}

/// The units holding each account's IAM side, one per target: where the account's lock lives.
fn lock_units<'u>(units: impl IntoIterator<Item = &'u Unit>) -> Vec<&'u Unit> {
    let mut by_target: BTreeMap<Option<&str>, &Unit> = BTreeMap::new();
    for unit in units {
        let key = unit.target.as_ref().map(|t| t.name.as_str());
        let slot = by_target.entry(key).or_insert(unit);
        if unit.desired.manages_iam && !slot.desired.manages_iam {
            *slot = unit;
        }
    }
    by_target.into_values().collect()
}

impl Locks {
    /// Takes the lock of `units`' stack in each of their accounts; on any refusal releases what
    /// it took and returns the error, before anything was written.
    pub(crate) async fn take(
        &mut self,
        global: &GlobalArgs,
        args: &ApplyArgs,
        units: &[Unit],
    ) -> Result<(), Error> {
        // Several saved plans of one account (its regions) share its one lease.
        let units: Vec<&Unit> = units
            .iter()
            .filter(|u| {
                let target = u.target.as_ref().map(|t| t.name.clone());
                !self.targets.contains(&target)
            })
            .collect();
        if units.is_empty() {
            return Ok(());
        }
        if args.no_lock {
            eprintln!(
                "warning: --no-lock: this apply takes no lock, so nothing stops another apply of this stack from interleaving with it"
            );
            return Ok(());
        }
        let options = LockOptions {
            timeout: args.lock_timeout,
            ..LockOptions::default()
        };
        for unit in lock_units(units) {
            match take_one(global, unit, &options).await {
                Ok(lease) => {
                    self.leases.push(lease);
                    self.targets
                        .push(unit.target.as_ref().map(|t| t.name.clone()));
                    self.released.push(None);
                }
                Err(e) => {
                    self.release().await;
                    return Err(e);
                }
            }
        }
        Ok(())
    }

    /// Releases every lease still held (idempotent); a failed release is a warning: the lease
    /// lapses at its expiry.
    pub(crate) async fn release(&mut self) {
        for ((client, held), released) in self.leases.iter().zip(&mut self.released) {
            if released.is_some() {
                continue;
            }
            let at = match held.release(client).await {
                Ok(()) => Some(crate::clock::utc_now()),
                Err(e) => {
                    eprintln!(
                        "warning: the lock was not released: {}; it lapses at {} (or: betekk-ecr force-unlock SPEC {})",
                        chain(&e),
                        held.lease.expires,
                        held.lease.id
                    );
                    None
                }
            };
            *released = Some(at);
        }
    }

    /// Runs `work` (the apply's writes) while the leases are renewed; first renews each once,
    /// so that a lease lost while the user read the plan stops the apply before any write.
    pub(crate) async fn renewing<T>(&mut self, work: impl Future<Output = T>) -> Result<T, Error> {
        for (client, held) in &mut self.leases {
            held.renew(client, lock::DEFAULT_TTL).await?;
        }
        let warn = |e: &LockError| eprintln!("warning: {}", chain(e));
        Ok(lock::renewing(&mut self.leases, lock::DEFAULT_TTL, &warn, work).await)
    }

    /// The lock of this unit's account, as JSON shows it.
    pub(crate) fn record(&self, unit: &Unit) -> Option<LockRecord> {
        let target = unit.target.as_ref().map(|t| t.name.clone());
        let i = self.targets.iter().position(|t| *t == target)?;
        let (_, held) = &self.leases[i];
        Some(LockRecord {
            id: held.lease.id.clone(),
            account: held.account.clone(),
            acquired: held.lease.acquired.clone(),
            released: self.released[i].clone().flatten(),
        })
    }
}

async fn take_one(
    global: &GlobalArgs,
    unit: &Unit,
    options: &LockOptions,
) -> Result<(SdkAws, Held), Error> {
    let client = connect_as(global, unit.region(), assume_role_of(unit)).await;
    let identity = client.caller_identity().await.map_err(Error::Observe)?;
    // A wrong role ARN must not write even a lease into the wrong account.
    if let Some(t) = &unit.target
        && identity.account != t.account
    {
        return Err(Error::Refused(format!(
            "target {}: the role {} signs in to account {}, not the target's {}; nothing was changed",
            t.name, t.role_arn, identity.account, t.account
        )));
    }
    let stack = unit.desired.stack.clone();
    let account = identity.account.clone();
    // On stderr whatever the output: a wait is never silent.
    let waiting = |lease: &lock::Lease| {
        eprintln!(
            "Waiting up to {}s for the lock of stack {stack} in account {account}, held by {} on {} (pid {}) since {} (lock id {})...",
            options.timeout.as_secs(),
            lease.holder,
            lease.host,
            lease.pid,
            lease.acquired,
            lease.id
        );
    };
    let held = lock::acquire(&client, &stack, &account, &identity.arn, options, &waiting).await?;
    if let Some(previous) = &held.previous {
        eprintln!(
            "note: took over the lapsed lock of stack {stack} in account {account}: it was held by {} on {} (pid {}) since {} and lapsed at {} (lock id {})",
            previous.holder,
            previous.host,
            previous.pid,
            previous.acquired,
            previous.expires,
            previous.id
        );
    }
    Ok((client, held))
}

/// `force-unlock SPEC LOCK_ID [--target T]`: removes the stack's lease with that id from each
/// target account that has it; refuses, naming the lease there, where the id differs.
pub(crate) async fn force_unlock(
    global: &GlobalArgs,
    args: &ForceUnlockArgs,
) -> Result<Exit, Error> {
    let spec = load_spec(&args.spec)?;
    let units = units_of(global, &spec)?;
    let mut removed = Vec::new();
    let mut refusals = Vec::new();
    for unit in lock_units(&units) {
        let client = connect_as(global, unit.region(), assume_role_of(unit)).await;
        let account = client
            .caller_identity()
            .await
            .map_err(|e: LiveError| Error::Observe(e))?
            .account;
        match lock::force_unlock(&client, &spec.desired.stack, &account, &args.lock_id).await {
            Ok(lease) => removed.push((account, lease)),
            Err(e) => refusals.push(e),
        }
    }
    if removed.is_empty() {
        // Nowhere was it this lock: say why for each account.
        let message = refusals
            .iter()
            .map(|e| chain(e))
            .collect::<Vec<_>>()
            .join("; ");
        return Err(Error::Refused(message));
    }
    for (account, lease) in &removed {
        match global.output {
            OutputFormat::Json => println!(
                "{}",
                serde_json::json!({
                    "schema_version": crate::render::json::SCHEMA_VERSION,
                    "removed": {"id": lease.id, "account": account, "holder": lease.holder,
                                "host": lease.host, "pid": lease.pid, "acquired": lease.acquired,
                                "expires": lease.expires},
                })
            ),
            _ => println!(
                "Removed the lock {} of stack {} in account {} (held by {} on {}, pid {}, since {}).",
                lease.id,
                spec.desired.stack,
                account,
                lease.holder,
                lease.host,
                lease.pid,
                lease.acquired
            ),
        }
    }
    Ok(Exit::Ok)
}
