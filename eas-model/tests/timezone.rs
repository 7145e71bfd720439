//! The TimeZone blob against chrono-tz: for every zone chrono-tz knows, the blob built for a
//! year gives the zone's real offset at every instant of that year, survives the wire, and
//! resolves back to a zone with the same offsets.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, Duration, NaiveDate, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use eas_model::timezone::{TimeZoneInfo, iana_to_windows, windows_to_iana};

fn offset_minutes(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

/// Instants every 3 hours through `year`, plus a minute either side of each transition.
fn samples(tz: Tz, year: i32) -> Vec<DateTime<Utc>> {
    let from = NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    let mut out: Vec<_> = (0..366 * 8)
        .map(|i| from + Duration::hours(3 * i))
        .collect();
    let mut extra = Vec::new();
    for w in out.windows(2) {
        if offset_minutes(tz, w[0]) != offset_minutes(tz, w[1]) {
            // Find the switch to the minute and look just before and after.
            let mut t = w[0];
            while offset_minutes(tz, t) == offset_minutes(tz, w[0]) {
                t += Duration::minutes(1);
            }
            extra.extend([t - Duration::minutes(1), t, t + Duration::minutes(1)]);
        }
    }
    out.extend(extra);
    out
}

/// Zones whose year has more than one daylight period or a change of standard offset: a
/// blob cannot describe them exactly (see the module docs). Counted, and checked to be few.
fn transitions(tz: Tz, year: i32) -> usize {
    let s = samples(tz, year);
    s.windows(2)
        .filter(|w| w[0] < w[1] && offset_minutes(tz, w[0]) != offset_minutes(tz, w[1]))
        .count()
}

#[test]
fn every_chrono_tz_zone_gets_a_blob_with_its_real_offsets() {
    let mut inexact = Vec::new();
    let mut checked = 0;
    for year in [2025, 2026] {
        for &tz in chrono_tz::TZ_VARIANTS.iter() {
            let blob = TimeZoneInfo::for_zone(tz, year);
            assert!(!blob.is_all_zero(), "{tz}: all-zero blob");
            assert!(!blob.standard_name.is_empty(), "{tz}: unnamed blob");
            // The wire form round-trips.
            let back = TimeZoneInfo::from_base64(&blob.to_base64()).unwrap();
            assert_eq!(back.to_bytes(), blob.to_bytes(), "{tz}");
            let wrong: Vec<_> = samples(tz, year)
                .into_iter()
                .filter(|&t| back.offset_at(t).local_minus_utc() / 60 != offset_minutes(tz, t))
                .collect();
            if wrong.is_empty() {
                checked += 1;
            } else {
                // Only zones a single yearly period cannot describe may differ.
                assert!(
                    transitions(tz, year) > 2 || !blob.has_daylight() && transitions(tz, year) > 0,
                    "{tz} {year}: blob {blob:?} wrong at {:?} (blob {} vs zone {})",
                    wrong[0],
                    back.offset_at(wrong[0]),
                    offset_minutes(tz, wrong[0])
                );
                inexact.push(format!("{tz} {year}"));
            }
        }
    }
    eprintln!(
        "note: {checked} zone-years exact; {} inexact (more than one period or offset change in the year): {inexact:?}",
        inexact.len()
    );
    assert!(checked > 1000, "only {checked} zone-years checked");
    assert!(inexact.len() < 10, "too many inexact zones: {inexact:?}");
}

#[test]
fn every_blob_resolves_to_a_zone_with_the_same_offsets() {
    let year = 2026;
    for &tz in chrono_tz::TZ_VARIANTS.iter() {
        if transitions(tz, year) > 2 {
            continue;
        }
        let blob = TimeZoneInfo::for_zone(tz, year);
        let resolved = blob
            .resolve(year)
            .unwrap_or_else(|| panic!("{tz}: blob {blob:?} does not resolve"));
        for t in samples(tz, year) {
            assert_eq!(
                offset_minutes(resolved, t),
                offset_minutes(tz, t),
                "{tz} resolved to {resolved} which differs at {t}"
            );
        }
    }
}

#[test]
fn a_blob_without_a_known_name_resolves_by_its_rules() {
    // Devices send localized display names ("Mitteleuropäische Zeit") or nothing at all.
    for (tz, year) in [
        (chrono_tz::Europe::Berlin, 2026),
        (chrono_tz::America::Los_Angeles, 2025),
        (chrono_tz::Australia::Sydney, 2026),
        (chrono_tz::Pacific::Auckland, 2026),
        (chrono_tz::Asia::Kolkata, 2026),
        (chrono_tz::America::Sao_Paulo, 2026),
    ] {
        let mut blob = TimeZoneInfo::for_zone(tz, year);
        blob.standard_name = "Mitteleuropäische Zeit".into();
        blob.daylight_name.clear();
        let resolved = blob.resolve(year).unwrap();
        assert!(
            TimeZoneInfo::for_zone(resolved, year).same_rules(&blob, year),
            "{tz} → {resolved}"
        );
    }
}

#[test]
fn zones_the_issue_names_have_the_right_rules() {
    let at = |y, m, d, h| Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap();
    // UTC−8 with US daylight time.
    let la = TimeZoneInfo::for_zone(chrono_tz::America::Los_Angeles, 2026);
    assert_eq!(la.bias, 480);
    assert_eq!(la.daylight_bias, -60);
    assert_eq!((la.daylight_date.month, la.daylight_date.day), (3, 2));
    assert_eq!((la.standard_date.month, la.standard_date.day), (11, 1));
    assert_eq!(la.standard_name, "Pacific Standard Time");
    // UTC+5:30, no daylight time.
    let kol = TimeZoneInfo::for_zone(chrono_tz::Asia::Kolkata, 2026);
    assert_eq!(kol.bias, -330);
    assert!(!kol.has_daylight());
    assert_eq!(kol.standard_name, "India Standard Time");
    // UTC+13 in the southern summer: New Zealand, daylight from the last Sunday of
    // September to the first Sunday of April.
    let nz = TimeZoneInfo::for_zone(chrono_tz::Pacific::Auckland, 2026);
    assert_eq!(nz.bias, -720);
    assert_eq!(
        nz.offset_at(at(2026, 1, 10, 0)).local_minus_utc(),
        13 * 3600
    );
    assert_eq!(
        nz.offset_at(at(2026, 7, 10, 0)).local_minus_utc(),
        12 * 3600
    );
    assert_eq!((nz.daylight_date.month, nz.daylight_date.day), (9, 5));
    assert_eq!((nz.standard_date.month, nz.standard_date.day), (4, 1));
    // EU: last Sunday of March and October, even in a year where it is also the 4th.
    let berlin = TimeZoneInfo::for_zone(chrono_tz::Europe::Berlin, 2027);
    assert_eq!(
        (berlin.daylight_date.month, berlin.daylight_date.day),
        (3, 5)
    );
    assert_eq!(
        (berlin.daylight_date.hour, berlin.standard_date.hour),
        (2, 3)
    );
    // Cairo (UTC+2, daylight time again since 2023).
    let cairo = TimeZoneInfo::for_zone(chrono_tz::Africa::Cairo, 2026);
    assert_eq!(cairo.bias, -120);
    assert!(cairo.has_daylight());
}

#[test]
fn an_all_zero_blob_is_utc_and_never_produced() {
    let zero = TimeZoneInfo::from_bytes(&[0; 172]).unwrap();
    assert!(zero.is_all_zero());
    assert_eq!(zero.resolve(2026), Some(Tz::UTC));
    assert_eq!(zero.offset_at(Utc::now()).local_minus_utc(), 0);
    let utc = TimeZoneInfo::for_zone(Tz::UTC, 2026);
    assert!(!utc.is_all_zero(), "UTC is named, not all-zero");
    assert_eq!(
        utc.resolve(2026).map(|tz| offset_minutes(tz, Utc::now())),
        Some(0)
    );
}

#[test]
fn wall_clock_times_convert_like_windows() {
    let berlin = TimeZoneInfo::for_zone(chrono_tz::Europe::Berlin, 2026);
    let local = |d: u32, m: u32, h: u32, min: u32| {
        NaiveDate::from_ymd_opt(2026, m, d)
            .unwrap()
            .and_hms_opt(h, min, 0)
            .unwrap()
    };
    let utc = |m, d, h, min| Utc.with_ymd_and_hms(2026, m, d, h, min, 0).unwrap();
    assert_eq!(berlin.to_utc(local(15, 1, 9, 0)), utc(1, 15, 8, 0));
    assert_eq!(berlin.to_utc(local(15, 7, 9, 0)), utc(7, 15, 7, 0));
    // The repeated hour on 25 October is read as standard time.
    assert_eq!(berlin.to_utc(local(25, 10, 2, 30)), utc(10, 25, 1, 30));
    // The skipped hour on 29 March is read with the standard offset.
    assert_eq!(berlin.to_utc(local(29, 3, 2, 30)), utc(3, 29, 1, 30));
}

#[test]
fn windows_names_map_both_ways() {
    assert_eq!(
        windows_to_iana("W. Europe Standard Time"),
        Some(chrono_tz::Europe::Berlin)
    );
    assert_eq!(
        windows_to_iana("pacific standard time"),
        Some(chrono_tz::America::Los_Angeles)
    );
    assert_eq!(windows_to_iana("Nowhere Standard Time"), None);
    assert_eq!(
        iana_to_windows(chrono_tz::Europe::Amsterdam),
        Some("W. Europe Standard Time")
    );
    // chrono-tz's current name for CLDR's Asia/Calcutta.
    assert_eq!(
        iana_to_windows(chrono_tz::Asia::Kolkata),
        Some("India Standard Time")
    );
    // Every CLDR zone name the table uses is one chrono-tz knows.
    for (line_no, line) in include_str!("../src/timezone/windows_zones.txt")
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.starts_with('#'))
    {
        let (_, zones) = line.split_once('\t').unwrap();
        for z in zones.split(' ') {
            assert!(z.parse::<Tz>().is_ok(), "line {}: {z}", line_no + 1);
        }
    }
}

/// Found by fuzzing: a name filling all 32 UTF-16 units (no terminator) must survive.
#[test]
fn a_name_filling_the_whole_field_round_trips() {
    let mut blob = TimeZoneInfo::for_zone(chrono_tz::Europe::Berlin, 2026);
    blob.standard_name = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345".into();
    assert_eq!(blob.standard_name.encode_utf16().count(), 32);
    assert_eq!(TimeZoneInfo::from_bytes(&blob.to_bytes()).unwrap(), blob);
}
