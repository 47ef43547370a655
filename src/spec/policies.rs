//! The `policies:` section: managed policies from shortcuts (`ecr_push`, `lambda_deploy`) or raw
//! statements. Shortcuts grant exactly what a workflow needs on exactly the named resources.

use serde_json::{Value, json};

use super::reader::{Reader, join};
use super::yaml::{Node, Value as Yaml};
use super::{Context, names, resource_tags};
use crate::model::{Env, ManagedPolicy, PolicyDocument, Resource};

/// IAM's limit for a managed policy document, in characters without whitespace.
pub const MAX_POLICY_SIZE: usize = 6144;

/// Push and pull, nothing else: no repository deletion, no policy changes, no image deletion.
pub const ECR_PUSH_ACTIONS: &[&str] = &[
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

pub const LAMBDA_DEPLOY_ACTIONS: &[&str] = &[
    "lambda:CreateFunction",
    "lambda:DeleteFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration",
];

const FIELDS: &[&str] = &[
    "name",
    "description",
    "ecr_push",
    "lambda_deploy",
    "statements",
    "tags",
];

pub fn read(r: &mut Reader, ctx: &Context, node: &Node) -> Vec<Resource> {
    let Some(items) = r.list(node, "policies") else {
        return Vec::new();
    };
    let mut out: Vec<Resource> = Vec::new();
    for (path, item) in items {
        let Some(policy) = read_one(r, ctx, item, &path) else {
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
    out
}

/// A name field with `{prefix}` expanded and IAM's rules checked.
pub fn iam_name(
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

fn read_one(r: &mut Reader, ctx: &Context, node: &Node, path: &str) -> Option<ManagedPolicy> {
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
        let lpath = f.path_of("lambda_deploy");
        let functions =
            r.fields(n, &lpath, &["functions"])
                .and_then(|lf| match lf.get("functions") {
                    Some(fnode) => {
                        let fpath = lf.path_of("functions");
                        let functions = r.strings(fnode, &fpath)?;
                        if functions.is_empty() {
                            r.error(
                                fnode.pos,
                                &fpath,
                                "needs at least one function name (patterns with * allowed)",
                            );
                            return None;
                        }
                        // A function whose name cannot be expanded is an error, never left out.
                        let mut expanded = Vec::new();
                        for f in functions {
                            match names::expand(&f, &ctx.prefix) {
                                Ok(f) => expanded.push(f),
                                Err(e) => {
                                    r.error(fnode.pos, &fpath, e);
                                    return None;
                                }
                            }
                        }
                        Some(expanded)
                    }
                    None => {
                        r.error(
                            n.pos,
                            &lf.path_of("functions"),
                            "missing; name the functions (patterns with * allowed)",
                        );
                        None
                    }
                });
        match functions {
            Some(functions) => {
                let arns: Vec<String> = functions
                    .iter()
                    .map(|f| {
                        format!("arn:{{partition}}:lambda:{{region}}:{{account}}:function:{f}")
                    })
                    .collect();
                statements.push(json!({"Sid": "LambdaDeploy", "Effect": "Allow", "Action": LAMBDA_DEPLOY_ACTIONS, "Resource": arns}));
            }
            None => ok = false,
        }
    }
    if let Some(n) = f.get("statements") {
        match read_statements(r, ctx, n, &f.path_of("statements")) {
            Some(list) => statements.extend(list),
            None => ok = false,
        }
    }
    if statements.is_empty() && ok {
        r.error(
            node.pos,
            path,
            "a policy needs ecr_push, lambda_deploy or statements",
        );
        ok = false;
    }
    let tags = resource_tags(r, ctx, f.get("tags"), &f.path_of("tags"));
    let document =
        PolicyDocument::from_json(json!({"Version": "2012-10-17", "Statement": statements}));
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
    Some(ManagedPolicy {
        name: name?,
        description,
        document,
        tags,
    })
}

fn read_statements(r: &mut Reader, ctx: &Context, node: &Node, path: &str) -> Option<Vec<Value>> {
    let items = r.list(node, path)?;
    let mut out = Vec::new();
    let mut ok = true;
    for (spath, item) in items {
        let Some(f) = r.fields(
            item,
            &spath,
            &["sid", "effect", "actions", "resources", "conditions"],
        ) else {
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
        let mut list = |name: &str| -> Option<Vec<String>> {
            let Some(n) = f.get(name) else {
                r.error(
                    item.pos,
                    &f.path_of(name),
                    format!("missing; a statement needs {name}"),
                );
                return None;
            };
            let values = r.strings(n, &f.path_of(name))?;
            if values.is_empty() {
                r.error(n.pos, &f.path_of(name), "needs at least one entry");
                return None;
            }
            let mut expanded = Vec::new();
            for v in values {
                match names::expand(&v, &ctx.prefix) {
                    Ok(x) => expanded.push(x),
                    Err(e) => {
                        r.error(n.pos, &f.path_of(name), e);
                        return None;
                    }
                }
            }
            Some(expanded)
        };
        let actions = list("actions");
        let resources = list("resources");
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
            (Some(effect), Some(actions), Some(resources), Some(conditions)) => {
                if let Some(bad) = actions.iter().find(|a| *a != "*" && !a.contains(':')) {
                    r.error(
                        item.pos,
                        &f.path_of("actions"),
                        format!("{bad:?} is not an action (service:Action)"),
                    );
                    ok = false;
                }
                statement.insert("Effect".into(), effect.into());
                statement.insert("Action".into(), json!(actions));
                statement.insert("Resource".into(), json!(resources));
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
