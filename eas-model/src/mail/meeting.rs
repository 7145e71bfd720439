//! Meeting requests: a `text/calendar` invitation or cancellation in a message, read with
//! `calcard`, as the Email `MeetingRequest` element (MS-ASEMAIL 2.2.2.48).

use base64::Engine as _;
use calcard::Entry;
use calcard::common::PartialDateTime;
use calcard::common::timezone::Tz as CalTz;
use calcard::icalendar::timezone::TzResolver;
use calcard::icalendar::{
    ICalendar, ICalendarClassification, ICalendarComponent, ICalendarComponentType,
    ICalendarDuration, ICalendarEntry, ICalendarFrequency, ICalendarMethod, ICalendarParameterName,
    ICalendarParameterValue, ICalendarProperty, ICalendarRecurrenceRule, ICalendarTransparency,
    ICalendarValue, ICalendarWeekday,
};
use chrono::{DateTime, Datelike, Duration, Utc};
use eas_codec::data::email::{MeetingRecurrence, MeetingRecurrences, MeetingRequest};
use mail_parser::{Message, MimeHeaders, PartType};

use super::Mailbox;
use super::charset::clean;
use crate::ModelError;
use crate::datetime::format_compact;
use crate::timezone::TimeZoneInfo;

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
        let ct = part.content_type()?;
        let is_calendar = ct.ctype().eq_ignore_ascii_case("text")
            && ct
                .subtype()
                .is_some_and(|s| s.eq_ignore_ascii_case("calendar"));
        if !is_calendar {
            return None;
        }
        let PartType::Text(text) = &part.body else {
            return None;
        };
        let (method, request) = meeting_request(text, received).ok()?;
        Some(Found {
            message_class: method.message_class(),
            part: u32::try_from(index).ok(),
            request,
        })
    })
}

/// The `MeetingRequest` of an iCalendar invitation or cancellation.
///
/// `received` stands in for `DtStamp` when the event has none (and the start when that is
/// unknown too: MS-ASEMAIL requires the element). The `TimeZone` is the
/// start's zone (`TZID` resolved to IANA, Windows names and VTIMEZONE definitions
/// included), or UTC for floating and UTC times. Fails when the text is not iCalendar, has
/// no VEVENT, no usable `DTSTART`, or a method other than REQUEST / CANCEL.
pub fn meeting_request(
    ical: &str,
    received: Option<DateTime<Utc>>,
) -> Result<(MeetingMethod, MeetingRequest), ModelError> {
    let err = |m: &str| ModelError::ICalendar(m.to_string());
    let calendar = match calcard::Parser::new(ical).entry() {
        Entry::ICalendar(c) => c,
        _ => return Err(err("not an iCalendar object")),
    };
    let method = calendar
        .components
        .iter()
        .filter(|c| c.component_type == ICalendarComponentType::VCalendar)
        .find_map(|c| c.property(&ICalendarProperty::Method))
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::Method(ICalendarMethod::Request) => Some(MeetingMethod::Request),
            ICalendarValue::Method(ICalendarMethod::Cancel) => Some(MeetingMethod::Cancel),
            ICalendarValue::Text(t) if t.eq_ignore_ascii_case("REQUEST") => {
                Some(MeetingMethod::Request)
            }
            ICalendarValue::Text(t) if t.eq_ignore_ascii_case("CANCEL") => {
                Some(MeetingMethod::Cancel)
            }
            _ => None,
        })
        .ok_or_else(|| err("METHOD is not REQUEST or CANCEL"))?;

    // The series master when there is one, else the first event (a single occurrence).
    let events: Vec<(usize, &ICalendarComponent)> = calendar
        .components
        .iter()
        .enumerate()
        .filter(|(_, c)| c.component_type == ICalendarComponentType::VEvent)
        .collect();
    let (event_id, event) = events
        .iter()
        .find(|(_, c)| c.property(&ICalendarProperty::RecurrenceId).is_none())
        .or_else(|| events.first())
        .copied()
        .ok_or_else(|| err("no VEVENT"))?;

    let resolver = calendar.build_tz_resolver();
    let dtstart = event
        .property(&ICalendarProperty::Dtstart)
        .ok_or_else(|| err("VEVENT without DTSTART"))?;
    let start_pdt = first_date(dtstart).ok_or_else(|| err("DTSTART is not a date"))?;
    let all_day = start_pdt.hour.is_none();
    let zone = zone_of(dtstart, &start_pdt, &resolver);
    let start = to_utc(&start_pdt, zone).ok_or_else(|| err("DTSTART is not a valid time"))?;
    let end = event
        .property(&ICalendarProperty::Dtend)
        .and_then(|e| {
            let pdt = first_date(e)?;
            to_utc(&pdt, zone_of(e, &pdt, &resolver))
        })
        .or_else(|| {
            event
                .property(&ICalendarProperty::Duration)
                .and_then(|e| e.values.first())
                .and_then(|v| match v {
                    ICalendarValue::Duration(d) => Some(start + duration(d)),
                    _ => None,
                })
        })
        .unwrap_or(if all_day {
            start + Duration::days(1)
        } else {
            start
        });
    let dt_stamp = event
        .property(&ICalendarProperty::Dtstamp)
        .and_then(|e| {
            let pdt = first_date(e)?;
            to_utc(&pdt, CalTz::UTC)
        })
        .or(received)
        .unwrap_or(start);

    let recurrence_id = event
        .property(&ICalendarProperty::RecurrenceId)
        .and_then(|e| {
            let pdt = first_date(e)?;
            to_utc(&pdt, zone_of(e, &pdt, &resolver))
        });
    let rrule = event
        .property(&ICalendarProperty::Rrule)
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::RecurrenceRule(r) => Some(r.as_ref()),
            _ => None,
        });
    let instance_type = match (rrule.is_some(), recurrence_id.is_some()) {
        (_, true) => 3,
        (true, false) => 1,
        (false, false) => 0,
    };

    let uid = event.uid().map(clean).unwrap_or_default();
    let sequence = event
        .property(&ICalendarProperty::Sequence)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_integer())
        .unwrap_or(0);

    let zone_info = match zone {
        CalTz::Tz(tz) => TimeZoneInfo::for_zone(tz, start.year()),
        CalTz::Fixed(offset) => {
            let secs = offset.local_minus_utc();
            // Etc/GMT zones have inverted signs (Etc/GMT-2 is UTC+2).
            let name = format!("Etc/GMT{:+}", -secs / 3600);
            let tz = if secs % 3600 == 0 {
                name.parse::<chrono_tz::Tz>().unwrap_or(chrono_tz::UTC)
            } else {
                chrono_tz::UTC
            };
            TimeZoneInfo::for_zone(tz, start.year())
        }
        CalTz::Floating => TimeZoneInfo::for_zone(chrono_tz::UTC, start.year()),
    };

    let request = MeetingRequest {
        all_day_event: Some(u8::from(all_day)),
        start_time: Some(format_compact(start).into()),
        dt_stamp: Some(format_compact(dt_stamp).into()),
        end_time: Some(format_compact(end).into()),
        instance_type: Some(instance_type),
        location: text_of(event, &ICalendarProperty::Location).map(Into::into),
        organizer: event
            .property(&ICalendarProperty::Organizer)
            .and_then(organizer)
            .map(Into::into),
        recurrence_id: recurrence_id.map(|t| format_compact(t).into()),
        reminder: reminder(&calendar, event_id),
        response_requested: Some(u8::from(rsvp_requested(event))),
        recurrences: rrule
            .and_then(|r| recurrence(r, start, zone))
            .map(|r| MeetingRecurrences {
                recurrences: vec![r],
            }),
        sensitivity: Some(sensitivity(event)),
        busy_status: Some(busy_status(event)),
        time_zone: Some(zone_info.to_base64().into()),
        global_obj_id: Some(global_obj_id(&uid, recurrence_id).into()),
        meeting_message_type: Some(match (method, sequence) {
            (MeetingMethod::Cancel, _) => 0,
            (MeetingMethod::Request, 0) => 1,
            (MeetingMethod::Request, _) => 2,
        }),
        disallow_new_time_proposal: Some(u8::from(flag_set(event, "X-MICROSOFT-DISALLOW-COUNTER"))),
        uid: (!uid.is_empty()).then(|| uid.as_str().into()),
        ..MeetingRequest::default()
    };
    Ok((method, request))
}

fn first_date(entry: &ICalendarEntry) -> Option<PartialDateTime> {
    entry
        .values
        .first()
        .and_then(|v| v.as_partial_date_time())
        .cloned()
}

/// The zone a date-time property is in: UTC for a `Z` time, its TZID resolved, else
/// floating.
fn zone_of(entry: &ICalendarEntry, pdt: &PartialDateTime, resolver: &TzResolver<&str>) -> CalTz {
    if pdt.tz_hour.is_some() {
        return CalTz::UTC;
    }
    entry
        .tz_id()
        .and_then(|id| resolver.resolve(id))
        .unwrap_or(CalTz::Floating)
}

/// A date-time in `zone` as UTC. Floating times are read as UTC: there is no better
/// reference, and it keeps the wall-clock time for a device in UTC.
fn to_utc(pdt: &PartialDateTime, zone: CalTz) -> Option<DateTime<Utc>> {
    let zone = if zone.is_floating() { CalTz::UTC } else { zone };
    pdt.to_date_time_with_tz(zone)
        .map(|t| t.with_timezone(&Utc))
}

fn duration(d: &ICalendarDuration) -> Duration {
    let secs = i64::from(d.weeks) * 7 * 86400
        + i64::from(d.days) * 86400
        + i64::from(d.hours) * 3600
        + i64::from(d.minutes) * 60
        + i64::from(d.seconds);
    Duration::seconds(if d.neg { -secs } else { secs })
}

fn text_of(c: &ICalendarComponent, prop: &ICalendarProperty) -> Option<String> {
    c.property(prop)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(clean)
        .filter(|s| !s.is_empty())
}

/// The organizer as `"Name" <address>`.
fn organizer(entry: &ICalendarEntry) -> Option<String> {
    let address = entry
        .calendar_address()
        .map(clean)
        .filter(|a| !a.is_empty());
    let name = entry
        .parameter(&ICalendarParameterName::Cn)
        .and_then(|v| v.as_text())
        .map(clean)
        .filter(|n| !n.is_empty());
    Mailbox { name, address }.to_rfc5322()
}

/// Seconds before the start of the first VALARM with a relative negative trigger.
fn reminder(calendar: &ICalendar, event_id: usize) -> Option<u32> {
    let id = u32::try_from(event_id).ok()?;
    calendar.alarms_for_id(id).find_map(|alarm| {
        let trigger = alarm.property(&ICalendarProperty::Trigger)?;
        match trigger.values.first()? {
            ICalendarValue::Duration(d) => {
                let secs = -duration(d).num_seconds();
                u32::try_from(secs.max(0)).ok()
            }
            _ => None,
        }
    })
}

/// Whether an Outlook `X-` boolean property is `TRUE`.
fn flag_set(event: &ICalendarComponent, name: &str) -> bool {
    event
        .entries
        .iter()
        .filter(|e| e.name.as_str().eq_ignore_ascii_case(name))
        .filter_map(|e| e.values.first())
        .any(|v| match v {
            ICalendarValue::Boolean(b) => *b,
            other => other
                .as_text()
                .is_some_and(|t| t.eq_ignore_ascii_case("TRUE")),
        })
}

fn rsvp_requested(event: &ICalendarComponent) -> bool {
    event
        .entries
        .iter()
        .filter(|e| e.name == ICalendarProperty::Attendee)
        .any(|e| {
            e.parameters(&ICalendarParameterName::Rsvp)
                .any(|v| match v {
                    ICalendarParameterValue::Bool(b) => *b,
                    other => other
                        .as_text()
                        .is_some_and(|t| t.eq_ignore_ascii_case("TRUE")),
                })
        })
}

/// 0 normal, 2 private, 3 confidential (MS-ASEMAIL Sensitivity).
fn sensitivity(event: &ICalendarComponent) -> u8 {
    match event
        .property(&ICalendarProperty::Class)
        .and_then(|e| e.values.first())
    {
        Some(ICalendarValue::Classification(ICalendarClassification::Private)) => 2,
        Some(ICalendarValue::Classification(ICalendarClassification::Confidential)) => 3,
        _ => 0,
    }
}

/// The intended busy status: Outlook's `X-MICROSOFT-CDO-INTENDEDSTATUS` when present, else
/// free for a transparent event and busy otherwise.
fn busy_status(event: &ICalendarComponent) -> u8 {
    let intended = event
        .entries
        .iter()
        .find(|e| {
            e.name
                .as_str()
                .eq_ignore_ascii_case("X-MICROSOFT-CDO-INTENDEDSTATUS")
        })
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(str::to_ascii_uppercase);
    match intended.as_deref() {
        Some("FREE") => return 0,
        Some("TENTATIVE") => return 1,
        Some("BUSY") => return 2,
        Some("OOF") => return 3,
        Some("WORKINGELSEWHERE") => return 4,
        _ => {}
    }
    match event
        .property(&ICalendarProperty::Transp)
        .and_then(|e| e.values.first())
    {
        Some(ICalendarValue::Transparency(ICalendarTransparency::Transparent)) => 0,
        _ => 2,
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

fn day_bit(day: ICalendarWeekday) -> u8 {
    match day {
        ICalendarWeekday::Sunday => 1,
        ICalendarWeekday::Monday => 2,
        ICalendarWeekday::Tuesday => 4,
        ICalendarWeekday::Wednesday => 8,
        ICalendarWeekday::Thursday => 16,
        ICalendarWeekday::Friday => 32,
        ICalendarWeekday::Saturday => 64,
    }
}

fn chrono_day_bit(day: chrono::Weekday) -> u8 {
    1 << day.num_days_from_sunday()
}

/// An RRULE as MS-ASEMAIL `Recurrence`. Rules EAS cannot express (hourly and finer) give
/// `None`.
fn recurrence(
    rule: &ICalendarRecurrenceRule,
    start: DateTime<Utc>,
    zone: CalTz,
) -> Option<MeetingRecurrence> {
    // Day, weekday and month are the organizer's, not UTC's.
    let local = match zone {
        CalTz::Floating => start.naive_utc(),
        z => start.with_timezone(&z).naive_local(),
    };
    let mask: u8 = rule.byday.iter().fold(0, |m, d| m | day_bit(d.weekday));
    let ordinal = rule
        .byday
        .iter()
        .find_map(|d| d.ordwk)
        .or_else(|| rule.bysetpos.first().and_then(|p| i16::try_from(*p).ok()));
    let week_of_month = ordinal.map(|o| if o < 0 { 5 } else { o.clamp(1, 5) as u8 });
    let month_day = rule
        .bymonthday
        .first()
        .and_then(|d| u8::try_from(*d).ok())
        .unwrap_or(local.day() as u8);
    let month = rule
        .bymonth
        .first()
        .map(|m| m.month())
        .unwrap_or(local.month() as u8);
    let mut r = MeetingRecurrence {
        interval: Some(u32::from(rule.interval.unwrap_or(1))),
        occurrences: rule.count,
        until: rule.until.as_ref().and_then(|u| {
            let z = if u.tz_hour.is_some() {
                CalTz::UTC
            } else {
                zone
            };
            to_utc(u, z).map(|t| format_compact(t).into())
        }),
        ..MeetingRecurrence::default()
    };
    match rule.freq {
        ICalendarFrequency::Daily if mask != 0 => {
            r.recurrence_type = Some(1);
            r.day_of_week = Some(mask);
        }
        ICalendarFrequency::Daily => r.recurrence_type = Some(0),
        ICalendarFrequency::Weekly => {
            r.recurrence_type = Some(1);
            r.day_of_week = Some(if mask == 0 {
                chrono_day_bit(local.weekday())
            } else {
                mask
            });
        }
        ICalendarFrequency::Monthly if mask != 0 => {
            r.recurrence_type = Some(3);
            r.day_of_week = Some(mask);
            r.week_of_month = Some(week_of_month.unwrap_or(((local.day() - 1) / 7 + 1) as u8));
        }
        ICalendarFrequency::Monthly => {
            r.recurrence_type = Some(2);
            r.day_of_month = Some(month_day);
        }
        ICalendarFrequency::Yearly if mask != 0 => {
            r.recurrence_type = Some(6);
            r.day_of_week = Some(mask);
            r.week_of_month = Some(week_of_month.unwrap_or(((local.day() - 1) / 7 + 1) as u8));
            r.month_of_year = Some(month);
        }
        ICalendarFrequency::Yearly => {
            r.recurrence_type = Some(5);
            r.day_of_month = Some(month_day);
            r.month_of_year = Some(month);
        }
        _ => return None,
    }
    Some(r)
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
