//! The crate's one error type.

/// What went wrong converting an item. Every variant names the input format and says why, so
/// a server can log it and answer the client with the command's status for invalid items.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A MIME message could not be read or built.
    #[error("MIME: {0}")]
    Mime(String),
    /// A message to send names no recipient in `To`, `Cc` or `Bcc` (ComposeMail status 119).
    #[error("the message has no recipient in To, Cc or Bcc")]
    NoRecipient,
    /// iCalendar data could not be read, or has no component of the kind wanted.
    #[error("iCalendar: {0}")]
    ICalendar(String),
    /// A vCard could not be read.
    #[error("vCard: {0}")]
    VCard(String),
    /// A TIME_ZONE_INFORMATION blob or zone name could not be understood.
    #[error("time zone: {0}")]
    TimeZone(String),
    /// A field of a wire item holds a value that does not mean anything (a date that is not
    /// a date, an out-of-range enumeration).
    #[error("{field}: {reason}")]
    InvalidField {
        /// The element, by its MS-ASCMD name (`StartTime`, `Recurrence/Type`).
        field: &'static str,
        /// Why the value was refused.
        reason: String,
    },
}
