//! betekk-ecr: provision ECR repositories (and, through the same pipeline, the GitHub OIDC
//! provider and IAM roles) straight through the AWS SDK, with live AWS as the only state.
//!
//! Data flows one way: [`spec`] reads YAML into the desired model ([`model`]); `observe` reads
//! live state through the one AWS access layer ([`live`]); `plan` compares the two, purely, into
//! a plan of changes and operations; `apply` executes that plan; `render` shows plans and
//! reports to people and machines. [`commands`] wires the stages for each CLI command;
//! [`workflow`] writes GitHub Actions workflows from a spec.
//!
//! Public are the layers the binary, the integration tests and the bench use (`access`, `cli`,
//! `commands`, `error`, `live`, `model`, `spec`, `workflow`); the pipeline's inner stages
//! (`observe`, `plan`, `apply`, `drift`, `import`, `render`, `causes`) are the crate's own.
//! Inside the public layers, too, only what those callers use or a public signature names is
//! public (the rest is `pub(crate)`), and every public item is documented.

#![deny(missing_docs)]

pub mod access;
pub(crate) mod apply;
pub(crate) mod causes;
pub mod cli;
pub(crate) mod clock;
pub mod commands;
pub(crate) mod drift;
pub mod error;
pub(crate) mod github_ids;
pub(crate) mod import;
/// Every resource kind, one folder each: its model, spec reader, reads, plan and AWS calls.
pub(crate) mod kinds;
pub mod live;
pub(crate) mod lock;
pub mod model;
pub(crate) mod observe;
pub(crate) mod permissions;
pub(crate) mod plan;
pub(crate) mod render;
pub mod spec;
#[cfg(test)]
pub(crate) mod testing;
pub mod workflow;
