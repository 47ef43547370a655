//! Access: who gets in, and why. Evaluates the documents the spec (or the account) holds against
//! the request a GitHub token, an IAM principal or a service would make — what `explain` shows.
//!
//! Pure, like the planner: documents and requests in, decisions with reasons out. The evaluator is
//! our own and deliberately small (see [`evaluate`] for what it covers); the tests hold its
//! decisions against an independent IAM policy simulator.

pub(crate) mod evaluate;
pub(crate) mod github_token;
pub(crate) mod replication;
pub(crate) mod view;

#[cfg(test)]
mod tests;

pub use evaluate::{Decision, Evaluation, NamedPolicy, Request, evaluate};
pub use github_token::{GithubToken, SubjectForm};
