//! `github-ids`: GitHub's numeric ids (and OIDC subject customizations) for the organizations and
//! repositories a spec trusts, and the line edit that writes the ids into the spec file.
//!
//! [`entries`] finds the spec's GitHub names where they are written (line, column), [`api`] reads
//! GitHub's REST API, [`edit`] rewrites only those entries' text. The spec's meaning (validation,
//! trust documents) stays in `spec`; this module only locates and rewrites text.

pub(crate) mod api;
pub(crate) mod edit;
pub(crate) mod entries;
