//! DescribeImages' answer as `aws ecr describe-images` prints it (`{"imageDetails": [...]}`):
//! the offline stand-in for [`EcrApi::describe_images`](super::EcrApi::describe_images), read
//! from a file with no credentials and no call.
//!
//! Times are what the CLI prints: ISO 8601 with an offset (its default) or seconds since the
//! epoch (`cli_timestamp_format = none`), read to the millisecond.

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;
use serde_json::Value;

use crate::model::image::{Image, StorageClass};

/// The images of the document; an error names the first field that cannot be read.
pub fn parse(text: &str) -> Result<Vec<Image>, String> {
    let value: Value = serde_json::from_str(text).map_err(|e| format!("not JSON: {e}"))?;
    let details = value
        .get("imageDetails")
        .and_then(Value::as_array)
        .ok_or("expected {\"imageDetails\": [...]}, what `aws ecr describe-images` prints")?;
    details
        .iter()
        .enumerate()
        .map(|(n, d)| image(d).map_err(|e| format!("imageDetails[{n}].{e}")))
        .collect()
}

fn time(detail: &Value, field: &str) -> Result<Option<i64>, String> {
    match detail.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_f64()
            .map(|s| Some((s * 1000.0).floor() as i64))
            .ok_or_else(|| format!("{field}: not a time")),
        Some(Value::String(s)) => DateTime::from_str(s, Format::DateTimeWithOffset)
            .map_err(|e| format!("{field}: {s:?} is not an ISO 8601 time ({e})"))
            .and_then(|t| {
                t.to_millis()
                    .map(Some)
                    .map_err(|e| format!("{field}: {s:?} is out of range ({e})"))
            }),
        Some(_) => Err(format!("{field}: not a time")),
    }
}

fn image(detail: &Value) -> Result<Image, String> {
    let text = |field: &str| detail.get(field).and_then(Value::as_str);
    let digest = text("imageDigest").ok_or("imageDigest: missing")?;
    let pushed_at = time(detail, "imagePushedAt")?.ok_or("imagePushedAt: missing")?;
    let mut tags: Vec<String> = match detail.get("imageTags") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(list)) => list
            .iter()
            .map(|t| t.as_str().map(str::to_string))
            .collect::<Option<_>>()
            .ok_or("imageTags: expected strings")?,
        Some(_) => return Err("imageTags: expected a list".into()),
    };
    tags.sort();
    Ok(Image {
        digest: digest.to_string(),
        tags,
        pushed_at,
        last_pulled_at: time(detail, "lastRecordedPullTime")?,
        storage_class: StorageClass::from_image_status(text("imageStatus")),
        last_archived_at: time(detail, "lastArchivedAt")?,
        last_activated_at: time(detail, "lastActivatedAt")?,
        size_bytes: detail
            .get("imageSizeInBytes")
            .and_then(Value::as_u64)
            .unwrap_or_default(),
        media_type: text("imageManifestMediaType").map(str::to_string),
        in_indexes: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_the_cli_prints() {
        let text = r#"{"imageDetails": [
            {"registryId": "123456789012", "repositoryName": "app",
             "imageDigest": "sha256:aa", "imageTags": ["v2", "latest"],
             "imageSizeInBytes": 52428800, "imagePushedAt": "2026-11-01T10:00:00.123000+02:00",
             "imageManifestMediaType": "application/vnd.oci.image.manifest.v1+json",
             "lastRecordedPullTime": "2026-11-20T00:00:00+00:00", "imageStatus": "ACTIVE"},
            {"imageDigest": "sha256:bb", "imagePushedAt": 1700000000.5,
             "imageStatus": "ARCHIVED", "lastArchivedAt": 1750000000}
        ]}"#;
        let images = parse(text).unwrap();
        assert_eq!(images[0].tags, ["latest", "v2"]);
        assert_eq!(images[0].pushed_at, 1_793_520_000_123);
        assert_eq!(images[0].size_bytes, 52_428_800);
        assert_eq!(images[0].storage_class, StorageClass::Standard);
        assert_eq!(images[0].last_pulled_at, Some(1_795_132_800_000));
        assert!(images[1].tags.is_empty());
        assert_eq!(images[1].pushed_at, 1_700_000_000_500);
        assert_eq!(images[1].storage_class, StorageClass::Archive);
        assert_eq!(images[1].last_archived_at, Some(1_750_000_000_000));
    }

    #[test]
    fn a_field_it_cannot_read_is_named() {
        let e = parse(
            r#"{"imageDetails": [{"imageDigest": "sha256:a", "imagePushedAt": "yesterday"}]}"#,
        )
        .unwrap_err();
        assert!(e.starts_with("imageDetails[0].imagePushedAt"), "{e}");
        assert!(
            parse(r#"{"images": []}"#)
                .unwrap_err()
                .contains("imageDetails")
        );
    }
}
