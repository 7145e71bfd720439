//! Appointment ↔ the EAS wire item (`eas_codec::data::calendar::Calendar`).
//!
//! **Times.** Timed events travel as compact UTC strings with the zone as a TimeZone blob
//! holding the event zone's rules for the start's year ([`TimeZoneInfo::for_zone`], never
//! all-zero), so devices expand recurrences on the right wall clock.
//!
//! **All-day events.** Up to 14.1, StartTime/EndTime are midnight *in the event's zone*
//! expressed in UTC; reading them back, midnight is found with the blob the device sent, so an
//! all-day event is never a day early (Scalix bugs 20427, 20558). From 16.0 the times are
//! dates written at `T000000Z` and the blob does not apply; a 16.x time that is not midnight
//! UTC is read like a 14.x one. Times that are not midnight at all are widened to whole days
//! (start to the midnight before, end to the midnight after), as Exchange does.
//!
//! **Zones from the wire.** An absent or all-zero blob (Z-Push, Kopano, grommunio) means UTC.
//! Otherwise the blob is resolved to an IANA zone with the same rules; a blob no zone matches
//! keeps its instants exact and is given the fixed zone of its standard offset (`Etc/GMT±n`)
//! when that is a whole hour, else UTC.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::data::airsyncbase::{Body, Location};
use eas_codec::data::calendar::{
    Attendee as WireAttendee, Attendees, Calendar, CalendarCategories, Exception as WireException,
    Exceptions,
};

use super::{
    Appointment, Attendee, AttendeeStatus, AttendeeType, BusyStatus, Exception, MeetingStatus,
    Person, Recurrence, Sensitivity, When, local_midnight,
};
use crate::timezone::TimeZoneInfo;
use crate::{ModelError, datetime};

fn v16(v: ProtocolVersion) -> bool {
    v >= ProtocolVersion::V16_0
}

fn invalid(field: &'static str, reason: String) -> ModelError {
    ModelError::InvalidField { field, reason }
}

impl Sensitivity {
    /// The wire value (MS-ASCAL / MS-ASEMAIL).
    pub(crate) fn to_wire(self) -> u8 {
        match self {
            Sensitivity::Normal => 0,
            Sensitivity::Personal => 1,
            Sensitivity::Private => 2,
            Sensitivity::Confidential => 3,
        }
    }

    fn from_wire(v: u8) -> Result<Self, ModelError> {
        Ok(match v {
            0 => Sensitivity::Normal,
            1 => Sensitivity::Personal,
            2 => Sensitivity::Private,
            3 => Sensitivity::Confidential,
            _ => return Err(invalid("Sensitivity", format!("{v} is not 0-3"))),
        })
    }
}

impl BusyStatus {
    /// The wire value (MS-ASCAL / MS-ASEMAIL).
    pub(crate) fn to_wire(self) -> u8 {
        match self {
            BusyStatus::Free => 0,
            BusyStatus::Tentative => 1,
            BusyStatus::Busy => 2,
            BusyStatus::OutOfOffice => 3,
            BusyStatus::WorkingElsewhere => 4,
        }
    }

    fn from_wire(v: u8) -> Result<Self, ModelError> {
        Ok(match v {
            0 => BusyStatus::Free,
            1 => BusyStatus::Tentative,
            2 => BusyStatus::Busy,
            3 => BusyStatus::OutOfOffice,
            4 => BusyStatus::WorkingElsewhere,
            _ => return Err(invalid("BusyStatus", format!("{v} is not 0-4"))),
        })
    }
}

fn attendees_to_wire(list: &[Attendee], version: ProtocolVersion) -> Attendees {
    let v12 = version >= ProtocolVersion::V12_0;
    Attendees {
        attendees: list
            .iter()
            .map(|a| WireAttendee {
                email: Some(a.person.email.as_str().into()),
                name: Some(a.person.name.as_deref().unwrap_or(&a.person.email).into()),
                attendee_status: v12.then_some(match a.status {
                    AttendeeStatus::Unknown => 0,
                    AttendeeStatus::Tentative => 2,
                    AttendeeStatus::Accepted => 3,
                    AttendeeStatus::Declined => 4,
                    AttendeeStatus::NotResponded => 5,
                }),
                attendee_type: v12.then_some(match a.kind {
                    AttendeeType::Required => 1,
                    AttendeeType::Optional => 2,
                    AttendeeType::Resource => 3,
                }),
                ..Default::default()
            })
            .collect(),
    }
}

fn attendees_from_wire(a: &Attendees) -> Result<Vec<Attendee>, ModelError> {
    a.attendees
        .iter()
        .map(|w| {
            let email = w.email.as_deref().unwrap_or("").trim().to_string();
            // Devices repeat the address as the name when there is none.
            let name = w
                .name
                .as_deref()
                .map(str::trim)
                .filter(|n| !n.is_empty() && !n.eq_ignore_ascii_case(&email))
                .map(str::to_string);
            let status = match w.attendee_status {
                None | Some(0) | Some(1) => AttendeeStatus::Unknown,
                Some(2) => AttendeeStatus::Tentative,
                Some(3) => AttendeeStatus::Accepted,
                Some(4) => AttendeeStatus::Declined,
                Some(5) => AttendeeStatus::NotResponded,
                Some(v) => {
                    return Err(invalid(
                        "Attendee/AttendeeStatus",
                        format!("{v} is not 0-5"),
                    ));
                }
            };
            let kind = match w.attendee_type {
                None | Some(1) => AttendeeType::Required,
                Some(2) => AttendeeType::Optional,
                Some(3) => AttendeeType::Resource,
                Some(v) => return Err(invalid("Attendee/AttendeeType", format!("{v} is not 1-3"))),
            };
            Ok(Attendee {
                person: Person { name, email },
                kind,
                status,
            })
        })
        .collect()
}

fn body_to_wire(text: &str) -> Body {
    Body {
        body_type: Some(1),
        estimated_data_size: Some(text.len() as u32),
        truncated: Some(false),
        data: Some(text.into()),
        ..Default::default()
    }
}

/// A body as plain text: type 1 as is, HTML with its tags removed; RTF and MIME are not
/// calendar bodies a server can read without more machinery, so they are dropped.
fn body_from_wire(b: &Body) -> Option<String> {
    let data = b.data.as_deref()?;
    match b.body_type.unwrap_or(1) {
        1 => Some(data.replace("\r\n", "\n")),
        2 => Some(html_to_text(data)),
        _ => None,
    }
}

fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut tag = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match (in_tag, c) {
            (false, '<') => {
                in_tag = true;
                tag.clear();
            }
            (true, '>') => {
                in_tag = false;
                let t = tag.trim_start_matches('/').to_ascii_lowercase();
                let name = t
                    .split(|c: char| !c.is_ascii_alphanumeric())
                    .next()
                    .unwrap_or("");
                if matches!(name, "br" | "p" | "div" | "tr" | "li")
                    && !out.ends_with('\n')
                    && !out.is_empty()
                {
                    out.push('\n');
                }
            }
            (true, c) => tag.push(c),
            (false, c) => out.push(c),
        }
    }
    out.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
        .trim_end()
        .to_string()
}

/// How an all-day date travels in `version`.
fn all_day_to_wire(d: NaiveDate, tz: chrono_tz::Tz, version: ProtocolVersion) -> String {
    if v16(version) {
        datetime::format_compact(d.and_time(NaiveTime::MIN).and_utc())
    } else {
        datetime::format_compact(local_midnight(tz, d))
    }
}

/// The date an all-day wire time means: a 16.x `T000000Z` is the date itself; otherwise the
/// wall-clock time in the blob's zone, rounded down (start) or up (end) to midnight.
fn all_day_from_wire(
    t: DateTime<Utc>,
    blob: &TimeZoneInfo,
    version: ProtocolVersion,
    round_up: bool,
) -> NaiveDate {
    if v16(version) && t.time() == NaiveTime::MIN {
        return t.date_naive();
    }
    let local = t.naive_utc() + Duration::seconds(i64::from(blob.offset_at(t).local_minus_utc()));
    let d = local.date();
    if round_up && local.time() != NaiveTime::MIN {
        d.succ_opt().unwrap_or(d)
    } else {
        d
    }
}

/// The zone a blob means (see the module notes for the fallbacks).
fn zone_of(blob: &TimeZoneInfo, year: i32) -> chrono_tz::Tz {
    if let Some(tz) = blob.resolve(year) {
        return tz;
    }
    let secs = blob
        .offset_at(
            NaiveDate::from_ymd_opt(year, 1, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|n| n.and_utc())
                .unwrap_or_default(),
        )
        .local_minus_utc();
    if secs % 3600 == 0 {
        let h = secs / 3600;
        let name = if h == 0 {
            "Etc/UTC".to_string()
        } else {
            format!("Etc/GMT{}{}", if h > 0 { "-" } else { "+" }, h.abs())
        };
        if let Ok(tz) = name.parse() {
            return tz;
        }
    }
    chrono_tz::UTC
}

/// StartTime, EndTime and TimeZone of an item as `version` writes them.
pub(crate) struct WireTimes {
    /// StartTime.
    pub(crate) start: String,
    /// EndTime.
    pub(crate) end: String,
    /// The TimeZone blob, base64.
    pub(crate) time_zone: String,
}

impl Appointment {
    /// StartTime, EndTime and TimeZone for `version` (see the module notes): shared by the
    /// Calendar item and the Email `MeetingRequest`, so both place the meeting alike.
    pub(crate) fn wire_times(&self, version: ProtocolVersion) -> WireTimes {
        let tz = self.tz;
        let year = self.when.start_utc(tz).with_timezone(&tz).year();
        let (start, end) = match self.when {
            When::Timed { start, end } => (
                datetime::format_compact(start),
                datetime::format_compact(end),
            ),
            When::AllDay { start, end } => (
                all_day_to_wire(start, tz, version),
                all_day_to_wire(end, tz, version),
            ),
        };
        WireTimes {
            start,
            end,
            time_zone: TimeZoneInfo::for_zone(tz, year).to_base64(),
        }
    }

    /// The wire item for `version`.
    pub fn to_wire(&self, version: ProtocolVersion) -> Calendar {
        let WireTimes {
            start,
            end,
            time_zone,
        } = self.wire_times(version);
        let v12 = version >= ProtocolVersion::V12_0;
        let v14 = version >= ProtocolVersion::V14_0;
        let mut c = Calendar {
            timezone: Some(time_zone.into()),
            dt_stamp: self.dtstamp.map(|t| datetime::format_compact(t).into()),
            start_time: Some(start.into()),
            end_time: Some(end.into()),
            subject: self.summary.as_deref().map(Into::into),
            uid: self.uid.as_deref().map(Into::into),
            organizer_name: self
                .organizer
                .as_ref()
                .and_then(|o| o.name.as_deref())
                .map(Into::into),
            organizer_email: self.organizer.as_ref().map(|o| o.email.as_str().into()),
            attendees: (!self.attendees.is_empty())
                .then(|| attendees_to_wire(&self.attendees, version)),
            recurrence: self.recurrence.map(|r| r.to_wire(version)),
            categories: (!self.categories.is_empty()).then(|| CalendarCategories {
                categories: self.categories.iter().map(|c| c.as_str().into()).collect(),
            }),
            sensitivity: self.sensitivity.map(Sensitivity::to_wire),
            busy_status: self.busy_status.map(BusyStatus::to_wire),
            all_day_event: Some(u8::from(self.when.is_all_day())),
            reminder: self.reminder_minutes,
            meeting_status: Some(self.meeting_status.to_wire()),
            response_requested: if v14 { self.response_requested } else { None },
            ..Default::default()
        };
        if v16(version) {
            c.location_v16 = self.location.as_deref().map(|l| Location {
                display_name: Some(l.into()),
                ..Default::default()
            });
        } else {
            c.location = self.location.as_deref().map(Into::into);
        }
        if let Some(b) = &self.body {
            if v12 {
                c.body = Some(body_to_wire(b));
                c.native_body_type = Some(1);
            } else {
                c.body_v25 = Some(b.as_str().into());
                c.body_truncated = Some(false);
            }
        }
        if !self.exceptions.is_empty() {
            c.exceptions = Some(Exceptions {
                exceptions: self
                    .exceptions
                    .iter()
                    .map(|e| self.exception_to_wire(e, version))
                    .collect(),
            });
        }
        c
    }

    fn exception_to_wire(&self, e: &Exception, version: ProtocolVersion) -> WireException {
        let tz = self.tz;
        let v12 = version >= ProtocolVersion::V12_0;
        let original = match self.when {
            When::AllDay { .. } => all_day_to_wire(
                e.original_start.with_timezone(&tz).date_naive(),
                tz,
                version,
            ),
            When::Timed { .. } => datetime::format_compact(e.original_start),
        };
        let mut w = WireException {
            deleted: Some(u8::from(e.deleted)),
            dt_stamp: e.dtstamp.map(|t| datetime::format_compact(t).into()),
            subject: e.summary.as_deref().map(Into::into),
            categories: e.categories.as_ref().map(|cs| CalendarCategories {
                categories: cs.iter().map(|c| c.as_str().into()).collect(),
            }),
            sensitivity: e.sensitivity.map(Sensitivity::to_wire),
            busy_status: e.busy_status.map(BusyStatus::to_wire),
            reminder: e.reminder_minutes,
            meeting_status: e.meeting_status.map(MeetingStatus::to_wire),
            attendees: e.attendees.as_ref().map(|a| attendees_to_wire(a, version)),
            ..Default::default()
        };
        if v16(version) {
            w.instance_id = Some(original.into());
            w.location_v16 = e.location.as_deref().map(|l| Location {
                display_name: Some(l.into()),
                ..Default::default()
            });
        } else {
            w.exception_start_time = Some(original.into());
            w.location = e.location.as_deref().map(Into::into);
        }
        if let Some(when) = e.when {
            let (s, en) = match when {
                When::Timed { start, end } => (
                    datetime::format_compact(start),
                    datetime::format_compact(end),
                ),
                When::AllDay { start, end } => (
                    all_day_to_wire(start, tz, version),
                    all_day_to_wire(end, tz, version),
                ),
            };
            w.start_time = Some(s.into());
            w.end_time = Some(en.into());
            w.all_day_event = Some(u8::from(when.is_all_day()));
        }
        if let Some(b) = &e.body {
            if v12 {
                w.body = Some(body_to_wire(b));
            } else {
                w.body_v25 = Some(b.as_str().into());
                w.body_truncated = Some(false);
            }
        }
        w
    }

    /// Read a wire item sent at `version`. Missing optional fields stay `None` (a missing
    /// BusyStatus is not an error — Scalix bug 20901); a missing StartTime is an error.
    pub fn from_wire(c: &Calendar, version: ProtocolVersion) -> Result<Self, ModelError> {
        let start_raw = c
            .start_time
            .as_deref()
            .ok_or_else(|| invalid("StartTime", "missing".into()))?;
        let start = datetime::parse(start_raw, "StartTime")?;
        let end = match c.end_time.as_deref() {
            Some(e) => Some(datetime::parse(e, "EndTime")?),
            None => None,
        };
        let blob = match c
            .timezone
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(b) => TimeZoneInfo::from_base64(b)?,
            None => TimeZoneInfo::default(),
        };
        let all_day = match c.all_day_event {
            None | Some(0) => false,
            Some(1) => true,
            Some(v) => return Err(invalid("AllDayEvent", format!("{v} is not 0 or 1"))),
        };
        let local_year =
            (start + Duration::seconds(i64::from(blob.offset_at(start).local_minus_utc()))).year();
        let tz = zone_of(&blob, local_year);
        let read_when = |s: DateTime<Utc>, e: Option<DateTime<Utc>>, all_day: bool| -> When {
            if all_day {
                let sd = all_day_from_wire(s, &blob, version, false);
                let ed = e
                    .map(|e| all_day_from_wire(e, &blob, version, true))
                    .filter(|ed| *ed > sd)
                    .unwrap_or_else(|| sd.succ_opt().unwrap_or(sd));
                When::AllDay { start: sd, end: ed }
            } else {
                When::Timed {
                    start: s,
                    end: e.unwrap_or(s).max(s),
                }
            }
        };
        let when = read_when(start, end, all_day);
        let mut a = Appointment::new(when, tz);
        a.uid = c.uid.as_deref().map(str::to_string);
        a.summary = c.subject.as_deref().map(str::to_string);
        a.location = match (&c.location_v16, &c.location) {
            (Some(l), _) => l.display_name.as_deref().map(str::to_string),
            (None, l) => l.as_deref().map(str::to_string),
        };
        a.body = match (&c.body, &c.body_v25) {
            (Some(b), _) => body_from_wire(b),
            (None, b) => b.as_deref().map(|s| s.replace("\r\n", "\n")),
        };
        a.organizer = match (&c.organizer_email, &c.organizer_name) {
            (None, None) => None,
            (e, n) => Some(Person {
                email: e.as_deref().unwrap_or("").trim().to_string(),
                name: n.as_deref().map(str::to_string),
            }),
        };
        if let Some(att) = &c.attendees {
            a.attendees = attendees_from_wire(att)?;
        }
        a.sensitivity = c.sensitivity.map(Sensitivity::from_wire).transpose()?;
        a.busy_status = c.busy_status.map(BusyStatus::from_wire).transpose()?;
        a.reminder_minutes = c.reminder;
        a.meeting_status = match c.meeting_status {
            Some(m) => MeetingStatus::from_wire(m)?,
            None if a.attendees.is_empty() => MeetingStatus::Appointment,
            None => MeetingStatus::Organizer,
        };
        a.response_requested = c.response_requested;
        a.categories = c
            .categories
            .as_ref()
            .map(|cs| cs.categories.iter().map(|c| c.to_string()).collect())
            .unwrap_or_default();
        a.dtstamp = match c.dt_stamp.as_deref() {
            Some(s) => Some(datetime::parse(s, "DtStamp")?),
            None => None,
        };
        let start_local = when.start_utc(tz).with_timezone(&tz).naive_local();
        a.recurrence = c
            .recurrence
            .as_ref()
            .map(|r| Recurrence::from_wire(r, start_local))
            .transpose()?;
        if let Some(exs) = &c.exceptions {
            for w in &exs.exceptions {
                let raw = w
                    .exception_start_time
                    .as_deref()
                    .or(w.instance_id.as_deref())
                    .ok_or_else(|| invalid("Exception/ExceptionStartTime", "missing".into()))?;
                let orig = datetime::parse(raw, "Exception/ExceptionStartTime")?;
                // All-day occurrences are keyed by midnight in the series' zone, as the
                // expander produces them.
                let original_start = if all_day {
                    local_midnight(tz, all_day_from_wire(orig, &blob, version, false))
                } else {
                    orig
                };
                let mut e = Exception::modified(original_start);
                e.deleted = w.deleted == Some(1);
                if let Some(s) = w.start_time.as_deref() {
                    let s = datetime::parse(s, "Exception/StartTime")?;
                    let en = match w.end_time.as_deref() {
                        Some(x) => Some(datetime::parse(x, "Exception/EndTime")?),
                        None => None,
                    };
                    let ex_all_day = w.all_day_event.map_or(all_day, |v| v == 1);
                    let nw = read_when(s, en, ex_all_day);
                    let dur = when.end_utc(tz) - when.start_utc(tz);
                    let same = nw.start_utc(tz) == original_start
                        && nw.end_utc(tz) - nw.start_utc(tz) == dur
                        && nw.is_all_day() == all_day;
                    if !same {
                        e.when = Some(nw);
                    }
                }
                e.summary = w.subject.as_deref().map(str::to_string);
                e.location = match (&w.location_v16, &w.location) {
                    (Some(l), _) => l.display_name.as_deref().map(str::to_string),
                    (None, l) => l.as_deref().map(str::to_string),
                };
                e.body = match (&w.body, &w.body_v25) {
                    (Some(b), _) => body_from_wire(b),
                    (None, b) => b.as_deref().map(|s| s.replace("\r\n", "\n")),
                };
                e.attendees = w.attendees.as_ref().map(attendees_from_wire).transpose()?;
                e.categories = w
                    .categories
                    .as_ref()
                    .map(|cs| cs.categories.iter().map(|c| c.to_string()).collect());
                e.sensitivity = w.sensitivity.map(Sensitivity::from_wire).transpose()?;
                e.busy_status = w.busy_status.map(BusyStatus::from_wire).transpose()?;
                e.reminder_minutes = w.reminder;
                e.meeting_status = w.meeting_status.map(MeetingStatus::from_wire).transpose()?;
                e.dtstamp = match w.dt_stamp.as_deref() {
                    Some(s) => Some(datetime::parse(s, "Exception/DtStamp")?),
                    None => None,
                };
                a.exceptions.push(e);
            }
            a.exceptions.sort_by_key(|e| e.original_start);
        }
        Ok(a)
    }
}
