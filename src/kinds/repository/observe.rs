//! Reading repositories: one paginated listing, then lifecycle, policy and tags per repository.

use std::collections::{BTreeMap, BTreeSet};

use futures::{TryStreamExt, stream};

use crate::live::{Aws, LiveError, RepositoryInfo};
use crate::model::{Dependents, Live};
use crate::model::{LifecyclePolicy, PolicyDocument, Repository, RepositorySettings, Resource};
use crate::observe::{Limit, candidates};

pub async fn read<C: Aws>(
    client: &C,
    desired: &crate::model::Desired,
    limit: &Limit,
) -> Result<Vec<Live>, LiveError> {
    let wanted: BTreeSet<&str> = desired
        .all::<Repository>()
        .map(|r| r.name.as_str())
        .collect();
    let rules: BTreeMap<&str, &LifecyclePolicy> = desired
        .all::<Repository>()
        .filter_map(|r| Some((r.name.as_str(), r.settings.lifecycle_policy.as_ref()?)))
        .collect();
    // Each page's repositories are read as the page arrives, while the next page is listed.
    let found: Vec<Option<Live>> = client
        .repository_pages()
        .map_ok(|page| {
            let relevant = candidates(page, |r| r.name.as_str(), &wanted, &desired.project_prefix);
            stream::iter(relevant.into_iter().map(Ok))
        })
        .try_flatten()
        .map_ok(|(info, in_spec)| {
            let rules = rules.get(info.name.as_str()).copied();
            read_one(client, limit, info, in_spec, rules)
        })
        .try_buffer_unordered(limit.width)
        .try_collect()
        .await?;
    Ok(found.into_iter().flatten().collect())
}

/// Reads one repository; for one outside the spec only its tags (enough to tell its owner).
/// When the spec's lifecycle rules (`rules`) differ from the live ones, also its images, for the
/// planner to tell what the new rules would delete; a converged repository costs no such call.
/// `None` when it was deleted after the listing (see [`crate::observe::present`]).
pub(crate) async fn read_one<C: Aws>(
    client: &C,
    limit: &Limit,
    info: RepositoryInfo,
    in_spec: bool,
    rules: Option<&LifecyclePolicy>,
) -> Result<Option<Live>, LiveError> {
    let reads = async {
        if in_spec {
            futures::try_join!(
                limit.call(client.get_lifecycle_policy(&info.name)),
                limit.call(client.get_repository_policy(&info.name)),
                limit.call(client.list_tags(&info.arn)),
            )
        } else {
            Ok((None, None, limit.call(client.list_tags(&info.arn)).await?))
        }
    };
    let Some((lifecycle, policy, tags)) = crate::observe::present(reads.await)? else {
        return Ok(None);
    };
    // A document this tool cannot read must still show as different from the spec's.
    let repository_policy = policy.map(|text| {
        PolicyDocument::parse(&text).unwrap_or_else(|_| crate::observe::iam::unreadable())
    });
    let repository = Repository {
        name: info.name.clone(),
        settings: RepositorySettings {
            image_tag_mutability: info.image_tag_mutability,
            image_tag_mutability_exclusion_filters: info.exclusion_filters.clone(),
            encryption: info.encryption.clone(),
            lifecycle_policy: lifecycle.as_deref().map(LifecyclePolicy::from_aws_text),
            repository_policy,
        },
        scan_on_push: info.scan_on_push,
        force_delete: false,
        tags,
    };
    let mut dependents = Dependents::default();
    if let Some(rules @ LifecyclePolicy::Rules { .. }) = rules
        && in_spec
        && repository.settings.lifecycle_policy.as_ref() != Some(rules)
    {
        let read =
            crate::observe::images::read(client, limit, &info.name, crate::observe::now()).await;
        let Some(images) = crate::observe::present(read)? else {
            return Ok(None);
        };
        dependents.images = images;
    }
    Ok(Some(Live {
        resource: Resource::Repository(repository),
        arn: info.arn,
        uri: Some(info.uri),
        complete: in_spec,
        dependents,
    }))
}
