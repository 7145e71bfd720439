//! The two date-time forms EAS uses on the wire.
//!
//! MS-ASDTYPE defines `dateTime` as `YYYY-MM-DDTHH:MM:SS.MSSZ` (Email `DateReceived`, Tasks
//! dates), while Calendar items use the compact `YYYYMMDDTHHMMSSZ` form. Clients are not
//! consistent about which they send, so [`parse`] accepts both (and the same without the
//! fraction or without `Z`, which some devices send), and each formatter writes the form its
//! element requires.

use chrono::{DateTime, NaiveDateTime, Utc};

use crate::ModelError;

/// `YYYYMMDDTHHMMSSZ`, the Calendar form.
pub fn format_compact(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ`, the MS-ASDTYPE `dateTime` form.
pub fn format_extended(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Parse either EAS form as UTC. `field` names the element for the error.
pub fn parse(s: &str, field: &'static str) -> Result<DateTime<Utc>, ModelError> {
    let s = s.trim();
    let body = s.strip_suffix('Z').unwrap_or(s);
    const FORMATS: [&str; 4] = [
        "%Y%m%dT%H%M%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S",
        "%Y%m%dT%H%M%S%.f",
    ];
    FORMATS
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(body, f).ok())
        .map(|n| n.and_utc())
        .ok_or_else(|| ModelError::InvalidField {
            field,
            reason: format!("{s:?} is not an EAS date-time"),
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn both_forms_parse_to_the_same_instant() {
        let t = Utc.with_ymd_and_hms(2011, 10, 1, 19, 0, 0).single();
        assert_eq!(parse("20111001T190000Z", "StartTime").ok(), t);
        assert_eq!(parse("2011-10-01T19:00:00.000Z", "DateReceived").ok(), t);
        assert_eq!(parse("2011-10-01T19:00:00Z", "DateReceived").ok(), t);
        assert_eq!(parse(" 20111001T190000 ", "StartTime").ok(), t);
        assert!(parse("2011-13-01T19:00:00.000Z", "DateReceived").is_err());
        assert!(parse("tomorrow", "StartTime").is_err());
    }

    #[test]
    fn formats_are_the_wire_forms() {
        let t = Utc
            .with_ymd_and_hms(2026, 3, 29, 1, 2, 3)
            .single()
            .map(|t| t + chrono::Duration::milliseconds(45));
        let t = t.unwrap_or_default();
        assert_eq!(format_compact(t), "20260329T010203Z");
        assert_eq!(format_extended(t), "2026-03-29T01:02:03.045Z");
    }
}
