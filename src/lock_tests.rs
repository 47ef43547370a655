//! The lease against the fake's SSM: one holder at a time, a refusal that names the holder,
//! waiting, takeover of a lapsed lease by exactly one, renewal, release and force-unlock.

use std::sync::atomic::{AtomicU32, Ordering};

use super::*;
use crate::live::Aws;
use crate::live::fake::FakeAws;

const STACK: &str = "svc";
const ACCOUNT: &str = "123456789012";

fn quick() -> LockOptions {
    LockOptions {
        ttl: Duration::from_secs(60),
        timeout: Duration::ZERO,
        poll: Duration::from_millis(5),
    }
}

async fn take(fake: &FakeAws, holder: &str, options: &LockOptions) -> Result<Held, LockError> {
    acquire(fake, STACK, ACCOUNT, holder, options, &|_| {}).await
}

fn stored(fake: &FakeAws) -> Option<Lease> {
    fake.registry()
        .parameters
        .get(&parameter_name(STACK))
        .and_then(|(v, _)| Lease::parse(v))
}

/// Puts a lease that lapsed a minute ago, as a killed apply leaves it.
fn lapsed(fake: &FakeAws) -> Lease {
    let mut lease = Lease::new("arn:aws:iam::123456789012:user/killed", Duration::ZERO);
    lease.expires = rfc3339(SystemTime::now() - Duration::from_secs(60));
    fake.tamper_registry(|r| {
        r.parameters
            .insert(parameter_name(STACK), (lease.to_json(), Tags::new()));
    });
    lease
}

#[tokio::test(flavor = "current_thread")]
async fn a_second_apply_is_refused_with_the_holder_named_until_the_first_releases() {
    let fake = FakeAws::default();
    let first = take(&fake, "arn:aws:iam::123456789012:user/alice", &quick())
        .await
        .unwrap();
    assert_eq!(stored(&fake).as_ref(), Some(&first.lease));
    assert!(first.previous.is_none());

    let refused = take(&fake, "arn:aws:iam::123456789012:user/bob", &quick())
        .await
        .unwrap_err();
    let message = refused.to_string();
    assert!(matches!(refused, LockError::Held { .. }), "{refused:?}");
    for part in [
        "user/alice",
        first.lease.id.as_str(),
        first.lease.acquired.as_str(),
        "force-unlock",
    ] {
        assert!(message.contains(part), "{part} missing from: {message}");
    }

    first.release(&fake).await.unwrap();
    assert!(stored(&fake).is_none());
    let second = take(&fake, "arn:aws:iam::123456789012:user/bob", &quick())
        .await
        .unwrap();
    assert_eq!(stored(&fake).unwrap().holder, second.lease.holder);
}

#[tokio::test(flavor = "current_thread")]
async fn two_stacks_never_block_each_other() {
    let fake = FakeAws::default();
    let a = take(&fake, "alice", &quick()).await.unwrap();
    let b = acquire(&fake, "other", ACCOUNT, "bob", &quick(), &|_| {})
        .await
        .unwrap();
    assert_ne!(a.lease.id, b.lease.id);
}

#[tokio::test(flavor = "current_thread")]
async fn with_a_timeout_the_second_waits_and_then_holds() {
    let fake = FakeAws::default();
    let first = take(&fake, "alice", &quick()).await.unwrap();
    let told = AtomicU32::new(0);
    let options = LockOptions {
        timeout: Duration::from_secs(5),
        ..quick()
    };
    let tell = |lease: &Lease| {
        assert_eq!(lease.holder, "alice");
        told.fetch_add(1, Ordering::Relaxed);
    };
    let waiter = acquire(&fake, STACK, ACCOUNT, "bob", &options, &tell);
    let releaser = async {
        tokio::time::sleep(Duration::from_millis(60)).await;
        first.release(&fake).await.unwrap();
    };
    let (second, ()) = futures::join!(waiter, releaser);
    let second = second.unwrap();
    assert_eq!(second.lease.holder, "bob");
    assert_eq!(
        told.load(Ordering::Relaxed),
        1,
        "told once whom it waits for"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_timeout_that_runs_out_is_a_refusal() {
    let fake = FakeAws::default();
    let _first = take(&fake, "alice", &quick()).await.unwrap();
    let options = LockOptions {
        timeout: Duration::from_millis(40),
        ..quick()
    };
    let started = Instant::now();
    let refused = take(&fake, "bob", &options).await.unwrap_err();
    assert!(matches!(refused, LockError::Held { .. }));
    assert!(started.elapsed() >= Duration::from_millis(40));
}

#[tokio::test(flavor = "current_thread")]
async fn a_lapsed_lease_is_taken_over_naming_the_previous_holder() {
    let fake = FakeAws::default();
    let old = lapsed(&fake);
    let held = take(&fake, "bob", &quick()).await.unwrap();
    assert_eq!(held.previous.as_ref(), Some(&old));
    assert_eq!(stored(&fake).unwrap().id, held.lease.id);
    held.release(&fake).await.unwrap();
    assert!(
        fake.registry().parameters.is_empty(),
        "lease and takeover marker removed: {:?}",
        fake.registry().parameters.keys()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn of_two_takers_of_one_lapsed_lease_only_the_one_with_the_marker_proceeds() {
    let fake = FakeAws::default();
    let old = lapsed(&fake);
    // Another apply created the takeover marker a moment ago and is about to overwrite.
    fake.tamper_registry(|r| {
        r.parameters.insert(
            takeover_name(STACK, &old.id),
            ("someone".into(), Tags::new()),
        );
    });
    let refused = take(&fake, "bob", &quick()).await.unwrap_err();
    assert!(matches!(refused, LockError::Held { .. }), "{refused:?}");
    assert_eq!(
        stored(&fake),
        Some(old),
        "the lapsed lease is left to the other"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_lease_not_written_by_this_tool_is_never_taken_over() {
    let fake = FakeAws::default();
    fake.tamper_registry(|r| {
        r.parameters
            .insert(parameter_name(STACK), ("hands off".into(), Tags::new()));
    });
    let refused = take(&fake, "bob", &quick()).await.unwrap_err();
    assert!(
        matches!(refused, LockError::Unreadable { .. }),
        "{refused:?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn force_unlock_refuses_another_id_and_removes_the_named_one() {
    let fake = FakeAws::default();
    let mut held = take(&fake, "alice", &quick()).await.unwrap();
    let wrong = force_unlock(&fake, STACK, ACCOUNT, "not-the-id")
        .await
        .unwrap_err();
    assert!(
        wrong.to_string().contains(&held.lease.id),
        "names the lease there: {wrong}"
    );
    assert!(stored(&fake).is_some(), "nothing removed");

    let removed = force_unlock(&fake, STACK, ACCOUNT, &held.lease.id)
        .await
        .unwrap();
    assert_eq!(removed.id, held.lease.id);
    assert!(stored(&fake).is_none());
    // The apply that held it learns at its next renewal.
    let lost = held
        .renew(&fake, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(lost.to_string().contains("no longer held"), "{lost}");
    let none = force_unlock(&fake, STACK, ACCOUNT, &held.lease.id)
        .await
        .unwrap_err();
    assert!(none.to_string().contains("not locked"), "{none}");
}

#[tokio::test(flavor = "current_thread")]
async fn renewing_pushes_the_expiry_while_the_work_runs() {
    let fake = FakeAws::default();
    let ttl = Duration::from_millis(60);
    let held = take(&fake, "alice", &quick()).await.unwrap();
    let other = acquire(&fake, "other", ACCOUNT, "alice", &quick(), &|_| {})
        .await
        .unwrap();
    let first_expiry = held.lease.expires.clone();
    let before = fake.stats().calls("ssm:PutParameter");
    let mut leases = [(fake.clone(), held), (fake.clone(), other)];
    let out = renewing(&mut leases, ttl, &|e| panic!("{e}"), async {
        tokio::time::sleep(Duration::from_millis(100)).await;
        7
    })
    .await;
    assert_eq!(out, 7);
    assert!(
        fake.stats().calls("ssm:PutParameter") >= before + 4,
        "both renewed every third of the lease"
    );
    let [(_, held), _] = leases;
    assert_eq!(stored(&fake).unwrap().id, held.lease.id);
    assert!(
        held.lease.expires <= first_expiry,
        "a shorter ttl: an earlier expiry"
    );
}

#[test]
fn a_lease_lapses_at_its_expiry_and_an_unreadable_expiry_never_does() {
    let lease = Lease::new("alice", Duration::from_secs(60));
    assert!(!lease.expired_at(SystemTime::now()));
    assert!(lease.expired_at(SystemTime::now() + Duration::from_secs(120)));
    let odd = Lease {
        expires: "soon".into(),
        ..lease
    };
    assert!(!odd.expired_at(SystemTime::now() + Duration::from_secs(10_000)));
}
