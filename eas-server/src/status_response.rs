//! Minimal command responses that carry only a top-level status: how a 14.0+ client is told
//! "provision first" (141–144, MS-ASPROV 3.2.5) or about a failure common to all commands
//! (MS-ASCMD 2.2.2, 101–177), in the body of the command it sent.
//!
//! Each command's status enum keeps a code outside its own list as is (`from_code` is total),
//! so the common codes go through every command's `Status` element unchanged.

use eas_codec::ProtocolVersion;
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
use eas_codec::command::move_items::{MoveItemsResponse, MoveItemsStatus};
use eas_codec::command::ping::{PingResponse, PingStatus};
use eas_codec::command::provision::{ProvisionResponse, ProvisionStatus};
use eas_codec::command::resolve::{ResolveRecipientsResponse, ResolveRecipientsStatus};
use eas_codec::command::search::{SearchResponse, SearchStatus};
use eas_codec::command::settings::{SettingsResponse, SettingsStatus};
use eas_codec::command::sync::{SyncResponse, SyncStatus};
use eas_codec::command::validate_cert::{ValidateCertResponse, ValidateCertStatus};

fn doc<T: Element>(value: T, version: ProtocolVersion) -> Option<Vec<u8>> {
    encode(&value, version).ok()
}

/// A response to `command` carrying only `status` at its top level, encoded for `version`;
/// `None` for commands whose response has no top-level status (GetAttachment,
/// GetHierarchy, MeetingResponse — the caller answers those with an HTTP status), and for
/// SendMail, SmartReply and SmartForward before 14.0, which have no response body.
pub fn status_only(command: Command, status: u32, version: ProtocolVersion) -> Option<Vec<u8>> {
    match command {
        Command::Sync => doc(
            SyncResponse {
                status: Some(SyncStatus::from_code(status)),
                ..SyncResponse::default()
            },
            version,
        ),
        Command::FolderSync => doc(
            FolderSyncResponse {
                status: FolderSyncStatus::from_code(status),
                ..FolderSyncResponse::default()
            },
            version,
        ),
        Command::FolderCreate => doc(
            FolderCreateResponse {
                status: FolderCreateStatus::from_code(status),
                ..FolderCreateResponse::default()
            },
            version,
        ),
        Command::FolderUpdate => doc(
            FolderUpdateResponse {
                status: FolderUpdateStatus::from_code(status),
                ..FolderUpdateResponse::default()
            },
            version,
        ),
        Command::FolderDelete => doc(
            FolderDeleteResponse {
                status: FolderDeleteStatus::from_code(status),
                ..FolderDeleteResponse::default()
            },
            version,
        ),
        Command::GetItemEstimate => doc(
            GetItemEstimateResponse {
                status: Some(GetItemEstimateStatus::from_code(status)),
                ..GetItemEstimateResponse::default()
            },
            version,
        ),
        Command::Ping => doc(
            PingResponse {
                status: PingStatus::from_code(status),
                heartbeat_interval: None,
                max_folders: None,
                folders: None,
            },
            version,
        ),
        Command::ItemOperations => doc(
            ItemOperationsResponse {
                status: ItemOperationsStatus::from_code(status),
                response: None,
            },
            version,
        ),
        Command::MoveItems => doc(
            MoveItemsResponse {
                status: Some(MoveItemsStatus::from_code(status)),
                ..MoveItemsResponse::default()
            },
            version,
        ),
        Command::Provision => doc(
            ProvisionResponse {
                status: ProvisionStatus::from_code(status),
                ..ProvisionResponse::default()
            },
            version,
        ),
        Command::Settings => doc(
            SettingsResponse {
                status: SettingsStatus::from_code(status),
                ..SettingsResponse::default()
            },
            version,
        ),
        Command::Search => doc(
            SearchResponse {
                status: SearchStatus::from_code(status),
                ..SearchResponse::default()
            },
            version,
        ),
        Command::ResolveRecipients => doc(
            ResolveRecipientsResponse {
                status: ResolveRecipientsStatus::from_code(status),
                ..ResolveRecipientsResponse::default()
            },
            version,
        ),
        Command::ValidateCert => doc(
            ValidateCertResponse {
                status: ValidateCertStatus::from_code(status),
                ..ValidateCertResponse::default()
            },
            version,
        ),
        Command::Find => doc(
            FindResponse {
                status: FindStatus::from_code(status),
                response: None,
            },
            version,
        ),
        Command::SendMail if version >= ProtocolVersion::V14_0 => doc(
            SendMailResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            version,
        ),
        Command::SmartReply if version >= ProtocolVersion::V14_0 => doc(
            SmartReplyResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            version,
        ),
        Command::SmartForward if version >= ProtocolVersion::V14_0 => doc(
            SmartForwardResponse {
                status: Some(ComposeMailStatus::from_code(status)),
            },
            version,
        ),
        _ => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use eas_codec::codec::{DecodeOptions, decode};

    fn back<T: Element>(bytes: &[u8], v: ProtocolVersion) -> T {
        decode(bytes, DecodeOptions::new(v)).unwrap()
    }

    #[test]
    fn every_command_with_a_status_carries_the_code_through_the_codec() {
        let v = ProtocolVersion::V16_1;
        for code in [142u32, 144, 111] {
            let get = |c| status_only(c, code, v).unwrap();
            assert_eq!(
                back::<SyncResponse>(&get(Command::Sync), v)
                    .status
                    .unwrap()
                    .code(),
                code
            );
            assert_eq!(
                back::<FolderSyncResponse>(&get(Command::FolderSync), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<FolderCreateResponse>(&get(Command::FolderCreate), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<FolderUpdateResponse>(&get(Command::FolderUpdate), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<FolderDeleteResponse>(&get(Command::FolderDelete), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<GetItemEstimateResponse>(&get(Command::GetItemEstimate), v)
                    .status
                    .unwrap()
                    .code(),
                code
            );
            assert_eq!(
                back::<PingResponse>(&get(Command::Ping), v).status.code(),
                code
            );
            assert_eq!(
                back::<ItemOperationsResponse>(&get(Command::ItemOperations), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<MoveItemsResponse>(&get(Command::MoveItems), v)
                    .status
                    .unwrap()
                    .code(),
                code
            );
            assert_eq!(
                back::<ProvisionResponse>(&get(Command::Provision), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<SettingsResponse>(&get(Command::Settings), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<SearchResponse>(&get(Command::Search), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<ResolveRecipientsResponse>(&get(Command::ResolveRecipients), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<ValidateCertResponse>(&get(Command::ValidateCert), v)
                    .status
                    .code(),
                code
            );
            assert_eq!(
                back::<FindResponse>(&get(Command::Find), v).status.code(),
                code
            );
            assert_eq!(
                back::<SendMailResponse>(&get(Command::SendMail), v)
                    .status
                    .unwrap()
                    .code(),
                code
            );
        }
    }

    #[test]
    fn commands_without_a_status_element_get_none() {
        let v = ProtocolVersion::V14_1;
        assert!(status_only(Command::GetAttachment, 142, v).is_none());
        assert!(status_only(Command::MeetingResponse, 142, v).is_none());
        // Before 14.0 SendMail has no response body at all.
        assert!(status_only(Command::SendMail, 142, ProtocolVersion::V12_1).is_none());
    }
}
