//! The Calendar class (MS-ASCAL): code page 4, with the AirSyncBase body, attachments,
//! location and instance id.
//!
//! Field order is Exchange's as the MS-ASCMD captures and Exchange's Search responses show
//! it: Timezone, DtStamp, StartTime, Subject, UID, OrganizerName, OrganizerEmail, Attendees,
//! Location, EndTime, Recurrence, Body, Sensitivity, BusyStatus, AllDayEvent, Reminder,
//! Exceptions, MeetingStatus, NativeBodyType, DisallowNewTimeProposal, ResponseRequested,
//! ResponseType. A 16.1 capture (sync*gw's, from Outlook.com) agrees except that it writes
//! AllDayEvent first; Horde's test data uses an order of its own. Exchange's order is kept.

use super::airsyncbase::{Attachments, Body, Location};
use crate::CompactString;
use crate::wire_struct;

wire_struct! {
    /// A Calendar-class item: an appointment or meeting.
    pub struct Calendar {
        /// The time zone, a base64 `TIME_ZONE_INFORMATION`.
        pub timezone: opt CompactString = Calendar::Timezone,
        /// When the item was created or last changed (`20111201T200000Z`).
        pub dt_stamp: opt CompactString = Calendar::DtStamp,
        /// Start, in UTC.
        pub start_time: opt CompactString = Calendar::StartTime,
        /// The subject.
        pub subject: opt CompactString = Calendar::Subject,
        /// The meeting's global object id (up to 300 characters).
        pub uid: opt CompactString = Calendar::UID,
        /// The client's id of an item it created (16.0+).
        pub client_uid: opt CompactString = Calendar::ClientUid,
        /// The organizer's display name.
        pub organizer_name: opt CompactString = Calendar::OrganizerName,
        /// The organizer's address.
        pub organizer_email: opt CompactString = Calendar::OrganizerEmail,
        /// The attendees.
        pub attendees: opt Attendees = Calendar::Attendees,
        /// Where the meeting takes place (until 14.1).
        pub location: opt CompactString = Calendar::Location,
        /// Where the meeting takes place (16.0+).
        pub location_v16: opt Location = AirSyncBase::Location,
        /// End, in UTC.
        pub end_time: opt CompactString = Calendar::EndTime,
        /// How the item repeats.
        pub recurrence: opt CalendarRecurrence = Calendar::Recurrence,
        /// The body as plain text (2.5).
        pub body_v25: opt CompactString = Calendar::Body,
        /// Whether `body_v25` was truncated (2.5).
        pub body_truncated: opt bool = Calendar::BodyTruncated,
        /// The attachments (16.0+).
        pub attachments: opt Attachments = AirSyncBase::Attachments,
        /// The body (12.0+).
        pub body: opt Body = AirSyncBase::Body,
        /// The categories.
        pub categories: opt CalendarCategories = Calendar::Categories,
        /// 0 normal, 1 personal, 2 private, 3 confidential.
        pub sensitivity: opt u8 = Calendar::Sensitivity,
        /// 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
        pub busy_status: opt u8 = Calendar::BusyStatus,
        /// Whether the item lasts whole days (0 or 1).
        pub all_day_event: opt u8 = Calendar::AllDayEvent,
        /// Reminder, in minutes before the start.
        pub reminder: opt u32 = Calendar::Reminder,
        /// Instances of the series that differ from the rule.
        pub exceptions: opt Exceptions = Calendar::Exceptions,
        /// Meeting status: 0 appointment, 1 meeting (organizer), 3 meeting received, 5/7
        /// cancelled …
        pub meeting_status: opt u8 = Calendar::MeetingStatus,
        /// The format the body is stored in on the server: 1 text, 2 HTML, 3 RTF (12.0+).
        pub native_body_type: opt u8 = AirSyncBase::NativeBodyType,
        /// Whether attendees may not propose a new time (14.0+).
        pub disallow_new_time_proposal: opt bool = Calendar::DisallowNewTimeProposal,
        /// Whether the organizer asks for responses (14.0+).
        pub response_requested: opt bool = Calendar::ResponseRequested,
        /// When the user last responded (14.0+).
        pub appointment_reply_time: opt CompactString = Calendar::AppointmentReplyTime,
        /// The user's response: 0 none, 1 organizer, 2 tentative, 3 accepted, 4 declined,
        /// 5 not responded (14.0+).
        pub response_type: opt u32 = Calendar::ResponseType,
        /// Link to join the online meeting (14.1+).
        pub online_meeting_conf_link: opt CompactString = Calendar::OnlineMeetingConfLink,
        /// Link to join the online meeting from outside the organization (14.1+).
        pub online_meeting_external_link: opt CompactString = Calendar::OnlineMeetingExternalLink,
    }
}

wire_struct! {
    /// `Categories` (Calendar): the categories of an appointment or exception.
    pub struct CalendarCategories {
        /// The category names.
        pub categories: many CompactString = Calendar::Category,
    }
}

wire_struct! {
    /// `Attendees`: the attendees of a meeting or exception.
    pub struct Attendees {
        /// The attendees.
        pub attendees: many Attendee = Calendar::Attendee,
    }
}

wire_struct! {
    /// `Attendee`: one attendee of a meeting (MS-ASCAL 2.2.2.4).
    pub struct Attendee {
        /// The attendee's address.
        pub email: opt CompactString = Calendar::Email,
        /// The attendee's display name.
        pub name: opt CompactString = Calendar::Name,
        /// 0 unknown, 2 tentative, 3 accepted, 4 declined, 5 not responded (12.0+).
        pub attendee_status: opt u8 = Calendar::AttendeeStatus,
        /// 1 required, 2 optional, 3 resource (12.0+).
        pub attendee_type: opt u8 = Calendar::AttendeeType,
        /// The start time the attendee proposes (16.1).
        pub proposed_start_time: opt CompactString = MeetingResponse::ProposedStartTime,
        /// The end time the attendee proposes (16.1).
        pub proposed_end_time: opt CompactString = MeetingResponse::ProposedEndTime,
    }
}

wire_struct! {
    /// `Recurrence` (Calendar): how an appointment repeats (MS-ASCAL 2.2.2.37).
    pub struct CalendarRecurrence {
        /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth day, 5 yearly, 6 yearly on
        /// the nth day.
        pub recurrence_type: opt u8 = Calendar::Type,
        /// Repeat every this many periods (0–999).
        pub interval: opt u32 = Calendar::Interval,
        /// Last day of the series.
        pub until: opt CompactString = Calendar::Until,
        /// Number of occurrences.
        pub occurrences: opt u32 = Calendar::Occurrences,
        /// Week of the month (1–5, 5 the last).
        pub week_of_month: opt u8 = Calendar::WeekOfMonth,
        /// Day of the month (1–31).
        pub day_of_month: opt u8 = Calendar::DayOfMonth,
        /// Days of the week, a bit mask (1 Sunday … 64 Saturday, 127 the last day of the
        /// month).
        pub day_of_week: opt u8 = Calendar::DayOfWeek,
        /// Month of the year (1–12).
        pub month_of_year: opt u8 = Calendar::MonthOfYear,
        /// The calendar the rule counts in (0 default, 1 Gregorian, …; 14.0+).
        pub calendar_type: opt u8 = Calendar::CalendarType,
        /// Whether the rule falls in a leap month (0 or 1; 14.0+).
        pub is_leap_month: opt u8 = Calendar::IsLeapMonth,
        /// First day of the week (0 Sunday … 6 Saturday; 14.1+).
        pub first_day_of_week: opt u8 = Calendar::FirstDayOfWeek,
    }
}

wire_struct! {
    /// `Exceptions`: the instances of a series that differ from its rule.
    pub struct Exceptions {
        /// The exceptions.
        pub exceptions: many Exception = Calendar::Exception,
    }
}

wire_struct! {
    /// `Exception`: one instance of a series that is deleted or changed (MS-ASCAL 2.2.2.21).
    /// Fields absent here take the series' values.
    ///
    /// Order: Exchange's (DtStamp, StartTime, EndTime, Location, Body, Categories,
    /// ExceptionStartTime, BusyStatus, AppointmentReplyTime, ResponseType), with `Deleted` and
    /// the 16.x `InstanceId` first as a 16.1 capture has them.
    pub struct Exception {
        /// Whether the instance is deleted (1).
        pub deleted: opt u8 = Calendar::Deleted,
        /// The original start of the instance (16.0+, replacing `exception_start_time`).
        pub instance_id: opt CompactString = AirSyncBase::InstanceId,
        /// When the exception was created or last changed.
        pub dt_stamp: opt CompactString = Calendar::DtStamp,
        /// Start of the instance, in UTC.
        pub start_time: opt CompactString = Calendar::StartTime,
        /// The instance's subject.
        pub subject: opt CompactString = Calendar::Subject,
        /// Where the instance takes place (until 14.1).
        pub location: opt CompactString = Calendar::Location,
        /// Where the instance takes place (16.0+).
        pub location_v16: opt Location = AirSyncBase::Location,
        /// End of the instance, in UTC.
        pub end_time: opt CompactString = Calendar::EndTime,
        /// The instance's body as plain text (2.5).
        pub body_v25: opt CompactString = Calendar::Body,
        /// Whether `body_v25` was truncated (2.5).
        pub body_truncated: opt bool = Calendar::BodyTruncated,
        /// The instance's attachments (16.0+).
        pub attachments: opt Attachments = AirSyncBase::Attachments,
        /// The instance's body (12.0+).
        pub body: opt Body = AirSyncBase::Body,
        /// The instance's categories.
        pub categories: opt CalendarCategories = Calendar::Categories,
        /// The original start of the instance (until 14.1).
        pub exception_start_time: opt CompactString = Calendar::ExceptionStartTime,
        /// 0 normal, 1 personal, 2 private, 3 confidential.
        pub sensitivity: opt u8 = Calendar::Sensitivity,
        /// 0 free, 1 tentative, 2 busy, 3 out of office, 4 working elsewhere.
        pub busy_status: opt u8 = Calendar::BusyStatus,
        /// Whether the instance lasts whole days (0 or 1).
        pub all_day_event: opt u8 = Calendar::AllDayEvent,
        /// Reminder, in minutes before the start.
        pub reminder: opt u32 = Calendar::Reminder,
        /// The instance's meeting status.
        pub meeting_status: opt u8 = Calendar::MeetingStatus,
        /// The instance's attendees.
        pub attendees: opt Attendees = Calendar::Attendees,
        /// When the user last responded to the instance (14.0+).
        pub appointment_reply_time: opt CompactString = Calendar::AppointmentReplyTime,
        /// The user's response to the instance (14.0+).
        pub response_type: opt u32 = Calendar::ResponseType,
        /// Link to join the instance's online meeting (14.1+).
        pub online_meeting_conf_link: opt CompactString = Calendar::OnlineMeetingConfLink,
        /// External link to join the instance's online meeting (14.1+).
        pub online_meeting_external_link: opt CompactString = Calendar::OnlineMeetingExternalLink,
    }
}
