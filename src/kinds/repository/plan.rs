//! Planning one repository: create, update attribute by attribute, replace, or delete.

use crate::model::Tags;
use crate::model::{Encryption, TagMutability};
use serde_json::json;

use crate::kinds::repository::{ATTRIBUTES, Write};
use crate::model::Live;
use crate::model::Registered;
use crate::model::Unit;
use crate::model::attribute::{self, Mutation};
use crate::model::fingerprint::Fingerprint;
use crate::model::lifecycle_preview::Preview;
use crate::model::{Address, Kind, LifecyclePolicy, Repository, Resource, TagTarget};
use crate::model::{Env, Role};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op, tag_ops};

/// `owned`: the live repository already carries this stack's tags (false: it is being adopted).
pub fn diff(want: &Repository, live: Option<&Live>, owned: bool) -> Option<Change> {
    let address = Address::new(Kind::Repository, &want.name);
    let Some(live) = live else {
        let attributes = crate::plan::create_attributes(&Resource::Repository(want.clone()));
        return Some(Change::new(
            address,
            Action::Create,
            attributes,
            create_ops(want),
        ));
    };
    let Resource::Repository(have) = &live.resource else {
        return None;
    };

    let encryption_differs = !want
        .settings
        .encryption
        .satisfied_by(&have.settings.encryption);
    if encryption_differs && owned {
        return Some(replace(want, have, address));
    }

    // Every in-place attribute of the table (tags have their own rules, below) whose canonical
    // value differs is shown, then written by the call its row names.
    let changed = attribute::changed(ATTRIBUTES, want, have);
    let mut attributes: Vec<AttributeChange> = changed
        .iter()
        .map(|a| attr(a.name, (a.shown)(have), (a.shown)(want)))
        .collect();
    let calls = attribute::writes(&changed);
    let mut ops: Vec<Op> = calls.iter().map(|&call| write(want, call)).collect();
    // Not a property of the live repository: recorded in the fingerprint, so that prune knows
    // whether the last apply allowed deleting its images.
    let recorded = Fingerprint::recorded(&live.resource)
        .and_then(|f| f.force_delete())
        .unwrap_or(false);
    if want.force_delete != recorded {
        attributes.push(attr(
            "force_delete",
            json!(recorded),
            json!(want.force_delete),
        ));
    }
    let arn = live.arn.clone();
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::Repository { arn: arn.clone() },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    let mut change =
        (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))?;
    if calls.contains(&Write::LifecyclePolicy)
        && let Some(LifecyclePolicy::Rules { rules }) = &want.settings.lifecycle_policy
        && let Some(read) = &live.dependents.images
    {
        let preview = Preview::new(&want.name, rules, &read.images, read.at);
        let mut note = format!("lifecycle_policy: {}", preview.note());
        if read.unread_indexes > 0 {
            note.push_str(&format!(
                "; {} image indexes were not read (ecr:BatchGetImage denied), so images they list \
                 are counted as if no index did",
                read.unread_indexes
            ));
        }
        change.notes.push(note);
        change.lifecycle_preview = Some(preview.for_plan());
    }
    if encryption_differs {
        // Adoption never recreates what this stack does not own yet; once adopted, the next plan
        // proposes the replacement, under the usual guards.
        change.notes.push(format!(
            "encryption differs ({} in AWS, {} in the spec) and can only change by recreating the \
             repository; adoption leaves it as it is",
            json!(have.settings.encryption),
            json!(want.settings.encryption)
        ));
    }
    Some(change)
}

/// The op of a call that writes changed attributes, with their desired values.
fn write(want: &Repository, call: Write) -> Op {
    let name = want.name.clone();
    match call {
        Write::TagMutability => Op::Repository(RepositoryOp::PutImageTagMutability {
            name,
            value: want.settings.image_tag_mutability,
            exclusion_filters: want.settings.image_tag_mutability_exclusion_filters.clone(),
        }),
        Write::ScanOnPush => Op::Repository(RepositoryOp::PutScanOnPush {
            name,
            value: want.scan_on_push,
        }),
        Write::LifecyclePolicy => match &want.settings.lifecycle_policy {
            Some(p) => Op::Repository(RepositoryOp::PutLifecyclePolicy {
                name,
                text: p.to_aws_text(),
            }),
            None => Op::Repository(RepositoryOp::DeleteLifecyclePolicy { name }),
        },
        Write::RepositoryPolicy => match &want.settings.repository_policy {
            Some(p) => Op::Repository(RepositoryOp::SetRepositoryPolicy {
                name,
                text: p.to_json_string(),
            }),
            None => Op::Repository(RepositoryOp::DeleteRepositoryPolicy { name }),
        },
    }
}

fn attr(name: &str, before: serde_json::Value, after: serde_json::Value) -> AttributeChange {
    AttributeChange::new(name, Some(before), Some(after))
}

fn create_ops(want: &Repository) -> Vec<Op> {
    let mut ops = vec![Op::Repository(RepositoryOp::CreateRepository {
        name: want.name.clone(),
        image_tag_mutability: want.settings.image_tag_mutability,
        exclusion_filters: want.settings.image_tag_mutability_exclusion_filters.clone(),
        scan_on_push: want.scan_on_push,
        encryption: want.settings.encryption.clone(),
        tags: want.tags.clone(),
    })];
    if let Some(p) = &want.settings.lifecycle_policy {
        ops.push(Op::Repository(RepositoryOp::PutLifecyclePolicy {
            name: want.name.clone(),
            text: p.to_aws_text(),
        }));
    }
    if let Some(p) = &want.settings.repository_policy {
        ops.push(Op::Repository(RepositoryOp::SetRepositoryPolicy {
            name: want.name.clone(),
            text: p.to_json_string(),
        }));
    }
    ops
}

/// Encryption is fixed at creation: the repository is deleted and created again, which deletes
/// its images. The executor refuses that for a non-empty repository without both opt-ins.
fn replace(want: &Repository, have: &Repository, address: Address) -> Change {
    let before: std::collections::BTreeMap<_, _> = have.attributes().into_iter().collect();
    let attributes = want
        .attributes()
        .into_iter()
        .filter(|(name, after)| before.get(name) != Some(after))
        .map(|(name, after)| {
            let mut a = AttributeChange::new(name, before.get(name).cloned(), Some(after));
            a.forces_replacement =
                attribute::mutation_of(ATTRIBUTES, name) == Some(Mutation::Replace);
            a
        })
        .collect();
    let mut ops = vec![Op::Repository(RepositoryOp::DeleteRepository {
        name: want.name.clone(),
        force_delete: want.force_delete,
        reason: DeleteReason::Replace,
    })];
    ops.extend(create_ops(want));
    let mut change = Change::new(address, Action::Replace, attributes, ops);
    change.notes.push(
        "replacing a repository deletes every image in it; if it holds images, apply needs \
         force_delete: true on it and --allow-replace"
            .into(),
    );
    change
}

/// Pruning: `force_delete` is what the last apply recorded; without it a repository holding
/// images needs `--allow-destroy`.
pub fn delete(have: &Repository) -> Change {
    let address = Address::new(Kind::Repository, &have.name);
    let force_delete = Fingerprint::recorded(&Resource::Repository(have.clone()))
        .and_then(|f| f.force_delete())
        .unwrap_or(false);
    let mut change = Change::new(
        address,
        Action::Delete,
        Vec::new(),
        vec![Op::Repository(RepositoryOp::DeleteRepository {
            name: have.name.clone(),
            force_delete,
            reason: DeleteReason::Destroy,
        })],
    );
    change.notes.push(if force_delete {
        "no longer in the spec but tagged with this stack; it was last applied with \
         force_delete: true, so its images are deleted with it"
            .into()
    } else {
        "no longer in the spec but tagged with this stack; if it holds images, apply needs --allow-destroy".into()
    });
    change
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "create_repository",
        Kind::Repository,
        // After a create race: listed again, its owner checked, its settings and tags made ours.
        &[
            "ecr:CreateRepository",
            "ecr:DescribeRepositories",
            "ecr:ListTagsForResource",
            "ecr:PutImageTagMutability",
            "ecr:PutImageScanningConfiguration",
            "ecr:TagResource",
        ],
        &[Dependent::WithTags("ecr:TagResource")],
    )
    .ensuring("exists already (created since the plan): listed, refused if another stack owns it, else its mutability, scanning and tags are written"),
    row(
        "delete_repository",
        Kind::Repository,
        // Whether it holds images decides the opt-in it needs.
        &["ecr:ListImages", "ecr:DeleteRepository"],
        &[],
    )
    .ensuring("whether it holds images is read first: with images it is deleted only with the opt-in (force_delete and --allow-replace, or --allow-destroy)"),
    row(
        "put_image_tag_mutability",
        Kind::Repository,
        &["ecr:PutImageTagMutability"],
        &[],
    ),
    row(
        "put_scan_on_push",
        Kind::Repository,
        &["ecr:PutImageScanningConfiguration"],
        &[],
    ),
    row(
        "put_lifecycle_policy",
        Kind::Repository,
        &["ecr:PutLifecyclePolicy"],
        &[],
    ),
    row(
        "delete_lifecycle_policy",
        Kind::Repository,
        &["ecr:DeleteLifecyclePolicy"],
        &[],
    ),
    row(
        "set_repository_policy",
        Kind::Repository,
        &["ecr:SetRepositoryPolicy"],
        &[],
    ),
    row(
        "delete_repository_policy",
        Kind::Repository,
        &["ecr:DeleteRepositoryPolicy"],
        &[],
    ),
    row(
        "set_tags",
        Kind::Repository,
        &["ecr:TagResource", "ecr:UntagResource"],
        &[],
    ),
];

impl Planned for Repository {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        Ok(diff(self, live, cx.owned))
    }

    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        Some(delete(self))
    }

    /// A repository policy may name a role created in the same apply (ECR rejects unknown
    /// principals): the role first.
    fn references(&self, desired: &[Resource], env: &Env) -> Vec<Address> {
        names_a_role(self, desired, env)
    }

    fn deleted_after() -> &'static [Kind] {
        &[Kind::Policy]
    }
}

/// The spec's roles a repository policy names as principals.
pub(crate) fn names_a_role(repo: &Repository, desired: &[Resource], env: &Env) -> Vec<Address> {
    let Some(text) = repo
        .settings
        .repository_policy
        .as_ref()
        .map(|d| d.to_json_string())
    else {
        return Vec::new();
    };
    desired
        .iter()
        .filter(|r| Role::of(r).is_some_and(|role| text.contains(&format!("{}\"", role.arn(env)))))
        .map(Resource::address)
        .collect()
}

/// Why a repository is deleted; decides which opt-in flag a non-empty repository needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DeleteReason {
    /// Replacement (a change that cannot be made in place): needs `force_delete` and `--allow-replace`.
    Replace,
    /// Pruning a repository that left the spec: needs `--allow-destroy`.
    Destroy,
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RepositoryOp {
    CreateRepository {
        name: String,
        image_tag_mutability: TagMutability,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
        scan_on_push: bool,
        encryption: Encryption,
        tags: Tags,
    },
    DeleteRepository {
        name: String,
        force_delete: bool,
        reason: DeleteReason,
    },
    /// The mutability with its exclusion filters (one call sets both).
    PutImageTagMutability {
        name: String,
        value: TagMutability,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        exclusion_filters: Vec<String>,
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
}

impl crate::plan::op::Writes for Repository {
    type Op = RepositoryOp;
}

impl crate::plan::op::Details for RepositoryOp {
    fn carries_tags(&self) -> bool {
        matches!(self, RepositoryOp::CreateRepository { tags, .. } if !tags.is_empty())
    }
}

#[cfg(test)]
mod tests;
