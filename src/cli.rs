//! Command-line interface: commands, flags and the documented exit codes. Parsing only.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

pub(crate) const EXIT_CODES: &str = "\
Exit codes:
  0  success; plan --detailed-exitcode: no changes; drift: in sync
  1  error: invalid spec, AWS error, refused or failed apply, refused saved plan, stack locked by
     another apply (apply), lock id not matching (force-unlock)
  2  plan --detailed-exitcode: changes are pending; drift: drift or pending changes found
     (with --fail-on drifted: only drifted or missing resources)
  3  explain: denied
  130 apply interrupted (SIGINT/SIGTERM): the report lists every change's outcome; run apply again";

#[derive(Debug, Parser)]
#[command(
    name = "betekk-ecr",
    version = concat!(env!("CARGO_PKG_VERSION"), " (commit ", env!("BETEKK_GIT_COMMIT"), ")"),
    about = "Provision ECR repositories, the GitHub OIDC provider and IAM roles straight through the AWS SDK",
    long_about = "Reads a YAML spec, reads live AWS state (there is no state file), and shows or makes the \
                  changes that bring AWS in line with the spec.",
    after_help = EXIT_CODES
)]
/// The whole command line: the flags every command takes, and the command.
pub struct Cli {
    /// Flags that apply to every command.
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// What stdout carries (`--output`); progress and logs go to stderr whatever it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    /// Text for a terminal (the default).
    // `help = None`: these docs are for the library; `--help` lists the value without text.
    #[value(help = None)]
    #[default]
    Human,
    /// One JSON document with a `schema_version`, also for errors.
    #[value(help = None)]
    Json,
    /// A compact report for pull-request comments and job summaries (plan, apply, drift; other
    /// commands print their human output)
    Markdown,
}

/// Flags every command takes (`global = true`): where to run, how to talk to AWS, what to print.
#[derive(Debug, Args, Clone)]
pub struct GlobalArgs {
    /// Run in this one of the spec's regions only (an error if the spec does not name it); for a
    /// spec naming no region: the region (else AWS_REGION, else ap-southeast-1). The spec's
    /// regions are authoritative: AWS_REGION does not override them
    #[arg(long, global = true)]
    pub(crate) region: Option<String>,
    /// Run for this one of the spec's targets only
    #[arg(long, global = true)]
    pub(crate) target: Option<String>,
    /// Named profile from the AWS config files
    #[arg(long, global = true)]
    pub(crate) profile: Option<String>,
    /// Send AWS requests to this endpoint (LocalStack: http://127.0.0.1:4566)
    #[arg(long, global = true, env = "AWS_ENDPOINT_URL")]
    pub(crate) endpoint_url: Option<String>,
    /// Output format (stdout): human (default), json, or markdown (plan, apply and drift: for
    /// pull-request comments and job summaries); progress and logs always go to stderr
    #[arg(long, global = true, value_enum, default_value_t = OutputFormat::Human)]
    pub output: OutputFormat,
    /// Maximum AWS calls in flight at once per lane: IAM of an account, ECR, STS and SSM of an
    /// account and region (a throttled lane halves its window, then grows it back); changes in
    /// flight per target while applying
    #[arg(long, global = true, default_value_t = 16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub(crate) parallelism: u16,
    /// Maximum AWS calls in flight over all lanes together (sockets, memory); default: 64 lanes'
    /// worth, 64 × --parallelism
    #[arg(long, global = true, value_parser = clap::value_parser!(u32).range(1..))]
    pub(crate) max_in_flight: Option<u32>,
    /// Attempts per AWS call, retries included (throttling, 5xx and resets; exponential backoff with jitter)
    #[arg(long, global = true, default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub(crate) max_attempts: u32,
    /// Print the API calls this run made, by operation (always in JSON output)
    #[arg(long, global = true)]
    pub(crate) stats: bool,
    /// Log to stderr: -v info, -vv debug, -vvv trace (RUST_LOG also works)
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Show what apply would change; change nothing
    Plan(PlanArgs),
    /// Make live AWS match the spec
    Apply(ApplyArgs),
    /// Check a spec offline: no credentials, no AWS calls
    Validate(ValidateArgs),
    /// Print repository URLs and role ARNs for workflows (like `tofu output`)
    Output(SpecArg),
    /// Report what changed in AWS (drifted, missing), what the spec changed (pending) and what
    /// no spec manages (unmanaged); read-only, never writes
    Drift(DriftArgs),
    /// Write a spec from what exists in the account (repositories, the GitHub OIDC provider,
    /// roles trusting it, their policies); read-only unless --adopt
    Import(ImportArgs),
    /// Write a commented starter spec with the standard set for a service
    Init(InitArgs),
    /// Print the IAM policy the caller needs to run plan, drift or apply on this spec: least
    /// privilege, scoped to the spec's own ARNs, one document per target account; offline
    Permissions(PermissionsArgs),
    /// Remove the stack's apply lock left by an apply that is gone; only the lock with this id
    /// (in each target account, or the one --target names)
    ForceUnlock(ForceUnlockArgs),
    /// What the spec's lifecycle rules would expire or archive now, image by image, with the
    /// repository's size before and after; read-only (offline with --images)
    LifecyclePreview(LifecyclePreviewArgs),
    /// Who gets in, and why: evaluate a GitHub token, an IAM principal or a role's action against
    /// the spec's documents (or the account's, with --live); exit 0 allowed, 3 denied
    Explain(Box<ExplainArgs>),
    /// Write a GitHub Actions workflow for one repository of the spec: push (build and push the
    /// image), lambda (push, then update the functions) or drift (scheduled, read-only)
    Workflow(WorkflowArgs),
    /// Read GitHub's numeric ids (and OIDC subject templates) of the spec's organizations and
    /// trusted repositories; print the entries to use, or write them into the spec (--write)
    GithubIds(GithubIdsArgs),
    /// Print the spec's JSON Schema (draft 2020-12), for editors (yaml-language-server)
    Schema,
    /// Print a shell completion script: bash, zsh, fish or powershell
    Completions(CompletionsArgs),
    /// Print the man page (roff) to stdout
    Man,
}

/// `explain SPEC --github OWNER/REPO …`, `--principal ARN --action A --role NAME`, or
/// `--role NAME --action A --resource R`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// A GitHub Actions token of this repository (OWNER/REPOSITORY): which roles may it assume?
    #[arg(long, value_name = "OWNER/REPO", conflicts_with = "principal")]
    pub(crate) github: Option<String>,
    /// The token's repository_id claim (GitHub's numeric repository id)
    #[arg(long, requires = "github")]
    pub(crate) repository_id: Option<u64>,
    /// The owner's numeric id; with --repository-id the immutable subject form is asked too
    #[arg(long, requires = "github")]
    pub(crate) owner_id: Option<u64>,
    /// The token's ref (default refs/heads/main)
    #[arg(long = "ref", value_name = "REF", requires = "github")]
    pub(crate) git_ref: Option<String>,
    /// The job's environment (the subject becomes …:environment:NAME)
    #[arg(long, requires = "github")]
    pub(crate) environment: Option<String>,
    /// A pull_request event without environment (the subject becomes …:pull_request)
    #[arg(long, requires = "github")]
    pub(crate) pull_request: bool,
    /// The token's job_workflow_ref claim (OWNER/REPO/.github/workflows/F.yml@REF)
    #[arg(long, requires = "github")]
    pub(crate) workflow_ref: Option<String>,
    /// The token's aud claim (default sts.amazonaws.com)
    #[arg(long, requires = "github")]
    pub(crate) audience: Option<String>,
    /// Any other claim of the token, KEY=VALUE (e.g. actor=octocat); repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_pair, requires = "github")]
    pub(crate) claim: Vec<(String, String)>,
    /// The subject template of the repository's tokens (GitHub's include_claim_keys, comma
    /// separated, e.g. repo,context,job_workflow_ref); default: the one the spec declares
    #[arg(long, value_delimiter = ',', requires = "github")]
    pub(crate) subject_claims: Option<Vec<String>>,
    /// Who asks: a user or role ARN, or a service principal (lambda.amazonaws.com)
    #[arg(long, requires = "action")]
    pub(crate) principal: Option<String>,
    /// The action asked for, e.g. sts:AssumeRole, ecr:PutImage, iam:PassRole
    #[arg(long)]
    pub(crate) action: Option<String>,
    /// A role of the spec: the one to assume (with --github / --principal), or the one acting
    /// (with --action and --resource)
    #[arg(long)]
    pub(crate) role: Option<String>,
    /// The resource: an ARN, or a name (a repository for ecr:, a role for iam:, a function for lambda:)
    #[arg(long)]
    pub(crate) resource: Option<String>,
    /// A request context key, KEY=VALUE (e.g. iam:PassedToService=lambda.amazonaws.com); repeatable
    #[arg(long, value_name = "KEY=VALUE", value_parser = parse_pair)]
    pub(crate) context: Vec<(String, String)>,
    /// Evaluate the account's live documents instead of the spec's
    #[arg(long)]
    pub(crate) live: bool,
    /// The account id the spec's documents are bound to offline (default 123456789012)
    #[arg(long, conflicts_with = "live")]
    pub(crate) account: Option<String>,
    /// Which ECR requests the registry policy governs (the account setting
    /// REGISTRY_POLICY_SCOPE): V2 every ECR action (AWS's default), V1 replication and pull
    /// through cache only. Default: V2 offline; with --live, the account's setting as read
    #[arg(long, value_enum)]
    pub(crate) registry_policy_scope: Option<crate::access::view::RegistryPolicyScope>,
}

/// `KEY=VALUE`.
pub(crate) fn parse_pair(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(k, _)| !k.is_empty())
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .ok_or_else(|| format!("{text:?}: expected KEY=VALUE"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum WorkflowKind {
    /// Build the image and push it with tags the repository's lifecycle rules keep
    #[default]
    Push,
    /// Push the image, then point Lambda functions at it
    Lambda,
    /// A scheduled `betekk-ecr drift` under the read-only drift role
    Drift,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum Pin {
    /// `@<full commit SHA> # vX.Y.Z`: what a tag points to cannot change under you
    #[default]
    Sha,
    /// `@vN`: follows the action's major release
    Tags,
}

#[derive(Debug, Args)]
pub(crate) struct WorkflowArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// The repository (its name in the spec, before or after {prefix} is expanded)
    #[arg(long)]
    pub(crate) repository: String,
    /// What the workflow does
    #[arg(long, value_enum, default_value_t = WorkflowKind::Push)]
    pub(crate) kind: WorkflowKind,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "out")]
    pub(crate) out: Option<PathBuf>,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub(crate) force: bool,
    /// The role the workflow assumes; with --registry, no AWS call is made
    #[arg(long, requires = "registry")]
    pub(crate) role_arn: Option<String>,
    /// The registry host (ACCOUNT.dkr.ecr.REGION.amazonaws.com); with --role-arn, no AWS call is made
    #[arg(long, requires = "role_arn")]
    pub(crate) registry: Option<String>,
    /// How actions are referenced
    #[arg(long, value_enum, default_value_t = Pin::Sha)]
    pub(crate) pin: Pin,
    /// Log in and push through the registry's dual-stack host (ACCOUNT.dkr-ecr.REGION.on.aws,
    /// IPv6 and IPv4); the aws partition only
    #[arg(long)]
    pub(crate) dual_stack: bool,
}

/// `betekk-ecr github-ids SPEC [--write]`; the token from GITHUB_TOKEN or GH_TOKEN, the API from
/// GITHUB_API_URL.
#[derive(Debug, Args)]
pub(crate) struct GithubIdsArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// Write the ids into the spec file, changing only those entries (comments and layout stay)
    #[arg(long)]
    pub(crate) write: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// The service name, e.g. probe-engine (names the stack, repository and trust)
    pub(crate) service: String,
    /// Project prefix for names
    #[arg(long, default_value = "betekk")]
    pub(crate) prefix: String,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "out")]
    pub(crate) out: Option<PathBuf>,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct ValidateArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// Also report security findings (mutable tags, scanning off, subjects ["*"] on a role that
    /// can push, trusted repositories without ids, push on "*") and exit 1 when there are any
    #[arg(long)]
    pub(crate) strict: bool,
}

#[derive(Debug, Args)]
pub(crate) struct SpecArg {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
}

#[derive(Debug, Args)]
pub(crate) struct PlanArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// Exit 0 when there are no changes, 2 when there are, 1 on error
    #[arg(long)]
    pub(crate) detailed_exitcode: bool,
    /// Also save the plan to this file; `apply FILE` then applies exactly it, or refuses when
    /// the spec file or the live state changed since
    #[arg(long)]
    pub(crate) out: Option<PathBuf>,
    /// Refuse (exit 1) when new lifecycle rules would expire more than N images now
    #[arg(long, value_name = "N")]
    pub(crate) max_lifecycle_expiry: Option<usize>,
}

#[derive(Debug, Args)]
pub(crate) struct ApplyArgs {
    /// The YAML spec file, or a plan saved by `plan --out`
    pub(crate) spec: PathBuf,
    /// Apply without asking (required when stdin is not a terminal)
    #[arg(short = 'y', long, visible_alias = "auto-approve")]
    pub(crate) yes: bool,
    /// Allow replacing a repository that holds images (it must also set force_delete: true)
    #[arg(long)]
    pub(crate) allow_replace: bool,
    /// Allow deleting a repository that holds images when it has left the spec
    #[arg(long)]
    pub(crate) allow_destroy: bool,
    /// Wait this long (e.g. 30s, 5m) for the stack's lock when another apply holds it, instead
    /// of stopping at once
    #[arg(long, value_parser = parse_wait, default_value = "0s", value_name = "DURATION")]
    pub(crate) lock_timeout: std::time::Duration,
    /// Apply without taking the stack's lock (for accounts where this caller has no SSM
    /// access); nothing then stops another apply of this stack from interleaving with this one
    #[arg(long)]
    pub(crate) no_lock: bool,
    /// Refuse, before changing anything, when new lifecycle rules would expire more than N
    /// images now
    #[arg(long, value_name = "N")]
    pub(crate) max_lifecycle_expiry: Option<usize>,
}

/// `betekk-ecr permissions SPEC [--for plan|apply|drift|all]`.
#[derive(Debug, Args)]
pub(crate) struct PermissionsArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// The command the caller will run
    #[arg(long = "for", value_enum, default_value_t = crate::permissions::For::Apply)]
    pub(crate) command: crate::permissions::For,
    /// The account id to put in the ARNs when the spec has no targets (default: `*`, any
    /// account, still scoped by name)
    #[arg(long, value_name = "ACCOUNT_ID")]
    pub(crate) account: Option<String>,
}

/// `betekk-ecr force-unlock SPEC LOCK_ID`.
#[derive(Debug, Args)]
pub(crate) struct ForceUnlockArgs {
    /// The YAML spec file (names the stack and its targets)
    pub(crate) spec: PathBuf,
    /// The id of the lock to remove, as the refused apply printed it
    pub(crate) lock_id: String,
}

/// `0`, `0s` or an [`parse_interval`]: how long to wait.
pub(crate) fn parse_wait(text: &str) -> Result<std::time::Duration, String> {
    match text.trim() {
        "0" | "0s" => Ok(std::time::Duration::ZERO),
        other => parse_interval(other),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub(crate) enum FailOn {
    /// Exit 2 on anything not in sync: drifted, missing, pending or unmanaged
    #[default]
    Any,
    /// Exit 2 only on changes made in AWS: drifted or missing resources
    Drifted,
}

#[derive(Debug, Args)]
pub(crate) struct DriftArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// What makes the exit code 2
    #[arg(long, value_enum, default_value_t = FailOn::Any)]
    pub(crate) fail_on: FailOn,
    /// Keep checking at this interval (e.g. 30s, 15m, 1h; ±10% jitter) until interrupted; the
    /// spec is read again each cycle, and a failed cycle is reported and the next one still runs
    #[arg(long, value_parser = parse_interval)]
    pub(crate) every: Option<std::time::Duration>,
}

/// `90`, `90s`, `15m`, `1h`, `1d`; at least one second.
pub(crate) fn parse_interval(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not an interval like 30s, 15m or 1h"))?;
    let seconds = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86400,
        _ => return Err(format!("{text:?}: the unit must be s, m, h or d")),
    };
    if seconds == 0 {
        return Err("the interval must be at least 1s".into());
    }
    Ok(std::time::Duration::from_secs(seconds))
}

#[derive(Debug, Args)]
pub(crate) struct ImportArgs {
    /// The stack name the spec will manage these resources as
    #[arg(long)]
    pub(crate) stack: String,
    /// Project prefix: only resources named with it are imported
    #[arg(long, default_value = "betekk")]
    pub(crate) prefix: String,
    /// Write to this file instead of stdout
    #[arg(short = 'o', long = "out")]
    pub(crate) out: Option<PathBuf>,
    /// Overwrite the file if it exists
    #[arg(long)]
    pub(crate) force: bool,
    /// Also tag the imported resources as this stack's (ManagedBy, betekk-ecr:stack and the
    /// last-applied fingerprint), so that a plan of the imported spec is empty; writes nothing else
    #[arg(long)]
    pub(crate) adopt: bool,
}

#[derive(Debug, Args)]
pub(crate) struct LifecyclePreviewArgs {
    /// The YAML spec file
    pub(crate) spec: PathBuf,
    /// Preview this repository only (its name in the spec, before or after {prefix} is
    /// expanded); repeatable. Default: every repository with lifecycle rules
    #[arg(long, value_name = "NAME")]
    pub(crate) repository: Vec<String>,
    /// Read the images from this file, what `aws ecr describe-images` prints
    /// ({"imageDetails": [...]}) for one repository, instead of from AWS: no credentials, no call
    #[arg(long, value_name = "FILE")]
    pub(crate) images: Option<PathBuf>,
}
