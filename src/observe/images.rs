//! Reading a repository's images, for what its lifecycle rules would do: one paginated
//! DescribeImages (archived images included), then one BatchGetImage per 100 image indexes to
//! learn which images each index lists.

use super::Limit;
use crate::live::{EcrApi, LiveError};
use crate::model::image::{Image, link_indexes};

/// Every image of the repository with its index membership; `None` when it does not exist.
pub(crate) async fn read<C: EcrApi>(
    client: &C,
    limit: &Limit,
    repository: &str,
) -> Result<Option<Vec<Image>>, LiveError> {
    let Some(mut images) = limit.call(client.describe_images(repository)).await? else {
        return Ok(None);
    };
    let indexes: Vec<String> = images
        .iter()
        .filter(|i| i.is_index())
        .map(|i| i.digest.clone())
        .collect();
    if !indexes.is_empty() {
        let children = limit
            .call(client.index_children(repository, &indexes))
            .await?;
        link_indexes(&mut images, &children);
    }
    Ok(Some(images))
}
