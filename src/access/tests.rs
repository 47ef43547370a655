//! The evaluator's rules, one case each, and `explain`'s view of the example spec.

use serde_json::json;

use super::view::AccessView;
use super::*;
use crate::model::{Env, PolicyDocument, Resource};
use crate::testing::*;

const ACCT: &str = "123456789012";

fn doc(statements: serde_json::Value) -> PolicyDocument {
    PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": statements})).unwrap()
}

fn named(d: &PolicyDocument) -> NamedPolicy<'_> {
    NamedPolicy {
        name: "p".into(),
        document: d,
    }
}

fn user(u: &str) -> String {
    format!("arn:aws:iam::{ACCT}:user/{u}")
}

const REPO_ARN: &str = "arn:aws:ecr:ap-southeast-1:123456789012:repository/app";

#[test]
fn identity_policies_grant_in_their_account_and_an_explicit_deny_wins() {
    let allow = doc(json!([{"Effect": "Allow", "Action": "ecr:*", "Resource": REPO_ARN}]));
    let deny = doc(
        json!([{"Sid": "NoDelete", "Effect": "Deny", "Action": "ecr:Delete*", "Resource": "*"}]),
    );
    let ask = |action: &str| Request::new(&user("u"), action, REPO_ARN);
    assert_eq!(
        evaluate(&ask("ecr:PutImage"), &[named(&allow)], None, None).decision,
        Decision::Allowed
    );
    let e = evaluate(
        &ask("ecr:DeleteRepository"),
        &[named(&allow), named(&deny)],
        None,
        None,
    );
    assert_eq!(e.decision, Decision::ExplicitlyDenied);
    assert!(e.summary.contains("NoDelete"), "{}", e.summary);
    assert_eq!(
        evaluate(&ask("s3:GetObject"), &[named(&allow)], None, None).decision,
        Decision::Denied
    );
}

#[test]
fn not_action_and_not_resource_invert_the_match() {
    let d = doc(
        json!([{"Effect": "Allow", "NotAction": "ecr:Delete*", "NotResource": "arn:aws:ecr:*:*:repository/secret"}]),
    );
    let ask = |action: &str, resource: &str| {
        evaluate(
            &Request::new(&user("u"), action, resource),
            &[named(&d)],
            None,
            None,
        )
        .decision
    };
    assert_eq!(ask("ecr:PutImage", REPO_ARN), Decision::Allowed);
    assert_eq!(ask("ecr:DeleteRepository", REPO_ARN), Decision::Denied);
    assert_eq!(
        ask(
            "ecr:PutImage",
            "arn:aws:ecr:ap-southeast-1:123456789012:repository/secret"
        ),
        Decision::Denied
    );
}

#[test]
fn condition_operators_qualifiers_and_missing_keys() {
    let with = |condition: serde_json::Value| {
        doc(json!([{"Effect": "Allow", "Action": "a:b", "Resource": "*", "Condition": condition}]))
    };
    let ask = |d: &PolicyDocument, ctx: &[(&str, &str)]| {
        let mut r = Request::new(&user("u"), "a:b", "*");
        for (k, v) in ctx {
            r = r.with(k, v);
        }
        evaluate(&r, &[named(d)], None, None).decision.allowed()
    };
    type Case<'a> = (&'a str, serde_json::Value, Vec<(&'a str, &'a str)>, bool);
    let cases: Vec<Case> = vec![
        (
            "StringEquals matches",
            json!({"StringEquals": {"k:x": "v"}}),
            vec![("k:x", "v")],
            true,
        ),
        (
            "StringEquals is case-sensitive in values",
            json!({"StringEquals": {"k:x": "v"}}),
            vec![("k:x", "V")],
            false,
        ),
        (
            "keys are case-insensitive",
            json!({"StringEquals": {"K:X": "v"}}),
            vec![("k:x", "v")],
            true,
        ),
        (
            "a missing key fails",
            json!({"StringEquals": {"k:x": "v"}}),
            vec![],
            false,
        ),
        (
            "IfExists passes a missing key",
            json!({"StringEqualsIfExists": {"k:x": "v"}}),
            vec![],
            true,
        ),
        (
            "IfExists still checks a present key",
            json!({"StringEqualsIfExists": {"k:x": "v"}}),
            vec![("k:x", "w")],
            false,
        ),
        (
            "StringNotEquals with a missing key holds",
            json!({"StringNotEquals": {"k:x": "v"}}),
            vec![],
            true,
        ),
        (
            "StringNotLike against every value",
            json!({"StringNotLike": {"k:x": ["a*", "b*"]}}),
            vec![("k:x", "bc")],
            false,
        ),
        (
            "StringLike wildcards",
            json!({"StringLike": {"k:x": "repo:o/*"}}),
            vec![("k:x", "repo:o/r:ref")],
            true,
        ),
        (
            "ArnLike",
            json!({"ArnLike": {"aws:SourceArn": "arn:aws:lambda:*:123456789012:function:f-*"}}),
            vec![(
                "aws:sourcearn",
                "arn:aws:lambda:x:123456789012:function:f-1",
            )],
            true,
        ),
        (
            "Bool",
            json!({"Bool": {"aws:SecureTransport": "true"}}),
            vec![("aws:securetransport", "true")],
            true,
        ),
        (
            "Null true wants the key absent",
            json!({"Null": {"k:x": "true"}}),
            vec![("k:x", "v")],
            false,
        ),
        (
            "Null false wants it present",
            json!({"Null": {"k:x": "false"}}),
            vec![("k:x", "v")],
            true,
        ),
        (
            "ForAllValues holds on a missing key",
            json!({"ForAllValues:StringEquals": {"k:x": "v"}}),
            vec![],
            true,
        ),
        (
            "ForAnyValue fails on a missing key",
            json!({"ForAnyValue:StringEquals": {"k:x": "v"}}),
            vec![],
            false,
        ),
        (
            "keys within an operator are ANDed",
            json!({"StringEquals": {"k:x": "v", "k:y": "w"}}),
            vec![("k:x", "v")],
            false,
        ),
        (
            "an unsupported operator never grants",
            json!({"NumericLessThan": {"k:n": "5"}}),
            vec![("k:n", "1")],
            false,
        ),
    ];
    for (name, condition, ctx, want) in cases {
        assert_eq!(ask(&with(condition), &ctx), want, "{name}");
    }
    // An unsupported operator lets a Deny apply (never grants by accident).
    let allow = doc(json!([{"Effect": "Allow", "Action": "a:b", "Resource": "*"}]));
    let deny = doc(
        json!([{"Effect": "Deny", "Action": "a:b", "Resource": "*", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01T00:00:00Z"}}}]),
    );
    let r = Request::new(&user("u"), "a:b", "*");
    assert_eq!(
        evaluate(&r, &[named(&allow), named(&deny)], None, None).decision,
        Decision::ExplicitlyDenied
    );
}

#[test]
fn assuming_a_role_needs_its_trust_and_an_account_principal_needs_the_identity_side_too() {
    let role = format!("arn:aws:iam::{ACCT}:role/R");
    let trust_user = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": user("deployer")}, "Action": "sts:AssumeRole"}]),
    );
    let trust_account =
        doc(json!([{"Effect": "Allow", "Principal": {"AWS": ACCT}, "Action": "sts:AssumeRole"}]));
    let identity = doc(json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": role}]));
    let ask = |who: &str, ids: &[NamedPolicy], trust: &PolicyDocument| {
        evaluate(
            &Request::new(who, "sts:AssumeRole", &role),
            ids,
            None,
            Some(&named(trust)),
        )
        .decision
        .allowed()
    };
    assert!(
        ask(&user("deployer"), &[], &trust_user),
        "named in the trust: enough in its account"
    );
    assert!(
        !ask(&user("other"), &[named(&identity)], &trust_user),
        "an identity policy alone is not"
    );
    assert!(ask(&user("other"), &[named(&identity)], &trust_account));
    assert!(
        !ask(&user("other"), &[], &trust_account),
        "the account in the trust needs the identity side"
    );
    let foreign = "arn:aws:iam::111122223333:user/deployer";
    let trust_foreign = doc(
        json!([{"Effect": "Allow", "Principal": {"AWS": foreign}, "Action": "sts:AssumeRole"}]),
    );
    assert!(
        !ask(foreign, &[], &trust_foreign),
        "across accounts both sides must allow"
    );
    assert!(ask(foreign, &[named(&identity)], &trust_foreign));
}

#[test]
fn services_and_web_identities_are_decided_by_the_resource_policy_alone() {
    let policy = doc(
        json!([{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "ecr:BatchGetImage",
        "Condition": {"StringLike": {"aws:sourceArn": "arn:aws:lambda:ap-southeast-1:123456789012:function:app-*"}}}]),
    );
    let ask = |who: &str, fun: &str| {
        let r = Request::new(who, "ecr:BatchGetImage", REPO_ARN).with(
            "aws:SourceArn",
            &format!("arn:aws:lambda:ap-southeast-1:123456789012:function:{fun}"),
        );
        evaluate(&r, &[], None, Some(&named(&policy)))
            .decision
            .allowed()
    };
    assert!(ask("lambda.amazonaws.com", "app-api"));
    assert!(!ask("lambda.amazonaws.com", "billing"));
    assert!(!ask("ec2.amazonaws.com", "app-api"));
}

#[test]
fn a_permissions_boundary_limits_what_identity_policies_grant() {
    let role = format!("arn:aws:iam::{ACCT}:role/R");
    let allow = doc(json!([{"Effect": "Allow", "Action": "ecr:*", "Resource": "*"}]));
    let boundary =
        doc(json!([{"Effect": "Allow", "Action": "ecr:BatchGetImage", "Resource": "*"}]));
    let ask = |action: &str| {
        evaluate(
            &Request::new(&role, action, REPO_ARN),
            &[named(&allow)],
            Some(&named(&boundary)),
            None,
        )
        .decision
        .allowed()
    };
    assert!(ask("ecr:BatchGetImage"));
    assert!(!ask("ecr:PutImage"));
}

#[test]
fn explain_reads_the_example_spec_as_aws_would() {
    let s = spec(include_str!("../../examples/probe-engine-access.yaml"));
    let env = Env::placeholder(REGION);
    let bound: Vec<Resource> = s.desired.resources.iter().map(|r| r.bind(&env)).collect();
    let view = AccessView::new(env, "token.actions.githubusercontent.com", bound.iter());
    let mut token = GithubToken::parse("betekk/new-svc").unwrap();
    token.repository_id = Some(987654321);
    token.owner_id = Some(123456);
    let results = view.github(&token, None).unwrap();
    let upload: Vec<_> = results
        .iter()
        .filter(|r| r.role == "BETEKK-GithubWorkflowsUploadRole")
        .collect();
    assert_eq!(upload.len(), 2, "both subject forms");
    assert!(upload.iter().all(|r| r.evaluation.decision.allowed()));
    // A recycled name: the reason names the id.
    token.repository_id = Some(111);
    let results = view
        .github(&token, Some("BETEKK-GithubWorkflowsUploadRole"))
        .unwrap();
    assert!(results.iter().all(|r| !r.evaluation.decision.allowed()));
    assert!(
        results[0]
            .evaluation
            .summary
            .contains(r#"repository_id "111" ≠ "987654321""#),
        "{}",
        results[0].evaluation.summary
    );
    assert!(
        results[0]
            .evaluation
            .summary
            .contains(r#"sub "repo:betekk/new-svc:ref:refs/heads/main" matches"#),
        "{}",
        results[0].evaluation.summary
    );
    // The granted user, PassRole only to Lambda.
    let ctx = |k: &str, v: &str| [(k.to_string(), v.to_string())].into_iter().collect();
    let none = Default::default();
    assert!(
        view.principal(
            &user("deployer"),
            "sts:AssumeRole",
            "BETEKK-GithubWorkflowsLambdaDeployRole",
            &none
        )
        .unwrap()
        .evaluation
        .decision
        .allowed()
    );
    let deploy = format!("arn:aws:iam::{ACCT}:role/BETEKK-GithubWorkflowsLambdaDeployRole");
    assert!(
        view.principal(
            &deploy,
            "iam:PassRole",
            "BETEKK-ProbeEngineLambdaRole",
            &ctx("iam:PassedToService", "lambda.amazonaws.com")
        )
        .unwrap()
        .evaluation
        .decision
        .allowed()
    );
    assert!(
        !view
            .principal(
                &deploy,
                "iam:PassRole",
                "BETEKK-ProbeEngineLambdaRole",
                &ctx("iam:PassedToService", "ec2.amazonaws.com")
            )
            .unwrap()
            .evaluation
            .decision
            .allowed()
    );
    // A role outside the spec is noted, not guessed.
    let answer = view
        .principal(
            "arn:aws:iam::123456789012:role/Elsewhere",
            "ecr:PutImage",
            "betekk-probe-engine",
            &none,
        )
        .unwrap();
    assert_eq!(
        answer.notes,
        ["role Elsewhere is not in the spec: no identity policies evaluated"]
    );
    // So is a policy outside the spec that a spec role attaches: what the spec's policies
    // grant is still decided, the unknown one named.
    let outside = "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPowerUser";
    let mut view = view;
    view.roles
        .get_mut("BETEKK-GithubWorkflowsLambdaDeployRole")
        .unwrap()
        .policies
        .push(outside.into());
    let answer = view
        .principal(
            &deploy,
            "iam:PassRole",
            "BETEKK-ProbeEngineLambdaRole",
            &ctx("iam:PassedToService", "lambda.amazonaws.com"),
        )
        .unwrap();
    assert!(answer.evaluation.decision.allowed());
    assert_eq!(
        answer.notes,
        [format!(
            "policy {outside} is not in the spec; its statements were not evaluated"
        )]
    );
}

/// Cross-account replication is decided by the destination's registry policy: `explain` bound
/// to the destination account reads the spec's `registry.policy` for the replication actions.
#[test]
fn the_registry_policy_decides_who_may_replicate_into_this_account() {
    let s = spec(
        "version: 1\nstack: dr\nregion: ap-southeast-1\nregistry:\n  policy:\n    Version: \"2012-10-17\"\n    Statement:\n\
         \x20     - Sid: ReplicateFromProd\n        Effect: Allow\n        Principal: {AWS: \"arn:aws:iam::444455556666:root\"}\n\
         \x20       Action: [ecr:CreateRepository, ecr:ReplicateImage]\n        Resource: \"arn:aws:ecr:ap-southeast-1:{account}:repository/betekk-*\"\n",
    );
    let env = Env::placeholder(REGION);
    let bound: Vec<Resource> = s.desired.resources.iter().map(|r| r.bind(&env)).collect();
    let view = AccessView::new(env, "token.actions.githubusercontent.com", bound.iter());
    let none = Default::default();
    let ask = |principal: &str, action: &str, repo: &str| {
        view.principal(principal, action, repo, &none).unwrap()
    };
    let prod = "arn:aws:iam::444455556666:root";
    for action in ["ecr:ReplicateImage", "ecr:CreateRepository"] {
        let answer = ask(prod, action, "betekk-app");
        assert!(answer.evaluation.decision.allowed(), "{answer:#?}");
        assert!(
            answer.evaluation.summary.contains("registry policy")
                || answer
                    .evaluation
                    .statements
                    .iter()
                    .any(|s| s.policy == "registry policy"),
            "{answer:#?}"
        );
        assert!(answer.notes.iter().any(|n| n.contains("service-linked")));
    }
    // Another account, a repository outside the statement's resources, another action: denied.
    assert!(
        !ask(
            "arn:aws:iam::777788889999:root",
            "ecr:ReplicateImage",
            "betekk-app"
        )
        .evaluation
        .decision
        .allowed()
    );
    assert!(
        !ask(prod, "ecr:ReplicateImage", "other-app")
            .evaluation
            .decision
            .allowed()
    );
    assert!(
        !ask(prod, "ecr:BatchImportUpstreamImage", "betekk-app")
            .evaluation
            .decision
            .allowed()
    );
    // Without registry.policy nothing lets another account in, and the answer says why.
    let empty =
        spec("version: 1\nstack: dr\nregion: ap-southeast-1\nrepositories: [{name: betekk-app}]\n");
    let env = Env::placeholder(REGION);
    let bound: Vec<Resource> = empty
        .desired
        .resources
        .iter()
        .map(|r| r.bind(&env))
        .collect();
    let view = AccessView::new(env, "token.actions.githubusercontent.com", bound.iter());
    let answer = view
        .principal(prod, "ecr:ReplicateImage", "betekk-app", &none)
        .unwrap();
    assert!(!answer.evaluation.decision.allowed());
    assert!(
        answer
            .notes
            .iter()
            .any(|n| n.contains("no registry.policy")),
        "{answer:#?}"
    );
}

/// Under the V2 registry policy scope (every registry's default) the registry policy is a resource
/// policy for every ECR action beside the repository's own: a registry statement lets another
/// account pull, a registry Deny stops a push. Under V1 the same statements decide replication
/// and pull through cache only.
#[test]
fn the_registry_policy_governs_every_ecr_action_under_scope_v2_and_only_replication_under_v1() {
    let s = spec(
        "version: 1\nstack: scope\nregion: ap-southeast-1\nrepositories:\n  - name: app\npolicies:\n  - name: push\n    ecr_push: [app]\nroles:\n  - name: ci\n    trust: {services: [codebuild.amazonaws.com]}\n    policies: [push]\nregistry:\n  policy:\n    Version: \"2012-10-17\"\n    Statement:\n\
         \x20     - Sid: PullFromAnalytics\n        Effect: Allow\n        Principal: {AWS: \"arn:aws:iam::444455556666:root\"}\n\
         \x20       Action: [ecr:BatchGetImage, ecr:GetDownloadUrlForLayer]\n        Resource: \"arn:aws:ecr:ap-southeast-1:{account}:repository/*\"\n\
         \x20     - Sid: NoPushOnFridays\n        Effect: Deny\n        Principal: {AWS: \"arn:aws:iam::{account}:role/ci\"}\n\
         \x20       Action: [ecr:PutImage]\n        Resource: \"arn:aws:ecr:ap-southeast-1:{account}:repository/*\"\n",
    );
    let env = Env::placeholder(REGION);
    let bound: Vec<Resource> = s.desired.resources.iter().map(|r| r.bind(&env)).collect();
    let mut view = AccessView::new(env, "token.actions.githubusercontent.com", bound.iter());
    let none = Default::default();
    let analytics = "arn:aws:iam::444455556666:role/Reader";
    let ci = "arn:aws:iam::123456789012:role/ci";

    // V2 (the default): the registry statement lets the other account pull; the Deny wins.
    let pull = view
        .principal(analytics, "ecr:BatchGetImage", "app", &none)
        .unwrap();
    assert!(pull.evaluation.decision.allowed(), "{pull:#?}");
    assert!(
        pull.notes
            .iter()
            .any(|n| n.contains("444455556666") && n.contains("cannot be read here")),
        "the other account's own side is named: {:?}",
        pull.notes
    );
    let push = view.principal(ci, "ecr:PutImage", "app", &none).unwrap();
    assert_eq!(
        push.evaluation.decision,
        crate::access::evaluate::Decision::ExplicitlyDenied,
        "{push:#?}"
    );

    // V1: the same statements do not apply to pulls and pushes.
    view.registry_policy_scope = crate::access::view::RegistryPolicyScope::V1;
    let pull = view
        .principal(analytics, "ecr:BatchGetImage", "app", &none)
        .unwrap();
    assert!(!pull.evaluation.decision.allowed(), "{pull:#?}");
    let push = view.principal(ci, "ecr:PutImage", "app", &none).unwrap();
    assert!(push.evaluation.decision.allowed(), "{push:#?}");
}
