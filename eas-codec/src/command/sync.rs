//! Sync (MS-ASCMD 2.2.1.21): the command that moves items both ways.

use crate::CompactString;
use crate::codec::{Empty, TagList, Toggle};
use crate::data::{ApplicationData, BodyPartPreference, BodyPreference};
use crate::{status_enum, wire_choice, wire_struct};

status_enum! {
    /// Sync status (MS-ASCMD 2.2.3.177.17).
    pub enum SyncStatus {
        1 => Success: "Success.",
        3 => InvalidSyncKey: "Invalid or mismatched synchronization key; the client must return to sync key 0.",
        4 => ProtocolError: "Protocol error: the request does not conform to the protocol.",
        5 => ServerError: "Server error; retry later.",
        6 => ConversionError: "Error in client/server conversion: the item is invalid.",
        7 => Conflict: "Conflict between the client's and the server's version of an object.",
        8 => ObjectNotFound: "The object was not found.",
        9 => CannotComplete: "The Sync command cannot be completed (for example, the mailbox is full).",
        12 => FolderHierarchyChanged: "The folder hierarchy has changed; the client must issue FolderSync.",
        13 => IncompleteRequest: "The Sync request was incomplete; the client must send the full request.",
        14 => InvalidWaitOrHeartbeat: "The Wait or HeartbeatInterval value is outside the allowed range; Limit gives the bound.",
        15 => InvalidRequest: "Too many collections are included in the request; Limit gives the maximum.",
        16 => Retry: "Something on the server caused a retriable error.",
    }
}

wire_struct! {
    /// Sync request.
    pub struct SyncRequest = AirSync::Sync {
        /// The collections to sync (absent in an empty Sync that repeats the last one).
        pub collections: opt SyncCollections = AirSync::Collections,
        /// Minutes to wait for changes (12.1+).
        pub wait: opt u32 = AirSync::Wait,
        /// Seconds to wait for changes (14.0+).
        pub heartbeat_interval: opt u32 = AirSync::HeartbeatInterval,
        /// Most changes to return over all collections (14.0+).
        pub window_size: opt u32 = AirSync::WindowSize,
        /// The collections listed are to be merged with the cached request (12.1+).
        pub partial: opt Empty = AirSync::Partial,
    }
}

wire_struct! {
    /// The collections of a Sync request.
    pub struct SyncCollections {
        /// One per collection.
        pub collections: many SyncCollection = AirSync::Collection,
    }
}

wire_struct! {
    /// One collection of a Sync request, in the strict order MS-ASCMD requires.
    pub struct SyncCollection {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The collection's sync key (`0` to start).
        pub sync_key: one CompactString = AirSync::SyncKey,
        /// The collection's server id.
        pub collection_id: one CompactString = AirSync::CollectionId,
        /// Properties the client ghosts: the server must not clear them on change.
        pub supported: opt TagList = AirSync::Supported,
        /// Whether deleted items go to Deleted Items.
        pub deletes_as_moves: opt Toggle = AirSync::DeletesAsMoves,
        /// Whether the server should send its changes.
        pub get_changes: opt Toggle = AirSync::GetChanges,
        /// Most changes to return for this collection.
        pub window_size: opt u32 = AirSync::WindowSize,
        /// Whether to sync whole conversations (14.0+).
        pub conversation_mode: opt bool = AirSync::ConversationMode,
        /// Options, one per class (two for a mailbox that also syncs SMS).
        pub options: many SyncOptions = AirSync::Options,
        /// The client's changes.
        pub commands: opt SyncRequestCommands = AirSync::Commands,
    }
}

wire_struct! {
    /// Sync options for one class.
    pub struct SyncOptions {
        /// The class these options are for (14.0+, when more than one).
        pub class: opt CompactString = AirSync::Class,
        /// Which items by age (0 all, 1 one day … 7 six months, 8 incomplete tasks).
        pub filter_type: opt u32 = AirSync::FilterType,
        /// Body truncation (2.5).
        pub truncation: opt u32 = AirSync::Truncation,
        /// Whether to send MIME (0 never, 1 S/MIME only, 2 always).
        pub mime_support: opt u32 = AirSync::MIMESupport,
        /// MIME truncation size code.
        pub mime_truncation: opt u32 = AirSync::MIMETruncation,
        /// Body formats the client accepts, in order of preference.
        pub body_preference: many BodyPreference = AirSyncBase::BodyPreference,
        /// Body part (conversation) preference (14.1+).
        pub body_part_preference: many BodyPartPreference = AirSyncBase::BodyPartPreference,
        /// Who wins a conflict (0 client, 1 server).
        pub conflict: opt u32 = AirSync::Conflict,
        /// Most items to return for this class (14.0+, SMS and recipient info cache).
        pub max_items: opt u32 = AirSync::MaxItems,
        /// Whether the client supports IRM (14.1+).
        pub rights_management_support: opt bool = RightsManagement::RightsManagementSupport,
    }
}

wire_struct! {
    /// The commands of a Sync request.
    pub struct SyncRequestCommands {
        /// The client's changes, in order.
        pub commands: choice SyncRequestCommand,
    }
}

wire_choice! {
    /// One change sent by the client.
    pub enum SyncRequestCommand {
        /// A new item.
        Add(ClientAdd) = AirSync::Add,
        /// A changed item.
        Change(ItemChange) = AirSync::Change,
        /// A deleted item.
        Delete(ItemDelete) = AirSync::Delete,
        /// A request for a whole item.
        Fetch(ItemFetch) = AirSync::Fetch,
    }
}

wire_struct! {
    /// An item the client adds.
    pub struct ClientAdd {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The client's temporary id; the server answers with a server id for it.
        pub client_id: one CompactString = AirSync::ClientId,
        /// The item.
        pub application_data: one ApplicationData = AirSync::ApplicationData,
    }
}

wire_struct! {
    /// A changed item (either direction).
    pub struct ItemChange {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
        /// The changed properties.
        pub application_data: one ApplicationData = AirSync::ApplicationData,
    }
}

wire_struct! {
    /// A deleted item (either direction).
    pub struct ItemDelete {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
        /// One occurrence of a recurring item (16.0+).
        pub instance_id: opt CompactString = AirSyncBase::InstanceId,
    }
}

wire_struct! {
    /// A fetch request.
    pub struct ItemFetch {
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
    }
}

wire_struct! {
    /// Sync response.
    pub struct SyncResponse = AirSync::Sync {
        /// A failure of the whole request.
        pub status: opt SyncStatus = AirSync::Status,
        /// The bound that status 14 or 15 refers to.
        pub limit: opt u32 = AirSync::Limit,
        /// One per collection.
        pub collections: opt SyncResponseCollections = AirSync::Collections,
    }
}

wire_struct! {
    /// The collections of a Sync response.
    pub struct SyncResponseCollections {
        /// One per collection.
        pub collections: many SyncResponseCollection = AirSync::Collection,
    }
}

wire_struct! {
    /// One collection of a Sync response.
    pub struct SyncResponseCollection {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The collection's new sync key.
        pub sync_key: one CompactString = AirSync::SyncKey,
        /// The collection's server id.
        pub collection_id: one CompactString = AirSync::CollectionId,
        /// The result for this collection.
        pub status: one SyncStatus = AirSync::Status,
        /// More changes are waiting.
        pub more_available: opt Empty = AirSync::MoreAvailable,
        /// The server's changes.
        pub commands: opt SyncResponseCommands = AirSync::Commands,
        /// Answers to the client's changes.
        pub responses: opt SyncResponses = AirSync::Responses,
    }
}

wire_struct! {
    /// The commands of a Sync response.
    pub struct SyncResponseCommands {
        /// The server's changes, in order.
        pub commands: choice SyncResponseCommand,
    }
}

wire_choice! {
    /// One change sent by the server.
    pub enum SyncResponseCommand {
        /// A new item.
        Add(ServerAdd) = AirSync::Add,
        /// A changed item.
        Change(ItemChange) = AirSync::Change,
        /// A deleted item.
        Delete(ItemDelete) = AirSync::Delete,
        /// An item that left the sync window (filter) but still exists.
        SoftDelete(ItemFetch) = AirSync::SoftDelete,
    }
}

wire_struct! {
    /// An item the server adds.
    pub struct ServerAdd {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
        /// The item.
        pub application_data: one ApplicationData = AirSync::ApplicationData,
    }
}

wire_struct! {
    /// The server's answers to the client's changes.
    pub struct SyncResponses {
        /// The answers, in order.
        pub responses: choice SyncItemResponse,
    }
}

wire_choice! {
    /// The answer to one client change.
    pub enum SyncItemResponse {
        /// A client add.
        Add(AddResponse) = AirSync::Add,
        /// A client change.
        Change(ChangeResponse) = AirSync::Change,
        /// A client delete (sent on failure).
        Delete(ChangeResponse) = AirSync::Delete,
        /// A fetch.
        Fetch(FetchResponse) = AirSync::Fetch,
    }
}

wire_struct! {
    /// The answer to a client add.
    pub struct AddResponse {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The client's temporary id.
        pub client_id: one CompactString = AirSync::ClientId,
        /// The new item's server id (on success).
        pub server_id: opt CompactString = AirSync::ServerId,
        /// The result.
        pub status: one SyncStatus = AirSync::Status,
    }
}

wire_struct! {
    /// The answer to a client change or delete.
    pub struct ChangeResponse {
        /// The class (up to 12.1).
        pub class: opt CompactString = AirSync::Class,
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
        /// The result.
        pub status: one SyncStatus = AirSync::Status,
    }
}

wire_struct! {
    /// The answer to a fetch.
    pub struct FetchResponse {
        /// The item's server id.
        pub server_id: one CompactString = AirSync::ServerId,
        /// The result.
        pub status: one SyncStatus = AirSync::Status,
        /// The whole item (on success).
        pub application_data: opt ApplicationData = AirSync::ApplicationData,
    }
}
