//! The Email class (MS-ASEMAIL): code pages 2 (Email) and 22 (Email2), with the AirSyncBase
//! body and attachments, the Tasks elements of a follow-up flag and the RightsManagement
//! license.
//!
//! Field order is Exchange's, as the captures show it (To, Cc, From, Subject, ReplyTo,
//! DateReceived, DisplayTo, ThreadTopic, Importance, Read, Attachments, Body, MessageClass,
//! MeetingRequest, InternetCPID, Flag, ContentClass, NativeBodyType, ConversationId,
//! ConversationIndex, LastVerbExecuted, LastVerbExecutionTime, Categories). Elements no
//! capture shows are placed by the MS-ASEMAIL schema (section 6): the 2.5 forms next to their
//! AirSyncBase successors, the other Email2 elements with their page, the 16.x draft
//! elements last.

use super::airsyncbase::{Attachments, Body, BodyPart, Location};
use super::rights::RightsManagementLicense;
use crate::CompactString;
use crate::codec::{Empty, Opaque};
use crate::wire_struct;

wire_struct! {
    /// An Email-class item: a message, meeting request, voice mail or (16.x) draft.
    pub struct Email {
        /// The `To` header: recipients, comma-separated RFC 5322 addresses.
        pub to: opt CompactString = Email::To,
        /// The `Cc` header.
        pub cc: opt CompactString = Email::Cc,
        /// The `From` header.
        pub from: opt CompactString = Email::From,
        /// The subject.
        pub subject: opt CompactString = Email::Subject,
        /// The `Reply-To` header (addresses separated by semicolons).
        pub reply_to: opt CompactString = Email::ReplyTo,
        /// When the message was received (`2011-03-10T11:29:18.534Z`).
        pub date_received: opt CompactString = Email::DateReceived,
        /// Display names of the `To` recipients, semicolon-separated.
        pub display_to: opt CompactString = Email::DisplayTo,
        /// The conversation topic (the subject without prefixes).
        pub thread_topic: opt CompactString = Email::ThreadTopic,
        /// Importance: 0 low, 1 normal, 2 high.
        pub importance: opt u8 = Email::Importance,
        /// Whether the message has been read.
        pub read: opt bool = Email::Read,
        /// The attachments in protocol 2.5 form.
        pub attachments_v25: opt AttachmentsV25 = Email::Attachments,
        /// The attachments (12.0+).
        pub attachments: opt Attachments = AirSyncBase::Attachments,
        /// The body as plain text (2.5).
        pub body_v25: opt CompactString = Email::Body,
        /// Size of the whole body in characters (2.5).
        pub body_size: opt u32 = Email::BodySize,
        /// Whether `body_v25` was truncated (2.5).
        pub body_truncated: opt bool = Email::BodyTruncated,
        /// The raw MIME message, when the client asked for MIME (2.5).
        pub mime_data: opt CompactString = Email::MIMEData,
        /// Size of the whole MIME message in characters (2.5).
        pub mime_size: opt u32 = Email::MIMESize,
        /// Whether `mime_data` was truncated (2.5).
        pub mime_truncated: opt bool = Email::MIMETruncated,
        /// The body (12.0+).
        pub body: opt Body = AirSyncBase::Body,
        /// The message part of the body in conversation view (14.1+).
        pub body_part: opt BodyPart = AirSyncBase::BodyPart,
        /// The message class (`IPM.Note`, `IPM.Schedule.Meeting.Request`, …).
        pub message_class: opt CompactString = Email::MessageClass,
        /// The meeting, when the message is a meeting request or cancellation.
        pub meeting_request: opt MeetingRequest = Email::MeetingRequest,
        /// The code page of the original message's character set (`28591`).
        pub internet_cpid: opt CompactString = Email::InternetCPID,
        /// The follow-up flag (12.0+); empty when not flagged.
        pub flag: opt Flag = Email::Flag,
        /// The content class (`urn:content-classes:message`, `…:calendarmessage`).
        pub content_class: opt CompactString = Email::ContentClass,
        /// The format the body is stored in on the server: 1 text, 2 HTML, 3 RTF (12.0+).
        pub native_body_type: opt u8 = AirSyncBase::NativeBodyType,
        /// Callback number of a voice-mail caller (14.0+).
        pub um_caller_id: opt CompactString = Email2::UmCallerID,
        /// The user's notes on a voice mail (14.0+).
        pub um_user_notes: opt CompactString = Email2::UmUserNotes,
        /// The conversation the message belongs to, as opaque bytes (14.0+).
        pub conversation_id: opt Opaque = Email2::ConversationId,
        /// The message's place in its conversation, as opaque bytes (14.0+).
        pub conversation_index: opt Opaque = Email2::ConversationIndex,
        /// The last action taken: 1 reply to sender, 2 reply to all, 3 forward (14.0+).
        pub last_verb_executed: opt u32 = Email2::LastVerbExecuted,
        /// When `last_verb_executed` was taken (14.0+).
        pub last_verb_execution_time: opt CompactString = Email2::LastVerbExecutionTime,
        /// Whether the user received the message as a Bcc recipient (14.0+).
        pub received_as_bcc: opt bool = Email2::ReceivedAsBcc,
        /// Who actually sent the message when it differs from `from` (14.0+).
        pub sender: opt CompactString = Email2::Sender,
        /// The message's categories (14.0+).
        pub categories: opt EmailCategories = Email::Categories,
        /// The account the message belongs to, for a mailbox with several (14.1+).
        pub account_id: opt CompactString = Email2::AccountId,
        /// The IRM license of a protected message (14.1+).
        pub rights_management_license: opt RightsManagementLicense =
            RightsManagement::RightsManagementLicense,
        /// Whether the item is a draft (16.0+).
        pub is_draft: opt bool = Email2::IsDraft,
        /// The `Bcc` recipients of a draft (16.0+).
        pub bcc: opt CompactString = Email2::Bcc,
        /// Present when the client asks the server to send the draft (16.0+).
        pub send: opt Empty = Email2::Send,
    }
}

wire_struct! {
    /// `Categories` (Email): the categories of a message (14.0+).
    pub struct EmailCategories {
        /// The category names.
        pub categories: many CompactString = Email::Category,
    }
}

wire_struct! {
    /// `Attachments` (Email): the attachments of a message in protocol 2.5.
    pub struct AttachmentsV25 {
        /// The attachments.
        pub attachments: many AttachmentV25 = Email::Attachment,
    }
}

wire_struct! {
    /// `Attachment` (Email): one attachment in protocol 2.5.
    pub struct AttachmentV25 {
        /// The server's name for the attachment, for GetAttachment.
        pub att_name: opt CompactString = Email::AttName,
        /// Its size in bytes.
        pub att_size: opt u32 = Email::AttSize,
        /// The attachment's object id (spelt `Att0id` in MS-ASWBXML).
        pub att_oid: opt CompactString = Email::Att0id,
        /// How it is attached: 1 regular, 5 embedded message, 6 OLE object.
        pub att_method: opt u8 = Email::AttMethod,
        /// Its file name as shown to the user.
        pub display_name: opt CompactString = Email::DisplayName,
    }
}

wire_struct! {
    /// `MeetingRequest`: the meeting a meeting request or cancellation is about
    /// (MS-ASEMAIL 2.2.2.48).
    ///
    /// Order as Exchange writes it, then the 16.x elements as the schema lists them.
    pub struct MeetingRequest {
        /// Whether the meeting lasts whole days (0 or 1).
        pub all_day_event: opt u8 = Email::AllDayEvent,
        /// Start, in UTC (`2010-05-03T16:00:00.000Z`).
        pub start_time: opt CompactString = Email::StartTime,
        /// When the request was created.
        pub dt_stamp: opt CompactString = Email::DtStamp,
        /// End, in UTC.
        pub end_time: opt CompactString = Email::EndTime,
        /// 0 single, 1 recurring master, 2 single instance of a series, 3 exception.
        pub instance_type: opt u8 = Email::InstanceType,
        /// Where the meeting takes place (until 14.1).
        pub location: opt CompactString = Email::Location,
        /// Where the meeting takes place (16.0+).
        pub location_v16: opt Location = AirSyncBase::Location,
        /// The organizer's address.
        pub organizer: opt CompactString = Email::Organizer,
        /// Start of the instance, when the request is about one instance of a series.
        pub recurrence_id: opt CompactString = Email::RecurrenceId,
        /// Reminder, in seconds before the start.
        pub reminder: opt u32 = Email::Reminder,
        /// Whether the organizer asks for a response (0 or 1).
        pub response_requested: opt u8 = Email::ResponseRequested,
        /// The series' recurrence.
        pub recurrences: opt MeetingRecurrences = Email::Recurrences,
        /// 0 normal, 1 personal, 2 private, 3 confidential.
        pub sensitivity: opt u8 = Email::Sensitivity,
        /// 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
        pub busy_status: opt u8 = Email::BusyStatus,
        /// The organizer's time zone, a base64 `TIME_ZONE_INFORMATION`.
        pub time_zone: opt CompactString = Email::TimeZone,
        /// The meeting's global object id, base64 (until 14.1).
        pub global_obj_id: opt CompactString = Email::GlobalObjId,
        /// Whether attendees may not propose a new time (0 or 1; 14.0+).
        pub disallow_new_time_proposal: opt u8 = Email::DisallowNewTimeProposal,
        /// 0 unspecified, 1 initial request, 2 full update, 3 informational update,
        /// 4 outdated, 5 delegator's copy, 6 delegated (14.1+).
        pub meeting_message_type: opt u8 = Email2::MeetingMessageType,
        /// The meeting's global object id (16.0+, replacing `global_obj_id`).
        pub uid: opt CompactString = Calendar::UID,
        /// The start time an attendee proposes (16.1).
        pub proposed_start_time: opt CompactString = MeetingResponse::ProposedStartTime,
        /// The end time an attendee proposes (16.1).
        pub proposed_end_time: opt CompactString = MeetingResponse::ProposedEndTime,
        /// People the request was forwarded to (16.0+).
        pub forwardees: opt Forwardees = ComposeMail::Forwardees,
    }
}

wire_struct! {
    /// `Recurrences`: the recurrence of a meeting request's series.
    pub struct MeetingRecurrences {
        /// The recurrence rules (MS-ASEMAIL allows one).
        pub recurrences: many MeetingRecurrence = Email::Recurrence,
    }
}

wire_struct! {
    /// `Recurrence` (Email): how a meeting request's series repeats (MS-ASEMAIL 2.2.2.60).
    pub struct MeetingRecurrence {
        /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth day, 5 yearly, 6 yearly on
        /// the nth day.
        pub recurrence_type: opt u8 = Email::Type,
        /// Repeat every this many periods.
        pub interval: opt u32 = Email::Interval,
        /// Last day of the series.
        pub until: opt CompactString = Email::Until,
        /// Number of occurrences.
        pub occurrences: opt u32 = Email::Occurrences,
        /// Week of the month (1–5, 5 the last).
        pub week_of_month: opt u8 = Email::WeekOfMonth,
        /// Day of the month (1–31).
        pub day_of_month: opt u8 = Email::DayOfMonth,
        /// Days of the week, a bit mask (1 Sunday … 64 Saturday).
        pub day_of_week: opt u8 = Email::DayOfWeek,
        /// Month of the year (1–12).
        pub month_of_year: opt u8 = Email::MonthOfYear,
        /// The calendar the rule counts in (0 default, 1 Gregorian, … ; 14.0+).
        pub calendar_type: opt u8 = Email2::CalendarType,
        /// Whether the rule falls in a leap month (0 or 1; 14.0+).
        pub is_leap_month: opt u8 = Email2::IsLeapMonth,
        /// First day of the week (0 Sunday … 6 Saturday; 14.1+).
        pub first_day_of_week: opt u8 = Email2::FirstDayOfWeek,
    }
}

wire_struct! {
    /// `Forwardees`: the people a meeting request was forwarded to (16.0+).
    pub struct Forwardees {
        /// The forwardees.
        pub forwardees: many Forwardee = ComposeMail::Forwardee,
    }
}

wire_struct! {
    /// `Forwardee`: one person a meeting request was forwarded to.
    pub struct Forwardee {
        /// Display name.
        pub name: opt CompactString = ComposeMail::Name,
        /// Email address.
        pub email: opt CompactString = ComposeMail::Email,
    }
}

wire_struct! {
    /// `Flag`: a message's follow-up flag (MS-ASEMAIL 2.2.2.34; 12.0+). An empty `Flag`
    /// clears it. The dates and reminder are Tasks-page elements.
    pub struct Flag {
        /// The flag's task subject.
        pub subject: opt CompactString = Tasks::Subject,
        /// 0 cleared, 1 complete, 2 active.
        pub status: opt u8 = Email::Status,
        /// The flag's label (`Flag for follow up`).
        pub flag_type: opt CompactString = Email::FlagType,
        /// When the flagged task was completed.
        pub date_completed: opt CompactString = Tasks::DateCompleted,
        /// When the flag was marked complete.
        pub complete_time: opt CompactString = Email::CompleteTime,
        /// Start date, local time.
        pub start_date: opt CompactString = Tasks::StartDate,
        /// Due date, local time.
        pub due_date: opt CompactString = Tasks::DueDate,
        /// Start date, UTC.
        pub utc_start_date: opt CompactString = Tasks::UtcStartDate,
        /// Due date, UTC.
        pub utc_due_date: opt CompactString = Tasks::UtcDueDate,
        /// Whether a reminder is set (0 or 1).
        pub reminder_set: opt u8 = Tasks::ReminderSet,
        /// When the reminder fires.
        pub reminder_time: opt CompactString = Tasks::ReminderTime,
        /// When the flag was set, for ordering.
        pub ordinal_date: opt CompactString = Tasks::OrdinalDate,
        /// Secondary sort key among flags with the same `ordinal_date`.
        pub sub_ordinal_date: opt CompactString = Tasks::SubOrdinalDate,
    }
}
