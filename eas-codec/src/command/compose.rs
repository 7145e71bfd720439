//! SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.1.17, 2.2.1.20, 2.2.1.19) in their
//! 14.0+ form: a ComposeMail WBXML document that carries the message as opaque MIME.
//!
//! Protocol 12.x sends these commands differently: the raw MIME message is the HTTP body
//! (`Content-Type: message/rfc822`) and the options are URL parameters (`SaveInSent`,
//! `ItemId`, `CollectionId`), so there is no WBXML to decode here.
//!
//! The requests' children form an `xs:all` group; fields are written in the order of the
//! MS-ASCMD examples and of real clients (`ClientId`, `SaveInSentItems`, `Source`, `Mime`).

use crate::CompactString;
use crate::codec::{Empty, Opaque};
use crate::{status_enum, wire_struct};

status_enum! {
    /// The status of SendMail, SmartReply and SmartForward (MS-ASCMD 2.2.3.177.14,
    /// 2.2.3.177.16): the common status codes of MS-ASCMD 2.2.2. A success usually has no
    /// response body at all.
    pub enum ComposeMailStatus {
        1 => Success: "Success.",
        101 => InvalidContent: "The HTTP request body is invalid (wrong Content-Type, missing, or WBXML sent with 12.1).",
        102 => InvalidWbxml: "The request's WBXML could not be decoded.",
        103 => InvalidXml: "The request's XML does not follow the protocol.",
        104 => InvalidDateTime: "A date or time in the request is invalid.",
        105 => InvalidCombinationOfIds: "The request combines parameters that may not be combined.",
        106 => InvalidIds: "An id in the request could not be parsed.",
        107 => InvalidMime: "The request's MIME could not be parsed.",
        108 => DeviceIdMissingOrInvalid: "The device id is missing or malformed.",
        109 => DeviceTypeMissingOrInvalid: "The device type is missing or malformed.",
        110 => ServerError: "Unknown server error; do not retry.",
        111 => ServerErrorRetryLater: "Unknown server error; retry later.",
        112 => ActiveDirectoryAccessDenied: "The server may not access the directory object.",
        113 => MailboxQuotaExceeded: "The mailbox is full.",
        114 => MailboxServerOffline: "The mailbox server is offline.",
        115 => SendQuotaExceeded: "The request would exceed the send quota.",
        116 => MessageRecipientUnresolved: "A recipient could not be resolved to an address.",
        117 => MessageReplyNotAllowed: "The mailbox server does not allow a reply to this message.",
        118 => MessagePreviouslySent: "A message with this ClientId was already sent.",
        119 => MessageHasNoRecipient: "The message has no recipient.",
        120 => MailSubmissionFailed: "The server could not submit the message.",
        121 => MessageReplyFailed: "The server could not create the reply.",
        122 => AttachmentIsTooLarge: "An attachment is too large.",
        123 => UserHasNoMailbox: "The user has no mailbox.",
        124 => UserCannotBeAnonymous: "The request had no credentials.",
        125 => UserPrincipalCouldNotBeFound: "The user is not in the directory.",
        126 => UserDisabledForSync: "The user may not use ActiveSync.",
        127 => UserOnNewMailboxCannotSync: "The server does not let this user sync.",
        128 => UserOnLegacyMailboxCannotSync: "The server does not let users on legacy servers sync.",
        129 => DeviceIsBlockedForThisUser: "This device is not among the devices the user may sync.",
        130 => AccessDenied: "The user may not make this request.",
        131 => AccountDisabled: "The user's account is disabled.",
        132 => SyncStateNotFound: "The server lost the client's state.",
        133 => SyncStateLocked: "The client's state on the server is locked.",
        134 => SyncStateCorrupt: "The client's state on the server is corrupt.",
        135 => SyncStateAlreadyExists: "The client's state on the server already exists.",
        136 => SyncStateVersionInvalid: "The client's state on the server has an invalid version.",
        137 => CommandNotSupported: "The server does not support the command.",
        138 => VersionNotSupported: "The command is not supported in this protocol version.",
        139 => DeviceNotFullyProvisionable: "The device cannot apply every policy setting the administrator enabled.",
        140 => RemoteWipeRequested: "A remote wipe was requested; the device must provision.",
        141 => LegacyDeviceOnStrictPolicy: "A policy is in force but the device cannot be provisioned.",
        142 => DeviceNotProvisioned: "A policy is in force; the device must provision.",
        143 => PolicyRefresh: "The policy must be refreshed; the device must provision again.",
        144 => InvalidPolicyKey: "The policy key is invalid; the device must provision again.",
        145 => ExternallyManagedDevicesNotAllowed: "Externally managed devices are not allowed.",
        146 => NoRecurrenceInCalendar: "An occurrence of a meeting that does not recur was forwarded.",
        147 => UnexpectedItemClass: "The item's class is unknown to the server.",
        148 => RemoteServerHasNoSsl: "The request would be proxied to a server without TLS.",
        149 => InvalidStoredRequest: "The stored request the server replayed is no longer valid; send the full request.",
        150 => ItemNotFound: "The source item of the SmartReply or SmartForward was not found.",
        151 => TooManyFolders: "The mailbox has too many folders.",
        152 => NoFoldersFound: "The mailbox has no folders.",
        153 => ItemsLostAfterMove: "Items moved could not be found in the destination.",
        154 => FailureInMoveOperation: "The mailbox server failed to move the items.",
        155 => MoveCommandDisallowedForNonPersistentMoveAction: "A conversation move lacks MoveAlways.",
        156 => MoveCommandInvalidDestinationFolder: "The destination folder of the move is invalid.",
        160 => AvailabilityTooManyRecipients: "Too many recipients for an availability request.",
        161 => AvailabilityDlLimitReached: "The distribution list is too large for an availability request.",
        162 => AvailabilityTransientFailure: "The availability service failed temporarily.",
        163 => AvailabilityFailure: "The availability service failed.",
        164 => BodyPartPreferenceTypeNotSupported: "The BodyPartPreference type is not supported.",
        165 => DeviceInformationRequired: "The Provision request lacks the required DeviceInformation.",
        166 => InvalidAccountId: "The AccountId is not valid.",
        167 => AccountSendDisabled: "The account given by AccountId cannot send mail.",
        168 => IrmFeatureDisabled: "Information Rights Management is disabled.",
        169 => IrmTransientError: "Information Rights Management failed temporarily.",
        170 => IrmPermanentError: "Information Rights Management failed.",
        171 => IrmInvalidTemplateId: "The TemplateID is not valid.",
        172 => IrmOperationNotPermitted: "Information Rights Management does not allow this operation.",
        173 => NoPicture: "The user has no contact photo.",
        174 => PictureTooLarge: "The contact photo is larger than MaxSize.",
        175 => PictureLimitReached: "More contact photos than MaxPictures.",
        176 => BodyPartConversationTooLarge: "The conversation is too large to compute body parts.",
        177 => MaximumDevicesReached: "The user has too many device partnerships.",
    }
}

wire_struct! {
    /// SendMail request (14.0+).
    pub struct SendMailRequest = ComposeMail::SendMail {
        /// The client's unique id for the message (duplicates are refused with 118).
        pub client_id: one CompactString = ComposeMail::ClientId,
        /// The account to send from (14.1+).
        pub account_id: opt CompactString = ComposeMail::AccountId,
        /// Keep a copy in Sent Items.
        pub save_in_sent_items: opt Empty = ComposeMail::SaveInSentItems,
        /// The message, MIME.
        pub mime: one Opaque = ComposeMail::Mime,
        /// The rights-management template to protect the message with (14.1+).
        pub template_id: opt CompactString = RightsManagement::TemplateID,
    }
}

wire_struct! {
    /// SmartReply request (14.0+).
    pub struct SmartReplyRequest = ComposeMail::SmartReply {
        /// The client's unique id for the message.
        pub client_id: one CompactString = ComposeMail::ClientId,
        /// The account to send from (14.1+).
        pub account_id: opt CompactString = ComposeMail::AccountId,
        /// Keep a copy in Sent Items.
        pub save_in_sent_items: opt Empty = ComposeMail::SaveInSentItems,
        /// The MIME is the whole message: the server does not append the original.
        pub replace_mime: opt Empty = ComposeMail::ReplaceMime,
        /// The message replied to.
        pub source: one Source = ComposeMail::Source,
        /// The reply, MIME.
        pub mime: one Opaque = ComposeMail::Mime,
        /// The rights-management template (14.1+).
        pub template_id: opt CompactString = RightsManagement::TemplateID,
    }
}

wire_struct! {
    /// SmartForward request (14.0+).
    pub struct SmartForwardRequest = ComposeMail::SmartForward {
        /// The client's unique id for the message.
        pub client_id: one CompactString = ComposeMail::ClientId,
        /// The account to send from (14.1+).
        pub account_id: opt CompactString = ComposeMail::AccountId,
        /// Keep a copy in Sent Items.
        pub save_in_sent_items: opt Empty = ComposeMail::SaveInSentItems,
        /// The MIME is the whole message: the server does not append the original.
        pub replace_mime: opt Empty = ComposeMail::ReplaceMime,
        /// The message forwarded.
        pub source: one Source = ComposeMail::Source,
        /// The forward, MIME (absent when `body` or `forwardees` is sent).
        pub mime: opt Opaque = ComposeMail::Mime,
        /// The rights-management template (14.1+).
        pub template_id: opt CompactString = RightsManagement::TemplateID,
        /// The body to add when forwarding a meeting (16.0+).
        pub body: opt ComposeBody = AirSyncBase::Body,
        /// The recipients of a forwarded meeting (16.0+).
        pub forwardees: opt Forwardees = ComposeMail::Forwardees,
    }
}

wire_struct! {
    /// The message a SmartReply or SmartForward refers to: `folder_id` and `item_id`, or
    /// `long_id` (from a Search).
    pub struct Source {
        /// The folder holding the message.
        pub folder_id: opt CompactString = ComposeMail::FolderId,
        /// The message's server id.
        pub item_id: opt CompactString = ComposeMail::ItemId,
        /// The message's long id.
        pub long_id: opt CompactString = ComposeMail::LongId,
        /// The occurrence of a recurring meeting, by its start time.
        pub instance_id: opt CompactString = ComposeMail::InstanceId,
    }
}

wire_struct! {
    /// The recipients of a forwarded meeting (16.0+).
    pub struct Forwardees {
        /// The recipients.
        pub forwardee: many Forwardee = ComposeMail::Forwardee,
    }
}

wire_struct! {
    /// One recipient of a forwarded meeting.
    pub struct Forwardee {
        /// The recipient's name.
        pub name: opt CompactString = ComposeMail::Name,
        /// The recipient's address.
        pub email: one CompactString = ComposeMail::Email,
    }
}

wire_struct! {
    /// An `airsyncbase:Body` as a client sends it (SmartForward of a meeting, a
    /// MeetingResponse's `SendResponse`).
    pub struct ComposeBody {
        /// The body's format: 1 plain text, 2 HTML, 3 RTF, 4 MIME.
        pub body_type: one u8 = AirSyncBase::Type,
        /// The body's size, in bytes.
        pub estimated_data_size: opt u32 = AirSyncBase::EstimatedDataSize,
        /// Whether the body is truncated.
        pub truncated: opt bool = AirSyncBase::Truncated,
        /// The body.
        pub data: opt CompactString = AirSyncBase::Data,
        /// A plain-text preview.
        pub preview: opt CompactString = AirSyncBase::Preview,
    }
}

wire_struct! {
    /// SendMail response (the body is usually empty on success).
    pub struct SendMailResponse = ComposeMail::SendMail {
        /// Why the command failed.
        pub status: opt ComposeMailStatus = ComposeMail::Status,
    }
}

wire_struct! {
    /// SmartReply response (the body is usually empty on success).
    pub struct SmartReplyResponse = ComposeMail::SmartReply {
        /// Why the command failed.
        pub status: opt ComposeMailStatus = ComposeMail::Status,
    }
}

wire_struct! {
    /// SmartForward response (the body is usually empty on success).
    pub struct SmartForwardResponse = ComposeMail::SmartForward {
        /// Why the command failed.
        pub status: opt ComposeMailStatus = ComposeMail::Status,
    }
}
