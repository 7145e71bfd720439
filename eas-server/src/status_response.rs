//! Minimal command responses that carry only a top-level status: what the HTTP handler
//! sends when a command cannot run (14.0+ provisioning statuses, or the common statuses of
//! MS-ASCMD 2.2.2 such as 110, 111, 103) or a request is malformed (the command's protocol
//! error status).

use eas_codec::codec::{Element, encode};
use eas_codec::command::Command;
use eas_codec::command::compose::{
    ComposeMailStatus, SendMailResponse, SmartForwardResponse, SmartReplyResponse,
};
use eas_codec::command::estimate::{GetItemEstimateResponse, GetItemEstimateStatus};
use eas_codec::command::find::{FindResponse, FindStatus};
use eas_codec::command::folder::{
    FolderCreateResponse, FolderCreateStatus, FolderDeleteResponse, FolderDeleteStatus,
    FolderSyncResponse, FolderSyncStatus, FolderUpdateResponse, FolderUpdateStatus,
};
use eas_codec::command::item_operations::{ItemOperationsResponse, ItemOperationsStatus};
use eas_codec::command::meeting_response::{
    MeetingResponseResponse, MeetingResponseResult, MeetingResponseStatus,
};
use eas_codec::command::move_items::{MoveItemsResponse, MoveItemsStatus};
use eas_codec::command::ping::{PingResponse, PingStatus};
use eas_codec::command::provision::{ProvisionResponse, ProvisionStatus};
use eas_codec::command::resolve::{ResolveRecipientsResponse, ResolveRecipientsStatus};
use eas_codec::command::search::{SearchResponse, SearchStatus};
use eas_codec::command::settings::{SettingsResponse, SettingsStatus};
use eas_codec::command::sync::{SyncResponse, SyncStatus};
use eas_codec::command::validate_cert::{ValidateCertResponse, ValidateCertStatus};
use eas_codec::{ProtocolVersion, Tag, tag};

/// The WBXML of `value`, or `None` when the version lacks its root or its status element
/// (e.g. SendMail before 14.0 has no response body).
fn build<T: Element>(value: &T, status_tag: Tag, version: ProtocolVersion) -> Option<Vec<u8>> {
    if !T::TAG.exists_in(version) || !status_tag.exists_in(version) {
        return None;
    }
    encode(value, version).ok()
}

/// A minimal valid response to `command` holding `status` as its status, for `version`.
///
/// `None` when the command's response has no status to carry it (GetAttachment,
/// GetHierarchy, and SendMail / SmartReply / SmartForward before 14.0) or the command does
/// not exist in `version`: the caller answers with an HTTP status instead.
///
/// Two commands have no top-level `Status` in MS-ASCMD and are answered deliberately:
/// MoveItems uses the top-level `Status` the codec models for failures of the whole
/// request (a per-item `Response` would need a source id that does not exist here), and
/// MeetingResponse gets one `Result` holding only the status.
pub fn status_only(command: Command, status: u32, version: ProtocolVersion) -> Option<Vec<u8>> {
    match command {
        Command::Sync => build(
            &SyncResponse {
                status: Some(SyncStatus::from_code(status)),
                ..Default::default()
            },
            tag!(AirSync::Status),
            version,
        ),
        Command::SendMail => build(
            &SendMailResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            tag!(ComposeMail::Status),
            version,
        ),
        Command::SmartReply => build(
            &SmartReplyResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            tag!(ComposeMail::Status),
            version,
        ),
        Command::SmartForward => build(
            &SmartForwardResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            tag!(ComposeMail::Status),
            version,
        ),
        Command::GetAttachment | Command::GetHierarchy => None,
        Command::FolderSync => build(
            &FolderSyncResponse {
                status: FolderSyncStatus::from_code(status),
                ..Default::default()
            },
            tag!(FolderHierarchy::Status),
            version,
        ),
        Command::FolderCreate => build(
            &FolderCreateResponse {
                status: FolderCreateStatus::from_code(status),
                ..Default::default()
            },
            tag!(FolderHierarchy::Status),
            version,
        ),
        Command::FolderUpdate => build(
            &FolderUpdateResponse {
                status: FolderUpdateStatus::from_code(status),
                ..Default::default()
            },
            tag!(FolderHierarchy::Status),
            version,
        ),
        Command::FolderDelete => build(
            &FolderDeleteResponse {
                status: FolderDeleteStatus::from_code(status),
                ..Default::default()
            },
            tag!(FolderHierarchy::Status),
            version,
        ),
        Command::MoveItems => build(
            &MoveItemsResponse {
                status: Some(MoveItemsStatus::from_code(status)),
                ..Default::default()
            },
            tag!(Move::Status),
            version,
        ),
        Command::GetItemEstimate => build(
            &GetItemEstimateResponse {
                status: Some(GetItemEstimateStatus::from_code(status)),
                ..Default::default()
            },
            tag!(GetItemEstimate::Status),
            version,
        ),
        Command::MeetingResponse => build(
            &MeetingResponseResponse {
                result: vec![MeetingResponseResult {
                    status: MeetingResponseStatus::from_code(status),
                    ..Default::default()
                }],
            },
            tag!(MeetingResponse::Status),
            version,
        ),
        Command::Search => build(
            &SearchResponse {
                status: SearchStatus::from_code(status),
                ..Default::default()
            },
            tag!(Search::Status),
            version,
        ),
        Command::Settings => build(
            &SettingsResponse {
                status: SettingsStatus::from_code(status),
                ..Default::default()
            },
            tag!(Settings::Status),
            version,
        ),
        Command::Ping => build(
            &PingResponse {
                status: PingStatus::from_code(status),
                ..Default::default()
            },
            tag!(Ping::Status),
            version,
        ),
        Command::ItemOperations => build(
            &ItemOperationsResponse {
                status: ItemOperationsStatus::from_code(status),
                ..Default::default()
            },
            tag!(ItemOperations::Status),
            version,
        ),
        Command::Provision => build(
            &ProvisionResponse {
                status: ProvisionStatus::from_code(status),
                ..Default::default()
            },
            tag!(Provision::Status),
            version,
        ),
        Command::ResolveRecipients => build(
            &ResolveRecipientsResponse {
                status: ResolveRecipientsStatus::from_code(status),
                ..Default::default()
            },
            tag!(ResolveRecipients::Status),
            version,
        ),
        Command::ValidateCert => build(
            &ValidateCertResponse {
                status: ValidateCertStatus::from_code(status),
                ..Default::default()
            },
            tag!(ValidateCert::Status),
            version,
        ),
        Command::Find => build(
            &FindResponse {
                status: FindStatus::from_code(status),
                ..Default::default()
            },
            tag!(Find::Status),
            version,
        ),
    }
}
