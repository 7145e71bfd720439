//! Ping (MS-ASCMD 2.2.1.13): the long-lived request a device parks until a watched folder
//! changes or the heartbeat expires.

use crate::CompactString;
use crate::{status_enum, wire_struct};

status_enum! {
    /// Ping status (MS-ASCMD 2.2.3.177.11).
    pub enum PingStatus {
        1 => HeartbeatExpired: "The heartbeat interval expired before any changes occurred in the monitored folders.",
        2 => ChangesOccurred: "Changes occurred in at least one of the monitored folders; the response lists them.",
        3 => MissingParameters: "The request omitted required parameters; the client should send the full request.",
        4 => SyntaxError: "Syntax error in the Ping request.",
        5 => InvalidHeartbeatInterval: "The heartbeat interval is outside the range the server allows; the response carries the allowed limit.",
        6 => TooManyFolders: "The request asks to monitor more folders than the server allows; the response carries the limit.",
        7 => FolderSyncRequired: "The folder hierarchy is out of date; the client must issue FolderSync.",
        8 => ServerError: "An error occurred on the server.",
    }
}

wire_struct! {
    /// Ping request. Both children may be omitted, meaning "the same as last time".
    pub struct PingRequest = Ping::Ping {
        /// Seconds the server may hold the request.
        pub heartbeat_interval: opt u32 = Ping::HeartbeatInterval,
        /// The folders to watch.
        pub folders: opt PingFolders = Ping::Folders,
    }
}

wire_struct! {
    /// The folders a Ping request watches.
    pub struct PingFolders {
        /// One entry per folder.
        pub folders: many PingFolder = Ping::Folder,
    }
}

wire_struct! {
    /// A folder to watch.
    pub struct PingFolder {
        /// The folder's server id.
        pub id: one CompactString = Ping::Id,
        /// Its class (`Email`, `Calendar`, `Contacts`, `Tasks`, `Notes`).
        pub class: one CompactString = Ping::Class,
    }
}

wire_struct! {
    /// Ping response.
    pub struct PingResponse = Ping::Ping {
        /// Why the Ping returned.
        pub status: one PingStatus = Ping::Status,
        /// The allowed heartbeat (with status 5).
        pub heartbeat_interval: opt u32 = Ping::HeartbeatInterval,
        /// The most folders allowed (with status 6).
        pub max_folders: opt u32 = Ping::MaxFolders,
        /// The folders that changed (with status 2).
        pub folders: opt ChangedFolders = Ping::Folders,
    }
}

wire_struct! {
    /// Folders that changed: each `Folder` element holds a server id as text.
    pub struct ChangedFolders {
        /// The server ids.
        pub folders: many CompactString = Ping::Folder,
    }
}
