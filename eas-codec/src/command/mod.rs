//! Typed requests and responses, one module per command family.

pub mod autodiscover;
pub mod compose;
pub mod estimate;
pub mod find;
pub mod folder;
pub mod item_operations;
pub mod meeting_response;
pub mod move_items;
pub mod ping;
pub mod provision;
pub mod resolve;
pub mod search;
pub mod settings;
pub mod sync;
pub mod validate_cert;

/// An EAS command, as named in the request URI's `Cmd` parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Command {
    /// `Sync`
    Sync,
    /// `SendMail`
    SendMail,
    /// `SmartForward`
    SmartForward,
    /// `SmartReply`
    SmartReply,
    /// `GetAttachment` (up to 12.1)
    GetAttachment,
    /// `GetHierarchy` (up to 12.1; no request body)
    GetHierarchy,
    /// `FolderSync`
    FolderSync,
    /// `FolderCreate`
    FolderCreate,
    /// `FolderDelete`
    FolderDelete,
    /// `FolderUpdate`
    FolderUpdate,
    /// `MoveItems`
    MoveItems,
    /// `GetItemEstimate`
    GetItemEstimate,
    /// `MeetingResponse`
    MeetingResponse,
    /// `Search`
    Search,
    /// `Settings`
    Settings,
    /// `Ping`
    Ping,
    /// `ItemOperations`
    ItemOperations,
    /// `Provision`
    Provision,
    /// `ResolveRecipients`
    ResolveRecipients,
    /// `ValidateCert`
    ValidateCert,
    /// `Find` (16.1)
    Find,
}

impl Command {
    /// Every command.
    pub const ALL: [Command; 21] = [
        Command::Sync,
        Command::SendMail,
        Command::SmartForward,
        Command::SmartReply,
        Command::GetAttachment,
        Command::GetHierarchy,
        Command::FolderSync,
        Command::FolderCreate,
        Command::FolderDelete,
        Command::FolderUpdate,
        Command::MoveItems,
        Command::GetItemEstimate,
        Command::MeetingResponse,
        Command::Search,
        Command::Settings,
        Command::Ping,
        Command::ItemOperations,
        Command::Provision,
        Command::ResolveRecipients,
        Command::ValidateCert,
        Command::Find,
    ];

    /// The command's name in the URI.
    pub fn name(self) -> &'static str {
        match self {
            Command::Sync => "Sync",
            Command::SendMail => "SendMail",
            Command::SmartForward => "SmartForward",
            Command::SmartReply => "SmartReply",
            Command::GetAttachment => "GetAttachment",
            Command::GetHierarchy => "GetHierarchy",
            Command::FolderSync => "FolderSync",
            Command::FolderCreate => "FolderCreate",
            Command::FolderDelete => "FolderDelete",
            Command::FolderUpdate => "FolderUpdate",
            Command::MoveItems => "MoveItems",
            Command::GetItemEstimate => "GetItemEstimate",
            Command::MeetingResponse => "MeetingResponse",
            Command::Search => "Search",
            Command::Settings => "Settings",
            Command::Ping => "Ping",
            Command::ItemOperations => "ItemOperations",
            Command::Provision => "Provision",
            Command::ResolveRecipients => "ResolveRecipients",
            Command::ValidateCert => "ValidateCert",
            Command::Find => "Find",
        }
    }

    /// The command's code in the base64-encoded query (MS-ASHTTP 2.2.1.1.1.1.2).
    pub fn code(self) -> u8 {
        match self {
            Command::Sync => 0,
            Command::SendMail => 1,
            Command::SmartForward => 2,
            Command::SmartReply => 3,
            Command::GetAttachment => 4,
            Command::GetHierarchy => 5,
            Command::FolderSync => 9,
            Command::FolderCreate => 10,
            Command::FolderDelete => 11,
            Command::FolderUpdate => 12,
            Command::MoveItems => 13,
            Command::GetItemEstimate => 14,
            Command::MeetingResponse => 15,
            Command::Search => 16,
            Command::Settings => 17,
            Command::Ping => 18,
            Command::ItemOperations => 19,
            Command::Provision => 20,
            Command::ResolveRecipients => 21,
            Command::ValidateCert => 22,
            Command::Find => 23,
        }
    }

    /// The command for a URI name (case-sensitive, as MS-ASHTTP specifies).
    pub fn from_name(name: &str) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.name() == name)
    }

    /// The command for a base64-query code.
    pub fn from_code(code: u8) -> Option<Command> {
        Command::ALL.into_iter().find(|c| c.code() == code)
    }

    /// The `Status` a server answers a malformed request of this command with: the
    /// command's own protocol-error code where it has one, else the common code for
    /// invalid WBXML or XML (MS-ASCMD 2.2.2).
    pub fn protocol_error_status(self, error: &crate::CodecError) -> u32 {
        use crate::CodecError as E;
        let not_wbxml = matches!(error, E::Wbxml(_) | E::Unsupported { .. });
        match self {
            Command::Sync | Command::Ping => 4,
            Command::FolderSync
            | Command::FolderCreate
            | Command::FolderDelete
            | Command::FolderUpdate => 10,
            Command::ItemOperations
            | Command::Provision
            | Command::Settings
            | Command::Search
            | Command::ValidateCert
            | Command::MeetingResponse
            | Command::Find => 2,
            Command::ResolveRecipients => 5,
            Command::GetItemEstimate
            | Command::MoveItems
            | Command::SendMail
            | Command::SmartForward
            | Command::SmartReply
            | Command::GetAttachment
            | Command::GetHierarchy => {
                if not_wbxml {
                    crate::status::CommonStatus::InvalidWbxml.code()
                } else {
                    crate::status::CommonStatus::InvalidXml.code()
                }
            }
        }
    }
}
