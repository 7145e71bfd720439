//! Meeting requests: a `text/calendar` invitation or cancellation in a message as the Email
//! `MeetingRequest` element (MS-ASEMAIL 2.2.2.48).
//!
//! The iCalendar is read by the calendar module ([`Appointment`]), so an invitation and the
//! calendar item made from it agree on times, zone and recurrence; this module only adds
//! what belongs to the message (method, GlobalObjId, MeetingMessageType).

use base64::Engine as _;
use chrono::{DateTime, Datelike, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::data::email::{MeetingRecurrences, MeetingRequest};
use mail_parser::{Message, MimeHeaders, PartType};

use super::Mailbox;
use super::charset::clean;
use crate::ModelError;
use crate::calendar::{Appointment, BusyStatus, Invitation, Sensitivity};
use crate::datetime::format_compact;

/// What the calendar part of a message asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeetingMethod {
    /// `METHOD:REQUEST`: an invitation or an update.
    Request,
    /// `METHOD:CANCEL`: the meeting is cancelled.
    Cancel,
}

impl MeetingMethod {
    /// The message class of a message carrying it.
    pub fn message_class(self) -> &'static str {
        match self {
            MeetingMethod::Request => "IPM.Schedule.Meeting.Request",
            MeetingMethod::Cancel => "IPM.Schedule.Meeting.Canceled",
        }
    }
}

/// A meeting found in a message.
pub(crate) struct Found {
    pub(crate) message_class: &'static str,
    /// The calendar part, which is the meeting and not an attachment.
    pub(crate) part: Option<u32>,
    pub(crate) request: MeetingRequest,
}

/// The first `text/calendar` part of `message` with method REQUEST or CANCEL. A calendar
/// part that cannot be read leaves the message an ordinary mail (with the part as an
/// attachment) rather than failing the whole message.
pub(crate) fn find(message: &Message<'_>, received: Option<DateTime<Utc>>) -> Option<Found> {
    message.parts.iter().enumerate().find_map(|(index, part)| {
        let text = calendar_part_text(part)?;
        let (method, request) = meeting_request(text, received).ok()?;
        Some(Found {
            message_class: method.message_class(),
            part: u32::try_from(index).ok(),
            request,
        })
    })
}

/// The text of a `text/calendar` part; `None` for any other part.
fn calendar_part_text<'a>(part: &'a mail_parser::MessagePart<'_>) -> Option<&'a str> {
    let ct = part.content_type()?;
    let is_calendar = ct.ctype().eq_ignore_ascii_case("text")
        && ct
            .subtype()
            .is_some_and(|s| s.eq_ignore_ascii_case("calendar"));
    match &part.body {
        PartType::Text(text) if is_calendar => Some(text),
        _ => None,
    }
}

/// The first `text/calendar` part of a MIME message (or of its
/// [outline](super::outline), where calendar parts are always kept): its METHOD, upper-case
/// (empty when absent), and its text. Any method: REQUEST, CANCEL, REPLY, COUNTER.
pub fn calendar_text(mime: &[u8]) -> Option<(String, String)> {
    let message = mail_parser::MessageParser::default().parse(mime)?;
    message.parts.iter().find_map(|part| {
        let text = calendar_part_text(part)?;
        let method = text
            .lines()
            .find_map(|l| {
                let (name, value) = l.split_once(':')?;
                name.trim()
                    .eq_ignore_ascii_case("METHOD")
                    .then(|| value.trim().to_ascii_uppercase())
            })
            .unwrap_or_default();
        Some((method, text.to_string()))
    })
}

/// The `MeetingRequest` of an iCalendar invitation or cancellation.
///
/// The meeting is the series master, else the first VEVENT, read by
/// [`Appointment::from_icalendar`]'s rules: times and the `TimeZone` blob are those of the
/// Calendar item [`Appointment::to_wire`] gives for the same VEVENT (up to 14.1; MS-ASEMAIL has
/// no 16.x date form). `received` stands in for `DtStamp` when the event has none (and the
/// start when that is unknown too: MS-ASEMAIL requires the element). An RRULE EAS cannot
/// express leaves out `Recurrences` but not the meeting. Fails when the text is not
/// iCalendar, has no VEVENT or no usable `DTSTART`, or a method other than REQUEST / CANCEL.
///
/// The result is the form [`super::MailItem`] stores for every version: it holds `Location`,
/// `GlobalObjId` and `UID` for the version shaping to pick from, and a `Recurrence` with only
/// the elements every version has.
pub fn meeting_request(
    ical: &str,
    received: Option<DateTime<Utc>>,
) -> Result<(MeetingMethod, MeetingRequest), ModelError> {
    let invitation = Appointment::read_invitation(ical)?;
    let method = match invitation.method.as_deref() {
        Some("REQUEST") => MeetingMethod::Request,
        Some("CANCEL") => MeetingMethod::Cancel,
        _ => {
            return Err(ModelError::ICalendar(
                "METHOD is not REQUEST or CANCEL".into(),
            ));
        }
    };
    Ok((method, request_of(&invitation, method, received)))
}

/// The version-neutral `MeetingRequest` (see [`meeting_request`]).
fn request_of(
    inv: &Invitation,
    method: MeetingMethod,
    received: Option<DateTime<Utc>>,
) -> MeetingRequest {
    let a = &inv.appointment;
    // MS-ASEMAIL has no 16.x all-day form: the 14.x times hold for every version.
    let times = a.wire_times(ProtocolVersion::V14_1);
    let start = a.when.start_utc(a.tz);
    let dt_stamp = a.dtstamp.or(received).unwrap_or(start);
    let uid = a.uid.as_deref().map(clean).unwrap_or_default();
    let instance_type = match inv.recurrence_id {
        Some(_) => 3,
        None if a.recurrence.is_some() || inv.unsupported_rrule => 1,
        None => 0,
    };
    let organizer = a.organizer.as_ref().and_then(|o| {
        Mailbox {
            name: o.name.as_deref().map(clean).filter(|n| !n.is_empty()),
            address: Some(clean(&o.email)).filter(|e| !e.is_empty()),
        }
        .to_rfc5322()
    });
    // BusyStatus is the attendee's status once accepted (MS-ASEMAIL 2.2.2.14): Outlook's
    // intended status, else the event's own, else busy (the element's default).
    let busy = inv
        .intended_busy_status
        .or(a.busy_status)
        .unwrap_or(BusyStatus::Busy);
    MeetingRequest {
        all_day_event: Some(u8::from(a.when.is_all_day())),
        start_time: Some(times.start.into()),
        dt_stamp: Some(format_compact(dt_stamp).into()),
        end_time: Some(times.end.into()),
        instance_type: Some(instance_type),
        location: a
            .location
            .as_deref()
            .map(clean)
            .filter(|l| !l.is_empty())
            .map(Into::into),
        organizer: organizer.map(Into::into),
        recurrence_id: inv.recurrence_id.map(|t| format_compact(t).into()),
        reminder: a.reminder_minutes.map(|m| m.saturating_mul(60)),
        response_requested: Some(u8::from(a.response_requested.unwrap_or(false))),
        // The stored request goes to every version: built with every element, and
        // `mail::wire` leaves out what an older version lacks (CalendarType and IsLeapMonth
        // before 14.0, FirstDayOfWeek before 14.1).
        recurrences: a.recurrence.map(|r| MeetingRecurrences {
            recurrences: vec![r.to_meeting_wire(ProtocolVersion::V16_1)],
        }),
        sensitivity: Some(a.sensitivity.unwrap_or(Sensitivity::Normal).to_wire()),
        busy_status: Some(busy.to_wire()),
        time_zone: Some(times.time_zone.into()),
        global_obj_id: Some(global_obj_id(&uid, inv.recurrence_id).into()),
        meeting_message_type: Some(match (method, a.sequence) {
            (MeetingMethod::Cancel, _) => 0,
            (MeetingMethod::Request, 0) => 1,
            (MeetingMethod::Request, _) => 2,
        }),
        disallow_new_time_proposal: Some(u8::from(inv.disallow_counter)),
        uid: (!uid.is_empty()).then(|| uid.as_str().into()),
        ..MeetingRequest::default()
    }
}

/// The MS-ASEMAIL 2.2.2.37 GlobalObjId, base64.
///
/// An Outlook UID is the hex of a whole GlobalObjId and is used as it is. Any other UID is
/// wrapped as a vCal id. The creation time is left zero rather than "now": the id must be
/// the same in the first request and every update, so the device files them under one
/// meeting. An exception carries its original date in the instance-date bytes.
pub fn global_obj_id(uid: &str, instance: Option<DateTime<Utc>>) -> String {
    const CLASS_ID: [u8; 16] = [
        0x04, 0x00, 0x00, 0x00, 0x82, 0x00, 0xE0, 0x00, 0x74, 0xC5, 0xB7, 0x10, 0x1A, 0x82, 0xE0,
        0x08,
    ];
    let b64 = base64::engine::general_purpose::STANDARD;
    if let Some(bytes) = hex_bytes(uid)
        && bytes.len() >= 40
        && bytes.starts_with(&CLASS_ID)
    {
        return b64.encode(bytes);
    }
    let mut out = Vec::with_capacity(53 + uid.len());
    out.extend_from_slice(&CLASS_ID);
    match instance {
        Some(t) => {
            let year = u16::try_from(t.year()).unwrap_or(0);
            out.extend_from_slice(&year.to_be_bytes());
            out.push(u8::try_from(t.month()).unwrap_or(0));
            out.push(u8::try_from(t.day()).unwrap_or(0));
        }
        None => out.extend_from_slice(&[0; 4]),
    }
    out.extend_from_slice(&[0; 8]); // creation time
    out.extend_from_slice(&[0; 8]); // reserved
    let data_len = u32::try_from(8 + 4 + uid.len() + 1).unwrap_or(u32::MAX);
    out.extend_from_slice(&data_len.to_le_bytes());
    out.extend_from_slice(b"vCal-Uid");
    out.extend_from_slice(&[1, 0, 0, 0]);
    out.extend_from_slice(uid.as_bytes());
    out.push(0);
    b64.encode(out)
}

fn hex_bytes(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) || !s.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vcal_global_obj_id_layout() {
        let id = global_obj_id("abc", None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(id)
            .unwrap_or_default();
        assert_eq!(bytes.len(), 16 + 4 + 8 + 8 + 4 + 8 + 4 + 3 + 1);
        assert_eq!(&bytes[36..40], &[16, 0, 0, 0]);
        assert_eq!(&bytes[40..48], b"vCal-Uid");
        assert_eq!(&bytes[52..55], b"abc");
        assert_eq!(bytes.last(), Some(&0));
    }

    #[test]
    fn outlook_uid_is_kept() {
        let uid = "040000008200E00074C5B7101A82E00800000000D0B5BE2EF0C7C801000000000000000010000000F6C0F0A8D9C3C94F9E1F4F6B2E0C1D11";
        let id = global_obj_id(uid, None);
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(id)
            .unwrap_or_default();
        assert_eq!(hex_bytes(uid), Some(bytes));
    }
}
