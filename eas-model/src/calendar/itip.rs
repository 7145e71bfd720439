//! iTIP (RFC 5546): the REPLY or COUNTER an attendee's MeetingResponse sends to the
//! organizer, how the organizer's store treats an incoming REPLY, and CANCEL.
//!
//! A reply carries the attendee's PARTSTAT, the invitation's UID and SEQUENCE, and a DTSTAMP
//! of when the answer was given (`now`, a parameter: nothing here reads a clock). RFC 5546
//! 2.1.5 orders replies by SEQUENCE and then DTSTAMP; a repeated answer with the same
//! SEQUENCE and PARTSTAT is a duplicate (devices resend MeetingResponse after a lost reply).

use chrono::{DateTime, Utc};

use super::ical::parse_calendar;
use super::{Appointment, AttendeeStatus, Exception, When};
use calcard::icalendar::{ICalendarComponentType, ICalendarProperty};

use crate::ModelError;

/// The user's answer (MS-ASCMD MeetingResponse UserResponse 1, 2, 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Response {
    /// 1: accepted.
    Accept,
    /// 2: tentatively accepted.
    Tentative,
    /// 3: declined.
    Decline,
}

impl Response {
    /// The attendee status it sets.
    pub fn status(self) -> AttendeeStatus {
        match self {
            Response::Accept => AttendeeStatus::Accepted,
            Response::Tentative => AttendeeStatus::Tentative,
            Response::Decline => AttendeeStatus::Declined,
        }
    }

    /// From MeetingResponse's UserResponse value.
    pub fn from_wire(v: u8) -> Result<Self, ModelError> {
        match v {
            1 => Ok(Response::Accept),
            2 => Ok(Response::Tentative),
            3 => Ok(Response::Decline),
            _ => Err(ModelError::InvalidField {
                field: "UserResponse",
                reason: format!("{v} is not 1-3"),
            }),
        }
    }
}

/// A new time an attendee proposes (MeetingResponse ProposedStartTime/EndTime, 16.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProposedTime {
    /// Proposed start.
    pub start: DateTime<Utc>,
    /// Proposed end.
    pub end: DateTime<Utc>,
}

/// The iCalendar an attendee sends the organizer: METHOD:REPLY with the attendee's PARTSTAT,
/// or METHOD:COUNTER with the proposed time when there is one. `attendee` is the user's
/// address; `now` becomes DTSTAMP. `occurrence` answers one occurrence of a series
/// (RECURRENCE-ID) instead of the whole series.
pub fn reply(
    invitation: &Appointment,
    attendee: &str,
    response: Response,
    proposed: Option<ProposedTime>,
    occurrence: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<String, ModelError> {
    if invitation.uid.is_none() {
        return Err(ModelError::ICalendar("invitation without UID".into()));
    }
    if invitation.organizer.is_none() {
        return Err(ModelError::ICalendar("invitation without ORGANIZER".into()));
    }
    let mut me = invitation
        .attendees
        .iter()
        .find(|a| a.person.email.eq_ignore_ascii_case(attendee))
        .cloned()
        .unwrap_or_else(|| super::Attendee {
            person: super::Person {
                name: None,
                email: attendee.to_string(),
            },
            ..Default::default()
        });
    me.status = response.status();
    let mut r = invitation.clone();
    r.attendees = vec![me];
    r.dtstamp = Some(now);
    r.body = None;
    r.reminder_minutes = None;
    r.response_requested = None;
    r.exceptions.clear();
    r.meeting_status = super::MeetingStatus::Received;
    if let Some(p) = proposed
        && p.end < p.start
    {
        return Err(ModelError::InvalidField {
            field: "ProposedEndTime",
            reason: "before ProposedStartTime".into(),
        });
    }
    let method = Some(if proposed.is_some() {
        "COUNTER"
    } else {
        "REPLY"
    });
    match occurrence {
        Some(orig) => {
            // One occurrence: an override VEVENT only (RFC 5546 3.2.3).
            let mut ex = Exception::modified(orig);
            ex.when = proposed.map(|p| When::Timed {
                start: p.start,
                end: p.end,
            });
            ex.dtstamp = Some(now);
            r.exceptions.push(ex);
            Ok(r.write_calendar(method, false))
        }
        None => {
            if let Some(p) = proposed {
                r.when = When::Timed {
                    start: p.start,
                    end: p.end,
                };
            }
            Ok(r.to_icalendar(Some(if proposed.is_some() {
                "COUNTER"
            } else {
                "REPLY"
            })))
        }
    }
}

/// What the organizer's store should do with an incoming REPLY.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    /// A new answer: apply it.
    Apply,
    /// The same answer again for the same SEQUENCE: nothing to do.
    Duplicate,
    /// An answer to an older revision, or older than the one applied: ignore it.
    Stale,
}

/// The last reply applied for one attendee, kept by the organizer's store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedReply {
    /// The attendee's address.
    pub attendee: String,
    /// The SEQUENCE the reply answered.
    pub sequence: u32,
    /// The reply's DTSTAMP.
    pub dtstamp: Option<DateTime<Utc>>,
    /// The answer.
    pub status: AttendeeStatus,
}

/// A parsed REPLY: who answered what, to which revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncomingReply {
    /// The meeting's UID.
    pub uid: String,
    /// The attendee who answered, with their PARTSTAT.
    pub answer: AppliedReply,
}

/// The mail an attendee's answer goes out in (MeetingResponse with `SendResponse`, 16.x):
/// `text/plain` with the user's note (or a line saying the answer), and the iCalendar
/// [`reply`] as `text/calendar; method=REPLY` (or COUNTER). From `attendee` to the organizer.
/// `message_id` is the Message-ID without angle brackets.
#[allow(clippy::too_many_arguments)]
pub fn reply_mail(
    invitation: &Appointment,
    attendee: &str,
    attendee_name: Option<&str>,
    response: Response,
    proposed: Option<ProposedTime>,
    occurrence: Option<DateTime<Utc>>,
    note: Option<&str>,
    now: DateTime<Utc>,
    message_id: &str,
) -> Result<Vec<u8>, ModelError> {
    use mail_builder::MessageBuilder;
    use mail_builder::headers::address::Address;
    use mail_builder::mime::MimePart;

    let ical = reply(invitation, attendee, response, proposed, occurrence, now)?;
    let organizer = invitation
        .organizer
        .as_ref()
        .ok_or_else(|| ModelError::ICalendar("invitation without ORGANIZER".into()))?;
    let verb = match (response, proposed.is_some()) {
        (_, true) => "New Time Proposed",
        (Response::Accept, _) => "Accepted",
        (Response::Tentative, _) => "Tentative",
        (Response::Decline, _) => "Declined",
    };
    let subject = format!("{verb}: {}", invitation.summary.as_deref().unwrap_or(""));
    let text = match note.map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.to_string(),
        None => format!("{verb}: {}", invitation.summary.as_deref().unwrap_or("")),
    };
    let method = if proposed.is_some() {
        "COUNTER"
    } else {
        "REPLY"
    };
    let from = match attendee_name {
        Some(name) => Address::new_address(Some(name.to_string()), attendee.to_string()),
        None => Address::new_address(None::<String>, attendee.to_string()),
    };
    let to = Address::new_address(organizer.name.clone(), organizer.email.clone());
    let body = MimePart::new(
        "multipart/alternative",
        vec![
            MimePart::new("text/plain; charset=utf-8", text),
            MimePart::new(
                format!("text/calendar; charset=utf-8; method={method}"),
                ical,
            ),
        ],
    );
    let message = MessageBuilder::new()
        .from(from)
        .to(to)
        .subject(subject)
        .date(now.timestamp())
        .message_id(message_id.to_string())
        .body(body);
    message
        .write_to_vec()
        .map_err(|e| ModelError::Mime(e.to_string()))
}

/// Read a METHOD:REPLY object.
pub fn parse_reply(text: &str) -> Result<IncomingReply, ModelError> {
    let a = Appointment::from_icalendar(text, None)?;
    let uid = a
        .uid
        .clone()
        .ok_or_else(|| ModelError::ICalendar("REPLY without UID".into()))?;
    let who = a
        .attendees
        .first()
        .ok_or_else(|| ModelError::ICalendar("REPLY without ATTENDEE".into()))?;
    Ok(IncomingReply {
        uid,
        answer: AppliedReply {
            attendee: who.person.email.clone(),
            sequence: a.sequence,
            dtstamp: a.dtstamp,
            status: who.status,
        },
    })
}

/// Decide what to do with `incoming` given the stored meeting and the last reply applied for
/// the same attendee (if the store keeps one).
pub fn classify_reply(
    stored: &Appointment,
    last: Option<&AppliedReply>,
    incoming: &IncomingReply,
) -> Result<Disposition, ModelError> {
    if stored.uid.as_deref() != Some(incoming.uid.as_str()) {
        return Err(ModelError::ICalendar(
            "REPLY for another meeting (UID differs)".into(),
        ));
    }
    let r = &incoming.answer;
    if r.sequence < stored.sequence {
        return Ok(Disposition::Stale);
    }
    let last = last.filter(|l| l.attendee.eq_ignore_ascii_case(&r.attendee));
    if let Some(l) = last {
        if r.sequence < l.sequence {
            return Ok(Disposition::Stale);
        }
        if r.sequence == l.sequence {
            if r.status == l.status {
                return Ok(Disposition::Duplicate);
            }
            if let (Some(new), Some(old)) = (r.dtstamp, l.dtstamp)
                && new < old
            {
                return Ok(Disposition::Stale);
            }
        }
        return Ok(Disposition::Apply);
    }
    let current = stored
        .attendees
        .iter()
        .find(|a| a.person.email.eq_ignore_ascii_case(&r.attendee))
        .map(|a| a.status);
    if current == Some(r.status) && r.sequence == stored.sequence {
        return Ok(Disposition::Duplicate);
    }
    Ok(Disposition::Apply)
}

/// Set the attendee's status from a reply (after [`classify_reply`] said Apply). An attendee
/// not invited (a delegate, a forward) is added.
pub fn apply_reply(stored: &mut Appointment, incoming: &IncomingReply) {
    let r = &incoming.answer;
    match stored
        .attendees
        .iter_mut()
        .find(|a| a.person.email.eq_ignore_ascii_case(&r.attendee))
    {
        Some(a) => a.status = r.status,
        None => stored.attendees.push(super::Attendee {
            person: super::Person {
                name: None,
                email: r.attendee.clone(),
            },
            status: r.status,
            ..Default::default()
        }),
    }
}

/// The organizer's METHOD:CANCEL for the whole meeting, or for one occurrence (its original
/// start). The times stay the meeting's own, so a device shows the right "when" for what was
/// cancelled (Scalix bug 19796). SEQUENCE is raised by one.
pub fn cancel(
    meeting: &Appointment,
    occurrence: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let mut c = meeting.clone();
    c.sequence = c.sequence.saturating_add(1);
    c.dtstamp = Some(now);
    c.reminder_minutes = None;
    c.meeting_status = c.meeting_status.cancelled();
    match occurrence {
        None => {
            c.exceptions.clear();
            c.to_icalendar(Some("CANCEL"))
        }
        Some(orig) => {
            c.meeting_status = meeting.meeting_status;
            let mut ex = Exception::modified(orig);
            ex.meeting_status = Some(meeting.meeting_status.cancelled());
            ex.dtstamp = Some(now);
            c.exceptions = vec![ex];
            // The override only: a CANCEL with the series VEVENT would cancel it all.
            c.write_calendar(Some("CANCEL"), false)
        }
    }
}

/// The iCalendar a forwarded meeting carries (SmartForward of a calendar item):
/// METHOD:REQUEST for the whole meeting, or, for one occurrence (its original start), only
/// that occurrence's override, so the recipient's copy of the series is not replaced.
pub fn forward_request(
    meeting: &Appointment,
    occurrence: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> String {
    let mut c = meeting.clone();
    c.dtstamp = Some(now);
    c.reminder_minutes = None;
    match occurrence {
        None => c.to_icalendar(Some("REQUEST")),
        Some(orig) => {
            // A changed occurrence goes as changed; any other as the series has it.
            let mut ex = meeting
                .exceptions
                .iter()
                .find(|e| e.original_start == orig && !e.deleted)
                .cloned()
                .unwrap_or_else(|| Exception::modified(orig));
            ex.dtstamp = Some(now);
            c.exceptions = vec![ex];
            c.write_calendar(Some("REQUEST"), false)
        }
    }
}

/// Apply an incoming METHOD:CANCEL to the attendee's copy: the meeting is marked cancelled,
/// or the occurrence named by RECURRENCE-ID becomes a deleted exception. A CANCEL for an
/// older SEQUENCE is [`Disposition::Stale`] and changes nothing.
pub fn apply_cancel(stored: &mut Appointment, text: &str) -> Result<Disposition, ModelError> {
    let cal = parse_calendar(text)?;
    let resolver = cal.build_tz_resolver();
    let ev = cal
        .components
        .iter()
        .find(|c| c.component_type == ICalendarComponentType::VEvent)
        .ok_or_else(|| ModelError::ICalendar("CANCEL without VEVENT".into()))?;
    if ev.uid() != stored.uid.as_deref() {
        return Err(ModelError::ICalendar(
            "CANCEL for another meeting (UID differs)".into(),
        ));
    }
    let seq = ev
        .property(&ICalendarProperty::Sequence)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_integer())
        .unwrap_or(0);
    if seq < i64::from(stored.sequence) {
        return Ok(Disposition::Stale);
    }
    match ev.property(&ICalendarProperty::RecurrenceId) {
        Some(rid) => {
            let pdt = rid
                .values
                .first()
                .and_then(|v| v.as_partial_date_time())
                .ok_or_else(|| ModelError::ICalendar("RECURRENCE-ID is not a date".into()))?;
            let orig = super::ical::read_time(pdt, rid.tz_id(), &resolver)?.instant(stored.tz);
            if stored
                .exceptions
                .iter()
                .any(|e| e.original_start == orig && e.deleted)
            {
                return Ok(Disposition::Duplicate);
            }
            stored.exceptions.retain(|e| e.original_start != orig);
            stored.exceptions.push(Exception::deleted(orig));
            stored.exceptions.sort_by_key(|e| e.original_start);
        }
        None => {
            if stored.meeting_status.is_cancelled() {
                return Ok(Disposition::Duplicate);
            }
            stored.meeting_status = stored.meeting_status.cancelled();
        }
    }
    stored.sequence = stored
        .sequence
        .max(seq.clamp(0, i64::from(u32::MAX)) as u32);
    Ok(Disposition::Apply)
}
