//! Reading a repository's images, for what its lifecycle rules would do: one paginated
//! DescribeImages (archived images included), then one BatchGetImage per 100 image indexes to
//! learn which images each index lists.
//!
//! BatchGetImage also pulls manifests, which a read-only role (the drift role) is not granted:
//! denied, the images are still evaluated, and the preview says how many indexes went unread.

use super::Limit;
use crate::live::{EcrApi, ErrorKind, LiveError};
use crate::model::image::{ImagesRead, link_indexes};

/// Every image of the repository with its index membership, as of `at`; `None` when the
/// repository does not exist.
pub(crate) async fn read<C: EcrApi>(
    client: &C,
    limit: &Limit,
    repository: &str,
    at: i64,
) -> Result<Option<ImagesRead>, LiveError> {
    let Some(mut images) = limit.call(client.describe_images(repository)).await? else {
        return Ok(None);
    };
    let indexes: Vec<String> = images
        .iter()
        .filter(|i| i.is_index())
        .map(|i| i.digest.clone())
        .collect();
    let mut unread_indexes = 0;
    if !indexes.is_empty() {
        match limit
            .call(client.index_children(repository, &indexes))
            .await
        {
            Ok(children) => link_indexes(&mut images, &children),
            Err(e) if e.kind == ErrorKind::AccessDenied => unread_indexes = indexes.len(),
            Err(e) => return Err(e),
        }
    }
    Ok(Some(ImagesRead {
        at,
        images,
        unread_indexes,
    }))
}
