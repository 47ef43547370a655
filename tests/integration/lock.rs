//! One apply per stack at a time, against the emulator's SSM: two applies of one stack at once
//! (the second refused, or with --lock-timeout waiting and then converging), a lease left by a
//! killed apply (blocking until force-unlocked, or taken over once lapsed), and two stacks that
//! never block each other.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::fault_proxy::{FaultProxy, Faults};
use crate::harness::{Account, Run, path_str, repo_spec};

const LOCK: &str = "/betekk-ecr/lock/";

/// The stack's lease as stored, if any.
async fn lease(acct: &Account, stack: &str) -> Option<Value> {
    let ssm = acct.raw_ssm().await;
    let out = ssm
        .get_parameter()
        .name(format!("{LOCK}{stack}"))
        .send()
        .await
        .ok()?;
    serde_json::from_str(out.parameter()?.value()?).ok()
}

/// Writes a lease as another apply (on another machine) would have.
async fn forge_lease(acct: &Account, stack: &str, id: &str, expires: &str) {
    let value = json!({
        "id": id, "holder": format!("arn:aws:iam::{}:user/ci-elsewhere", acct.id),
        "host": "runner-7", "pid": 4242, "acquired": "2026-01-01T00:00:00Z", "expires": expires,
    });
    acct.raw_ssm()
        .await
        .put_parameter()
        .name(format!("{LOCK}{stack}"))
        .value(value.to_string())
        .r#type(aws_sdk_ssm::types::ParameterType::String)
        .overwrite(true)
        .send()
        .await
        .expect("forge a lease");
}

/// Two applies of `spec` started together, through a proxy that holds every call 50-400 ms: each
/// apply lasts seconds, so the second always meets the first's lease however loaded the machine.
async fn applies_together(acct: &Arc<Account>, spec: &str, extra: &[&str]) -> (Run, Run) {
    let proxy = Arc::new(FaultProxy::start(
        13,
        &Faults {
            delay: 1.0,
            ..Faults::default()
        },
    ));
    let run = |acct: Arc<Account>| {
        let proxy = proxy.clone();
        let mut args: Vec<String> = ["apply", spec, "--yes", "--output", "json"]
            .map(String::from)
            .to_vec();
        args.extend(extra.iter().map(|s| s.to_string()));
        tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            acct.run_via(proxy.url(), &args)
        })
    };
    let (a, b) = (run(acct.clone()), run(acct.clone()));
    (a.await.unwrap(), b.await.unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_applies_of_one_stack_at_once_one_is_refused_naming_the_holder() {
    let acct = Arc::new(Account::new());
    let spec = acct.write_spec("s.yaml", &repo_spec("locked", ""));
    let spec = path_str(&spec).to_string();

    let (a, b) = applies_together(&acct, &spec, &[]).await;
    let (won, refused) = if a.code == 0 { (a, b) } else { (b, a) };
    won.expect_code(0);
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains("the stack locked is locked in account")
            && refused.stderr.contains("force-unlock"),
        "{}",
        refused.stderr
    );
    let report = won.json();
    let lock = &report["lock"];
    assert_eq!(lock["account"], acct.id.as_str(), "{report:#}");
    for field in ["id", "acquired", "released"] {
        assert!(lock[field].is_string(), "{field}: {lock:#}");
    }
    assert!(
        refused.stderr.contains(lock["id"].as_str().unwrap()),
        "the refusal names the winner's lock id: {}",
        refused.stderr
    );
    assert!(lease(&acct, "locked").await.is_none(), "released");
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_a_lock_timeout_the_second_apply_waits_and_then_converges() {
    let acct = Arc::new(Account::new());
    let spec = acct.write_spec("s.yaml", &repo_spec("waits", ""));
    let spec = path_str(&spec).to_string();

    let (a, b) = applies_together(&acct, &spec, &["--lock-timeout", "120s"]).await;
    a.expect_code(0);
    b.expect_code(0);
    let waited: Vec<&Run> = [&a, &b]
        .into_iter()
        .filter(|r| {
            r.stderr
                .contains("Waiting up to 120s for the lock of stack waits")
        })
        .collect();
    assert_eq!(
        waited.len(),
        1,
        "one waited:\n{}\n---\n{}",
        a.stderr,
        b.stderr
    );
    // The one that waited read live state after the other's writes: nothing left to do.
    let second = waited[0].json();
    assert!(
        second["changes"].as_array().is_none_or(Vec::is_empty),
        "{second:#}"
    );
    assert_ne!(a.json()["lock"]["id"], b.json()["lock"]["id"]);
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lease_left_by_a_killed_apply_blocks_until_force_unlocked() {
    let acct = Arc::new(Account::new());
    let spec = acct.write_spec("s.yaml", &repo_spec("killed", ""));
    let spec = path_str(&spec).to_string();
    // Every call held 50-400 ms: the apply is still running when it is killed.
    let proxy = FaultProxy::start(
        11,
        &Faults {
            delay: 1.0,
            ..Faults::default()
        },
    );
    let mut child = acct.spawn_via(proxy.url(), &["apply", &spec, "--yes"]);
    let started = Instant::now();
    let held = loop {
        if let Some(lease) = lease(&acct, "killed").await {
            break lease;
        }
        assert!(
            child.try_wait().unwrap().is_none(),
            "the apply ended before its lease was seen"
        );
        assert!(started.elapsed() < Duration::from_secs(60), "no lease");
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    child.kill().expect("SIGKILL the apply");
    child.wait().unwrap();
    let id = held["id"].as_str().unwrap().to_string();

    let refused = acct.run(&["apply", &spec, "--yes"]);
    refused.expect_code(1);
    assert!(refused.stderr.contains(&id), "{}", refused.stderr);

    let wrong = acct.run(&["force-unlock", &spec, "not-that-lock"]);
    wrong.expect_code(1);
    assert!(
        wrong
            .stderr
            .contains(&format!("has id {id}, not not-that-lock"))
            && wrong.stderr.contains("nothing was removed"),
        "{}",
        wrong.stderr
    );
    assert!(lease(&acct, "killed").await.is_some());

    let removed = acct.run(&["force-unlock", &spec, &id]);
    removed.expect_code(0);
    assert!(
        removed
            .stdout
            .contains(&format!("Removed the lock {id} of stack killed")),
        "{}",
        removed.stdout
    );
    assert!(lease(&acct, "killed").await.is_none());
    acct.run(&["apply", &spec, "--yes"]).expect_code(0);
    acct.run(&["plan", &spec, "--detailed-exitcode"])
        .expect_code(0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lapsed_lease_is_taken_over_with_a_note_and_other_stacks_are_never_blocked() {
    let acct = Arc::new(Account::new());
    let spec = acct.write_spec("s.yaml", &repo_spec("lapsed", ""));
    let other = acct.write_spec("o.yaml", &repo_spec("neighbour", ""));
    let (spec, other) = (path_str(&spec), path_str(&other));

    // Another machine's apply holds this stack's lock for an hour: the neighbour stack is free.
    forge_lease(&acct, "lapsed", "held-elsewhere", "2999-01-01T00:00:00Z").await;
    acct.run(&["apply", other, "--yes"]).expect_code(0);
    let refused = acct.run(&["apply", spec, "--yes"]);
    refused.expect_code(1);
    assert!(
        refused
            .stderr
            .contains("ci-elsewhere on runner-7 (pid 4242)"),
        "{}",
        refused.stderr
    );
    let plan = acct.run(&["plan", spec, "--detailed-exitcode"]);
    plan.expect_code(2);

    // The same lease, lapsed: taken over, with a note naming the previous holder.
    forge_lease(&acct, "lapsed", "held-elsewhere", "2026-01-01T00:15:00Z").await;
    let took = acct.run(&["apply", spec, "--yes"]);
    took.expect_code(0);
    assert!(
        took.stderr
            .contains("took over the lapsed lock of stack lapsed")
            && took.stderr.contains("(lock id held-elsewhere)"),
        "{}",
        took.stderr
    );
    assert!(lease(&acct, "lapsed").await.is_none(), "released");
    let ssm = acct.raw_ssm().await;
    let left = ssm
        .get_parameters_by_path()
        .path("/betekk-ecr/lock")
        .send()
        .await
        .unwrap();
    assert!(
        left.parameters().is_empty(),
        "no lease or takeover marker left: {:?}",
        left.parameters()
    );
}
