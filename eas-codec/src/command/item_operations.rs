//! ItemOperations (MS-ASCMD 2.2.1.10): fetch items, attachments and documents, empty a
//! folder, move a conversation. The multipart response form is in [`multipart`].

use crate::CompactString;
use crate::codec::{Binary, Decoder, Empty, Encoder, Value};
use crate::data::{ApplicationData, BodyPartPreference, BodyPreference};
use crate::{CodecError, Tag, status_enum, tag, wire_choice, wire_struct};

status_enum! {
    /// ItemOperations status (MS-ASCMD 2.2.3.177.8).
    pub enum ItemOperationsStatus {
        1 => Success: "Success.",
        2 => ProtocolError: "Protocol error: the request is not valid.",
        3 => ServerError: "Server error.",
        4 => BadUri: "Document library access: the specified URI is bad.",
        5 => AccessDenied: "Document library: access denied.",
        6 => NotFound: "Document library: the object was not found or access denied.",
        7 => ConnectionFailed: "Document library: failed to connect to the server.",
        8 => InvalidRange: "The byte range is invalid or too large.",
        9 => UnknownStore: "The store is unknown or unsupported.",
        10 => EmptyFile: "The file is empty.",
        11 => TooLarge: "The requested data size is too large.",
        12 => IoFailure: "Failed to download the file because of an input/output failure.",
        14 => ConversionFailed: "Mailbox fetch provider: the item failed conversion.",
        15 => InvalidAttachment: "The attachment or attachment ID is invalid.",
        16 => ResourceAccessDenied: "Access to the resource is denied.",
        17 => PartialSuccess: "Partial success: the command completed partially.",
        18 => CredentialsRequired: "Credentials are required to complete the operation.",
        155 => MissingElements: "Protocol error: required elements are missing.",
        156 => ActionNotSupported: "The action is not supported.",
    }
}

wire_struct! {
    /// ItemOperations request.
    pub struct ItemOperationsRequest = ItemOperations::ItemOperations {
        /// The operations, in order.
        pub operations: choice ItemOperation,
    }
}

wire_choice! {
    /// One requested operation.
    pub enum ItemOperation {
        /// Fetch an item, attachment or document.
        Fetch(FetchRequest) = ItemOperations::Fetch,
        /// Delete a folder's contents.
        EmptyFolderContents(EmptyFolderContents) = ItemOperations::EmptyFolderContents,
        /// Move a conversation (14.0+).
        Move(ConversationMove) = ItemOperations::Move,
    }
}

wire_struct! {
    /// What to fetch and how.
    pub struct FetchRequest {
        /// `Mailbox` or `DocumentLibrary`.
        pub store: one CompactString = ItemOperations::Store,
        /// The item's folder.
        pub collection_id: opt CompactString = AirSync::CollectionId,
        /// An item by server id.
        pub server_id: opt CompactString = AirSync::ServerId,
        /// A document library link.
        pub link_id: opt CompactString = DocumentLibrary::LinkId,
        /// An item found by Search.
        pub long_id: opt CompactString = Search::LongId,
        /// An attachment.
        pub file_reference: opt CompactString = AirSyncBase::FileReference,
        /// Fetch options.
        pub options: opt FetchOptions = ItemOperations::Options,
        /// Return the item with its IRM protection removed (14.1+).
        pub remove_rights_management_protection: opt Empty = RightsManagement::RemoveRightsManagementProtection,
    }
}

wire_struct! {
    /// Options of a fetch.
    pub struct FetchOptions {
        /// Which properties to return.
        pub schema: opt FetchSchema = ItemOperations::Schema,
        /// A byte range `start-end` of a document or attachment.
        pub range: opt CompactString = ItemOperations::Range,
        /// Credentials for a document library.
        pub user_name: opt CompactString = ItemOperations::UserName,
        /// Password for a document library.
        pub password: opt CompactString = ItemOperations::Password,
        /// Whether to return MIME.
        pub mime_support: opt u32 = AirSync::MIMESupport,
        /// Body formats accepted.
        pub body_preference: many BodyPreference = AirSyncBase::BodyPreference,
        /// Body part preference (14.1+).
        pub body_part_preference: many BodyPartPreference = AirSyncBase::BodyPartPreference,
        /// Whether the client supports IRM (14.1+).
        pub rights_management_support: opt bool = RightsManagement::RightsManagementSupport,
    }
}

/// The properties a fetch should return: empty elements naming them.
pub type FetchSchema = crate::codec::TagList;

wire_struct! {
    /// Delete all items in a folder.
    pub struct EmptyFolderContents {
        /// The folder.
        pub collection_id: one CompactString = AirSync::CollectionId,
        /// Options.
        pub options: opt EmptyFolderOptions = ItemOperations::Options,
    }
}

wire_struct! {
    /// Options of EmptyFolderContents.
    pub struct EmptyFolderOptions {
        /// Delete subfolders too.
        pub delete_sub_folders: opt Empty = ItemOperations::DeleteSubFolders,
    }
}

wire_struct! {
    /// Move a conversation.
    pub struct ConversationMove {
        /// The destination folder.
        pub dst_fld_id: one CompactString = ItemOperations::DstFldId,
        /// The conversation (the id the server sent in `email2:ConversationId`).
        pub conversation_id: one Binary = ItemOperations::ConversationId,
        /// Options.
        pub options: opt MoveOptions = ItemOperations::Options,
    }
}

wire_struct! {
    /// Options of a conversation move.
    pub struct MoveOptions {
        /// Also move future messages of the conversation.
        pub move_always: opt Empty = ItemOperations::MoveAlways,
    }
}

wire_struct! {
    /// ItemOperations response.
    pub struct ItemOperationsResponse = ItemOperations::ItemOperations {
        /// Result of the request as a whole.
        pub status: one ItemOperationsStatus = ItemOperations::Status,
        /// The results of the operations.
        pub response: opt OperationResults = ItemOperations::Response,
    }
}

wire_struct! {
    /// The results of the operations, in request order.
    pub struct OperationResults {
        /// One per operation.
        pub results: choice OperationResult,
    }
}

wire_choice! {
    /// The result of one operation.
    pub enum OperationResult {
        /// A fetch.
        Fetch(FetchResult) = ItemOperations::Fetch,
        /// An EmptyFolderContents.
        EmptyFolderContents(EmptyFolderResult) = ItemOperations::EmptyFolderContents,
        /// A conversation move.
        Move(MoveResult) = ItemOperations::Move,
    }
}

wire_struct! {
    /// The result of a fetch.
    pub struct FetchResult {
        /// The result.
        pub status: one ItemOperationsStatus = ItemOperations::Status,
        /// The item's folder.
        pub collection_id: opt CompactString = AirSync::CollectionId,
        /// The item's server id.
        pub server_id: opt CompactString = AirSync::ServerId,
        /// The document library link.
        pub link_id: opt CompactString = DocumentLibrary::LinkId,
        /// The search long id.
        pub long_id: opt CompactString = Search::LongId,
        /// The attachment.
        pub file_reference: opt CompactString = AirSyncBase::FileReference,
        /// The item's class.
        pub class: opt CompactString = AirSync::Class,
        /// What was fetched.
        pub properties: opt FetchProperties = ItemOperations::Properties,
    }
}

wire_struct! {
    /// The result of an EmptyFolderContents.
    pub struct EmptyFolderResult {
        /// The result.
        pub status: one ItemOperationsStatus = ItemOperations::Status,
        /// The folder.
        pub collection_id: one CompactString = AirSync::CollectionId,
    }
}

wire_struct! {
    /// The result of a conversation move.
    pub struct MoveResult {
        /// The result.
        pub status: one ItemOperationsStatus = ItemOperations::Status,
        /// The conversation.
        pub conversation_id: one Binary = ItemOperations::ConversationId,
    }
}

/// What a fetch returned: an item's properties, or a file (attachment or document).
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum FetchProperties {
    /// A mailbox item: the same properties a Sync `ApplicationData` carries.
    Item(ApplicationData),
    /// An attachment or document-library file.
    File(FileProperties),
}

wire_struct! {
    /// An attachment or document fetched.
    pub struct FileProperties {
        /// The MIME type.
        pub content_type: opt CompactString = AirSyncBase::ContentType,
        /// The byte range returned.
        pub range: opt CompactString = ItemOperations::Range,
        /// The file's total size.
        pub total: opt u64 = ItemOperations::Total,
        /// The data (inline form): base64 text, or raw bytes as opaque data.
        pub data: opt Binary = ItemOperations::Data,
        /// The index of the data in a multipart response.
        pub part: opt u32 = ItemOperations::Part,
        /// The document's last-modified time.
        pub version: opt CompactString = ItemOperations::Version,
    }
}

impl Value for FetchProperties {
    /// A file's properties carry an ItemOperations element (`Data`, `Part`, `Range`, `Total`,
    /// `Version`) or `AirSyncBase:ContentType`; an item's never do.
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let file_page = tag!(ItemOperations::Data).page;
        let is_file = d
            .peek_child_tags()?
            .iter()
            .any(|t| t.page == file_page || *t == tag!(AirSyncBase::ContentType));
        if is_file {
            FileProperties::decode(d, tag).map(FetchProperties::File)
        } else {
            ApplicationData::decode(d, tag).map(FetchProperties::Item)
        }
    }

    fn encode<S: eas_wbxml::Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            FetchProperties::Item(a) => a.encode(e, tag),
            FetchProperties::File(f) => f.encode(e, tag),
        }
    }
}

pub mod multipart {
    //! The multipart ItemOperations response body (MS-ASCMD 2.2.1.10.1.1): a count, then
    //! (offset, length) pairs measured from the start of the body, then the parts. The
    //! first part is the WBXML response; `Part` elements index the others.

    use crate::CodecError;

    fn err(position: usize, message: &str) -> CodecError {
        CodecError::Xml {
            position: position as u64,
            message: format!("multipart body: {message}"),
        }
    }

    fn le_u32(body: &[u8], at: usize) -> Result<u32, CodecError> {
        body.get(at..at + 4)
            .and_then(|b| <[u8; 4]>::try_from(b).ok())
            .map(u32::from_le_bytes)
            .ok_or_else(|| err(at, "truncated header"))
    }

    /// Split a multipart body into its parts (borrowed). Every offset and length is checked
    /// against the body; a malformed body is an error, never a panic.
    pub fn split(body: &[u8]) -> Result<Vec<&[u8]>, CodecError> {
        let count = le_u32(body, 0)? as usize;
        // Each part needs 8 bytes of metadata: bound the count before allocating.
        if count.saturating_mul(8) > body.len().saturating_sub(4) {
            return Err(err(0, "part count exceeds the body"));
        }
        let mut parts = Vec::with_capacity(count);
        for i in 0..count {
            let at = 4 + i * 8;
            let offset = le_u32(body, at)? as usize;
            let len = le_u32(body, at + 4)? as usize;
            let part = offset
                .checked_add(len)
                .and_then(|end| body.get(offset..end))
                .ok_or_else(|| err(at, "part lies outside the body"))?;
            parts.push(part);
        }
        Ok(parts)
    }

    /// Join parts into a multipart body.
    pub fn join(parts: &[&[u8]]) -> Result<Vec<u8>, CodecError> {
        let too_big = || err(0, "body over 4 GiB");
        let header = 4 + parts.len() * 8;
        let total = header + parts.iter().map(|p| p.len()).sum::<usize>();
        u32::try_from(total).map_err(|_| too_big())?;
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(
            &u32::try_from(parts.len())
                .map_err(|_| too_big())?
                .to_le_bytes(),
        );
        let mut offset = header;
        for p in parts {
            out.extend_from_slice(&u32::try_from(offset).map_err(|_| too_big())?.to_le_bytes());
            out.extend_from_slice(&u32::try_from(p.len()).map_err(|_| too_big())?.to_le_bytes());
            offset += p.len();
        }
        for p in parts {
            out.extend_from_slice(p);
        }
        Ok(out)
    }
}
