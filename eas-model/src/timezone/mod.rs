//! The MS-ASDTYPE TimeZone field: a base64-encoded 172-byte Windows `TIME_ZONE_INFORMATION`,
//! and its translation to and from IANA zones.
//!
//! EAS carries a zone as rules, not as a name: a standard offset (`bias`), and optionally a
//! daylight offset with the two yearly switch dates, written as "the n-th (or last) weekday of a
//! month at a wall-clock time". [`TimeZoneInfo::for_zone`] derives those rules from an IANA
//! zone's real transitions for a given year (several servers send an all-zero blob instead,
//! which devices read as UTC and show every appointment shifted); [`TimeZoneInfo::resolve`]
//! finds the IANA zone a device's blob means, by its Windows name (CLDR's windowsZones table)
//! or, failing that, by comparing rules.
//!
//! A blob holds one daylight period per year. Zones with more (Morocco's Ramadan breaks) or
//! with a change of standard offset within the year get the period that covers the most of
//! the year; [`TimeZoneInfo::for_zone`] is exact for every other zone (tested for every zone
//! chrono-tz knows).

use base64::Engine;
use chrono::{
    DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveDateTime, Offset, TimeZone,
    Timelike, Utc, Weekday,
};
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use chrono_tz::Tz;

use crate::ModelError;

/// Size of the blob on the wire.
pub const BLOB_LEN: usize = 172;

/// A Windows `SYSTEMTIME` as a `TIME_ZONE_INFORMATION` switch date. With `year == 0` it is a
/// yearly rule: `day` is the occurrence (1–4, 5 = last) of `day_of_week` (0 = Sunday) in
/// `month`, at `hour:minute` local time before the switch. `month == 0` means "no switch".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct SystemTime {
    /// 0 for a yearly rule, else the one year the date applies to.
    pub year: u16,
    /// 1–12; 0 when the zone has no daylight time.
    pub month: u16,
    /// 0 = Sunday … 6 = Saturday.
    pub day_of_week: u16,
    /// Occurrence of the weekday in the month (1–5, 5 = last), or the day of the month when
    /// `year` is set.
    pub day: u16,
    /// Hour of the switch, local time before it.
    pub hour: u16,
    /// Minute of the switch.
    pub minute: u16,
    /// Second of the switch.
    pub second: u16,
    /// Milliseconds of the switch.
    pub milliseconds: u16,
}

/// The MS-ASDTYPE TimeZone structure (Windows `TIME_ZONE_INFORMATION`). Biases are minutes
/// to add to local time to get UTC, so UTC+2 has `bias == -120`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct TimeZoneInfo {
    /// Minutes from local standard time to UTC.
    pub bias: i32,
    /// Name of standard time (at most 31 UTF-16 units on the wire).
    pub standard_name: String,
    /// When daylight time ends.
    pub standard_date: SystemTime,
    /// Added to `bias` during standard time (normally 0).
    pub standard_bias: i32,
    /// Name of daylight time.
    pub daylight_name: String,
    /// When daylight time starts.
    pub daylight_date: SystemTime,
    /// Added to `bias` during daylight time (normally −60).
    pub daylight_bias: i32,
}

/// The Windows zone ids and their IANA zones (first = CLDR's "001" zone for the id).
const WINDOWS_ZONES: &str = include_str!("windows_zones.txt");

fn windows_rows() -> impl Iterator<Item = (&'static str, &'static str)> {
    WINDOWS_ZONES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| l.split_once('\t'))
}

/// The IANA zone CLDR gives for a Windows zone id (`"W. Europe Standard Time"` →
/// `Europe/Berlin`). Devices put the id, or its localized display name, in `standard_name`;
/// only the id is recognised.
pub fn windows_to_iana(windows_name: &str) -> Option<Tz> {
    let name = windows_name.trim();
    windows_rows()
        .find(|(id, _)| id.eq_ignore_ascii_case(name))
        .and_then(|(_, zones)| zones.split(' ').next())
        .and_then(|z| z.parse().ok())
}

/// The Windows zone id CLDR lists an IANA zone under, if any.
pub fn iana_to_windows(tz: Tz) -> Option<&'static str> {
    static MEMO: OnceLock<Mutex<HashMap<Tz, Option<&'static str>>>> = OnceLock::new();
    let memo = MEMO.get_or_init(Default::default);
    if let Some(hit) = memo.lock().ok().and_then(|m| m.get(&tz).copied()) {
        return hit;
    }
    let id = windows_id_of(tz);
    if let Ok(mut m) = memo.lock() {
        m.insert(tz, id);
    }
    id
}

fn windows_id_of(tz: Tz) -> Option<&'static str> {
    let name = tz.name();
    windows_rows()
        .find(|(_, zones)| zones.split(' ').any(|z| z == name))
        .map(|(id, _)| id)
        .or_else(|| {
            // chrono-tz also knows zones by their newer names (Asia/Kolkata for CLDR's
            // Asia/Calcutta): compare the zones themselves.
            windows_rows()
                .find(|(_, zones)| {
                    zones
                        .split(' ')
                        .filter_map(|z| z.parse::<Tz>().ok())
                        .any(|z| same_zone(z, tz))
                })
                .map(|(id, _)| id)
        })
}

/// Whether two zone names are links to the same zone: same offsets at a spread of instants
/// over the last decades. Used only to match CLDR's old names to chrono-tz's new ones.
fn same_zone(a: Tz, b: Tz) -> bool {
    (1990..=2030).all(|y| {
        [1, 4, 7, 10].iter().all(|&m| {
            let t = NaiveDate::from_ymd_opt(y, m, 15)
                .and_then(|d| d.and_hms_opt(12, 0, 0))
                .map(|n| n.and_utc());
            t.is_some_and(|t| offset_of(a, t) == offset_of(b, t))
        })
    })
}

fn offset_of(tz: Tz, t: DateTime<Utc>) -> i32 {
    // Minutes: every modern zone is a whole number of minutes from UTC.
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
        / 60
}

fn put_name(out: &mut [u8], name: &str) {
    // 32 UTF-16 units; NUL-terminated when shorter (a full field has no terminator, which
    // is how devices send a 32-unit name).
    for (slot, unit) in out.chunks_exact_mut(2).zip(name.encode_utf16().take(32)) {
        slot.copy_from_slice(&unit.to_le_bytes());
    }
}

fn get_name(bytes: &[u8]) -> String {
    let units: Vec<u16> = bytes
        .chunks_exact(2)
        .map(|c| u16::from_le_bytes([c[0], c[1]]))
        .take_while(|&u| u != 0)
        .collect();
    String::from_utf16_lossy(&units)
}

fn put_systemtime(out: &mut [u8], t: &SystemTime) {
    let fields = [
        t.year,
        t.month,
        t.day_of_week,
        t.day,
        t.hour,
        t.minute,
        t.second,
        t.milliseconds,
    ];
    for (slot, v) in out.chunks_exact_mut(2).zip(fields) {
        slot.copy_from_slice(&v.to_le_bytes());
    }
}

fn get_systemtime(b: &[u8]) -> SystemTime {
    let f = |i: usize| {
        b.get(i * 2..i * 2 + 2)
            .map_or(0, |c| u16::from_le_bytes([c[0], c[1]]))
    };
    SystemTime {
        year: f(0),
        month: f(1),
        day_of_week: f(2),
        day: f(3),
        hour: f(4),
        minute: f(5),
        second: f(6),
        milliseconds: f(7),
    }
}

fn get_i32(b: &[u8], at: usize) -> i32 {
    b.get(at..at + 4)
        .map_or(0, |c| i32::from_le_bytes([c[0], c[1], c[2], c[3]]))
}

/// The daylight period of one year: when it starts and ends, in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
}

impl TimeZoneInfo {
    /// Read the 172-byte structure.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, ModelError> {
        if bytes.len() != BLOB_LEN {
            return Err(ModelError::TimeZone(format!(
                "a TimeZone is {BLOB_LEN} bytes, this one {}",
                bytes.len()
            )));
        }
        let info = TimeZoneInfo {
            bias: get_i32(bytes, 0),
            standard_name: get_name(&bytes[4..68]),
            standard_date: get_systemtime(&bytes[68..84]),
            standard_bias: get_i32(bytes, 84),
            daylight_name: get_name(&bytes[88..152]),
            daylight_date: get_systemtime(&bytes[152..168]),
            daylight_bias: get_i32(bytes, 168),
        };
        // Offsets beyond ±16 h exist nowhere; refusing them keeps the arithmetic below sane.
        let ok = |m: i32| (-16 * 60..=16 * 60).contains(&m);
        if !ok(info.bias)
            || !ok(info.standard_bias)
            || !ok(info.daylight_bias)
            || !ok(info.bias + info.daylight_bias)
        {
            return Err(ModelError::TimeZone(format!(
                "offsets out of range (bias {}, standard {}, daylight {})",
                info.bias, info.standard_bias, info.daylight_bias
            )));
        }
        Ok(info)
    }

    /// Write the 172-byte structure.
    pub fn to_bytes(&self) -> [u8; BLOB_LEN] {
        let mut b = [0u8; BLOB_LEN];
        b[0..4].copy_from_slice(&self.bias.to_le_bytes());
        put_name(&mut b[4..68], &self.standard_name);
        put_systemtime(&mut b[68..84], &self.standard_date);
        b[84..88].copy_from_slice(&self.standard_bias.to_le_bytes());
        put_name(&mut b[88..152], &self.daylight_name);
        put_systemtime(&mut b[152..168], &self.daylight_date);
        b[168..172].copy_from_slice(&self.daylight_bias.to_le_bytes());
        b
    }

    /// Read the wire form (base64; surrounding whitespace tolerated).
    pub fn from_base64(s: &str) -> Result<Self, ModelError> {
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(s.trim())
            .map_err(|e| ModelError::TimeZone(format!("not base64: {e}")))?;
        TimeZoneInfo::from_bytes(&bytes)
    }

    /// The wire form.
    pub fn to_base64(&self) -> String {
        base64::engine::general_purpose::STANDARD.encode(self.to_bytes())
    }

    /// What Z-Push, Kopano and grommunio send: every field zero. Devices read it as UTC.
    pub fn is_all_zero(&self) -> bool {
        self.to_bytes().iter().all(|&b| b == 0)
    }

    /// Whether the blob has a daylight period.
    pub fn has_daylight(&self) -> bool {
        self.standard_date.month != 0 && self.daylight_date.month != 0 && self.daylight_bias != 0
    }

    fn standard_offset(&self) -> i32 {
        -(self.bias + self.standard_bias)
    }

    fn daylight_offset(&self) -> i32 {
        -(self.bias + self.daylight_bias)
    }

    /// The blob for `tz` with the rules in force in `year`. Never all-zero: UTC itself gets
    /// its name and zero offsets.
    pub fn for_zone(tz: Tz, year: i32) -> Self {
        // Deriving the rule reads a zone's offsets over up to four years; a server converts
        // thousands of items in a handful of zones, so results are kept (a pure function's
        // memo: same input, same output).
        static MEMO: OnceLock<Mutex<HashMap<(Tz, i32), TimeZoneInfo>>> = OnceLock::new();
        let memo = MEMO.get_or_init(Default::default);
        if let Some(hit) = memo.lock().ok().and_then(|m| m.get(&(tz, year)).cloned()) {
            return hit;
        }
        let info = Self::derive(tz, year);
        if let Ok(mut m) = memo.lock() {
            // Bounded: at most every zone for a few dozen years.
            if m.len() < 100_000 {
                m.insert((tz, year), info.clone());
            }
        }
        info
    }

    fn derive(tz: Tz, year: i32) -> Self {
        let windows = iana_to_windows(tz);
        let (standard_name, daylight_name) = match windows {
            Some(id) => (id.to_string(), id.replacen("Standard", "Daylight", 1)),
            None => (tz.name().to_string(), tz.name().to_string()),
        };
        let transitions = transitions_in(tz, year);
        match main_period(year, &transitions) {
            Some(Daylight {
                start,
                end,
                standard: std_off,
                daylight: dst_off,
                ..
            }) => TimeZoneInfo {
                bias: -std_off,
                standard_name,
                standard_date: rule_for(tz, end, dst_off, year, false),
                standard_bias: 0,
                daylight_name,
                daylight_date: rule_for(tz, start, std_off, year, true),
                daylight_bias: std_off - dst_off,
            },
            None => {
                let mid = NaiveDate::from_ymd_opt(year, 7, 1)
                    .and_then(|d| d.and_hms_opt(0, 0, 0))
                    .map(|n| n.and_utc())
                    .unwrap_or_default();
                // The offset in force for most of the year.
                let off = dominant_offset(tz, year).unwrap_or_else(|| offset_of(tz, mid));
                TimeZoneInfo {
                    bias: -off,
                    standard_name,
                    daylight_name,
                    ..TimeZoneInfo::default()
                }
            }
        }
    }

    /// The daylight period of `year` (UTC), when the blob has one.
    fn period(&self, year: i32) -> Option<Period> {
        if !self.has_daylight() {
            return None;
        }
        let std = self.standard_offset();
        let dst = self.daylight_offset();
        // The switch times are wall-clock times before the switch.
        let start = resolve_rule(&self.daylight_date, year)? - Duration::minutes(i64::from(std));
        let end = resolve_rule(&self.standard_date, year)? - Duration::minutes(i64::from(dst));
        Some(Period {
            start: start.and_utc(),
            end: end.and_utc(),
        })
    }

    /// The UTC offset the blob's rules give at an instant.
    pub fn offset_at(&self, at: DateTime<Utc>) -> FixedOffset {
        let minutes = self.offset_minutes_at(at);
        FixedOffset::east_opt(minutes * 60).unwrap_or(Utc.fix())
    }

    fn offset_minutes_at(&self, at: DateTime<Utc>) -> i32 {
        let std = self.standard_offset();
        // The year as seen locally decides which year's rule applies.
        let local_year = (at + Duration::minutes(i64::from(std))).year();
        match self.period(local_year) {
            None => std,
            Some(p) => {
                let in_dst = if p.start <= p.end {
                    at >= p.start && at < p.end
                } else {
                    // Southern hemisphere: daylight time spans the new year.
                    at >= p.start || at < p.end
                };
                if in_dst { self.daylight_offset() } else { std }
            }
        }
    }

    /// A wall-clock time in this zone as UTC. A time that occurs twice (the hour repeated
    /// when daylight time ends) is read as standard time, and a time that does not exist
    /// (the hour skipped when it starts) is read with the standard offset, as Windows does.
    pub fn to_utc(&self, local: NaiveDateTime) -> DateTime<Utc> {
        let std = self.standard_offset();
        let as_std = (local - Duration::minutes(i64::from(std))).and_utc();
        if self.offset_minutes_at(as_std) == std {
            return as_std;
        }
        let dst = self.daylight_offset();
        let as_dst = (local - Duration::minutes(i64::from(dst))).and_utc();
        if self.offset_minutes_at(as_dst) == dst {
            return as_dst;
        }
        as_std
    }

    /// Whether two blobs give the same offsets throughout `year` (names aside; the same rule
    /// may be written as "4th" or "last" Sunday).
    pub fn same_rules(&self, other: &TimeZoneInfo, year: i32) -> bool {
        self.standard_offset() == other.standard_offset()
            && self.has_daylight() == other.has_daylight()
            && (!self.has_daylight()
                || (self.daylight_offset() == other.daylight_offset()
                    && self.period(year) == other.period(year)))
    }

    /// An IANA zone whose rules in `year` are this blob's: the zone its name names (a Windows
    /// id or an IANA name) if the rules agree, else the first zone with the same rules,
    /// CLDR's "001" zones first. An all-zero blob is UTC.
    pub fn resolve(&self, year: i32) -> Option<Tz> {
        if self.is_all_zero() {
            return Some(Tz::UTC);
        }
        let named = windows_to_iana(&self.standard_name)
            .into_iter()
            .chain(self.standard_name.trim().parse::<Tz>().ok());
        let golden = windows_rows().filter_map(|(_, zones)| zones.split(' ').next()?.parse().ok());
        let everything = chrono_tz::TZ_VARIANTS.iter().copied();
        let (jan, jul) = (mid_month(year, 1), mid_month(year, 7));
        named
            .chain(golden)
            .chain(everything)
            // A cheap filter first: the offsets in January and July.
            .filter(|tz| {
                jan.zip(jul).is_some_and(|(a, b)| {
                    offset_of(*tz, a) == self.offset_minutes_at(a)
                        && offset_of(*tz, b) == self.offset_minutes_at(b)
                })
            })
            .find(|tz| TimeZoneInfo::for_zone(*tz, year).same_rules(self, year))
    }
}

fn mid_month(year: i32, month: u32) -> Option<DateTime<Utc>> {
    NaiveDate::from_ymd_opt(year, month, 15)
        .and_then(|d| d.and_hms_opt(12, 0, 0))
        .map(|n| n.and_utc())
}

/// The instants in `year` (UTC, ±1 day) where `tz`'s offset changes, with the offsets before
/// and after.
fn transitions_in(tz: Tz, year: i32) -> Vec<(DateTime<Utc>, i32, i32)> {
    let Some(from) = NaiveDate::from_ymd_opt(year, 1, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut prev_t = from;
    let mut prev = offset_of(tz, prev_t);
    // Offsets change at most a few times a year and never twice within 12 hours.
    for step in 1..=(366 * 2) {
        let t = from + Duration::hours(12 * step);
        if t.year() != year && t > from + Duration::days(366) {
            break;
        }
        let off = offset_of(tz, t);
        if off != prev {
            // Narrow down to the second.
            let (mut lo, mut hi) = (prev_t.timestamp(), t.timestamp());
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                let at = DateTime::from_timestamp(mid, 0).unwrap_or(t);
                if offset_of(tz, at) == prev {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            let at = DateTime::from_timestamp(hi, 0).unwrap_or(t);
            if at.year() == year {
                out.push((at, prev, off));
            }
        }
        prev = off;
        prev_t = t;
    }
    out
}

/// The offset that holds for the longest part of `year`.
fn dominant_offset(tz: Tz, year: i32) -> Option<i32> {
    let mut counts: Vec<(i32, u32)> = Vec::new();
    for day in 0..365 {
        let t = NaiveDate::from_ymd_opt(year, 1, 1)?
            .and_hms_opt(12, 0, 0)?
            .and_utc()
            + Duration::days(day);
        let off = offset_of(tz, t);
        match counts.iter_mut().find(|(o, _)| *o == off) {
            Some((_, n)) => *n += 1,
            None => counts.push((off, 1)),
        }
    }
    counts.into_iter().max_by_key(|&(_, n)| n).map(|(o, _)| o)
}

/// A daylight period found in a zone's transitions.
#[derive(Debug, Clone, Copy)]
struct Daylight {
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    standard: i32,
    daylight: i32,
    minutes: i64,
}

/// The daylight period a blob can describe: a switch forward and a switch back between two
/// offsets. With more transitions in the year, the pair enclosing the longest stretch of the
/// higher offset wins.
fn main_period(year: i32, transitions: &[(DateTime<Utc>, i32, i32)]) -> Option<Daylight> {
    let year_len = (NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        - NaiveDate::from_ymd_opt(year, 1, 1)?)
    .num_minutes();
    let mut best: Option<Daylight> = None;
    for &(start, standard, daylight) in transitions.iter().filter(|(_, a, b)| b > a) {
        for &(end, from, to) in transitions.iter().filter(|(_, a, b)| b < a) {
            if from != daylight || to != standard {
                continue;
            }
            let minutes = if end > start {
                (end - start).num_minutes()
            } else {
                // Southern hemisphere: the period wraps around the new year.
                year_len - (start - end).num_minutes()
            };
            if best.is_none_or(|b| minutes > b.minutes) {
                best = Some(Daylight {
                    start,
                    end,
                    standard,
                    daylight,
                    minutes,
                });
            }
        }
    }
    best
}

/// The yearly rule for a switch at `at` (UTC), given the offset in force before it.
fn rule_for(tz: Tz, at: DateTime<Utc>, offset_before: i32, year: i32, forward: bool) -> SystemTime {
    let local = at.naive_utc() + Duration::minutes(i64::from(offset_before));
    let date = local.date();
    let day = date.day();
    let occurrence = (day - 1) / 7 + 1;
    let is_last = day + 7 > days_in_month(date.year(), date.month());
    let week = if !is_last || occurrence == 5 {
        occurrence
    } else {
        // The 4th weekday is also the last: which rule the zone follows shows in the years
        // around, where the two differ.
        let other_years = [year + 1, year - 1, year + 2];
        let says_last = other_years.iter().find_map(|&y| {
            let t = transitions_in(tz, y);
            let (w, _, _) = t
                .iter()
                .find(|(w, a, b)| (b > a) == forward && w.month() == at.month())?;
            let d = w.naive_utc() + Duration::minutes(i64::from(offset_before));
            Some(d.day() + 7 > days_in_month(d.year(), d.month()))
        });
        if says_last == Some(false) { 4 } else { 5 }
    };
    SystemTime {
        year: 0,
        month: date.month() as u16,
        day_of_week: date.weekday().num_days_from_sunday() as u16,
        day: week as u16,
        hour: local.hour() as u16,
        minute: local.minute() as u16,
        second: local.second() as u16,
        milliseconds: 0,
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    let next = if month == 12 {
        NaiveDate::from_ymd_opt(year + 1, 1, 1)
    } else {
        NaiveDate::from_ymd_opt(year, month + 1, 1)
    };
    match (next, NaiveDate::from_ymd_opt(year, month, 1)) {
        (Some(n), Some(f)) => (n - f).num_days() as u32,
        _ => 31,
    }
}

/// The wall-clock moment a switch rule names in `year`.
fn resolve_rule(rule: &SystemTime, year: i32) -> Option<NaiveDateTime> {
    let month = u32::from(rule.month);
    let date = if rule.year != 0 {
        // An absolute date; devices that send one mean that day every year.
        NaiveDate::from_ymd_opt(year, month, u32::from(rule.day))?
    } else {
        let weekday = match rule.day_of_week {
            0 => Weekday::Sun,
            1 => Weekday::Mon,
            2 => Weekday::Tue,
            3 => Weekday::Wed,
            4 => Weekday::Thu,
            5 => Weekday::Fri,
            6 => Weekday::Sat,
            _ => return None,
        };
        let week = u8::try_from(rule.day.clamp(1, 5)).ok()?;
        NaiveDate::from_weekday_of_month_opt(year, month, weekday, week).or_else(|| {
            // "5th" means the last one when the month has only four.
            NaiveDate::from_weekday_of_month_opt(year, month, weekday, 4)
        })?
    };
    // 23:59:59.999 style rules are common; hour 24 is not, but clamp rather than fail.
    let secs = u32::from(rule.hour.min(23)) * 3600
        + u32::from(rule.minute.min(59)) * 60
        + u32::from(rule.second.min(59));
    let time = chrono::NaiveTime::from_num_seconds_from_midnight_opt(
        secs,
        u32::from(rule.milliseconds.min(999)) * 1_000_000,
    )?;
    Some(date.and_time(time))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horde_dst_fixture_is_us_eastern() {
        // The blob of horde's dst.wbxml fixture (a fact about the file: offsets and dates).
        let b = "LAEAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAsAAAABAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAMAAAACAAIAAAAAAAAAxP///w==";
        let tz = TimeZoneInfo::from_base64(b).unwrap();
        assert_eq!(tz.bias, 300);
        assert_eq!(tz.daylight_bias, -60);
        assert_eq!((tz.daylight_date.month, tz.daylight_date.day), (3, 2));
        assert_eq!((tz.standard_date.month, tz.standard_date.day), (11, 1));
        assert_eq!(tz.resolve(2011), Some(chrono_tz::America::New_York));
    }

    #[test]
    fn bytes_round_trip_and_wrong_lengths_are_refused() {
        let info = TimeZoneInfo::for_zone(chrono_tz::Europe::Berlin, 2026);
        assert_eq!(TimeZoneInfo::from_bytes(&info.to_bytes()).unwrap(), info);
        assert!(TimeZoneInfo::from_bytes(&[0; 171]).is_err());
        assert!(TimeZoneInfo::from_base64("not base64!").is_err());
        let mut wild = info.to_bytes();
        wild[0..4].copy_from_slice(&100_000i32.to_le_bytes());
        assert!(TimeZoneInfo::from_bytes(&wild).is_err());
    }
}
