//! The evaluator against the ECR user guide's examples and the cases the guide leaves open.

use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_800_000_000_000;

fn days_ago(days: i64) -> i64 {
    NOW - days * DAY
}

/// An image pushed `days` days ago, tagged with `tags`.
fn image(digest: &str, days: i64, tags: &[&str]) -> Image {
    let mut image = Image::new(digest, days_ago(days));
    image.tags = tags.iter().map(|t| t.to_string()).collect();
    image.size_bytes = 100;
    image
}

fn rule(priority: u32, status: TagStatus) -> LifecycleRule {
    LifecycleRule::new(priority, status)
}

fn tagged(priority: u32, patterns: &[&str]) -> LifecycleRule {
    let mut r = rule(priority, TagStatus::Tagged);
    r.tag_patterns = patterns.iter().map(|p| p.to_string()).collect();
    r
}

fn keep_last(mut r: LifecycleRule, n: u32) -> LifecycleRule {
    r.keep_last = Some(n);
    r
}

fn pushed_more_than(mut r: LifecycleRule, days: u32) -> LifecycleRule {
    r.expire_after_days = Some(days);
    r
}

/// The digests each outcome gets, as `(expired, archived)`, with the deciding rules.
fn outcomes(rules: &[LifecycleRule], images: &[Image]) -> Vec<(String, Outcome, Option<u32>)> {
    evaluate(rules, images, NOW)
        .into_iter()
        .zip(images)
        .map(|(v, i)| (i.digest.clone(), v.outcome, v.rule))
        .collect()
}

fn expired(rules: &[LifecycleRule], images: &[Image]) -> Vec<String> {
    outcomes(rules, images)
        .into_iter()
        .filter(|(_, o, _)| *o == Outcome::Expire)
        .map(|(d, _, _)| d)
        .collect()
}

#[test]
fn tag_wildcards_match_as_ecr_documents() {
    let table = [
        ("prod*", "prod", true),
        ("prod*", "prod1", true),
        ("prod*", "preprod", false),
        ("*prod", "preprod", true),
        ("*test*1*2*3", "xtestA1B2C3", true),
        ("test*1*2*3*", "test123", true),
        ("v1.*", "v1.2", true),
        ("v1.*", "v10", false),
        ("release", "release", true),
        ("release", "release-1", false),
        // `?` is no wildcard in a tag pattern.
        ("v?", "v1", false),
        ("a*a", "a", false),
        ("a*a", "aa", true),
    ];
    for (pattern, tag, want) in table {
        assert_eq!(tag_matches(pattern, tag), want, "{pattern} ~ {tag}");
    }
}

#[test]
fn guide_filtering_on_image_age_expires_prod_images_older_than_14_days() {
    let rules = [pushed_more_than(tagged(1, &["prod*"]), 14)];
    let images = [
        image("old-prod", 20, &["prod-1"]),
        image("new-prod", 10, &["prod-2"]),
        image("old-dev", 20, &["dev-1"]),
        image("untagged", 30, &[]),
    ];
    assert_eq!(expired(&rules, &images), ["old-prod"]);
}

#[test]
fn guide_filtering_on_image_count_keeps_one_untagged_image() {
    let rules = [keep_last(rule(1, TagStatus::Untagged), 1)];
    let images = [
        image("a", 3, &[]),
        image("b", 2, &[]),
        image("c", 1, &[]),
        image("tagged", 9, &["v1"]),
    ];
    assert_eq!(expired(&rules, &images), ["a", "b"]);
}

#[test]
fn guide_multiple_rules_each_keep_their_newest() {
    // Rule 1 keeps one prod image, rule 2 one beta image.
    let rules = [
        keep_last(tagged(1, &["prod*"]), 1),
        keep_last(tagged(2, &["beta*"]), 1),
    ];
    let images = [
        image("A", 10, &["prod1"]),
        image("B", 9, &["beta1"]),
        image("C", 8, &["prod2"]),
        image("D", 7, &["beta2"]),
    ];
    assert_eq!(
        outcomes(&rules, &images),
        [
            ("A".into(), Outcome::Expire, Some(1)),
            ("B".into(), Outcome::Expire, Some(2)),
            ("C".into(), Outcome::Keep, None),
            ("D".into(), Outcome::Keep, None),
        ]
    );
}

#[test]
fn guide_several_patterns_in_one_rule_select_images_with_all_of_them() {
    let rules = [pushed_more_than(tagged(1, &["alpha*", "beta*"]), 5)];
    let images = [
        image("A", 10, &["alpha-1"]),
        image("B", 9, &["alpha-2", "beta-2"]),
        image("C", 8, &["alpha-3", "beta-3", "gamma-3"]),
        image("D", 1, &["alpha-4", "beta-4"]),
    ];
    assert_eq!(expired(&rules, &images), ["B", "C"]);
}

#[test]
fn several_prefixes_must_each_start_some_tag() {
    let mut r = rule(1, TagStatus::Tagged);
    r.tag_prefixes = vec!["prod".into(), "v".into()];
    let rules = [pushed_more_than(r, 1)];
    let images = [
        image("both", 5, &["prod", "v1"]),
        image("prod-only", 5, &["prod"]),
    ];
    assert_eq!(expired(&rules, &images), ["both"]);
}

#[test]
fn guide_any_rule_keeps_the_newest_image_of_all() {
    let rules = [keep_last(rule(1, TagStatus::Any), 1)];
    let images = [
        image("A", 3, &["v1"]),
        image("B", 2, &[]),
        image("C", 1, &["v2"]),
    ];
    assert_eq!(expired(&rules, &images), ["A", "B"]);
}

#[test]
fn an_image_a_higher_rule_selects_is_never_marked_by_a_lower_one_but_still_counts_for_it() {
    // Rule 1 keeps 3 alpha images: A is its own, though rule 2's count of beta images also
    // reaches it. Rule 2 keeps one beta image: counting A, the newest is C, so B and A are past
    // it; A is rule 1's, so only B goes.
    let rules = [
        keep_last(tagged(1, &["alpha*"]), 3),
        keep_last(tagged(2, &["beta*"]), 1),
    ];
    let images = [
        image("A", 10, &["alpha-1", "beta-1"]),
        image("B", 9, &["beta-2"]),
        image("C", 8, &["beta-3"]),
    ];
    assert_eq!(
        outcomes(&rules, &images),
        [
            ("A".into(), Outcome::Keep, None),
            ("B".into(), Outcome::Expire, Some(2)),
            ("C".into(), Outcome::Keep, None),
        ]
    );
}

#[test]
fn the_any_rule_is_applied_last_whatever_its_priority() {
    // Written with the lower number, `any` still comes after the tagged rule, which claims v1.
    let rules = [
        keep_last(rule(1, TagStatus::Any), 1),
        keep_last(tagged(5, &["v*"]), 5),
    ];
    let images = [image("v1", 5, &["v1"]), image("new", 1, &[])];
    assert_eq!(expired(&rules, &images), Vec::<String>::new());
}

#[test]
fn ties_in_push_time_are_broken_by_digest() {
    let rules = [keep_last(rule(1, TagStatus::Untagged), 1)];
    let images = [image("sha256:b", 2, &[]), image("sha256:a", 2, &[])];
    // The larger digest counts as younger, so it is the one kept.
    assert_eq!(expired(&rules, &images), ["sha256:a"]);
    let reversed = [images[1].clone(), images[0].clone()];
    assert_eq!(expired(&rules, &reversed), ["sha256:a"]);
}

#[test]
fn images_pushed_within_one_second_keep_their_order() {
    let rules = [keep_last(rule(1, TagStatus::Untagged), 1)];
    let mut first = image("sha256:b", 2, &[]);
    let mut second = image("sha256:a", 2, &[]);
    first.pushed_at += 100;
    second.pushed_at += 900;
    // Not a tie: the later push is the one kept, whatever the digests.
    assert_eq!(expired(&rules, &[first, second]), ["sha256:b"]);
}

#[test]
fn a_multi_tag_image_is_counted_once() {
    let rules = [keep_last(tagged(1, &["v*"]), 2)];
    let images = [
        image("A", 3, &["v1", "v1.0", "v1.0.0"]),
        image("B", 2, &["v2"]),
        image("C", 1, &["v3", "latest"]),
    ];
    assert_eq!(expired(&rules, &images), ["A"]);
}

#[test]
fn untagged_rules_leave_tagged_images_alone_and_tagged_rules_untagged_ones() {
    let rules = [
        pushed_more_than(rule(1, TagStatus::Untagged), 7),
        pushed_more_than(tagged(2, &["*"]), 100),
    ];
    let images = [
        image("old-untagged", 8, &[]),
        image("new-untagged", 6, &[]),
        image("old-tagged", 50, &["x"]),
    ];
    assert_eq!(expired(&rules, &images), ["old-untagged"]);
}

#[test]
fn a_never_pulled_image_counts_from_its_push() {
    let mut r = tagged(1, &["*"]);
    r.not_pulled_for_days = Some(30);
    r.action = LifecycleAction::Archive;
    let mut pulled_lately = image("pulled-lately", 100, &["a"]);
    pulled_lately.last_pulled_at = Some(days_ago(2));
    let mut pulled_long_ago = image("pulled-long-ago", 100, &["b"]);
    pulled_long_ago.last_pulled_at = Some(days_ago(40));
    let images = [
        pulled_lately,
        pulled_long_ago,
        image("never-pulled-old", 31, &["c"]),
        image("never-pulled-new", 29, &["d"]),
    ];
    let got = outcomes(&[r], &images);
    let archived: Vec<&str> = got
        .iter()
        .filter(|(_, o, _)| *o == Outcome::Archive)
        .map(|(d, _, _)| d.as_str())
        .collect();
    assert_eq!(archived, ["pulled-long-ago", "never-pulled-old"]);
}

#[test]
fn archive_then_expire_reads_each_storage_class_once() {
    // The guide's pairing: archive what is not pulled for 120 days, delete what has been
    // archived for a year.
    let mut archive = tagged(1, &["release-*"]);
    archive.not_pulled_for_days = Some(120);
    archive.action = LifecycleAction::Archive;
    let mut expire = rule(2, TagStatus::Any);
    expire.archived_for_days = Some(365);
    let rules = [archive, expire];

    let stale = image("stale", 200, &["release-1"]);
    let mut long_archived = image("long-archived", 900, &["release-0"]);
    long_archived.storage_class = StorageClass::Archive;
    long_archived.last_archived_at = Some(days_ago(400));
    let mut lately_archived = image("lately-archived", 900, &["release-00"]);
    lately_archived.storage_class = StorageClass::Archive;
    lately_archived.last_archived_at = Some(days_ago(100));
    let mut fresh = image("fresh", 200, &["release-2"]);
    fresh.last_pulled_at = Some(days_ago(1));
    let images = [stale, long_archived, lately_archived, fresh];

    assert_eq!(
        outcomes(&rules, &images),
        [
            ("stale".into(), Outcome::Archive, Some(1)),
            ("long-archived".into(), Outcome::Expire, Some(2)),
            ("lately-archived".into(), Outcome::Keep, None),
            ("fresh".into(), Outcome::Keep, None),
        ]
    );
    let summary = Summary::of(&images, &evaluate(&rules, &images, NOW));
    assert_eq!((summary.expire, summary.archive, summary.keep), (1, 1, 2));
    assert_eq!(summary.before.standard.images, 2);
    assert_eq!(summary.before.archive.images, 2);
    assert_eq!(summary.after.images, 3);
    assert_eq!(summary.after.standard.images, 1);
    assert_eq!(summary.after.archive.images, 2);
    assert_eq!(summary.after.bytes, 300);
}

#[test]
fn a_restore_from_the_archive_makes_an_image_young_again_for_keep_last() {
    let rules = [keep_last(tagged(1, &["v*"]), 1)];
    let mut restored = image("restored", 300, &["v1"]);
    restored.last_activated_at = Some(days_ago(1));
    let images = [restored, image("newer-push", 10, &["v2"])];
    assert_eq!(expired(&rules, &images), ["newer-push"]);
}

#[test]
fn an_image_on_its_way_back_from_the_archive_is_never_touched() {
    let mut any = rule(1, TagStatus::Any);
    any.archived_for_days = Some(90);
    let mut activating = image("activating", 900, &[]);
    activating.storage_class = StorageClass::Activating;
    activating.last_archived_at = Some(days_ago(800));
    let images = [activating];
    assert_eq!(
        expired(&[any, keep_last(rule(0, TagStatus::Untagged), 0)], &images),
        Vec::<String>::new()
    );
}

#[test]
fn an_image_an_index_lists_is_not_expired_before_the_index() {
    // Untagged children of a tagged multi-platform image: the untagged rule would delete them.
    let rules = [
        keep_last(tagged(1, &["v*"]), 1),
        pushed_more_than(rule(2, TagStatus::Untagged), 1),
    ];
    let mut kept_index = image("index-new", 5, &["v2"]);
    kept_index.media_type = Some("application/vnd.oci.image.index.v1+json".into());
    let mut old_index = image("index-old", 10, &["v1"]);
    old_index.media_type = Some("application/vnd.oci.image.index.v1+json".into());
    let child = |digest: &str, parent: &str| {
        let mut c = image(digest, 10, &[]);
        c.in_indexes = vec![parent.to_string()];
        c
    };
    let images = [
        kept_index,
        old_index,
        child("amd64-of-new", "index-new"),
        child("amd64-of-old", "index-old"),
        // Shared by both indexes: kept while one of them is.
        {
            let mut c = image("shared", 10, &[]);
            c.in_indexes = vec!["index-new".into(), "index-old".into()];
            c
        },
        image("orphan", 10, &[]),
    ];
    assert_eq!(
        expired(&rules, &images),
        ["index-old", "amd64-of-old", "orphan"]
    );
}

#[test]
fn an_index_child_is_not_archived_while_its_index_stays() {
    let mut archive = rule(1, TagStatus::Untagged);
    archive.not_pulled_for_days = Some(30);
    archive.action = LifecycleAction::Archive;
    let mut index = image("index", 100, &["v1"]);
    index.last_pulled_at = Some(days_ago(1));
    let mut child = image("child", 100, &[]);
    child.in_indexes = vec!["index".into()];
    assert_eq!(
        outcomes(&[archive], &[index, child]),
        [
            ("index".into(), Outcome::Keep, None),
            ("child".into(), Outcome::Keep, None),
        ]
    );
}

#[test]
fn an_image_exactly_n_days_old_is_not_more_than_n_days_old() {
    let rules = [pushed_more_than(rule(1, TagStatus::Untagged), 14)];
    let mut just_over = image("just-over", 14, &[]);
    just_over.pushed_at -= 1;
    assert_eq!(
        expired(&rules, &[image("exactly", 14, &[]), just_over]),
        ["just-over"]
    );
}

// ---- properties ---------------------------------------------------------------------------

fn arb_image(index: usize) -> impl Strategy<Value = Image> {
    (
        proptest::collection::vec(
            proptest::sample::select(vec!["v1", "v2", "prod", "beta-1", "rc"]),
            0..3,
        ),
        0i64..60,
        proptest::option::of(0i64..60),
        prop_oneof![
            4 => Just(StorageClass::Standard),
            1 => Just(StorageClass::Archive),
        ],
        proptest::option::of(0i64..200),
    )
        .prop_map(move |(tags, pushed, pulled, class, archived)| {
            let mut image = Image::new(&format!("sha256:{index:04}"), days_ago(pushed));
            image.tags = tags.into_iter().map(str::to_string).collect();
            image.tags.sort();
            image.tags.dedup();
            image.last_pulled_at = pulled.map(days_ago);
            image.storage_class = class;
            image.last_archived_at = archived.map(days_ago);
            image.size_bytes = 10;
            image
        })
}

fn arb_rule(priority: u32) -> impl Strategy<Value = LifecycleRule> {
    (
        prop_oneof![
            Just(TagStatus::Tagged),
            Just(TagStatus::Untagged),
            Just(TagStatus::Any)
        ],
        proptest::collection::vec(
            proptest::sample::select(vec!["v*", "prod", "*1", "beta*", "*"]),
            1..3,
        ),
        0u8..4,
        0u32..5,
        0u32..40,
        any::<bool>(),
    )
        .prop_map(move |(status, patterns, count, n, days, archive)| {
            let mut r = LifecycleRule::new(priority, status);
            if status == TagStatus::Tagged {
                r.tag_patterns = patterns.into_iter().map(str::to_string).collect();
            }
            match count {
                0 => r.keep_last = Some(n),
                1 => r.expire_after_days = Some(days),
                2 => {
                    r.not_pulled_for_days = Some(days);
                    r.action = if archive {
                        LifecycleAction::Archive
                    } else {
                        LifecycleAction::Expire
                    };
                }
                _ => r.archived_for_days = Some(days),
            }
            r
        })
}

fn arb_case() -> impl Strategy<Value = (Vec<LifecycleRule>, Vec<Image>)> {
    let rules =
        (1usize..4).prop_flat_map(|n| (0..n).map(|i| arb_rule(i as u32 + 1)).collect::<Vec<_>>());
    let images = (0usize..12).prop_flat_map(|n| (0..n).map(arb_image).collect::<Vec<_>>());
    (rules, images)
}

proptest! {
    #[test]
    fn every_image_gets_one_outcome_from_the_first_rule_that_selects_it((rules, images) in arb_case()) {
        let verdicts = evaluate(&rules, &images, NOW);
        prop_assert_eq!(verdicts.len(), images.len());
        let ordered = in_order(&rules);
        for (image, verdict) in images.iter().zip(&verdicts) {
            prop_assert_eq!(verdict.rule.is_some(), verdict.outcome != Outcome::Keep);
            if let Some(priority) = verdict.rule {
                let first = ordered.iter().find(|r| selects(r, image));
                // Marked by the first rule that selects it: never by a lower one when a higher
                // rule's selection holds it (and keeps it).
                prop_assert_eq!(first.map(|r| r.priority), Some(priority));
            }
        }
    }

    #[test]
    fn keep_last_never_marks_its_n_youngest((rules, images) in arb_case()) {
        let verdicts = evaluate(&rules, &images, NOW);
        for rule in &rules {
            let Some(n) = rule.keep_last else { continue };
            let mut selected: Vec<usize> =
                (0..images.len()).filter(|&i| selects(rule, &images[i])).collect();
            selected.sort_by_key(|&i| Reverse((youth(&images[i]), images[i].digest.clone())));
            for &i in selected.iter().take(n as usize) {
                prop_assert_ne!(verdicts[i].rule, Some(rule.priority));
            }
        }
    }

    #[test]
    fn a_lone_keep_last_rule_leaves_n_of_its_images((rule, images) in (arb_rule(1), (0usize..12).prop_flat_map(|n| (0..n).map(arb_image).collect::<Vec<_>>()))) {
        let Some(n) = rule.keep_last else { return Ok(()) };
        let verdicts = evaluate(std::slice::from_ref(&rule), &images, NOW);
        let selected: Vec<usize> =
            (0..images.len()).filter(|&i| selects(&rule, &images[i])).collect();
        let kept = selected.iter().filter(|&&i| verdicts[i].outcome == Outcome::Keep).count();
        prop_assert_eq!(kept, selected.len().min(n as usize));
    }
}
