//! MeetingResponse (MS-ASCMD 2.2.1.11): accept, tentatively accept or decline meeting
//! requests, optionally (16.x) sending a reply mail with a body and a proposed new time.

use super::compose::ComposeBody;
use crate::CompactString;
use crate::{status_enum, wire_struct};

status_enum! {
    /// The answer to a meeting request (MS-ASCMD 2.2.3.191 `UserResponse`).
    pub enum UserResponse {
        1 => Accepted: "Accept the meeting.",
        2 => Tentative: "Tentatively accept the meeting.",
        3 => Declined: "Decline the meeting.",
    }
}

status_enum! {
    /// MeetingResponse status (MS-ASCMD 2.2.3.177.9).
    pub enum MeetingResponseStatus {
        1 => Success: "Success.",
        2 => InvalidMeetingRequest: "Invalid meeting request: not a meeting request or calendar item, the user is the organizer, or the instance does not exist.",
        3 => MailboxError: "An error occurred on the server mailbox; the client may retry.",
        4 => ServerError: "An error occurred on the server.",
    }
}

wire_struct! {
    /// MeetingResponse request.
    pub struct MeetingResponseRequest = MeetingResponse::MeetingResponse {
        /// One answer per meeting request.
        pub request: many MeetingResponseItem = MeetingResponse::Request,
    }
}

wire_struct! {
    /// The answer to one meeting request, identified by `collection_id` and `request_id`
    /// or by `long_id`.
    pub struct MeetingResponseItem {
        /// Accept, tentative or decline.
        pub user_response: one UserResponse = MeetingResponse::UserResponse,
        /// The folder holding the meeting request.
        pub collection_id: opt CompactString = MeetingResponse::CollectionId,
        /// The meeting request's server id.
        pub request_id: opt CompactString = MeetingResponse::RequestId,
        /// The meeting request's long id (from a Search).
        pub long_id: opt CompactString = Search::LongId,
        /// The occurrence answered, by its start time (14.1+).
        pub instance_id: opt CompactString = MeetingResponse::InstanceId,
        /// Send a reply mail to the organizer (16.0+); an empty element sends one without body.
        pub send_response: opt SendResponse = MeetingResponse::SendResponse,
    }
}

wire_struct! {
    /// The reply mail sent with a meeting response (16.0+).
    pub struct SendResponse {
        /// The reply's body.
        pub body: opt ComposeBody = AirSyncBase::Body,
        /// Proposed new start, compact date-time (16.1).
        pub proposed_start_time: opt CompactString = MeetingResponse::ProposedStartTime,
        /// Proposed new end, compact date-time (16.1).
        pub proposed_end_time: opt CompactString = MeetingResponse::ProposedEndTime,
    }
}

wire_struct! {
    /// MeetingResponse response.
    pub struct MeetingResponseResponse = MeetingResponse::MeetingResponse {
        /// One result per request.
        pub result: many MeetingResponseResult = MeetingResponse::Result,
    }
}

wire_struct! {
    /// The result for one meeting request.
    pub struct MeetingResponseResult {
        /// The request's server id, as sent.
        pub request_id: opt CompactString = MeetingResponse::RequestId,
        /// The request's long id, as sent.
        pub long_id: opt CompactString = Search::LongId,
        /// Whether the answer was recorded.
        pub status: one MeetingResponseStatus = MeetingResponse::Status,
        /// The calendar item's server id (absent when the meeting was declined).
        pub calendar_id: opt CompactString = MeetingResponse::CalendarId,
        /// The occurrence answered.
        pub instance_id: opt CompactString = MeetingResponse::InstanceId,
    }
}
