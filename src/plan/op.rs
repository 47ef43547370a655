//! The executor's vocabulary: every write this tool can make, with every value it needs.

use serde::{Deserialize, Serialize};

use crate::model::{Encryption, TagMutability, Tags};

/// Why a repository is deleted; decides which opt-in flag a non-empty repository needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteReason {
    /// Replacement (a change that cannot be made in place): needs `force_delete` and `--allow-replace`.
    Replace,
    /// Pruning a repository that left the spec: needs `--allow-destroy`.
    Destroy,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    CreateRepository {
        name: String,
        image_tag_mutability: TagMutability,
        scan_on_push: bool,
        encryption: Encryption,
        tags: Tags,
    },
    DeleteRepository {
        name: String,
        force_delete: bool,
        reason: DeleteReason,
    },
    PutImageTagMutability {
        name: String,
        value: TagMutability,
    },
    PutScanOnPush {
        name: String,
        value: bool,
    },
    PutLifecyclePolicy {
        name: String,
        text: String,
    },
    DeleteLifecyclePolicy {
        name: String,
    },
    SetRepositoryPolicy {
        name: String,
        text: String,
    },
    DeleteRepositoryPolicy {
        name: String,
    },
    TagRepository {
        arn: String,
        tags: Tags,
    },
    UntagRepository {
        arn: String,
        keys: Vec<String>,
    },
}
