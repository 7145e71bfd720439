//! The one error type of this crate.

use crate::{ProtocolVersion, Tag};

/// Everything that can go wrong decoding or encoding EAS documents.
///
/// Variants that come from input carry the byte offset at which the problem was found. A
/// server maps any of them to the command's protocol-error status (see
/// [`CodecError::is_limit`] for the "too large" cases); none of them is ever a panic.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CodecError {
    /// The WBXML layer refused the document.
    #[error(transparent)]
    Wbxml(#[from] eas_wbxml::Error),
    /// The document's root is not the element expected.
    #[error("expected root element {expected}, found {found:?} at byte {offset}")]
    WrongRoot {
        /// What the caller asked to decode.
        expected: Tag,
        /// What the document holds (`None` for a literal tag).
        found: Option<Tag>,
        /// Offset of the root's start tag.
        offset: usize,
    },
    /// An element that the schema does not allow inside its parent.
    #[error("element {tag} is not allowed in {parent} (byte {offset})")]
    UnexpectedElement {
        /// The element found.
        tag: Tag,
        /// Its parent.
        parent: Tag,
        /// Offset of its start tag.
        offset: usize,
    },
    /// A required element is missing.
    #[error("element {parent} lacks its required {tag} (ends at byte {offset})")]
    MissingElement {
        /// The missing element.
        tag: Tag,
        /// The element that should contain it.
        parent: Tag,
        /// Offset of the parent's end.
        offset: usize,
    },
    /// An element that may occur once occurs again.
    #[error("element {tag} occurs more than once in {parent} (byte {offset})")]
    DuplicateElement {
        /// The repeated element.
        tag: Tag,
        /// Its parent.
        parent: Tag,
        /// Offset of the second occurrence.
        offset: usize,
    },
    /// Text where only elements may be, or elements where only text may be.
    #[error("{what} inside {parent} at byte {offset}")]
    UnexpectedContent {
        /// The element whose content is wrong.
        parent: Tag,
        /// What was found.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// An element's value does not parse as its type.
    #[error("invalid value in {tag} at byte {offset}: {reason}")]
    InvalidValue {
        /// The element.
        tag: Tag,
        /// Offset of its content.
        offset: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// An element that the negotiated protocol version does not have.
    #[error("element {tag} does not exist in protocol version {version} (byte {offset})")]
    NotInVersion {
        /// The element.
        tag: Tag,
        /// The negotiated version.
        version: ProtocolVersion,
        /// Offset of its start tag.
        offset: usize,
    },
    /// More repetitions of an element than the configured limit allows.
    #[error("more than {limit} {tag} elements (byte {offset})")]
    TooMany {
        /// The repeated element.
        tag: Tag,
        /// The limit.
        limit: usize,
        /// Offset of the first one over the limit.
        offset: usize,
    },
    /// WBXML constructs EAS never uses: attributes, literal tags, processing instructions,
    /// extension tokens.
    #[error("{what} at byte {offset}: EAS does not use it")]
    Unsupported {
        /// The construct.
        what: &'static str,
        /// Where.
        offset: usize,
    },
    /// Encoding: the value nests elements deeper than a reader accepts
    /// ([`eas_wbxml::Limits::max_depth`] by default), so the peer would refuse the document.
    #[error("element {tag} would nest deeper than {limit} levels, which readers refuse")]
    TooDeep {
        /// The element that would go too deep.
        tag: Tag,
        /// The depth limit.
        limit: usize,
    },
    /// The XML given to the XML tool is not well-formed or names an unknown element.
    #[error("XML at byte {position}: {message}")]
    Xml {
        /// Byte position in the XML text.
        position: u64,
        /// What is wrong.
        message: String,
    },
}

impl CodecError {
    /// The byte offset in the input, when the error came from input.
    pub fn offset(&self) -> Option<usize> {
        match self {
            CodecError::Wbxml(e) => e.offset(),
            CodecError::WrongRoot { offset, .. }
            | CodecError::UnexpectedElement { offset, .. }
            | CodecError::MissingElement { offset, .. }
            | CodecError::DuplicateElement { offset, .. }
            | CodecError::UnexpectedContent { offset, .. }
            | CodecError::InvalidValue { offset, .. }
            | CodecError::NotInVersion { offset, .. }
            | CodecError::TooMany { offset, .. }
            | CodecError::Unsupported { offset, .. } => Some(*offset),
            CodecError::Xml { position, .. } => usize::try_from(*position).ok(),
            CodecError::TooDeep { .. } => None,
        }
    }

    /// Whether a configured limit was exceeded (the request is too large rather than
    /// malformed).
    pub fn is_limit(&self) -> bool {
        match self {
            CodecError::Wbxml(e) => e.is_limit(),
            CodecError::TooMany { .. } => true,
            _ => false,
        }
    }
}
