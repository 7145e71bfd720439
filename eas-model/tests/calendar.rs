//! Calendar: VEVENT ↔ Appointment ↔ EAS wire, recurrence, iTIP, and the Scalix seed bugs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Timelike, Utc, Weekday};
use chrono_tz::Tz;
use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, decode};
use eas_codec::data::ApplicationData;
use eas_codec::data::calendar::Calendar;
use eas_model::calendar::itip::{self, Disposition, Response};
use eas_model::calendar::*;
use eas_model::timezone::TimeZoneInfo;
use proptest::prelude::*;

const V14: ProtocolVersion = ProtocolVersion::V14_1;
const V16: ProtocolVersion = ProtocolVersion::V16_1;

fn fixture(name: &str) -> String {
    std::fs::read_to_string(
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/calendar")
            .join(name),
    )
    .unwrap()
}

fn horde(name: &str) -> Option<Calendar> {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/horde/derived/"
    ))
    .join(name);
    let Ok(doc) = std::fs::read(&p) else {
        use std::io::Write as _;
        let _ = writeln!(
            std::io::stderr(),
            "NOTE: {} absent; Horde fixture not checked",
            p.display()
        );
        return None;
    };
    match decode::<ApplicationData>(&doc, DecodeOptions::new(ProtocolVersion::V2_5)).unwrap() {
        ApplicationData::Calendar(c) => Some(*c),
        other => panic!("not a calendar item: {:?}", other.class()),
    }
}

fn utc(y: i32, m: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, mi, 0).unwrap()
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// Occurrence starts of an iCalendar object by calcard's own expander (independent of ours).
fn calcard_occurrences(ics: &str, horizon: DateTime<Utc>) -> Vec<DateTime<Utc>> {
    let calcard::Entry::ICalendar(cal) = calcard::Parser::new(ics).entry() else {
        panic!("not iCalendar")
    };
    let exp = cal.expand_dates(calcard::common::timezone::Tz::UTC, 5000);
    assert!(exp.errors.is_empty(), "{:?}", exp.errors);
    // calcard lists an overridden instance as well as its override: drop the originals.
    let resolver = cal.build_tz_resolver();
    let overridden: Vec<DateTime<Utc>> = cal
        .components
        .iter()
        .filter_map(|c| c.property(&calcard::icalendar::ICalendarProperty::RecurrenceId))
        .map(|rid| {
            let pdt = rid.values[0].as_partial_date_time().unwrap();
            let tz = resolver.resolve_or_default(rid.tz_id());
            let tz = if tz.is_floating() {
                calcard::common::timezone::Tz::UTC
            } else {
                tz
            };
            pdt.to_date_time_with_tz(tz).unwrap().with_timezone(&Utc)
        })
        .collect();
    let mut v: Vec<DateTime<Utc>> = exp
        .events
        .iter()
        .filter(|e| {
            let c = &cal.components[e.comp_id as usize];
            c.has_property(&calcard::icalendar::ICalendarProperty::RecurrenceId)
                || !overridden.contains(&e.start.with_timezone(&Utc))
        })
        .map(|e| e.start.with_timezone(&Utc))
        .filter(|t| *t <= horizon)
        .collect();
    v.sort();
    v.dedup();
    v
}

// ---- Horde fixtures (GPL, read in place) ----

#[test]
fn horde_appointment_keeps_body_sensitivity_and_eastern_zone() {
    let Some(c) = horde("appointment.wbxml") else {
        return;
    };
    let a = Appointment::from_wire(&c, ProtocolVersion::V2_5).unwrap();
    assert_eq!(
        a.when,
        When::Timed {
            start: utc(2011, 12, 1, 20, 0),
            end: utc(2011, 12, 1, 21, 0)
        }
    );
    assert_eq!(a.tz, "America/New_York".parse::<Tz>().unwrap());
    assert_eq!(a.summary.as_deref(), Some("Event Title"));
    assert_eq!(a.body.as_deref(), Some("Event Description"));
    assert_eq!(a.sensitivity, Some(Sensitivity::Personal));
    assert_eq!(a.busy_status, Some(BusyStatus::Busy));
    // Back on the wire at 2.5 the body is Calendar:Body, the sensitivity unchanged.
    let w = a.to_wire(ProtocolVersion::V2_5);
    assert_eq!(w.body_v25.as_deref(), Some("Event Description"));
    assert_eq!(w.sensitivity, Some(1));
}

#[test]
fn horde_allday_is_1970_03_20_in_the_blobs_zone() {
    let Some(c) = horde("allday_appointment.wbxml") else {
        return;
    };
    let blob = TimeZoneInfo::from_base64(c.timezone.as_deref().unwrap()).unwrap();
    // The blob is UTC-5 (bias 300 minutes) with US daylight rules.
    assert_eq!(blob.bias, 300);
    assert!(blob.has_daylight());
    let a = Appointment::from_wire(&c, ProtocolVersion::V2_5).unwrap();
    // 19700320T050000Z is midnight in the blob's zone: the 20th, not the 19th.
    assert_eq!(
        a.when,
        When::AllDay {
            start: date(1970, 3, 20),
            end: date(1970, 3, 21)
        }
    );
    let ics = a.to_icalendar(None);
    assert!(ics.contains("DTSTART;VALUE=DATE:19700320\r\n"), "{ics}");
}

#[test]
fn horde_dst_series_is_us_eastern_and_stays_at_15_00_local() {
    let Some(c) = horde("dst.wbxml") else { return };
    let blob = TimeZoneInfo::from_base64(c.timezone.as_deref().unwrap()).unwrap();
    assert_eq!(blob.bias, 300);
    assert_eq!(
        (blob.daylight_date.month, blob.standard_date.month),
        (3, 11)
    );
    let a = Appointment::from_wire(&c, ProtocolVersion::V2_5).unwrap();
    let ny: Tz = "America/New_York".parse().unwrap();
    assert_eq!(a.tz, ny);
    let r = a.recurrence.unwrap();
    assert_eq!(
        r.pattern,
        Pattern::Weekly {
            days: DaySet::of(Weekday::Sat)
        }
    );
    assert_eq!(r.interval, 2);
    // Starts 2011-10-01 15:00 EDT; after the November switch the series stays at 15:00 EST.
    let occ = a.occurrences(utc(2011, 12, 31, 0, 0));
    assert_eq!(occ[0], utc(2011, 10, 1, 19, 0));
    assert!(
        occ.iter().all(|t| t.with_timezone(&ny).hour() == 15),
        "{occ:?}"
    );
    assert!(occ.contains(&utc(2011, 11, 12, 20, 0)), "{occ:?}");
}

#[test]
fn horde_recurrence_and_simple_exception() {
    let Some(c) = horde("recurrence.wbxml") else {
        return;
    };
    let a = Appointment::from_wire(&c, ProtocolVersion::V2_5).unwrap();
    assert_eq!(
        a.recurrence.unwrap().pattern,
        Pattern::Weekly {
            days: DaySet::of(Weekday::Thu)
        }
    );
    assert!(
        a.to_icalendar(None)
            .contains("RRULE:FREQ=WEEKLY;INTERVAL=2;BYDAY=TH;WKST=SU\r\n")
    );

    let Some(c) = horde("simpleexception.wbxml") else {
        return;
    };
    let a = Appointment::from_wire(&c, ProtocolVersion::V2_5).unwrap();
    assert_eq!(
        a.exceptions,
        vec![Exception::deleted(utc(2011, 12, 29, 20, 0))]
    );
    let occ = a.occurrences(utc(2012, 1, 31, 0, 0));
    assert_eq!(
        occ,
        vec![
            utc(2011, 12, 1, 20, 0),
            utc(2011, 12, 15, 20, 0),
            utc(2012, 1, 12, 20, 0),
            utc(2012, 1, 26, 20, 0)
        ]
    );
    let ics = a.to_icalendar(None);
    assert!(
        ics.contains("EXDATE;TZID=America/New_York:20111229T150000\r\n"),
        "{ics}"
    );
}

#[test]
fn horde_meeting_request_all_zero_blob_means_utc() {
    let p = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../shared/corpus/horde/derived/meeting_request_one.expected.xml"
    ));
    let Ok(xml) = std::fs::read_to_string(&p) else {
        return;
    };
    let b64 = xml
        .split("<TimeZone xmlns=\"Email:\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let blob = TimeZoneInfo::from_base64(b64).unwrap();
    assert!(blob.is_all_zero());
    let c = Calendar {
        timezone: Some(b64.into()),
        start_time: Some("20120608T173000Z".into()),
        end_time: Some("20120608T183000Z".into()),
        organizer_email: Some("mikerubinsky@gmail.com".into()),
        ..Default::default()
    };
    let a = Appointment::from_wire(&c, V14).unwrap();
    assert_eq!(a.tz, chrono_tz::UTC);
    assert_eq!(a.when.start_utc(a.tz), utc(2012, 6, 8, 17, 30));
}

// ---- Scalix seed bugs ----

#[test]
fn scalix_20427_20558_allday_from_14x_device_is_never_a_day_early() {
    // A device in Auckland (UTC+13 in January) creates an all-day event on 2026-01-15: it
    // sends local midnight, which is the 14th in UTC.
    let akl: Tz = "Pacific/Auckland".parse().unwrap();
    let c = Calendar {
        timezone: Some(TimeZoneInfo::for_zone(akl, 2026).to_base64().into()),
        start_time: Some("20260114T110000Z".into()),
        end_time: Some("20260115T110000Z".into()),
        all_day_event: Some(1),
        ..Default::default()
    };
    let a = Appointment::from_wire(&c, V14).unwrap();
    assert_eq!(
        a.when,
        When::AllDay {
            start: date(2026, 1, 15),
            end: date(2026, 1, 16)
        }
    );
    // Sent to a 16.1 device it is the date itself; to a 14.1 device, Auckland midnight again.
    let w16 = a.to_wire(V16);
    assert_eq!(w16.start_time.as_deref(), Some("20260115T000000Z"));
    assert_eq!(w16.end_time.as_deref(), Some("20260116T000000Z"));
    assert_eq!(
        a.to_wire(V14).start_time.as_deref(),
        Some("20260114T110000Z")
    );
    // And a 16.1 all-day item reads as its date whatever the blob says.
    let back = Appointment::from_wire(&w16, V16).unwrap();
    assert_eq!(back.when, a.when);
    // Los Angeles, the other side: midnight there is 08:00Z the same day.
    let la: Tz = "America/Los_Angeles".parse().unwrap();
    let c = Calendar {
        timezone: Some(TimeZoneInfo::for_zone(la, 2026).to_base64().into()),
        start_time: Some("20260704T070000Z".into()),
        end_time: Some("20260705T070000Z".into()),
        all_day_event: Some(1),
        ..Default::default()
    };
    let a = Appointment::from_wire(&c, V14).unwrap();
    assert_eq!(
        a.when,
        When::AllDay {
            start: date(2026, 7, 4),
            end: date(2026, 7, 5)
        }
    );
}

#[test]
fn scalix_dst_shift_winter_created_summer_date_keeps_wall_clock() {
    // Created in January for a July date in Berlin at 10:00: the blob written in winter
    // carries the DST rules, so the device and the server both read 10:00 CEST.
    let ber: Tz = "Europe/Berlin".parse().unwrap();
    let start = ber
        .with_ymd_and_hms(2026, 7, 1, 10, 0, 0)
        .unwrap()
        .with_timezone(&Utc);
    let mut a = Appointment::new(
        When::Timed {
            start,
            end: start + Duration::hours(1),
        },
        ber,
    );
    a.dtstamp = Some(utc(2026, 1, 10, 9, 0));
    let w = a.to_wire(V14);
    let blob = TimeZoneInfo::from_base64(w.timezone.as_deref().unwrap()).unwrap();
    assert_eq!(blob.offset_at(start).local_minus_utc(), 7200);
    assert_eq!(w.start_time.as_deref(), Some("20260701T080000Z"));
    let back = Appointment::from_wire(&w, V14).unwrap();
    assert_eq!(back.when, a.when);
    assert!(
        back.to_icalendar(None)
            .contains("DTSTART;TZID=Europe/Berlin:20260701T100000\r\n")
    );
}

#[test]
fn scalix_20901_no_busy_status_is_fine_everywhere() {
    let c = Calendar {
        timezone: Some(
            TimeZoneInfo::for_zone(chrono_tz::UTC, 2026)
                .to_base64()
                .into(),
        ),
        start_time: Some("20260301T090000Z".into()),
        end_time: Some("20260301T100000Z".into()),
        subject: Some("No busy status".into()),
        ..Default::default()
    };
    let a = Appointment::from_wire(&c, V14).unwrap();
    assert_eq!(a.busy_status, None);
    let ics = a.to_icalendar(None);
    assert!(
        !ics.contains("TRANSP") && !ics.contains("BUSYSTATUS"),
        "{ics}"
    );
    let again = Appointment::from_icalendar(&ics, None).unwrap();
    assert_eq!(again.busy_status, None);
    assert_eq!(again.to_wire(V14).busy_status, None);
}

#[test]
fn scalix_20364_sensitivity_survives_every_hop() {
    for s in [
        Sensitivity::Normal,
        Sensitivity::Personal,
        Sensitivity::Private,
        Sensitivity::Confidential,
    ] {
        let mut a = Appointment::new(
            When::Timed {
                start: utc(2026, 2, 2, 9, 0),
                end: utc(2026, 2, 2, 10, 0),
            },
            chrono_tz::UTC,
        );
        a.sensitivity = Some(s);
        let ics = a.to_icalendar(None);
        let b = Appointment::from_icalendar(&ics, None).unwrap();
        let c = Appointment::from_wire(&b.to_wire(V14), V14).unwrap();
        assert_eq!(c.sensitivity, Some(s), "{ics}");
    }
}

#[test]
fn scalix_20021_20960_description_kept_with_line_breaks() {
    let body = "Line one, with comma; and semicolon\nLine two \\ backslash\n\nÜmlaut line that is long enough to need folding at seventy-five octets for sure";
    let mut a = Appointment::new(
        When::Timed {
            start: utc(2026, 2, 2, 9, 0),
            end: utc(2026, 2, 2, 10, 0),
        },
        chrono_tz::UTC,
    );
    a.body = Some(body.into());
    for v in [ProtocolVersion::V2_5, ProtocolVersion::V12_0, V14, V16] {
        let w = a.to_wire(v);
        let b = Appointment::from_wire(&w, v).unwrap();
        assert_eq!(b.body.as_deref(), Some(body), "{v:?}");
    }
    let ics = a.to_icalendar(None);
    assert!(ics.lines().all(|l| l.len() <= 75), "{ics}");
    assert_eq!(
        Appointment::from_icalendar(&ics, None)
            .unwrap()
            .body
            .as_deref(),
        Some(body)
    );
    // A device that sends an HTML body (type 2) still gives a readable description.
    let mut w = a.to_wire(V14);
    w.body.as_mut().unwrap().body_type = Some(2);
    w.body.as_mut().unwrap().data = Some("<p>Hello &amp; welcome</p><p>Second</p>".into());
    assert_eq!(
        Appointment::from_wire(&w, V14).unwrap().body.as_deref(),
        Some("Hello & welcome\nSecond")
    );
}

#[test]
fn scalix_20844_organizer_unchanged_through_meeting_round_trip() {
    let ics = fixture("outlook_weekly_request.ics");
    let a = Appointment::from_icalendar(&ics, Some("bob@example.com")).unwrap();
    assert_eq!(a.meeting_status, MeetingStatus::Received);
    let org = Person {
        name: Some("Olga Organizer".into()),
        email: "olga@example.com".into(),
    };
    assert_eq!(a.organizer.as_ref(), Some(&org));
    for v in [V14, V16] {
        let b = Appointment::from_wire(&a.to_wire(v), v).unwrap();
        assert_eq!(b.organizer.as_ref(), Some(&org));
        let c =
            Appointment::from_icalendar(&b.to_icalendar(None), Some("bob@example.com")).unwrap();
        assert_eq!(c.organizer.as_ref(), Some(&org));
        assert_eq!(c.attendees, a.attendees);
    }
    // Bob's reply keeps Olga as organizer.
    let reply = itip::reply(
        &a,
        "bob@example.com",
        Response::Accept,
        None,
        None,
        utc(2026, 1, 6, 7, 0),
    )
    .unwrap();
    assert!(
        reply.contains("ORGANIZER;CN=\"Olga Organizer\":mailto:olga@example.com\r\n"),
        "{reply}"
    );
}

#[test]
fn scalix_19796_cancelled_meeting_shows_the_right_when() {
    let ics = fixture("outlook_weekly_request.ics");
    let organizer = Appointment::from_icalendar(&ics, Some("olga@example.com")).unwrap();
    let mut bobs = Appointment::from_icalendar(&ics, Some("bob@example.com")).unwrap();
    let occ = utc(2026, 1, 26, 8, 30);
    let cancel = itip::cancel(&organizer, Some(occ), utc(2026, 1, 20, 12, 0));
    assert!(cancel.contains("METHOD:CANCEL"));
    assert!(
        cancel.contains("RECURRENCE-ID;TZID=Europe/Berlin:20260126T093000"),
        "{cancel}"
    );
    assert!(
        cancel.contains("DTSTART;TZID=Europe/Berlin:20260126T093000"),
        "{cancel}"
    );
    assert_eq!(cancel.matches("BEGIN:VEVENT").count(), 1);
    assert_eq!(
        itip::apply_cancel(&mut bobs, &cancel).unwrap(),
        Disposition::Apply
    );
    assert!(bobs.exceptions.contains(&Exception::deleted(occ)));
    assert!(!bobs.occurrences(utc(2026, 2, 1, 0, 0)).contains(&occ));
    assert_eq!(
        itip::apply_cancel(&mut bobs, &cancel).unwrap(),
        Disposition::Duplicate
    );
    // Cancelling the whole meeting keeps its time and marks it cancelled.
    let all = itip::cancel(&organizer, None, utc(2026, 1, 21, 12, 0));
    let when_before = bobs.when;
    assert_eq!(
        itip::apply_cancel(&mut bobs, &all).unwrap(),
        Disposition::Apply
    );
    assert_eq!(bobs.meeting_status, MeetingStatus::CancelledReceived);
    assert_eq!(bobs.when, when_before);
    assert_eq!(bobs.to_wire(V14).meeting_status, Some(7));
}

// ---- iCalendar reading ----

#[test]
fn outlook_request_reads_windows_tzid_exdate_and_override() {
    let a = Appointment::from_icalendar(
        &fixture("outlook_weekly_request.ics"),
        Some("bob@example.com"),
    )
    .unwrap();
    let ber: Tz = "Europe/Berlin".parse().unwrap();
    assert_eq!(a.tz, ber);
    assert_eq!(
        a.when,
        When::Timed {
            start: utc(2026, 1, 12, 8, 30),
            end: utc(2026, 1, 12, 9, 0)
        }
    );
    assert_eq!(a.location.as_deref(), Some("Room 4, 2nd floor"));
    assert_eq!(a.body.as_deref(), Some("Agenda:\n1. Status\n2. Risks"));
    assert_eq!(a.sensitivity, Some(Sensitivity::Private));
    assert_eq!(a.busy_status, Some(BusyStatus::Tentative));
    assert_eq!(a.reminder_minutes, Some(15));
    assert_eq!(a.categories, vec!["Work".to_string(), "Team".to_string()]);
    assert_eq!(a.response_requested, Some(true));
    assert_eq!(a.sequence, 2);
    let kinds: Vec<(AttendeeType, AttendeeStatus)> =
        a.attendees.iter().map(|x| (x.kind, x.status)).collect();
    assert_eq!(
        kinds,
        vec![
            (AttendeeType::Required, AttendeeStatus::NotResponded),
            (AttendeeType::Optional, AttendeeStatus::Accepted),
            (AttendeeType::Resource, AttendeeStatus::Unknown),
        ]
    );
    let r = a.recurrence.unwrap();
    assert_eq!(
        r.pattern,
        Pattern::Weekly {
            days: DaySet(2 | 8)
        }
    );
    assert_eq!(r.first_day_of_week, Some(Weekday::Mon));
    assert_eq!(r.end, RecurrenceEnd::Until(utc(2026, 6, 30, 7, 30)));
    assert_eq!(a.exceptions.len(), 2);
    assert_eq!(a.exceptions[0], Exception::deleted(utc(2026, 1, 14, 8, 30)));
    let moved = &a.exceptions[1];
    assert_eq!(moved.original_start, utc(2026, 1, 19, 8, 30));
    assert_eq!(
        moved.when,
        Some(When::Timed {
            start: utc(2026, 1, 19, 13, 0),
            end: utc(2026, 1, 19, 13, 30)
        })
    );
    assert_eq!(moved.summary.as_deref(), Some("Team sync (moved)"));
    // The same occurrences as calcard's own expansion of the file, and after our rewrite.
    let h = utc(2027, 1, 1, 0, 0);
    let ours = a.occurrences(h);
    assert_eq!(
        ours,
        calcard_occurrences(&fixture("outlook_weekly_request.ics"), h)
    );
    assert_eq!(ours, calcard_occurrences(&a.to_icalendar(None), h));
    // On the wire: weekly, Mon+Wed, FirstDayOfWeek 1 at 14.1, the two exceptions.
    let w = a.to_wire(V14);
    let rec = w.recurrence.as_ref().unwrap();
    assert_eq!(
        (rec.recurrence_type, rec.day_of_week, rec.first_day_of_week),
        (Some(1), Some(10), Some(1))
    );
    assert_eq!(rec.until.as_deref(), Some("20260630T073000Z"));
    let exs = &w.exceptions.as_ref().unwrap().exceptions;
    assert_eq!(
        exs[0].exception_start_time.as_deref(),
        Some("20260114T083000Z")
    );
    assert_eq!(exs[0].deleted, Some(1));
    let w16 = a.to_wire(V16);
    assert_eq!(
        w16.exceptions.as_ref().unwrap().exceptions[1]
            .instance_id
            .as_deref(),
        Some("20260119T083000Z")
    );
    assert_eq!(
        Appointment::from_wire(&w16, V16).unwrap().occurrences(h),
        ours
    );
}

#[test]
fn allday_yearly_fixture() {
    let a = Appointment::from_icalendar(&fixture("allday_yearly.ics"), None).unwrap();
    assert_eq!(
        a.when,
        When::AllDay {
            start: date(2026, 3, 20),
            end: date(2026, 3, 22)
        }
    );
    let r = a.recurrence.unwrap();
    assert_eq!(r.pattern, Pattern::Yearly { month: 3, day: 20 });
    assert_eq!(r.end, RecurrenceEnd::Count(3));
    let w = a.to_wire(V16);
    assert_eq!(w.all_day_event, Some(1));
    assert_eq!(w.start_time.as_deref(), Some("20260320T000000Z"));
    let rec = w.recurrence.unwrap();
    assert_eq!(
        (
            rec.recurrence_type,
            rec.month_of_year,
            rec.day_of_month,
            rec.occurrences
        ),
        (Some(5), Some(3), Some(20), Some(3))
    );
}

#[test]
fn rrules_eas_cannot_express_are_refused() {
    for rule in [
        "FREQ=DAILY;BYHOUR=9,17",
        "FREQ=MONTHLY;BYMONTHDAY=1,15",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=1,-1",
        "FREQ=HOURLY",
        "FREQ=YEARLY;BYWEEKNO=20",
        "FREQ=YEARLY;BYMONTH=1,7",
        "FREQ=MONTHLY;BYDAY=1MO,3WE",
    ] {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T090000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let e = Appointment::from_icalendar(&ics, None).unwrap_err();
        assert!(
            matches!(e, eas_model::ModelError::ICalendar(_)),
            "{rule}: {e:?}"
        );
    }
    // The forms EAS has: last weekday of the month, second Tuesday, last day.
    // (DTSTART on the rule: RFC 5545 leaves a start off the rule undefined.)
    for (start, rule, pattern) in [
        (
            "20260130",
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
            Pattern::MonthlyNth {
                week: 5,
                days: DaySet(62),
            },
        ),
        (
            "20260113",
            "FREQ=MONTHLY;BYDAY=2TU",
            Pattern::MonthlyNth {
                week: 2,
                days: DaySet(4),
            },
        ),
        (
            "20260131",
            "FREQ=MONTHLY;BYMONTHDAY=-1",
            Pattern::MonthlyNth {
                week: 5,
                days: DaySet::ALL,
            },
        ),
        (
            "20261126",
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH",
            Pattern::YearlyNth {
                month: 11,
                week: 4,
                days: DaySet(16),
            },
        ),
        (
            "20260105",
            "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
            Pattern::Weekly { days: DaySet(62) },
        ),
    ] {
        let ics = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:x\r\nDTSTART:{start}T090000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let a = Appointment::from_icalendar(&ics, None).unwrap();
        assert_eq!(a.recurrence.unwrap().pattern, pattern, "{rule}");
        let h = utc(2028, 1, 1, 0, 0);
        assert_eq!(a.occurrences(h), calcard_occurrences(&ics, h), "{rule}");
        assert_eq!(
            calcard_occurrences(&a.to_icalendar(None), h),
            calcard_occurrences(&ics, h),
            "{rule}"
        );
    }
}

// ---- iTIP ----

#[test]
fn itip_reply_counter_and_duplicates() {
    let inv = Appointment::from_icalendar(
        &fixture("outlook_weekly_request.ics"),
        Some("bob@example.com"),
    )
    .unwrap();
    let now = utc(2026, 1, 6, 7, 0);
    let r = itip::reply(&inv, "bob@example.com", Response::Accept, None, None, now).unwrap();
    assert!(r.contains("METHOD:REPLY\r\n"));
    assert!(r.contains("PARTSTAT=ACCEPTED"), "{r}");
    assert!(r.contains("SEQUENCE:2\r\n") && r.contains("DTSTAMP:20260106T070000Z\r\n"));
    assert_eq!(r.matches("ATTENDEE").count(), 1);
    let incoming = itip::parse_reply(&r).unwrap();
    assert_eq!(incoming.answer.status, AttendeeStatus::Accepted);

    let mut stored = Appointment::from_icalendar(
        &fixture("outlook_weekly_request.ics"),
        Some("olga@example.com"),
    )
    .unwrap();
    assert_eq!(
        itip::classify_reply(&stored, None, &incoming).unwrap(),
        Disposition::Apply
    );
    itip::apply_reply(&mut stored, &incoming);
    assert_eq!(stored.attendees[0].status, AttendeeStatus::Accepted);
    // The same acceptance again: a duplicate, with or without the stored reply record.
    assert_eq!(
        itip::classify_reply(&stored, None, &incoming).unwrap(),
        Disposition::Duplicate
    );
    assert_eq!(
        itip::classify_reply(&stored, Some(&incoming.answer), &incoming).unwrap(),
        Disposition::Duplicate
    );
    // A later decline for the same SEQUENCE applies; an answer to SEQUENCE 1 is stale.
    let d = itip::parse_reply(
        &itip::reply(
            &inv,
            "bob@example.com",
            Response::Decline,
            None,
            None,
            now + Duration::hours(1),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(
        itip::classify_reply(&stored, Some(&incoming.answer), &d).unwrap(),
        Disposition::Apply
    );
    let mut old = d.clone();
    old.answer.sequence = 1;
    assert_eq!(
        itip::classify_reply(&stored, None, &old).unwrap(),
        Disposition::Stale
    );
    let mut earlier = d.clone();
    earlier.answer.dtstamp = Some(now - Duration::hours(1));
    assert_eq!(
        itip::classify_reply(&stored, Some(&incoming.answer), &earlier).unwrap(),
        Disposition::Stale
    );

    // 16.1 proposal: a COUNTER with the new time.
    let p = itip::ProposedTime {
        start: utc(2026, 1, 12, 12, 0),
        end: utc(2026, 1, 12, 12, 30),
    };
    let c = itip::reply(
        &inv,
        "bob@example.com",
        Response::Tentative,
        Some(p),
        None,
        now,
    )
    .unwrap();
    assert!(c.contains("METHOD:COUNTER\r\n") && c.contains("PARTSTAT=TENTATIVE"));
    assert!(
        c.contains("DTSTART;TZID=Europe/Berlin:20260112T130000\r\n"),
        "{c}"
    );
    // Declining one occurrence: a single override VEVENT with its RECURRENCE-ID.
    let one = itip::reply(
        &inv,
        "bob@example.com",
        Response::Decline,
        None,
        Some(utc(2026, 2, 2, 8, 30)),
        now,
    )
    .unwrap();
    assert_eq!(one.matches("BEGIN:VEVENT").count(), 1, "{one}");
    assert!(
        one.contains("RECURRENCE-ID;TZID=Europe/Berlin:20260202T093000\r\n"),
        "{one}"
    );
    assert!(
        one.contains("PARTSTAT=DECLINED") && !one.contains("RRULE:FREQ=WEEKLY"),
        "{one}"
    );
    assert_eq!(Response::from_wire(2).unwrap(), Response::Tentative);
    assert!(Response::from_wire(4).is_err());
}

// ---- Properties ----

const ZONES: [&str; 6] = [
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Pacific/Auckland",
    "Australia/Sydney",
    "America/Sao_Paulo",
];

/// What differs between two occurrence lists (short enough to read in a failure).
fn diff(a: &[DateTime<Utc>], b: &[DateTime<Utc>]) -> String {
    let only_a: Vec<_> = a.iter().filter(|x| !b.contains(x)).take(5).collect();
    let only_b: Vec<_> = b.iter().filter(|x| !a.contains(x)).take(5).collect();
    format!(
        "{} vs {} occurrences; only left {only_a:?}; only right {only_b:?}",
        a.len(),
        b.len()
    )
}

fn weekday(i: u8) -> &'static str {
    ["SU", "MO", "TU", "WE", "TH", "FR", "SA"][usize::from(i % 7)]
}

/// An EAS-expressible RRULE for a start date, and the start date adjusted to match it.
fn rule_strategy() -> impl Strategy<Value = (u8, u8, u8, u8, u8, u8, u8)> {
    (0u8..7, 1u8..4, 1u8..128, 1u8..29, 1u8..6, 1u8..13, 0u8..3)
}

fn build_ics(
    zone: &str,
    start: NaiveDate,
    hour: u32,
    minute: u32,
    all_day: bool,
    r: (u8, u8, u8, u8, u8, u8, u8),
    exdate_k: usize,
) -> Option<String> {
    let (kind, interval, mask, dom, week, month, end) = r;
    let days: Vec<&str> = (0..7)
        .filter(|i| mask & (1 << i) != 0)
        .map(weekday)
        .collect();
    let one_day = weekday(mask.trailing_zeros() as u8);
    let week_ord = if week == 5 { -1 } else { i32::from(week) };
    let rule = match kind {
        0 => "FREQ=DAILY".to_string(),
        1 => format!("FREQ=WEEKLY;BYDAY={}", days.join(",")),
        2 => format!("FREQ=MONTHLY;BYMONTHDAY={dom}"),
        3 => format!("FREQ=MONTHLY;BYDAY={week_ord}{one_day}"),
        4 => format!("FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={dom}"),
        5 => format!("FREQ=YEARLY;BYMONTH={month};BYDAY={week_ord}{one_day}"),
        _ => format!("FREQ=MONTHLY;BYDAY={};BYSETPOS={week_ord}", days.join(",")),
    };
    let rule = format!(
        "{rule};INTERVAL={interval}{}",
        match end {
            0 => String::new(),
            1 => ";COUNT=7".into(),
            _ =>
                if all_day {
                    format!(";UNTIL={}", (start + Duration::days(400)).format("%Y%m%d"))
                } else {
                    // calcard compares a UTC UNTIL with local wall-clock times (RFC 5545 wants
                    // instants), so put UNTIL where both readings fall in the night, away from every
                    // occurrence (starts are 08:00-17:45 local).
                    let d = start + Duration::days(400);
                    let tz: Tz = zone.parse().ok()?;
                    let o = tz
                        .offset_from_utc_datetime(&d.and_hms_opt(12, 0, 0)?)
                        .fix()
                        .local_minus_utc();
                    let u = d.and_hms_opt(18, 50, 0)? + Duration::seconds(i64::from((-o).max(0)));
                    format!(";UNTIL={}", u.format("%Y%m%dT%H%M%SZ"))
                },
        }
    );
    let (ds, de) = if all_day {
        (
            format!("DTSTART;VALUE=DATE:{}", start.format("%Y%m%d")),
            format!(
                "DTEND;VALUE=DATE:{}",
                (start + Duration::days(1)).format("%Y%m%d")
            ),
        )
    } else {
        (
            format!(
                "DTSTART;TZID={zone}:{}T{hour:02}{minute:02}00",
                start.format("%Y%m%d")
            ),
            format!(
                "DTEND;TZID={zone}:{}T{:02}{minute:02}00",
                start.format("%Y%m%d"),
                hour + 1
            ),
        )
    };
    // Delete one occurrence: the k-th after the first (found with calcard on the plain rule).
    let base = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:p\r\nDTSTAMP:20260101T000000Z\r\n{ds}\r\n{de}\r\nRRULE:{rule}\r\nSUMMARY:prop\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let occ = calcard_occurrences(
        &base,
        Utc.from_utc_datetime(&start.and_hms_opt(0, 0, 0)?) + Duration::days(365 * 30),
    );
    let victim = occ.get(exdate_k)?;
    let tz: Tz = zone.parse().ok()?;
    let ex = if all_day {
        format!(
            "EXDATE;VALUE=DATE:{}",
            victim.with_timezone(&tz).format("%Y%m%d")
        )
    } else {
        format!(
            "EXDATE;TZID={zone}:{}",
            victim.with_timezone(&tz).format("%Y%m%dT%H%M%S")
        )
    };
    let with_ex = base.replace("SUMMARY:prop", &format!("{ex}\r\nSUMMARY:prop"));
    // And move the next one: two hours later, or a day later for all-day events.
    let Some(moved) = occ.get(exdate_k + 1) else {
        return Some(with_ex);
    };
    let local = moved.with_timezone(&tz);
    let ov = if all_day {
        let d = local.date_naive();
        format!(
            "BEGIN:VEVENT\r\nUID:p\r\nRECURRENCE-ID;VALUE=DATE:{}\r\nDTSTART;VALUE=DATE:{}\r\nDTEND;VALUE=DATE:{}\r\nSUMMARY:moved\r\nEND:VEVENT\r\n",
            d.format("%Y%m%d"),
            (d + Duration::days(1)).format("%Y%m%d"),
            (d + Duration::days(2)).format("%Y%m%d")
        )
    } else {
        let l = local.naive_local();
        format!(
            "BEGIN:VEVENT\r\nUID:p\r\nRECURRENCE-ID;TZID={zone}:{}\r\nDTSTART;TZID={zone}:{}\r\nDTEND;TZID={zone}:{}\r\nSUMMARY:moved\r\nEND:VEVENT\r\n",
            l.format("%Y%m%dT%H%M%S"),
            (l + Duration::hours(2)).format("%Y%m%dT%H%M%S"),
            (l + Duration::hours(3)).format("%Y%m%dT%H%M%S")
        )
    };
    Some(with_ex.replace("END:VCALENDAR", &format!("{ov}END:VCALENDAR")))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// VEVENT → Appointment → wire (14.1 and 16.1) → Appointment → VEVENT keeps the same
    /// occurrences in UTC over ten years, by calcard's expander on both ends.
    #[test]
    fn vevent_wire_vevent_keeps_occurrences(
        zone in 0usize..ZONES.len(),
        year in 2024i32..2030,
        doy in 0u32..365,
        hour in 8u32..18,
        minute in prop::sample::select(vec![0u32, 15, 30, 45]),
        all_day in any::<bool>(),
        r in rule_strategy(),
        exdate_k in 1usize..4,
        v16 in any::<bool>(),
    ) {
        let zone = ZONES[zone];
        let start0 = date(year, 1, 1) + Duration::days(i64::from(doy));
        let (kind, _, mask, dom, week, month, _) = r;
        // Move the start onto the rule so DTSTART is an occurrence (RFC 5545 counts it anyway,
        // and EAS has no way to say otherwise).
        let tz: Tz = zone.parse().unwrap();
        let first = {
            let probe = format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:q\r\nDTSTART;VALUE=DATE:{}\r\nRRULE:{}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
                start0.format("%Y%m%d"),
                match kind { 0 => "FREQ=DAILY".to_string(), 1 => format!("FREQ=WEEKLY;BYDAY={}", (0..7).filter(|i| mask & (1 << i) != 0).map(weekday).collect::<Vec<_>>().join(",")), 2 => format!("FREQ=MONTHLY;BYMONTHDAY={dom}"), 3 => format!("FREQ=MONTHLY;BYDAY={}{}", if week == 5 { -1 } else { i32::from(week) }, weekday(mask.trailing_zeros() as u8)), 4 => format!("FREQ=YEARLY;BYMONTH={month};BYMONTHDAY={dom}"), 5 => format!("FREQ=YEARLY;BYMONTH={month};BYDAY={}{}", if week == 5 { -1 } else { i32::from(week) }, weekday(mask.trailing_zeros() as u8)), _ => format!("FREQ=MONTHLY;BYDAY={};BYSETPOS={}", (0..7).filter(|i| mask & (1 << i) != 0).map(weekday).collect::<Vec<_>>().join(","), if week == 5 { -1 } else { i32::from(week) }) });
            let o = calcard_occurrences(&probe, utc(year + 12, 1, 1, 0, 0));
            o.get(1).map(|t| t.date_naive())
        };
        // A rule with fewer than a handful of occurrences in twelve years is not interesting.
        prop_assume!(first.is_some());
        let start = first.unwrap();
        let ics = build_ics(zone, start, hour, minute, all_day, r, exdate_k);
        prop_assume!(ics.is_some());
        let ics = ics.unwrap();
        let horizon = utc(year + 10, 1, 1, 0, 0);
        let expected = calcard_occurrences(&ics, horizon);
        let a = Appointment::from_icalendar(&ics, None).unwrap();
        // DATE values carry no zone: an all-day series is read in UTC.
        prop_assert_eq!(a.tz, if all_day { chrono_tz::UTC } else { tz });
        // Compared as sets: a moved occurrence may land on another one's day.
        let mut ours = a.occurrences(horizon);
        ours.dedup();
        prop_assert!(ours == expected, "our expander: {}\n{}", diff(&ours, &expected), ics);
        let v = if v16 { V16 } else { V14 };
        let b = Appointment::from_wire(&a.to_wire(v), v).unwrap();
        prop_assert_eq!(b.when, a.when);
        let mut after = b.occurrences(horizon);
        after.dedup();
        prop_assert!(after == expected, "after the wire: {}\n{}", diff(&after, &expected), ics);
        let out = b.to_icalendar(None);
        let last = calcard_occurrences(&out, horizon);
        prop_assert!(last == expected, "final VEVENT: {}\n{}", diff(&last, &expected), out);
        // The moved occurrence is a modified exception on both sides.
        prop_assert_eq!(b.exceptions.iter().filter(|e| !e.deleted).count(), a.exceptions.iter().filter(|e| !e.deleted).count());
    }
}

#[test]
fn wire_items_encode_and_decode_strictly_for_every_version() {
    use eas_codec::codec::encode;
    let mut a = Appointment::from_icalendar(
        &fixture("outlook_weekly_request.ics"),
        Some("bob@example.com"),
    )
    .unwrap();
    a.exceptions.push({
        let mut e = Exception::modified(utc(2026, 2, 2, 8, 30));
        e.body = Some("Only this week".into());
        e.location = Some("Room 5".into());
        e
    });
    for v in ProtocolVersion::ALL {
        let item = ApplicationData::Calendar(Box::new(a.to_wire(v)));
        let doc = encode(&item, v).unwrap_or_else(|e| panic!("{v:?}: {e:?}"));
        let back = match decode::<ApplicationData>(&doc, DecodeOptions::new(v))
            .unwrap_or_else(|e| panic!("{v:?}: {e:?}"))
        {
            ApplicationData::Calendar(c) => *c,
            _ => panic!("class changed"),
        };
        let b = Appointment::from_wire(&back, v).unwrap();
        assert_eq!(b.summary, a.summary, "{v:?}");
        assert_eq!(b.location, a.location, "{v:?}");
        assert_eq!(
            b.exceptions.last().unwrap().location.as_deref(),
            Some("Room 5"),
            "{v:?}"
        );
        assert_eq!(
            b.occurrences(utc(2027, 1, 1, 0, 0)),
            a.occurrences(utc(2027, 1, 1, 0, 0)),
            "{v:?}"
        );
    }
}

#[test]
fn output_is_valid_icalendar_with_a_vtimezone() {
    let a = Appointment::from_icalendar(
        &fixture("outlook_weekly_request.ics"),
        Some("bob@example.com"),
    )
    .unwrap();
    let ics = a.to_icalendar(None);
    if std::env::var_os("SHOW_ICS").is_some() {
        eprintln!("{ics}");
    }
    assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
    assert!(
        ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"),
        "{ics}"
    );
    assert!(ics.contains("TZOFFSETTO:+0200"), "{ics}");
    assert!(ics.ends_with("END:VCALENDAR\r\n"));
    assert!(ics.split("\r\n").all(|l| l.len() <= 75));
    // Reading our own output gives the same appointment.
    let b = Appointment::from_icalendar(&ics, Some("bob@example.com")).unwrap();
    assert_eq!(b, a);
}

#[test]
fn malformed_input_is_an_error_not_a_panic() {
    assert!(Appointment::from_icalendar("", None).is_err());
    assert!(Appointment::from_icalendar("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", None).is_err());
    assert!(
        Appointment::from_icalendar(
            "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:x\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            None
        )
        .is_err()
    );
    let bad = [
        Calendar {
            start_time: None,
            ..Default::default()
        },
        Calendar {
            start_time: Some("tomorrow".into()),
            ..Default::default()
        },
        Calendar {
            start_time: Some("20260101T000000Z".into()),
            timezone: Some("not base64!".into()),
            ..Default::default()
        },
        Calendar {
            start_time: Some("20260101T000000Z".into()),
            busy_status: Some(9),
            ..Default::default()
        },
        Calendar {
            start_time: Some("20260101T000000Z".into()),
            meeting_status: Some(2),
            ..Default::default()
        },
        Calendar {
            start_time: Some("20260101T000000Z".into()),
            recurrence: Some(eas_codec::data::calendar::CalendarRecurrence {
                recurrence_type: Some(4),
                ..Default::default()
            }),
            ..Default::default()
        },
        Calendar {
            start_time: Some("20260101T000000Z".into()),
            recurrence: Some(eas_codec::data::calendar::CalendarRecurrence {
                recurrence_type: Some(3),
                day_of_week: Some(2),
                ..Default::default()
            }),
            ..Default::default()
        },
    ];
    for c in bad {
        assert!(Appointment::from_wire(&c, V14).is_err(), "{c:?}");
    }
}
