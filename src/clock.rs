//! Wall-clock time as RFC 3339 UTC, second precision: drift's timestamps and the lock's lease.

use std::time::SystemTime;

use aws_smithy_types::DateTime;
use aws_smithy_types::date_time::Format;

/// Now as RFC 3339 in UTC, second precision (`2026-05-01T12:00:00Z`).
pub(crate) fn utc_now() -> String {
    rfc3339(SystemTime::now())
}

/// `at` as RFC 3339 in UTC, second precision.
pub(crate) fn rfc3339(at: SystemTime) -> String {
    DateTime::from_secs(DateTime::from(at).secs())
        .fmt(Format::DateTime)
        .unwrap_or_else(|_| "1970-01-01T00:00:00Z".into())
}

/// Seconds since the epoch of an RFC 3339 time; `None` when it is not one.
pub(crate) fn parse_secs(text: &str) -> Option<i64> {
    DateTime::from_str(text, Format::DateTime)
        .ok()
        .map(|t| t.secs())
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;

    #[test]
    fn timestamps() {
        let at = |secs| UNIX_EPOCH + Duration::from_secs(secs);
        assert_eq!(rfc3339(UNIX_EPOCH), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(at(951_827_696)), "2000-02-29T12:34:56Z");
        assert_eq!(
            rfc3339(at(1_767_225_599) + Duration::from_millis(999)),
            "2025-12-31T23:59:59Z"
        );
        assert_eq!(parse_secs("2000-02-29T12:34:56Z"), Some(951_827_696));
        assert_eq!(parse_secs("soon"), None);
    }
}
