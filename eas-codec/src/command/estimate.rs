//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many items the next Sync of a collection would
//! send.

use crate::CompactString;
use crate::command::sync::SyncOptions;
use crate::{status_enum, wire_struct};

status_enum! {
    /// GetItemEstimate status (MS-ASCMD 2.2.3.177.7).
    pub enum GetItemEstimateStatus {
        1 => Success: "Success.",
        2 => InvalidCollection: "A collection was invalid or one of the specified collection IDs was invalid.",
        3 => SyncStateNotPrimed: "The synchronization state has not been primed; the client must issue Sync first.",
        4 => InvalidSyncKey: "The specified synchronization key was invalid.",
    }
}

wire_struct! {
    /// GetItemEstimate request.
    pub struct GetItemEstimateRequest = GetItemEstimate::GetItemEstimate {
        /// The collections to estimate.
        pub collections: one EstimateCollections = GetItemEstimate::Collections,
    }
}

wire_struct! {
    /// The collections of a GetItemEstimate request.
    pub struct EstimateCollections {
        /// One per collection.
        pub collections: many EstimateCollection = GetItemEstimate::Collection,
    }
}

wire_struct! {
    /// One collection to estimate. Versions up to 12.1 send `Class` and `FilterType` here;
    /// 14.0 and later send `Options`.
    pub struct EstimateCollection {
        /// The class (up to 12.1).
        pub class: opt CompactString = GetItemEstimate::Class,
        /// The collection's current sync key.
        pub sync_key: opt CompactString = AirSync::SyncKey,
        /// The collection's server id.
        pub collection_id: one CompactString = GetItemEstimate::CollectionId,
        /// The filter (up to 12.1).
        pub filter_type: opt u32 = AirSync::FilterType,
        /// Whether to count conversations (14.0+).
        pub conversation_mode: opt bool = AirSync::ConversationMode,
        /// Per-class options (14.0+).
        pub options: many SyncOptions = AirSync::Options,
    }
}

wire_struct! {
    /// GetItemEstimate response.
    pub struct GetItemEstimateResponse = GetItemEstimate::GetItemEstimate {
        /// A failure of the whole request.
        pub status: opt GetItemEstimateStatus = GetItemEstimate::Status,
        /// One per collection.
        pub responses: many EstimateResponse = GetItemEstimate::Response,
    }
}

wire_struct! {
    /// The estimate for one collection.
    pub struct EstimateResponse {
        /// The result for this collection.
        pub status: one GetItemEstimateStatus = GetItemEstimate::Status,
        /// The collection and its estimate.
        pub collection: opt EstimateResult = GetItemEstimate::Collection,
    }
}

wire_struct! {
    /// A collection's estimate.
    pub struct EstimateResult {
        /// The class (up to 12.1).
        pub class: opt CompactString = GetItemEstimate::Class,
        /// The collection's server id.
        pub collection_id: one CompactString = GetItemEstimate::CollectionId,
        /// How many items the next Sync would send.
        pub estimate: opt u32 = GetItemEstimate::Estimate,
    }
}
