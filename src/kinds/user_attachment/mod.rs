//! A managed policy attached to an existing IAM user (the recipe's assume-role grant). The user
//! itself is not managed here; users carry no stack tag, so attachments are found from the spec.

pub(crate) mod apply;
pub(crate) mod plan;

use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::model::attribute::{Attribute, Mutation};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct UserAttachment {
    pub(crate) user: String,
    pub(crate) policy_arn: String,
}

impl UserAttachment {
    /// `deployer:arn:…:policy/name` would be unreadable; the address uses the policy's name.
    pub(crate) fn address_name(&self) -> String {
        let policy = self
            .policy_arn
            .rsplit('/')
            .next()
            .unwrap_or(&self.policy_arn);
        format!("{}:{policy}", self.user)
    }
}

/// Both name the attachment: shown, never compared (a change is another attachment).
pub(crate) const ATTRIBUTES: &[Attribute<UserAttachment>] = &[
    Attribute::plain("user", |a| json!(a.user), Mutation::Key),
    Attribute::plain("policy_arn", |a| json!(a.policy_arn), Mutation::Key),
];

impl crate::model::unit::Declared for UserAttachment {
    type Write = ();
    const ATTRIBUTES: &'static [Attribute<Self>] = ATTRIBUTES;
    fn access(&self, _env: &crate::model::Env) -> Vec<crate::model::access_fact::AccessFact> {
        vec![crate::model::access_fact::AccessFact::UserPolicy {
            user: self.user.clone(),
            policy_arn: self.policy_arn.clone(),
        }]
    }
    const REPORTED_MISSING: bool = false;
    fn name(&self) -> String {
        self.address_name()
    }
    fn tags(&self) -> Option<&crate::model::Tags> {
        None
    }
    fn tags_mut(&mut self) -> Option<&mut crate::model::Tags> {
        None
    }
    fn bind(&mut self, env: &crate::model::Env) {
        self.policy_arn = env.bind(&self.policy_arn);
    }
}

/// A kind of the spec's top level: no part of the `registry:` section.
impl crate::spec::registry::RegistryPart for UserAttachment {}

/// Not imported: an inventory lists no attachments (users carry no stack tag).
impl crate::import::section::Section for UserAttachment {}

/// Read with the IAM and ECR listings (`observe`), not as a registry kind.
impl crate::observe::read::Read for UserAttachment {
    const READS: &'static [(&'static str, crate::observe::ReadScope)] = {
        use crate::observe::ReadScope;
        &[("iam:ListAttachedUserPolicies", ReadScope::Users)]
    };
}
