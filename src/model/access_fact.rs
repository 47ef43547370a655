//! What a resource contributes to "who gets in": each kind declares its facts in IAM's terms
//! (principals, identity policies, resource policies), and `explain` reads only these.

use super::{PolicyDocument, Role};

/// One fact an access decision depends on.
#[derive(Debug, Clone)]
pub(crate) enum AccessFact {
    /// A role that can be assumed: its trust, policies, inline policies and boundary.
    Principal(Role),
    /// A customer managed policy, by its ARN.
    ManagedPolicy {
        arn: String,
        name: String,
        document: PolicyDocument,
    },
    /// A repository and its resource policy, if any.
    RepositoryPolicy {
        repository: String,
        document: Option<PolicyDocument>,
    },
    /// A managed policy attached to an IAM user.
    UserPolicy { user: String, policy_arn: String },
    /// The statements of the registry policy.
    RegistryPolicy(PolicyDocument),
    /// The account's registry policy scope (`V1` or `V2`), as declared.
    RegistryPolicyScope(String),
    /// The OIDC identity provider workflows come through, by its host.
    IdentityProvider { host: String },
    /// A role ECR assumes for the resource (passed to ECR by whoever writes the resource), as
    /// the spec names it.
    PassedRole(String),
    /// Repositories ECR creates from the resource under this prefix: writes of the resource
    /// are checked for the repository writes they will make there.
    ShapesRepositories { prefix: String },
    /// A KMS key the resource is encrypted with at creation, as the spec names it (an ARN,
    /// an alias or a key id).
    KmsKey(String),
}
