//! Reading everything a project owns in an account, for `import`: every repository, role and
//! customer-managed policy named with the project prefix, fully read, and the GitHub OIDC
//! provider (github.com's, else a GitHub Enterprise Server's), and the registry's settings,
//! ownership records, pull-through cache rules and creation templates. Unlike [`super::observe`], nothing here starts from a spec.

use std::collections::BTreeMap;

use futures::{StreamExt, TryStreamExt, stream};

use super::{Limit, iam, named_with_prefix};
use crate::kinds::oidc_provider::{GITHUB_OIDC_URL, normalize_url};
use crate::kinds::repository::observe as repositories;
use crate::live::{Aws, LiveError};
use crate::model::{Live, Observed};
use crate::model::{OidcProvider, Resource};

pub async fn inventory<C: Aws>(
    client: &C,
    prefix: &str,
    region: &str,
    parallelism: usize,
) -> Result<Observed, LiveError> {
    let identity = client.caller_identity().await?;
    let parallelism = parallelism.max(1);
    let limit = Limit::new(parallelism);
    let repos = async {
        let listed = client.list_repositories().await?;
        let found: Vec<Option<Live>> = stream::iter(
            listed
                .into_iter()
                .filter(|r| named_with_prefix(&r.name, prefix)),
        )
        .map(|info| repositories::read_one(client, &limit, info, true, None))
        .buffer_unordered(parallelism)
        .try_collect()
        .await?;
        Ok::<_, LiveError>(found.into_iter().flatten().collect::<Vec<_>>())
    };
    let provider = async {
        let host = GITHUB_OIDC_URL.trim_start_matches("https://");
        let mut arns = client.list_oidc_providers().await?;
        arns.sort();
        // github.com's issuer, else a GitHub Enterprise Server's (`https://HOST/_services/token`).
        let github = arns
            .iter()
            .find(|a| a.ends_with(&format!(":oidc-provider/{host}")))
            .or_else(|| arns.iter().find(|a| a.ends_with("/_services/token")));
        let Some(arn) = github.cloned() else {
            return Ok::<_, LiveError>(None);
        };
        Ok(client.get_oidc_provider(&arn).await?.map(|info| Live {
            resource: Resource::OidcProvider(OidcProvider::new(
                &normalize_url(&info.url),
                info.client_ids,
                info.thumbprints,
                info.tags,
                true,
            )),
            arn,
            uri: None,
            complete: true,
            dependents: Default::default(),
        }))
    };
    let roles = async {
        let names = client.list_roles().await?;
        let found: Vec<Option<Live>> =
            stream::iter(names.into_iter().filter(|n| named_with_prefix(n, prefix)))
                .map(|name| iam::read_role(client, &limit, name, true, |_| true))
                .buffer_unordered(parallelism)
                .try_collect()
                .await?;
        Ok::<_, LiveError>(found.into_iter().flatten().collect::<Vec<_>>())
    };
    let policies = async {
        let listed = client.list_policies().await?;
        let none = |_: &_, _: &_| iam::Needs {
            versions: false,
            entities: false,
        };
        let found: Vec<Option<Live>> = stream::iter(
            listed
                .into_iter()
                .filter(|p| named_with_prefix(&p.name, prefix)),
        )
        .map(|info| iam::read_policy(client, &limit, info, true, none))
        .buffer_unordered(parallelism)
        .try_collect()
        .await?;
        Ok::<_, LiveError>(found.into_iter().flatten().collect::<Vec<_>>())
    };
    // The registry: every record, the whole settings, and the prefix-named pull-through cache
    // rules and creation templates with the ownership their records give them.
    let registry = async {
        let records = super::registry::read_records(client, &limit, false).await?;
        let kinds = super::read::Inventory {
            client,
            prefix,
            records: &records,
            limit: &limit,
        };
        let (settings, found) = futures::try_join!(
            super::registry::read_live_settings(client, &limit),
            super::read::inventory_kinds(&kinds),
        )?;
        let found: Vec<Live> = found
            .into_iter()
            .map(|resource| Live {
                resource,
                arn: String::new(),
                uri: None,
                complete: true,
                dependents: Default::default(),
            })
            .collect();
        Ok::<_, LiveError>((
            crate::model::RegistryState {
                records,
                settings: Some(settings),
                facts: BTreeMap::new(),
            },
            found,
        ))
    };
    let (repos, provider, roles, policies, (registry, registry_found)) =
        futures::try_join!(repos, provider, roles, policies, registry)?;
    let resources: BTreeMap<_, _> = repos
        .into_iter()
        .chain(provider)
        .chain(roles)
        .chain(policies)
        .chain(registry_found)
        .map(|l| (l.resource.address(), l))
        .collect();
    Ok(Observed {
        identity,
        region: region.to_string(),
        resources,
        missing_users: Default::default(),
        missing_policies: Default::default(),
        registry,
    })
}
