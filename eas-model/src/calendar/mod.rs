//! Appointments (MS-ASCAL) and their iCalendar (RFC 5545) and iTIP (RFC 5546) forms.
//!
//! [`Appointment`] is the meaning of a calendar item: instants in UTC plus the zone the event
//! lives in (so a weekly 09:00 meeting stays at 09:00 across DST), or whole days for all-day
//! events. It converts to and from
//! - a VEVENT (with its overrides) — [`Appointment::from_icalendar`] / [`Appointment::to_icalendar`];
//! - the EAS wire item `eas_codec::data::calendar::Calendar` for a protocol version
//!   ([`Appointment::from_wire`] / [`Appointment::to_wire`]);
//! - iTIP replies, counters and cancellations ([`itip`]).
//!
//! Only what EAS can carry is modelled: a recurrence is an EAS [`Recurrence`], and an RRULE it
//! cannot express is refused with [`ModelError::ICalendar`] rather than silently changed.

mod ical;
pub mod itip;
mod recurrence;
mod wire;

use chrono::{DateTime, NaiveDate, Utc};

pub(crate) use ical::Invitation;
pub use recurrence::{DaySet, Pattern, Recurrence, RecurrenceEnd};

use crate::ModelError;

/// When an appointment (or one occurrence) takes place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum When {
    /// A timed event: instants in UTC. The appointment's zone says which wall clock they
    /// were set on (and which wall clock the recurrence follows).
    Timed {
        /// Start instant.
        start: DateTime<Utc>,
        /// End instant (not before `start`).
        end: DateTime<Utc>,
    },
    /// An all-day event: whole calendar days, the same dates in every zone.
    AllDay {
        /// The first day.
        start: NaiveDate,
        /// The day after the last one (exclusive, as iCalendar's DTEND;VALUE=DATE).
        end: NaiveDate,
    },
}

impl When {
    /// The start as a UTC instant: for all-day events, midnight of the first day in `tz`.
    pub fn start_utc(&self, tz: chrono_tz::Tz) -> DateTime<Utc> {
        match *self {
            When::Timed { start, .. } => start,
            When::AllDay { start, .. } => local_midnight(tz, start),
        }
    }

    /// The end as a UTC instant: for all-day events, midnight of the end day in `tz`.
    pub fn end_utc(&self, tz: chrono_tz::Tz) -> DateTime<Utc> {
        match *self {
            When::Timed { end, .. } => end,
            When::AllDay { end, .. } => local_midnight(tz, end),
        }
    }

    /// Whether this is an all-day event.
    pub fn is_all_day(&self) -> bool {
        matches!(self, When::AllDay { .. })
    }
}

/// A wall-clock time in `tz` as UTC. A time in a DST gap is moved forward by the gap (02:30 on
/// a spring-forward day becomes 03:30), and an ambiguous time takes the first (daylight)
/// instant — what Windows and most calendar programs do.
pub(crate) fn local_to_utc(tz: chrono_tz::Tz, local: chrono::NaiveDateTime) -> DateTime<Utc> {
    use chrono::{LocalResult, TimeZone};
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => {
            // Resolve with the offset in force just before the gap: that moves the wall-clock
            // time forward by the gap's length.
            let probe = local.and_utc() - chrono::Duration::hours(24);
            let before = tz.offset_from_utc_datetime(&probe.naive_utc());
            use chrono::Offset;
            let off = before.fix().local_minus_utc();
            (local - chrono::Duration::seconds(i64::from(off))).and_utc()
        }
    }
}

/// Midnight at the start of `day` in `tz`, as UTC (a zone that skips midnight gives the first
/// instant of the day).
pub(crate) fn local_midnight(tz: chrono_tz::Tz, day: NaiveDate) -> DateTime<Utc> {
    local_to_utc(tz, day.and_time(chrono::NaiveTime::MIN))
}

/// A person: the organizer, or an attendee's address and name.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Person {
    /// Display name.
    pub name: Option<String>,
    /// Address (without `mailto:`).
    pub email: String,
}

/// An attendee's role (MS-ASCAL AttendeeType).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttendeeType {
    /// 1: a required attendee (iCalendar ROLE=REQ-PARTICIPANT).
    #[default]
    Required,
    /// 2: an optional attendee (ROLE=OPT-PARTICIPANT).
    Optional,
    /// 3: a resource such as a room (CUTYPE=RESOURCE).
    Resource,
}

/// An attendee's answer (MS-ASCAL AttendeeStatus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AttendeeStatus {
    /// 0: not known (no PARTSTAT).
    #[default]
    Unknown,
    /// 2: tentative.
    Tentative,
    /// 3: accepted.
    Accepted,
    /// 4: declined.
    Declined,
    /// 5: not responded (PARTSTAT=NEEDS-ACTION).
    NotResponded,
}

/// One attendee of a meeting.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Attendee {
    /// Who.
    pub person: Person,
    /// Required, optional or resource.
    pub kind: AttendeeType,
    /// Their answer.
    pub status: AttendeeStatus,
}

/// Who may see the item (MS-ASCAL Sensitivity; iCalendar CLASS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sensitivity {
    /// 0 (CLASS:PUBLIC).
    Normal,
    /// 1 (CLASS:X-PERSONAL: iCalendar has no "personal", and an x-name keeps it distinct
    /// from private instead of resetting it — Scalix bug 20364).
    Personal,
    /// 2 (CLASS:PRIVATE).
    Private,
    /// 3 (CLASS:CONFIDENTIAL).
    Confidential,
}

/// How the time shows in free/busy (MS-ASCAL BusyStatus; X-MICROSOFT-CDO-BUSYSTATUS).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BusyStatus {
    /// 0.
    Free,
    /// 1.
    Tentative,
    /// 2.
    Busy,
    /// 3: out of office.
    OutOfOffice,
    /// 4: working elsewhere.
    WorkingElsewhere,
}

/// Whether the item is a meeting and whose (MS-ASCAL MeetingStatus, bits 1/2/4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MeetingStatus {
    /// 0: an appointment, no attendees.
    #[default]
    Appointment,
    /// 1: a meeting the user organizes.
    Organizer,
    /// 3: a meeting the user was invited to.
    Received,
    /// 5: a meeting the user organized, cancelled.
    Cancelled,
    /// 7: a meeting the user was invited to, cancelled by its organizer.
    CancelledReceived,
}

impl MeetingStatus {
    /// The wire value.
    pub fn to_wire(self) -> u8 {
        match self {
            MeetingStatus::Appointment => 0,
            MeetingStatus::Organizer => 1,
            MeetingStatus::Received => 3,
            MeetingStatus::Cancelled => 5,
            MeetingStatus::CancelledReceived => 7,
        }
    }

    /// From the wire value: 9, 11, 13 and 15 mean the same as 1, 3, 5 and 7 (MS-ASCAL).
    pub fn from_wire(v: u8) -> Result<Self, ModelError> {
        Ok(match v {
            0 => MeetingStatus::Appointment,
            1 | 9 => MeetingStatus::Organizer,
            3 | 11 => MeetingStatus::Received,
            5 | 13 => MeetingStatus::Cancelled,
            7 | 15 => MeetingStatus::CancelledReceived,
            _ => {
                return Err(ModelError::InvalidField {
                    field: "MeetingStatus",
                    reason: format!("{v} is not a meeting status"),
                });
            }
        })
    }

    /// Whether the meeting was cancelled.
    pub fn is_cancelled(self) -> bool {
        matches!(
            self,
            MeetingStatus::Cancelled | MeetingStatus::CancelledReceived
        )
    }

    /// The cancelled form of this status.
    pub fn cancelled(self) -> Self {
        match self {
            MeetingStatus::Received | MeetingStatus::CancelledReceived => {
                MeetingStatus::CancelledReceived
            }
            _ => MeetingStatus::Cancelled,
        }
    }
}

/// One occurrence of a series that is deleted or differs from the series. Fields left `None`
/// take the series' values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Exception {
    /// The occurrence's original start (RECURRENCE-ID, ExceptionStartTime, InstanceId); for
    /// an all-day series, midnight of the original day in the series' zone.
    pub original_start: DateTime<Utc>,
    /// Whether the occurrence is deleted (EXDATE; Deleted = 1).
    pub deleted: bool,
    /// New time.
    pub when: Option<When>,
    /// New subject.
    pub summary: Option<String>,
    /// New location.
    pub location: Option<String>,
    /// New body.
    pub body: Option<String>,
    /// New attendees.
    pub attendees: Option<Vec<Attendee>>,
    /// New categories.
    pub categories: Option<Vec<String>>,
    /// New sensitivity.
    pub sensitivity: Option<Sensitivity>,
    /// New busy status.
    pub busy_status: Option<BusyStatus>,
    /// New reminder.
    pub reminder_minutes: Option<u32>,
    /// New meeting status (a cancelled occurrence of a meeting).
    pub meeting_status: Option<MeetingStatus>,
    /// When the exception was last changed.
    pub dtstamp: Option<DateTime<Utc>>,
}

impl Exception {
    /// A deleted occurrence.
    pub fn deleted(original_start: DateTime<Utc>) -> Self {
        Exception {
            deleted: true,
            ..Exception::modified(original_start)
        }
    }

    /// An occurrence with nothing changed yet.
    pub fn modified(original_start: DateTime<Utc>) -> Self {
        Exception {
            original_start,
            deleted: false,
            when: None,
            summary: None,
            location: None,
            body: None,
            attendees: None,
            categories: None,
            sensitivity: None,
            busy_status: None,
            reminder_minutes: None,
            meeting_status: None,
            dtstamp: None,
        }
    }
}

/// A calendar item: an appointment or a meeting, possibly recurring.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Appointment {
    /// The iCalendar UID / EAS UID (global object id).
    pub uid: Option<String>,
    /// The subject.
    pub summary: Option<String>,
    /// Where.
    pub location: Option<String>,
    /// The description as plain text, line breaks kept (`\n`).
    pub body: Option<String>,
    /// When.
    pub when: When,
    /// The zone the event was set in; the recurrence follows its wall clock.
    pub tz: chrono_tz::Tz,
    /// The organizer of a meeting.
    pub organizer: Option<Person>,
    /// The attendees of a meeting.
    pub attendees: Vec<Attendee>,
    /// Who may see it; `None` when the source did not say.
    pub sensitivity: Option<Sensitivity>,
    /// Free/busy; `None` when the source did not say (Scalix bug 20901: that must work).
    pub busy_status: Option<BusyStatus>,
    /// Reminder, minutes before the start.
    pub reminder_minutes: Option<u32>,
    /// Appointment or meeting, and cancelled or not.
    pub meeting_status: MeetingStatus,
    /// Whether the organizer asks for answers.
    pub response_requested: Option<bool>,
    /// Categories.
    pub categories: Vec<String>,
    /// How it repeats.
    pub recurrence: Option<Recurrence>,
    /// Deleted and changed occurrences.
    pub exceptions: Vec<Exception>,
    /// When the item was created or last changed (DTSTAMP).
    pub dtstamp: Option<DateTime<Utc>>,
    /// The iCalendar SEQUENCE (revision of a meeting), 0 when absent.
    pub sequence: u32,
}

impl Appointment {
    /// A plain appointment with only a time set.
    pub fn new(when: When, tz: chrono_tz::Tz) -> Self {
        Appointment {
            uid: None,
            summary: None,
            location: None,
            body: None,
            when,
            tz,
            organizer: None,
            attendees: Vec::new(),
            sensitivity: None,
            busy_status: None,
            reminder_minutes: None,
            meeting_status: MeetingStatus::Appointment,
            response_requested: None,
            categories: Vec::new(),
            recurrence: None,
            exceptions: Vec::new(),
            dtstamp: None,
            sequence: 0,
        }
    }
}
