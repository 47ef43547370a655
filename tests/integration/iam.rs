//! IAM/OIDC end to end (filled in below).
