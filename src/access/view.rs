//! The documents access is decided by, gathered from a spec (bound to an account) or from what
//! was read live: roles with their trust and attachments, managed policies by ARN, repository
//! policies, and the policies attached to users.

use std::collections::BTreeMap;

use serde::Serialize;

use super::evaluate::{Evaluation, NamedPolicy, Request, evaluate};
use super::github_token::{GithubToken, SubjectForm};
use crate::model::access_fact::AccessFact;
use crate::model::{Env, PolicyDocument, Resource, Role};

#[derive(Debug, Clone)]
pub(crate) struct AccessView {
    pub(crate) env: Env,
    pub(crate) provider_host: String,
    pub(crate) roles: BTreeMap<String, Role>,
    /// Managed policies by ARN: name and document.
    pub(crate) policies: BTreeMap<String, (String, PolicyDocument)>,
    /// Repository name → its policy, if any.
    pub(crate) repositories: BTreeMap<String, Option<PolicyDocument>>,
    /// User name → ARNs of the policies attached to it (as far as the spec or the stack knows).
    pub(crate) user_policies: BTreeMap<String, Vec<String>>,
    /// The registry policy's statements the spec (or the stack) owns, as one document.
    pub(crate) registry_policy: Option<PolicyDocument>,
    /// Which ECR requests the registry policy governs (`REGISTRY_POLICY_SCOPE`).
    pub(crate) registry_policy_scope: RegistryPolicyScope,
}

/// Which requests ECR checks against the registry policy, the account setting
/// `REGISTRY_POLICY_SCOPE`. V2 is every registry's default since 2025, and AWS recommends against
/// going back to V1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, clap::ValueEnum)]
pub(crate) enum RegistryPolicyScope {
    /// Only replication (`ecr:ReplicateImage`, `ecr:CreateRepository`) and pull through cache
    /// (`ecr:BatchImportUpstreamImage`).
    #[value(name = "V1")]
    V1,
    /// Every ECR action on every repository of the registry, beside the repository's own policy.
    #[default]
    #[value(name = "V2")]
    V2,
}

/// The actions ECR decides by the registry policy (the only ones a registry policy may hold).
const REGISTRY_ACTIONS: &[&str] = &[
    "ecr:replicateimage",
    "ecr:createrepository",
    "ecr:batchimportupstreamimage",
];

fn is_registry_action(action: &str) -> bool {
    REGISTRY_ACTIONS.contains(&action.to_ascii_lowercase().as_str())
}

/// One document holding the statements of both: what ECR evaluates under the V2 scope, where the
/// registry policy and the repository policy both apply to a request.
fn both(a: &PolicyDocument, b: &PolicyDocument) -> PolicyDocument {
    let statements = |doc: &PolicyDocument| match &doc.original()["Statement"] {
        serde_json::Value::Array(items) => items.clone(),
        serde_json::Value::Null => Vec::new(),
        one => vec![one.clone()],
    };
    let mut all = statements(a);
    all.extend(statements(b));
    PolicyDocument::from_json(serde_json::json!({"Version": "2012-10-17", "Statement": all}))
        .expect("statements of two valid documents")
}

/// What ECR's service-linked role for replication (`AWSServiceRoleForECRReplication`) may do in
/// the source account: the identity side of a cross-account replication.
fn replication_role_policy() -> PolicyDocument {
    PolicyDocument::from_json(serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Action": ["ecr:CreateRepository", "ecr:ReplicateImage"],
            "Resource": "*",
        }],
    }))
    .expect("a valid document")
}

/// What a GitHub token gets: one line per role and subject form.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct GithubResult {
    pub(crate) role: String,
    pub(crate) role_arn: String,
    pub(crate) subject_form: SubjectForm,
    pub(crate) sub: String,
    #[serde(flatten)]
    pub(crate) evaluation: Evaluation,
}

/// The answer to one question, with what could not be taken into account.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Answer {
    pub(crate) request: Request,
    #[serde(flatten)]
    pub(crate) evaluation: Evaluation,
    pub(crate) notes: Vec<String>,
}

impl AccessView {
    /// `resources` must be bound (no `{account}` placeholders left).
    pub(crate) fn new<'a>(
        env: Env,
        provider_host: &str,
        resources: impl IntoIterator<Item = &'a Resource>,
    ) -> Self {
        let mut view = AccessView {
            provider_host: provider_host.to_string(),
            roles: BTreeMap::new(),
            policies: BTreeMap::new(),
            repositories: BTreeMap::new(),
            user_policies: BTreeMap::new(),
            registry_policy: None,
            registry_policy_scope: RegistryPolicyScope::default(),
            env,
        };
        let facts: Vec<AccessFact> = resources
            .into_iter()
            .flat_map(|r| r.unit().access(&view.env))
            .collect();
        for fact in facts {
            match fact {
                AccessFact::Principal(role) => {
                    view.roles.insert(role.name.clone(), role);
                }
                AccessFact::ManagedPolicy {
                    arn,
                    name,
                    document,
                } => {
                    view.policies.insert(arn, (name, document));
                }
                AccessFact::RepositoryPolicy {
                    repository,
                    document,
                } => {
                    view.repositories.insert(repository, document);
                }
                AccessFact::UserPolicy { user, policy_arn } => {
                    view.user_policies.entry(user).or_default().push(policy_arn);
                }
                AccessFact::RegistryPolicy(document) => view.registry_policy = Some(document),
                AccessFact::RegistryPolicyScope(scope) => {
                    view.registry_policy_scope = if scope == "V1" {
                        RegistryPolicyScope::V1
                    } else {
                        RegistryPolicyScope::V2
                    };
                }
                // The provider is named by the caller (the spec's, or GitHub's by default).
                AccessFact::IdentityProvider { .. }
                | AccessFact::PassedRole(_)
                | AccessFact::ShapesRepositories { .. }
                | AccessFact::KmsKey(_) => {}
            }
        }
        view
    }

    pub(crate) fn provider_arn(&self) -> String {
        self.env.iam_arn("oidc-provider", &self.provider_host)
    }

    fn trust<'a>(&self, role: &'a Role) -> NamedPolicy<'a> {
        NamedPolicy {
            name: format!("trust policy of {}", role.name),
            document: &role.trust_policy,
        }
    }

    /// The documents of these policy ARNs; ARNs not known here are noted, not guessed.
    fn documents(&self, arns: &[String], notes: &mut Vec<String>) -> Vec<NamedPolicy<'_>> {
        arns.iter()
            .filter_map(|arn| match self.policies.get(arn) {
                Some((name, doc)) => Some(NamedPolicy {
                    name: name.clone(),
                    document: doc,
                }),
                None => {
                    notes.push(format!(
                        "policy {arn} is not in the spec; its statements were not evaluated"
                    ));
                    None
                }
            })
            .collect()
    }

    /// Every role whose trust speaks of the GitHub provider (or just `only`), for each subject
    /// form the token can carry.
    pub(crate) fn github(
        &self,
        token: &GithubToken,
        only: Option<&str>,
    ) -> Result<Vec<GithubResult>, String> {
        let provider = self.provider_arn();
        let roles: Vec<&Role> = match only {
            Some(name) => vec![self.role(name)?],
            None => self
                .roles
                .values()
                .filter(|r| r.trust_policy.to_json_string().contains(&provider))
                .collect(),
        };
        let mut out = Vec::new();
        for role in roles {
            let role_arn = role.arn(&self.env);
            for (form, sub) in token.subjects() {
                let request = token.request(&sub, &provider, &self.provider_host, &role_arn);
                let evaluation = evaluate(&request, &[], None, Some(&self.trust(role)));
                out.push(GithubResult {
                    role: role.name.clone(),
                    role_arn: role_arn.clone(),
                    subject_form: form,
                    sub,
                    evaluation,
                });
            }
        }
        Ok(out)
    }

    /// A role's ARN by name: with its path when the role is known.
    pub(crate) fn role_arn(&self, name: &str) -> String {
        self.roles
            .get(name)
            .map_or_else(|| self.env.iam_arn("role", name), |r| r.arn(&self.env))
    }

    fn role(&self, name: &str) -> Result<&Role, String> {
        let name = name.rsplit(":role/").next().unwrap_or(name);
        let name = name.rsplit('/').next().unwrap_or(name);
        self.roles.get(name).ok_or_else(|| {
            format!(
                "no role named {name:?}; known: {}",
                self.roles.keys().cloned().collect::<Vec<_>>().join(", ")
            )
        })
    }

    /// The ARN an action's resource has when given by name: a repository for `ecr:`, a role for
    /// `iam:`/`sts:`, a function for `lambda:`.
    pub(crate) fn resource_arn(&self, action: &str, resource: &str) -> Result<String, String> {
        if resource.starts_with("arn:") || resource == "*" {
            return Ok(resource.to_string());
        }
        let service = action
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Env {
            partition,
            region,
            account,
        } = &self.env;
        match service.as_str() {
            "ecr" => Ok(self.env.repository_arn(resource)),
            "iam" | "sts" => Ok(self.role_arn(resource)),
            "lambda" => Ok(format!(
                "arn:{partition}:lambda:{region}:{account}:function:{resource}"
            )),
            _ => Err(format!(
                "give {resource:?} as an ARN: names are resolved for ecr, iam, sts and lambda actions"
            )),
        }
    }

    /// A principal (an IAM ARN or a service) doing `action` on `resource`. The identity policies
    /// are the ones the spec (or stack) attaches to that user or role; the resource policy is the
    /// role's trust (for roles), the registry policy (for the actions ECR decides there:
    /// replication and pull through cache) or the repository's policy. Another account's root
    /// replicating in is ECR's replication role of that account, which may replicate anywhere:
    /// the registry policy decides.
    pub(crate) fn principal(
        &self,
        principal: &str,
        action: &str,
        resource: &str,
        context: &BTreeMap<String, String>,
    ) -> Result<Answer, String> {
        let resource_arn = self.resource_arn(action, resource)?;
        let mut request = Request::new(principal, action, &resource_arn);
        for (k, v) in context {
            request = request.with(k, v);
        }
        let mut notes = Vec::new();
        let (arns, boundary) = if let Some((_, user)) = principal.split_once(":user/") {
            let user = user.rsplit('/').next().unwrap_or(user);
            (
                self.user_policies.get(user).cloned().unwrap_or_default(),
                None,
            )
        } else if principal.contains(":role/") || principal.contains(":assumed-role/") {
            let name = principal
                .split_once(":role/")
                .or_else(|| principal.split_once(":assumed-role/"))
                .map(|(_, rest)| rest.split('/').next().unwrap_or(rest))
                .unwrap_or_default();
            match self.roles.get(name) {
                Some(role) => (role.policies.clone(), role.permissions_boundary.clone()),
                None => {
                    notes.push(format!(
                        "role {name} is not in the spec: no identity policies evaluated"
                    ));
                    (Vec::new(), None)
                }
            }
        } else {
            (Vec::new(), None)
        };
        let replication_role = replication_role_policy();
        let mut identity = self.documents(&arns, &mut notes);
        let source = super::evaluate::account_of(principal);
        if is_registry_action(action)
            && !action.eq_ignore_ascii_case("ecr:BatchImportUpstreamImage")
            && principal.ends_with(":root")
            && source.is_some_and(|a| a != self.env.account)
        {
            notes.push(format!(
                "account {} replicates through ECR's service-linked role \
                 (AWSServiceRoleForECRReplication), which may replicate anywhere: this account's \
                 registry policy decides",
                source.unwrap_or_default()
            ));
            identity.push(NamedPolicy {
                name: "ECR replication role of the source account".to_string(),
                document: &replication_role,
            });
        }
        // A principal of another account: its own account's identity policies decide its side,
        // and they are not readable here. Taken as allowing, and said so.
        let assumed_identity;
        let foreign = source.is_some_and(|a| a != self.env.account);
        if foreign && !principal.ends_with(":root") && identity.is_empty() {
            assumed_identity = PolicyDocument::from_json(serde_json::json!({
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource_arn}],
            }))
            .expect("a valid document");
            notes.push(format!(
                "{principal} is in account {}: its own identity policies must allow {action} too, \
                 and they cannot be read here; taken as allowing it",
                source.unwrap_or_default()
            ));
            identity.push(NamedPolicy {
                name: format!(
                    "identity policies in account {} (assumed)",
                    source.unwrap_or_default()
                ),
                document: &assumed_identity,
            });
        }
        let boundary =
            boundary.and_then(|arn| self.documents(&[arn], &mut notes).into_iter().next());
        let resource_policy = self.resource_policy(action, &resource_arn, &mut notes);
        let resource_policy = resource_policy
            .as_ref()
            .map(|(name, document)| NamedPolicy {
                name: name.clone(),
                document,
            });
        let evaluation = evaluate(
            &request,
            &identity,
            boundary.as_ref(),
            resource_policy.as_ref(),
        );
        Ok(Answer {
            request,
            evaluation,
            notes,
        })
    }

    /// The resource side of a request: a role's trust; for ECR the repository's policy and, as
    /// the registry policy scope says, the registry policy (V1: for replication and pull through
    /// cache only; V2: for every ECR action, beside the repository's policy — a Deny in either
    /// wins, an Allow in either is the resource side's Allow).
    fn resource_policy(
        &self,
        action: &str,
        arn: &str,
        notes: &mut Vec<String>,
    ) -> Option<(String, PolicyDocument)> {
        let service = action
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        if service == "sts" {
            let role = arn
                .split_once(":role/")
                .map(|(_, r)| r.rsplit('/').next().unwrap_or(r))?;
            return match self.roles.get(role) {
                Some(role) => {
                    let trust = self.trust(role);
                    Some((trust.name, trust.document.clone()))
                }
                None => {
                    notes.push(format!(
                        "role {role} is not in the spec: its trust policy is unknown"
                    ));
                    None
                }
            };
        }
        if service != "ecr" {
            return None;
        }
        let repository = arn
            .split_once(":repository/")
            .and_then(|(_, name)| Some((name, self.repositories.get(name)?.as_ref()?)));
        let registry = self.registry_policy.as_ref();
        match self.registry_policy_scope {
            RegistryPolicyScope::V1 if is_registry_action(action) => match registry {
                Some(policy) => Some(("registry policy".to_string(), policy.clone())),
                None => {
                    notes.push(
                        "the spec has no registry.policy statements: nothing lets another account in"
                            .into(),
                    );
                    None
                }
            },
            RegistryPolicyScope::V1 => repository
                .map(|(name, policy)| (format!("repository policy of {name}"), policy.clone())),
            RegistryPolicyScope::V2 => match (registry, repository) {
                (None, None) => {
                    if is_registry_action(action) {
                        notes.push(
                            "the spec has no registry.policy statements: nothing lets another account in"
                                .into(),
                        );
                    }
                    None
                }
                (Some(policy), None) => Some(("registry policy".to_string(), policy.clone())),
                (None, Some((name, policy))) => {
                    Some((format!("repository policy of {name}"), policy.clone()))
                }
                (Some(registry), Some((name, policy))) => Some((
                    format!("registry policy and repository policy of {name}"),
                    both(registry, policy),
                )),
            },
        }
    }
}
