//! Access decided by an IAM policy simulator that is not ours. The emulator accepts any policy, so
//! after `apply` the documents it stored are read back and every question — GitHub tokens in both
//! subject forms, users, services, and what each role may do — is put to
//! `@cloud-copilot/iam-simulate` (tests/oracle/) and to `explain --live`; both must give the
//! expected decision. A property test then puts random tokens to both evaluators.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};

use betekk_ecr::access::{self, GithubToken, NamedPolicy};
use betekk_ecr::model::PolicyDocument;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use serde_json::{Value, json};

use crate::harness::*;

const HOST: &str = "token.actions.githubusercontent.com";
const UPLOAD: &str = "BETEKK-GithubWorkflowsUploadRole";
const DEPLOY: &str = "BETEKK-GithubWorkflowsLambdaDeployRole";
const LAMBDA: &str = "BETEKK-ProbeEngineLambdaRole";
const REPO: &str = "betekk-probe-engine";

/// Puts questions to the oracle; one answer (`Allowed`, `ImplicitlyDenied`, …) per question.
pub(crate) fn oracle(questions: &[Value]) -> Vec<String> {
    let dir = repo_root().join("tests/oracle");
    assert!(
        dir.join("node_modules").exists(),
        "the IAM oracle is not installed: run bash tests/oracle/install.sh (scripts/test does)"
    );
    let mut child = Command::new("node")
        .arg(dir.join("simulate.mjs"))
        .current_dir(&dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run node");
    let input = serde_json::to_vec(questions).unwrap();
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), &input).unwrap();
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "oracle failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answers: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    answers
        .iter()
        .map(|a| {
            assert!(a.get("error").is_none(), "oracle refused a policy: {a}");
            a["result"].as_str().unwrap().to_string()
        })
        .collect()
}

/// What apply stored, read back with plain SDK calls (not through the tool).
struct Stored {
    trust: BTreeMap<String, Value>,
    role_policies: BTreeMap<String, Vec<Value>>,
    user_policies: BTreeMap<String, Vec<Value>>,
    repository_policy: Value,
}

/// The default version of each policy, as stored (decoded).
pub async fn policy_documents(iam: &aws_sdk_iam::Client, arns: Vec<String>) -> Vec<Value> {
    let mut out = Vec::new();
    for arn in arns {
        let policy = iam.get_policy().policy_arn(&arn).send().await.unwrap();
        let version = policy
            .policy()
            .unwrap()
            .default_version_id()
            .unwrap()
            .to_string();
        let v = iam
            .get_policy_version()
            .policy_arn(&arn)
            .version_id(version)
            .send()
            .await
            .unwrap();
        let text = v.policy_version().unwrap().document().unwrap().to_string();
        out.push(PolicyDocument::parse(&text).unwrap().original().clone());
    }
    out
}

/// The documents of a role's or user's attached policies.
async fn attached_documents(
    iam: &aws_sdk_iam::Client,
    attached: &[aws_sdk_iam::types::AttachedPolicy],
) -> Vec<Value> {
    let arns = attached
        .iter()
        .map(|p| p.policy_arn().unwrap().to_string())
        .collect();
    policy_documents(iam, arns).await
}

async fn stored(acct: &Account) -> Stored {
    let iam = acct.raw_iam().await;
    let mut s = Stored {
        trust: BTreeMap::new(),
        role_policies: BTreeMap::new(),
        user_policies: BTreeMap::new(),
        repository_policy: Value::Null,
    };
    for role in [UPLOAD, DEPLOY, LAMBDA] {
        let r = iam.get_role().role_name(role).send().await.unwrap();
        let text = r.role().unwrap().assume_role_policy_document().unwrap();
        s.trust.insert(
            role.into(),
            PolicyDocument::parse(text).unwrap().original().clone(),
        );
        let attached = iam
            .list_attached_role_policies()
            .role_name(role)
            .send()
            .await
            .unwrap();
        let documents = attached_documents(&iam, attached.attached_policies()).await;
        s.role_policies.insert(role.into(), documents);
    }
    for user in ["deployer", "intruder"] {
        let attached = iam
            .list_attached_user_policies()
            .user_name(user)
            .send()
            .await
            .unwrap();
        let documents = attached_documents(&iam, attached.attached_policies()).await;
        s.user_policies.insert(user.into(), documents);
    }
    let ecr = acct.raw_ecr().await;
    let policy = ecr
        .get_repository_policy()
        .repository_name(REPO)
        .send()
        .await
        .unwrap();
    s.repository_policy = PolicyDocument::parse(policy.policy_text().unwrap())
        .unwrap()
        .original()
        .clone();
    s
}

/// A GitHub Actions token: what the oracle is told (claims written out here, independently of
/// the tool's token builder) and how `explain` is asked.
#[derive(Clone, Debug)]
struct Token {
    owner: &'static str,
    repo: &'static str,
    repository_id: Option<u64>,
    owner_id: Option<u64>,
    /// Ask the immutable form (needs both ids).
    immutable: bool,
    /// `ref:…`, `environment:…` or `pull_request`.
    suffix: &'static str,
    /// The environment claim when it differs from the suffix's.
    environment_claim: Option<&'static str>,
    aud: &'static str,
}

impl Token {
    fn legacy(owner: &'static str, repo: &'static str) -> Self {
        Token {
            owner,
            repo,
            repository_id: None,
            owner_id: None,
            immutable: false,
            suffix: "ref:refs/heads/main",
            environment_claim: None,
            aud: "sts.amazonaws.com",
        }
    }
    fn id(mut self, id: u64) -> Self {
        self.repository_id = Some(id);
        self
    }
    fn immutable(mut self, owner_id: u64) -> Self {
        self.owner_id = Some(owner_id);
        self.immutable = true;
        self
    }
    fn suffix(mut self, s: &'static str) -> Self {
        self.suffix = s;
        self
    }

    fn sub(&self) -> String {
        match (self.immutable, self.owner_id, self.repository_id) {
            (true, Some(o), Some(r)) => {
                format!("repo:{}@{o}/{}@{r}:{}", self.owner, self.repo, self.suffix)
            }
            _ => format!("repo:{}/{}:{}", self.owner, self.repo, self.suffix),
        }
    }

    fn context(&self) -> Value {
        let mut c = json!({
            format!("{HOST}:sub"): self.sub(),
            format!("{HOST}:aud"): self.aud,
            format!("{HOST}:repository"): format!("{}/{}", self.owner, self.repo),
            format!("{HOST}:ref"): "refs/heads/main",
        });
        if let Some(id) = self.repository_id {
            c[format!("{HOST}:repository_id")] = json!(id.to_string());
        }
        let env = self
            .environment_claim
            .or_else(|| self.suffix.strip_prefix("environment:"));
        if let Some(env) = env {
            c[format!("{HOST}:environment")] = json!(env);
        }
        c
    }

    fn explain_args(&self, role: &str) -> Vec<String> {
        let mut a = vec![
            "--github".to_string(),
            format!("{}/{}", self.owner, self.repo),
            "--role".into(),
            role.into(),
            "--audience".into(),
            self.aud.into(),
        ];
        if let Some(id) = self.repository_id {
            a.extend(["--repository-id".into(), id.to_string()]);
        }
        if let Some(id) = self.owner_id {
            a.extend(["--owner-id".into(), id.to_string()]);
        }
        if let Some(env) = self.suffix.strip_prefix("environment:") {
            a.extend(["--environment".into(), env.into()]);
        } else if self.suffix == "pull_request" {
            a.push("--pull-request".into());
        }
        if let Some(env) = self.environment_claim {
            a.extend(["--claim".into(), format!("environment={env}")]);
        }
        a
    }
}

enum Ask {
    Github(Token, &'static str),
    /// principal, action, role to assume
    Assume(String, &'static str, &'static str),
    /// principal (role name or service), action, resource (name or ARN), context
    Act(String, &'static str, String, Vec<(&'static str, String)>),
}

struct Question {
    name: &'static str,
    ask: Ask,
    allowed: bool,
}

fn q(name: &'static str, allowed: bool, ask: Ask) -> Question {
    Question { name, ask, allowed }
}

#[tokio::test]
async fn an_independent_simulator_agrees_with_the_expected_access_and_with_explain() {
    let acct = Account::new();
    let iam = acct.raw_iam().await;
    for user in ["deployer", "intruder"] {
        iam.create_user().user_name(user).send().await.unwrap();
    }
    let text =
        std::fs::read_to_string(repo_root().join("examples/probe-engine-access.yaml")).unwrap();
    let spec = acct.write_spec("spec.yaml", &text);
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    let s = stored(&acct).await;
    let a = &acct.id;
    let role_arn = |r: &str| format!("arn:aws:iam::{a}:role/{r}");
    let user = |u: &str| format!("arn:aws:iam::{a}:user/{u}");
    let function = |f: &str| format!("arn:aws:lambda:{REGION}:{a}:function:{f}");
    let passed = |svc: &str| vec![("iam:PassedToService", svc.to_string())];
    let source = |arn: String| vec![("aws:SourceArn", arn)];
    let t = Token::legacy;

    let questions = vec![
        q(
            "legacy subject of the old organization",
            true,
            Ask::Github(t("nus-cee", "probe-engine"), UPLOAD),
        ),
        q(
            "legacy subject of the new organization, a pull request",
            true,
            Ask::Github(t("betekk", "probe-engine").suffix("pull_request"), UPLOAD),
        ),
        q(
            "a prefix trick: probe-engine-evil",
            false,
            Ask::Github(t("betekk", "probe-engine-evil"), UPLOAD),
        ),
        q(
            "another organization",
            false,
            Ask::Github(t("evil", "probe-engine"), UPLOAD),
        ),
        q(
            "another repository",
            false,
            Ask::Github(t("betekk", "other"), UPLOAD),
        ),
        q(
            "a repository with id, legacy subject, right id",
            true,
            Ask::Github(t("betekk", "new-svc").id(987654321), UPLOAD),
        ),
        q(
            "a recycled name: legacy subject, another id",
            false,
            Ask::Github(t("betekk", "new-svc").id(111), UPLOAD),
        ),
        q(
            "a repository with id, token without repository_id",
            false,
            Ask::Github(t("betekk", "new-svc"), UPLOAD),
        ),
        q(
            "immutable subject, pinned owner id",
            true,
            Ask::Github(
                t("betekk", "new-svc").id(987654321).immutable(123456),
                UPLOAD,
            ),
        ),
        q(
            "immutable subject, another owner id",
            false,
            Ask::Github(t("betekk", "new-svc").id(987654321).immutable(999), UPLOAD),
        ),
        q(
            "immutable subject, owner without id in the spec",
            true,
            Ask::Github(t("nus-cee", "new-svc").id(987654321).immutable(777), UPLOAD),
        ),
        q(
            "immutable subject of a recycled name",
            false,
            Ask::Github(t("betekk", "new-svc").id(111).immutable(123456), UPLOAD),
        ),
        q(
            "wrong audience",
            false,
            Ask::Github(
                Token {
                    aud: "evil.example.com",
                    ..t("betekk", "probe-engine")
                },
                UPLOAD,
            ),
        ),
        q(
            "deploy role: a ref token lacks the environment claim",
            false,
            Ask::Github(t("betekk", "probe-engine").id(555000111), DEPLOY),
        ),
        q(
            "deploy role: environment prod",
            true,
            Ask::Github(
                t("betekk", "probe-engine")
                    .id(555000111)
                    .suffix("environment:prod"),
                DEPLOY,
            ),
        ),
        q(
            "deploy role: environment staging is no trusted subject",
            false,
            Ask::Github(
                t("betekk", "probe-engine")
                    .id(555000111)
                    .suffix("environment:staging"),
                DEPLOY,
            ),
        ),
        q(
            "deploy role: environment prod, another id",
            false,
            Ask::Github(
                t("betekk", "probe-engine")
                    .id(999)
                    .suffix("environment:prod"),
                DEPLOY,
            ),
        ),
        q(
            "deploy role: immutable subject, environment prod",
            true,
            Ask::Github(
                t("betekk", "probe-engine")
                    .id(555000111)
                    .immutable(123456)
                    .suffix("environment:prod"),
                DEPLOY,
            ),
        ),
        q(
            "deploy role: environment claim outside the claims",
            false,
            Ask::Github(
                Token {
                    environment_claim: Some("dev"),
                    ..t("betekk", "probe-engine")
                        .id(555000111)
                        .suffix("environment:prod")
                },
                DEPLOY,
            ),
        ),
        q(
            "upload role's token on the deploy role",
            false,
            Ask::Github(t("betekk", "new-svc").id(987654321), DEPLOY),
        ),
        q(
            "a GitHub token on the Lambda execution role",
            false,
            Ask::Github(t("betekk", "probe-engine"), LAMBDA),
        ),
        q(
            "the granted user assumes its role",
            true,
            Ask::Assume(user("deployer"), "sts:AssumeRole", DEPLOY),
        ),
        q(
            "the granted user on a role not granted",
            false,
            Ask::Assume(user("deployer"), "sts:AssumeRole", UPLOAD),
        ),
        q(
            "another user",
            false,
            Ask::Assume(user("intruder"), "sts:AssumeRole", DEPLOY),
        ),
        q(
            "the granted user on the Lambda role",
            false,
            Ask::Assume(user("deployer"), "sts:AssumeRole", LAMBDA),
        ),
        q(
            "Lambda assumes its execution role",
            true,
            Ask::Assume("lambda.amazonaws.com".into(), "sts:AssumeRole", LAMBDA),
        ),
        q(
            "EC2 on the Lambda execution role",
            false,
            Ask::Assume("ec2.amazonaws.com".into(), "sts:AssumeRole", LAMBDA),
        ),
        q(
            "Lambda on the upload role",
            false,
            Ask::Assume("lambda.amazonaws.com".into(), "sts:AssumeRole", UPLOAD),
        ),
        q(
            "upload role pushes",
            true,
            Ask::Act(role_arn(UPLOAD), "ecr:PutImage", REPO.into(), vec![]),
        ),
        q(
            "upload role logs in",
            true,
            Ask::Act(
                role_arn(UPLOAD),
                "ecr:GetAuthorizationToken",
                "*".into(),
                vec![],
            ),
        ),
        q(
            "upload role pushes to another repository",
            false,
            Ask::Act(
                role_arn(UPLOAD),
                "ecr:PutImage",
                format!("{REPO}-evil"),
                vec![],
            ),
        ),
        q(
            "upload role deletes the repository",
            false,
            Ask::Act(
                role_arn(UPLOAD),
                "ecr:DeleteRepository",
                REPO.into(),
                vec![],
            ),
        ),
        q(
            "upload role deletes images",
            false,
            Ask::Act(
                role_arn(UPLOAD),
                "ecr:BatchDeleteImage",
                REPO.into(),
                vec![],
            ),
        ),
        q(
            "upload role sets the repository policy",
            false,
            Ask::Act(
                role_arn(UPLOAD),
                "ecr:SetRepositoryPolicy",
                REPO.into(),
                vec![],
            ),
        ),
        q(
            "deploy role updates a stack function",
            true,
            Ask::Act(
                role_arn(DEPLOY),
                "lambda:UpdateFunctionCode",
                "betekk-probe-engine-api".into(),
                vec![],
            ),
        ),
        q(
            "deploy role creates a stack function",
            true,
            Ask::Act(
                role_arn(DEPLOY),
                "lambda:CreateFunction",
                "betekk-probe-engine-worker".into(),
                vec![],
            ),
        ),
        q(
            "deploy role updates another function",
            false,
            Ask::Act(
                role_arn(DEPLOY),
                "lambda:UpdateFunctionCode",
                "billing".into(),
                vec![],
            ),
        ),
        q(
            "deploy role passes the execution role to Lambda",
            true,
            Ask::Act(
                role_arn(DEPLOY),
                "iam:PassRole",
                LAMBDA.into(),
                passed("lambda.amazonaws.com"),
            ),
        ),
        q(
            "deploy role passes the execution role to EC2",
            false,
            Ask::Act(
                role_arn(DEPLOY),
                "iam:PassRole",
                LAMBDA.into(),
                passed("ec2.amazonaws.com"),
            ),
        ),
        q(
            "deploy role passes another role to Lambda",
            false,
            Ask::Act(
                role_arn(DEPLOY),
                "iam:PassRole",
                UPLOAD.into(),
                passed("lambda.amazonaws.com"),
            ),
        ),
        q(
            "deploy role pulls the image it deploys",
            true,
            Ask::Act(role_arn(DEPLOY), "ecr:BatchGetImage", REPO.into(), vec![]),
        ),
        q(
            "deploy role pushes",
            false,
            Ask::Act(role_arn(DEPLOY), "ecr:PutImage", REPO.into(), vec![]),
        ),
        q(
            "Lambda pulls for a stack function",
            true,
            Ask::Act(
                "lambda.amazonaws.com".into(),
                "ecr:BatchGetImage",
                REPO.into(),
                source(function("betekk-probe-engine-api")),
            ),
        ),
        q(
            "Lambda pulls for another function",
            false,
            Ask::Act(
                "lambda.amazonaws.com".into(),
                "ecr:BatchGetImage",
                REPO.into(),
                source(function("billing")),
            ),
        ),
        q(
            "Lambda pulls for another account's function",
            false,
            Ask::Act(
                "lambda.amazonaws.com".into(),
                "ecr:GetDownloadUrlForLayer",
                REPO.into(),
                source(format!(
                    "arn:aws:lambda:{REGION}:111122223333:function:betekk-probe-engine-api"
                )),
            ),
        ),
        q(
            "Lambda pushes",
            false,
            Ask::Act(
                "lambda.amazonaws.com".into(),
                "ecr:PutImage",
                REPO.into(),
                source(function("betekk-probe-engine-api")),
            ),
        ),
    ];
    assert!(questions.len() >= 30);

    // The oracle's questions, from the documents as stored.
    let repo_arn = |r: &str| {
        if r.starts_with("arn:") || r == "*" {
            r.to_string()
        } else {
            format!("arn:aws:ecr:{REGION}:{a}:repository/{r}")
        }
    };
    let oracle_questions: Vec<Value> = questions
        .iter()
        .map(|question| match &question.ask {
            Ask::Github(token, role) => json!({
                "principal": format!("arn:aws:iam::{a}:oidc-provider/{HOST}"),
                "action": "sts:AssumeRoleWithWebIdentity",
                "resource": role_arn(role),
                "context": token.context(),
                "identity": [],
                "resourcePolicy": s.trust[*role],
            }),
            Ask::Assume(principal, action, role) => {
                let identity = principal
                    .split_once(":user/")
                    .map(|(_, u)| s.user_policies[u].clone())
                    .unwrap_or_default();
                json!({"principal": principal, "action": action, "resource": role_arn(role),
                       "context": {}, "identity": identity, "resourcePolicy": s.trust[*role]})
            }
            Ask::Act(principal, action, resource, context) => {
                let identity = principal
                    .split_once(":role/")
                    .map(|(_, r)| s.role_policies[r].clone())
                    .unwrap_or_default();
                let (resource, policy) = match action.split(':').next().unwrap() {
                    "ecr" => {
                        let arn = repo_arn(resource);
                        let policy = if arn.ends_with(&format!("repository/{REPO}")) {
                            s.repository_policy.clone()
                        } else {
                            Value::Null
                        };
                        (arn, policy)
                    }
                    "iam" => (role_arn(resource), Value::Null),
                    _ => (function(resource), Value::Null),
                };
                let context: serde_json::Map<String, Value> = context
                    .iter()
                    .map(|(k, v)| (k.to_string(), json!(v)))
                    .collect();
                json!({"principal": principal, "action": action, "resource": resource,
                       "context": context, "identity": identity, "resourcePolicy": policy})
            }
        })
        .collect();
    let answers = oracle(&oracle_questions);

    let mut failures = Vec::new();
    for ((question, answer), oq) in questions.iter().zip(&answers).zip(&oracle_questions) {
        let oracle_allows = answer == "Allowed";
        if oracle_allows != question.allowed {
            failures.push(format!(
                "{}: the simulator says {answer}, expected allowed={} for {oq}",
                question.name, question.allowed
            ));
        }
        let mut args: Vec<String> = vec![
            "explain".into(),
            spec.into(),
            "--live".into(),
            "--output".into(),
            "json".into(),
        ];
        match &question.ask {
            Ask::Github(token, role) => args.extend(token.explain_args(role)),
            Ask::Assume(principal, action, role) => args.extend([
                "--principal".into(),
                principal.clone(),
                "--action".into(),
                action.to_string(),
                "--role".into(),
                role.to_string(),
            ]),
            Ask::Act(principal, action, resource, context) => {
                match principal.split_once(":role/") {
                    Some((_, role)) => args.extend(["--role".into(), role.to_string()]),
                    None => args.extend(["--principal".into(), principal.clone()]),
                }
                args.extend([
                    "--action".into(),
                    action.to_string(),
                    "--resource".into(),
                    resource.clone(),
                ]);
                for (k, v) in context {
                    args.extend(["--context".into(), format!("{k}={v}")]);
                }
            }
        }
        let refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = acct.run(&refs);
        let doc = run.json();
        let explained = match &question.ask {
            Ask::Github(token, _) => {
                let form = if token.immutable {
                    "immutable"
                } else {
                    "legacy"
                };
                let result = doc["results"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|r| r["subject_form"] == form);
                result
                    .map(|r| r["decision"] == "allowed")
                    .unwrap_or_else(|| panic!("{}: no {form} result in {doc}", question.name))
            }
            _ => doc["allowed"].as_bool().unwrap(),
        };
        if explained != oracle_allows {
            failures.push(format!(
                "{}: explain says allowed={explained}, the simulator {answer}:\n{}",
                question.name, run.stdout
            ));
        }
        assert_eq!(
            run.code,
            if doc["allowed"] == true { 0 } else { 3 },
            "{}",
            run.stderr
        );
    }
    assert!(
        failures.is_empty(),
        "{} of {} questions failed:\n{}",
        failures.len(),
        questions.len(),
        failures.join("\n")
    );
    eprintln!(
        "oracle: {} questions asked, {} agree with the expected decision and with explain",
        questions.len(),
        questions.len()
    );

    // Random tokens: the tool's evaluator and the simulator decide alike.
    let trust_docs: BTreeMap<String, PolicyDocument> = s
        .trust
        .iter()
        .map(|(k, v)| (k.clone(), PolicyDocument::from_json(v.clone()).unwrap()))
        .collect();
    let provider = format!("arn:aws:iam::{a}:oidc-provider/{HOST}");
    let token = (
        prop::sample::select(vec!["betekk", "nus-cee", "evil"]),
        prop::sample::select(vec![
            "probe-engine",
            "new-svc",
            "probe-engine-evil",
            "other",
        ]),
        prop::option::of(prop::sample::select(vec![987654321u64, 555000111, 111])),
        prop::option::of(prop::sample::select(vec![123456u64, 999])),
        prop::sample::select(vec![None, Some("prod"), Some("staging"), Some("dev")]),
        any::<bool>(),
        prop::sample::select(vec!["sts.amazonaws.com", "evil"]),
        prop::sample::select(vec!["refs/heads/main", "refs/heads/dev", "refs/tags/v1"]),
    )
        .prop_map(
            |(owner, repo, repository_id, owner_id, environment, pull_request, aud, git_ref)| {
                let mut t = GithubToken::parse(&format!("{owner}/{repo}")).unwrap();
                t.repository_id = repository_id;
                t.owner_id = owner_id;
                t.environment = environment.map(str::to_string);
                t.pull_request = pull_request;
                t.audience = aud.to_string();
                t.git_ref = Some(git_ref.to_string());
                t
            },
        );
    let mut runner = TestRunner::new(Config {
        cases: 3,
        ..Config::default()
    });
    let compared = std::cell::Cell::new(0);
    let allowed = std::cell::Cell::new(0);
    runner
        .run(&prop::collection::vec(token, 60), |tokens| {
            let mut ours = Vec::new();
            let mut asked = Vec::new();
            for t in &tokens {
                for role in [UPLOAD, DEPLOY] {
                    for (_, sub) in t.subjects() {
                        let request = t.request(&sub, &provider, HOST, &role_arn(role));
                        let trust = NamedPolicy {
                            name: role.into(),
                            document: &trust_docs[role],
                        };
                        ours.push(
                            access::evaluate(&request, &[], None, Some(&trust))
                                .decision
                                .allowed(),
                        );
                        let context: serde_json::Map<String, Value> = request
                            .context
                            .iter()
                            .map(|(k, v)| (k.clone(), json!(v[0])))
                            .collect();
                        asked.push(
                            json!({"principal": request.principal, "action": request.action,
                            "resource": request.resource, "context": context, "identity": [],
                            "resourcePolicy": s.trust[role]}),
                        );
                    }
                }
            }
            let theirs: Vec<bool> = oracle(&asked).iter().map(|a| a == "Allowed").collect();
            for ((o, t), q) in ours.iter().zip(&theirs).zip(&asked) {
                prop_assert_eq!(o, t, "explain and the simulator differ on {}", q);
            }
            compared.set(compared.get() + asked.len());
            allowed.set(allowed.get() + theirs.iter().filter(|a| **a).count());
            Ok(())
        })
        .unwrap();
    // Both outcomes occur, so equality says something.
    assert!(
        allowed.get() > 0 && allowed.get() < compared.get(),
        "{} of {} allowed",
        allowed.get(),
        compared.get()
    );
    eprintln!(
        "oracle: {} random token decisions compared ({} allowed), all equal",
        compared.get(),
        allowed.get()
    );
}

/// Cross-account replication is let in by the destination's registry policy alone (the source
/// replicates through ECR's service-linked role, which may replicate anywhere). After apply, the
/// policy as the emulator stored it is put to the simulator and to `explain --live`: both must
/// let exactly the source account replicate into the repositories the statement names.
#[tokio::test]
async fn the_stored_registry_policy_lets_exactly_the_source_account_replicate_in() {
    let dest = Account::new();
    let source = "arn:aws:iam::444455556666:root";
    let spec = dest.write_spec(
        "dr.yaml",
        &format!(
            "version: 1\nstack: dr\nproject_prefix: betekk\nregion: {REGION}\nregistry:\n  policy:\n\
             \x20   Version: \"2012-10-17\"\n    Statement:\n      - Sid: ReplicateFromProd\n\
             \x20       Effect: Allow\n        Principal: {{AWS: \"{source}\"}}\n\
             \x20       Action: [ecr:CreateRepository, ecr:ReplicateImage]\n\
             \x20       Resource: \"arn:aws:ecr:{REGION}:{{account}}:repository/betekk-*\"\n"
        ),
    );
    let spec = path_str(&spec);
    dest.run(&["apply", spec, "--yes"]).expect_code(0);
    let ecr = dest.raw_ecr().await;
    let stored: Value = serde_json::from_str(
        ecr.get_registry_policy()
            .send()
            .await
            .unwrap()
            .policy_text()
            .unwrap(),
    )
    .unwrap();
    // What the AWS managed policy of the replication role grants (ECRReplicationServiceRolePolicy).
    let replication_role = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"], "Resource": "*"}]});
    let other = "arn:aws:iam::777788889999:root";
    let cases = [
        (source, "ecr:ReplicateImage", "betekk-app", true),
        (source, "ecr:CreateRepository", "betekk-app", true),
        (other, "ecr:ReplicateImage", "betekk-app", false),
        (source, "ecr:ReplicateImage", "other-app", false),
    ];
    let questions: Vec<Value> = cases
        .iter()
        .map(|(principal, action, repo, _)| {
            json!({"principal": principal, "action": action,
                   "resource": format!("arn:aws:ecr:{REGION}:{}:repository/{repo}", dest.id),
                   "context": {}, "identity": [replication_role], "resourcePolicy": stored})
        })
        .collect();
    let answers = oracle(&questions);
    for ((principal, action, repo, allowed), answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer == "Allowed",
            *allowed,
            "the simulator says {answer} for {principal} {action} {repo}"
        );
        let run = dest.run(&[
            "explain",
            spec,
            "--live",
            "--output",
            "json",
            "--principal",
            principal,
            "--action",
            action,
            "--resource",
            repo,
        ]);
        let doc = run.json();
        assert_eq!(
            doc["allowed"], *allowed,
            "explain for {principal} {action} {repo}: {doc}"
        );
        run.expect_code(if *allowed { 0 } else { 3 });
    }
}

/// The registry policy scope, asked of the simulator: under V2 the registry policy is a resource
/// policy of every ECR request beside the repository's (one resource-side document holding both),
/// under V1 it is not consulted for pulls and pushes. A cross-account pull allowed only by a
/// registry statement, a push denied by a registry Deny, and the same statements under V1; each
/// decision must equal `explain --registry-policy-scope` (offline, no AWS call).
#[test]
fn the_registry_policy_scope_decides_pulls_and_pushes_as_the_simulator_does() {
    let acct = Account::new();
    let registry = json!({"Version": "2012-10-17", "Statement": [
        {"Sid": "PullFromAnalytics", "Effect": "Allow",
         "Principal": {"AWS": "arn:aws:iam::444455556666:root"},
         "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
         "Resource": format!("arn:aws:ecr:{REGION}:123456789012:repository/*")},
        {"Sid": "NoPushByCi", "Effect": "Deny",
         "Principal": {"AWS": "arn:aws:iam::123456789012:role/ci"},
         "Action": ["ecr:PutImage"],
         "Resource": format!("arn:aws:ecr:{REGION}:123456789012:repository/*")}]});
    let push = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": ["ecr:PutImage", "ecr:BatchGetImage"],
        "Resource": format!("arn:aws:ecr:{REGION}:123456789012:repository/app")}]});
    // The other account's own identity policy lets its reader pull (explain assumes it, and says so).
    let reader_own = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Action": "ecr:BatchGetImage", "Resource": "*"}]});
    let spec = acct.write_spec(
        "scope.yaml",
        &format!(
            "version: 1\nstack: scope\nregion: {REGION}\nrepositories:\n  - name: app\npolicies:\n  - name: push\n    statements:\n      - {{actions: [ecr:PutImage, ecr:BatchGetImage], resources: [\"arn:aws:ecr:{REGION}:{{account}}:repository/app\"]}}\nroles:\n  - name: ci\n    trust: {{services: [codebuild.amazonaws.com]}}\n    policies: [push]\nregistry:\n  policy: {registry}\n"
        ),
    );
    let spec = path_str(&spec);
    let repo = format!("arn:aws:ecr:{REGION}:123456789012:repository/app");
    let reader = "arn:aws:iam::444455556666:role/Reader";
    let ci = "arn:aws:iam::123456789012:role/ci";
    // (scope, principal, action, identity, allowed)
    let cases = [
        ("V2", reader, "ecr:BatchGetImage", &reader_own, true),
        ("V2", ci, "ecr:PutImage", &push, false),
        ("V1", reader, "ecr:BatchGetImage", &reader_own, false),
        ("V1", ci, "ecr:PutImage", &push, true),
    ];
    let questions: Vec<Value> = cases
        .iter()
        .map(|(scope, principal, action, identity, _)| {
            // V2: the registry's statements are part of the resource side; V1: they are not.
            let resource_policy = if *scope == "V2" {
                registry.clone()
            } else {
                Value::Null
            };
            json!({"principal": principal, "action": action, "resource": repo, "context": {},
                   "identity": [identity], "resourcePolicy": resource_policy})
        })
        .collect();
    let answers = oracle(&questions);
    for ((scope, principal, action, _, allowed), answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer == "Allowed",
            *allowed,
            "{scope}: the simulator says {answer} for {principal} {action}"
        );
        let mut args = vec![
            "explain",
            spec,
            "--output",
            "json",
            "--registry-policy-scope",
            scope,
            "--action",
            action,
            "--resource",
            "app",
        ];
        match principal.split_once(":role/") {
            Some((account, role)) if account.ends_with("123456789012") => {
                args.extend(["--role", role])
            }
            _ => args.extend(["--principal", principal]),
        }
        let run = acct.run(&args);
        let doc = run.json();
        assert_eq!(
            doc["allowed"], *allowed,
            "{scope}: explain for {principal} {action}: {doc}"
        );
    }
}

/// An organization that customized its OIDC subject (`include_claim_keys: [repo, context,
/// job_workflow_ref]`): the trust written for it, as stored, lets the right workflow of the right
/// repository in, and no other repository with the same claims, no other workflow and no token in
/// the default format. The simulator is given the tokens' claims written out here; `explain --live`
/// builds them from the spec's `subject_claims`; both must agree.
#[tokio::test]
async fn a_customized_subject_template_lets_in_the_right_workflow_only() {
    const ROLE: &str = "BETEKK-CustomizedRole";
    const WORKFLOW: &str = "octo-org/workflows/.github/workflows/deploy.yml@refs/heads/main";
    let acct = Account::new();
    let spec = acct.write_spec(
        "customized.yaml",
        &format!(
            "version: 1\nstack: customized\nregion: {REGION}\ngithub:\n  organizations:\n    - {{name: octo-org, id: 5, subject_claims: [repo, context, job_workflow_ref]}}\nroles:\n  - name: {ROLE}\n    github_trust:\n      repositories: [{{name: app, id: 9}}]\n      subjects: [\"environment:prod\"]\n      claims: {{job_workflow_ref: \"{WORKFLOW}\"}}\n"
        ),
    );
    let spec = path_str(&spec);
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);
    let iam = acct.raw_iam().await;
    let r = iam.get_role().role_name(ROLE).send().await.unwrap();
    let trust = PolicyDocument::parse(r.role().unwrap().assume_role_policy_document().unwrap())
        .unwrap()
        .original()
        .clone();
    let subs = trust["Statement"][0]["Condition"]["StringLike"][format!("{HOST}:sub")].clone();
    assert_eq!(
        subs,
        json!([
            format!("repo:octo-org/app:environment:prod:job_workflow_ref:{WORKFLOW}"),
            format!("repo:octo-org@5/app@9:environment:prod:job_workflow_ref:{WORKFLOW}")
        ]),
        "{trust}"
    );
    let a = &acct.id;
    // (name, repository, repository id, workflow, sub in the default format, allowed)
    let cases = [
        (
            "the right workflow of the right repository",
            "app",
            9,
            WORKFLOW,
            false,
            true,
        ),
        (
            "another repository with the same claims",
            "other",
            10,
            WORKFLOW,
            false,
            false,
        ),
        (
            "another workflow of the right repository",
            "app",
            9,
            "octo-org/app/.github/workflows/evil.yml@refs/heads/main",
            false,
            false,
        ),
        (
            "a token in the default format",
            "app",
            9,
            WORKFLOW,
            true,
            false,
        ),
    ];
    let questions: Vec<Value> = cases
        .iter()
        .map(|(_, repo, id, workflow, default_format, _)| {
            let sub = if *default_format {
                format!("repo:octo-org/{repo}:environment:prod")
            } else {
                format!("repo:octo-org/{repo}:environment:prod:job_workflow_ref:{workflow}")
            };
            json!({
                "principal": format!("arn:aws:iam::{a}:oidc-provider/{HOST}"),
                "action": "sts:AssumeRoleWithWebIdentity",
                "resource": format!("arn:aws:iam::{a}:role/{ROLE}"),
                "context": {
                    format!("{HOST}:sub"): sub,
                    format!("{HOST}:aud"): "sts.amazonaws.com",
                    format!("{HOST}:repository"): format!("octo-org/{repo}"),
                    format!("{HOST}:repository_id"): id.to_string(),
                    format!("{HOST}:environment"): "prod",
                    format!("{HOST}:job_workflow_ref"): workflow,
                },
                "identity": [],
                "resourcePolicy": trust,
            })
        })
        .collect();
    let answers = oracle(&questions);
    for ((name, repo, id, workflow, default_format, allowed), answer) in cases.iter().zip(&answers)
    {
        assert_eq!(
            answer == "Allowed",
            *allowed,
            "{name}: the simulator says {answer}"
        );
        let id = id.to_string();
        let github = format!("octo-org/{repo}");
        let mut args = vec![
            "explain",
            spec,
            "--live",
            "--output",
            "json",
            "--github",
            &github,
            "--repository-id",
            &id,
            "--environment",
            "prod",
            "--workflow-ref",
            workflow,
            "--role",
            ROLE,
        ];
        if *default_format {
            args.extend(["--subject-claims", "repo,context"]);
        }
        let run = acct.run(&args);
        let doc = run.json();
        assert_eq!(doc["allowed"], *allowed, "{name}: explain says {doc}");
        if !default_format {
            assert!(
                doc["results"][0]["sub"]
                    .as_str()
                    .unwrap()
                    .ends_with(&format!(":job_workflow_ref:{workflow}")),
                "{name}: {doc}"
            );
        }
    }
}

/// With a GitHub Enterprise Server issuer, `explain` asks with that issuer's condition keys
/// (`HOST/_services/token:sub`), offline: the trusted repository is let in, another is not.
#[test]
fn explain_uses_the_github_enterprise_server_issuer() {
    let acct = Account::new();
    let spec = acct.write_spec(
        "ghes.yaml",
        "version: 1\nstack: ghes\ngithub:\n  organizations: [octo-org]\n  oidc_provider: {url: \"https://ghes.example.com/_services/token\"}\nroles:\n  - name: R\n    github_trust: {repositories: [app], subjects: [\"ref:refs/heads/main\"]}\n",
    );
    let spec = path_str(&spec);
    for (repo, allowed) in [("octo-org/app", true), ("octo-org/other", false)] {
        let run = acct.run(&["explain", spec, "--output", "json", "--github", repo]);
        let doc = run.json();
        assert_eq!(doc["allowed"], allowed, "{repo}: {doc}");
        assert_eq!(run.code, if allowed { 0 } else { 3 }, "{}", run.stderr);
        let text = doc.to_string();
        assert!(
            text.contains("ghes.example.com/_services/token"),
            "{repo}: {doc}"
        );
    }
}

/// Managed signing runs as the pusher: after apply, the push policy stored for a role that pushes
/// to a repository a signing rule covers (the spec's own, and a foreign one set beside it) lets the
/// role sign with exactly those profiles, as the simulator decides; a profile no rule names, or a
/// rule that covers no pushed repository, is not allowed. `explain` agrees, offline and live.
#[tokio::test]
async fn a_push_role_may_sign_with_exactly_the_profiles_whose_rules_cover_its_repositories() {
    const ROLE: &str = "BETEKK-SigningPushRole";
    let acct = Account::new();
    let profile = |name: &str| {
        format!(
            "arn:aws:signer:{REGION}:{}:/signing-profiles/{name}",
            acct.id
        )
    };
    // A rule set by another team beside the spec's own, and one that covers nothing pushed.
    let ecr = acct.raw_ecr().await;
    let rule = |name: &str, filter: &str| {
        aws_sdk_ecr::types::SigningRule::builder()
            .signing_profile_arn(profile(name))
            .repository_filters(
                aws_sdk_ecr::types::SigningRepositoryFilter::builder()
                    .filter(filter)
                    .filter_type(aws_sdk_ecr::types::SigningRepositoryFilterType::WildcardMatch)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    };
    ecr.put_signing_configuration()
        .signing_configuration(
            aws_sdk_ecr::types::SigningConfiguration::builder()
                .rules(rule("platform", "betekk-signed*"))
                .rules(rule("elsewhere", "other-*"))
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let spec = acct.write_spec(
        "signing.yaml",
        &format!(
            "version: 1\nstack: signing\nregion: {REGION}\nrepositories:\n  - name: \"{{prefix}}-signed\"\n\
             policies:\n  - name: \"{{PREFIX}}-SigningPushPolicy\"\n    ecr_push: [\"{{prefix}}-signed\"]\n\
             roles:\n  - name: {ROLE}\n    trust:\n      services: [codebuild.amazonaws.com]\n    \
             policies: [\"{{PREFIX}}-SigningPushPolicy\"]\n\
             registry:\n  signing:\n    - signing_profile: betekk_images\n      repositories: [\"{{prefix}}-*\"]\n"
        ),
    );
    let spec = path_str(&spec);
    let plan = acct.run(&["plan", spec, "--output", "json"]).json();
    let policy_change = plan["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["address"] == "policy.BETEKK-SigningPushPolicy")
        .expect("the push policy is planned");
    assert!(
        policy_change["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n.as_str().unwrap().contains(&profile("platform"))),
        "the foreign rule is named as the reason: {policy_change}"
    );
    acct.run(&["apply", spec, "--yes"]).expect_code(0);
    acct.run(&["plan", spec, "--detailed-exitcode"])
        .expect_code(0);

    // Both rules kept, the stack's beside the foreign ones.
    let live = ecr.get_signing_configuration().send().await.unwrap();
    let profiles: Vec<String> = live
        .signing_configuration()
        .unwrap()
        .rules()
        .iter()
        .map(|r| r.signing_profile_arn().to_string())
        .collect();
    assert_eq!(
        profiles,
        [
            profile("platform"),
            profile("elsewhere"),
            profile("betekk_images")
        ]
    );

    let iam = acct.raw_iam().await;
    let attached = iam
        .list_attached_role_policies()
        .role_name(ROLE)
        .send()
        .await
        .unwrap();
    let identity = attached_documents(&iam, attached.attached_policies()).await;
    let principal = format!("arn:aws:iam::{}:role/{ROLE}", acct.id);
    let cases = [
        (profile("betekk_images"), true),
        (profile("platform"), true),
        (profile("elsewhere"), false),
        (profile("unrelated"), false),
    ];
    let questions: Vec<Value> = cases
        .iter()
        .map(|(resource, _)| {
            json!({"principal": principal, "action": "signer:SignPayload", "resource": resource,
                   "context": {}, "identity": identity, "resourcePolicy": Value::Null})
        })
        .collect();
    let answers = oracle(&questions);
    for ((resource, allowed), answer) in cases.iter().zip(&answers) {
        assert_eq!(
            answer == "Allowed",
            *allowed,
            "the simulator says {answer} for signer:SignPayload on {resource}"
        );
        let live = acct
            .run(&[
                "explain",
                spec,
                "--live",
                "--output",
                "json",
                "--role",
                ROLE,
                "--action",
                "signer:SignPayload",
                "--resource",
                resource,
            ])
            .json();
        assert_eq!(
            live["allowed"], *allowed,
            "explain --live on {resource}: {live}"
        );
    }
    // Offline, only the spec's own rule is known.
    let offline = acct
        .run(&[
            "explain",
            spec,
            "--output",
            "json",
            "--account",
            &acct.id,
            "--role",
            ROLE,
            "--action",
            "signer:SignPayload",
            "--resource",
            &profile("betekk_images"),
        ])
        .json();
    assert_eq!(offline["allowed"], true, "explain offline: {offline}");
}
