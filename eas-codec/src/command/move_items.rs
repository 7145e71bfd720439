//! MoveItems (MS-ASCMD 2.2.1.12): move items between folders.

use crate::CompactString;
use crate::{status_enum, wire_struct};

status_enum! {
    /// MoveItems status (MS-ASCMD 2.2.3.177.10). Note that success is 3.
    pub enum MoveItemsStatus {
        1 => InvalidSource: "Invalid source collection ID or invalid source item ID.",
        2 => InvalidDestination: "Invalid destination collection ID.",
        3 => Success: "Success.",
        4 => SameSourceAndDestination: "The source and destination collection IDs are the same.",
        5 => Failure: "The item could not be moved (more than one destination, or a lock).",
        7 => Locked: "The source or destination item was locked.",
    }
}

wire_struct! {
    /// MoveItems request.
    pub struct MoveItemsRequest = Move::MoveItems {
        /// The moves, in order.
        pub moves: many MoveItem = Move::Move,
    }
}

wire_struct! {
    /// One item to move.
    pub struct MoveItem {
        /// The item's server id.
        pub src_msg_id: one CompactString = Move::SrcMsgId,
        /// The folder it is in.
        pub src_fld_id: one CompactString = Move::SrcFldId,
        /// The folder to move it to.
        pub dst_fld_id: one CompactString = Move::DstFldId,
    }
}

wire_struct! {
    /// MoveItems response.
    pub struct MoveItemsResponse = Move::MoveItems {
        /// A failure of the whole request.
        pub status: opt MoveItemsStatus = Move::Status,
        /// One per move.
        pub responses: many MoveResponse = Move::Response,
    }
}

wire_struct! {
    /// The result of one move.
    pub struct MoveResponse {
        /// The item's old server id.
        pub src_msg_id: one CompactString = Move::SrcMsgId,
        /// The result.
        pub status: one MoveItemsStatus = Move::Status,
        /// The item's new server id.
        pub dst_msg_id: opt CompactString = Move::DstMsgId,
    }
}
