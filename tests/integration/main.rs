//! Integration tests against LocalStack (started from `localstack/` unless BETEKK_TEST_ENDPOINT
//! points at one already running). Each test works in its own account (a random 12-digit access
//! key id), so tests run in parallel without resetting anything.

mod access;
mod churn;
mod cli;
mod drift;
mod ecr;
mod fault_proxy;
mod faults;
mod github_ids;
mod harness;
mod iam;
mod install;
mod lanes;
mod lifecycle;
mod lock;
mod markdown;
mod permissions;
mod progress;
mod registry;
mod schema;
mod targets;
mod workflows;
