//! One image of a repository as DescribeImages reports it, in the terms lifecycle rules count
//! by: tags, sizes, storage class and the times ECR's count types read.
//!
//! Pure data; reading it is `live`'s job, judging it `lifecycle_eval`'s. Times are milliseconds
//! since the Unix epoch, UTC (AWS reports them to the millisecond: images pushed within one second
//! still have an order).

use serde::Serialize;

/// Where an image's layers are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageClass {
    /// `ACTIVE`: pullable.
    Standard,
    /// `ARCHIVED`: kept cheaply, restored before a pull.
    Archive,
    /// `ACTIVATING`: on its way back from the archive. No rule selects it (neither storage class
    /// is settled), so it is always kept.
    Activating,
}

impl StorageClass {
    /// DescribeImages' `imageStatus`; `None` (images pushed before archiving existed) is
    /// `ACTIVE`, and an unknown status is read as `ACTIVATING`, which no rule touches.
    pub fn from_image_status(status: Option<&str>) -> Self {
        match status {
            None | Some("ACTIVE") => StorageClass::Standard,
            Some("ARCHIVED") => StorageClass::Archive,
            Some(_) => StorageClass::Activating,
        }
    }
}

/// One image (one manifest digest) in a repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Image {
    /// `sha256:…`, the image's identity.
    pub digest: String,
    /// Its tags, sorted; empty for an untagged image.
    pub tags: Vec<String>,
    /// `imagePushedAt`.
    pub pushed_at: i64,
    /// `lastRecordedPullTime`; `None` when never pulled.
    pub last_pulled_at: Option<i64>,
    /// `imageStatus`.
    pub storage_class: StorageClass,
    /// `lastArchivedAt`.
    pub last_archived_at: Option<i64>,
    /// `lastActivatedAt`: the last restore from the archive.
    pub last_activated_at: Option<i64>,
    /// `imageSizeInBytes`.
    pub size_bytes: u64,
    /// `imageManifestMediaType`, when reported.
    pub media_type: Option<String>,
    /// The digests of the image indexes (manifest lists) in the repository that list this image.
    /// Empty when it is in none, or when that was not read.
    pub in_indexes: Vec<String>,
}

/// A repository's images as read at one moment (milliseconds since the epoch): what the planner
/// evaluates a changed lifecycle policy against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImagesRead {
    pub(crate) at: i64,
    pub(crate) images: Vec<Image>,
    /// Image indexes whose lists were not read (BatchGetImage denied): the images they list are
    /// judged as if no index listed them.
    pub(crate) unread_indexes: usize,
}

/// The media types of an image index (a multi-platform image).
pub const INDEX_MEDIA_TYPES: &[&str] = &[
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
];

impl Image {
    /// An untagged standard image of this digest pushed at `pushed_at`, never pulled, of size 0.
    pub fn new(digest: &str, pushed_at: i64) -> Self {
        Image {
            digest: digest.to_string(),
            tags: Vec::new(),
            pushed_at,
            last_pulled_at: None,
            storage_class: StorageClass::Standard,
            last_archived_at: None,
            last_activated_at: None,
            size_bytes: 0,
            media_type: None,
            in_indexes: Vec::new(),
        }
    }

    /// Whether this image is an image index, whose children it lists.
    pub fn is_index(&self) -> bool {
        self.media_type
            .as_deref()
            .is_some_and(|m| INDEX_MEDIA_TYPES.contains(&m))
    }
}

/// The digests an image index's manifest lists (`manifests[].digest`); none for anything else.
pub fn manifest_children(manifest: &str) -> Vec<String> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(manifest) else {
        return Vec::new();
    };
    value
        .get("manifests")
        .and_then(serde_json::Value::as_array)
        .map(|list| {
            list.iter()
                .filter_map(|m| m.get("digest")?.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Fills every image's `in_indexes` from what each index lists.
pub(crate) fn link_indexes(images: &mut [Image], children: &[(String, Vec<String>)]) {
    for image in images.iter_mut() {
        image.in_indexes = children
            .iter()
            .filter(|(_, listed)| listed.contains(&image.digest))
            .map(|(index, _)| index.clone())
            .collect();
    }
}

/// `YYYY-MM-DD` of a time in milliseconds since the epoch (UTC).
pub(crate) fn date(millis: i64) -> String {
    // Howard Hinnant's days-to-civil.
    let z = millis.div_euclid(86_400_000) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_days() {
        assert_eq!(date(0), "1970-01-01");
        assert_eq!(date(951_782_400_000), "2000-02-29");
        assert_eq!(date(1_700_000_000_000), "2023-11-14");
        assert_eq!(date(-1), "1969-12-31");
    }

    #[test]
    fn an_index_lists_its_children_and_they_learn_it() {
        let manifest = r#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
            "manifests":[{"digest":"sha256:a","platform":{"architecture":"amd64"}},{"digest":"sha256:b"}]}"#;
        let children = vec![("sha256:i".to_string(), manifest_children(manifest))];
        let mut images = vec![Image::new("sha256:a", 0), Image::new("sha256:c", 0)];
        link_indexes(&mut images, &children);
        assert_eq!(images[0].in_indexes, ["sha256:i"]);
        assert!(images[1].in_indexes.is_empty());
        assert!(manifest_children(r#"{"layers":[]}"#).is_empty());
    }

    #[test]
    fn image_status_maps_to_a_storage_class() {
        assert_eq!(
            StorageClass::from_image_status(None),
            StorageClass::Standard
        );
        assert_eq!(
            StorageClass::from_image_status(Some("ARCHIVED")),
            StorageClass::Archive
        );
        assert_eq!(
            StorageClass::from_image_status(Some("ACTIVATING")),
            StorageClass::Activating
        );
    }
}
