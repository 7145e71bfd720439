//! VEVENT ↔ [`Appointment`].
//!
//! Reading uses `calcard`, which copes with real-world files and resolves non-IANA TZIDs
//! (Outlook's Windows names, X-LIC-LOCATION, X-MICROSOFT-CDO-TZID) to IANA zones.
//!
//! Writing is done here as text rather than through calcard's object model: the output is a
//! handful of properties whose exact form matters to picky clients (DATE vs DATE-TIME, TZID
//! vs `Z`, UNTIL's type), and spelling them out is shorter and clearer than building calcard
//! entries whose writer picks the form from value types. Lines are folded at 75 octets on
//! character boundaries (RFC 5545 3.1). Only the VTIMEZONE comes from calcard
//! (`ICalendar::add_timezone`), which derives the observances from the IANA rules.
//!
//! **Zones.** TZID is the IANA id of the appointment's zone, with a VTIMEZONE for it covering
//! the series, so readers without an IANA database still get the offsets. UTC appointments
//! use the `Z` form and no VTIMEZONE. Floating times (no TZID, no `Z`) are read as UTC: with
//! no zone given, UTC is the only reading every reader shares.

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarParameterName,
    ICalendarProperty, ICalendarValue,
};
use calcard::{Entry, Parser};
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Utc};

use super::{
    Appointment, Attendee, AttendeeStatus, AttendeeType, BusyStatus, Exception, MeetingStatus,
    Person, Recurrence, Sensitivity, When, local_midnight, local_to_utc,
};
use crate::ModelError;

fn err(msg: impl Into<String>) -> ModelError {
    ModelError::ICalendar(msg.into())
}

/// Parse iCalendar text into calcard's tree.
pub(crate) fn parse_calendar(text: &str) -> Result<ICalendar, ModelError> {
    let mut p = Parser::new(text);
    match p.entry() {
        Entry::ICalendar(cal) => Ok(cal),
        Entry::Eof => Err(err("empty input")),
        Entry::InvalidLine(l) => Err(err(format!("invalid line {l:?}"))),
        Entry::UnterminatedComponent(c) => Err(err(format!("unterminated {c}"))),
        Entry::UnexpectedComponentEnd { .. } => Err(err("mismatched END")),
        _ => Err(err("not an iCalendar object")),
    }
}

/// A calcard zone as a chrono-tz zone. Fixed offsets of whole hours become `Etc/GMT±n`.
fn to_chrono_tz(tz: calcard::common::timezone::Tz) -> Result<chrono_tz::Tz, ModelError> {
    use calcard::common::timezone::Tz as C;
    match tz {
        C::Tz(t) => Ok(t),
        C::Floating => Ok(chrono_tz::UTC),
        C::Fixed(off) => {
            let secs = off.local_minus_utc();
            if secs % 3600 != 0 {
                return Err(err(format!("fixed offset {secs}s has no IANA zone")));
            }
            let h = secs / 3600;
            let name = if h == 0 {
                "Etc/UTC".to_string()
            } else {
                // Etc/GMT signs are inverted (POSIX).
                format!("Etc/GMT{}{}", if h > 0 { "-" } else { "+" }, h.abs())
            };
            name.parse::<chrono_tz::Tz>()
                .map_err(|_| err(format!("no zone for offset {secs}s")))
        }
    }
}

/// A DTSTART-like value read: a date, or a wall-clock time with its zone, or a UTC instant.
#[derive(Debug, Clone, Copy)]
pub(crate) enum IcalTime {
    Date(NaiveDate),
    Local(NaiveDateTime, chrono_tz::Tz),
    Utc(DateTime<Utc>),
}

impl IcalTime {
    /// The instant, reading a DATE as midnight in `tz`.
    pub(crate) fn instant(self, tz: chrono_tz::Tz) -> DateTime<Utc> {
        match self {
            IcalTime::Date(d) => local_midnight(tz, d),
            IcalTime::Local(l, z) => local_to_utc(z, l),
            IcalTime::Utc(t) => t,
        }
    }
}

/// A date-time value with its TZID, resolved through the calendar's VTIMEZONEs.
pub(crate) fn read_time(
    pdt: &PartialDateTime,
    tzid: Option<&str>,
    resolver: &calcard::icalendar::timezone::TzResolver<&str>,
) -> Result<IcalTime, ModelError> {
    let r = pdt.to_date_time().ok_or_else(|| err("invalid date-time"))?;
    if pdt.hour.is_none() {
        return Ok(IcalTime::Date(r.date_time.date()));
    }
    if let Some(off) = r.offset {
        let secs = i64::from(off.local_minus_utc());
        return Ok(IcalTime::Utc(
            (r.date_time - Duration::seconds(secs)).and_utc(),
        ));
    }
    match tzid {
        Some(id) => {
            let tz = resolver
                .resolve(id)
                .ok_or_else(|| err(format!("unknown TZID {id:?}")))?;
            Ok(IcalTime::Local(r.date_time, to_chrono_tz(tz)?))
        }
        None => Ok(IcalTime::Utc(r.date_time.and_utc())),
    }
}

fn entry_time(
    e: &ICalendarEntry,
    resolver: &calcard::icalendar::timezone::TzResolver<&str>,
) -> Result<IcalTime, ModelError> {
    let pdt = e
        .values
        .first()
        .and_then(|v| v.as_partial_date_time())
        .ok_or_else(|| err(format!("{} is not a date-time", e.name.as_str())))?;
    read_time(pdt, e.tz_id(), resolver)
}

fn text_of(c: &ICalendarComponent, p: ICalendarProperty) -> Option<String> {
    c.property(&p)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_text())
        .map(|s| s.replace("\r\n", "\n"))
}

fn strip_mailto(s: &str) -> String {
    let t = s.trim();
    match t.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("mailto:") => t[7..].to_string(),
        _ => t.to_string(),
    }
}

fn param_text<'a>(e: &'a ICalendarEntry, name: &ICalendarParameterName) -> Option<&'a str> {
    e.parameter(name).and_then(|v| v.as_text())
}

fn person_of(e: &ICalendarEntry) -> Option<Person> {
    let addr = e.values.first().and_then(|v| v.as_text())?;
    Some(Person {
        name: param_text(e, &ICalendarParameterName::Cn).map(str::to_string),
        email: strip_mailto(addr),
    })
}

fn attendees_of(c: &ICalendarComponent) -> (Vec<Attendee>, Option<bool>) {
    let mut rsvp = None;
    let list = c
        .properties(&ICalendarProperty::Attendee)
        .filter_map(|e| {
            let person = person_of(e)?;
            let cutype = param_text(e, &ICalendarParameterName::Cutype).unwrap_or("");
            let role = param_text(e, &ICalendarParameterName::Role).unwrap_or("");
            let kind =
                if cutype.eq_ignore_ascii_case("RESOURCE") || cutype.eq_ignore_ascii_case("ROOM") {
                    AttendeeType::Resource
                } else if role.eq_ignore_ascii_case("OPT-PARTICIPANT")
                    || role.eq_ignore_ascii_case("NON-PARTICIPANT")
                {
                    AttendeeType::Optional
                } else {
                    AttendeeType::Required
                };
            let status = match param_text(e, &ICalendarParameterName::Partstat)
                .map(str::to_ascii_uppercase)
                .as_deref()
            {
                Some("ACCEPTED") => AttendeeStatus::Accepted,
                Some("DECLINED") => AttendeeStatus::Declined,
                Some("TENTATIVE") => AttendeeStatus::Tentative,
                Some("NEEDS-ACTION") => AttendeeStatus::NotResponded,
                _ => AttendeeStatus::Unknown,
            };
            // RSVP is per attendee; the item asks for answers when it asks anyone.
            if let Some(r) = e
                .parameter(&ICalendarParameterName::Rsvp)
                .and_then(|v| v.as_bool())
            {
                rsvp = Some(rsvp.unwrap_or(false) || r);
            }
            Some(Attendee {
                person,
                kind,
                status,
            })
        })
        .collect();
    (list, rsvp)
}

fn sensitivity_of(c: &ICalendarComponent) -> Option<Sensitivity> {
    let v = text_of(c, ICalendarProperty::Class)?.to_ascii_uppercase();
    Some(match v.as_str() {
        "PRIVATE" => Sensitivity::Private,
        "CONFIDENTIAL" => Sensitivity::Confidential,
        "X-PERSONAL" => Sensitivity::Personal,
        _ => Sensitivity::Normal,
    })
}

fn busy_of(c: &ICalendarComponent) -> Option<BusyStatus> {
    if let Some(b) = cdo_status(c, "X-MICROSOFT-CDO-BUSYSTATUS") {
        return Some(b);
    }
    match text_of(c, ICalendarProperty::Transp)?
        .to_ascii_uppercase()
        .as_str()
    {
        "TRANSPARENT" => Some(BusyStatus::Free),
        _ => Some(BusyStatus::Busy),
    }
}

/// An Outlook free/busy property (`X-MICROSOFT-CDO-BUSYSTATUS`, `…-INTENDEDSTATUS`); an
/// unknown value counts as busy, the EAS default.
fn cdo_status(c: &ICalendarComponent, name: &str) -> Option<BusyStatus> {
    let v = c
        .entries
        .iter()
        .filter(|e| matches!(&e.name, ICalendarProperty::Other(n) if n.eq_ignore_ascii_case(name)))
        .find_map(|e| {
            e.values
                .first()
                .and_then(|v| v.as_text())
                .map(str::to_ascii_uppercase)
        })?;
    Some(match v.as_str() {
        "FREE" => BusyStatus::Free,
        "TENTATIVE" => BusyStatus::Tentative,
        "OOF" => BusyStatus::OutOfOffice,
        "WORKINGELSEWHERE" => BusyStatus::WorkingElsewhere,
        _ => BusyStatus::Busy,
    })
}

/// Whether an Outlook `X-` boolean property is `TRUE` (calcard may type it as BOOLEAN or leave
/// it as text).
fn x_flag(c: &ICalendarComponent, name: &str) -> bool {
    c.entries
        .iter()
        .filter(|e| matches!(&e.name, ICalendarProperty::Other(n) if n.eq_ignore_ascii_case(name)))
        .filter_map(|e| e.values.first())
        .any(|v| match v {
            ICalendarValue::Boolean(b) => *b,
            other => other
                .as_text()
                .is_some_and(|t| t.eq_ignore_ascii_case("TRUE")),
        })
}

fn categories_of(c: &ICalendarComponent) -> Vec<String> {
    c.properties(&ICalendarProperty::Categories)
        .flat_map(|e| {
            e.values
                .iter()
                .filter_map(|v| v.as_text())
                .map(str::to_string)
        })
        .collect()
}

/// The first display alarm before the start, in minutes.
fn reminder_of(cal: &ICalendar, c: &ICalendarComponent) -> Option<u32> {
    c.component_ids
        .iter()
        .filter_map(|id| cal.components.get(*id as usize))
        .filter(|a| a.component_type == ICalendarComponentType::VAlarm)
        .find_map(|a| {
            let t = a.property(&ICalendarProperty::Trigger)?;
            if param_text(t, &ICalendarParameterName::Related)
                .is_some_and(|r| r.eq_ignore_ascii_case("END"))
            {
                return None;
            }
            match t.values.first()? {
                ICalendarValue::Duration(d) => {
                    let secs = d.as_seconds();
                    (secs <= 0).then(|| ((-secs) / 60) as u32)
                }
                _ => None,
            }
        })
}

fn is_cancelled(c: &ICalendarComponent) -> bool {
    text_of(c, ICalendarProperty::Status).is_some_and(|s| s.eq_ignore_ascii_case("CANCELLED"))
}

struct Timing {
    when: When,
    tz: chrono_tz::Tz,
}

fn timing_of(
    c: &ICalendarComponent,
    resolver: &calcard::icalendar::timezone::TzResolver<&str>,
    series_tz: Option<chrono_tz::Tz>,
) -> Result<Timing, ModelError> {
    let ds = c
        .property(&ICalendarProperty::Dtstart)
        .ok_or_else(|| err("VEVENT without DTSTART"))?;
    let start = entry_time(ds, resolver)?;
    let tz = match start {
        IcalTime::Local(_, z) => z,
        IcalTime::Utc(_) | IcalTime::Date(_) => series_tz.unwrap_or(chrono_tz::UTC),
    };
    let end = match c.property(&ICalendarProperty::Dtend) {
        Some(e) => Some(entry_time(e, resolver)?),
        None => None,
    };
    let duration = c
        .property(&ICalendarProperty::Duration)
        .and_then(|e| e.values.first())
        .and_then(|v| match v {
            ICalendarValue::Duration(d) => Some(d.as_seconds()),
            _ => None,
        });
    let when = match start {
        IcalTime::Date(sd) => {
            let ed = match (end, duration) {
                (Some(IcalTime::Date(d)), _) => d,
                (Some(other), _) => other.instant(tz).with_timezone(&tz).date_naive(),
                (None, Some(secs)) => sd + Duration::days((secs / 86_400).max(1)),
                (None, None) => sd + Duration::days(1),
            };
            When::AllDay {
                start: sd,
                end: ed.max(sd),
            }
        }
        _ => {
            let s = start.instant(tz);
            let e = match (end, duration) {
                (Some(e), _) => e.instant(tz),
                (None, Some(secs)) => s + Duration::seconds(secs),
                (None, None) => s,
            };
            When::Timed {
                start: s,
                end: e.max(s),
            }
        }
    };
    Ok(Timing { when, tz })
}

impl Appointment {
    /// Read the first VEVENT of an iCalendar object, with the overrides (RECURRENCE-ID) that
    /// share its UID as modified exceptions and EXDATEs as deleted ones.
    ///
    /// `user` is the address of the calendar's owner: a meeting whose organizer is someone
    /// else is [`MeetingStatus::Received`]. Without it, a METHOD:REQUEST object is taken as
    /// received and anything else with attendees as organized by the owner.
    pub fn from_icalendar(text: &str, user: Option<&str>) -> Result<Self, ModelError> {
        let cal = parse_calendar(text)?;
        Self::from_calendar(&cal, user)
    }

    pub(crate) fn from_calendar(cal: &ICalendar, user: Option<&str>) -> Result<Self, ModelError> {
        read_calendar(cal, user, RruleMode::Refuse).map(|i| i.appointment)
    }

    /// Read an invitation or cancellation (the `text/calendar` part of a mail) as
    /// [`Appointment::from_icalendar`] does, with what only a meeting message needs. An RRULE
    /// EAS cannot express is left out (see [`Invitation::unsupported_rrule`]) rather than
    /// refused: the message is still a meeting the user can answer.
    pub(crate) fn read_invitation(text: &str) -> Result<Invitation, ModelError> {
        let cal = parse_calendar(text)?;
        read_calendar(&cal, None, RruleMode::Drop)
    }
}

/// An iTIP object read for a meeting message: the appointment plus the parts of the VEVENT
/// that belong to the message rather than to the calendar item.
pub(crate) struct Invitation {
    /// The series master, or the first VEVENT when there is none.
    pub(crate) appointment: Appointment,
    /// METHOD, upper-case.
    pub(crate) method: Option<String>,
    /// The read VEVENT's RECURRENCE-ID: the object is about one occurrence and has no series.
    pub(crate) recurrence_id: Option<DateTime<Utc>>,
    /// The VEVENT has an RRULE EAS cannot express, so `appointment.recurrence` is `None`
    /// although the meeting repeats.
    pub(crate) unsupported_rrule: bool,
    /// Outlook's X-MICROSOFT-CDO-INTENDEDSTATUS: the busy status the organizer means the
    /// attendee's copy to have once accepted (MS-OXCICAL PidLidIntendedBusyStatus).
    pub(crate) intended_busy_status: Option<BusyStatus>,
    /// X-MICROSOFT-DISALLOW-COUNTER:TRUE: attendees may not propose a new time.
    pub(crate) disallow_counter: bool,
}

/// What to do with an RRULE EAS cannot express.
#[derive(Clone, Copy, PartialEq, Eq)]
enum RruleMode {
    /// Fail: a calendar item must not silently change which days it is on.
    Refuse,
    /// Leave the recurrence out and say so ([`Invitation::unsupported_rrule`]).
    Drop,
}

/// The series master (else the first VEVENT) of `cal` with its exceptions; the body of
/// [`Appointment::from_calendar`] and [`Appointment::read_invitation`].
fn read_calendar(
    cal: &ICalendar,
    user: Option<&str>,
    rrule_mode: RruleMode,
) -> Result<Invitation, ModelError> {
    let resolver = cal.build_tz_resolver();
    let events: Vec<&ICalendarComponent> = cal
        .components
        .iter()
        .filter(|c| c.component_type == ICalendarComponentType::VEvent)
        .collect();
    let master = events
        .iter()
        .find(|c| !c.has_property(&ICalendarProperty::RecurrenceId))
        .or_else(|| events.first())
        .copied()
        .ok_or_else(|| err("no VEVENT"))?;
    let method = cal
        .components
        .first()
        .and_then(|root| text_of(root, ICalendarProperty::Method))
        .map(|m| m.to_ascii_uppercase());

    let Timing { when, tz } = timing_of(master, &resolver, None)?;
    let (attendees, response_requested) = attendees_of(master);
    let organizer = master
        .property(&ICalendarProperty::Organizer)
        .and_then(person_of);
    let is_meeting = organizer.is_some() || !attendees.is_empty();
    let mut meeting_status = if !is_meeting {
        MeetingStatus::Appointment
    } else {
        let theirs = match (user, &organizer) {
            (Some(u), Some(o)) => !o.email.eq_ignore_ascii_case(u),
            _ => method.as_deref() == Some("REQUEST"),
        };
        if theirs {
            MeetingStatus::Received
        } else {
            MeetingStatus::Organizer
        }
    };
    if is_cancelled(master) || method.as_deref() == Some("CANCEL") {
        meeting_status = meeting_status.cancelled();
    }
    let start_local = when.start_utc(tz).with_timezone(&tz).naive_local();
    let rrule = match master
        .property(&ICalendarProperty::Rrule)
        .and_then(|e| e.values.first())
    {
        Some(ICalendarValue::RecurrenceRule(r)) => Some(Recurrence::from_rrule(r, start_local, tz)),
        Some(_) => Some(Err(err("RRULE is not a recurrence rule"))),
        None => None,
    };
    let (recurrence, unsupported_rrule) = match (rrule, rrule_mode) {
        (None, _) => (None, false),
        (Some(Ok(r)), _) => (Some(r), false),
        (Some(Err(e)), RruleMode::Refuse) => return Err(e),
        (Some(Err(_)), RruleMode::Drop) => (None, true),
    };
    let recurrence_id = match master.property(&ICalendarProperty::RecurrenceId) {
        Some(e) => Some(entry_time(e, &resolver)?.instant(tz)),
        None => None,
    };
    let dtstamp = match master.property(&ICalendarProperty::Dtstamp) {
        Some(e) => Some(entry_time(e, &resolver)?.instant(chrono_tz::UTC)),
        None => None,
    };
    let sequence = master
        .property(&ICalendarProperty::Sequence)
        .and_then(|e| e.values.first())
        .and_then(|v| v.as_integer())
        .map(|n| n.clamp(0, i64::from(u32::MAX)) as u32)
        .unwrap_or(0);
    let uid = master.uid().map(str::to_string);
    let mut appt = Appointment {
        uid: uid.clone(),
        summary: text_of(master, ICalendarProperty::Summary),
        location: text_of(master, ICalendarProperty::Location),
        body: text_of(master, ICalendarProperty::Description),
        when,
        tz,
        organizer,
        attendees,
        sensitivity: sensitivity_of(master),
        busy_status: busy_of(master),
        reminder_minutes: reminder_of(cal, master),
        meeting_status,
        response_requested,
        categories: categories_of(master),
        recurrence,
        exceptions: Vec::new(),
        dtstamp,
        sequence,
    };

    // EXDATE: deleted occurrences (one property may list several).
    for e in master.properties(&ICalendarProperty::Exdate) {
        for v in &e.values {
            if let Some(pdt) = v.as_partial_date_time() {
                let t = read_time(pdt, e.tz_id(), &resolver)?.instant(tz);
                appt.exceptions.push(Exception::deleted(t));
            }
        }
    }
    // RECURRENCE-ID overrides of the same UID.
    let duration = when.end_utc(tz) - when.start_utc(tz);
    for ov in events.iter().filter(|c| {
        !std::ptr::eq(**c, master)
            && c.has_property(&ICalendarProperty::RecurrenceId)
            && c.uid().map(str::to_string) == uid
    }) {
        let rid = ov
            .property(&ICalendarProperty::RecurrenceId)
            .ok_or_else(|| err("override without RECURRENCE-ID"))?;
        let original_start = entry_time(rid, &resolver)?.instant(tz);
        appt.exceptions.push(appt.exception_from_override(
            cal,
            ov,
            original_start,
            duration,
            &resolver,
        )?);
    }
    appt.exceptions.sort_by_key(|e| e.original_start);
    Ok(Invitation {
        appointment: appt,
        method,
        recurrence_id,
        unsupported_rrule,
        intended_busy_status: cdo_status(master, "X-MICROSOFT-CDO-INTENDEDSTATUS"),
        disallow_counter: x_flag(master, "X-MICROSOFT-DISALLOW-COUNTER"),
    })
}

impl Appointment {
    /// An override VEVENT as an exception: only what differs from the series is kept.
    fn exception_from_override(
        &self,
        cal: &ICalendar,
        ov: &ICalendarComponent,
        original_start: DateTime<Utc>,
        duration: Duration,
        resolver: &calcard::icalendar::timezone::TzResolver<&str>,
    ) -> Result<Exception, ModelError> {
        let mut ex = Exception::modified(original_start);
        if ov.has_property(&ICalendarProperty::Dtstart) {
            let t = timing_of(ov, resolver, Some(self.tz))?;
            let unchanged = t.when.start_utc(self.tz) == original_start
                && t.when.end_utc(self.tz) - t.when.start_utc(self.tz) == duration
                && t.when.is_all_day() == self.when.is_all_day();
            if !unchanged {
                ex.when = Some(t.when);
            }
        }
        fn differ<T: PartialEq>(v: Option<T>, series: Option<&T>) -> Option<T> {
            v.filter(|v| Some(v) != series)
        }
        ex.summary = differ(
            text_of(ov, ICalendarProperty::Summary),
            self.summary.as_ref(),
        );
        ex.location = differ(
            text_of(ov, ICalendarProperty::Location),
            self.location.as_ref(),
        );
        ex.body = differ(
            text_of(ov, ICalendarProperty::Description),
            self.body.as_ref(),
        );
        ex.sensitivity = differ(sensitivity_of(ov), self.sensitivity.as_ref());
        ex.busy_status = differ(busy_of(ov), self.busy_status.as_ref());
        ex.reminder_minutes = differ(reminder_of(cal, ov), self.reminder_minutes.as_ref());
        let cats = categories_of(ov);
        ex.categories = (cats != self.categories && !cats.is_empty()).then_some(cats);
        let (att, _) = attendees_of(ov);
        ex.attendees = (att != self.attendees && !att.is_empty()).then_some(att);
        if is_cancelled(ov) && !self.meeting_status.is_cancelled() {
            ex.meeting_status = Some(self.meeting_status.cancelled());
        }
        ex.dtstamp = match ov.property(&ICalendarProperty::Dtstamp) {
            Some(e) => Some(entry_time(e, resolver)?.instant(chrono_tz::UTC)),
            None => None,
        };
        if ex.dtstamp == self.dtstamp {
            ex.dtstamp = None;
        }
        Ok(ex)
    }

    /// This appointment as a VCALENDAR holding its VTIMEZONE, the series VEVENT and one
    /// override VEVENT per modified occurrence. `method` adds a METHOD line (iTIP).
    pub fn to_icalendar(&self, method: Option<&str>) -> String {
        self.write_calendar(method, true)
    }

    /// As [`Appointment::to_icalendar`]; without the series VEVENT when `with_series` is
    /// false (an iTIP message about single occurrences only).
    pub(crate) fn write_calendar(&self, method: Option<&str>, with_series: bool) -> String {
        let mut w = Writer::default();
        w.line("BEGIN:VCALENDAR");
        w.line("VERSION:2.0");
        w.line("PRODID:-//eas-rs//eas-model//EN");
        if let Some(m) = method {
            w.prop("METHOD", &[], m);
        }
        if self.tz != chrono_tz::UTC {
            w.raw(&vtimezone(self));
        }
        if with_series {
            self.write_vevent(&mut w, None);
        }
        for ex in self.exceptions.iter().filter(|e| !e.deleted) {
            self.write_vevent(&mut w, Some(ex));
        }
        w.line("END:VCALENDAR");
        w.out
    }

    /// DTSTART-like property for an instant or date in this appointment's zone.
    fn time_prop(&self, w: &mut Writer, name: &str, t: DateTime<Utc>, all_day: bool) {
        if all_day {
            let d = t.with_timezone(&self.tz).date_naive();
            w.prop(
                name,
                &[("VALUE", "DATE".into())],
                &d.format("%Y%m%d").to_string(),
            );
        } else if self.tz == chrono_tz::UTC {
            w.prop(name, &[], &crate::datetime::format_compact(t));
        } else {
            let l = t.with_timezone(&self.tz).naive_local();
            w.prop(
                name,
                &[("TZID", self.tz.name().to_string())],
                &l.format("%Y%m%dT%H%M%S").to_string(),
            );
        }
    }

    fn write_vevent(&self, w: &mut Writer, ex: Option<&Exception>) {
        let tz = self.tz;
        w.line("BEGIN:VEVENT");
        if let Some(uid) = &self.uid {
            w.prop("UID", &[], &escape(uid));
        }
        let stamp = ex.and_then(|e| e.dtstamp).or(self.dtstamp);
        if let Some(s) = stamp {
            w.prop("DTSTAMP", &[], &crate::datetime::format_compact(s));
        }
        if self.sequence > 0 {
            w.prop("SEQUENCE", &[], &self.sequence.to_string());
        }
        let series_all_day = self.when.is_all_day();
        let when = match ex {
            None => self.when,
            Some(e) => e.when.unwrap_or_else(|| {
                let dur = self.when.end_utc(tz) - self.when.start_utc(tz);
                match self.when {
                    When::AllDay { start, end } => {
                        let d = e.original_start.with_timezone(&tz).date_naive();
                        When::AllDay {
                            start: d,
                            end: d + (end - start),
                        }
                    }
                    When::Timed { .. } => When::Timed {
                        start: e.original_start,
                        end: e.original_start + dur,
                    },
                }
            }),
        };
        if let Some(e) = ex {
            self.time_prop(w, "RECURRENCE-ID", e.original_start, series_all_day);
        }
        match when {
            When::AllDay { start, end } => {
                w.prop(
                    "DTSTART",
                    &[("VALUE", "DATE".into())],
                    &start.format("%Y%m%d").to_string(),
                );
                w.prop(
                    "DTEND",
                    &[("VALUE", "DATE".into())],
                    &end.format("%Y%m%d").to_string(),
                );
            }
            When::Timed { start, end } => {
                self.time_prop(w, "DTSTART", start, false);
                self.time_prop(w, "DTEND", end, false);
            }
        }
        if ex.is_none() {
            if let Some(r) = &self.recurrence {
                w.prop("RRULE", &[], &r.to_rrule(tz, series_all_day));
            }
            for d in self.exceptions.iter().filter(|e| e.deleted) {
                self.time_prop(w, "EXDATE", d.original_start, series_all_day);
            }
        }
        let pick = |e: Option<&Option<String>>, s: &Option<String>| -> Option<String> {
            e.and_then(|v| v.clone()).or_else(|| s.clone())
        };
        if let Some(s) = pick(ex.map(|e| &e.summary), &self.summary) {
            w.prop("SUMMARY", &[], &escape(&s));
        }
        if let Some(s) = pick(ex.map(|e| &e.location), &self.location) {
            w.prop("LOCATION", &[], &escape(&s));
        }
        if let Some(s) = pick(ex.map(|e| &e.body), &self.body) {
            w.prop("DESCRIPTION", &[], &escape(&s));
        }
        if let Some(o) = &self.organizer {
            let mut params = Vec::new();
            if let Some(n) = &o.name {
                params.push(("CN", quote(n)));
            }
            w.prop("ORGANIZER", &params, &format!("mailto:{}", o.email));
        }
        let attendees = ex
            .and_then(|e| e.attendees.as_ref())
            .unwrap_or(&self.attendees);
        for a in attendees {
            let mut params = Vec::new();
            if let Some(n) = &a.person.name {
                params.push(("CN", quote(n)));
            }
            match a.kind {
                AttendeeType::Required => params.push(("ROLE", "REQ-PARTICIPANT".into())),
                AttendeeType::Optional => params.push(("ROLE", "OPT-PARTICIPANT".into())),
                AttendeeType::Resource => {
                    params.push(("CUTYPE", "RESOURCE".into()));
                    params.push(("ROLE", "NON-PARTICIPANT".into()));
                }
            }
            let ps = match a.status {
                AttendeeStatus::Unknown => None,
                AttendeeStatus::Tentative => Some("TENTATIVE"),
                AttendeeStatus::Accepted => Some("ACCEPTED"),
                AttendeeStatus::Declined => Some("DECLINED"),
                AttendeeStatus::NotResponded => Some("NEEDS-ACTION"),
            };
            if let Some(p) = ps {
                params.push(("PARTSTAT", p.into()));
            }
            if let Some(r) = self.response_requested {
                params.push(("RSVP", if r { "TRUE" } else { "FALSE" }.into()));
            }
            w.prop("ATTENDEE", &params, &format!("mailto:{}", a.person.email));
        }
        let sens = ex.and_then(|e| e.sensitivity).or(self.sensitivity);
        if let Some(s) = sens {
            let v = match s {
                Sensitivity::Normal => "PUBLIC",
                Sensitivity::Personal => "X-PERSONAL",
                Sensitivity::Private => "PRIVATE",
                Sensitivity::Confidential => "CONFIDENTIAL",
            };
            w.prop("CLASS", &[], v);
        }
        // No busy status in, none out: TRANSP defaults to OPAQUE for readers, but writing it
        // would turn "not said" into "busy" on the next read (Scalix bug 20901).
        if let Some(b) = ex.and_then(|e| e.busy_status).or(self.busy_status) {
            let (transp, cdo) = match b {
                BusyStatus::Free => ("TRANSPARENT", "FREE"),
                BusyStatus::Tentative => ("OPAQUE", "TENTATIVE"),
                BusyStatus::Busy => ("OPAQUE", "BUSY"),
                BusyStatus::OutOfOffice => ("OPAQUE", "OOF"),
                BusyStatus::WorkingElsewhere => ("OPAQUE", "WORKINGELSEWHERE"),
            };
            w.prop("TRANSP", &[], transp);
            w.prop("X-MICROSOFT-CDO-BUSYSTATUS", &[], cdo);
        }
        let cancelled = ex
            .and_then(|e| e.meeting_status)
            .unwrap_or(self.meeting_status)
            .is_cancelled();
        if cancelled {
            w.prop("STATUS", &[], "CANCELLED");
        }
        let cats = ex
            .and_then(|e| e.categories.as_ref())
            .unwrap_or(&self.categories);
        if !cats.is_empty() {
            let list: Vec<String> = cats.iter().map(|c| escape(c)).collect();
            w.prop("CATEGORIES", &[], &list.join(","));
        }
        if let Some(m) = ex
            .and_then(|e| e.reminder_minutes)
            .or(self.reminder_minutes)
        {
            w.line("BEGIN:VALARM");
            w.prop("ACTION", &[], "DISPLAY");
            w.prop("DESCRIPTION", &[], "Reminder");
            w.prop(
                "TRIGGER",
                &[],
                &if m == 0 {
                    "PT0S".to_string()
                } else {
                    format!("-PT{m}M")
                },
            );
            w.line("END:VALARM");
        }
        w.line("END:VEVENT");
    }
}

/// The VTIMEZONE for the appointment's zone over the years it spans (from a year before its
/// start to ten years on, or the end of its series), built by calcard from the IANA rules.
fn vtimezone(a: &Appointment) -> String {
    let start = a.when.start_utc(a.tz).timestamp();
    let end = match a.recurrence.map(|r| r.end) {
        Some(super::RecurrenceEnd::Until(u)) => u.timestamp(),
        Some(_) => start + 10 * 366 * 86_400,
        None => a.when.end_utc(a.tz).timestamp(),
    };
    let mut cal = ICalendar {
        components: vec![ICalendarComponent::new(ICalendarComponentType::VCalendar)],
    };
    if cal
        .add_timezone(a.tz.name(), start - 366 * 86_400, end.max(start) + 86_400)
        .is_none()
    {
        return String::new();
    }
    let text = cal.to_string();
    // Keep only the VTIMEZONE: the calendar wrapper is ours to write.
    let begin = text.find("BEGIN:VTIMEZONE");
    let end = text.rfind("END:VTIMEZONE");
    match (begin, end) {
        (Some(b), Some(e)) => {
            let tail = &text[e..];
            let stop = e + tail.find('\n').map_or(tail.len(), |n| n + 1);
            text[b..stop].to_string()
        }
        _ => String::new(),
    }
}

/// TEXT value escaping (RFC 5545 3.3.11): backslash, semicolon, comma, and line breaks as `\n`.
pub(crate) fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => o.push_str("\\\\"),
            ';' => o.push_str("\\;"),
            ',' => o.push_str("\\,"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                o.push_str("\\n");
            }
            '\n' => o.push_str("\\n"),
            c if c.is_control() => {}
            c => o.push(c),
        }
    }
    o
}

/// A quoted parameter value. `"` cannot appear inside one (RFC 5545 3.2), so it becomes `'`.
pub(crate) fn quote(s: &str) -> String {
    let clean: String = s
        .chars()
        .map(|c| if c == '"' { '\'' } else { c })
        .filter(|c| !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// Content lines with CRLF and folding at 75 octets.
#[derive(Default)]
pub(crate) struct Writer {
    pub(crate) out: String,
}

impl Writer {
    pub(crate) fn line(&mut self, l: &str) {
        let mut width = 0;
        for c in l.chars() {
            let n = c.len_utf8();
            if width + n > 75 {
                self.out.push_str("\r\n ");
                width = 1;
            }
            self.out.push(c);
            width += n;
        }
        self.out.push_str("\r\n");
    }

    /// `NAME;P=V:value`; the value must already be escaped if it is TEXT.
    pub(crate) fn prop(&mut self, name: &str, params: &[(&str, String)], value: &str) {
        let mut l = String::from(name);
        for (k, v) in params {
            l.push(';');
            l.push_str(k);
            l.push('=');
            l.push_str(v);
        }
        l.push(':');
        l.push_str(value);
        self.line(&l);
    }

    /// Already-formed lines (calcard's VTIMEZONE), normalised to CRLF.
    pub(crate) fn raw(&mut self, text: &str) {
        for l in text.lines() {
            self.out.push_str(l);
            self.out.push_str("\r\n");
        }
    }
}
