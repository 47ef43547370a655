//! The planner on the IAM side, against the fake account: the standard set converges, every
//! out-of-band change is planned as the right operations and repaired, documents AWS respells are
//! no change, dependencies order creates and deletes, and ownership decides what may be touched.

use crate::kinds::oidc_provider::plan::OidcProviderOp;
use crate::kinds::policy::plan::PolicyOp;
use crate::kinds::role::plan::RoleOp;
use crate::kinds::user_attachment::plan::UserAttachmentOp;
use crate::plan::tag_ops::TagOp;
use std::cell::RefCell;
use std::time::Duration;

use serde_json::{Map, Value};

use super::*;
use crate::apply::{ApplyOptions, Event, apply};
use crate::commands::init::starter_spec;
use crate::live::fake::{FakeAws, FakePolicyVersion};
use crate::live::{Aws, IamApi};
use crate::model::OidcProvider;
use crate::model::{Env, Kind, PolicyDocument, Role, TagTarget, Tags};
use crate::observe::observe;
use crate::testing::*;

const STACK: &str = "svc";
const REPOSITORY: &str = "betekk-svc";
const PROVIDER_URL: &str = "https://token.actions.githubusercontent.com";
const PROVIDER_HOST: &str = "token.actions.githubusercontent.com";
const UPLOAD_POLICY: &str = "betekk-ECRUploadPolicy";
const DEPLOY_POLICY: &str = "betekk-LambdaDeployPolicy";
const UPLOAD_ROLE: &str = "BETEKK-GithubWorkflowsUploadRole";
const DEPLOY_ROLE: &str = "BETEKK-GithubWorkflowsLambdaDeployRole";
const READ_ONLY: &str = "arn:aws:iam::aws:policy/ReadOnlyAccess";
const BOUNDARY: &str = "arn:aws:iam::aws:policy/PowerUserAccess";
const THUMBPRINT: &str = "6938fd4d98bab03faadb97b34396831e3780aea1";
const OTHER_THUMBPRINT: &str = "1c58a3a8518e8759bf075b76b750d4f2df264fcd";
const OTHER_DOCUMENT: &str =
    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ecr:*","Resource":"*"}]}"#;
const OTHER_TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"token.actions.githubusercontent.com:sub":"repo:*"}}}]}"#;

/// The spec `init svc` writes: a repository, the provider, two policies and two roles.
/// The recipe's standard set (init's starter without its read-only drift role and policy, which
/// drift's own tests cover): provider, repository, upload and deploy roles with their policies.
fn standard_text() -> String {
    without_drift_role(&starter_spec(STACK, "betekk"))
}

/// Drops the list items (`  - name: …` and the lines under them) whose name mentions Drift.
pub(crate) fn without_drift_role(text: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in text.lines() {
        if line.starts_with("  - ") {
            skipping = line.contains("Drift");
        } else if !line.starts_with("    ") && !line.starts_with("  #") {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn standard_set() -> Desired {
    spec(&standard_text()).desired
}

/// The standard set with lines of its text replaced (each must be there).
fn standard_set_with(edits: &[(&str, &str)]) -> Desired {
    let mut text = standard_text();
    for (from, to) in edits {
        assert!(text.contains(from), "the starter spec has no {from:?}");
        text = text.replacen(from, to, 1);
    }
    spec(&text).desired
}

fn standard_set_without(names: &[&str]) -> Desired {
    let mut d = standard_set();
    d.resources
        .retain(|r| !names.contains(&r.address().name.as_str()));
    d
}

/// Quick retries, so that a step IAM refuses fails the test at once instead of waiting minutes.
fn options() -> ApplyOptions {
    ApplyOptions {
        retry_base: Duration::from_millis(1),
        consistency_timeout: Duration::from_millis(200),
        ..ApplyOptions::default()
    }
}

fn addr(kind: Kind, name: &str) -> Address {
    Address::new(kind, name)
}

fn provider_address() -> Address {
    addr(Kind::OidcProvider, PROVIDER_HOST)
}

fn env() -> Env {
    Env {
        account: ACCOUNT.into(),
        partition: "aws".into(),
        region: REGION.into(),
    }
}

/// A desired resource as the planner sees it: `{account}` and friends bound.
fn bound(d: &Desired, address: &Address) -> Resource {
    d.resources
        .iter()
        .find(|r| r.address() == *address)
        .unwrap_or_else(|| panic!("{address} is not in the spec"))
        .bind(&env())
}

fn bound_role(d: &Desired, name: &str) -> Role {
    match bound(d, &addr(Kind::Role, name)) {
        Resource::Role(role) => role,
        other => unreachable!("{other:?}"),
    }
}

fn bound_policy_document(d: &Desired, name: &str) -> PolicyDocument {
    match bound(d, &addr(Kind::Policy, name)) {
        Resource::Policy(policy) => policy.document,
        other => unreachable!("{other:?}"),
    }
}

fn attr_names(change: &Change) -> Vec<&str> {
    change.attributes.iter().map(|a| a.name.as_str()).collect()
}

fn change_of<'a>(plan: &'a Plan, address: &Address) -> &'a Change {
    plan.changes
        .iter()
        .find(|c| c.address == *address)
        .unwrap_or_else(|| panic!("no change for {address}: {plan:#?}"))
}

fn deps(plan: &Plan, address: &Address) -> Vec<Address> {
    let mut deps = change_of(plan, address).depends_on.clone();
    deps.sort();
    deps
}

/// A fake account on which `d` was applied and converged.
async fn applied(d: &Desired) -> FakeAws {
    let fake = FakeAws::default();
    let (_, report) = run_apply(&fake, d, &options()).await;
    assert!(report.succeeded(), "{report:#?}");
    let again = plan_on(&fake, d).await;
    assert!(again.is_empty(), "not converged: {again:#?}");
    fake
}

async fn plan_result(fake: &FakeAws, d: &Desired) -> Result<Plan, PlanError> {
    let observed = observe(fake, d, 8).await.expect("observe the fake");
    plan(d, &observed)
}

#[tokio::test(flavor = "current_thread")]
async fn the_standard_set_is_created_whole_and_then_converged() {
    let d = standard_set();
    let fake = FakeAws::default();
    let (first, report) = run_apply(&fake, &d, &options()).await;
    let created: Vec<(Kind, &str)> = first
        .changes
        .iter()
        .filter(|c| c.action == Action::Create)
        .map(|c| (c.kind, c.name.as_str()))
        .collect();
    assert_eq!(
        created,
        [
            (Kind::OidcProvider, PROVIDER_HOST),
            (Kind::Repository, REPOSITORY),
            (Kind::Policy, UPLOAD_POLICY),
            (Kind::Policy, DEPLOY_POLICY),
            (Kind::Role, DEPLOY_ROLE),
            (Kind::Role, UPLOAD_ROLE),
        ]
    );
    assert_eq!(first.summary().add, 6, "{first:#?}");
    assert!(report.succeeded(), "{report:#?}");

    let provider = fake.oidc_provider(PROVIDER_URL).expect("provider created");
    assert_eq!(provider.client_ids, ["sts.amazonaws.com"]);
    let mut provider_tags = provider.tags.clone();
    assert!(
        provider_tags
            .remove(crate::model::fingerprint::APPLIED_TAG)
            .is_some()
    );
    assert_eq!(provider_tags, ownership_tags(STACK));
    assert!(fake.repository(REPOSITORY).is_some());
    for (role, policy) in [(UPLOAD_ROLE, UPLOAD_POLICY), (DEPLOY_ROLE, DEPLOY_POLICY)] {
        let stored = fake.role(role).unwrap_or_else(|| panic!("{role} created"));
        assert_eq!(
            stored.attached_policies,
            [fake.policy_arn(policy)],
            "{role}"
        );
        let mut tags = stored.tags.clone();
        assert!(
            tags.remove(crate::model::fingerprint::APPLIED_TAG)
                .is_some(),
            "{role}: fingerprinted"
        );
        assert_eq!(tags, ownership_tags(STACK), "{role}");
        assert_eq!(stored.max_session_duration, 3600, "{role}");
        let policy = fake.policy(policy).unwrap();
        assert_eq!(policy.versions.len(), 1);
        assert_eq!(policy.attached.roles, [role]);
    }

    let before = fake.stats();
    let second = plan_on(&fake, &d).await;
    assert!(second.is_empty(), "{second:#?}");
    assert_eq!(fake.stats().since(&before).writes(), 0);
}

type Tamper = fn(&FakeAws);

/// One change made out of band to the converged standard set, and the plan that repairs it.
struct Drift {
    name: &'static str,
    /// Edits the starter spec's text: `(from, to)`, or none.
    spec_edit: Option<(&'static str, &'static str)>,
    /// Applied before the tampering, so that the spec's version is what AWS held.
    tamper: Tamper,
    address: Address,
    attributes: &'static [&'static str],
    ops: fn(&Desired, &FakeAws) -> Vec<Op>,
}

const UPLOAD_ROLE_POLICIES: &str = "    policies: [\"{prefix}-ECRUploadPolicy\"]\n";
const WITH_BOUNDARY: &str = "    policies: [\"{prefix}-ECRUploadPolicy\"]\n    permissions_boundary: arn:aws:iam::aws:policy/PowerUserAccess\n";
const CLIENT_IDS: &str = "    client_ids: [sts.amazonaws.com]\n";
const WITH_THUMBPRINTS: &str = "    client_ids: [sts.amazonaws.com]\n    thumbprints: [6938FD4D98BAB03FAADB97B34396831E3780AEA1]\n";

fn drifts() -> Vec<Drift> {
    let role = |name| addr(Kind::Role, name);
    let policy = |name| addr(Kind::Policy, name);
    vec![
        Drift {
            name: "trust policy edited",
            spec_edit: None,
            tamper: |f| f.tamper_role(UPLOAD_ROLE, |r| r.trust_policy = OTHER_TRUST.into()),
            address: role(UPLOAD_ROLE),
            attributes: &["trust_policy"],
            ops: |d, _| {
                vec![Op::Role(RoleOp::UpdateTrustPolicy {
                    role: UPLOAD_ROLE.into(),
                    document: bound_role(d, UPLOAD_ROLE).trust_policy.to_json_string(),
                })]
            },
        },
        Drift {
            name: "policy document edited",
            spec_edit: None,
            tamper: |f| {
                f.tamper_policy(UPLOAD_POLICY, |p| {
                    p.versions[0].document = OTHER_DOCUMENT.into()
                })
            },
            address: policy(UPLOAD_POLICY),
            attributes: &["document"],
            ops: |d, f| {
                vec![Op::Policy(PolicyOp::CreatePolicyVersion {
                    arn: f.policy_arn(UPLOAD_POLICY),
                    document: bound_policy_document(d, UPLOAD_POLICY).to_json_string(),
                })]
            },
        },
        Drift {
            name: "extra policy attached",
            spec_edit: None,
            tamper: |f| f.attach_out_of_band(UPLOAD_ROLE, READ_ONLY),
            address: role(UPLOAD_ROLE),
            attributes: &["policies"],
            ops: |_, _| {
                vec![Op::Role(RoleOp::DetachRolePolicy {
                    role: UPLOAD_ROLE.into(),
                    policy_arn: READ_ONLY.into(),
                })]
            },
        },
        Drift {
            name: "the spec's policy detached",
            spec_edit: None,
            tamper: |f| f.tamper_role(UPLOAD_ROLE, |r| r.attached_policies.clear()),
            address: role(UPLOAD_ROLE),
            attributes: &["policies"],
            ops: |_, f| {
                vec![Op::Role(RoleOp::AttachRolePolicy {
                    role: UPLOAD_ROLE.into(),
                    policy_arn: f.policy_arn(UPLOAD_POLICY),
                })]
            },
        },
        Drift {
            name: "client id added",
            spec_edit: None,
            tamper: |f| {
                f.tamper_oidc_provider(PROVIDER_URL, |p| p.client_ids.push("other-audience".into()))
            },
            address: provider_address(),
            attributes: &["client_ids"],
            ops: |_, f| {
                vec![Op::OidcProvider(OidcProviderOp::RemoveClientId {
                    arn: f.oidc_provider_arn(PROVIDER_URL),
                    client_id: "other-audience".into(),
                })]
            },
        },
        Drift {
            name: "client id removed",
            spec_edit: None,
            tamper: |f| f.tamper_oidc_provider(PROVIDER_URL, |p| p.client_ids.clear()),
            address: provider_address(),
            attributes: &["client_ids"],
            ops: |_, f| {
                vec![Op::OidcProvider(OidcProviderOp::AddClientId {
                    arn: f.oidc_provider_arn(PROVIDER_URL),
                    client_id: "sts.amazonaws.com".into(),
                })]
            },
        },
        Drift {
            name: "thumbprints listed in the spec and different",
            spec_edit: Some((CLIENT_IDS, WITH_THUMBPRINTS)),
            tamper: |f| {
                f.tamper_oidc_provider(PROVIDER_URL, |p| {
                    p.thumbprints = vec![OTHER_THUMBPRINT.into()]
                })
            },
            address: provider_address(),
            attributes: &["thumbprints"],
            ops: |_, f| {
                vec![Op::OidcProvider(OidcProviderOp::UpdateThumbprints {
                    arn: f.oidc_provider_arn(PROVIDER_URL),
                    thumbprints: vec![THUMBPRINT.into()],
                })]
            },
        },
        Drift {
            name: "role tags: stack tag removed, one added",
            spec_edit: None,
            tamper: |f| {
                f.tamper_role(UPLOAD_ROLE, |r| {
                    r.tags.remove(crate::model::STACK_TAG);
                    r.tags.insert("Owner".into(), "someone".into());
                })
            },
            address: role(UPLOAD_ROLE),
            attributes: &["tags"],
            ops: |_, _| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::Role {
                        name: UPLOAD_ROLE.into(),
                    },
                    set: tags(&[(crate::model::STACK_TAG, STACK)]),
                    unset: vec!["Owner".into()],
                })]
            },
        },
        Drift {
            name: "policy tags: one added",
            spec_edit: None,
            tamper: |f| {
                f.tamper_policy(UPLOAD_POLICY, |p| {
                    p.tags.insert("Owner".into(), "someone".into());
                })
            },
            address: policy(UPLOAD_POLICY),
            attributes: &["tags"],
            ops: |_, f| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::Policy {
                        arn: f.policy_arn(UPLOAD_POLICY),
                    },
                    set: Tags::new(),
                    unset: vec!["Owner".into()],
                })]
            },
        },
        Drift {
            name: "policy tags: ManagedBy changed",
            spec_edit: None,
            tamper: |f| {
                f.tamper_policy(UPLOAD_POLICY, |p| {
                    p.tags
                        .insert(crate::model::MANAGED_BY_TAG.into(), "someone".into());
                })
            },
            address: policy(UPLOAD_POLICY),
            attributes: &["tags"],
            ops: |_, f| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::Policy {
                        arn: f.policy_arn(UPLOAD_POLICY),
                    },
                    set: tags(&[(crate::model::MANAGED_BY_TAG, crate::model::MANAGED_BY_VALUE)]),
                    unset: Vec::new(),
                })]
            },
        },
        Drift {
            name: "provider tags: stack tag removed, one added",
            spec_edit: None,
            tamper: |f| {
                f.tamper_oidc_provider(PROVIDER_URL, |p| {
                    p.tags.remove(crate::model::STACK_TAG);
                    p.tags.insert("Owner".into(), "someone".into());
                })
            },
            address: provider_address(),
            attributes: &["tags"],
            ops: |_, f| {
                vec![Op::Tags(TagOp::SetTags {
                    target: TagTarget::OidcProvider {
                        arn: f.oidc_provider_arn(PROVIDER_URL),
                    },
                    set: tags(&[(crate::model::STACK_TAG, STACK)]),
                    unset: vec!["Owner".into()],
                })]
            },
        },
        Drift {
            name: "description and max session duration edited",
            spec_edit: None,
            tamper: |f| {
                f.tamper_role(UPLOAD_ROLE, |r| {
                    r.description = Some("edited in the console".into());
                    r.max_session_duration = 7200;
                })
            },
            address: role(UPLOAD_ROLE),
            attributes: &["description", "max_session_duration"],
            ops: |_, _| {
                vec![Op::Role(RoleOp::UpdateRole {
                    role: UPLOAD_ROLE.into(),
                    description: "GitHub Actions pushes svc images".into(),
                    max_session_duration: 3600,
                })]
            },
        },
        Drift {
            name: "description removed",
            spec_edit: None,
            tamper: |f| f.tamper_role(DEPLOY_ROLE, |r| r.description = None),
            address: role(DEPLOY_ROLE),
            attributes: &["description"],
            ops: |_, _| {
                vec![Op::Role(RoleOp::UpdateRole {
                    role: DEPLOY_ROLE.into(),
                    description: "GitHub Actions deploys svc Lambdas".into(),
                    max_session_duration: 3600,
                })]
            },
        },
        Drift {
            name: "permissions boundary set out of band",
            spec_edit: None,
            tamper: |f| {
                f.tamper_role(UPLOAD_ROLE, |r| {
                    r.permissions_boundary = Some(BOUNDARY.into())
                })
            },
            address: role(UPLOAD_ROLE),
            attributes: &["permissions_boundary"],
            ops: |_, _| {
                vec![Op::Role(RoleOp::DeletePermissionsBoundary {
                    role: UPLOAD_ROLE.into(),
                })]
            },
        },
        Drift {
            name: "the spec's permissions boundary removed",
            spec_edit: Some((UPLOAD_ROLE_POLICIES, WITH_BOUNDARY)),
            tamper: |f| f.tamper_role(UPLOAD_ROLE, |r| r.permissions_boundary = None),
            address: role(UPLOAD_ROLE),
            attributes: &["permissions_boundary"],
            ops: |_, _| {
                vec![Op::Role(RoleOp::PutPermissionsBoundary {
                    role: UPLOAD_ROLE.into(),
                    policy_arn: BOUNDARY.into(),
                })]
            },
        },
    ]
}

#[tokio::test(flavor = "current_thread")]
async fn each_out_of_band_change_is_planned_as_its_operations_and_repaired() {
    for case in drifts() {
        let name = case.name;
        let d = match case.spec_edit {
            Some(edit) => standard_set_with(&[edit]),
            None => standard_set(),
        };
        let fake = applied(&d).await;
        (case.tamper)(&fake);

        let plan = plan_on(&fake, &d).await;
        assert_eq!(plan.changes.len(), 1, "{name}: {plan:#?}");
        let change = &plan.changes[0];
        assert_eq!(change.address, case.address, "{name}");
        assert_eq!(change.action, Action::Update, "{name}");
        assert_eq!(attr_names(change), case.attributes, "{name}");
        for a in &change.attributes {
            assert_ne!(a.before, a.after, "{name}: {}", a.name);
        }
        assert_eq!(change.ops, (case.ops)(&d, &fake), "{name}: ops");

        let report = apply(&fake, &plan, &options(), &|_| {}).await;
        assert!(report.succeeded(), "{name}: {report:#?}");
        let after = plan_on(&fake, &d).await;
        assert!(after.is_empty(), "{name}: not repaired: {after:#?}");
    }
}

#[tokio::test(flavor = "current_thread")]
async fn the_spec_s_boundary_and_thumbprints_are_created_with_the_resource() {
    let d = standard_set_with(&[
        (UPLOAD_ROLE_POLICIES, WITH_BOUNDARY),
        (CLIENT_IDS, WITH_THUMBPRINTS),
    ]);
    let fake = applied(&d).await;
    assert_eq!(
        fake.role(UPLOAD_ROLE)
            .unwrap()
            .permissions_boundary
            .as_deref(),
        Some(BOUNDARY)
    );
    assert_eq!(
        fake.oidc_provider(PROVIDER_URL).unwrap().thumbprints,
        [THUMBPRINT],
        "written in lower case"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn thumbprints_the_spec_does_not_list_are_never_planned() {
    let d = standard_set();
    let fake = applied(&d).await;
    // AWS fills in its own thumbprints for GitHub; the spec leaves them alone.
    fake.tamper_oidc_provider(PROVIDER_URL, |p| {
        p.thumbprints = vec![THUMBPRINT.into(), OTHER_THUMBPRINT.into()]
    });
    let plan = plan_on(&fake, &d).await;
    assert!(plan.is_empty(), "{plan:#?}");
    fake.tamper_oidc_provider(PROVIDER_URL, |p| p.thumbprints.clear());
    assert!(plan_on(&fake, &d).await.is_empty());
}

/// The same document as AWS or a person might respell it: keys and lists in reverse order,
/// one-element lists as plain strings (a lone statement as an object).
fn respelled(value: &Value) -> Value {
    match value {
        Value::Array(items) if items.len() == 1 => respelled(&items[0]),
        Value::Array(items) => Value::Array(items.iter().rev().map(respelled).collect()),
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map.iter().rev() {
                out.insert(k.clone(), respelled(v));
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

#[tokio::test(flavor = "current_thread")]
async fn documents_respelled_and_handed_back_url_encoded_are_no_change() {
    let d = standard_set();
    let fake = applied(&d).await;
    for policy in [UPLOAD_POLICY, DEPLOY_POLICY] {
        let written = bound_policy_document(&d, policy);
        let text = respelled(written.original()).to_string();
        assert_ne!(text, written.to_json_string(), "{policy}: really respelled");
        fake.tamper_policy(policy, |p| p.versions[0].document = text);
    }
    for role in [UPLOAD_ROLE, DEPLOY_ROLE] {
        let written = bound_role(&d, role).trust_policy;
        let text = respelled(written.original()).to_string();
        assert!(text.contains(r#""Statement":{"#), "{text}");
        fake.tamper_role(role, |r| r.trust_policy = text);
    }
    // The fake hands documents back as IAM does: URL-encoded.
    let arn = fake.policy_arn(UPLOAD_POLICY);
    let returned = fake.get_policy_version(&arn, "v1").await.unwrap().unwrap();
    assert!(returned.starts_with("%7B%22"), "{returned}");
    let role = fake.get_role(UPLOAD_ROLE).await.unwrap().unwrap();
    assert!(
        role.trust_policy.starts_with("%7B%22"),
        "{}",
        role.trust_policy
    );

    let plan = plan_on(&fake, &d).await;
    assert!(plan.is_empty(), "{plan:#?}");

    // The same comparison still sees a difference in meaning.
    fake.tamper_policy(UPLOAD_POLICY, |p| {
        p.versions[0].document = p.versions[0].document.replace("ecr:PutImage", "ecr:*")
    });
    let plan = plan_on(&fake, &d).await;
    assert_eq!(
        plan.changes
            .iter()
            .map(|c| c.address.clone())
            .collect::<Vec<_>>(),
        [addr(Kind::Policy, UPLOAD_POLICY)]
    );
}

#[tokio::test(flavor = "current_thread")]
async fn creates_wait_for_what_they_refer_to() {
    let plan = plan_on(&FakeAws::default(), &standard_set()).await;
    let repository = addr(Kind::Repository, REPOSITORY);
    let upload_policy = addr(Kind::Policy, UPLOAD_POLICY);
    let deploy_policy = addr(Kind::Policy, DEPLOY_POLICY);
    assert_eq!(
        deps(&plan, &addr(Kind::Role, UPLOAD_ROLE)),
        [provider_address(), upload_policy.clone()]
    );
    assert_eq!(
        deps(&plan, &addr(Kind::Role, DEPLOY_ROLE)),
        [provider_address(), deploy_policy.clone()]
    );
    assert_eq!(
        deps(&plan, &upload_policy),
        std::slice::from_ref(&repository)
    );
    assert_eq!(
        deps(&plan, &deploy_policy),
        [],
        "lambda_deploy names no repository"
    );
    assert_eq!(deps(&plan, &repository), []);
    assert_eq!(deps(&plan, &provider_address()), []);
}

#[tokio::test(flavor = "current_thread")]
async fn a_dependency_without_a_change_is_left_out() {
    let d = standard_set();
    let fake = FakeAws::default();
    let Resource::Repository(repository) = bound(&d, &addr(Kind::Repository, REPOSITORY)) else {
        unreachable!()
    };
    seed(&fake, repository, 0);
    let first = plan_on(&fake, &d).await;
    assert!(
        first.changes.iter().all(|c| c.kind != Kind::Repository),
        "the repository is as the spec says: {first:#?}"
    );
    assert_eq!(deps(&first, &addr(Kind::Policy, UPLOAD_POLICY)), []);
    assert_eq!(
        deps(&first, &addr(Kind::Role, UPLOAD_ROLE)),
        [provider_address(), addr(Kind::Policy, UPLOAD_POLICY)]
    );

    // With the provider and policies in place, a new role waits for nothing.
    let fake = applied(&d).await;
    let mut observed = observe(&fake, &d, 8).await.unwrap();
    observed.resources.remove(&addr(Kind::Role, UPLOAD_ROLE));
    let recreate = plan(&d, &observed).unwrap();
    assert_eq!(
        change_of(&recreate, &addr(Kind::Role, UPLOAD_ROLE)).action,
        Action::Create
    );
    assert_eq!(deps(&recreate, &addr(Kind::Role, UPLOAD_ROLE)), []);
}

const GRANT: &str = "assume_role_grants:\n  - user: deployer\n    roles: [\"{PREFIX}-GithubWorkflowsUploadRole\"]\n";
const GRANT_POLICY: &str = "betekk_AssumeRolePolicy-deployer";

fn standard_set_with_grant() -> Desired {
    spec(&format!("{}{GRANT}", standard_text())).desired
}

#[tokio::test(flavor = "current_thread")]
async fn a_user_attachment_waits_for_its_policy_and_is_applied() {
    let d = standard_set_with_grant();
    let fake = FakeAws::default();
    fake.seed_user("deployer");
    let plan = plan_on(&fake, &d).await;
    let attachment = addr(
        Kind::UserAttachment,
        format!("deployer:{GRANT_POLICY}").as_str(),
    );
    assert_eq!(deps(&plan, &attachment), [addr(Kind::Policy, GRANT_POLICY)]);
    assert_eq!(
        change_of(&plan, &attachment).ops,
        [Op::UserAttachment(UserAttachmentOp::AttachUserPolicy {
            user: "deployer".into(),
            policy_arn: fake.policy_arn(GRANT_POLICY),
        })]
    );
    let report = apply(&fake, &plan, &options(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(
        fake.user_policies("deployer").unwrap(),
        [fake.policy_arn(GRANT_POLICY)]
    );
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn deletes_run_in_reverse_roles_then_policies_then_repositories() {
    let d = standard_set_with_grant();
    let fake = FakeAws::default();
    fake.seed_user("deployer");
    let (_, report) = run_apply(&fake, &d, &options()).await;
    assert!(report.succeeded(), "{report:#?}");

    let empty = Desired {
        resources: Vec::new(),
        ..d.clone()
    };
    let plan = plan_on(&fake, &empty).await;
    assert!(
        plan.changes.iter().all(|c| c.action == Action::Delete),
        "{plan:#?}"
    );
    // The provider is never pruned: other stacks' roles may trust it.
    assert_eq!(plan.summary().destroy, 6, "{plan:#?}");
    assert!(plan.changes.iter().all(|c| c.kind != Kind::OidcProvider));
    let roles = [addr(Kind::Role, DEPLOY_ROLE), addr(Kind::Role, UPLOAD_ROLE)];
    let policies = [
        addr(Kind::Policy, UPLOAD_POLICY),
        addr(Kind::Policy, DEPLOY_POLICY),
        addr(Kind::Policy, GRANT_POLICY),
    ];
    let mut sorted_policies = policies.to_vec();
    sorted_policies.sort();
    for role in &roles {
        assert_eq!(deps(&plan, role), [], "{role}");
    }
    for policy in &policies {
        assert_eq!(deps(&plan, policy), roles, "{policy}");
    }
    assert_eq!(
        deps(&plan, &addr(Kind::Repository, REPOSITORY)),
        sorted_policies
    );

    // The executor follows that order: nothing starts before what it waits for has finished.
    let log = RefCell::new(Vec::new());
    let report = apply(&fake, &plan, &options(), &|event| match event {
        Event::Started(c) => log.borrow_mut().push(("start", c.address.clone())),
        Event::Finished(o) => log.borrow_mut().push(("end", o.address.clone())),
        Event::Retrying { .. } => {}
    })
    .await;
    assert!(report.succeeded(), "{report:#?}");
    let log = log.into_inner();
    let at = |what: &str, a: &Address| log.iter().position(|(w, x)| *w == what && x == a);
    for change in &plan.changes {
        for dep in &change.depends_on {
            assert!(
                at("end", dep) < at("start", &change.address),
                "{} started before {dep} finished: {log:?}",
                change.address
            );
        }
    }
    assert!(fake.role_names().is_empty());
    for policy in [UPLOAD_POLICY, DEPLOY_POLICY, GRANT_POLICY] {
        assert!(fake.policy(policy).is_none(), "{policy}");
    }
    assert!(fake.repository_names().is_empty());
    assert!(
        fake.oidc_provider(PROVIDER_URL).is_some(),
        "the provider stays"
    );
    assert_eq!(
        fake.user_policies("deployer").unwrap(),
        Vec::<String>::new()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_provider_another_stack_owns_is_used_and_left_alone() {
    let fake = FakeAws::default();
    let platform =
        spec("version: 1\nstack: platform\ngithub:\n  organizations: [betekk]\n").desired;
    let (_, report) = run_apply(&fake, &platform, &options()).await;
    assert!(report.succeeded(), "{report:#?}");
    fake.tamper_oidc_provider(PROVIDER_URL, |p| {
        p.client_ids.push("other-audience".into());
        p.tags.insert("Team".into(), "platform".into());
    });
    let provider_before = fake.oidc_provider(PROVIDER_URL).unwrap();

    let d = standard_set();
    let plan = plan_result(&fake, &d).await.expect("no error");
    assert!(
        plan.changes.iter().all(|c| c.kind != Kind::OidcProvider),
        "{plan:#?}"
    );
    assert_eq!(plan.summary().add, 5);
    assert_eq!(
        deps(&plan, &addr(Kind::Role, UPLOAD_ROLE)),
        [addr(Kind::Policy, UPLOAD_POLICY)]
    );
    let report = apply(&fake, &plan, &options(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(fake.oidc_provider(PROVIDER_URL).unwrap(), provider_before);
    assert!(plan_on(&fake, &d).await.is_empty());

    // Nor does this stack prune it when its spec no longer speaks of GitHub.
    let empty = Desired {
        resources: Vec::new(),
        ..d
    };
    let plan = plan_on(&fake, &empty).await;
    assert!(
        plan.changes.iter().all(|c| c.kind != Kind::OidcProvider),
        "{plan:#?}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_another_stack_owns_is_refused() {
    let d = standard_set();
    let fake = applied(&d).await;
    fake.tamper_role(UPLOAD_ROLE, |r| {
        r.tags
            .insert(crate::model::STACK_TAG.into(), "billing".into());
    });
    let err = plan_result(&fake, &d).await.unwrap_err();
    assert_eq!(
        err,
        PlanError::OwnedByAnotherStack {
            address: addr(Kind::Role, UPLOAD_ROLE),
            owner: "billing".into(),
            stack: STACK.into(),
        }
    );
    assert!(
        err.to_string().starts_with(
            r#"role.BETEKK-GithubWorkflowsUploadRole belongs to stack "billing", not "svc""#
        ),
        "{err}"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_unmanaged_provider_must_exist_and_is_never_changed() {
    let unmanaged = standard_set_with(&[("manage: true", "manage: false")]);
    assert!(!unmanaged.all::<OidcProvider>().next().unwrap().manage);
    let err = plan_result(&FakeAws::default(), &unmanaged)
        .await
        .unwrap_err();
    assert_eq!(
        err,
        PlanError::ProviderMissing {
            url: PROVIDER_URL.into(),
            account: ACCOUNT.into(),
        }
    );

    // Present, even differing and untagged: used as it is.
    let fake = applied(&standard_set()).await;
    fake.tamper_oidc_provider(PROVIDER_URL, |p| {
        p.client_ids.push("other-audience".into());
        p.tags.clear();
    });
    let plan = plan_result(&fake, &unmanaged).await.unwrap();
    assert!(plan.is_empty(), "{plan:#?}");
}

#[tokio::test(flavor = "current_thread")]
async fn a_grant_to_a_user_that_does_not_exist_is_refused() {
    let d = standard_set_with_grant();
    let err = plan_result(&FakeAws::default(), &d).await.unwrap_err();
    assert_eq!(
        err,
        PlanError::UserMissing {
            user: "deployer".into(),
            account: ACCOUNT.into(),
        }
    );
    let fake = FakeAws::default();
    fake.seed_user("deployer");
    assert!(plan_result(&fake, &d).await.is_ok());
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_and_policy_that_left_the_spec_are_detached_and_deleted() {
    let fake = applied(&standard_set()).await;
    let deploy_arn = fake.policy_arn(DEPLOY_POLICY);
    // Whatever holds on to them must be let go first, or IAM refuses the deletes.
    fake.attach_out_of_band(DEPLOY_ROLE, READ_ONLY);
    fake.attach_to_user_out_of_band("someone", &deploy_arn);
    fake.attach_to_group_out_of_band("developers", &deploy_arn);
    fake.tamper_policy(DEPLOY_POLICY, |p| {
        let created = p.versions[0].created;
        p.versions.insert(
            0,
            FakePolicyVersion {
                id: "v0".into(),
                document: OTHER_DOCUMENT.into(),
                is_default: false,
                created,
            },
        );
    });
    // Neither this stack's nor carrying the prefix: never candidates.
    fake.create_role(&crate::live::NewRole {
        name: "betekk-handmade",
        description: "",
        trust_policy: OTHER_TRUST,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: &Tags::new(),
        path: "/",
    })
    .await
    .unwrap();
    fake.create_role(&crate::live::NewRole {
        name: "betekk-billing-ci",
        description: "",
        trust_policy: OTHER_TRUST,
        max_session_duration: 3600,
        permissions_boundary: None,
        tags: &ownership_tags("billing"),
        path: "/",
    })
    .await
    .unwrap();

    let d = standard_set_without(&[DEPLOY_ROLE, DEPLOY_POLICY]);
    let plan = plan_on(&fake, &d).await;
    let changes: Vec<(Address, Action, &[Op])> = plan
        .changes
        .iter()
        .map(|c| (c.address.clone(), c.action, c.ops.as_slice()))
        .collect();
    assert_eq!(
        changes,
        [
            // Every write is in the plan: detached everywhere, other versions deleted, deleted.
            (
                addr(Kind::Policy, DEPLOY_POLICY),
                Action::Delete,
                &[
                    Op::Role(RoleOp::DetachRolePolicy {
                        role: DEPLOY_ROLE.into(),
                        policy_arn: deploy_arn.clone()
                    }),
                    Op::UserAttachment(UserAttachmentOp::DetachUserPolicy {
                        user: "someone".into(),
                        policy_arn: deploy_arn.clone()
                    }),
                    Op::Policy(PolicyOp::DetachGroupPolicy {
                        group: "developers".into(),
                        policy_arn: deploy_arn.clone()
                    }),
                    Op::Policy(PolicyOp::DeletePolicyVersion {
                        arn: deploy_arn.clone(),
                        version_id: "v0".into()
                    }),
                    Op::Policy(PolicyOp::DeletePolicy {
                        arn: deploy_arn.clone()
                    })
                ][..]
            ),
            (
                addr(Kind::Role, DEPLOY_ROLE),
                Action::Delete,
                &[
                    Op::Role(RoleOp::DetachRolePolicy {
                        role: DEPLOY_ROLE.into(),
                        policy_arn: deploy_arn.clone()
                    }),
                    Op::Role(RoleOp::DetachRolePolicy {
                        role: DEPLOY_ROLE.into(),
                        policy_arn: READ_ONLY.into()
                    }),
                    Op::Role(RoleOp::DeleteRole {
                        role: DEPLOY_ROLE.into()
                    })
                ][..]
            ),
        ]
    );
    assert_eq!(
        deps(&plan, &addr(Kind::Policy, DEPLOY_POLICY)),
        [addr(Kind::Role, DEPLOY_ROLE)]
    );

    let report = apply(&fake, &plan, &options(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(fake.role(DEPLOY_ROLE).is_none());
    assert!(fake.policy(DEPLOY_POLICY).is_none());
    assert_eq!(fake.user_policies("someone").unwrap(), Vec::<String>::new());
    assert_eq!(
        fake.role_names(),
        [UPLOAD_ROLE, "betekk-billing-ci", "betekk-handmade"]
    );
    assert!(fake.policy(UPLOAD_POLICY).is_some());
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn a_repository_policy_naming_the_upload_role_orders_the_role_first_without_a_cycle() {
    // The upload role attaches a policy that names the repository, and the repository's policy
    // names the role: one of the two edges must go, and it is policy → repository.
    let d = standard_set_with(&[(
        "    force_delete: false",
        "    repository_policy: {Version: \"2012-10-17\", Statement: [{Effect: Allow, \
         Principal: {AWS: \"arn:{partition}:iam::{account}:role/{PREFIX}-GithubWorkflowsUploadRole\"}, \
         Action: \"ecr:BatchGetImage\"}]}\n    force_delete: false",
    )]);
    let fake = FakeAws::default();
    let plan = plan_on(&fake, &d).await;
    assert_eq!(
        deps(&plan, &addr(Kind::Repository, REPOSITORY)),
        [addr(Kind::Role, UPLOAD_ROLE)]
    );
    assert_eq!(deps(&plan, &addr(Kind::Policy, UPLOAD_POLICY)), []);
    let report = apply(&fake, &plan, &options(), &|_| {}).await;
    assert!(report.succeeded(), "no change waits on itself: {report:#?}");
    assert!(plan_on(&fake, &d).await.is_empty());
}

#[tokio::test(flavor = "current_thread")]
async fn inline_policies_are_exclusive_declared_ones_are_kept_and_a_role_holding_them_is_pruned() {
    let d = standard_set_with(&[(
        "    policies: [\"{prefix}-ECRUploadPolicy\"]",
        "    policies: [\"{prefix}-ECRUploadPolicy\"]\n    inline_policies:\n      Logs: [{actions: [\"logs:PutLogEvents\"], resources: [\"*\"]}]",
    )]);
    let fake = applied(&d).await;
    let role = fake.role(UPLOAD_ROLE).unwrap();
    assert_eq!(role.inline_policies.keys().collect::<Vec<_>>(), ["Logs"]);
    // Respelled by IAM (URL-encoded, keys reordered): still no change.
    fake.tamper_role(UPLOAD_ROLE, |r| {
        r.inline_policies.insert(
            "Logs".into(),
            r#"{"Statement":[{"Resource":["*"],"Action":"logs:PutLogEvents","Effect":"Allow"}],"Version":"2012-10-17"}"#.into(),
        );
    });
    assert!(plan_on(&fake, &d).await.is_empty());
    // Added out of band: planned for removal, like an attachment; changed: put back.
    fake.put_role_policy(UPLOAD_ROLE, "Backdoor", OTHER_DOCUMENT)
        .await
        .unwrap();
    fake.put_role_policy(DEPLOY_ROLE, "Backdoor", OTHER_DOCUMENT)
        .await
        .unwrap();
    fake.tamper_role(UPLOAD_ROLE, |r| {
        r.inline_policies
            .insert("Logs".into(), OTHER_DOCUMENT.into());
    });
    let plan = plan_on(&fake, &d).await;
    let upload = change_of(&plan, &addr(Kind::Role, UPLOAD_ROLE));
    assert_eq!(attr_names(upload), ["inline_policies"]);
    assert!(
        upload.ops.iter().any(
            |op| matches!(op, Op::Role(RoleOp::DeleteRolePolicy { name, .. }) if name == "Backdoor")
        ),
        "{:?}",
        upload.ops
    );
    assert!(
        upload
            .ops
            .iter()
            .any(|op| matches!(op, Op::Role(RoleOp::PutRolePolicy { name, .. }) if name == "Logs")),
        "{:?}",
        upload.ops
    );
    let deploy = change_of(&plan, &addr(Kind::Role, DEPLOY_ROLE));
    assert!(
        matches!(&deploy.ops[..], [Op::Role(RoleOp::DeleteRolePolicy { name, .. })] if name == "Backdoor"),
        "{:?}",
        deploy.ops
    );
    assert!(apply(&fake, &plan, &options(), &|_| {}).await.succeeded());
    assert!(plan_on(&fake, &d).await.is_empty());
    assert_eq!(fake.role(DEPLOY_ROLE).unwrap().inline_policies.len(), 0);
    // A role of the stack that left the spec is deleted although it holds inline policies.
    let without = standard_set_without(&[UPLOAD_ROLE]);
    let plan = plan_on(&fake, &without).await;
    let report = apply(&fake, &plan, &options(), &|_| {}).await;
    assert!(report.succeeded(), "{report:#?}");
    assert!(fake.role(UPLOAD_ROLE).is_none());
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    /// Applies `plan`, checking that no change starts before every change it depends on ended.
    async fn apply_in_order(fake: &FakeAws, plan: &Plan) -> crate::apply::Report {
        let ended: RefCell<Vec<Address>> = RefCell::new(Vec::new());
        let broken: RefCell<Vec<String>> = RefCell::new(Vec::new());
        let in_plan: Vec<&Address> = plan.changes.iter().map(|c| &c.address).collect();
        let report = apply(fake, plan, &options(), &|event| match event {
            Event::Started(change) => {
                for dep in change.depends_on.iter().filter(|d| in_plan.contains(d)) {
                    if !ended.borrow().contains(dep) {
                        broken
                            .borrow_mut()
                            .push(format!("{} started before {dep}", change.address));
                    }
                }
            }
            Event::Finished(outcome) => ended.borrow_mut().push(outcome.address.clone()),
            Event::Retrying { .. } => {}
        })
        .await;
        assert!(broken.borrow().is_empty(), "{:?}", broken.borrow());
        report
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any mix of out-of-band changes to the IAM side (and resources deleted outright)
        /// converges in one apply, in dependency order.
        #[test]
        fn iam_specs_converge_from_any_live_state_in_dependency_order(
            picks in prop::collection::vec(any::<bool>(), 16),
            delete_role in any::<bool>(),
            delete_policy in any::<bool>(),
        ) {
            let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
            runtime.block_on(async {
                let d = standard_set();
                let fake = applied(&d).await;
                let cases: Vec<Drift> = drifts().into_iter().filter(|c| c.spec_edit.is_none()).collect();
                for (case, pick) in cases.iter().zip(&picks) {
                    if *pick {
                        (case.tamper)(&fake);
                    }
                }
                if delete_role {
                    for arn in fake.list_attached_role_policies(DEPLOY_ROLE).await.unwrap() {
                        fake.detach_role_policy(DEPLOY_ROLE, &arn).await.unwrap();
                    }
                    for name in fake.list_role_policies(DEPLOY_ROLE).await.unwrap() {
                        fake.delete_role_policy(DEPLOY_ROLE, &name).await.unwrap();
                    }
                    fake.delete_role(DEPLOY_ROLE).await.unwrap();
                }
                if delete_policy {
                    let arn = fake.policy_arn(DEPLOY_POLICY);
                    if let Ok(entities) = fake.list_entities_for_policy(&arn).await {
                        for role in entities.roles {
                            fake.detach_role_policy(&role, &arn).await.unwrap();
                        }
                    }
                    for v in fake.list_policy_versions(&arn).await.unwrap_or_default() {
                        if !v.is_default {
                            fake.delete_policy_version(&arn, &v.version_id).await.unwrap();
                        }
                    }
                    fake.delete_policy(&arn).await.unwrap();
                }
                let plan = plan_on(&fake, &d).await;
                let report = apply_in_order(&fake, &plan).await;
                assert!(report.succeeded(), "{report:#?}");
                let after = plan_on(&fake, &d).await;
                assert!(after.is_empty(), "not converged: {after:#?}");
            });
        }
    }
}

#[tokio::test(flavor = "current_thread")]
async fn a_role_s_path_is_in_its_arn_and_a_changed_path_replaces_the_role() {
    let d = standard_set_with(&[(
        "    policies: [\"{prefix}-ECRUploadPolicy\"]",
        "    policies: [\"{prefix}-ECRUploadPolicy\"]\n    path: /ci/",
    )]);
    let fake = applied(&d).await;
    let role = fake.role(UPLOAD_ROLE).unwrap();
    assert_eq!(
        role.arn,
        format!("arn:aws:iam::123456789012:role/ci/{UPLOAD_ROLE}")
    );
    // Back to the default path: IAM cannot move a role, so it is deleted and created again.
    let back = standard_set();
    let plan = plan_on(&fake, &back).await;
    let change = change_of(&plan, &addr(Kind::Role, UPLOAD_ROLE));
    assert_eq!(change.action, Action::Replace, "{change:#?}");
    let path = change
        .attributes
        .iter()
        .find(|a| a.name == "path")
        .expect("the path is shown");
    assert!(path.forces_replacement);
    assert_eq!(path.before, Some(serde_json::json!("/ci/")));
    assert!(matches!(
        change.ops.first(),
        Some(Op::Role(RoleOp::DetachRolePolicy { .. }))
    ));
    assert!(
        change
            .ops
            .iter()
            .any(|op| matches!(op, Op::Role(RoleOp::DeleteRole { .. })))
    );
    assert!(
        change
            .ops
            .iter()
            .any(|op| matches!(op, Op::Role(RoleOp::CreateRole { path, .. }) if path == "/"))
    );
    let (_, report) = run_apply(&fake, &back, &options()).await;
    assert!(report.succeeded(), "{report:#?}");
    assert_eq!(
        fake.role(UPLOAD_ROLE).unwrap().arn,
        format!("arn:aws:iam::123456789012:role/{UPLOAD_ROLE}")
    );
    assert!(plan_on(&fake, &back).await.is_empty());
}

/// A role's in-place rows name the call that writes them; description and session duration share
/// `UpdateRole`, so changing both makes one call.
#[test]
fn every_in_place_role_row_names_the_call_that_writes_it() {
    use crate::kinds::role::{ATTRIBUTES, Write};
    use crate::model::attribute::Mutation;
    for a in ATTRIBUTES {
        assert_eq!(
            a.writes.is_some(),
            a.mutation == Mutation::InPlace,
            "role {}",
            a.name
        );
    }
    let shared: Vec<&str> = ATTRIBUTES
        .iter()
        .filter(|a| a.writes == Some(Write::Role))
        .map(|a| a.name)
        .collect();
    assert_eq!(shared, ["description", "max_session_duration"]);
}
