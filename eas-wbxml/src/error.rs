//! The one error type of this crate.

/// Everything that can go wrong while reading or writing WBXML.
///
/// Every variant that comes from input bytes carries `offset`: the byte position in the
/// document where the problem was found, so a log line or a protocol error can point at it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The document ended in the middle of something (`context` says what).
    #[error("unexpected end of document at byte {offset} while reading {context}")]
    UnexpectedEof {
        /// Where the missing bytes should have started.
        offset: usize,
        /// What was being read.
        context: &'static str,
    },
    /// The version byte is not WBXML 1.1, 1.2 or 1.3.
    #[error("unsupported WBXML version byte {version:#04x} at byte {offset} (1.1 to 1.3 are read)")]
    UnsupportedVersion {
        /// Offset of the version byte (always 0).
        offset: usize,
        /// The byte found.
        version: u8,
    },
    /// The header names a character set this crate cannot decode correctly.
    #[error("unsupported character set MIBenum {mib} at byte {offset}")]
    UnsupportedCharset {
        /// Offset of the charset field.
        offset: usize,
        /// The IANA MIBenum found.
        mib: u32,
    },
    /// A multi-byte integer is longer than 5 bytes or does not fit in 32 bits.
    #[error("mb_u_int32 at byte {offset} overflows 32 bits")]
    IntegerOverflow {
        /// Offset of the integer's first byte.
        offset: usize,
    },
    /// A string-table reference points outside the table, or at a string with no terminator.
    #[error(
        "string table reference {index} at byte {offset} is outside the {table_len}-byte table"
    )]
    BadStringTableReference {
        /// Offset of the reference.
        offset: usize,
        /// The reference value.
        index: u32,
        /// The string table's length.
        table_len: usize,
    },
    /// An inline string has no terminator before the end of the document.
    #[error("inline string starting at byte {offset} is not terminated")]
    UnterminatedString {
        /// Offset of the string's first byte.
        offset: usize,
    },
    /// A length field (string table, opaque) runs past the end of the document.
    #[error("{context} of {len} bytes at byte {offset} runs past the end of the document")]
    LengthOutOfBounds {
        /// Offset of the length field.
        offset: usize,
        /// The declared length.
        len: u32,
        /// What the length belongs to.
        context: &'static str,
    },
    /// A token that is not allowed where it was found.
    #[error("token {token:#04x} is not allowed in {context} at byte {offset}")]
    UnexpectedToken {
        /// Offset of the token.
        offset: usize,
        /// The token byte.
        token: u8,
        /// Where it was found (e.g. "content", "attribute list").
        context: &'static str,
    },
    /// An END token with no open element.
    #[error("END at byte {offset} closes no element")]
    UnbalancedEnd {
        /// Offset of the END token.
        offset: usize,
    },
    /// The document has a header but no root element.
    #[error("no root element (document ends at byte {offset})")]
    NoRootElement {
        /// Where the root element should have started.
        offset: usize,
    },
    /// The document ended with elements still open.
    #[error("document ended at byte {offset} with {open} element(s) still open")]
    Truncated {
        /// The document's length.
        offset: usize,
        /// How many elements are open.
        open: usize,
    },
    /// Bytes follow the root element and the reader was told to refuse them.
    #[error("{len} byte(s) after the root element, starting at byte {offset}")]
    TrailingData {
        /// Offset of the first extra byte.
        offset: usize,
        /// How many extra bytes there are.
        len: usize,
    },
    /// An ENTITY names a value that is not a Unicode scalar value.
    #[error("entity {value:#x} at byte {offset} is not a Unicode character")]
    InvalidEntity {
        /// Offset of the ENTITY token.
        offset: usize,
        /// The code point.
        value: u32,
    },
    /// Text bytes are not valid in the document's character set.
    #[error("text at byte {offset} is not valid {charset}")]
    InvalidText {
        /// Offset of the text's first byte.
        offset: usize,
        /// The character set's name.
        charset: &'static str,
    },
    /// Elements nest deeper than [`Limits::max_depth`](crate::Limits::max_depth).
    #[error("elements nest deeper than {limit} at byte {offset}")]
    TooDeep {
        /// Offset of the start tag that went too deep.
        offset: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The document is larger than [`Limits::max_document_len`](crate::Limits::max_document_len).
    #[error("document of {len} bytes is larger than the limit of {limit}")]
    DocumentTooLarge {
        /// The document's length.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// A string or opaque value is longer than [`Limits::max_string_len`](crate::Limits::max_string_len).
    #[error("value of {len} bytes at byte {offset} is longer than the limit of {limit}")]
    StringTooLong {
        /// Offset of the value.
        offset: usize,
        /// Its length.
        len: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The document has more tokens than [`Limits::max_tokens`](crate::Limits::max_tokens).
    #[error("more than {limit} tokens (at byte {offset})")]
    TooManyTokens {
        /// Offset of the token that exceeded the limit.
        offset: usize,
        /// The configured limit.
        limit: usize,
    },
    /// The writer was asked for something WBXML cannot express, or called out of order.
    #[error("cannot write: {0}")]
    Write(&'static str),
    /// The writer's output failed.
    #[error("I/O error while writing: {0}")]
    Io(String),
}

impl Error {
    /// The byte offset in the input at which the error was found, if it came from input.
    pub fn offset(&self) -> Option<usize> {
        match *self {
            Error::UnexpectedEof { offset, .. }
            | Error::UnsupportedVersion { offset, .. }
            | Error::UnsupportedCharset { offset, .. }
            | Error::IntegerOverflow { offset }
            | Error::BadStringTableReference { offset, .. }
            | Error::UnterminatedString { offset }
            | Error::LengthOutOfBounds { offset, .. }
            | Error::UnexpectedToken { offset, .. }
            | Error::UnbalancedEnd { offset }
            | Error::NoRootElement { offset }
            | Error::Truncated { offset, .. }
            | Error::TrailingData { offset, .. }
            | Error::InvalidEntity { offset, .. }
            | Error::InvalidText { offset, .. }
            | Error::TooDeep { offset, .. }
            | Error::StringTooLong { offset, .. }
            | Error::TooManyTokens { offset, .. } => Some(offset),
            Error::DocumentTooLarge { .. } | Error::Write(_) | Error::Io(_) => None,
        }
    }

    /// Whether the error is a configured limit being exceeded rather than malformed input.
    ///
    /// A server maps limit errors to "request too large" statuses and the others to
    /// "malformed request".
    pub fn is_limit(&self) -> bool {
        matches!(
            self,
            Error::TooDeep { .. }
                | Error::DocumentTooLarge { .. }
                | Error::StringTooLong { .. }
                | Error::TooManyTokens { .. }
        )
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::Io(e.to_string())
    }
}
