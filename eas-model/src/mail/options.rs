//! What the client asked for in its `Options`: the body preferences, `MIMESupport`, the 14.1
//! body-part preference and the protocol 2.5 truncation codes.

use eas_codec::command::item_operations::FetchOptions;
use eas_codec::command::search::SearchOptions;
use eas_codec::command::sync::SyncOptions;
use eas_codec::data::airsyncbase::{BodyPartPreference, BodyPreference};

use crate::ModelError;

/// `MIMESupport` (MS-ASCMD 2.2.3.110): which messages the client wants as MIME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MimeSupport {
    /// 0, also when the element is absent: never send MIME.
    #[default]
    Never,
    /// 1: MIME for S/MIME messages only, the regular body for all others.
    SmimeOnly,
    /// 2: MIME for every message.
    Always,
}

impl MimeSupport {
    /// The value of the wire element; anything but 0, 1 and 2 is refused.
    pub fn from_code(code: u32) -> Result<MimeSupport, ModelError> {
        match code {
            0 => Ok(MimeSupport::Never),
            1 => Ok(MimeSupport::SmimeOnly),
            2 => Ok(MimeSupport::Always),
            _ => Err(ModelError::InvalidField {
                field: "MIMESupport",
                reason: format!("{code} is not 0, 1 or 2"),
            }),
        }
    }

    /// Whether a message may go as MIME; `smime` says whether it is S/MIME signed or
    /// encrypted.
    pub fn allows(self, smime: bool) -> bool {
        match self {
            MimeSupport::Never => false,
            MimeSupport::SmimeOnly => smime,
            MimeSupport::Always => true,
        }
    }
}

/// The characters a protocol 2.5 `Truncation` code keeps (MS-ASCMD 2.2.3.185): 0 nothing,
/// 1 512, 2 1,024, 3 2,048, 4 5,120, 5 10,240, 6 20,480, 7 51,200, 8 102,400; 9 (or no code)
/// everything.
pub fn truncation_chars(code: Option<u32>) -> Option<u32> {
    match code? {
        0 => Some(0),
        1 => Some(512),
        2 => Some(1024),
        3 => Some(2048),
        4 => Some(5120),
        5 => Some(10_240),
        6 => Some(20_480),
        7 => Some(51_200),
        8 => Some(102_400),
        _ => None,
    }
}

/// The characters a `MIMETruncation` code keeps (MS-ASCMD 2.2.3.111): 0 nothing, 1 4,096,
/// 2 5,120, 3 7,168, 4 10,240, 5 20,480, 6 51,200, 7 102,400; 8 (or no code) everything.
pub fn mime_truncation_chars(code: Option<u32>) -> Option<u32> {
    match code? {
        0 => Some(0),
        1 => Some(4096),
        2 => Some(5120),
        3 => Some(7168),
        4 => Some(10_240),
        5 => Some(20_480),
        6 => Some(51_200),
        7 => Some(102_400),
        _ => None,
    }
}

/// The body options of one request, as [`MailItem::to_wire_with`](super::MailItem::to_wire_with)
/// needs them.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyOptions {
    /// The AirSyncBase `BodyPreference`s (12.0+), in the client's order.
    pub preferences: Vec<BodyPreference>,
    /// The `BodyPartPreference`s (14.1+); with one, the item carries a `BodyPart`.
    pub part_preferences: Vec<BodyPartPreference>,
    /// Which messages may go as MIME. From 12.0 a message goes as MIME only when this allows
    /// it *and* a preference asks for type 4; in 2.5, whenever this allows it.
    pub mime_support: MimeSupport,
    /// The 2.5 `Truncation` code (see [`truncation_chars`]).
    pub truncation: Option<u32>,
    /// The 2.5 `MIMETruncation` code (see [`mime_truncation_chars`]).
    pub mime_truncation: Option<u32>,
}

impl BodyOptions {
    /// Options with these preferences alone, for callers that have no `Options` element to
    /// read: a type-4 preference is taken as `MIMESupport` 2, so asking for MIME gets MIME.
    pub fn new(preferences: &[BodyPreference]) -> BodyOptions {
        let mime_support = if preferences.iter().any(|p| p.body_type == 4) {
            MimeSupport::Always
        } else {
            MimeSupport::Never
        };
        BodyOptions {
            preferences: preferences.to_vec(),
            mime_support,
            ..BodyOptions::default()
        }
    }

    /// The options of a Sync collection. A `MIMESupport` other than 0–2, a `Truncation`
    /// above 9 or a `MIMETruncation` above 8 is refused: MS-ASCMD defines no other values.
    pub fn from_sync(options: &SyncOptions) -> Result<BodyOptions, ModelError> {
        let check = |code: Option<u32>, max: u32, field: &'static str| match code {
            Some(c) if c > max => Err(ModelError::InvalidField {
                field,
                reason: format!("{c} is above {max}"),
            }),
            _ => Ok(code),
        };
        Ok(BodyOptions {
            preferences: options.body_preference.clone(),
            part_preferences: options.body_part_preference.clone(),
            mime_support: MimeSupport::from_code(options.mime_support.unwrap_or(0))?,
            truncation: check(options.truncation, 9, "Truncation")?,
            mime_truncation: check(options.mime_truncation, 8, "MIMETruncation")?,
        })
    }

    /// The options of an ItemOperations Fetch (which has no 2.5 truncation codes).
    pub fn from_fetch(options: &FetchOptions) -> Result<BodyOptions, ModelError> {
        Ok(BodyOptions {
            preferences: options.body_preference.clone(),
            part_preferences: options.body_part_preference.clone(),
            mime_support: MimeSupport::from_code(options.mime_support.unwrap_or(0))?,
            ..BodyOptions::default()
        })
    }

    /// The options of a mailbox Search.
    pub fn from_search(options: &SearchOptions) -> Result<BodyOptions, ModelError> {
        Ok(BodyOptions {
            preferences: options.body_preference.clone(),
            part_preferences: options.body_part_preference.clone(),
            mime_support: MimeSupport::from_code(options.mime_support.unwrap_or(0))?,
            ..BodyOptions::default()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_tables_match_ms_ascmd() {
        assert_eq!(truncation_chars(Some(0)), Some(0));
        assert_eq!(truncation_chars(Some(4)), Some(5120));
        assert_eq!(truncation_chars(Some(8)), Some(102_400));
        assert_eq!(truncation_chars(Some(9)), None);
        assert_eq!(truncation_chars(None), None);
        assert_eq!(mime_truncation_chars(Some(1)), Some(4096));
        assert_eq!(mime_truncation_chars(Some(3)), Some(7168));
        assert_eq!(mime_truncation_chars(Some(8)), None);
    }
}
