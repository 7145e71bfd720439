//! AirSyncBase (MS-ASAIRS, code page 17): the body, attachment and location elements that
//! every data class shares from protocol version 12.0 on, and the body preferences a client
//! puts in Sync, ItemOperations and Search options.
//!
//! Field order follows Exchange's captures where they show one (`Body`: Type,
//! EstimatedDataSize, Truncated, Data; `Attachment`: DisplayName, FileReference, Method,
//! EstimatedDataSize), otherwise the MS-ASAIRS schema (section 6). The schema puts `Preview`
//! after `Data`, as one real capture does; MS-ASCMD's Search example puts it after `Type`.

use crate::CompactString;
use crate::codec::Opaque;
use crate::{wire_choice, wire_struct};

wire_struct! {
    /// `BodyPreference`: which body format the client wants, and how much of it (MS-ASAIRS
    /// 2.2.2.12). One per format, in the client's order of preference.
    pub struct BodyPreference {
        /// Body format: 1 plain text, 2 HTML, 3 RTF, 4 MIME (required).
        pub body_type: one u8 = AirSyncBase::Type,
        /// Truncate the body after this many bytes.
        pub truncation_size: opt u32 = AirSyncBase::TruncationSize,
        /// Whether to send nothing rather than a truncated body.
        pub all_or_none: opt bool = AirSyncBase::AllOrNone,
        /// Characters of plain-text preview wanted (0–255; 14.0+).
        pub preview: opt u32 = AirSyncBase::Preview,
    }
}

wire_struct! {
    /// `BodyPartPreference`: the format and size wanted for the message part of a
    /// conversation (MS-ASAIRS 2.2.2.11; 14.1+).
    pub struct BodyPartPreference {
        /// Body part format (only 2, HTML, is defined; required).
        pub body_type: one u8 = AirSyncBase::Type,
        /// Truncate the part after this many bytes.
        pub truncation_size: opt u32 = AirSyncBase::TruncationSize,
        /// Whether to send nothing rather than a truncated part.
        pub all_or_none: opt bool = AirSyncBase::AllOrNone,
        /// Characters of plain-text preview wanted (0–255).
        pub preview: opt u32 = AirSyncBase::Preview,
    }
}

wire_struct! {
    /// `Body`: an item's body in one format, possibly truncated (MS-ASAIRS 2.2.2.9; 12.0+).
    pub struct Body {
        /// Body format: 1 plain text, 2 HTML, 3 RTF, 4 MIME.
        pub body_type: opt u8 = AirSyncBase::Type,
        /// Size in bytes of the whole body before any truncation.
        pub estimated_data_size: opt u32 = AirSyncBase::EstimatedDataSize,
        /// Whether `data` was truncated.
        pub truncated: opt bool = AirSyncBase::Truncated,
        /// The body text (RTF is base64, MIME the whole message).
        pub data: opt CompactString = AirSyncBase::Data,
        /// Plain-text preview of the body (14.0+).
        pub preview: opt CompactString = AirSyncBase::Preview,
        /// In an ItemOperations multipart response: the index of the part that holds the
        /// body instead of `data`.
        pub part: opt u32 = ItemOperations::Part,
    }
}

wire_struct! {
    /// `BodyPart`: the message part of a conversation-view body (MS-ASAIRS 2.2.2.10; 14.1+).
    pub struct BodyPart {
        /// Result of producing the part: 1 success, 176 too large to preview.
        pub status: opt u8 = AirSyncBase::Status,
        /// Body part format (2, HTML).
        pub body_type: opt u8 = AirSyncBase::Type,
        /// Size in bytes of the whole part before truncation.
        pub estimated_data_size: opt u32 = AirSyncBase::EstimatedDataSize,
        /// Whether `data` was truncated.
        pub truncated: opt bool = AirSyncBase::Truncated,
        /// The part's content.
        pub data: opt CompactString = AirSyncBase::Data,
        /// Plain-text preview of the part.
        pub preview: opt CompactString = AirSyncBase::Preview,
    }
}

wire_struct! {
    /// `Attachments` (AirSyncBase): the attachments of an item (12.0+), and in 16.x the
    /// attachments a client adds to or deletes from a draft or appointment.
    pub struct Attachments {
        /// The attachments, additions and deletions, in document order.
        pub items: choice AttachmentsItem,
    }
}

wire_choice! {
    /// One entry of an AirSyncBase `Attachments` element.
    pub enum AttachmentsItem {
        /// An attachment the item has (server to client), or in a Sync `Responses` entry the
        /// server's id for one the client added.
        Attachment(Attachment) = AirSyncBase::Attachment,
        /// An attachment the client adds (16.0+).
        Add(AttachmentAdd) = AirSyncBase::Add,
        /// An attachment the client removes (16.0+).
        Delete(AttachmentDelete) = AirSyncBase::Delete,
    }
}

wire_struct! {
    /// `Attachment`: one attachment of an item (MS-ASAIRS 2.2.2.7).
    pub struct Attachment {
        /// In a Sync `Responses` entry: the client's temporary id of an attachment it added
        /// (16.0+), paired with the server's `file_reference`.
        pub client_id: opt CompactString = AirSyncBase::ClientId,
        /// The attachment's file name as shown to the user.
        pub display_name: opt CompactString = AirSyncBase::DisplayName,
        /// The server's id of the attachment, for ItemOperations Fetch.
        pub file_reference: opt CompactString = AirSyncBase::FileReference,
        /// How it is attached: 1 regular, 5 embedded message, 6 OLE object.
        pub method: opt u8 = AirSyncBase::Method,
        /// Its approximate size in bytes.
        pub estimated_data_size: opt u32 = AirSyncBase::EstimatedDataSize,
        /// Its MIME Content-ID, for inline references from the body.
        pub content_id: opt CompactString = AirSyncBase::ContentId,
        /// Its MIME Content-Location.
        pub content_location: opt CompactString = AirSyncBase::ContentLocation,
        /// Whether it is shown inline in the body.
        pub is_inline: opt bool = AirSyncBase::IsInline,
        /// Length in seconds of a voice-mail attachment (14.0+).
        pub um_att_duration: opt u32 = Email2::UmAttDuration,
        /// Position of a voice-mail attachment, 1 the most recent (14.0+).
        pub um_att_order: opt u32 = Email2::UmAttOrder,
    }
}

wire_struct! {
    /// `Add` in `Attachments`: an attachment the client adds to a draft or appointment
    /// (MS-ASAIRS 2.2.2.2; 16.0+).
    pub struct AttachmentAdd {
        /// The client's temporary id, echoed with the server's file reference.
        pub client_id: opt CompactString = AirSyncBase::ClientId,
        /// How it is attached: 1 regular, 5 embedded message, 6 OLE object.
        pub method: opt u8 = AirSyncBase::Method,
        /// Its MIME content type.
        pub content_type: opt CompactString = AirSyncBase::ContentType,
        /// The attachment's bytes.
        pub content: opt Opaque = AirSyncBase::Content,
        /// Its file name as shown to the user.
        pub display_name: opt CompactString = AirSyncBase::DisplayName,
        /// Its MIME Content-ID.
        pub content_id: opt CompactString = AirSyncBase::ContentId,
        /// Its MIME Content-Location.
        pub content_location: opt CompactString = AirSyncBase::ContentLocation,
        /// Whether it is shown inline in the body.
        pub is_inline: opt bool = AirSyncBase::IsInline,
    }
}

wire_struct! {
    /// `Delete` in `Attachments`: an attachment the client removes (MS-ASAIRS 2.2.2.20;
    /// 16.0+).
    pub struct AttachmentDelete {
        /// The server's id of the attachment to remove.
        pub file_reference: opt CompactString = AirSyncBase::FileReference,
    }
}

wire_struct! {
    /// `Location` (AirSyncBase): where a meeting takes place, with an address and
    /// coordinates (MS-ASAIRS 2.2.2.27; 16.0+, replacing the Calendar and Email `Location`
    /// strings). Coordinates are doubles, kept as the wire writes them.
    pub struct Location {
        /// The place's name as shown to the user.
        pub display_name: opt CompactString = AirSyncBase::DisplayName,
        /// A note about the place.
        pub annotation: opt CompactString = AirSyncBase::Annotation,
        /// Street address.
        pub street: opt CompactString = AirSyncBase::Street,
        /// City.
        pub city: opt CompactString = AirSyncBase::City,
        /// State or province.
        pub state: opt CompactString = AirSyncBase::State,
        /// Country or region.
        pub country: opt CompactString = AirSyncBase::Country,
        /// Postal code.
        pub postal_code: opt CompactString = AirSyncBase::PostalCode,
        /// Latitude in degrees.
        pub latitude: opt CompactString = AirSyncBase::Latitude,
        /// Longitude in degrees.
        pub longitude: opt CompactString = AirSyncBase::Longitude,
        /// Accuracy of the coordinates, in metres.
        pub accuracy: opt CompactString = AirSyncBase::Accuracy,
        /// Altitude in metres.
        pub altitude: opt CompactString = AirSyncBase::Altitude,
        /// Accuracy of the altitude, in metres.
        pub altitude_accuracy: opt CompactString = AirSyncBase::AltitudeAccuracy,
        /// A URI for the place (a map link, a room mailbox).
        pub location_uri: opt CompactString = AirSyncBase::LocationUri,
    }
}
