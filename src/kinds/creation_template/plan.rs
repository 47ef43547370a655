//! Planning repository creation templates: created, every setting updated in place, deleted when
//! the stack's record lists one the spec no longer has. Ownership is the record's, so a template
//! has no tag writes of its own; repositories already created from it are not touched.

use crate::kinds::creation_template::{ATTRIBUTES, Write};
use crate::model::Registered;
use crate::model::attribute;
use crate::model::{Address, CreationTemplate, Kind, Live, Resource};
use crate::model::{Env, Role};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Planned};
use crate::plan::{Action, AttributeChange, Change, Op};

fn address(t: &CreationTemplate) -> Address {
    Address::new(Kind::CreationTemplate, &t.prefix)
}

fn stored(t: &CreationTemplate) -> CreationTemplate {
    CreationTemplate {
        tags: Default::default(),
        ..t.clone()
    }
}

pub fn diff(want: &CreationTemplate, live: Option<&Live>) -> Option<Change> {
    let Some(Resource::CreationTemplate(have)) = live.map(|l| &l.resource) else {
        let attributes = crate::plan::create_attributes(&Resource::CreationTemplate(want.clone()));
        let ops = vec![Op::CreationTemplate(
            CreationTemplateOp::CreateCreationTemplate {
                template: stored(want),
            },
        )];
        return Some(Change::new(address(want), Action::Create, attributes, ops));
    };
    let changed = attribute::changed(ATTRIBUTES, want, have);
    let attributes: Vec<AttributeChange> = changed
        .iter()
        .map(|a| AttributeChange::new(a.name, Some((a.shown)(have)), Some((a.shown)(want))))
        .collect();
    if attributes.is_empty() {
        return None;
    }
    // Every setting's row names the template's one update call.
    let ops = attribute::writes(&changed)
        .into_iter()
        .map(|call| match call {
            Write::Template => Op::CreationTemplate(CreationTemplateOp::UpdateCreationTemplate {
                template: stored(want),
            }),
        })
        .collect();
    let mut change = Change::new(address(want), Action::Update, attributes, ops);
    change.notes.push(
        "applies to repositories ECR creates from now on; existing ones keep their settings".into(),
    );
    Some(change)
}

/// Deletes a template this stack owned that left the spec.
pub fn delete(have: &CreationTemplate) -> Change {
    let attributes = have
        .attributes()
        .into_iter()
        .filter(|(_, v)| !v.is_null())
        .map(|(n, v)| AttributeChange::new(n, Some(v), None))
        .collect();
    Change::new(
        address(have),
        Action::Delete,
        attributes,
        vec![Op::CreationTemplate(
            CreationTemplateOp::DeleteCreationTemplate {
                prefix: have.prefix.clone(),
            },
        )],
    )
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "create_creation_template",
        Kind::CreationTemplate,
        &["ecr:CreateRepositoryCreationTemplate"],
        &[
            Dependent::Always("ecr:CreateRepository"),
            Dependent::Always("ecr:PutLifecyclePolicy"),
            Dependent::Always("ecr:SetRepositoryPolicy"),
            Dependent::PassRole,
        ],
    ),
    row(
        "update_creation_template",
        Kind::CreationTemplate,
        &["ecr:UpdateRepositoryCreationTemplate"],
        &[
            Dependent::Always("ecr:CreateRepository"),
            Dependent::Always("ecr:PutLifecyclePolicy"),
            Dependent::Always("ecr:SetRepositoryPolicy"),
            Dependent::PassRole,
        ],
    ),
    row(
        "delete_creation_template",
        Kind::CreationTemplate,
        &["ecr:DeleteRepositoryCreationTemplate"],
        &[],
    ),
];

impl Planned for CreationTemplate {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, _cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        Ok(diff(self, live))
    }

    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        Some(delete(self))
    }

    /// ECR assumes the template's role when it applies the template: the role first.
    fn references(&self, desired: &[Resource], env: &Env) -> Vec<Address> {
        desired
            .iter()
            .filter(|r| {
                Role::of(r).is_some_and(|role| {
                    self.custom_role_arn.as_deref() == Some(role.arn(env).as_str())
                })
            })
            .map(Resource::address)
            .collect()
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
// The variant names are the plan's JSON op names, which users' scripts read.
#[allow(clippy::enum_variant_names)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum CreationTemplateOp {
    CreateCreationTemplate {
        template: CreationTemplate,
    },
    /// Writes every setting of the template.
    UpdateCreationTemplate {
        template: CreationTemplate,
    },
    DeleteCreationTemplate {
        prefix: String,
    },
}

impl crate::plan::op::Writes for CreationTemplate {
    type Op = CreationTemplateOp;
}

impl crate::plan::op::Details for CreationTemplateOp {
    fn passes_role(&self) -> bool {
        match self {
            CreationTemplateOp::CreateCreationTemplate { template }
            | CreationTemplateOp::UpdateCreationTemplate { template } => {
                template.custom_role_arn.is_some()
            }
            CreationTemplateOp::DeleteCreationTemplate { .. } => false,
        }
    }
}

#[cfg(test)]
mod tests;
