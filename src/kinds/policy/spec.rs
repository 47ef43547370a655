//! The `policies:` section: managed policies from shortcuts (`ecr_push`, `lambda_deploy`) or raw
//! statements. Shortcuts grant exactly what a workflow needs on exactly the named resources.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::model::wildcard;
use crate::model::{Env, ManagedPolicy, PolicyDocument, Resource};
use crate::spec::fields::{Field, Ty, kind_fields};
use crate::spec::reader::{Reader, join};
use crate::spec::yaml::{Node, Pos, Value as Yaml};
use crate::spec::{Context, names, resource_tags};

/// IAM's limit for a managed policy document, in characters without whitespace.
pub(crate) const MAX_POLICY_SIZE: usize = 6144;

/// Push and pull, nothing else: no repository deletion, no policy changes, no image deletion.
pub(crate) const ECR_PUSH_ACTIONS: &[&str] = &[
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:CompleteLayerUpload",
    "ecr:DescribeImages",
    "ecr:DescribeRepositories",
    "ecr:GetDownloadUrlForLayer",
    "ecr:InitiateLayerUpload",
    "ecr:ListImages",
    "ecr:PutImage",
    "ecr:UploadLayerPart",
];

pub(crate) const LAMBDA_DEPLOY_ACTIONS: &[&str] = &[
    "lambda:CreateFunction",
    "lambda:DeleteFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
];

/// What deploying a container image needs on its repository, for the deployer and for Lambda.
pub(crate) const LAMBDA_IMAGE_ACTIONS: &[&str] =
    &["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"];

/// A policy's fields: its name, its attribute rows' (description, document, tags), and the
/// shortcuts that make its document.
pub(crate) const FIELDS: &[Field] = kind_fields!(
    [Field::required(
        "name",
        Ty::Str,
        "The policy's name; {prefix} and {PREFIX} expand",
    )],
    super::ATTRIBUTES,
    [
        Field::new(
            "ecr_push",
            Ty::Strings,
            "Repositories of this spec: push and pull on exactly them, plus ecr:GetAuthorizationToken",
        ),
        Field::new(
            "lambda_deploy",
            Ty::Map(LAMBDA_DEPLOY),
            "Deploy these Lambda functions from these repositories' images",
        ),
        Field::new(
            "statements",
            Ty::ListOf(STATEMENT),
            "Raw IAM statements; combinable with the shortcuts",
        ),
    ],
);

const LAMBDA_DEPLOY: &[Field] = &[
    Field::required(
        "functions",
        Ty::Strings,
        "Function names (patterns with * allowed); {prefix} expands",
    ),
    Field::new(
        "execution_roles",
        Ty::Strings,
        "Roles (of this spec, or ARNs) the functions run as: iam:PassRole to Lambda on exactly them",
    ),
    Field::new(
        "repositories",
        Ty::Strings,
        "Repositories whose images the functions run: image pull on exactly them",
    ),
];

pub(crate) const STATEMENT: &[Field] = &[
    Field::new("sid", Ty::Str, "The statement's id"),
    Field::new(
        "effect",
        Ty::OneOf(&["Allow", "Deny"]),
        "Allow (default) or Deny",
    ),
    Field::new(
        "actions",
        Ty::Strings,
        "service:Action, wildcards allowed (this or not_actions)",
    ),
    Field::new(
        "not_actions",
        Ty::Strings,
        "Every action but these (NotAction; this or actions)",
    ),
    Field::new(
        "resources",
        Ty::Strings,
        "ARNs; {account}, {partition} and {region} are bound once STS has answered (this or \
         not_resources)",
    ),
    Field::new(
        "not_resources",
        Ty::Strings,
        "Every resource but these (NotResource; this or resources)",
    ),
    Field::new(
        "conditions",
        Ty::Mapping,
        "IAM conditions: operator → key → values",
    ),
];

/// The policies, and the function patterns their `lambda_deploy` shortcuts deploy (which a
/// repository's `lambda_pull` must match).
pub(crate) fn read(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    spec_roles: &BTreeSet<String>,
) -> (Vec<Resource>, Vec<String>) {
    let Some(items) = r.list(node, "policies") else {
        return (Vec::new(), Vec::new());
    };
    let mut out: Vec<Resource> = Vec::new();
    let mut deployed = Vec::new();
    for (path, item) in items {
        let Some(policy) = read_one(r, ctx, item, &path, spec_roles, &mut deployed) else {
            continue;
        };
        if out
            .iter()
            .any(|p| matches!(p, Resource::Policy(q) if q.name == policy.name))
        {
            r.error(
                item.pos,
                &join(&path, "name"),
                format!("duplicate policy name {:?}", policy.name),
            );
            continue;
        }
        out.push(Resource::Policy(policy));
    }
    (out, deployed)
}

/// A name field with `{prefix}` expanded and IAM's rules checked.
pub(crate) fn iam_name(
    r: &mut Reader,
    node: Option<&Node>,
    parent: &Node,
    path: &str,
    ctx: &Context,
    what: &str,
    max: usize,
) -> Option<String> {
    let Some(n) = node else {
        r.error(
            parent.pos,
            path,
            format!("missing; every {what} needs a name"),
        );
        return None;
    };
    let template = r.string(n, path)?;
    match names::expand(&template, &ctx.prefix)
        .and_then(|name| names::check_iam_name(&name, what, max).map(|()| name))
    {
        Ok(name) => Some(name),
        Err(e) => {
            r.error(n.pos, path, e);
            None
        }
    }
}

fn read_one(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    spec_roles: &BTreeSet<String>,
    deployed: &mut Vec<String>,
) -> Option<ManagedPolicy> {
    let f = r.fields(node, path, FIELDS)?;
    let name = iam_name(
        r,
        f.get("name"),
        node,
        &f.path_of("name"),
        ctx,
        "policy",
        128,
    );
    let description = f
        .get("description")
        .and_then(|n| r.string(n, &f.path_of("description")))
        .unwrap_or_default();
    let mut statements: Vec<Value> = Vec::new();
    let mut ok = true;
    if let Some(n) = f.get("ecr_push") {
        match r.strings(n, &f.path_of("ecr_push")) {
            Some(repos) if !repos.is_empty() => {
                let mut arns = Vec::new();
                for repo in repos {
                    match names::expand(&repo, &ctx.prefix)
                        .and_then(|n| names::check_repository_name(&n).map(|()| n))
                    {
                        Ok(name) => arns.push(format!(
                            "arn:{{partition}}:ecr:{{region}}:{{account}}:repository/{name}"
                        )),
                        Err(e) => {
                            r.error(n.pos, &f.path_of("ecr_push"), e);
                            ok = false;
                        }
                    }
                }
                statements.push(json!({"Sid": "EcrLogin", "Effect": "Allow", "Action": "ecr:GetAuthorizationToken", "Resource": "*"}));
                statements.push(json!({"Sid": "EcrPushPull", "Effect": "Allow", "Action": ECR_PUSH_ACTIONS, "Resource": arns}));
            }
            Some(_) => {
                r.error(
                    n.pos,
                    &f.path_of("ecr_push"),
                    "needs at least one repository name",
                );
                ok = false;
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("lambda_deploy") {
        match read_lambda_deploy(r, ctx, n, &f.path_of("lambda_deploy"), spec_roles) {
            Some(more) => statements.extend(more),
            None => ok = false,
        }
    }
    if let Some(n) = f.get("statements") {
        match read_statements(r, ctx, n, &f.path_of("statements")) {
            Some(list) => statements.extend(list),
            None => ok = false,
        }
    }
    let whole = match f.get("document") {
        None => None,
        Some(n) if !statements.is_empty() || !ok => {
            r.error(
                n.pos,
                &f.path_of("document"),
                "a whole document cannot be combined with ecr_push, lambda_deploy or statements",
            );
            ok = false;
            None
        }
        Some(n) => {
            let doc = crate::spec::settings::read_policy_document(
                r,
                n,
                &f.path_of("document"),
                &ctx.prefix,
            );
            if doc.is_none() {
                ok = false;
            }
            doc
        }
    };
    if statements.is_empty() && whole.is_none() && ok {
        r.error(
            node.pos,
            path,
            "a policy needs ecr_push, lambda_deploy, statements or document",
        );
        ok = false;
    }
    let tags = resource_tags(r, ctx, f.get("tags"), &f.path_of("tags"));
    let document = match whole {
        Some(doc) => Ok(doc),
        None => {
            PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": statements}))
        }
    };
    let document = match document {
        Ok(d) => d,
        Err(e) => {
            r.error(node.pos, path, e.to_string());
            return None;
        }
    };
    let size = document.bind(&Env::placeholder("ap-southeast-1")).size();
    if size > MAX_POLICY_SIZE {
        r.error(
            node.pos,
            path,
            format!("the document has {size} characters; IAM allows {MAX_POLICY_SIZE}"),
        );
        ok = false;
    }
    if !ok {
        return None;
    }
    deployed.extend(deployed_functions(&document));
    crate::spec::strict::lint_policy(r, &document, node.pos, path);
    Some(ManagedPolicy {
        name: name?,
        description,
        document,
        tags,
    })
}

/// `lambda_deploy`: the functions (patterns allowed), the execution roles it may hand to Lambda
/// (`iam:PassRole`, only to Lambda) and the repositories it may deploy images from.
fn read_lambda_deploy(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
    spec_roles: &BTreeSet<String>,
) -> Option<Vec<Value>> {
    let lf = r.fields(node, path, LAMBDA_DEPLOY)?;
    let mut ok = true;
    // Expanded names; a name that cannot be expanded is an error, never left out.
    let mut names_of = |r: &mut Reader, field: &str, what: &str| -> Option<Vec<(String, Pos)>> {
        let n = lf.get(field)?;
        let fpath = lf.path_of(field);
        let Some(list) = r.strings(n, &fpath) else {
            ok = false;
            return None;
        };
        if list.is_empty() {
            r.error(n.pos, &fpath, format!("needs at least one {what}"));
            ok = false;
            return None;
        }
        let mut out = Vec::new();
        for item in list {
            match names::expand(&item, &ctx.prefix) {
                Ok(x) => out.push((x, n.pos)),
                Err(e) => {
                    r.error(n.pos, &fpath, e);
                    ok = false;
                    return None;
                }
            }
        }
        Some(out)
    };
    let functions = names_of(r, "functions", "function name (patterns with * allowed)");
    let roles = names_of(r, "execution_roles", "execution role");
    let repositories = names_of(r, "repositories", "repository");
    if lf.get("functions").is_none() {
        r.error(
            node.pos,
            &lf.path_of("functions"),
            "missing; name the functions (patterns with * allowed)",
        );
        ok = false;
    }
    let mut role_arns = Vec::new();
    for (role, pos) in roles.into_iter().flatten() {
        if role.starts_with("arn:") {
            match crate::spec::arns::check_role_arn(&role) {
                Ok(()) => role_arns.push(role),
                Err(e) => {
                    r.error(pos, &lf.path_of("execution_roles"), e);
                    ok = false;
                }
            }
        } else if spec_roles.contains(&role) {
            role_arns.push(format!("arn:{{partition}}:iam::{{account}}:role/{role}"));
        } else {
            r.error(
                pos,
                &lf.path_of("execution_roles"),
                format!(
                    "no role named {role:?} in this spec; name one of its roles or give a role ARN"
                ),
            );
            ok = false;
        }
    }
    let mut repo_arns = Vec::new();
    for (repo, pos) in repositories.into_iter().flatten() {
        match names::check_repository_name(&repo) {
            Ok(()) => repo_arns.push(format!(
                "arn:{{partition}}:ecr:{{region}}:{{account}}:repository/{repo}"
            )),
            Err(e) => {
                r.error(pos, &lf.path_of("repositories"), e);
                ok = false;
            }
        }
    }
    if !ok {
        return None;
    }
    let functions: Vec<String> = functions?.into_iter().map(|(f, _)| f).collect();
    let arns: Vec<String> = functions
        .iter()
        .map(|f| format!("arn:{{partition}}:lambda:{{region}}:{{account}}:function:{f}"))
        .collect();
    let mut statements = vec![
        json!({"Sid": "LambdaDeploy", "Effect": "Allow", "Action": LAMBDA_DEPLOY_ACTIONS, "Resource": arns}),
    ];
    if !role_arns.is_empty() {
        statements.push(json!({
            "Sid": "LambdaPassExecutionRole", "Effect": "Allow", "Action": "iam:PassRole", "Resource": role_arns,
            "Condition": {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
        }));
    }
    if !repo_arns.is_empty() {
        statements.push(json!({"Sid": "LambdaImagePull", "Effect": "Allow", "Action": LAMBDA_IMAGE_ACTIONS, "Resource": repo_arns}));
    }
    Some(statements)
}

/// Function patterns a policy lets its holder deploy code to (`lambda:CreateFunction` or
/// `lambda:UpdateFunctionCode` allowed on `…:function:PATTERN`), whichever form wrote it.
fn deployed_functions(doc: &PolicyDocument) -> Vec<String> {
    let deploys = |actions: &[String]| {
        actions.iter().any(|a| {
            ["lambda:createfunction", "lambda:updatefunctioncode"]
                .iter()
                .any(|wanted| wildcard::matches_ignore_case(a, wanted))
        })
    };
    doc.allows()
        .into_iter()
        .filter(|(actions, _)| deploys(actions))
        .flat_map(|(_, resources)| resources)
        .filter_map(|r| r.split_once(":function:").map(|(_, f)| f.to_string()))
        .collect()
}

pub(crate) fn read_statements(
    r: &mut Reader,
    ctx: &Context,
    node: &Node,
    path: &str,
) -> Option<Vec<Value>> {
    let items = r.list(node, path)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (spath, item) in items {
        let Some(f) = r.fields(item, &spath, STATEMENT) else {
            ok = false;
            continue;
        };
        let mut statement = serde_json::Map::new();
        if let Some(sid) = f.get("sid").and_then(|n| r.string(n, &f.path_of("sid"))) {
            statement.insert("Sid".into(), sid.into());
        }
        let effect = match f.get("effect") {
            None => Some("Allow".to_string()),
            Some(n) => r.one_of(n, &f.path_of("effect"), &["Allow", "Deny"], |s| {
                matches!(s, "Allow" | "Deny").then(|| s.to_string())
            }),
        };
        // One of `name` and `not_name`: (the IAM key, its values).
        let mut list = |name: &str, key: &str| -> Option<(String, Vec<String>)> {
            let not = format!("not_{name}");
            let (field, key) = match (f.get(name), f.get(&not)) {
                (Some(_), Some(n)) => {
                    r.error(
                        n.pos,
                        &f.path_of(&not),
                        format!("give {name} or {not}, not both"),
                    );
                    return None;
                }
                (Some(n), None) => ((n, name.to_string()), key.to_string()),
                (None, Some(n)) => ((n, not.clone()), format!("Not{key}")),
                (None, None) => {
                    r.error(
                        item.pos,
                        &f.path_of(name),
                        format!("missing; a statement needs {name} (or {not})"),
                    );
                    return None;
                }
            };
            let (n, name) = field;
            let values = r.strings(n, &f.path_of(&name))?;
            if values.is_empty() {
                r.error(n.pos, &f.path_of(&name), "needs at least one entry");
                return None;
            }
            let mut expanded = Vec::new();
            for v in values {
                match names::expand(&v, &ctx.prefix) {
                    Ok(x) => expanded.push(x),
                    Err(e) => {
                        r.error(n.pos, &f.path_of(&name), e);
                        return None;
                    }
                }
            }
            Some((key, expanded))
        };
        let actions = list("actions", "Action");
        let resources = list("resources", "Resource");
        let conditions = match f.get("conditions") {
            None => Some(None),
            Some(n) if matches!(n.value, Yaml::Map(_)) => Some(Some(n.value.to_json())),
            Some(n) => {
                r.error(
                    n.pos,
                    &f.path_of("conditions"),
                    "expected a mapping of operator → key → values",
                );
                None
            }
        };
        match (effect, actions, resources, conditions) {
            (
                Some(effect),
                Some((action_key, actions)),
                Some((resource_key, resources)),
                Some(conditions),
            ) => {
                if let Some(bad) = actions.iter().find(|a| *a != "*" && !a.contains(':')) {
                    r.error(
                        item.pos,
                        &f.path_of("actions"),
                        format!("{bad:?} is not an action (service:Action)"),
                    );
                    ok = false;
                }
                statement.insert("Effect".into(), effect.into());
                statement.insert(action_key, json!(actions));
                statement.insert(resource_key, json!(resources));
                if let Some(c) = conditions {
                    statement.insert("Condition".into(), c);
                }
                out.push(Value::Object(statement));
            }
            _ => ok = false,
        }
    }
    ok.then_some(out)
}

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for ManagedPolicy {}
