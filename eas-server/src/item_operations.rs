//! ItemOperations (MS-ASCMD 2.2.1.10) and GetAttachment (MS-ASCMD 2.2.1.8) as sans-IO command
//! logic: a decoded request and an [`ItemSource`] in, a typed response (and the multipart
//! parts) out. The HTTP layer decodes the request, calls [`item_operations`], and sends what
//! [`encode_outcome`] returns.
//!
//! Status choices, each from MS-ASCMD 2.2.3.177.8 (and the Microsoft protocol test suite that
//! checks it, which shows which code Exchange sends in which case):
//!
//! - Fetch of an item that does not exist, or a `LongId` (this server runs no mailbox Search,
//!   so it issued none): 6, "object not found". An item the store cannot render: 14.
//! - Fetch of an attachment whose reference is empty, malformed or names nothing: 15.
//!   Attachments disabled by the policy: 16, "access denied". An attachment over the
//!   policy's `MaxAttachmentSize`, or a result over [`FetchLimits::max_response_bytes`]: 11,
//!   "the requested data size is too large".
//! - `Range` (`m-n`, zero-based, inclusive) on an attachment: a range that starts past the
//!   end, is not two numbers, or has m > n is 8; an end past the last byte is served up to the
//!   last byte (the spec asks for best effort), with `Range` echoing what was served and
//!   `Total` the full size. `Range` on an item fetch is ignored: an item's properties carry no
//!   `Range`/`Total`, and the spec defines the element for documents and attachments.
//! - A `DocumentLibrary` (or any other) store: 9, "unknown or unsupported store".
//! - A fetch naming two things (a `FileReference` and a `ServerId`), or one with `LinkId` in
//!   the mailbox store: 2; naming nothing: 155 from 14.0 (2 before, where 155 does not exist).
//! - EmptyFolderContents: allowed on any visible folder (the test suite empties the Inbox
//!   and expects 1); a missing folder is 6, a store refusal (a special folder) 16.
//! - Move: `MoveAlways` is required (MS-ASCMD 2.2.3.118, 155 without it); a missing
//!   destination or an unknown conversation is 6 (MS-ASCON 2.2.2.10).
//! - Any other store failure: 3 for that operation; the others are still served.

use base64::Engine as _;
use eas_codec::codec::{Binary, encode};
use eas_codec::command::item_operations::{
    ConversationMove, EmptyFolderContents, EmptyFolderResult, FetchOptions, FetchProperties,
    FetchRequest, FetchResult, FileProperties, ItemOperation, ItemOperationsRequest,
    ItemOperationsResponse, ItemOperationsStatus, MoveResult, OperationResult, OperationResults,
    multipart,
};
use eas_codec::data::ApplicationData;
use eas_codec::{CodecError, CompactString, ProtocolVersion};
use eas_model::mail::attachment::{file_reference, parse_file_reference};
use eas_model::mail::options::BodyOptions;
use eas_model::mail::outline::StoredPart;
use eas_sync_engine::{BackendError, CollectionId, ItemId};

use crate::provision::Policy;

/// Content type of a plain WBXML response.
pub const WBXML_CONTENT_TYPE: &str = "application/vnd.ms-sync.wbxml";
/// Content type of a multipart ItemOperations response (MS-ASCMD 2.2.1.10.1.1).
pub const MULTIPART_CONTENT_TYPE: &str = "application/vnd.ms-sync.multipart";

/// An attachment's content: its bytes, or where in the store to read them from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttachmentData {
    /// Decoded, in memory.
    Bytes(Vec<u8>),
    /// Part `part` of the message stored in item row `row`, decodable chunk by chunk with
    /// [`PartDecoder`](eas_model::mail::outline::PartDecoder).
    Stored {
        /// The item's row id.
        row: i64,
        /// Where the content lies in the stored message.
        part: StoredPart,
    },
}

impl AttachmentData {
    /// The decoded size (for a stored part, as counted when it was stored).
    pub fn size(&self) -> u64 {
        match self {
            AttachmentData::Bytes(b) => b.len() as u64,
            AttachmentData::Stored { part, .. } => part.size,
        }
    }
}

/// What ItemOperations and GetAttachment need from an account's mailbox.
pub trait ItemSource {
    /// The item rendered for Fetch: for mail, render from MIME with the fetch's body
    /// options; for PIM, the item's wire form. `Err(NoItem/NoFolder)` when absent or hidden.
    fn fetch_item(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        version: ProtocolVersion,
        options: Option<&FetchOptions>,
    ) -> Result<ApplicationData, BackendError>;
    /// A mail attachment by its file reference: (content type, bytes). `Err(NoItem)` when the
    /// reference names nothing the account can see. The reference is given in the canonical
    /// form of [`file_reference`] (percent escapes already decoded).
    fn attachment(&self, file_reference: &str) -> Result<(String, Vec<u8>), BackendError>;
    /// The same attachment, where a large one may be left in the store to be streamed
    /// (GetAttachment). The default reads it whole.
    fn attachment_data(
        &self,
        file_reference: &str,
    ) -> Result<(String, AttachmentData), BackendError> {
        self.attachment(file_reference)
            .map(|(content_type, bytes)| (content_type, AttachmentData::Bytes(bytes)))
    }
    /// Decoded bytes `first..=last` of an attachment [`ItemSource::attachment_data`] left
    /// in the store, reading no further than needed. Sources that never leave one there
    /// keep the default, which refuses.
    fn read_stored(
        &self,
        row: i64,
        part: &StoredPart,
        first: u64,
        last: u64,
    ) -> Result<Vec<u8>, BackendError> {
        let _ = (part, first, last);
        Err(BackendError::Unavailable(format!(
            "item {row}: this source stores no attachments apart"
        )))
    }
    /// Delete every item in the folder (and, if asked, its subfolders).
    fn empty_folder(
        &mut self,
        folder: &CollectionId,
        delete_subfolders: bool,
    ) -> Result<(), BackendError>;
    /// The items of a conversation (Conversation-Id bytes), in every mail folder except
    /// Sent Items: a conversation move takes messages "from all folders except the Sent Items
    /// folder" (MS-ASCON 2.2.2.8).
    fn conversation_items(
        &self,
        conversation_id: &[u8],
    ) -> Result<Vec<(CollectionId, ItemId)>, BackendError>;
    /// Move an item; returns its id in the destination.
    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError>;
    /// Whether the folder exists and is visible.
    fn has_folder(&self, folder: &CollectionId) -> bool;
}

/// Limits on what one ItemOperations response may carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FetchLimits {
    /// Most bytes of fetched data (inline base64, encoded items, or multipart parts) in one
    /// response, over all its fetches; a fetch that would pass it gets status 11.
    pub max_response_bytes: usize,
}

impl Default for FetchLimits {
    /// 50 MiB: the response is built in memory, so this bounds what one request can cost.
    fn default() -> Self {
        FetchLimits {
            max_response_bytes: 50 * 1024 * 1024,
        }
    }
}

/// A processed ItemOperations request: the response, and for a multipart response the data
/// parts its `Part` elements index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemOperationsOutcome {
    /// The WBXML response (part 0 of a multipart response).
    pub response: ItemOperationsResponse,
    /// Whether the client asked for the multipart form.
    pub multipart: bool,
    /// The data parts, in order: `Part` n is `parts[n - 1]`. Empty unless `multipart`.
    pub parts: Vec<Vec<u8>>,
}

/// Run an ItemOperations request against `source`. Each operation gets its own status, in
/// request order; one failing does not stop the others. `multipart` says whether the client
/// asked for the multipart form (`MS-ASAcceptMultiPart: T` or the query flag).
pub fn item_operations(
    req: &ItemOperationsRequest,
    source: &mut impl ItemSource,
    version: ProtocolVersion,
    multipart: bool,
    policy: &Policy,
    limits: &FetchLimits,
) -> ItemOperationsOutcome {
    let mut run = Run {
        version,
        multipart,
        policy,
        budget: limits.max_response_bytes,
        parts: Vec::new(),
    };
    let results = req
        .operations
        .iter()
        .map(|op| match op {
            ItemOperation::Fetch(f) => OperationResult::Fetch(run.fetch(f, source)),
            ItemOperation::EmptyFolderContents(e) => {
                OperationResult::EmptyFolderContents(empty_folder(e, source))
            }
            ItemOperation::Move(m) => OperationResult::Move(run.conversation_move(m, source)),
        })
        .collect();
    ItemOperationsOutcome {
        response: ItemOperationsResponse {
            status: ItemOperationsStatus::Success,
            response: Some(OperationResults { results }),
        },
        multipart,
        parts: run.parts,
    }
}

/// The HTTP body and its content type: the WBXML alone, or the multipart body whose first
/// part is the WBXML (also when no fetch produced data: the client asked for that form).
pub fn encode_outcome(
    outcome: &ItemOperationsOutcome,
    version: ProtocolVersion,
) -> Result<(Vec<u8>, &'static str), CodecError> {
    let wbxml = encode(&outcome.response, version)?;
    if !outcome.multipart {
        return Ok((wbxml, WBXML_CONTENT_TYPE));
    }
    let mut parts: Vec<&[u8]> = Vec::with_capacity(outcome.parts.len() + 1);
    parts.push(&wbxml);
    parts.extend(outcome.parts.iter().map(Vec::as_slice));
    Ok((multipart::join(&parts)?, MULTIPART_CONTENT_TYPE))
}

/// Why GetAttachment gives no attachment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GetAttachmentError {
    /// The `AttachmentName` is not a file reference this server makes.
    #[error("invalid attachment name {0:?}")]
    InvalidName(String),
    /// The reference names nothing the account can see (deleted, or another account's).
    #[error("no attachment {0:?}")]
    NotFound(String),
    /// The policy disables attachments (`AttachmentsEnabled` 0).
    #[error("attachments are disabled by policy")]
    AttachmentsDisabled,
    /// The attachment is larger than the policy's `MaxAttachmentSize`.
    #[error("attachment of {size} bytes exceeds the limit of {limit} bytes")]
    TooLarge {
        /// The attachment's size.
        size: u64,
        /// The policy's limit.
        limit: u32,
    },
    /// The store failed.
    #[error("store failure: {0}")]
    Unavailable(String),
}

impl GetAttachmentError {
    /// The HTTP status to answer with. MS-ASCMD 2.2.1.8: an attachment that is gone (or a
    /// name that never named one) is 500; the policy refusing it is 403 Forbidden; a store
    /// failure is 503, which clients retry (MS-ASHTTP 3.1.5.2).
    pub fn http_status(&self) -> u16 {
        match self {
            GetAttachmentError::InvalidName(_) | GetAttachmentError::NotFound(_) => 500,
            GetAttachmentError::AttachmentsDisabled | GetAttachmentError::TooLarge { .. } => 403,
            GetAttachmentError::Unavailable(_) => 503,
        }
    }
}

/// The GetAttachment command (protocol 2.5–12.1; later versions use ItemOperations): the
/// attachment `AttachmentName` names, as (content type, bytes) for the response's
/// `Content-Type` and body. The name may be percent-encoded, as clients put it in the URL.
pub fn get_attachment(
    source: &impl ItemSource,
    attachment_name: &str,
    policy: &Policy,
) -> Result<(String, AttachmentData), GetAttachmentError> {
    if !policy.allow_attachments {
        return Err(GetAttachmentError::AttachmentsDisabled);
    }
    let reference = canonical_reference(attachment_name)
        .ok_or_else(|| GetAttachmentError::InvalidName(attachment_name.to_string()))?;
    let (content_type, data) = match source.attachment_data(&reference) {
        Ok(found) => found,
        Err(BackendError::NoItem { .. } | BackendError::NoFolder(_)) => {
            return Err(GetAttachmentError::NotFound(reference));
        }
        Err(e) => return Err(GetAttachmentError::Unavailable(e.to_string())),
    };
    if let Some(limit) = policy.max_attachment_size
        && data.size() > u64::from(limit)
    {
        return Err(GetAttachmentError::TooLarge {
            size: data.size(),
            limit,
        });
    }
    Ok((content_type, data))
}

/// A reference in the form [`file_reference`] makes, escapes decoded; `None` when it is not
/// one.
fn canonical_reference(raw: &str) -> Option<String> {
    let (item, index) = parse_file_reference(raw.trim()).ok()?;
    Some(file_reference(&item, index))
}

/// A byte range `m-n` (zero-based, inclusive, m ≤ n). Only ASCII digits are accepted, so
/// `+1-2` or ` 1-2` are refused rather than read leniently.
fn parse_range(range: &str) -> Option<(u64, u64)> {
    let (start, end) = range.split_once('-')?;
    let number = |s: &str| {
        if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
            None
        } else {
            s.parse::<u64>().ok()
        }
    };
    let (start, end) = (number(start)?, number(end)?);
    (start <= end).then_some((start, end))
}

/// The state of one request: what is left of the size budget, and the parts gathered.
struct Run<'a> {
    version: ProtocolVersion,
    multipart: bool,
    policy: &'a Policy,
    budget: usize,
    parts: Vec<Vec<u8>>,
}

impl Run<'_> {
    /// Take `bytes` from the budget; false (and nothing taken) when they do not fit.
    fn spend(&mut self, bytes: usize) -> bool {
        match self.budget.checked_sub(bytes) {
            Some(left) => {
                self.budget = left;
                true
            }
            None => false,
        }
    }

    /// What is left of the budget.
    fn remaining(&self) -> usize {
        self.budget
    }

    /// Store a part; its 1-based index for `Part`, or `None` past `u32` (never in practice:
    /// the budget runs out long before).
    fn push_part(&mut self, data: Vec<u8>) -> Option<u32> {
        self.parts.push(data);
        u32::try_from(self.parts.len()).ok()
    }

    /// "The required elements are missing": 155 from 14.0, where the common status codes
    /// exist; 2 before.
    fn missing_elements(&self) -> ItemOperationsStatus {
        if self.version >= ProtocolVersion::V14_0 {
            ItemOperationsStatus::MissingElements
        } else {
            ItemOperationsStatus::ProtocolError
        }
    }

    fn fetch(&mut self, req: &FetchRequest, source: &impl ItemSource) -> FetchResult {
        let mut result = FetchResult {
            status: ItemOperationsStatus::Success,
            collection_id: req.collection_id.clone(),
            server_id: req.server_id.clone(),
            link_id: req.link_id.clone(),
            long_id: req.long_id.clone(),
            file_reference: req.file_reference.clone(),
            ..FetchResult::default()
        };
        let status = self.fetch_into(req, source, &mut result);
        result.status = status;
        if status != ItemOperationsStatus::Success {
            result.properties = None;
            result.class = None;
        }
        result
    }

    fn fetch_into(
        &mut self,
        req: &FetchRequest,
        source: &impl ItemSource,
        result: &mut FetchResult,
    ) -> ItemOperationsStatus {
        if !req.store.trim().eq_ignore_ascii_case("Mailbox") {
            return ItemOperationsStatus::UnknownStore;
        }
        if req.link_id.is_some() {
            return ItemOperationsStatus::ProtocolError;
        }
        let by_item = req.collection_id.is_some() || req.server_id.is_some();
        let named = [by_item, req.file_reference.is_some(), req.long_id.is_some()];
        match named.iter().filter(|n| **n).count() {
            0 => return self.missing_elements(),
            1 => {}
            _ => return ItemOperationsStatus::ProtocolError,
        }
        if let Some(reference) = &req.file_reference {
            return self.fetch_attachment(reference, req.options.as_ref(), source, result);
        }
        if req.long_id.is_some() {
            return ItemOperationsStatus::NotFound;
        }
        let (Some(folder), Some(id)) = (&req.collection_id, &req.server_id) else {
            return self.missing_elements();
        };
        if let Some(options) = &req.options
            && BodyOptions::from_fetch(options).is_err()
        {
            return ItemOperationsStatus::ProtocolError;
        }
        let data = match source.fetch_item(
            &CollectionId::from(folder.as_str()),
            &ItemId::from(id.as_str()),
            self.version,
            req.options.as_ref(),
        ) {
            Ok(data) => data,
            Err(e) => return fetch_error_status(&e),
        };
        self.deliver_item(data, result)
    }

    /// Put a fetched item into the result, its MIME or body data in a part when multipart.
    fn deliver_item(
        &mut self,
        mut data: ApplicationData,
        result: &mut FetchResult,
    ) -> ItemOperationsStatus {
        let mut part = None;
        if self.multipart
            && let ApplicationData::Email(email) = &mut data
            && let Some(body) = email.body.as_mut()
            && let Some(text) = body.data.take()
        {
            part = Some(String::from(text).into_bytes());
        }
        let encoded = match encode(&data, self.version) {
            Ok(bytes) => bytes.len(),
            Err(_) => return ItemOperationsStatus::ConversionFailed,
        };
        let size = encoded.saturating_add(part.as_ref().map_or(0, Vec::len));
        if !self.spend(size) {
            return ItemOperationsStatus::TooLarge;
        }
        if let Some(bytes) = part
            && let ApplicationData::Email(email) = &mut data
            && let Some(body) = email.body.as_mut()
        {
            let Some(index) = self.push_part(bytes) else {
                return ItemOperationsStatus::TooLarge;
            };
            body.part = Some(index);
        }
        result.class = Some(CompactString::new(data.class().as_str()));
        result.properties = Some(FetchProperties::Item(data));
        ItemOperationsStatus::Success
    }

    fn fetch_attachment(
        &mut self,
        reference: &str,
        options: Option<&FetchOptions>,
        source: &impl ItemSource,
        result: &mut FetchResult,
    ) -> ItemOperationsStatus {
        // An empty reference is 15 (MS-ASAIRS 2.2.2.24.1), as is one this server never made.
        let Some(canonical) = canonical_reference(reference) else {
            return ItemOperationsStatus::InvalidAttachment;
        };
        if !self.policy.allow_attachments {
            return ItemOperationsStatus::ResourceAccessDenied;
        }
        let (content_type, data) = match source.attachment_data(&canonical) {
            Ok(found) => found,
            Err(BackendError::NoItem { .. } | BackendError::NoFolder(_)) => {
                return ItemOperationsStatus::InvalidAttachment;
            }
            Err(_) => return ItemOperationsStatus::ServerError,
        };
        let total = data.size();
        if let Some(limit) = self.policy.max_attachment_size
            && total > u64::from(limit)
        {
            return ItemOperationsStatus::TooLarge;
        }
        let requested = options.and_then(|o| o.range.as_deref());
        let (first, last, range) = match requested {
            None => (0, total.saturating_sub(1), None),
            Some(text) => {
                let Some((start, end)) = parse_range(text.trim()) else {
                    return ItemOperationsStatus::InvalidRange;
                };
                if start >= total {
                    return ItemOperationsStatus::InvalidRange;
                }
                let end = end.min(total - 1);
                (start, end, Some(format!("{start}-{end}")))
            }
        };
        let served = match data {
            AttachmentData::Bytes(mut bytes) => {
                // Both fit in usize: they are below `bytes.len()` (or it is empty).
                let (Ok(from), Ok(to)) = (usize::try_from(first), usize::try_from(last)) else {
                    return ItemOperationsStatus::InvalidRange;
                };
                bytes.truncate(to.saturating_add(1));
                bytes.drain(..from.min(bytes.len()));
                bytes
            }
            AttachmentData::Stored { .. } if total == 0 => Vec::new(),
            AttachmentData::Stored { row, part } => {
                // Refuse before reading what could not be sent anyway.
                let wanted = usize::try_from(last - first + 1).unwrap_or(usize::MAX);
                if self.remaining() < wanted {
                    return ItemOperationsStatus::TooLarge;
                }
                match source.read_stored(row, &part, first, last) {
                    Ok(bytes) => bytes,
                    Err(_) => return ItemOperationsStatus::ServerError,
                }
            }
        };
        let mut properties = FileProperties {
            content_type: Some(CompactString::from(content_type)),
            range: range.map(CompactString::from),
            total: Some(total),
            ..FileProperties::default()
        };
        if self.multipart {
            if !self.spend(served.len()) {
                return ItemOperationsStatus::TooLarge;
            }
            let Some(index) = self.push_part(served) else {
                return ItemOperationsStatus::TooLarge;
            };
            properties.part = Some(index);
        } else {
            // Inline data goes as base64 text (MS-ASCMD 2.2.3.39.2): a third larger.
            let encoded_len = served.len().div_ceil(3).saturating_mul(4);
            if !self.spend(encoded_len) {
                return ItemOperationsStatus::TooLarge;
            }
            let text = base64::engine::general_purpose::STANDARD.encode(&served);
            properties.data = Some(Binary::Text(text));
        }
        result.properties = Some(FetchProperties::File(properties));
        ItemOperationsStatus::Success
    }

    fn conversation_move(
        &mut self,
        req: &ConversationMove,
        source: &mut impl ItemSource,
    ) -> MoveResult {
        let status = self.move_status(req, source);
        MoveResult {
            status,
            conversation_id: req.conversation_id.clone(),
        }
    }

    fn move_status(
        &mut self,
        req: &ConversationMove,
        source: &mut impl ItemSource,
    ) -> ItemOperationsStatus {
        // Move is a 14.0 operation; the codec refuses it earlier in strict mode.
        if self.version < ProtocolVersion::V14_0 {
            return ItemOperationsStatus::ProtocolError;
        }
        if req.options.as_ref().is_none_or(|o| o.move_always.is_none()) {
            return ItemOperationsStatus::MissingElements;
        }
        // The id goes out as opaque bytes; a client that echoes it as text sends base64.
        let conversation = match &req.conversation_id {
            Binary::Opaque(bytes) => bytes.clone(),
            Binary::Text(text) => match req.conversation_id.to_bytes() {
                Ok(bytes) => bytes.into_owned(),
                Err(_) => text.as_bytes().to_vec(),
            },
        };
        let destination = CollectionId::from(req.dst_fld_id.as_str());
        if !source.has_folder(&destination) {
            return ItemOperationsStatus::NotFound;
        }
        let items = match source.conversation_items(&conversation) {
            Ok(items) => items,
            Err(_) => return ItemOperationsStatus::ServerError,
        };
        if items.is_empty() {
            return ItemOperationsStatus::NotFound;
        }
        let mut failed = false;
        for (folder, id) in items.iter().filter(|(folder, _)| *folder != destination) {
            match source.move_item(folder, id, &destination) {
                Ok(_) => {}
                // Gone since it was listed: nothing left to move.
                Err(BackendError::NoItem { .. }) => {}
                Err(_) => failed = true,
            }
        }
        if failed {
            // MS-ASCON 2.2.2.10: 3 is "a complete or partial failure of the operation".
            ItemOperationsStatus::ServerError
        } else {
            ItemOperationsStatus::Success
        }
    }
}

/// The status of a failed item fetch.
fn fetch_error_status(error: &BackendError) -> ItemOperationsStatus {
    match error {
        BackendError::NoItem { .. } | BackendError::NoFolder(_) => ItemOperationsStatus::NotFound,
        // The store holds the item but could not render it (a broken message).
        BackendError::InvalidItem(_) => ItemOperationsStatus::ConversionFailed,
        _ => ItemOperationsStatus::ServerError,
    }
}

fn empty_folder(req: &EmptyFolderContents, source: &mut impl ItemSource) -> EmptyFolderResult {
    let folder = CollectionId::from(req.collection_id.as_str());
    let delete_subfolders = req
        .options
        .as_ref()
        .is_some_and(|o| o.delete_sub_folders.is_some());
    let status = if !source.has_folder(&folder) {
        ItemOperationsStatus::NotFound
    } else {
        match source.empty_folder(&folder, delete_subfolders) {
            Ok(()) => ItemOperationsStatus::Success,
            Err(BackendError::NoFolder(_)) => ItemOperationsStatus::NotFound,
            Err(BackendError::SpecialFolder(_)) => ItemOperationsStatus::ResourceAccessDenied,
            Err(_) => ItemOperationsStatus::ServerError,
        }
    };
    EmptyFolderResult {
        status,
        collection_id: req.collection_id.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_digits_dash_digits_in_order() {
        assert_eq!(parse_range("0-0"), Some((0, 0)));
        assert_eq!(parse_range("10-99"), Some((10, 99)));
        assert_eq!(parse_range("5-4"), None);
        assert_eq!(parse_range(""), None);
        assert_eq!(parse_range("-"), None);
        assert_eq!(parse_range("1-"), None);
        assert_eq!(parse_range("+1-2"), None);
        assert_eq!(parse_range("1-2-3"), None);
        assert_eq!(parse_range("99999999999999999999-1"), None);
    }
}
