//! The spec's access fields: repository and owner ids, claims, `trust:`, grants in the trust,
//! `lambda_deploy` execution roles and image pull, and `lambda_pull` — errors, documents, sizes.

use serde_json::json;

use crate::model::{Env, Role};
use crate::model::{ManagedPolicy, Repository};
use crate::testing::*;

const HOST: &str = "token.actions.githubusercontent.com";

/// A spec with a deploy policy and the roles given (YAML list items, indented 2).
fn with_roles(roles: &str, extra: &str) -> String {
    format!(
        "version: 1\nstack: test\npolicies:\n  - name: \"{{prefix}}-deploy\"\n    lambda_deploy: {{functions: [\"{{prefix}}-fn-*\"]}}\nroles:\n{roles}{extra}"
    )
}

fn role(yaml: &str, name: &str) -> Role {
    spec(yaml)
        .desired
        .all::<Role>()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("no role {name}"))
        .clone()
}

fn bound(role: &Role) -> serde_json::Value {
    role.trust_policy
        .bind(&Env::placeholder(REGION))
        .original()
        .clone()
}

#[test]
fn each_access_mistake_is_reported_with_position_field_and_what_is_allowed() {
    let gh = |body: &str| with_roles(&format!("  - name: r\n    github_trust:\n{body}"), "");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "a repository id that is not digits",
            gh("      repositories: [{name: app, id: \"12a\"}]\n"),
            vec![r#"test.yaml:9:34: roles[0].github_trust.repositories[0].id: expected GitHub's numeric id (digits only, e.g. `gh api repos/ORG/REPO --jq .id`), got "12a""#],
        ),
        (
            "a negative repository id",
            gh("      repositories: [{name: app, id: -5}]\n"),
            vec![r#"test.yaml:9:34: roles[0].github_trust.repositories[0].id: expected GitHub's numeric id (digits only, e.g. `gh api repos/ORG/REPO --jq .id`), got -5"#],
        ),
        (
            "an organization id that is not a number",
            "version: 1\nstack: test\ngithub:\n  organizations: [{name: betekk, id: [1]}]\n".into(),
            vec![r#"test.yaml:4:34: github.organizations[0].id: expected GitHub's numeric id (digits only, e.g. `gh api repos/ORG/REPO --jq .id`), got a list"#],
        ),
        (
            "a repository mapping without name",
            gh("      repositories: [{id: 5}]\n"),
            vec![r#"test.yaml:9:22: roles[0].github_trust.repositories[0].name: missing; the repository's name"#],
        ),
        (
            "a repository listed twice",
            gh("      repositories: [app, {name: app, id: 5}]\n"),
            vec![r#"test.yaml:9:28: roles[0].github_trust.repositories[1]: repository "app" is listed twice"#],
        ),
        (
            "an unknown claim",
            gh("      repositories: [app]\n      claims: {branch: main}\n"),
            vec![r#"test.yaml:10:16: roles[0].github_trust.claims.branch: unknown claim "branch"; AWS STS evaluates actor, actor_id, enterprise_id, environment, job_workflow_ref, ref, repository, repository_id or workflow"#],
        ),
        (
            "sub as a claim",
            gh("      repositories: [app]\n      claims: {sub: \"repo:x/y:*\"}\n"),
            vec![r#"test.yaml:10:16: roles[0].github_trust.claims.sub: unknown claim "sub"; AWS STS evaluates actor, actor_id, enterprise_id, environment, job_workflow_ref, ref, repository, repository_id or workflow; the subject comes from repositories and subjects"#],
        ),
        (
            "an empty claim list",
            gh("      repositories: [app]\n      claims: {environment: []}\n"),
            vec![r#"test.yaml:10:16: roles[0].github_trust.claims.environment: needs a value; an empty claim would match no token (leave the claim out to accept any)"#],
        ),
        (
            "an empty claim string",
            gh("      repositories: [app]\n      claims: {environment: \"\"}\n"),
            vec![r#"test.yaml:10:16: roles[0].github_trust.claims.environment: needs a value; an empty claim would match no token (leave the claim out to accept any)"#],
        ),
        (
            "a role nobody may assume",
            with_roles("  - name: r\n    description: nobody\n", ""),
            vec!["test.yaml:7:5: roles[0].github_trust: missing; say which GitHub repositories may assume the role (or, with trust:, which AWS principals and services)"],
        ),
        (
            "an empty trust",
            with_roles("  - name: r\n    trust: {}\n", ""),
            vec![r#"test.yaml:8:5: roles[0].trust: needs aws (account ids, role or user ARNs), services (e.g. lambda.amazonaws.com) or statements"#],
        ),
        (
            "an AWS principal that is no principal",
            with_roles("  - name: r\n    trust: {aws: [\"deployer\"]}\n", ""),
            vec![r#"test.yaml:8:19: roles[0].trust.aws[0]: "deployer" is not an AWS principal; give a 12-digit account id or an IAM ARN (root, role/NAME, user/NAME)"#],
        ),
        (
            "a policy ARN as principal",
            with_roles("  - name: r\n    trust: {aws: [\"arn:aws:iam::123456789012:policy/x\"]}\n", ""),
            vec!["test.yaml:8:19: roles[0].trust.aws[0]: \"arn:aws:iam::123456789012:policy/x\": expected an account's root, a role or a user (arn:…:iam::ACCOUNT:root|role/NAME|user/NAME)"],
        ),
        (
            "a service that is no service principal",
            with_roles("  - name: r\n    trust: {services: [lambda]}\n", ""),
            vec![r#"test.yaml:8:13: roles[0].trust.services: "lambda" is not a service principal; expected e.g. lambda.amazonaws.com"#],
        ),
        (
            "an empty lambda_pull",
            "version: 1\nstack: test\nrepositories:\n  - name: app\n    lambda_pull: []\n".into(),
            vec![r#"test.yaml:5:5: repositories[0].lambda_pull: needs at least one function name (patterns with * allowed)"#],
        ),
        (
            "lambda_pull next to a statement with its Sid",
            "version: 1\nstack: test\nrepositories:\n  - name: app\n    repository_policy: {Version: \"2012-10-17\", Statement: [{Sid: LambdaECRImageRetrievalPolicy, Effect: Allow, Principal: \"*\", Action: \"ecr:BatchGetImage\"}]}\n    lambda_pull: [\"fn\"]\npolicies:\n  - name: d\n    lambda_deploy: {functions: [fn]}\n".into(),
            vec![r#"test.yaml:6:5: repositories[0].lambda_pull: repository_policy already has a statement with Sid "LambdaECRImageRetrievalPolicy", which lambda_pull writes; remove one of them"#],
        ),
        (
            "an execution role that is not in the spec",
            "version: 1\nstack: test\npolicies:\n  - name: d\n    lambda_deploy: {functions: [fn], execution_roles: [Nope]}\n".into(),
            vec![r#"test.yaml:5:38: policies[0].lambda_deploy.execution_roles: no role named "Nope" in this spec; name one of its roles or give a role ARN"#],
        ),
        (
            "an image repository with a bad name",
            "version: 1\nstack: test\npolicies:\n  - name: d\n    lambda_deploy: {functions: [fn], repositories: [UPPER]}\n".into(),
            vec![r#"test.yaml:5:38: policies[0].lambda_deploy.repositories: invalid repository name "UPPER"; allowed: 2-256 characters; lowercase letters, digits and . _ - between them, '/' between namespace parts"#],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn repositories_with_and_without_ids_get_their_own_statements() {
    let yaml = with_roles(
        "  - name: r\n    github_trust:\n      repositories: [old, {name: new-svc, id: 987654321}]\n      subjects: [\"ref:refs/heads/main\"]\n",
        "github:\n  organizations: [nus-cee, {name: betekk, id: 123456}]\n",
    );
    let doc = bound(&role(&yaml, "r"));
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{doc}");
    assert_eq!(
        statements[0]["Condition"]["StringLike"][format!("{HOST}:sub")],
        json!([
            "repo:nus-cee/old:ref:refs/heads/main",
            "repo:betekk/old:ref:refs/heads/main"
        ])
    );
    assert_eq!(
        statements[1]["Condition"]["StringLike"][format!("{HOST}:sub")],
        json!([
            "repo:nus-cee/new-svc:ref:refs/heads/main",
            "repo:betekk/new-svc:ref:refs/heads/main",
            "repo:nus-cee@*/new-svc@987654321:ref:refs/heads/main",
            "repo:betekk@123456/new-svc@987654321:ref:refs/heads/main"
        ])
    );
    assert_eq!(
        statements[1]["Condition"]["StringEquals"],
        json!({format!("{HOST}:aud"): ["sts.amazonaws.com"], format!("{HOST}:repository_id"): "987654321"})
    );
}

#[test]
fn claims_are_string_like_conditions_on_every_github_statement() {
    let yaml = with_roles(
        "  - name: r\n    github_trust:\n      repositories: [a, {name: b, id: 2}]\n      claims:\n        job_workflow_ref: \"betekk/workflows/.github/workflows/release.yml@refs/heads/main\"\n        environment: [prod, staging]\n",
        "",
    );
    let doc = bound(&role(&yaml, "r"));
    for st in doc["Statement"].as_array().unwrap() {
        let like = &st["Condition"]["StringLike"];
        assert_eq!(
            like[format!("{HOST}:environment")],
            json!(["prod", "staging"])
        );
        assert_eq!(
            like[format!("{HOST}:job_workflow_ref")],
            json!(["betekk/workflows/.github/workflows/release.yml@refs/heads/main"])
        );
        assert!(
            like[format!("{HOST}:sub")].is_array(),
            "claims never replace sub"
        );
    }
}

#[test]
fn trusted_principals_services_and_granted_users_assume_with_sts_assume_role() {
    let yaml = with_roles(
        "  - name: Deploy\n    github_trust: {repositories: [app]}\n    trust: {aws: [\"111122223333\", \"arn:{partition}:iam::{account}:role/Ops\"]}\n  - name: Exec\n    trust: {services: [lambda.amazonaws.com]}\n",
        "assume_role_grants:\n  - user: deployer\n    roles: [Deploy]\n",
    );
    let doc = bound(&role(&yaml, "Deploy"));
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2, "{doc}");
    assert_eq!(
        statements[1],
        json!({"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"AWS": [
            "111122223333",
            "arn:aws:iam::123456789012:role/Ops",
            "arn:aws:iam::123456789012:user/deployer"
        ]}})
    );
    let exec = bound(&role(&yaml, "Exec"));
    assert_eq!(
        exec["Statement"],
        json!([{"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": ["lambda.amazonaws.com"]}}])
    );
    // A spec whose only role trusts a service needs no GitHub provider.
    let only_exec = "version: 1\nstack: t\nroles:\n  - name: Exec\n    trust: {services: [lambda.amazonaws.com]}\n";
    assert!(
        spec(only_exec)
            .desired
            .resources
            .iter()
            .all(|r| !matches!(r, crate::model::Resource::OidcProvider(_)))
    );
}

#[test]
fn the_size_check_counts_the_real_document_with_ids_and_grants() {
    let spec_of = |n: usize, grant: bool| {
        let repos: Vec<String> = (0..n)
            .map(|i| format!("{{name: service-{i:02}, id: {}}}", 1000 + i))
            .collect();
        with_roles(
            &format!(
                "  - name: Big\n    github_trust:\n      repositories: [{}]\n",
                repos.join(", ")
            ),
            if grant {
                "assume_role_grants:\n  - user: deployer\n    roles: [Big]\n"
            } else {
                ""
            },
        )
    };
    let size_of = |s: &crate::spec::Spec| {
        s.desired
            .all::<Role>()
            .next()
            .unwrap()
            .trust_policy
            .bind(&Env::placeholder(REGION))
            .size()
    };
    // Over the quota: the warning quotes the length of the document as generated, grant included.
    let s = spec(&spec_of(5, true));
    let real = size_of(&s);
    assert!(
        s.warnings.len() == 1
            && s.warnings[0]
                .message
                .contains(&format!("would have {real} characters")),
        "{real}: {:?}",
        s.warnings
    );
    let without = size_of(&spec(&spec_of(5, false)));
    assert!(
        real > without + 40,
        "the grant's statement counts: {real} vs {without}"
    );
    // Over IAM's maximum: an error, with the size.
    let errors = spec_errors(&spec_of(9, true));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("IAM allows at most 4096"),
        "{}",
        errors[0]
    );
}

#[test]
fn lambda_deploy_passes_only_its_execution_roles_only_to_lambda_and_pulls_its_repositories() {
    let yaml = "version: 1\nstack: t\npolicies:\n  - name: d\n    lambda_deploy:\n      functions: [\"{prefix}-fn-*\"]\n      execution_roles: [\"{PREFIX}-Exec\", \"arn:aws:iam::111122223333:role/Other\"]\n      repositories: [\"{prefix}-app\"]\nroles:\n  - name: \"{PREFIX}-Exec\"\n    trust: {services: [lambda.amazonaws.com]}\n";
    let s = spec(yaml);
    let policy = s.desired.all::<ManagedPolicy>().next().unwrap();
    let doc = policy
        .document
        .bind(&Env::placeholder(REGION))
        .original()
        .clone();
    let statements = doc["Statement"].as_array().unwrap();
    let by_sid = |sid: &str| {
        statements
            .iter()
            .find(|s| s["Sid"] == sid)
            .unwrap_or_else(|| panic!("{sid} in {doc}"))
            .clone()
    };
    assert_eq!(
        by_sid("LambdaPassExecutionRole"),
        json!({"Sid": "LambdaPassExecutionRole", "Effect": "Allow", "Action": "iam:PassRole",
               "Resource": ["arn:aws:iam::123456789012:role/BETEKK-Exec", "arn:aws:iam::111122223333:role/Other"],
               "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}}})
    );
    assert_eq!(
        by_sid("LambdaImagePull"),
        json!({"Sid": "LambdaImagePull", "Effect": "Allow", "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
               "Resource": ["arn:aws:ecr:ap-southeast-1:123456789012:repository/betekk-app"]})
    );
}

#[test]
fn lambda_pull_merges_into_the_repository_policy_and_is_matched_by_raw_statements_too() {
    let yaml = "version: 1\nstack: t\nrepositories:\n  - name: app\n    repository_policy: {Version: \"2012-10-17\", Statement: [{Sid: Ci, Effect: Allow, Principal: {AWS: \"111122223333\"}, Action: \"ecr:BatchGetImage\"}]}\n    lambda_pull: [\"fn-*\"]\npolicies:\n  - name: d\n    statements:\n      - {actions: [\"lambda:UpdateFunctionCode\"], resources: [\"arn:{partition}:lambda:{region}:{account}:function:fn-*\"]}\n";
    let s = spec(yaml);
    let repo = s.desired.all::<Repository>().next().unwrap();
    let doc = repo
        .settings
        .repository_policy
        .as_ref()
        .unwrap()
        .bind(&Env::placeholder(REGION));
    let statements = doc.original()["Statement"].as_array().unwrap();
    assert_eq!(statements.len(), 2);
    assert_eq!(statements[0]["Sid"], "Ci");
    assert_eq!(
        statements[1],
        json!({"Sid": "LambdaECRImageRetrievalPolicy", "Effect": "Allow",
               "Principal": {"Service": "lambda.amazonaws.com"},
               "Action": ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
               "Condition": {"StringLike": {"aws:sourceArn": ["arn:aws:lambda:ap-southeast-1:123456789012:function:fn-*"]}}})
    );
}

#[test]
fn validate_names_the_repositories_without_ids_once() {
    let yaml = with_roles(
        "  - name: a\n    github_trust: {repositories: [app, {name: svc, id: 7}]}\n  - name: b\n    github_trust: {repositories: [app, web]}\n",
        "",
    );
    let s = spec(&yaml);
    assert_eq!(s.notes.len(), 1, "{:?}", s.notes);
    assert!(
        s.notes[0].starts_with("GitHub repositories trusted without an id: app, web."),
        "{}",
        s.notes[0]
    );
    assert!(s.notes[0].contains("gh api repos/betekk/NAME --jq .id"));
    assert!(
        s.warnings.is_empty(),
        "a note, not a warning: {:?}",
        s.warnings
    );
    let pinned = with_roles(
        "  - name: a\n    github_trust: {repositories: [{name: svc, id: 7}]}\n",
        "",
    );
    assert!(spec(&pinned).notes.is_empty());
}

#[test]
fn lambda_pull_for_functions_no_policy_of_the_spec_deploys_is_a_note() {
    for (yaml, deployed) in [
        (
            "version: 1\nstack: test\nrepositories:\n  - name: app\n    lambda_pull: [\"other-*\"]\npolicies:\n  - name: d\n    lambda_deploy: {functions: [\"fn-*\"]}\n",
            "fn-*",
        ),
        (
            "version: 1\nstack: test\nrepositories:\n  - name: app\n    lambda_pull: [\"other-*\"]\n",
            "there is none",
        ),
    ] {
        let s = spec(yaml);
        assert!(
            s.notes.iter().any(|n| n.starts_with(
                "repositories[0].lambda_pull: \"other-*\" matches no function of a lambda_deploy policy in this spec"
            ) && n.contains(&format!("({deployed})"))
                && n.contains("another stack or team")),
            "{:?}",
            s.notes
        );
        let policy = s
            .desired
            .all::<Repository>()
            .next()
            .unwrap()
            .settings
            .repository_policy
            .clone();
        assert!(
            policy.is_some_and(|p| p.to_json_string().contains("other-*")),
            "the pull is still granted"
        );
    }
}

#[test]
fn subject_templates_of_organizations_and_repositories_shape_every_sub() {
    let yaml = with_roles(
        "  - name: r\n    github_trust:\n      repositories: [a, {name: b, id: 7, subject_claims: [repository_owner, context]}]\n      subjects: [\"environment:prod\"]\n      claims: {job_workflow_ref: \"octo-org/wf/.github/workflows/oidc.yml@refs/heads/main\"}\n",
        "github:\n  subject_claims: [repo, context, job_workflow_ref]\n  organizations: [octo-org, {name: legacy-org, subject_claims: [repo, context]}]\n",
    );
    let doc = bound(&role(&yaml, "r"));
    let statements = doc["Statement"].as_array().unwrap();
    assert_eq!(
        statements[0]["Condition"]["StringLike"][format!("{HOST}:sub")],
        json!([
            "repo:octo-org/a:environment:prod:job_workflow_ref:octo-org/wf/.github/workflows/oidc.yml@refs/heads/main",
            "repo:legacy-org/a:environment:prod"
        ])
    );
    assert_eq!(
        statements[1]["Condition"]["StringLike"][format!("{HOST}:sub")],
        json!([
            "repository_owner:octo-org:environment:prod",
            "repository_owner:legacy-org:environment:prod"
        ])
    );
    let templates = spec(&yaml).subject_templates;
    assert_eq!(
        templates.of("octo-org", "a"),
        Some(vec![
            "repo".into(),
            "context".into(),
            "job_workflow_ref".into()
        ])
    );
    assert_eq!(
        templates.of("legacy-org", "b"),
        Some(vec!["repository_owner".into(), "context".into()])
    );
    assert_eq!(
        templates.of("other", "c"),
        Some(vec![
            "repo".into(),
            "context".into(),
            "job_workflow_ref".into()
        ])
    );
}

#[test]
fn an_unknown_or_repeated_subject_claim_key_is_an_error() {
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "an unknown key",
            "version: 1\nstack: test\ngithub:\n  subject_claims: [repo, ref]\n".into(),
            vec![r#"test.yaml:4:26: github.subject_claims: unknown subject claim key "ref"; allowed: repo, context, job_workflow_ref, job_workflow_sha, workflow, workflow_ref, workflow_sha, repository, repository_id, repository_owner, repository_owner_id, repository_visibility, actor, actor_id, enterprise, enterprise_id, event_name, ref_type, runner_environment, head_ref, base_ref; the ref and the environment are part of `context`"#],
        ),
        (
            "a repeated key",
            "version: 1\nstack: test\ngithub:\n  organizations: [{name: o, subject_claims: [repo, repo]}]\n".into(),
            vec![r#"test.yaml:4:52: github.organizations[0].subject_claims: "repo" is listed twice"#],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn tag_session_principals_and_raw_statements_join_the_trust() {
    let yaml = with_roles(
        "  - name: r\n    trust:\n      aws: [\"111122223333\", {principal: \"arn:aws:iam::123456789012:role/{PREFIX}-Gh\", tag_session: true}]\n      statements:\n        - {Sid: Mfa, Effect: Allow, Principal: {AWS: \"arn:aws:iam::123456789012:root\"}, Action: [sts:AssumeRole], Condition: {Bool: {aws:MultiFactorAuthPresent: \"true\"}}}\n",
        "",
    );
    let doc = bound(&role(&yaml, "r"));
    assert_eq!(
        doc["Statement"],
        json!([
            {"Effect": "Allow", "Principal": {"AWS": ["111122223333"]}, "Action": "sts:AssumeRole"},
            {"Effect": "Allow", "Principal": {"AWS": ["arn:aws:iam::123456789012:role/BETEKK-Gh"]}, "Action": ["sts:AssumeRole", "sts:TagSession"]},
            {"Sid": "Mfa", "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": ["sts:AssumeRole"], "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}}}
        ])
    );
}

#[test]
fn a_raw_trust_statement_without_principal_or_with_a_bad_shape_is_an_error() {
    let t = |body: &str| with_roles(&format!("  - name: r\n    trust:\n{body}"), "");
    let cases: Vec<(&str, String, Vec<&str>)> = vec![
        (
            "no principal",
            t("      statements: [{Effect: Allow, Action: [sts:AssumeRole]}]\n"),
            vec![
                "test.yaml:9:20: roles[0].trust.statements[0]: needs Principal (a trust statement says who may assume the role)",
            ],
        ),
        (
            "a principal mapping without principal",
            t("      aws: [{tag_session: true}]\n"),
            vec![
                "test.yaml:9:13: roles[0].trust.aws[0].principal: missing; an account id, or a user or role ARN",
            ],
        ),
    ];
    assert_spec_errors(&cases);
}

#[test]
fn a_role_path_must_be_an_iam_path() {
    let role = |path: &str| {
        with_roles(
            &format!(
                "  - name: r\n    path: {path}\n    trust: {{services: [lambda.amazonaws.com]}}\n"
            ),
            "",
        )
    };
    assert_eq!(self::role(&role("/ci/"), "r").path, "/ci/");
    assert_spec_errors(&[(
        "a path without its slashes",
        role("ci"),
        vec![
            r#"test.yaml:8:5: roles[0].path: "ci" is not an IAM path; expected / or /part/…/ (printable ASCII, no empty part, at most 512 characters)"#,
        ],
    )]);
}

#[test]
fn a_role_with_a_path_is_named_with_it_where_policies_and_grants_name_it() {
    let yaml = "version: 1\nstack: t\npolicies:\n  - name: d\n    lambda_deploy: {functions: [fn], execution_roles: [Exec]}\nroles:\n  - name: Exec\n    path: /lambda/\n    trust: {services: [lambda.amazonaws.com]}\nassume_role_grants:\n  - user: deployer\n    roles: [Exec]\n";
    let s = spec(yaml);
    let texts: Vec<String> = s
        .desired
        .resources
        .iter()
        .filter_map(|r| match r {
            crate::model::Resource::Policy(p) => Some(p.document.to_json_string()),
            _ => None,
        })
        .collect();
    assert_eq!(texts.len(), 2, "{texts:?}");
    for text in texts {
        assert!(text.contains(":role/lambda/Exec\""), "{text}");
        assert!(!text.contains(":role/Exec\""), "{text}");
    }
}

#[test]
fn a_github_enterprise_server_issuer_names_its_own_condition_keys() {
    let yaml = with_roles(
        "  - name: r\n    github_trust: {repositories: [app], subjects: [\"ref:refs/heads/main\"]}\n",
        "github:\n  oidc_provider: {url: \"https://ghes.example.com/_services/token\"}\n",
    );
    let doc = bound(&role(&yaml, "r"));
    let st = &doc["Statement"][0];
    let ghes = "ghes.example.com/_services/token";
    assert_eq!(
        st["Principal"]["Federated"],
        json!(format!("arn:aws:iam::123456789012:oidc-provider/{ghes}"))
    );
    assert_eq!(
        st["Condition"]["StringLike"][format!("{ghes}:sub")],
        json!([
            "repo:nus-cee/app:ref:refs/heads/main",
            "repo:betekk/app:ref:refs/heads/main"
        ])
    );
    assert_eq!(
        st["Condition"]["StringEquals"][format!("{ghes}:aud")],
        json!(["sts.amazonaws.com"])
    );
    assert!(!doc.to_string().contains(HOST), "{doc}");
}

#[test]
fn a_subject_template_that_does_not_name_the_repository_needs_its_id_or_a_claim() {
    let yaml = |repos: &str, claims: &str| {
        with_roles(
            &format!("  - name: r\n    github_trust:\n      repositories: [{repos}]\n{claims}"),
            "github:\n  organizations: [{name: octo-org, subject_claims: [repository_owner, context]}]\n",
        )
    };
    let errors = spec_errors(&yaml("app", ""));
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains("roles[0].github_trust.repositories: the subject template [repository_owner, context] of octo-org/app does not name the repository"),
        "{}",
        errors[0]
    );
    // Pinned by the id, or by a claim: accepted, and the sub patterns follow the template.
    let doc = bound(&role(&yaml("{name: app, id: 9}", ""), "r"));
    assert_eq!(
        doc["Statement"][0]["Condition"]["StringLike"][format!("{HOST}:sub")],
        json!(["repository_owner:octo-org:*"])
    );
    assert_eq!(
        doc["Statement"][0]["Condition"]["StringEquals"][format!("{HOST}:repository_id")],
        json!("9")
    );
    role(
        &yaml("app", "      claims: {repository: octo-org/app}\n"),
        "r",
    );
}
