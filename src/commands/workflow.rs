//! `workflow SPEC --repository NAME [--kind push|lambda|drift] [--dual-stack]`: a GitHub Actions
//! workflow for one repository. The account comes from `--role-arn` (offline) or from STS;
//! nothing else is read.

use std::path::Path;

use super::Exit;
use super::init::write_file;
use super::session::{connect, load_spec, region};
use crate::cli::{GlobalArgs, Pin, WorkflowArgs, WorkflowKind};
use crate::error::Error;
use crate::live::StsApi;
use crate::model::Env;
use crate::workflow::{self, Kind, Request, Target, actions};

pub(crate) async fn run(global: &GlobalArgs, args: &WorkflowArgs) -> Result<Exit, Error> {
    let mut spec = load_spec(&args.spec)?;
    spec.desired.region = region(global, &spec)?;
    let target = match (&args.role_arn, &args.registry) {
        (Some(role_arn), Some(registry)) => {
            offline_target(role_arn, registry, &spec.desired.region)?
        }
        _ => {
            let client = connect(global, &spec.desired.region).await;
            let identity = client.caller_identity().await.map_err(Error::Observe)?;
            let env = Env {
                account: identity.account,
                partition: identity.partition,
                region: spec.desired.region.clone(),
            };
            Target {
                registry: env.registry_host(),
                dual_stack_registry: None,
                env,
                role_arn: None,
            }
        }
    };
    let target = if args.dual_stack {
        let Some(host) = target.env.dual_stack_registry_host() else {
            return Err(Error::Refused(format!(
                "--dual-stack: AWS documents the dual-stack registry host for the aws partition \
                 only, not {}",
                target.env.partition
            )));
        };
        Target {
            dual_stack_registry: Some(host),
            ..target
        }
    } else {
        target
    };
    let spec_path = spec_path_in_repository(&args.spec);
    let generated = workflow::generate(&Request {
        desired: &spec.desired,
        spec_path: &spec_path,
        repository: &args.repository,
        kind: match args.kind {
            WorkflowKind::Push => Kind::Push,
            WorkflowKind::Lambda => Kind::Lambda,
            WorkflowKind::Drift => Kind::Drift,
        },
        pin: match args.pin {
            Pin::Sha => actions::Pin::Commit,
            Pin::Tags => actions::Pin::MajorTag,
        },
        target,
    })?;
    for warning in &generated.warnings {
        eprintln!("warning: {warning}");
    }
    match &args.out {
        None => {
            print!("{}", generated.text);
            eprintln!("(usually saved as {})", generated.suggested_path);
        }
        Some(path) => {
            write_file(path, &generated.text, args.force)?;
            eprintln!("Wrote {}.", path.display());
        }
    }
    Ok(Exit::Ok)
}

/// The account and partition from the role's ARN; the registry as given.
fn offline_target(role_arn: &str, registry: &str, region: &str) -> Result<Target, Error> {
    let parts: Vec<&str> = role_arn.splitn(6, ':').collect();
    let (partition, account) = match parts.as_slice() {
        ["arn", partition, "iam", "", account, resource]
            if crate::model::is_account_id(account) && resource.starts_with("role/") =>
        {
            (partition.to_string(), account.to_string())
        }
        _ => {
            return Err(Error::Refused(format!(
                "--role-arn {role_arn:?} is not a role ARN (arn:aws:iam::123456789012:role/NAME)"
            )));
        }
    };
    let env = Env {
        account,
        partition,
        region: region.to_string(),
    };
    let valid_host = !registry.is_empty()
        && registry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if !valid_host {
        return Err(Error::Refused(format!(
            "--registry {registry:?} is not a host name (ACCOUNT.dkr.ecr.REGION.amazonaws.com)"
        )));
    }
    if registry != env.registry_host() {
        eprintln!(
            "warning: --registry {registry} is not the account's registry in {region} ({})",
            env.registry_host()
        );
    }
    Ok(Target {
        env,
        registry: registry.to_string(),
        dual_stack_registry: None,
        role_arn: Some(role_arn.to_string()),
    })
}

/// The spec's path as a workflow in the same repository names it: relative to the repository's
/// root when the spec is inside the current directory's repository, else as given.
fn spec_path_in_repository(spec: &Path) -> String {
    let absolute = std::path::absolute(spec).unwrap_or_else(|_| spec.to_path_buf());
    let root = std::process::Command::new("git")
        .args(["rev-parse", "--show-toplevel"])
        .current_dir(absolute.parent().unwrap_or(Path::new(".")))
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|o| std::path::PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    root.and_then(|root| absolute.strip_prefix(root).ok().map(Path::to_path_buf))
        .unwrap_or_else(|| spec.to_path_buf())
        .display()
        .to_string()
}
