//! Tasks: VTODO and wire round trips (property tests, recurrence included), the two date
//! forms, RRULE shapes for each MS-ASTASK recurrence Type, and foreign VTODOs.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Tz;
use eas_codec::ProtocolVersion;
use eas_codec::codec::{DecodeOptions, decode, encode};
use eas_codec::data::ApplicationData;
use eas_codec::data::tasks::{Task, TaskRecurrence as WireRecurrence};
use eas_model::task::{Importance, RecurrenceType, Sensitivity, TaskItem, TaskRecurrence};
use proptest::prelude::*;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).single().unwrap()
}

fn stamp() -> DateTime<Utc> {
    utc(2026, 1, 1, 0, 0)
}

// ------------------------------------------------------------------ strategies

fn text() -> impl Strategy<Value = String> {
    // Runs of spaces collapse: calcard folds them in list values (CATEGORIES) after an
    // escaped character, a parser quirk this crate cannot undo.
    "[A-Za-zÄÖÜäöüß0-9]([A-Za-zÄÖÜäöüß0-9 ,;:.\\\\'\\-]{0,12}[A-Za-zÄÖÜäöüß0-9.])?".prop_map(
        |s: String| {
            let mut s = s;
            while s.contains("  ") {
                s = s.replace("  ", " ");
            }
            s
        },
    )
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    // 2000-01-01 … 2040-01-01, whole seconds (iCalendar has no fractions).
    (946_684_800i64..2_208_988_800).prop_map(|s| DateTime::from_timestamp(s, 0).unwrap())
}

fn recurrence() -> impl Strategy<Value = TaskRecurrence> {
    use RecurrenceType as T;
    let kind = prop_oneof![
        Just(T::Daily),
        Just(T::Weekly),
        Just(T::Monthly),
        Just(T::MonthlyNth),
        Just(T::Yearly),
        Just(T::YearlyNth),
    ];
    let end = prop_oneof![
        Just((None, None)),
        instant().prop_map(|u| (Some(u), None)),
        (1u32..500).prop_map(|n| (None, Some(n))),
    ];
    (
        kind,
        instant(),
        end,
        prop::option::of(1u32..=999),
        (
            1u8..=127,
            prop::option::of(1u8..=127),
            1u8..=31,
            1u8..=5,
            1u8..=12,
        ),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop::option::of(prop::sample::select(vec![
            0u8, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 14, 15, 20,
        ])),
        prop::option::of(0u8..=6),
    )
        .prop_map(
            |(kind, start, (until, occurrences), interval, days, flags, calendar_type, fdow)| {
                let (mask, daily_mask, dom, week, month) = days;
                let (regenerate, dead_occur, is_leap_month) = flags;
                TaskRecurrence {
                    recurrence_type: kind,
                    start: Some(start),
                    until,
                    occurrences,
                    interval,
                    day_of_week: match kind {
                        T::Daily => daily_mask,
                        T::Weekly | T::MonthlyNth | T::YearlyNth => Some(mask),
                        T::Monthly | T::Yearly => None,
                    },
                    day_of_month: matches!(kind, T::Monthly | T::Yearly).then_some(dom),
                    week_of_month: matches!(kind, T::MonthlyNth | T::YearlyNth).then_some(week),
                    month_of_year: matches!(kind, T::Yearly | T::YearlyNth).then_some(month),
                    regenerate,
                    dead_occur,
                    calendar_type,
                    is_leap_month,
                    first_day_of_week: fdow,
                }
            },
        )
}

prop_compose! {
    fn task()(
        subject in prop::option::of(text()),
        body in prop::option::of(prop::collection::vec(text(), 1..4).prop_map(|l| l.join("\n"))),
        importance in prop_oneof![Just(Importance::Low), Just(Importance::Normal), Just(Importance::High)],
        sensitivity in prop_oneof![
            Just(Sensitivity::Normal), Just(Sensitivity::Personal),
            Just(Sensitivity::Private), Just(Sensitivity::Confidential)
        ],
        categories in prop::collection::vec(text(), 0..4),
        start in prop::option::of(instant()),
        due in prop::option::of(instant()),
        complete in any::<bool>(),
        date_completed in prop::option::of(instant()),
        reminder in prop::option::of(instant()),
        recurrence in prop::option::of(recurrence()),
    ) -> TaskItem {
        TaskItem {
            subject, body, importance, sensitivity, categories, start, due, complete,
            date_completed, reminder, recurrence,
        }
    }
}

const ZONES: [Tz; 6] = [
    Tz::UTC,
    Tz::Europe__Berlin,
    Tz::America__Los_Angeles,
    Tz::Asia__Kolkata,
    Tz::Pacific__Auckland,
    Tz::America__Santiago,
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn vtodo_round_trip(t in task(), zone in prop::sample::select(ZONES.to_vec())) {
        let text = t.to_vtodo("task-1", stamp());
        let back = TaskItem::from_vtodo(&text, zone).unwrap();
        prop_assert_eq!(back, t, "{}", text);
    }

    /// Encoded to WBXML and decoded strictly for each version, nothing but what the version
    /// lacks is lost.
    #[test]
    fn wire_survives_wbxml_for_every_version(t in task()) {
        for version in ProtocolVersion::ALL {
            let wire = t.to_wire(version, Tz::Europe__Berlin);
            let doc = encode(&ApplicationData::from(wire), version).unwrap();
            let decoded: ApplicationData = decode(&doc, DecodeOptions::new(version)).unwrap();
            let ApplicationData::Task(back) = decoded else { panic!("not a task") };
            let back = TaskItem::from_wire(&back, Tz::Europe__Berlin).unwrap();
            let mut expected = t.clone();
            if let Some(r) = expected.recurrence.as_mut() {
                if version < ProtocolVersion::V14_0 {
                    r.calendar_type = None;
                    r.is_leap_month = false;
                }
                if version < ProtocolVersion::V14_1 {
                    r.first_day_of_week = None;
                }
            }
            prop_assert_eq!(back, expected, "{:?}", version);
        }
    }

    #[test]
    fn wire_round_trip(t in task(), zone in prop::sample::select(ZONES.to_vec())) {
        for version in [ProtocolVersion::V14_1, ProtocolVersion::V16_1] {
            let wire = t.to_wire(version, zone);
            prop_assert_eq!(&TaskItem::from_wire(&wire, zone).unwrap(), &t);
        }
        // Only the local forms: the UTC instants come back through the zone (no dates
        // fall in a DST gap here: they are local renderings of real instants, except in the
        // repeated hour, where the earlier instant is taken).
        let mut wire = t.to_wire(ProtocolVersion::V16_1, zone);
        wire.utc_start_date = None;
        wire.utc_due_date = None;
        let back = TaskItem::from_wire(&wire, zone).unwrap();
        for (got, want) in [(back.start, t.start), (back.due, t.due)] {
            match (got, want) {
                (Some(g), Some(w)) => prop_assert!(g == w || w - g == chrono::Duration::hours(1)),
                (g, w) => prop_assert_eq!(g, w),
            }
        }
    }
}

// ------------------------------------------------------------------ dates

#[test]
fn local_and_utc_date_forms() {
    let zone = Tz::Europe__Berlin;
    let due = utc(2026, 1, 5, 23, 0); // Jan 6, 00:00 in Berlin
    let item = TaskItem {
        subject: Some("Steuererklärung".into()),
        due: Some(due),
        start: Some(utc(2026, 6, 30, 22, 0)), // Jul 1, 00:00 CEST
        ..Default::default()
    };
    let wire = item.to_wire(ProtocolVersion::V14_1, zone);
    assert_eq!(
        wire.utc_due_date.as_deref(),
        Some("2026-01-05T23:00:00.000Z")
    );
    assert_eq!(wire.due_date.as_deref(), Some("2026-01-06T00:00:00.000Z"));
    assert_eq!(
        wire.utc_start_date.as_deref(),
        Some("2026-06-30T22:00:00.000Z")
    );
    assert_eq!(wire.start_date.as_deref(), Some("2026-07-01T00:00:00.000Z"));
    assert_eq!(wire.complete, Some(0));
    assert_eq!(wire.reminder_set, Some(0));
    // A client that sends only the local form.
    let only_local = Task {
        due_date: Some("2026-01-06T00:00:00.000Z".into()),
        complete: Some(0),
        ..Default::default()
    };
    assert_eq!(
        TaskItem::from_wire(&only_local, zone).unwrap().due,
        Some(due)
    );
    // The UTC form wins when both disagree.
    let both = Task {
        utc_due_date: Some("2026-01-05T23:00:00.000Z".into()),
        due_date: Some("2030-01-01T00:00:00.000Z".into()),
        ..Default::default()
    };
    assert_eq!(TaskItem::from_wire(&both, zone).unwrap().due, Some(due));
}

// ------------------------------------------------------------------ recurrence shapes

fn rrule_line(r: TaskRecurrence) -> String {
    let item = TaskItem {
        start: r.start,
        recurrence: Some(r),
        ..Default::default()
    };
    let text = item.to_vtodo("r", stamp()).replace("\r\n ", "");
    let line = text
        .lines()
        .find(|l| l.starts_with("RRULE:"))
        .unwrap_or_else(|| panic!("no RRULE in {text}"))
        .to_owned();
    assert_eq!(
        TaskItem::from_vtodo(&text, Tz::UTC).unwrap(),
        item,
        "{text}"
    );
    line
}

fn base(kind: RecurrenceType) -> TaskRecurrence {
    TaskRecurrence {
        recurrence_type: kind,
        start: Some(utc(2026, 3, 2, 8, 0)),
        until: None,
        occurrences: None,
        interval: None,
        day_of_week: None,
        day_of_month: None,
        week_of_month: None,
        month_of_year: None,
        regenerate: false,
        dead_occur: false,
        calendar_type: None,
        is_leap_month: false,
        first_day_of_week: None,
    }
}

#[test]
fn rrule_for_each_recurrence_type() {
    use RecurrenceType as T;
    assert_eq!(
        rrule_line(TaskRecurrence {
            interval: Some(3),
            occurrences: Some(10),
            ..base(T::Daily)
        }),
        "RRULE:FREQ=DAILY;COUNT=10;INTERVAL=3"
    );
    // 62 = Monday … Friday.
    assert_eq!(
        rrule_line(TaskRecurrence {
            day_of_week: Some(62),
            first_day_of_week: Some(1),
            until: Some(utc(2026, 12, 31, 23, 0)),
            ..base(T::Weekly)
        }),
        "RRULE:FREQ=WEEKLY;UNTIL=20261231T230000Z;BYDAY=MO,TU,WE,TH,FR;WKST=MO"
    );
    assert_eq!(
        rrule_line(TaskRecurrence {
            day_of_month: Some(31),
            ..base(T::Monthly)
        }),
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=31"
    );
    // The second Tuesday.
    assert_eq!(
        rrule_line(TaskRecurrence {
            day_of_week: Some(4),
            week_of_month: Some(2),
            ..base(T::MonthlyNth)
        }),
        "RRULE:FREQ=MONTHLY;BYDAY=TU;BYSETPOS=2"
    );
    // 127 with WeekOfMonth 5: the last day of the month.
    assert_eq!(
        rrule_line(TaskRecurrence {
            day_of_week: Some(127),
            week_of_month: Some(5),
            ..base(T::MonthlyNth)
        }),
        "RRULE:FREQ=MONTHLY;BYDAY=SU,MO,TU,WE,TH,FR,SA;BYSETPOS=-1"
    );
    assert_eq!(
        rrule_line(TaskRecurrence {
            day_of_month: Some(14),
            month_of_year: Some(3),
            ..base(T::Yearly)
        }),
        "RRULE:FREQ=YEARLY;BYMONTHDAY=14;BYMONTH=3"
    );
    // The last Sunday of October, counted in the Chinese lunar calendar, leap month.
    let line = rrule_line(TaskRecurrence {
        day_of_week: Some(1),
        week_of_month: Some(5),
        month_of_year: Some(10),
        calendar_type: Some(15),
        is_leap_month: true,
        regenerate: true,
        dead_occur: true,
        ..base(T::YearlyNth)
    });
    assert!(
        line.starts_with("RRULE:FREQ=YEARLY;BYDAY=SU;BYMONTH=10L;BYSETPOS=-1"),
        "{line}"
    );
    assert!(line.contains("RSCALE=CHINESE"), "{line}");
}

#[test]
fn wire_recurrence_values_are_checked() {
    let with = |r: WireRecurrence| Task {
        recurrence: Some(r),
        ..Default::default()
    };
    let ok = WireRecurrence {
        recurrence_type: Some(1),
        start: Some("2026-03-02T08:00:00.000Z".into()),
        day_of_week: Some(2),
        ..Default::default()
    };
    let item = TaskItem::from_wire(&with(ok.clone()), Tz::UTC).unwrap();
    assert_eq!(
        item.recurrence.unwrap().recurrence_type,
        RecurrenceType::Weekly
    );
    for bad in [
        WireRecurrence {
            recurrence_type: Some(4),
            ..ok.clone()
        },
        WireRecurrence {
            recurrence_type: None,
            ..ok.clone()
        },
        WireRecurrence {
            day_of_week: Some(128),
            ..ok.clone()
        },
        WireRecurrence {
            week_of_month: Some(6),
            ..ok.clone()
        },
        WireRecurrence {
            regenerate: Some(2),
            ..ok.clone()
        },
        // WeekOfMonth belongs to Type 3 and 6 only (MS-ASTASK 2.2.2.33).
        WireRecurrence {
            week_of_month: Some(2),
            ..ok.clone()
        },
        WireRecurrence {
            start: Some("someday".into()),
            ..ok.clone()
        },
    ] {
        assert!(
            TaskItem::from_wire(&with(bad.clone()), Tz::UTC).is_err(),
            "{bad:?}"
        );
    }
    for bad in [
        Task {
            importance: Some(3),
            ..Default::default()
        },
        Task {
            sensitivity: Some(4),
            ..Default::default()
        },
        Task {
            complete: Some(7),
            ..Default::default()
        },
        Task {
            utc_due_date: Some("2026-13-01T00:00:00.000Z".into()),
            ..Default::default()
        },
    ] {
        assert!(TaskItem::from_wire(&bad, Tz::UTC).is_err(), "{bad:?}");
    }
}

#[test]
fn older_versions_drop_what_they_do_not_know() {
    let item = TaskItem {
        body: Some("a\nb".into()),
        recurrence: Some(TaskRecurrence {
            day_of_month: Some(1),
            month_of_year: Some(1),
            calendar_type: Some(8),
            is_leap_month: true,
            first_day_of_week: Some(1),
            ..base(RecurrenceType::Yearly)
        }),
        ..Default::default()
    };
    let w12 = item.to_wire(ProtocolVersion::V12_1, Tz::UTC);
    let r = w12.recurrence.as_ref().unwrap();
    assert_eq!(
        (r.calendar_type, r.is_leap_month, r.first_day_of_week),
        (None, None, None)
    );
    assert_eq!(w12.body.as_ref().unwrap().data.as_deref(), Some("a\r\nb"));
    let w140 = item.to_wire(ProtocolVersion::V14_0, Tz::UTC);
    let r = w140.recurrence.as_ref().unwrap();
    assert_eq!(
        (r.calendar_type, r.is_leap_month, r.first_day_of_week),
        (Some(8), Some(1), None)
    );
    let w25 = item.to_wire(ProtocolVersion::V2_5, Tz::UTC);
    assert_eq!(w25.body, None);
    assert_eq!(w25.body_v25.as_deref(), Some("a\r\nb"));
    assert_eq!(TaskItem::from_wire(&w25, Tz::UTC).unwrap().body, item.body);
}

// ------------------------------------------------------------------ foreign VTODOs

#[test]
fn foreign_vtodo_with_dates_relative_alarm_and_nth_rule() {
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Nextcloud Tasks//EN\r\n\
BEGIN:VTODO\r\nUID:abc\r\nDTSTAMP:20260101T000000Z\r\nSUMMARY:Müll rausbringen\r\n\
DTSTART;VALUE=DATE:20260105\r\nDUE;TZID=America/New_York:20260106T170000\r\n\
PRIORITY:3\r\nCLASS:CONFIDENTIAL\r\nPERCENT-COMPLETE:20\r\nSTATUS:IN-PROCESS\r\n\
RRULE:FREQ=MONTHLY;BYDAY=2TU\r\n\
BEGIN:VALARM\r\nACTION:DISPLAY\r\nDESCRIPTION:x\r\nTRIGGER;RELATED=END:-PT15M\r\nEND:VALARM\r\n\
END:VTODO\r\nEND:VCALENDAR\r\n";
    let zone = Tz::Europe__Berlin;
    let t = TaskItem::from_vtodo(text, zone).unwrap();
    assert_eq!(t.subject.as_deref(), Some("Müll rausbringen"));
    // A DATE is local midnight in the user's zone.
    assert_eq!(t.start, Some(utc(2026, 1, 4, 23, 0)));
    // A TZID is honoured: 17:00 EST is 22:00Z.
    assert_eq!(t.due, Some(utc(2026, 1, 6, 22, 0)));
    assert_eq!(t.reminder, Some(utc(2026, 1, 6, 21, 45)));
    assert_eq!(t.importance, Importance::High);
    assert_eq!(t.sensitivity, Sensitivity::Confidential);
    assert!(!t.complete);
    let r = t.recurrence.as_ref().unwrap();
    assert_eq!(r.recurrence_type, RecurrenceType::MonthlyNth);
    assert_eq!((r.day_of_week, r.week_of_month), (Some(4), Some(2)));
    assert_eq!(r.start, t.start);

    // A bare yearly rule takes its month and day from DTSTART in the user's zone.
    let yearly = text.replace("FREQ=MONTHLY;BYDAY=2TU", "FREQ=YEARLY");
    let r = TaskItem::from_vtodo(&yearly, zone)
        .unwrap()
        .recurrence
        .unwrap();
    assert_eq!(r.recurrence_type, RecurrenceType::Yearly);
    assert_eq!((r.month_of_year, r.day_of_month), (Some(1), Some(5)));

    // No STATUS but PERCENT-COMPLETE:100 is done.
    let done = text.replace(
        "PERCENT-COMPLETE:20\r\nSTATUS:IN-PROCESS\r\n",
        "PERCENT-COMPLETE:100\r\n",
    );
    assert!(TaskItem::from_vtodo(&done, zone).unwrap().complete);

    // Rules EAS cannot express are refused, not mangled.
    let hourly = text.replace("FREQ=MONTHLY;BYDAY=2TU", "FREQ=HOURLY");
    assert!(TaskItem::from_vtodo(&hourly, zone).is_err());
    assert!(TaskItem::from_vtodo("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", zone).is_err());
}

#[test]
fn completed_task_and_reminder_in_vtodo() {
    let item = TaskItem {
        subject: Some("Call Ann".into()),
        complete: true,
        date_completed: Some(utc(2026, 2, 1, 9, 30)),
        reminder: Some(utc(2026, 1, 31, 8, 0)),
        ..Default::default()
    };
    let text = item.to_vtodo("t", stamp());
    assert!(text.contains("STATUS:COMPLETED"), "{text}");
    assert!(text.contains("COMPLETED:20260201T093000Z"), "{text}");
    assert!(
        text.contains("TRIGGER;VALUE=DATE-TIME:20260131T080000Z"),
        "{text}"
    );
    assert!(text.contains("BEGIN:VALARM"), "{text}");
    let wire = item.to_wire(ProtocolVersion::V16_1, Tz::UTC);
    assert_eq!(wire.complete, Some(1));
    assert_eq!(wire.reminder_set, Some(1));
    assert_eq!(
        wire.reminder_time.as_deref(),
        Some("2026-01-31T08:00:00.000Z")
    );
    // ReminderSet 0 means no reminder, whatever the time says.
    let mut off = wire.clone();
    off.reminder_set = Some(0);
    assert_eq!(TaskItem::from_wire(&off, Tz::UTC).unwrap().reminder, None);
}
