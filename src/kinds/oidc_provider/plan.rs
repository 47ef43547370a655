//! Planning the OIDC provider: client ids by add/remove, thumbprints only when the spec lists
//! some, tags.

use crate::model::Tags;
use serde_json::json;

use crate::model::Kind;
use crate::model::Live;
use crate::model::{Address, Env, OidcProvider, Resource, TagTarget};
use crate::plan::PlanError;
use crate::plan::calls::{Dependent, OpCalls, row};
use crate::plan::planned::{Context, Foreign, Planned};
use crate::plan::{Action, AttributeChange, Change, Op, tag_ops};

pub fn arn(env: &Env, provider: &OidcProvider) -> String {
    env.iam_arn("oidc-provider", provider.host())
}

pub fn diff(want: &OidcProvider, live: Option<&Live>, env: &Env) -> Option<Change> {
    let address = Address::new(crate::model::Kind::OidcProvider, want.host());
    let Some(live) = live else {
        let ops = vec![Op::OidcProvider(OidcProviderOp::CreateOidcProvider {
            url: want.url.clone(),
            client_ids: want.client_ids.clone(),
            thumbprints: want.thumbprints.clone(),
            tags: want.tags.clone(),
        })];
        let attributes = crate::plan::create_attributes(&Resource::OidcProvider(want.clone()));
        return Some(Change::new(address, Action::Create, attributes, ops));
    };
    let Resource::OidcProvider(have) = &live.resource else {
        return None;
    };
    let arn = if live.arn.is_empty() {
        arn(env, want)
    } else {
        live.arn.clone()
    };
    let mut attributes = Vec::new();
    let mut ops = Vec::new();
    if want.client_ids != have.client_ids {
        attributes.push(AttributeChange::new(
            "client_ids",
            Some(json!(have.client_ids)),
            Some(json!(want.client_ids)),
        ));
        for id in want
            .client_ids
            .iter()
            .filter(|id| !have.client_ids.contains(id))
        {
            ops.push(Op::OidcProvider(OidcProviderOp::AddClientId {
                arn: arn.clone(),
                client_id: id.clone(),
            }));
        }
        for id in have
            .client_ids
            .iter()
            .filter(|id| !want.client_ids.contains(id))
        {
            ops.push(Op::OidcProvider(OidcProviderOp::RemoveClientId {
                arn: arn.clone(),
                client_id: id.clone(),
            }));
        }
    }
    if !want.thumbprints.is_empty() && want.thumbprints != have.thumbprints {
        attributes.push(AttributeChange::new(
            "thumbprints",
            Some(json!(have.thumbprints)),
            Some(json!(want.thumbprints)),
        ));
        ops.push(Op::OidcProvider(OidcProviderOp::UpdateThumbprints {
            arn: arn.clone(),
            thumbprints: want.thumbprints.clone(),
        }));
    }
    if let Some((attr, tag_ops)) = tag_ops::diff(
        &have.tags,
        &want.tags,
        !attributes.is_empty(),
        TagTarget::OidcProvider { arn },
    ) {
        attributes.extend(attr);
        ops.extend(tag_ops);
    }
    (!attributes.is_empty()).then(|| Change::new(address, Action::Update, attributes, ops))
}

/// Every call each op of this kind may make (see `calls.rs`).
const OPS: &[OpCalls] = &[
    row(
        "set_tags",
        Kind::OidcProvider,
        &[
            "iam:TagOpenIDConnectProvider",
            "iam:UntagOpenIDConnectProvider",
        ],
        &[],
    ),
    row(
        "create_oidc_provider",
        Kind::OidcProvider,
        &["iam:CreateOpenIDConnectProvider"],
        &[Dependent::WithTags("iam:TagOpenIDConnectProvider")],
    ),
    row(
        "add_client_id",
        Kind::OidcProvider,
        &["iam:AddClientIDToOpenIDConnectProvider"],
        &[],
    ),
    row(
        "remove_client_id",
        Kind::OidcProvider,
        &["iam:RemoveClientIDFromOpenIDConnectProvider"],
        &[],
    ),
    row(
        "update_thumbprints",
        Kind::OidcProvider,
        &["iam:UpdateOpenIDConnectProviderThumbprint"],
        &[],
    ),
    row(
        "delete_oidc_provider",
        Kind::OidcProvider,
        &["iam:DeleteOpenIDConnectProvider"],
        &[],
    ),
];

impl Planned for OidcProvider {
    fn ops() -> &'static [OpCalls] {
        OPS
    }

    fn diff(&self, live: Option<&Live>, cx: &Context<'_>) -> Result<Option<Change>, PlanError> {
        if self.manage {
            return Ok(diff(self, live, cx.env));
        }
        if live.is_none() {
            return Err(PlanError::ProviderMissing {
                url: self.url.clone(),
                account: cx.env.account.clone(),
            });
        }
        Ok(None)
    }

    /// One provider serves the whole account, and roles of other stacks may trust it: it is
    /// never pruned (docs: delete it by hand once nothing trusts it).
    fn prune(&self, _live: &Live, _cx: &Context<'_>) -> Option<Change> {
        None
    }

    /// One provider serves every stack of the account: another stack's is used.
    fn foreign(&self, _live: &Live, _owner: &str, _stack: &str) -> Foreign {
        Foreign::Use
    }

    fn deleted_after() -> &'static [Kind] {
        &[Kind::Role]
    }
}

/// The writes this kind's changes make, each with every value it needs (the plan's JSON `op`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OidcProviderOp {
    CreateOidcProvider {
        url: String,
        client_ids: Vec<String>,
        thumbprints: Vec<String>,
        tags: Tags,
    },
    AddClientId {
        arn: String,
        client_id: String,
    },
    RemoveClientId {
        arn: String,
        client_id: String,
    },
    UpdateThumbprints {
        arn: String,
        thumbprints: Vec<String>,
    },
    /// Deletes the provider (roles trusting it are deleted or changed first).
    DeleteOidcProvider {
        arn: String,
    },
}

impl crate::plan::op::Writes for OidcProvider {
    type Op = OidcProviderOp;
}

impl crate::plan::op::Details for OidcProviderOp {
    fn carries_tags(&self) -> bool {
        matches!(self, OidcProviderOp::CreateOidcProvider { tags, .. } if !tags.is_empty())
    }
}
