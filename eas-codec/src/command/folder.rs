//! FolderSync, FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.3–2.2.1.6).

use crate::CompactString;
use crate::{status_enum, wire_choice, wire_struct};

status_enum! {
    /// FolderSync status (MS-ASCMD 2.2.3.177.5).
    pub enum FolderSyncStatus {
        1 => Success: "Success.",
        6 => ServerError: "An error occurred on the server.",
        9 => InvalidSyncKey: "Synchronization key mismatch or invalid synchronization key.",
        10 => IncorrectFormat: "Incorrectly formatted request.",
        11 => UnknownError: "An unknown error occurred.",
        12 => CodeUnknown: "Code unknown.",
    }
}

status_enum! {
    /// FolderCreate status (MS-ASCMD 2.2.3.177.3).
    pub enum FolderCreateStatus {
        1 => Success: "Success.",
        2 => AlreadyExists: "A folder that has this name already exists.",
        3 => SpecialParent: "The specified parent folder is a special system folder.",
        5 => ParentNotFound: "The specified parent folder was not found.",
        6 => ServerError: "An error occurred on the server.",
        9 => InvalidSyncKey: "Synchronization key mismatch or invalid synchronization key.",
        10 => IncorrectFormat: "Malformed request.",
        11 => UnknownError: "An unknown error occurred.",
        12 => CodeUnknown: "Code unknown.",
    }
}

status_enum! {
    /// FolderUpdate status (MS-ASCMD 2.2.3.177.6).
    pub enum FolderUpdateStatus {
        1 => Success: "Success.",
        2 => AlreadyExists: "A folder with that name already exists or the specified folder is a special folder.",
        3 => SpecialFolder: "The specified folder is the Recipient information folder, which cannot be updated by the client.",
        4 => NotFound: "The specified folder does not exist.",
        5 => ParentNotFound: "The specified parent folder was not found.",
        6 => ServerError: "An error occurred on the server.",
        9 => InvalidSyncKey: "Synchronization key mismatch or invalid synchronization key.",
        10 => IncorrectFormat: "Incorrectly formatted request.",
        11 => UnknownError: "An unknown error occurred.",
    }
}

status_enum! {
    /// FolderDelete status (MS-ASCMD 2.2.3.177.4).
    pub enum FolderDeleteStatus {
        1 => Success: "Success.",
        3 => SpecialFolder: "The specified folder is a special system folder and cannot be deleted by the client.",
        4 => NotFound: "The specified folder does not exist.",
        6 => ServerError: "An error occurred on the server.",
        9 => InvalidSyncKey: "Synchronization key mismatch or invalid synchronization key.",
        10 => IncorrectFormat: "Incorrectly formatted request.",
        11 => UnknownError: "An unknown error occurred.",
    }
}

wire_struct! {
    /// FolderSync request: the client's hierarchy sync key (`0` for the first sync).
    pub struct FolderSyncRequest = FolderHierarchy::FolderSync {
        /// The hierarchy sync key.
        pub sync_key: one CompactString = FolderHierarchy::SyncKey,
    }
}

wire_struct! {
    /// FolderSync response.
    pub struct FolderSyncResponse = FolderHierarchy::FolderSync {
        /// Result of the request.
        pub status: one FolderSyncStatus = FolderHierarchy::Status,
        /// The new hierarchy sync key (absent on some errors).
        pub sync_key: opt CompactString = FolderHierarchy::SyncKey,
        /// The changes since the client's key.
        pub changes: opt FolderChanges = FolderHierarchy::Changes,
    }
}

wire_struct! {
    /// The `Changes` of a FolderSync response.
    pub struct FolderChanges {
        /// How many changes follow.
        pub count: opt u32 = FolderHierarchy::Count,
        /// Adds, updates and deletes, in document order.
        pub changes: choice FolderChange,
    }
}

wire_choice! {
    /// One hierarchy change.
    pub enum FolderChange {
        /// A folder was added.
        Add(Folder) = FolderHierarchy::Add,
        /// A folder was renamed or moved.
        Update(Folder) = FolderHierarchy::Update,
        /// A folder was deleted.
        Delete(FolderDelete) = FolderHierarchy::Delete,
    }
}

wire_struct! {
    /// A folder in an `Add` or `Update`.
    pub struct Folder {
        /// The folder's server id.
        pub server_id: one CompactString = FolderHierarchy::ServerId,
        /// Its parent's server id (`0` at the top).
        pub parent_id: one CompactString = FolderHierarchy::ParentId,
        /// Its name.
        pub display_name: one CompactString = FolderHierarchy::DisplayName,
        /// Its type (MS-ASCMD 2.2.3.186.3: 1 generic … 19 user-created mail …).
        pub folder_type: one u32 = FolderHierarchy::Type,
    }
}

wire_struct! {
    /// A folder in a `Delete`.
    pub struct FolderDelete {
        /// The deleted folder's server id.
        pub server_id: one CompactString = FolderHierarchy::ServerId,
    }
}

wire_struct! {
    /// FolderCreate request.
    pub struct FolderCreateRequest = FolderHierarchy::FolderCreate {
        /// The hierarchy sync key.
        pub sync_key: one CompactString = FolderHierarchy::SyncKey,
        /// The parent's server id (`0` at the top).
        pub parent_id: one CompactString = FolderHierarchy::ParentId,
        /// The new folder's name.
        pub display_name: one CompactString = FolderHierarchy::DisplayName,
        /// The new folder's type.
        pub folder_type: one u32 = FolderHierarchy::Type,
    }
}

wire_struct! {
    /// FolderCreate response.
    pub struct FolderCreateResponse = FolderHierarchy::FolderCreate {
        /// Result of the request.
        pub status: one FolderCreateStatus = FolderHierarchy::Status,
        /// The new hierarchy sync key.
        pub sync_key: opt CompactString = FolderHierarchy::SyncKey,
        /// The new folder's server id.
        pub server_id: opt CompactString = FolderHierarchy::ServerId,
    }
}

wire_struct! {
    /// FolderUpdate request.
    pub struct FolderUpdateRequest = FolderHierarchy::FolderUpdate {
        /// The hierarchy sync key.
        pub sync_key: one CompactString = FolderHierarchy::SyncKey,
        /// The folder to change.
        pub server_id: one CompactString = FolderHierarchy::ServerId,
        /// Its (new) parent.
        pub parent_id: one CompactString = FolderHierarchy::ParentId,
        /// Its (new) name.
        pub display_name: one CompactString = FolderHierarchy::DisplayName,
    }
}

wire_struct! {
    /// FolderUpdate response.
    pub struct FolderUpdateResponse = FolderHierarchy::FolderUpdate {
        /// Result of the request.
        pub status: one FolderUpdateStatus = FolderHierarchy::Status,
        /// The new hierarchy sync key.
        pub sync_key: opt CompactString = FolderHierarchy::SyncKey,
    }
}

wire_struct! {
    /// FolderDelete request.
    pub struct FolderDeleteRequest = FolderHierarchy::FolderDelete {
        /// The hierarchy sync key.
        pub sync_key: one CompactString = FolderHierarchy::SyncKey,
        /// The folder to delete.
        pub server_id: one CompactString = FolderHierarchy::ServerId,
    }
}

wire_struct! {
    /// FolderDelete response.
    pub struct FolderDeleteResponse = FolderHierarchy::FolderDelete {
        /// Result of the request.
        pub status: one FolderDeleteStatus = FolderHierarchy::Status,
        /// The new hierarchy sync key.
        pub sync_key: opt CompactString = FolderHierarchy::SyncKey,
    }
}

wire_struct! {
    /// GetHierarchy response (MS-ASCMD 2.2.1.8, protocol 2.5 to 12.1): the whole folder list.
    /// The request has no body.
    pub struct GetHierarchyResponse = FolderHierarchy::Folders {
        /// Every folder.
        pub folders: many HierarchyFolder = FolderHierarchy::Folder,
    }
}

wire_struct! {
    /// A folder in a GetHierarchy response.
    pub struct HierarchyFolder {
        /// Its name.
        pub display_name: one CompactString = FolderHierarchy::DisplayName,
        /// Its server id.
        pub server_id: one CompactString = FolderHierarchy::ServerId,
        /// Its type (1 generic, 2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent Items, 6 Outbox).
        pub folder_type: one u32 = FolderHierarchy::Type,
        /// Its parent's server id.
        pub parent_id: one CompactString = FolderHierarchy::ParentId,
    }
}
