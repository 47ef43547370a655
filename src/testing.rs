//! Test fixtures: builders that read like a spec, and the observe → plan → apply loop on a fake.
//!
//! Builders start from what the spec reader produces when a field is left out (IMMUTABLE,
//! scan_on_push, AES256, owned by [`STACK`]), so a test names only what it is about.

use crate::kinds::oidc_provider::plan::OidcProviderOp;
use crate::kinds::policy::plan::PolicyOp;
use crate::kinds::repository::plan::RepositoryOp;
use crate::kinds::role::plan::RoleOp;
use crate::plan::tag_ops::TagOp;
use serde_json::Value;

use crate::apply::{ApplyOptions, Report, apply};
use crate::live::fake::{FakeAws, FakeRepository};
use crate::live::{Identity, RepositoryInfo};
use crate::model::{
    Desired, Encryption, LifecyclePolicy, LifecycleRule, MANAGED_BY_TAG, MANAGED_BY_VALUE,
    PolicyDocument, Repository, RepositorySettings, Resource, STACK_TAG, TagMutability, TagStatus,
    Tags,
};
use crate::model::{Live, Observed};
use crate::model::{ManagedPolicy, OidcProvider, Role};
use crate::observe::observe;
use crate::plan::{Plan, plan};
use crate::spec::{self, Spec};

pub const STACK: &str = "test";
pub const PREFIX: &str = "betekk";
pub const ACCOUNT: &str = "123456789012";
pub const REGION: &str = "ap-southeast-1";
pub const KMS_ARN: &str =
    "arn:aws:kms:ap-southeast-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

/// A repository as the spec reader would build it, owned by [`STACK`].
pub fn repo(name: &str) -> RepoBuilder {
    RepoBuilder(Repository {
        name: name.to_string(),
        settings: RepositorySettings {
            image_tag_mutability: TagMutability::Immutable,
            image_tag_mutability_exclusion_filters: Vec::new(),
            encryption: Encryption::Aes256,
            lifecycle_policy: None,
            repository_policy: None,
        },
        scan_on_push: true,
        force_delete: false,
        tags: ownership_tags(STACK),
    })
}

pub fn ownership_tags(stack: &str) -> Tags {
    tags(&[(MANAGED_BY_TAG, MANAGED_BY_VALUE), (STACK_TAG, stack)])
}

pub fn tags(pairs: &[(&str, &str)]) -> Tags {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

#[derive(Debug, Clone)]
pub struct RepoBuilder(pub Repository);

impl RepoBuilder {
    pub fn mutable(mut self) -> Self {
        self.0.settings.image_tag_mutability = TagMutability::Mutable;
        self
    }

    pub fn scan_on_push(mut self, on: bool) -> Self {
        self.0.scan_on_push = on;
        self
    }

    pub fn kms(mut self, key: &str) -> Self {
        self.0.settings.encryption = Encryption::Kms {
            kms_key: Some(key.to_string()),
        };
        self
    }

    /// Any encryption setting, as the spec reader would build it.
    pub fn encryption(mut self, encryption: Encryption) -> Self {
        self.0.settings.encryption = encryption;
        self
    }

    pub fn force_delete(mut self) -> Self {
        self.0.force_delete = true;
        self
    }

    pub fn lifecycle(mut self, policy: LifecyclePolicy) -> Self {
        self.0.settings.lifecycle_policy = Some(policy);
        self
    }

    /// A repository policy, written as JSON text.
    pub fn policy(mut self, text: &str) -> Self {
        self.0.settings.repository_policy =
            Some(PolicyDocument::parse(text).expect("test policy parses"));
        self
    }

    pub fn tag(mut self, key: &str, value: &str) -> Self {
        self.0.tags.insert(key.to_string(), value.to_string());
        self
    }

    /// No tags at all: a repository someone made by hand.
    pub fn untagged(mut self) -> Self {
        self.0.tags.clear();
        self
    }

    pub fn owned_by(mut self, stack: &str) -> Self {
        self.0.tags.extend(ownership_tags(stack));
        self
    }

    pub fn build(self) -> Repository {
        self.0
    }
}

impl From<RepoBuilder> for Repository {
    fn from(b: RepoBuilder) -> Repository {
        b.0
    }
}

/// One lifecycle rule: keep the last `n` images of any tag status.
pub fn keep_last(n: u32) -> LifecyclePolicy {
    LifecyclePolicy::from_rules(vec![rule(1, TagStatus::Any, Some(n), None)])
}

/// The common pair: keep the last `n` `v`-tagged images, expire untagged ones after `days`.
pub fn keep_releases_expire_untagged(n: u32, days: u32) -> LifecyclePolicy {
    let mut keep = rule(1, TagStatus::Tagged, Some(n), None);
    keep.tag_prefixes = vec!["v".into()];
    LifecyclePolicy::from_rules(vec![keep, rule(2, TagStatus::Untagged, None, Some(days))])
}

pub fn rule(
    priority: u32,
    tag_status: TagStatus,
    keep_last: Option<u32>,
    expire_after_days: Option<u32>,
) -> LifecycleRule {
    LifecycleRule {
        keep_last,
        expire_after_days,
        ..LifecycleRule::new(priority, tag_status)
    }
}

pub const PULL_POLICY: &str = r#"{"Version":"2012-10-17","Statement":[{"Sid":"Pull","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":["ecr:BatchGetImage","ecr:GetDownloadUrlForLayer"]}]}"#;

/// What a spec of these repositories reads into, for [`STACK`] and [`PREFIX`].
pub fn desired(repos: impl IntoIterator<Item = impl Into<Repository>>) -> Desired {
    Desired {
        stack: STACK.into(),
        project_prefix: PREFIX.into(),
        region: REGION.into(),
        resources: repos
            .into_iter()
            .map(|r| Resource::Repository(r.into()))
            .collect(),
        manages_iam: true,
    }
}

pub fn arn(name: &str) -> String {
    format!("arn:aws:ecr:{REGION}:{ACCOUNT}:repository/{name}")
}

/// Live state holding exactly these repositories, fully read.
pub fn observed(repos: impl IntoIterator<Item = impl Into<Repository>>) -> Observed {
    let resources = repos
        .into_iter()
        .map(|r| {
            let repo: Repository = r.into();
            let live = Live {
                arn: arn(&repo.name),
                uri: Some(format!(
                    "{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{}",
                    repo.name
                )),
                resource: Resource::Repository(repo),
                complete: true,
                dependents: Default::default(),
            };
            (live.resource.address(), live)
        })
        .collect();
    Observed {
        identity: Identity::from_arn(ACCOUNT.into(), format!("arn:aws:iam::{ACCOUNT}:user/test")),
        region: REGION.into(),
        resources,
        missing_users: Default::default(),
        missing_policies: Default::default(),
        registry: Default::default(),
    }
}

/// Parses spec text as `test.yaml`, failing the test with the rendered diagnostics.
pub fn spec(yaml: &str) -> Spec {
    let parsed =
        spec::parse(yaml, "test.yaml").unwrap_or_else(|e| panic!("spec should parse:\n{e}"));
    spec::schema_tests::assert_agreement(yaml, Ok(()));
    parsed
}

/// The rendered diagnostics of a spec that must not parse, one per line item.
pub fn spec_errors(yaml: &str) -> Vec<String> {
    match spec::parse(yaml, "test.yaml") {
        Ok(_) => panic!("spec should not parse:\n{yaml}"),
        Err(e) => {
            let errors: Vec<String> = e.0.iter().map(ToString::to_string).collect();
            spec::schema_tests::assert_agreement(yaml, Err(&errors));
            errors
        }
    }
}

/// Checks named cases of specs that must not parse against their expected diagnostics, and
/// reports every case that differs at once.
pub fn assert_spec_errors(cases: &[(&str, String, Vec<&str>)]) {
    let mut failures = Vec::new();
    for (name, yaml, expected) in cases {
        let got = spec_errors(yaml);
        if got != *expected {
            failures.push(format!(
                "{name}:\n  expected {expected:#?}\n  got      {got:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// A fake account that already holds this repository, written the way the API would store it.
pub fn fake_with(repos: impl IntoIterator<Item = impl Into<Repository>>) -> FakeAws {
    let fake = FakeAws::new(ACCOUNT, REGION);
    for r in repos {
        seed(&fake, r, 0);
    }
    fake
}

pub fn seed(fake: &FakeAws, repo: impl Into<Repository>, images: u32) {
    let repo: Repository = repo.into();
    fake.seed_repository(FakeRepository {
        info: RepositoryInfo {
            arn: fake.repository_arn(&repo.name),
            uri: format!(
                "{}.dkr.ecr.{}.amazonaws.com/{}",
                fake.account, fake.region, repo.name
            ),
            name: repo.name.clone(),
            image_tag_mutability: repo.settings.image_tag_mutability,
            exclusion_filters: repo.settings.image_tag_mutability_exclusion_filters.clone(),
            scan_on_push: repo.scan_on_push,
            encryption: repo.settings.encryption.clone(),
        },
        lifecycle_policy: repo
            .settings
            .lifecycle_policy
            .as_ref()
            .map(|p| p.to_aws_text()),
        repository_policy: repo
            .settings
            .repository_policy
            .as_ref()
            .map(|p| p.to_json_string()),
        tags: repo.tags,
        images,
    });
}

/// Observes the fake and plans against it.
pub async fn plan_on(fake: &FakeAws, desired: &Desired) -> Plan {
    let observed = observe(fake, desired, 8).await.expect("observe the fake");
    plan(desired, &observed).expect("plan")
}

/// One `apply` command: observe, plan, execute. Returns the plan it executed and the report.
pub async fn run_apply(
    fake: &FakeAws,
    desired: &Desired,
    options: &ApplyOptions,
) -> (Plan, Report) {
    let plan = plan_on(fake, desired).await;
    let report = apply(fake, &plan, options, &|_| {}).await;
    (plan, report)
}

/// The attribute values of a plan's change as JSON, for compact assertions.
pub fn json(v: impl serde::Serialize) -> Value {
    serde_json::to_value(v).expect("serializable")
}

/// A plan's operations without the last-applied fingerprint: ops that only write it are dropped,
/// and it is removed from the tags of the others. For assertions about what a change does.
pub fn real_ops(ops: &[crate::plan::Op]) -> Vec<crate::plan::Op> {
    use crate::model::fingerprint::without_fingerprint;
    use crate::plan::Op;
    ops.iter()
        .filter_map(|op| {
            let mut op = op.clone();
            let creates = matches!(
                op,
                Op::Repository(RepositoryOp::CreateRepository { .. })
                    | Op::OidcProvider(OidcProviderOp::CreateOidcProvider { .. })
                    | Op::Policy(PolicyOp::CreatePolicy { .. })
                    | Op::Role(RoleOp::CreateRole { .. })
            );
            // A tag write that only writes the fingerprint is no real op.
            let (tags, removes) = match &mut op {
                Op::Repository(RepositoryOp::CreateRepository { tags, .. })
                | Op::OidcProvider(OidcProviderOp::CreateOidcProvider { tags, .. })
                | Op::Policy(PolicyOp::CreatePolicy { tags, .. })
                | Op::Role(RoleOp::CreateRole { tags, .. }) => (tags, false),
                Op::Tags(TagOp::SetTags { set, unset, .. }) => {
                    let removes = !unset.is_empty();
                    (set, removes)
                }
                _ => return Some(op),
            };
            *tags = without_fingerprint(tags);
            (creates || removes || !tags.is_empty()).then_some(op)
        })
        .collect()
}

/// A role of this stack trusting `app` of the default organizations, with `policies` attached.
pub fn role(name: &str, policies: &[&str]) -> crate::model::Role {
    let yaml = format!(
        "version: 1\nstack: {STACK}\nroles:\n  - name: {name}\n    github_trust: {{repositories: [app]}}\n    policies: [{}]\n",
        policies
            .iter()
            .map(|p| format!("\"{p}\""))
            .collect::<Vec<_>>()
            .join(", ")
    );
    spec(&yaml)
        .desired
        .all::<Role>()
        .next()
        .expect("one role")
        .clone()
}

/// A managed policy of this stack granting push on `repositories`.
pub fn push_policy(name: &str, repositories: &[&str]) -> crate::model::ManagedPolicy {
    let yaml = format!(
        "version: 1\nstack: {STACK}\npolicies:\n  - name: {name}\n    ecr_push: [{}]\n",
        repositories.join(", ")
    );
    spec(&yaml)
        .desired
        .all::<ManagedPolicy>()
        .next()
        .expect("one policy")
        .clone()
}

/// The GitHub OIDC provider as this stack manages it.
pub fn github_provider() -> crate::model::OidcProvider {
    spec(&format!("version: 1\nstack: {STACK}\ngithub: {{}}\n"))
        .desired
        .all::<OidcProvider>()
        .next()
        .expect("the provider")
        .clone()
}

#[cfg(test)]
mod builder_tests {
    use super::*;

    #[test]
    fn the_iam_builders_read_like_the_spec() {
        let r = role("ci", &["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert_eq!(r.policies, ["arn:aws:iam::aws:policy/ReadOnlyAccess"]);
        assert!(
            r.trust_policy
                .to_json_string()
                .contains("repo:betekk/app:*")
        );
        let p = push_policy("push", &["betekk-app"]);
        assert!(
            p.document
                .to_json_string()
                .contains("repository/betekk-app")
        );
        assert_eq!(
            github_provider().host(),
            "token.actions.githubusercontent.com"
        );
    }
}
