//! Reading the IAM side: the OIDC provider, roles with their attachments, managed policies with
//! their default document, and the spec's user attachments. Three listings, then per-resource reads.

use std::collections::BTreeSet;

use futures::{StreamExt, TryStreamExt, stream};

use super::{Limit, candidates};
use crate::kinds::oidc_provider::normalize_url;
use crate::live::{Aws, LiveError};
use crate::model::Live;
use crate::model::tags::owner_of_tags;
use crate::model::{
    Dependents, Desired, Env, ManagedPolicy, OidcProvider, PolicyDocument, PolicyVersion, Resource,
    Role, UserAttachment,
};

#[derive(Default)]
pub struct IamState {
    pub resources: Vec<Live>,
    pub missing_users: BTreeSet<String>,
    /// Policy ARNs the spec's roles name (attachments, boundaries) that are neither the spec's
    /// own policies nor found in the account.
    pub missing_policies: BTreeSet<String>,
}

/// The three IAM listings: they need no account, so they go out alongside STS's
/// GetCallerIdentity, one round of latency before the reads that need the account's ARNs.
pub struct Listings {
    providers: Option<Vec<String>>,
    roles: Vec<String>,
    policies: Vec<crate::live::PolicyInfo>,
}

pub async fn list<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
) -> Result<Listings, LiveError> {
    // Only listed when the spec wants one: providers are never pruned, so nothing else needs it.
    let providers = async {
        match desired.all::<OidcProvider>().next() {
            Some(_) => limit.call(client.list_oidc_providers()).await.map(Some),
            None => Ok(None),
        }
    };
    let (providers, roles, policies) = futures::try_join!(
        providers,
        limit.call(client.list_roles()),
        limit.call(client.list_policies())
    )?;
    Ok(Listings {
        providers,
        roles,
        policies,
    })
}

pub async fn read<C: Aws>(
    client: &C,
    desired: &Desired,
    env: &Env,
    limit: &Limit,
    listed: Listings,
) -> Result<IamState, LiveError> {
    let (provider, roles, policies, users, missing_policies) = futures::try_join!(
        read_provider(client, desired, limit, listed.providers),
        read_roles(client, desired, limit, listed.roles),
        read_policies(client, desired, env, limit, listed.policies),
        read_user_attachments(client, desired, env, limit),
        missing_external_policies(client, desired, env, limit),
    )?;
    let mut resources: Vec<Live> = provider.into_iter().collect();
    resources.extend(roles);
    resources.extend(policies);
    resources.extend(users.0);
    Ok(IamState {
        resources,
        missing_users: users.1,
        missing_policies,
    })
}

/// Existing policies the spec's roles name by ARN: one `GetPolicy` each, so that a mistyped ARN
/// is a plan error rather than an apply that waits out IAM's propagation delay and fails.
async fn missing_external_policies<C: Aws>(
    client: &C,
    desired: &Desired,
    env: &Env,
    limit: &Limit,
) -> Result<BTreeSet<String>, LiveError> {
    let own: BTreeSet<String> = desired
        .all::<ManagedPolicy>()
        .map(|p| env.iam_arn("policy", &p.name))
        .collect();
    let named: BTreeSet<String> = desired
        .all::<Role>()
        .flat_map(|r| r.policies.iter().chain(&r.permissions_boundary))
        .map(|arn| env.bind(arn))
        .filter(|arn| !own.contains(arn))
        .collect();
    let found: Vec<(String, bool)> = stream::iter(named)
        .map(|arn| async move {
            let exists = limit.call(client.policy_exists(&arn)).await?;
            Ok::<_, LiveError>((arn, exists))
        })
        .buffer_unordered(limit.width)
        .try_collect()
        .await?;
    Ok(found
        .into_iter()
        .filter(|(_, exists)| !exists)
        .map(|(arn, _)| arn)
        .collect())
}

/// Only read when the spec wants one: providers are never pruned, so nothing else needs it.
async fn read_provider<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
    listed: Option<Vec<String>>,
) -> Result<Option<Live>, LiveError> {
    let (Some(wanted), Some(arns)) = (desired.all::<OidcProvider>().next(), listed) else {
        return Ok(None);
    };
    let host = wanted.host().to_string();
    let Some(arn) = arns
        .into_iter()
        .find(|a| a.ends_with(&format!(":oidc-provider/{host}")))
    else {
        return Ok(None);
    };
    let Some(info) = limit.call(client.get_oidc_provider(&arn)).await? else {
        return Ok(None);
    };
    let provider = OidcProvider::new(
        &normalize_url(&info.url),
        info.client_ids,
        info.thumbprints,
        info.tags,
        true,
    );
    Ok(Some(Live {
        resource: Resource::OidcProvider(provider),
        arn,
        uri: None,
        complete: true,
        dependents: Default::default(),
    }))
}

async fn read_roles<C: Aws>(
    client: &C,
    desired: &Desired,
    limit: &Limit,
    names: Vec<String>,
) -> Result<Vec<Live>, LiveError> {
    let wanted: BTreeSet<&str> = desired.all::<Role>().map(|r| r.name.as_str()).collect();
    let candidates = candidates(names, |n| n.as_str(), &wanted, &desired.project_prefix);
    let found: Vec<Option<Live>> = stream::iter(candidates)
        .map(|(name, in_spec)| {
            // Attachments and inline policies matter for roles the spec manages, and for roles
            // of this stack the spec dropped: the plan detaches and deletes them before the
            // role. Other candidates only needed their tags.
            read_role(client, limit, name, in_spec, move |tags| {
                in_spec || owned_by(tags, &desired.stack)
            })
        })
        .buffer_unordered(limit.width)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Reads one listed role: `GetRole`, and its attachments and inline policies when `full` says
/// its tags call for them; a `complete` role (the spec's own) always needs them, so they are read
/// alongside `GetRole`, one round of latency fewer. `None` when it was deleted after the listing
/// (see [`super::present`]).
pub(crate) async fn read_role<C: Aws>(
    client: &C,
    limit: &Limit,
    name: String,
    complete: bool,
    full: impl Fn(&crate::model::Tags) -> bool,
) -> Result<Option<Live>, LiveError> {
    let dependents = || async {
        super::present(
            futures::future::try_join(
                limit.call(client.list_attached_role_policies(&name)),
                read_inline(client, &name, limit),
            )
            .await,
        )
    };
    let (info, read) = if complete {
        let (info, read) =
            futures::future::join(limit.call(client.get_role(&name)), dependents()).await;
        (info?, Some(read))
    } else {
        (limit.call(client.get_role(&name)).await?, None)
    };
    let Some(info) = info else {
        return Ok(None);
    };
    let read = match read {
        Some(read) => Some(read?),
        None if full(&info.tags) => Some(dependents().await?),
        None => None,
    };
    let (mut policies, inline_policies) = match read {
        Some(Some(read)) => read,
        Some(None) => return Ok(None),
        None => Default::default(),
    };
    policies.sort();
    let trust_policy = PolicyDocument::parse(&info.trust_policy).unwrap_or_else(|_| unreadable());
    Ok(Some(Live {
        resource: Resource::Role(Role {
            name: info.name,
            description: info.description.unwrap_or_default(),
            trust_policy,
            max_session_duration: info.max_session_duration,
            permissions_boundary: info.permissions_boundary,
            policies,
            inline_policies,
            tags: info.tags,
            path: Role::path_of_arn(&info.arn),
        }),
        arn: info.arn,
        uri: None,
        complete,
        dependents: Default::default(),
    }))
}

async fn read_policies<C: Aws>(
    client: &C,
    desired: &Desired,
    env: &Env,
    limit: &Limit,
    listed: Vec<crate::live::PolicyInfo>,
) -> Result<Vec<Live>, LiveError> {
    let wanted: BTreeSet<&str> = desired
        .all::<ManagedPolicy>()
        .map(|p| p.name.as_str())
        .collect();
    let candidates = candidates(
        listed,
        |p| p.name.as_str(),
        &wanted,
        &desired.project_prefix,
    );
    let found: Vec<Option<Live>> = stream::iter(candidates)
        .map(|(info, in_spec)| async move {
            // Versions when the plan will make a new one (it makes room first) or delete the
            // policy (non-default versions go first); attachments when it deletes it.
            let spec = desired.all::<ManagedPolicy>().find(|p| p.name == info.name);
            let wants = move |document: &PolicyDocument, tags: &crate::model::Tags| Needs {
                versions: spec.is_some_and(|p| p.document.bind(env) != *document)
                    || (!in_spec && owned_by(tags, &desired.stack)),
                entities: !in_spec && owned_by(tags, &desired.stack),
            };
            read_policy(client, limit, info, in_spec, wants).await
        })
        .buffer_unordered(limit.width)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Which dependents of a managed policy the plan needs read.
pub(crate) struct Needs {
    /// Its versions: the plan makes room for a new one, or deletes the others first.
    pub versions: bool,
    /// Who it is attached to: the plan detaches it from all of them before deleting it.
    pub entities: bool,
}

/// Reads one listed managed policy: its tags, its default document when `complete` (the spec
/// names it, or import reads it whole), and the dependents `needs` asks for once those are known. `None` when it was
/// deleted after the listing (see [`super::present`]), including its default version vanishing.
pub(crate) async fn read_policy<C: Aws>(
    client: &C,
    limit: &Limit,
    info: crate::live::PolicyInfo,
    complete: bool,
    needs: impl Fn(&PolicyDocument, &crate::model::Tags) -> Needs,
) -> Result<Option<Live>, LiveError> {
    let reads = async {
        if complete {
            let (tags, text) = futures::try_join!(
                limit.call(client.list_policy_tags(&info.arn)),
                limit.call(client.get_policy_version(&info.arn, &info.default_version_id)),
            )?;
            Ok(text.map(|t| (tags, Some(t))))
        } else {
            Ok(Some((
                limit.call(client.list_policy_tags(&info.arn)).await?,
                None,
            )))
        }
    };
    let Some((tags, text)) = super::present(reads.await)?.flatten() else {
        return Ok(None);
    };
    let document = text
        .map(|t| PolicyDocument::parse(&t).unwrap_or_else(|_| unreadable()))
        .unwrap_or_else(unreadable);
    let needs = needs(&document, &tags);
    let mut dependents = Dependents::default();
    if needs.versions {
        let Some(versions) =
            super::present(limit.call(client.list_policy_versions(&info.arn)).await)?
        else {
            return Ok(None);
        };
        dependents.versions = versions
            .into_iter()
            .map(|v| PolicyVersion {
                id: v.version_id,
                is_default: v.is_default,
                created: v.created,
            })
            .collect();
        PolicyVersion::sort(&mut dependents.versions);
    }
    if needs.entities {
        let Some(entities) =
            super::present(limit.call(client.list_entities_for_policy(&info.arn)).await)?
        else {
            return Ok(None);
        };
        dependents.attached_roles = entities.roles;
        dependents.attached_users = entities.users;
        dependents.attached_groups = entities.groups;
    }
    Ok(Some(Live {
        resource: Resource::Policy(ManagedPolicy {
            name: info.name,
            description: info.description.unwrap_or_default(),
            document,
            tags,
        }),
        arn: info.arn,
        uri: None,
        complete,
        dependents,
    }))
}

async fn read_user_attachments<C: Aws>(
    client: &C,
    desired: &Desired,
    env: &Env,
    limit: &Limit,
) -> Result<(Vec<Live>, BTreeSet<String>), LiveError> {
    let users: BTreeSet<&str> = desired
        .all::<UserAttachment>()
        .map(|a| a.user.as_str())
        .collect();
    let mut found = Vec::new();
    let mut missing = BTreeSet::new();
    for user in users {
        let Some(attached) = limit.call(client.list_attached_user_policies(user)).await? else {
            missing.insert(user.to_string());
            continue;
        };
        for want in desired.all::<UserAttachment>().filter(|a| a.user == user) {
            let arn = env.bind(&want.policy_arn);
            if attached.contains(&arn) {
                found.push(Live {
                    resource: Resource::UserAttachment(UserAttachment {
                        user: user.to_string(),
                        policy_arn: arn,
                    }),
                    arn: String::new(),
                    uri: None,
                    complete: true,
                    dependents: Default::default(),
                });
            }
        }
    }
    Ok((found, missing))
}

/// Stands for a document this tool cannot read: never equal to a real one, so it is replaced.
pub(crate) fn unreadable() -> PolicyDocument {
    PolicyDocument::from_json(serde_json::json!({"Version": "unreadable", "Statement": []}))
        .expect("a statement list is a valid document")
}

/// Whether tags mark the resource as managed by this tool for this stack (what prune acts on).
fn owned_by(tags: &crate::model::Tags, stack: &str) -> bool {
    owner_of_tags(tags) == Some(stack)
}

/// A role's inline policies: one listing, then one read each.
pub async fn read_inline<C: Aws>(
    client: &C,
    role: &str,
    limit: &Limit,
) -> Result<std::collections::BTreeMap<String, PolicyDocument>, LiveError> {
    let names = limit.call(client.list_role_policies(role)).await?;
    let mut out = std::collections::BTreeMap::new();
    for name in names {
        if let Some(text) = limit.call(client.get_role_policy(role, &name)).await? {
            out.insert(
                name,
                PolicyDocument::parse(&text).unwrap_or_else(|_| unreadable()),
            );
        }
    }
    Ok(out)
}
