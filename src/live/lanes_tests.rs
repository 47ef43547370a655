//! The lane scheduler: its pure bookkeeping step by step, then on paced fakes (latency and
//! throttling injected, tokio's paused clock so that latency costs no time). Every assertion
//! counts windows and calls in flight; none measures time.

use std::time::Duration;

use futures::StreamExt;

use super::{Core, LaneKey, Lanes, Service};
use crate::live::fake::FakeAws;
use crate::live::{Aws, EcrApi, ErrorKind, IamApi, LiveError};
use crate::model::stats::LaneStats;
use crate::observe::{Limit, observe_limited};
use crate::testing::{desired, repo, seed};

const REGION: &str = "ap-southeast-1";
const LATENCY: Duration = Duration::from_millis(100);

fn ecr(account: &str) -> LaneKey {
    LaneKey::new(Service::Ecr, account, REGION)
}

/// A lane's report as the fake's `stats` gives it.
fn lane_of(fake: &FakeAws, label: &str) -> LaneStats {
    fake.stats()
        .lanes
        .get(label)
        .cloned()
        .unwrap_or_else(|| panic!("no lane {label}: {:?}", fake.stats().lanes))
}

#[test]
fn a_throttled_lane_halves_its_window_down_to_one_and_grows_back_by_one_per_window_of_answers() {
    let mut core = Core::new(16, 1024);
    let lane = ecr("111111111111");
    let mut windows = Vec::new();
    for _ in 0..6 {
        core.throttled(&lane);
        windows.push(core.window(&lane));
    }
    assert_eq!(windows, [8, 4, 2, 1, 1, 1]);
    // Window w grows to w + 1 after w answers: 1 + 2 + … + 15 = 120 answers back to 16.
    let mut answers = 0;
    while core.window(&lane) < 16 {
        core.answered(&lane);
        answers += 1;
        assert!(answers <= 120, "still at {}", core.window(&lane));
    }
    assert_eq!(answers, 120);
    for _ in 0..100 {
        core.answered(&lane);
    }
    assert_eq!(core.window(&lane), 16, "never above where it started");
    let stats = core.stats(&lane).unwrap();
    assert_eq!(
        (stats.throttles, stats.min_window, stats.window),
        (6, 1, 16)
    );
}

#[test]
fn no_lane_exceeds_its_window_and_all_lanes_together_never_exceed_the_cap() {
    let mut core = Core::new(4, 10);
    let lanes: Vec<LaneKey> = ["1", "2", "3"].iter().map(|a| ecr(a)).collect();
    let started: Vec<usize> = lanes
        .iter()
        .map(|lane| (0..8).filter(|_| core.try_start(lane)).count())
        .collect();
    assert_eq!(started, [4, 4, 2], "4 per lane, then the cap of 10");
    assert_eq!(core.peak(), 10);
    core.finish(&lanes[0]);
    assert!(!core.try_start(&lanes[0]) || !core.try_start(&lanes[1]));
    // A lane cut to 1 by throttling takes one call at a time, whatever else has room.
    let mut core = Core::new(4, 100);
    core.throttled(&lanes[0]);
    core.throttled(&lanes[0]);
    assert_eq!((0..8).filter(|_| core.try_start(&lanes[0])).count(), 1);
    assert_eq!((0..8).filter(|_| core.try_start(&lanes[1])).count(), 4);
}

#[test]
fn iam_is_one_lane_per_account_and_the_regional_services_one_per_account_and_region() {
    let iam = |region| LaneKey::new(Service::Iam, "111111111111", region);
    assert_eq!(iam("ap-southeast-1"), iam("ap-southeast-2"));
    assert_eq!(iam("eu-west-1").label(), "iam 111111111111");
    let ecr_in = |region| LaneKey::new(Service::Ecr, "111111111111", region);
    assert_ne!(ecr_in("ap-southeast-1"), ecr_in("ap-southeast-2"));
    assert_eq!(
        ecr_in("ap-southeast-2").label(),
        "ecr 111111111111 ap-southeast-2"
    );
    assert_ne!(ecr("111111111111"), ecr("222222222222"));
    assert_eq!(Service::of_operation("ssm:PutParameter"), Service::Ssm);
    assert_eq!(Service::of_operation("sts:GetCallerIdentity"), Service::Sts);
    assert_eq!(Service::of_operation("iam:GetRole"), Service::Iam);
}

/// `calls` ListTagsForResource calls, `width` at a time, each retried on throttling as the
/// SDK would.
async fn tag_reads(fake: &FakeAws, calls: usize, width: usize) {
    let arn = fake.repository_arn("betekk-app");
    futures::stream::iter(0..calls)
        .map(|_| async {
            loop {
                match fake.list_tags(&arn).await {
                    Err(LiveError {
                        kind: ErrorKind::Throttled,
                        ..
                    }) => continue,
                    other => return other.map(|_| ()),
                }
            }
        })
        .buffer_unordered(width)
        .for_each(|r| async { r.expect("the tags read") })
        .await;
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn a_throttled_account_shrinks_and_recovers_while_another_keeps_its_window() {
    let lanes = Lanes::new(8, 1024);
    let throttled = FakeAws::new("111111111111", REGION).paced(&lanes, LATENCY);
    let calm = FakeAws::new("222222222222", REGION).paced(&lanes, LATENCY);
    for fake in [&throttled, &calm] {
        seed(fake, repo("betekk-app"), 0);
    }
    throttled.fail("ecr:ListTagsForResource", None, ErrorKind::Throttled, 3);
    tokio::join!(tag_reads(&throttled, 200, 32), tag_reads(&calm, 200, 32));

    let shrunk = lane_of(&throttled, "ecr 111111111111 ap-southeast-1");
    assert_eq!(shrunk.throttles, 3);
    assert_eq!(shrunk.min_window, 1, "8 → 4 → 2 → 1: {shrunk:?}");
    assert_eq!(shrunk.window, 8, "grown back by the end: {shrunk:?}");
    assert_eq!(shrunk.calls, 203, "200 reads and 3 retried");
    let kept = lane_of(&calm, "ecr 222222222222 ap-southeast-1");
    assert_eq!(
        (
            kept.throttles,
            kept.min_window,
            kept.window,
            kept.peak_in_flight
        ),
        (0, 8, 8, 8),
        "the other account never waited for the throttled one: {kept:?}"
    );
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn the_global_cap_holds_over_many_busy_lanes() {
    let lanes = Lanes::new(4, 10);
    let fakes: Vec<FakeAws> = (1..=5)
        .map(|i| FakeAws::new(&format!("{i:012}"), REGION).paced(&lanes, LATENCY))
        .collect();
    for fake in &fakes {
        seed(fake, repo("betekk-app"), 0);
    }
    futures::future::join_all(fakes.iter().map(|f| tag_reads(f, 40, 16))).await;
    assert_eq!(
        lanes.snapshot().peak(),
        10,
        "5 lanes × 4 wanted, capped at 10"
    );
    for fake in &fakes {
        let lane = lane_of(fake, &format!("ecr {} {REGION}", fake.account));
        assert!(lane.peak_in_flight <= 4, "{lane:?}");
        assert_eq!(lane.calls, 40);
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn two_regions_of_an_account_share_its_iam_lane_but_not_their_ecr_lanes() {
    let lanes = Lanes::new(3, 1024);
    let sydney = FakeAws::new("111111111111", "ap-southeast-2").paced(&lanes, LATENCY);
    let singapore = FakeAws::new("111111111111", REGION).paced(&lanes, LATENCY);
    let roles = |fake: &FakeAws| {
        let fake = fake.clone();
        async move {
            futures::stream::iter(0..12)
                .map(|_| fake.list_roles())
                .buffer_unordered(12)
                .for_each(|r| async { drop(r.expect("the listing")) })
                .await;
        }
    };
    let repos = |fake: &FakeAws| {
        let fake = fake.clone();
        async move {
            futures::stream::iter(0..12)
                .map(|_| fake.list_repositories())
                .buffer_unordered(12)
                .for_each(|r| async { drop(r.expect("the listing")) })
                .await;
        }
    };
    tokio::join!(
        roles(&sydney),
        roles(&singapore),
        repos(&sydney),
        repos(&singapore)
    );
    let iam = lane_of(&sydney, "iam 111111111111");
    assert_eq!((iam.calls, iam.peak_in_flight), (24, 3), "{iam:?}");
    for (fake, region) in [(&sydney, "ap-southeast-2"), (&singapore, REGION)] {
        let ecr = lane_of(fake, &format!("ecr 111111111111 {region}"));
        assert_eq!((ecr.calls, ecr.peak_in_flight), (12, 3), "{ecr:?}");
    }
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn targets_are_read_side_by_side_each_lane_at_its_own_window() {
    let lanes = Lanes::new(4, 1024);
    let want = desired((0..20).map(|i| repo(&format!("betekk-app-{i}"))));
    let fakes: Vec<FakeAws> = (1..=3)
        .map(|i| FakeAws::new(&format!("{i:012}"), REGION).paced(&lanes, LATENCY))
        .collect();
    for fake in &fakes {
        for i in 0..20 {
            seed(fake, repo(&format!("betekk-app-{i}")), 0);
        }
    }
    let limit = Limit::lanes(16);
    let observed =
        futures::future::join_all(fakes.iter().map(|f| observe_limited(f, &want, &limit))).await;
    assert!(observed.iter().all(Result::is_ok));
    for fake in &fakes {
        let lane = lane_of(fake, &format!("ecr {} {REGION}", fake.account));
        assert_eq!(lane.peak_in_flight, 4, "{lane:?}");
        assert_eq!(
            lane.calls,
            1 + 3 * 20,
            "the listing, then 3 reads a repository"
        );
    }
    // All three targets' ECR lanes were full at once: one shared bound of 4 would cap this at 4.
    assert!(lanes.snapshot().peak() >= 12, "{}", lanes.snapshot().peak());
}
