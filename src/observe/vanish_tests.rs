//! Listed, then gone: in a shared account anything observe lists may be deleted before its
//! per-item reads. Such a resource is absent, never an error; what was not this stack's is
//! simply gone, and what was this stack's is planned as missing.

use proptest::prelude::*;

use super::*;
use crate::apply::ApplyOptions;
use crate::live::IamApi;
use crate::live::NewRole;
use crate::live::fake::{FakeAws, Vanishing};
use crate::model::Kind;
use crate::plan::{Action, Plan, plan};
use crate::testing::*;

/// A stack's spec: its repository, push policy and role; `old` adds a second set of each, which
/// a later spec without `old` leaves behind as this stack's prune candidates.
fn stack_text(stack: &str, service: &str, manage_provider: bool, old: bool) -> String {
    let title = {
        let mut c = service.chars();
        c.next()
            .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
            .unwrap_or_default()
    };
    let mut names = vec![(service.to_string(), title.clone())];
    if old {
        names.push((format!("{service}-old"), format!("{title}Old")));
    }
    let mut text = format!(
        "version: 1\nstack: {stack}\nproject_prefix: betekk\nregion: {REGION}\n\
         github:\n  organizations: [betekk]\n  oidc_provider: {{manage: {manage_provider}}}\n"
    );
    text.push_str("repositories:\n");
    for (repo, _) in &names {
        text.push_str(&format!("  - name: \"{{prefix}}-{repo}\"\n"));
    }
    text.push_str("policies:\n");
    for (repo, title) in &names {
        text.push_str(&format!(
            "  - name: \"{{prefix}}-{title}PushPolicy\"\n    ecr_push: [\"{{prefix}}-{repo}\"]\n"
        ));
    }
    text.push_str("roles:\n");
    for (_, title) in &names {
        text.push_str(&format!(
            "  - name: \"{{PREFIX}}-{title}Role\"\n    github_trust: {{repositories: [{service}], subjects: [\"ref:refs/heads/main\"]}}\n    policies: [\"{{prefix}}-{title}PushPolicy\"]\n"
        ));
    }
    text
}

fn stack(stack_name: &str, service: &str, manage_provider: bool, old: bool) -> Desired {
    spec(&stack_text(stack_name, service, manage_provider, old)).desired
}

/// This stack as its spec is now: its `old` set dropped, so those are its prune candidates.
fn ours() -> Desired {
    stack(STACK, "test", true, false)
}

/// Names of everything this stack has in the account: its spec's and its prune candidates.
const OURS: &[&str] = &[
    "betekk-test",
    "betekk-test-old",
    "betekk-TestPushPolicy",
    "betekk-TestOldPushPolicy",
    "BETEKK-TestRole",
    "BETEKK-TestOldRole",
    "token.actions.githubusercontent.com",
];

/// A shared account: this stack (applied with its old set), another stack, and a repository, a
/// role and a policy with the project prefix that no stack owns.
async fn shared_account() -> FakeAws {
    let fake = FakeAws::new(ACCOUNT, REGION);
    for d in [
        stack(STACK, "test", true, true),
        stack("other", "other", false, false),
    ] {
        let (_, report) = run_apply(&fake, &d, &ApplyOptions::default()).await;
        assert!(report.succeeded(), "{report:#?}");
    }
    seed(&fake, repo("betekk-loose").untagged(), 0);
    fake.create_role(&NewRole {
        name: "BETEKK-LooseRole",
        description: "",
        trust_policy: r#"{"Version":"2012-10-17","Statement":[]}"#,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: &Default::default(),
        path: "/",
    })
    .await
    .unwrap();
    fake.create_policy(&crate::live::NewPolicy {
        name: "betekk-LoosePolicy",
        description: "",
        document: r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#,
        tags: &Default::default(),
    })
    .await
    .unwrap();
    fake.attach_role_policy("BETEKK-LooseRole", &fake.policy_arn("betekk-LoosePolicy"))
        .await
        .unwrap();
    let settled = plan_on(&fake, &ours()).await;
    assert!(
        settled.changes.iter().all(|c| c.action == Action::Delete),
        "only the dropped set is planned: {settled:#?}"
    );
    fake
}

async fn plan_after(fake: &FakeAws) -> Plan {
    let d = ours();
    let observed = observe(fake, &d, 4)
        .await
        .expect("a resource listed, then deleted, is no error");
    plan(&d, &observed).expect("plan")
}

fn change_of<'p>(plan: &'p Plan, name: &str) -> Option<&'p crate::plan::Change> {
    plan.changes.iter().find(|c| c.address.name == name)
}

#[tokio::test(flavor = "current_thread")]
async fn a_repository_of_another_stack_deleted_after_the_listing_is_simply_gone() {
    let fake = shared_account().await;
    fake.vanish_after(
        "ecr:DescribeRepositories",
        Vanishing::Repository("betekk-other".into()),
    );
    let plan = plan_after(&fake).await;
    assert!(change_of(&plan, "betekk-other").is_none(), "{plan:#?}");
    assert!(fake.repository("betekk-other").is_none());
}

#[tokio::test(flavor = "current_thread")]
async fn this_stacks_repository_deleted_after_the_listing_is_planned_as_missing() {
    let fake = shared_account().await;
    fake.vanish_after(
        "ecr:DescribeRepositories",
        Vanishing::Repository("betekk-test".into()),
    );
    let plan = plan_after(&fake).await;
    let change = change_of(&plan, "betekk-test").expect("a change for it");
    assert_eq!(change.action, Action::Create);
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_deleted_between_its_own_reads_is_absent() {
    let fake = shared_account().await;
    // Gone after GetRole answered, before its attachments are listed.
    fake.vanish_after("iam:GetRole", Vanishing::Role("BETEKK-TestRole".into()));
    let plan = plan_after(&fake).await;
    let gone = fake.role("BETEKK-TestRole").is_none();
    assert!(gone, "the deletion happened during the reads");
    let change = change_of(&plan, "BETEKK-TestRole").expect("a change for it");
    assert_eq!(change.action, Action::Create, "{plan:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn this_stacks_dropped_policy_deleted_before_its_attachments_are_read_is_not_deleted_again() {
    let fake = shared_account().await;
    fake.vanish_after(
        "iam:ListPolicyVersions",
        Vanishing::Policy("betekk-TestOldPushPolicy".into()),
    );
    let plan = plan_after(&fake).await;
    assert!(fake.policy("betekk-TestOldPushPolicy").is_none());
    assert!(
        change_of(&plan, "betekk-TestOldPushPolicy").is_none(),
        "{plan:#?}"
    );
    // The rest of the dropped set is still pruned.
    let role = change_of(&plan, "BETEKK-TestOldRole").expect("the old role");
    assert_eq!(role.action, Action::Delete);
}

/// Every read observe makes, each a moment at which something may vanish.
const READS: &[&str] = &[
    "sts:GetCallerIdentity",
    "ecr:DescribeRepositories",
    "ecr:GetLifecyclePolicy",
    "ecr:GetRepositoryPolicy",
    "ecr:ListTagsForResource",
    "iam:ListOpenIDConnectProviders",
    "iam:GetOpenIDConnectProvider",
    "iam:ListRoles",
    "iam:GetRole",
    "iam:ListAttachedRolePolicies",
    "iam:ListRolePolicies",
    "iam:GetRolePolicy",
    "iam:ListPolicies",
    "iam:ListPolicyTags",
    "iam:GetPolicyVersion",
    "iam:ListPolicyVersions",
    "iam:ListEntitiesForPolicy",
    "ssm:GetParametersByPath",
];

/// Everything in the shared account, as what may vanish, with the listing that finds it.
fn victims() -> Vec<(Vanishing, &'static str)> {
    let mut out = Vec::new();
    for name in [
        "betekk-test",
        "betekk-test-old",
        "betekk-other",
        "betekk-loose",
    ] {
        out.push((
            Vanishing::Repository(name.into()),
            "ecr:DescribeRepositories",
        ));
    }
    for name in [
        "BETEKK-TestRole",
        "BETEKK-TestOldRole",
        "BETEKK-OtherRole",
        "BETEKK-LooseRole",
    ] {
        out.push((Vanishing::Role(name.into()), "iam:ListRoles"));
    }
    for name in [
        "betekk-TestPushPolicy",
        "betekk-TestOldPushPolicy",
        "betekk-OtherPushPolicy",
        "betekk-LoosePolicy",
    ] {
        out.push((Vanishing::Policy(name.into()), "iam:ListPolicies"));
    }
    out.push((
        Vanishing::OidcProvider("token.actions.githubusercontent.com".into()),
        "iam:ListOpenIDConnectProviders",
    ));
    out
}

fn name_of(victim: &Vanishing) -> &str {
    match victim {
        Vanishing::Repository(n)
        | Vanishing::Role(n)
        | Vanishing::Policy(n)
        | Vanishing::OidcProvider(n) => n,
    }
}

/// In this stack's current spec (not one of its prune candidates).
fn in_spec(name: &str) -> bool {
    ours().resources.iter().any(|r| r.address().name == name)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    /// Whatever vanishes at whatever moment of the reads, the plan is made; it touches only
    /// this stack's resources; and this stack's own resources that vanished before they were
    /// listed are planned as missing.
    #[test]
    fn plans_made_while_listed_resources_vanish_never_fail_and_keep_to_this_stack(
        picks in prop::collection::vec((0usize..13, 0usize..READS.len(), any::<bool>()), 1..6),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async {
            let fake = shared_account().await;
            let victims = victims();
            let mut before_listing = Vec::new();
            for (victim, read, at_listing) in &picks {
                let (victim, listing) = &victims[*victim];
                let after = if *at_listing { listing } else { READS[*read] };
                fake.vanish_after(after, victim.clone());
                if *at_listing || READS[*read] == "sts:GetCallerIdentity" {
                    before_listing.push(name_of(victim).to_string());
                }
            }
            let plan = plan_after(&fake).await;
            for change in &plan.changes {
                prop_assert!(
                    OURS.contains(&change.address.name.as_str()),
                    "a change for {} which is not this stack's: {plan:#?}",
                    change.address
                );
            }
            for name in before_listing.iter().filter(|n| in_spec(n)) {
                let change = change_of(&plan, name);
                prop_assert!(
                    change.is_some_and(|c| c.action == Action::Create),
                    "{name} vanished before it was listed, so it is missing: {plan:#?}"
                );
            }
            Ok(())
        })?;
    }
}

#[test]
fn every_kind_that_may_vanish_is_covered() {
    let kinds: std::collections::BTreeSet<Kind> =
        ours().resources.iter().map(|r| r.address().kind).collect();
    let victims = victims();
    let covered: std::collections::BTreeSet<&str> =
        victims.iter().map(|(v, _)| name_of(v)).collect();
    for name in OURS {
        assert!(covered.contains(name), "{name} never vanishes in the test");
    }
    assert_eq!(kinds.len(), 4, "{kinds:?}");
}
