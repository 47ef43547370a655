//! GitHub Actions workflows for one repository of a spec: `push` (build, push with tags the
//! lifecycle rules keep), `lambda` (push, then point the functions at the image) and `drift` (a
//! scheduled `betekk-ecr drift` under the read-only role). Pure: the spec's desired state and the
//! account, registry and role ARNs in, YAML text out; no AWS, no files.

pub(crate) mod access;
pub mod actions;

use std::fmt::Write;

use access::RoleAccess;
use actions::{AMAZON_ECR_LOGIN, CHECKOUT, CONFIGURE_AWS_CREDENTIALS, Pin};

use crate::model::Role;
use crate::model::{Desired, Env, LifecyclePolicy, Repository, TagMutability, TagStatus};

/// Which workflow to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Build and push the image on a tag push, under a role that may push to the repository.
    Push,
    /// Push, then a job under the deploy role points the spec's Lambda functions at the image.
    Lambda,
    /// A scheduled `betekk-ecr drift` under the read-only role, failing on drift.
    Drift,
}

impl Kind {
    /// The kind as `--kind` spells it: `push`, `lambda` or `drift`.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Push => "push",
            Kind::Lambda => "lambda",
            Kind::Drift => "drift",
        }
    }
}

/// Where the workflow points: the account (through `env`), the registry host and, when given on
/// the command line, the role its main job assumes.
#[derive(Debug, Clone)]
pub struct Target {
    /// The account, partition and region the workflow's ARNs are built for.
    pub env: Env,
    /// The registry host, `ACCOUNT.dkr.ecr.REGION.amazonaws.com`.
    pub registry: String,
    /// The registry's dual-stack host (`ACCOUNT.dkr-ecr.REGION.on.aws`) when the workflow logs in
    /// and pushes through it (`--dual-stack`); `None`: through `registry`.
    pub dual_stack_registry: Option<String>,
    /// The role the main job assumes; `None`: the spec's role that fits the kind.
    pub role_arn: Option<String>,
}

/// Everything [`generate`] needs: the spec's desired state, which repository, which kind of
/// workflow, and where it runs against.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The spec's desired state ([`Spec::desired`](crate::spec::Spec::desired)).
    pub desired: &'a Desired,
    /// The spec's path as the drift workflow names it (relative to the repository root).
    pub spec_path: &'a str,
    /// The name of the spec's repository the workflow builds for, as the spec names it.
    pub repository: &'a str,
    /// Which workflow.
    pub kind: Kind,
    /// How third-party actions are referenced: by commit or by major tag.
    pub pin: Pin,
    /// The account, registry and role the workflow points at.
    pub target: Target,
}

/// A generated workflow.
#[derive(Debug, Clone)]
pub struct Workflow {
    /// `.github/workflows/<name>.yml`, where it would usually go.
    pub(crate) suggested_path: String,
    /// The workflow's YAML text, with comments saying which role it assumes and why.
    pub text: String,
    /// What the user should check (e.g. a role whose trust does not admit the workflow's runs).
    pub(crate) warnings: Vec<String>,
}

/// Why no workflow can be generated for the request.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WorkflowError {
    /// The spec has no repository of the requested name.
    #[error("the spec has no repository {name:?}{hint}")]
    UnknownRepository {
        /// The name asked for.
        name: String,
        /// A suffix naming the nearest repository, or the spec's repositories.
        hint: String,
    },
    /// No role of the spec can do what the workflow needs, and none was given.
    #[error("no role in the spec can {what}; {hint}")]
    NoRole {
        /// What the role would have to do, e.g. `push to REPOSITORY`.
        what: String,
        /// What to change in the spec, or which flag to pass.
        hint: String,
    },
}

/// Writes the workflow. Pure: no AWS call and no file written; the caller saves
/// [`Workflow::text`].
///
/// # Errors
/// An unknown repository, or no role fit for the workflow (see [`WorkflowError`]).
pub fn generate(request: &Request<'_>) -> Result<Workflow, WorkflowError> {
    let repository = find_repository(request.desired, request.repository)?;
    let env = &request.target.env;
    let roles: Vec<RoleAccess<'_>> = request
        .desired
        .all::<Role>()
        .map(|role| RoleAccess::of(request.desired, role, env))
        .collect();
    // The command-line ARN is the role of the job the workflow is named for (deploy for lambda).
    let given = request.target.role_arn.as_deref();
    let mut warnings = Vec::new();
    let name = &repository.name;
    let mut text = header(request, repository);
    match request.kind {
        Kind::Push | Kind::Lambda => {
            let tags = ImageTags::for_repository(repository);
            let tail = format!("ref:refs/tags/{}1.0.0", tags.prefix);
            let push = match request.kind {
                Kind::Push => assumed(&roles, env, given, || push_role(&roles, env, name))?,
                _ => assumed(&roles, env, None, || push_role(&roles, env, name))?,
            };
            let deploy = match request.kind {
                Kind::Lambda => Some(assumed(&roles, env, given, || lambda_role(&roles))?),
                _ => None,
            };
            let _ = writeln!(
                text,
                "# Pushes on tags {prefix}* (image tag = git tag), which the lifecycle rules keep{}.",
                if tags.immutable {
                    "; IMMUTABLE: a tag is never pushed twice and never `latest`"
                } else {
                    "; MUTABLE: `latest` moves to each new image"
                },
                prefix = tags.prefix
            );
            for role in std::iter::once(&push).chain(&deploy) {
                role.describe(&mut text, &tail, "a tag push", &mut warnings);
            }
            if deploy.is_some() {
                let _ = writeln!(
                    text,
                    "# Lambda pulls the image with its own service principal: the repository policy \
                     must allow lambda.amazonaws.com to pull."
                );
            }
            if request.target.dual_stack_registry.is_some() {
                let _ = writeln!(
                    text,
                    "# Logs in and pushes through the registry's dual-stack host (IPv6 and IPv4): \
                     aws-actions/amazon-ecr-login\n# logs in to the IPv4 host only, so the AWS \
                     CLI's get-login-password token is handed to docker login.{}",
                    if deploy.is_some() {
                        "\n# Lambda is given the image by its IPv4 URI (IPV4_REGISTRY), the form \
                         its documentation names."
                    } else {
                        ""
                    }
                );
            }
            push_workflow(&mut text, request, name, &tags, &push.arn);
            if let Some(deploy) = &deploy {
                let registry = match request.target.dual_stack_registry {
                    Some(_) => "$IPV4_REGISTRY",
                    None => "$REGISTRY",
                };
                deploy_job(&mut text, request.pin, deploy, registry, &mut warnings);
            }
        }
        Kind::Drift => {
            if request.target.dual_stack_registry.is_some() {
                warnings.push(
                    "--dual-stack changes nothing in a drift workflow: it logs in to no registry"
                        .into(),
                );
            }
            let drift = assumed(&roles, env, given, || drift_role(&roles))?;
            let _ = writeln!(
                text,
                "# Checks the stack {} daily under the read-only role and fails on drift (changes \
                 made in AWS);\n# the Markdown report goes to the job summary.",
                request.desired.stack,
            );
            drift.describe(
                &mut text,
                "ref:refs/heads/main",
                "a scheduled run on main",
                &mut warnings,
            );
            if actions::betekk_ecr().is_none() && request.pin == Pin::Commit {
                warnings.push(
                    "this betekk-ecr was built outside git, so the betekk-ecr action is referenced \
                     by its major tag, not a commit"
                        .into(),
                );
            }
            drift_workflow(&mut text, request, &drift.arn);
        }
    }
    Ok(Workflow {
        suggested_path: format!(
            ".github/workflows/{}-{}.yml",
            request.kind.as_str(),
            name.replace('/', "-")
        ),
        text,
        warnings,
    })
}

/// A role a job assumes: its ARN, and what the spec says it may do when it is one of the spec's.
struct Assumed<'a> {
    arn: String,
    access: Option<RoleAccess<'a>>,
}

/// The given ARN (described by the spec's role of that name, if any), else the role `find` picks.
fn assumed<'a>(
    roles: &[RoleAccess<'a>],
    env: &Env,
    given: Option<&str>,
    find: impl FnOnce() -> Result<RoleAccess<'a>, WorkflowError>,
) -> Result<Assumed<'a>, WorkflowError> {
    Ok(match given {
        Some(arn) => Assumed {
            arn: arn.to_string(),
            access: roles
                .iter()
                .find(|r| arn.rsplit('/').next() == Some(r.role.name.as_str()))
                .cloned(),
        },
        None => {
            let access = find()?;
            Assumed {
                arn: role_arn(env, access.role),
                access: Some(access),
            }
        }
    })
}

impl Assumed<'_> {
    /// A comment line saying who may assume the role; a warning when the job's runs may not.
    fn describe(&self, text: &mut String, tail: &str, what: &str, warnings: &mut Vec<String>) {
        let Some(access) = &self.access else {
            let _ = writeln!(text, "# {} is not a role of this spec.", self.arn);
            return;
        };
        let _ = writeln!(
            text,
            "# {} may be assumed by: {}",
            self.arn,
            access.trusted_subjects().join(", ")
        );
        if !access.trusts_runs_of(tail) {
            warnings.push(untrusted(access, tail, what));
        }
    }
}

/// By its name after expansion, or as written in the spec (`{prefix}-app`), or without the prefix.
fn find_repository<'a>(desired: &'a Desired, name: &str) -> Result<&'a Repository, WorkflowError> {
    let prefix = &desired.project_prefix;
    let candidates = [name.replace("{prefix}", prefix), format!("{prefix}-{name}")];
    desired
        .all::<Repository>()
        .find(|r| candidates.contains(&r.name))
        .ok_or_else(|| {
            let names: Vec<&str> = desired
                .all::<Repository>()
                .map(|r| r.name.as_str())
                .collect();
            // Compared without the prefix too, as the user may have left it out.
            let short = |n: &'a str| n.strip_prefix(&format!("{prefix}-")).unwrap_or(n);
            let near = crate::spec::diagnostic::nearest(name, &names).or_else(|| {
                let shorts: Vec<&str> = names.iter().map(|n| short(n)).collect();
                let near = crate::spec::diagnostic::nearest(name, &shorts)?;
                names.iter().copied().find(|n| short(n) == near)
            });
            let hint = match near {
                Some(near) => format!("; did you mean {near}?"),
                None if names.is_empty() => "; it has no repositories".into(),
                None => format!("; it has {}", names.join(", ")),
            };
            WorkflowError::UnknownRepository {
                name: name.into(),
                hint,
            }
        })
}

fn role_arn(env: &Env, role: &crate::model::Role) -> String {
    role.arn(env)
}

/// The narrowest role that can push to the repository.
fn push_role<'a>(
    roles: &[RoleAccess<'a>],
    env: &Env,
    repository: &str,
) -> Result<RoleAccess<'a>, WorkflowError> {
    let arn = env.repository_arn(repository);
    narrowest(roles, |r| {
        r.can("ecr:PutImage", &arn) && r.can("ecr:GetAuthorizationToken", "*")
    })
    .ok_or_else(|| WorkflowError::NoRole {
        what: format!("push to {repository}"),
        hint: format!(
            "give a role a policy with `ecr_push: [{repository}]`, or pass --role-arn and --registry"
        ),
    })
}

fn lambda_role<'a>(roles: &[RoleAccess<'a>]) -> Result<RoleAccess<'a>, WorkflowError> {
    narrowest(roles, |r| {
        !r.resources_for("lambda:UpdateFunctionCode").is_empty()
    })
    .ok_or_else(|| WorkflowError::NoRole {
        what: "update Lambda function code".into(),
        hint: "give a role a policy with `lambda_deploy: {functions: [...]}`, or pass --role-arn \
               and --registry"
            .into(),
    })
}

/// The read-only role that can read everything drift reads.
fn drift_role<'a>(roles: &[RoleAccess<'a>]) -> Result<RoleAccess<'a>, WorkflowError> {
    narrowest(roles, |r| {
        r.read_only()
            && crate::observe::read_actions()
                .iter()
                .all(|action| r.can(action, "*"))
    })
    .ok_or_else(|| WorkflowError::NoRole {
        what: "run drift read-only (every action drift reads, on \"*\", and nothing else)".into(),
        hint: "`betekk-ecr init` writes one (GithubWorkflowsDriftRole), or pass --role-arn and \
               --registry"
            .into(),
    })
}

fn narrowest<'a>(
    roles: &[RoleAccess<'a>],
    able: impl Fn(&RoleAccess<'a>) -> bool,
) -> Option<RoleAccess<'a>> {
    roles
        .iter()
        .filter(|r| able(r))
        .min_by_key(|r| r.breadth())
        .cloned()
}

fn untrusted(role: &RoleAccess<'_>, tail: &str, what: &str) -> String {
    format!(
        "role {} does not trust {what} (sub repo:ORG/REPO:{tail}); it trusts {}. Add the subject to \
         its github_trust.subjects, or the workflow cannot assume it",
        role.role.name,
        role.trusted_subjects().join(", ")
    )
}

/// The image tags a push workflow uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImageTags {
    /// Tags start with it: the git tag that triggered the run is the image tag.
    pub(crate) prefix: String,
    pub(crate) immutable: bool,
}

impl ImageTags {
    /// The prefix of the first tagged rule that keeps a number of images (else of any tagged rule,
    /// else `v`), so that pushed images are the ones those rules keep.
    pub(crate) fn for_repository(repository: &Repository) -> Self {
        let rules = match &repository.settings.lifecycle_policy {
            Some(LifecyclePolicy::Rules { rules }) => rules.as_slice(),
            _ => &[],
        };
        let prefix_of = |rule: &crate::model::LifecycleRule| {
            rule.tag_prefixes.first().cloned().or_else(|| {
                rule.tag_patterns
                    .first()
                    .map(|p| p.split(['*', '?']).next().unwrap_or("").to_string())
                    .filter(|p| !p.is_empty())
            })
        };
        let tagged = || rules.iter().filter(|r| r.tag_status == TagStatus::Tagged);
        let prefix = tagged()
            .filter(|r| r.keep_last.is_some())
            .find_map(prefix_of)
            .or_else(|| tagged().find_map(prefix_of))
            .filter(|p| {
                p.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-".contains(c))
            })
            .unwrap_or_else(|| "v".into());
        ImageTags {
            prefix,
            immutable: repository.settings.image_tag_mutability == TagMutability::Immutable,
        }
    }
}

/// A YAML double-quoted scalar (JSON's string syntax is a subset of it).
fn q(s: &str) -> String {
    serde_json::to_string(s).expect("strings serialize")
}

fn header(request: &Request<'_>, repository: &Repository) -> String {
    format!(
        "# Generated by betekk-ecr {} (commit {}) from {}:\n\
         #   betekk-ecr workflow {} --repository {} --kind {}{}\n\
         # Generate it again rather than editing it; the actions are pinned in betekk-ecr.\n",
        env!("CARGO_PKG_VERSION"),
        env!("BETEKK_GIT_COMMIT"),
        request.spec_path,
        request.spec_path,
        repository.name,
        request.kind.as_str(),
        if request.target.dual_stack_registry.is_some() {
            " --dual-stack"
        } else {
            ""
        }
    )
}

fn credentials_step(out: &mut String, pin: Pin, role_arn: &str) {
    let _ = write!(
        out,
        "      - name: Assume the role through GitHub's OIDC token\n        \
         uses: {}\n        with:\n          role-to-assume: {}\n          \
         aws-region: ${{{{ env.AWS_REGION }}}}\n",
        CONFIGURE_AWS_CREDENTIALS.uses(pin),
        q(role_arn)
    );
}

fn checkout_step(out: &mut String, pin: Pin) {
    let _ = write!(
        out,
        "      - uses: {}\n        with:\n          persist-credentials: false\n",
        CHECKOUT.uses(pin)
    );
}

fn push_workflow(
    out: &mut String,
    request: &Request<'_>,
    repository: &str,
    tags: &ImageTags,
    role_arn: &str,
) {
    let pin = request.pin;
    let dual_stack = request.target.dual_stack_registry.as_deref();
    let title = match request.kind {
        Kind::Lambda => format!("Push {repository} and deploy it to Lambda"),
        _ => format!("Push {repository}"),
    };
    let _ = write!(
        out,
        "name: {title}\n\non:\n  push:\n    tags:\n      - {tag_glob}\n\n\
         permissions: {{}}\n\n\
         concurrency:\n  group: {group}\n  cancel-in-progress: false\n\n\
         env:\n  AWS_REGION: {region}\n  REGISTRY: {registry}\n{ipv4}  REPOSITORY: {repo}\n  \
         TAG_PREFIX: {prefix}\n  IMAGE_TAG: ${{{{ github.ref_name }}}}\n\n\
         jobs:\n  push:\n    name: Build and push the image\n    runs-on: ubuntu-latest\n    \
         timeout-minutes: 30\n    permissions:\n      id-token: write # the OIDC token that assumes the AWS role\n      contents: read # check out the repository\n    \
         steps:\n",
        title = q(&title),
        tag_glob = q(&format!("{}*", tags.prefix)),
        group = q(&format!("push-{repository}-${{{{ github.ref }}}}")),
        region = q(&request.target.env.region),
        registry = q(dual_stack.unwrap_or(&request.target.registry)),
        ipv4 = match (dual_stack, request.kind) {
            (Some(_), Kind::Lambda) =>
                format!("  IPV4_REGISTRY: {}\n", q(&request.target.registry)),
            _ => String::new(),
        },
        repo = q(repository),
        prefix = q(&tags.prefix),
    );
    let _ = write!(
        out,
        "      - name: Check the tag\n        run: |\n          \
         if [[ \"$IMAGE_TAG\" != \"$TAG_PREFIX\"* || ! \"$IMAGE_TAG\" =~ ^[A-Za-z0-9_][A-Za-z0-9_.-]{{0,127}}$ ]]; then\n            \
         echo \"::error::$IMAGE_TAG is not an image tag starting with $TAG_PREFIX (the tags the lifecycle rules keep)\"\n            \
         exit 1\n          fi\n"
    );
    checkout_step(out, pin);
    credentials_step(out, pin, role_arn);
    if dual_stack.is_some() {
        let _ = write!(
            out,
            "      - name: Log in to the registry's dual-stack host\n        \
             run: aws ecr get-login-password --region \"$AWS_REGION\" | docker login --username AWS --password-stdin \"$REGISTRY\"\n"
        );
    } else {
        let _ = write!(
            out,
            "      - name: Log in to the registry\n        uses: {}\n",
            AMAZON_ECR_LOGIN.uses(pin)
        );
    }
    if tags.immutable {
        let _ = write!(
            out,
            "      - name: Refuse to reuse a tag (the repository is IMMUTABLE)\n        run: |\n          \
             if aws ecr describe-images --repository-name \"$REPOSITORY\" --image-ids \"imageTag=$IMAGE_TAG\" >/dev/null 2>&1; then\n            \
             echo \"::error::$REPOSITORY:$IMAGE_TAG exists and its tags are immutable; push a new git tag\"\n            \
             exit 1\n          fi\n      \
             - name: Build\n        run: docker build --tag \"$REGISTRY/$REPOSITORY:$IMAGE_TAG\" .\n"
        );
    } else {
        let _ = write!(
            out,
            "      - name: Build\n        run: docker build --tag \"$REGISTRY/$REPOSITORY:$IMAGE_TAG\" --tag \"$REGISTRY/$REPOSITORY:latest\" .\n"
        );
    }
    let _ = write!(
        out,
        "      - name: Push\n        run: docker push --all-tags \"$REGISTRY/$REPOSITORY\"\n"
    );
    if dual_stack.is_some() {
        // What amazon-ecr-login does after the job: the token is not left on a reused runner.
        let _ = write!(
            out,
            "      - name: Log out of the registry\n        if: always()\n        \
             run: docker logout \"$REGISTRY\"\n"
        );
    }
}

/// `registry`: the variable naming the host Lambda is given the image by.
fn deploy_job(
    out: &mut String,
    pin: Pin,
    role: &Assumed<'_>,
    registry: &str,
    warnings: &mut Vec<String>,
) {
    let resources = role
        .access
        .as_ref()
        .map(|r| r.resources_for("lambda:UpdateFunctionCode"))
        .unwrap_or_default();
    let names: Vec<&str> = resources
        .iter()
        .filter_map(|arn| arn.split(":function:").nth(1))
        .collect();
    let concrete: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| !n.contains(['*', '?']))
        .collect();
    let patterns: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| n.contains(['*', '?']))
        .collect();
    if concrete.is_empty() {
        warnings.push(format!(
            "the spec names no function the role may update by its exact name ({}): set FUNCTIONS \
             in the workflow to the functions to update",
            if patterns.is_empty() {
                "none".into()
            } else {
                patterns.join(", ")
            }
        ));
    }
    let _ = write!(
        out,
        "\n  deploy:\n    name: Point the Lambda functions at the image\n    needs: push\n    \
         runs-on: ubuntu-latest\n    timeout-minutes: 15\n    \
         permissions:\n      id-token: write # the OIDC token that assumes the AWS role\n    env:\n      \
         # Space-separated; the role may update: {allowed}\n      FUNCTIONS: {functions}\n    steps:\n",
        allowed = if names.is_empty() {
            "(not a role of this spec)".to_string()
        } else {
            names.join(", ")
        },
        functions = q(&concrete.join(" ")),
    );
    credentials_step(out, pin, &role.arn);
    let _ = write!(
        out,
        "      - name: Update the function code\n        run: |\n          \
         if [[ -z \"$FUNCTIONS\" ]]; then\n            \
         echo \"::error::FUNCTIONS is empty: name the functions to update in this workflow\"\n            \
         exit 1\n          fi\n          \
         for function in $FUNCTIONS; do\n            \
         aws lambda update-function-code --function-name \"$function\" --image-uri \"{registry}/$REPOSITORY:$IMAGE_TAG\" --query LastUpdateStatus --output text\n            \
         aws lambda wait function-updated-v2 --function-name \"$function\"\n          \
         done\n"
    );
}

fn drift_workflow(out: &mut String, request: &Request<'_>, role_arn: &str) {
    let stack = &request.desired.stack;
    // A fixed minute and hour per stack, so that many stacks do not all call AWS at once.
    let spread: u32 = stack.bytes().map(u32::from).sum::<u32>() * 7;
    let cron = format!("{} {} * * *", spread % 60, (spread / 60) % 24);
    let action = match actions::betekk_ecr() {
        Some(a) => a.uses(request.pin),
        None => format!(
            "{}@v{}",
            actions::BETEKK_ECR_REPOSITORY,
            env!("CARGO_PKG_VERSION_MAJOR")
        ),
    };
    let _ = write!(
        out,
        "name: {title}\n\non:\n  schedule:\n    - cron: {cron}\n  workflow_dispatch: {{}}\n\n\
         permissions: {{}}\n\n\
         concurrency:\n  group: {group}\n  cancel-in-progress: false\n\n\
         env:\n  AWS_REGION: {region}\n\n\
         jobs:\n  drift:\n    name: Compare AWS with the spec\n    runs-on: ubuntu-latest\n    \
         timeout-minutes: 15\n    permissions:\n      id-token: write # the OIDC token that assumes the AWS role\n      contents: read # check out the repository\n    \
         steps:\n",
        title = q(&format!("Drift of {stack}")),
        cron = q(&cron),
        group = q(&format!("drift-{stack}")),
        region = q(&request.target.env.region),
    );
    checkout_step(out, request.pin);
    credentials_step(out, request.pin, role_arn);
    let _ = write!(
        out,
        "      - name: betekk-ecr drift (the report goes to the job summary)\n        uses: {action}\n        \
         with:\n          command: drift\n          spec: {spec}\n          fail-on: drifted\n",
        spec = q(request.spec_path),
    );
}

#[cfg(test)]
mod tests;
