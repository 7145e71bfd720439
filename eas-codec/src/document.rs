//! Any EAS document, typed: decode by root element without knowing in advance which
//! command or direction it is.

use crate::codec::{DecodeOptions, Element, decode, encode};
use crate::pages::{PAGES, Versions};
use crate::{CodecError, ProtocolVersion, Tag};

macro_rules! documents {
    ($( $(#[$meta:meta])* $variant:ident($ty:ty) ),* $(,)?) => {
        /// A typed EAS document: every request and response this crate knows.
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        #[allow(clippy::large_enum_variant)]
        pub enum Document {
            $( $(#[$meta])* $variant($ty), )*
        }

        impl Document {
            /// The names of all variants.
            pub const KINDS: &'static [&'static str] = &[$( stringify!($variant) ),*];

            /// The root element's tag.
            pub fn tag(&self) -> Tag {
                match self {
                    $( Document::$variant(_) => <$ty as Element>::TAG, )*
                }
            }

            /// The variant's name, e.g. `SyncRequest`.
            pub fn kind(&self) -> &'static str {
                match self {
                    $( Document::$variant(_) => stringify!($variant), )*
                }
            }

            /// Encode for `version`.
            pub fn encode(&self, version: ProtocolVersion) -> Result<Vec<u8>, CodecError> {
                match self {
                    $( Document::$variant(v) => encode(v, version), )*
                }
            }

            /// Decode a document whose command and direction are not known: every type whose
            /// root matches is tried, requests before responses; the first that fits wins.
            /// When none fits, the error of the candidate that read furthest is returned.
            pub fn decode(doc: &[u8], opts: DecodeOptions) -> Result<Document, CodecError> {
                let (_, root) = crate::codec::Decoder::open(doc, opts)?;
                let mut first_err = None;
                $(
                    if root == <$ty as Element>::TAG {
                        match decode::<$ty>(doc, opts) {
                            Ok(v) => return Ok(Document::$variant(v)),
                            Err(e) => {
                                let further = first_err
                                    .as_ref()
                                    .is_none_or(|f: &CodecError| e.offset() > f.offset());
                                if further {
                                    first_err = Some(e);
                                }
                            }
                        }
                    }
                )*
                Err(first_err.unwrap_or(CodecError::Unsupported {
                    what: "a root element that starts no EAS command",
                    offset: 0,
                }))
            }
        }
    };
}

use crate::command::compose::*;
use crate::command::estimate::*;
use crate::command::find::*;
use crate::command::folder::*;
use crate::command::item_operations::*;
use crate::command::meeting_response::*;
use crate::command::move_items::*;
use crate::command::ping::*;
use crate::command::provision::*;
use crate::command::resolve::*;
use crate::command::search::*;
use crate::command::settings::*;
use crate::command::sync::*;
use crate::command::validate_cert::*;

documents! {
    /// Sync request.
    SyncRequest(SyncRequest),
    /// Sync response.
    SyncResponse(SyncResponse),
    /// GetItemEstimate request.
    GetItemEstimateRequest(GetItemEstimateRequest),
    /// GetItemEstimate response.
    GetItemEstimateResponse(GetItemEstimateResponse),
    /// ItemOperations request.
    ItemOperationsRequest(ItemOperationsRequest),
    /// ItemOperations response.
    ItemOperationsResponse(ItemOperationsResponse),
    /// Search request.
    SearchRequest(SearchRequest),
    /// Search response.
    SearchResponse(SearchResponse),
    /// FolderSync request.
    FolderSyncRequest(FolderSyncRequest),
    /// FolderSync response.
    FolderSyncResponse(FolderSyncResponse),
    /// FolderCreate request.
    FolderCreateRequest(FolderCreateRequest),
    /// FolderCreate response.
    FolderCreateResponse(FolderCreateResponse),
    /// FolderUpdate request.
    FolderUpdateRequest(FolderUpdateRequest),
    /// FolderUpdate response.
    FolderUpdateResponse(FolderUpdateResponse),
    /// FolderDelete request.
    FolderDeleteRequest(FolderDeleteRequest),
    /// FolderDelete response.
    FolderDeleteResponse(FolderDeleteResponse),
    /// GetHierarchy response (2.5 to 12.1).
    GetHierarchyResponse(GetHierarchyResponse),
    /// Ping request.
    PingRequest(PingRequest),
    /// Ping response.
    PingResponse(PingResponse),
    /// MoveItems request.
    MoveItemsRequest(MoveItemsRequest),
    /// MoveItems response.
    MoveItemsResponse(MoveItemsResponse),
    /// Provision request.
    ProvisionRequest(ProvisionRequest),
    /// Provision response.
    ProvisionResponse(ProvisionResponse),
    /// Settings request.
    SettingsRequest(SettingsRequest),
    /// Settings response.
    SettingsResponse(SettingsResponse),
    /// ResolveRecipients request.
    ResolveRecipientsRequest(ResolveRecipientsRequest),
    /// ResolveRecipients response.
    ResolveRecipientsResponse(ResolveRecipientsResponse),
    /// ValidateCert request.
    ValidateCertRequest(ValidateCertRequest),
    /// ValidateCert response.
    ValidateCertResponse(ValidateCertResponse),
    /// MeetingResponse request.
    MeetingResponseRequest(MeetingResponseRequest),
    /// MeetingResponse response.
    MeetingResponseResponse(MeetingResponseResponse),
    /// SendMail request.
    SendMailRequest(SendMailRequest),
    /// SendMail response.
    SendMailResponse(SendMailResponse),
    /// SmartReply request.
    SmartReplyRequest(SmartReplyRequest),
    /// SmartReply response.
    SmartReplyResponse(SmartReplyResponse),
    /// SmartForward request.
    SmartForwardRequest(SmartForwardRequest),
    /// SmartForward response.
    SmartForwardResponse(SmartForwardResponse),
    /// Find request.
    FindRequest(FindRequest),
    /// Find response.
    FindResponse(FindResponse),
    /// A data-class item on its own (a fragment, as test fixtures hold them).
    ApplicationData(crate::data::ApplicationData),
    /// A provisioning policy document on its own.
    EasProvisionDoc(EasProvisionDoc),
}

/// The newest protocol version in which every tag of `doc` exists, if there is one: the
/// version to re-encode a capture of unknown version with, so that nothing it holds is
/// filtered out.
pub fn newest_version_for(doc: &[u8]) -> Option<ProtocolVersion> {
    let mut set = Versions::ALL;
    for ev in eas_wbxml::Reader::new(doc).ok()? {
        if let eas_wbxml::Event::Start(eas_wbxml::StartTag {
            name: eas_wbxml::TagName::Token { page, token },
            ..
        }) = ev.ok()?
        {
            let spec = PAGES
                .get(usize::from(page))
                .and_then(|p| p.tags.iter().find(|t| t.token == token))?;
            set = Versions(set.0 & spec.versions.0);
        }
    }
    ProtocolVersion::ALL
        .into_iter()
        .rev()
        .find(|v| set.contains(v.bit()))
}
