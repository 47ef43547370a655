//! `init SERVICE`: a commented starter spec with the recipe's standard set.

use std::io::Write;
use std::path::Path;

use super::Exit;
use crate::cli::InitArgs;
use crate::error::Error;
use crate::spec;

/// The schema file the starter spec's first line points editors (yaml-language-server) to; init
/// writes it beside the spec, `betekk-ecr schema` prints it.
pub(crate) const SCHEMA_FILE: &str = "betekk-ecr.schema.json";

/// The YAML text `init SERVICE` writes: a commented spec with the recipe's standard set of
/// repository, OIDC provider, roles and policies for `service`, with `project_prefix: prefix`.
/// It passes `validate`.
pub fn starter_spec(service: &str, prefix: &str) -> String {
    let read_actions = crate::observe::read_actions().join(", ");
    format!(
        r#"# yaml-language-server: $schema=./{SCHEMA_FILE}
# betekk-ecr spec for {service}: `betekk-ecr plan` shows what `betekk-ecr apply` would change.
# Reference: README.md, "The spec". {{prefix}} is project_prefix, {{PREFIX}} its upper case.
version: 1
stack: {service}                # tags everything this spec manages (betekk-ecr:stack)
project_prefix: {prefix}
environment: ""                 # set to tag every resource with Environment
region: ap-southeast-1          # authoritative (AWS_REGION does not override it); or regions: [..]
tags: {{}}                        # added to every resource

repositories:
  - name: "{{prefix}}-{service}"
    image_tag_mutability: IMMUTABLE
    scan_on_push: true
    encryption: {{type: AES256}}
    force_delete: false         # true (and --allow-replace) before a repository with images may be replaced
    lifecycle_policy:
      rules:
        - priority: 1
          description: Keep last 50 images
          tag_status: tagged
          tag_prefixes: [v]
          keep_last: 50
        - priority: 2
          description: Expire untagged images after 14 days
          tag_status: untagged
          expire_after_days: 14

github:
  organizations: [nus-cee, betekk]   # old + new organization during the migration
  oidc_provider:
    manage: true                # false: use an existing provider without changing it
    url: https://token.actions.githubusercontent.com
    client_ids: [sts.amazonaws.com]

policies:
  - name: "{{prefix}}-ECRUploadPolicy"
    description: Push and pull the {service} repository
    ecr_push: ["{{prefix}}-{service}"]
  - name: "{{prefix}}-LambdaDeployPolicy"
    description: Deploy the {service} Lambda functions
    lambda_deploy: {{functions: ["{{prefix}}-{service}-*"]}}
  - name: "{{prefix}}-DriftReadPolicy"
    description: What betekk-ecr drift reads, nothing more
    statements:
      - sid: DriftRead
        actions: [{read_actions}]
        resources: ["*"]

# The recipe's role names are per account: with several services in one account, give each
# service's roles their own names (e.g. "{{PREFIX}}-{service}-UploadRole").
roles:
  - name: "{{PREFIX}}-GithubWorkflowsUploadRole"
    description: GitHub Actions pushes {service} images
    github_trust:
      # With GitHub's id ({{name: {service}, id: N}}, N from `gh api repos/ORG/{service} --jq .id`)
      # a re-created repository of the same name is refused, and the immutable subject
      # (repo:ORG@ORG_ID/REPO@REPO_ID:…) of new and transferred repositories is accepted.
      repositories: [{service}]
      subjects: ["ref:refs/tags/v*"]   # the tags the generated workflows push on; or "ref:refs/heads/main", "environment:prod"
      # claims: {{environment: [prod]}}   # optional: job_workflow_ref, environment, ref, actor, …
    policies: ["{{prefix}}-ECRUploadPolicy"]
    max_session_duration: 3600
  - name: "{{PREFIX}}-GithubWorkflowsLambdaDeployRole"
    description: GitHub Actions deploys {service} Lambdas
    github_trust:
      repositories: [{service}]
      subjects: ["ref:refs/tags/v*"]   # the tags the generated lambda workflow deploys on
    policies: ["{{prefix}}-LambdaDeployPolicy"]
  - name: "{{PREFIX}}-GithubWorkflowsDriftRole"
    description: Scheduled betekk-ecr drift on the default branch (read-only)
    github_trust:
      repositories: [{service}]
      subjects: ["ref:refs/heads/main"]
    policies: ["{{prefix}}-DriftReadPolicy"]
"#
    )
}

pub(crate) fn run(args: &InitArgs) -> Result<Exit, Error> {
    let text = starter_spec(&args.service, &args.prefix);
    // The starter must itself be valid: a broken template is a bug, not a user error.
    spec::parse(&text, "init").map_err(|e| {
        Error::Refused(format!(
            "cannot build a starter spec for {:?}: {e}",
            args.service
        ))
    })?;
    match &args.out {
        None => {
            print!("{text}");
            eprintln!(
                "For completion and checks in editors, save the schema beside the spec: \
                 betekk-ecr schema > {SCHEMA_FILE}"
            );
        }
        Some(path) => {
            write_new(path, &text, args.force)?;
            // Generated, so always current: written over an older one.
            let schema = path.with_file_name(SCHEMA_FILE);
            let text = crate::render::json::to_string(&spec::schema()) + "\n";
            write_file(&schema, &text, true)?;
            eprintln!(
                "Wrote {} (the spec's JSON Schema, for editors).",
                schema.display()
            );
        }
    }
    Ok(Exit::Ok)
}

pub(crate) fn write_new(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    write_file(path, text, force)?;
    eprintln!(
        "Wrote {}. Next: betekk-ecr plan {}",
        path.display(),
        path.display()
    );
    Ok(())
}

/// Writes `text` to a new file (or over one, with `force`).
pub(crate) fn write_file(path: &Path, text: &str, force: bool) -> Result<(), Error> {
    if path.exists() && !force {
        return Err(Error::Refused(format!(
            "{} exists; pass --force to overwrite it",
            path.display()
        )));
    }
    let io = |source| Error::Io {
        what: format!("cannot write {}", path.display()),
        source,
    };
    let mut file = std::fs::File::create(path).map_err(io)?;
    file.write_all(text.as_bytes()).map_err(io)
}
