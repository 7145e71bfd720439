//! Recurrence: the EAS rule (MS-ASCAL `Recurrence`), its RRULE form, its wire form, and an
//! expander for the occurrences it gives.
//!
//! The model is EAS's, because every appointment must be sendable to a device. An RRULE is
//! read into it when it means the same thing; otherwise the conversion fails with
//! [`ModelError::ICalendar`] naming the part EAS cannot carry (BYHOUR, BYMINUTE, BYSECOND,
//! BYYEARDAY, BYWEEKNO, several BYMONTHDAY or BYMONTH values, BYSETPOS with anything but one
//! position, sub-daily frequencies, non-Gregorian RSCALE). Dropping such a part would change
//! which days the meeting is on, which is worse than refusing it.
//!
//! Two differences between the standards are settled here:
//! - A monthly rule on day 29–31 skips short months in RFC 5545 but falls on the month's last
//!   day in Outlook. The iCalendar meaning is kept (the expander skips), since the server's
//!   store is iCalendar; devices show the extra last-day occurrences as they always have.
//! - An UNTIL given as a DATE (all-day series, or sloppy writers) includes that whole day: it
//!   becomes the last second of the day in the event's zone.

use std::fmt::Write as _;

use calcard::common::PartialDateTime;
use calcard::icalendar::{
    ICalendarDay, ICalendarFrequency, ICalendarRecurrenceRule, ICalendarWeekday,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, Utc, Weekday};
use eas_codec::ProtocolVersion;
use eas_codec::data::calendar::CalendarRecurrence;
use eas_codec::data::email::MeetingRecurrence;

use super::{Appointment, When, local_to_utc};
use crate::{ModelError, datetime};

/// Days of the week as EAS's bit mask: Sunday 1, Monday 2, … Saturday 64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct DaySet(pub u8);

impl DaySet {
    /// Every day (127): with a week of the month, "the nth day of the month".
    pub const ALL: DaySet = DaySet(127);

    /// The set holding one day.
    pub fn of(day: Weekday) -> Self {
        DaySet(1 << day.num_days_from_sunday())
    }

    /// Whether `day` is in the set.
    pub fn contains(self, day: Weekday) -> bool {
        self.0 & (1 << day.num_days_from_sunday()) != 0
    }

    /// The days in the set, Sunday first.
    pub fn days(self) -> impl Iterator<Item = Weekday> {
        (0..7u8)
            .filter(move |i| self.0 & (1 << i) != 0)
            .map(weekday_from_sunday)
    }

    /// How many days are in the set.
    pub fn len(self) -> u32 {
        (self.0 & 127).count_ones()
    }

    /// Whether no day is in the set.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }
}

fn weekday_from_sunday(i: u8) -> Weekday {
    match i % 7 {
        0 => Weekday::Sun,
        1 => Weekday::Mon,
        2 => Weekday::Tue,
        3 => Weekday::Wed,
        4 => Weekday::Thu,
        5 => Weekday::Fri,
        _ => Weekday::Sat,
    }
}

/// Which days a series falls on, per period (MS-ASCAL `Recurrence/Type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pattern {
    /// Type 0: every `interval` days.
    Daily,
    /// Type 1: on these days, every `interval` weeks.
    Weekly {
        /// The days (DayOfWeek).
        days: DaySet,
    },
    /// Type 2: on this day of the month.
    Monthly {
        /// 1–31 (DayOfMonth).
        day: u8,
    },
    /// Type 3: on the `week`th of the matching days of the month ("second Tuesday", "last
    /// weekday" = days Mon–Fri, week 5; "last day" = [`DaySet::ALL`], week 5).
    MonthlyNth {
        /// 1–4, or 5 for the last (WeekOfMonth).
        week: u8,
        /// DayOfWeek.
        days: DaySet,
    },
    /// Type 5: on this date every `interval` years.
    Yearly {
        /// 1–12 (MonthOfYear).
        month: u8,
        /// 1–31 (DayOfMonth).
        day: u8,
    },
    /// Type 6: on the `week`th matching day of this month every `interval` years.
    YearlyNth {
        /// 1–12 (MonthOfYear).
        month: u8,
        /// 1–4, or 5 for the last (WeekOfMonth).
        week: u8,
        /// DayOfWeek.
        days: DaySet,
    },
}

/// How a series ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceEnd {
    /// It does not.
    Never,
    /// After this many occurrences (COUNT; Occurrences).
    Count(u32),
    /// No occurrence starts after this instant (UNTIL; Until).
    Until(DateTime<Utc>),
}

/// An EAS recurrence rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Recurrence {
    /// Which days.
    pub pattern: Pattern,
    /// Every how many periods (1–999).
    pub interval: u16,
    /// When it ends.
    pub end: RecurrenceEnd,
    /// The first day of the week (WKST; FirstDayOfWeek), which matters for weekly rules with
    /// an interval above 1. `None` means Sunday on the EAS side and Monday in iCalendar, so it
    /// is written out whenever it matters.
    pub first_day_of_week: Option<Weekday>,
    /// EAS CalendarType (0 default, 1 Gregorian, …). Only Gregorian rules are expanded; other
    /// values are carried to and from the wire but written to iCalendar as Gregorian (RFC 7529
    /// RSCALE is not written: few readers know it).
    pub calendar_type: Option<u8>,
}

fn ical_err(msg: impl Into<String>) -> ModelError {
    ModelError::ICalendar(msg.into())
}

fn wd_from_ical(w: ICalendarWeekday) -> Weekday {
    match w {
        ICalendarWeekday::Sunday => Weekday::Sun,
        ICalendarWeekday::Monday => Weekday::Mon,
        ICalendarWeekday::Tuesday => Weekday::Tue,
        ICalendarWeekday::Wednesday => Weekday::Wed,
        ICalendarWeekday::Thursday => Weekday::Thu,
        ICalendarWeekday::Friday => Weekday::Fri,
        ICalendarWeekday::Saturday => Weekday::Sat,
    }
}

fn wd_code(w: Weekday) -> &'static str {
    match w {
        Weekday::Sun => "SU",
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
    }
}

/// The week ordinal of an RRULE (1..4, -1) as EAS's WeekOfMonth (1..4, 5).
fn week_from_ordinal(n: i64) -> Result<u8, ModelError> {
    match n {
        1..=4 => Ok(n as u8),
        -1 => Ok(5),
        _ => Err(ical_err(format!(
            "RRULE week position {n} cannot be sent over EAS (only 1-4 and -1)"
        ))),
    }
}

fn ordinal_from_week(week: u8) -> i64 {
    if week >= 5 { -1 } else { i64::from(week) }
}

/// The day part of a monthly or yearly rule.
enum DayRule {
    /// A day of the month.
    MonthDay(u8),
    /// The nth (5 = last) of these weekdays.
    Nth(u8, DaySet),
}

/// Read the day part of a MONTHLY/YEARLY rule: BYMONTHDAY, BYDAY with an ordinal, or BYDAY
/// with BYSETPOS. `None` means the rule has none (the start's day is meant).
fn nth_or_day(rule: &ICalendarRecurrenceRule) -> Result<Option<DayRule>, ModelError> {
    if !rule.bymonthday.is_empty() {
        if !rule.byday.is_empty() || !rule.bysetpos.is_empty() {
            return Err(ical_err(
                "RRULE with BYMONTHDAY and BYDAY/BYSETPOS cannot be sent over EAS",
            ));
        }
        return match rule.bymonthday.as_slice() {
            [d] if (1..=31).contains(d) => Ok(Some(DayRule::MonthDay(*d as u8))),
            // The last day of the month: EAS's "last day" form.
            [-1] => Ok(Some(DayRule::Nth(5, DaySet::ALL))),
            _ => Err(ical_err(
                "RRULE BYMONTHDAY must be one day 1-31 or -1 for EAS",
            )),
        };
    }
    if rule.byday.is_empty() {
        if !rule.bysetpos.is_empty() {
            return Err(ical_err(
                "RRULE BYSETPOS without BYDAY cannot be sent over EAS",
            ));
        }
        return Ok(None);
    }
    let mut days = DaySet(0);
    let mut ordinal = None;
    for ICalendarDay { ordwk, weekday } in &rule.byday {
        days.0 |= DaySet::of(wd_from_ical(*weekday)).0;
        if let Some(n) = ordwk {
            if ordinal.is_some_and(|o| o != *n) {
                return Err(ical_err(
                    "RRULE BYDAY with different week positions cannot be sent over EAS",
                ));
            }
            ordinal = Some(*n);
        }
    }
    let week = match (ordinal, rule.bysetpos.as_slice()) {
        (Some(n), []) if rule.byday.len() == 1 => week_from_ordinal(i64::from(n))?,
        (None, [p]) => week_from_ordinal(i64::from(*p))?,
        _ => {
            return Err(ical_err(
                "RRULE BYDAY/BYSETPOS combination cannot be sent over EAS (one position only)",
            ));
        }
    };
    Ok(Some(DayRule::Nth(week, days)))
}

impl Recurrence {
    /// Read an RRULE. `start` is DTSTART as a wall-clock time in `tz` (rules without BYxxx
    /// take their day from it); `tz` also places a DATE or local UNTIL in time.
    pub fn from_rrule(
        rule: &ICalendarRecurrenceRule,
        start: NaiveDateTime,
        tz: chrono_tz::Tz,
    ) -> Result<Self, ModelError> {
        if !rule.byhour.is_empty() || !rule.byminute.is_empty() || !rule.bysecond.is_empty() {
            return Err(ical_err(
                "RRULE BYHOUR/BYMINUTE/BYSECOND cannot be sent over EAS",
            ));
        }
        if !rule.byyearday.is_empty() || !rule.byweekno.is_empty() {
            return Err(ical_err("RRULE BYYEARDAY/BYWEEKNO cannot be sent over EAS"));
        }
        let calendar_type = match &rule.rscale {
            None => None,
            Some(calcard::common::CalendarScale::Gregorian) => Some(1),
            Some(s) => return Err(ical_err(format!("RRULE RSCALE {s:?} is not supported"))),
        };
        let interval = rule.interval.unwrap_or(1).max(1);
        if interval > 999 {
            return Err(ical_err("RRULE INTERVAL above 999 cannot be sent over EAS"));
        }
        let month = match rule.bymonth.as_slice() {
            [] => None,
            [m] if !m.is_leap() => Some(m.month()),
            _ => {
                return Err(ical_err(
                    "RRULE with several (or leap) BYMONTH cannot be sent over EAS",
                ));
            }
        };
        let date = start.date();
        let pattern = match rule.freq {
            ICalendarFrequency::Daily => {
                if month.is_some() || !rule.bymonthday.is_empty() || !rule.bysetpos.is_empty() {
                    return Err(ical_err(
                        "DAILY RRULE with BYMONTH/BYMONTHDAY/BYSETPOS cannot be sent over EAS",
                    ));
                }
                if rule.byday.is_empty() {
                    Pattern::Daily
                } else if interval == 1 && rule.byday.iter().all(|d| d.ordwk.is_none()) {
                    // Every weekday etc.: the same days as a weekly rule.
                    let mut days = DaySet(0);
                    for d in &rule.byday {
                        days.0 |= DaySet::of(wd_from_ical(d.weekday)).0;
                    }
                    Pattern::Weekly { days }
                } else {
                    return Err(ical_err(
                        "DAILY RRULE with BYDAY and INTERVAL>1 cannot be sent over EAS",
                    ));
                }
            }
            ICalendarFrequency::Weekly => {
                if month.is_some() || !rule.bymonthday.is_empty() || !rule.bysetpos.is_empty() {
                    return Err(ical_err(
                        "WEEKLY RRULE with BYMONTH/BYMONTHDAY/BYSETPOS cannot be sent over EAS",
                    ));
                }
                let mut days = DaySet(0);
                for d in &rule.byday {
                    if d.ordwk.is_some() {
                        return Err(ical_err("WEEKLY RRULE BYDAY with a position is invalid"));
                    }
                    days.0 |= DaySet::of(wd_from_ical(d.weekday)).0;
                }
                if days.is_empty() {
                    days = DaySet::of(date.weekday());
                }
                Pattern::Weekly { days }
            }
            ICalendarFrequency::Monthly => {
                if month.is_some() {
                    return Err(ical_err(
                        "MONTHLY RRULE with BYMONTH cannot be sent over EAS",
                    ));
                }
                match nth_or_day(rule)? {
                    None => Pattern::Monthly {
                        day: date.day() as u8,
                    },
                    Some(DayRule::MonthDay(day)) => Pattern::Monthly { day },
                    Some(DayRule::Nth(week, days)) => Pattern::MonthlyNth { week, days },
                }
            }
            ICalendarFrequency::Yearly => {
                let month = month.unwrap_or(date.month() as u8);
                match nth_or_day(rule)? {
                    None => Pattern::Yearly {
                        month,
                        day: date.day() as u8,
                    },
                    Some(DayRule::MonthDay(day)) => Pattern::Yearly { month, day },
                    Some(DayRule::Nth(week, days)) => Pattern::YearlyNth { month, week, days },
                }
            }
            _ => return Err(ical_err("sub-daily RRULE cannot be sent over EAS")),
        };
        let end = match (rule.count, &rule.until) {
            (Some(_), Some(_)) => return Err(ical_err("RRULE with both COUNT and UNTIL")),
            (Some(n), None) => RecurrenceEnd::Count(n),
            (None, Some(u)) => RecurrenceEnd::Until(until_from_ical(u, tz)?),
            (None, None) => RecurrenceEnd::Never,
        };
        // Without WKST iCalendar weeks start on Monday; EAS's default is Sunday, so the
        // Monday is made explicit where it changes the days (weekly, interval above 1).
        let weekly_multi = matches!(pattern, Pattern::Weekly { .. }) && interval > 1;
        let first_day_of_week = rule
            .wkst
            .map(wd_from_ical)
            .or(weekly_multi.then_some(Weekday::Mon));
        Ok(Recurrence {
            pattern,
            interval,
            end,
            first_day_of_week,
            calendar_type,
        })
    }

    /// The RRULE value (without `RRULE:`). An all-day series gets a DATE UNTIL (RFC 5545:
    /// UNTIL has DTSTART's value type), a timed one a UTC UNTIL.
    pub fn to_rrule(&self, tz: chrono_tz::Tz, all_day: bool) -> String {
        let mut s = String::new();
        let freq = match self.pattern {
            Pattern::Daily => "DAILY",
            Pattern::Weekly { .. } => "WEEKLY",
            Pattern::Monthly { .. } | Pattern::MonthlyNth { .. } => "MONTHLY",
            Pattern::Yearly { .. } | Pattern::YearlyNth { .. } => "YEARLY",
        };
        let _ = write!(s, "FREQ={freq}");
        if self.interval > 1 {
            let _ = write!(s, ";INTERVAL={}", self.interval);
        }
        match self.end {
            RecurrenceEnd::Never => {}
            RecurrenceEnd::Count(n) => {
                let _ = write!(s, ";COUNT={n}");
            }
            RecurrenceEnd::Until(t) if all_day => {
                let _ = write!(s, ";UNTIL={}", t.with_timezone(&tz).format("%Y%m%d"));
            }
            RecurrenceEnd::Until(t) => {
                let _ = write!(s, ";UNTIL={}", datetime::format_compact(t));
            }
        }
        let byday = |days: DaySet, s: &mut String| {
            let list: Vec<&str> = days.days().map(wd_code).collect();
            let _ = write!(s, ";BYDAY={}", list.join(","));
        };
        let nth = |week: u8, days: DaySet, s: &mut String| {
            let n = ordinal_from_week(week);
            if days == DaySet::ALL {
                // The nth day of the month is a month day; the last one is -1.
                if n == -1 {
                    s.push_str(";BYMONTHDAY=-1");
                } else {
                    let _ = write!(s, ";BYMONTHDAY={n}");
                }
            } else if days.len() == 1 {
                let list: Vec<&str> = days.days().map(wd_code).collect();
                let _ = write!(s, ";BYDAY={n}{}", list.concat());
            } else {
                byday(days, s);
                let _ = write!(s, ";BYSETPOS={n}");
            }
        };
        match self.pattern {
            Pattern::Daily => {}
            Pattern::Weekly { days } => byday(days, &mut s),
            Pattern::Monthly { day } => {
                let _ = write!(s, ";BYMONTHDAY={day}");
            }
            Pattern::MonthlyNth { week, days } => nth(week, days, &mut s),
            Pattern::Yearly { month, day } => {
                let _ = write!(s, ";BYMONTH={month};BYMONTHDAY={day}");
            }
            Pattern::YearlyNth { month, week, days } => {
                let _ = write!(s, ";BYMONTH={month}");
                nth(week, days, &mut s);
            }
        }
        // Written whenever set: iCalendar's default (Monday) differs from EAS's (Sunday).
        let weekly_multi = matches!(self.pattern, Pattern::Weekly { .. }) && self.interval > 1;
        match self.first_day_of_week {
            Some(w) => {
                let _ = write!(s, ";WKST={}", wd_code(w));
            }
            // EAS's default week start, which iCalendar would otherwise read as Monday.
            None if weekly_multi => s.push_str(";WKST=SU"),
            None => {}
        }
        s
    }

    /// The wire form for `version` (FirstDayOfWeek from 14.1, CalendarType from 14.0).
    /// Before 14.1 a device counts weeks from Sunday, so a rule every 2+ weeks that starts
    /// its weeks on another day and includes the days before it can expand differently there;
    /// the protocol has no way to say otherwise.
    pub fn to_wire(&self, version: ProtocolVersion) -> CalendarRecurrence {
        let mut w = CalendarRecurrence {
            interval: Some(u32::from(self.interval)),
            ..Default::default()
        };
        let (t, dow, dom, wom, moy) = match self.pattern {
            Pattern::Daily => (0, None, None, None, None),
            Pattern::Weekly { days } => (1, Some(days.0), None, None, None),
            Pattern::Monthly { day } => (2, None, Some(day), None, None),
            Pattern::MonthlyNth { week, days } => (3, Some(days.0), None, Some(week), None),
            Pattern::Yearly { month, day } => (5, None, Some(day), None, Some(month)),
            Pattern::YearlyNth { month, week, days } => {
                (6, Some(days.0), None, Some(week), Some(month))
            }
        };
        w.recurrence_type = Some(t);
        w.day_of_week = dow;
        w.day_of_month = dom;
        w.week_of_month = wom;
        w.month_of_year = moy;
        match self.end {
            RecurrenceEnd::Never => {}
            RecurrenceEnd::Count(n) => w.occurrences = Some(n),
            RecurrenceEnd::Until(t) => w.until = Some(datetime::format_compact(t).into()),
        }
        if version >= ProtocolVersion::V14_0 {
            w.calendar_type = Some(self.calendar_type.unwrap_or(0));
        }
        if version >= ProtocolVersion::V14_1 {
            w.first_day_of_week = self
                .first_day_of_week
                .map(|d| d.num_days_from_sunday() as u8);
        }
        w
    }

    /// The MS-ASEMAIL form for a meeting request (`Email:Recurrence`, 2.2.2.60): the same
    /// elements as [`Recurrence::to_wire`] under the Email and Email2 namespaces.
    pub fn to_meeting_wire(&self, version: ProtocolVersion) -> MeetingRecurrence {
        let w = self.to_wire(version);
        MeetingRecurrence {
            recurrence_type: w.recurrence_type,
            interval: w.interval,
            until: w.until,
            occurrences: w.occurrences,
            week_of_month: w.week_of_month,
            day_of_month: w.day_of_month,
            day_of_week: w.day_of_week,
            month_of_year: w.month_of_year,
            calendar_type: w.calendar_type,
            is_leap_month: w.is_leap_month,
            first_day_of_week: w.first_day_of_week,
        }
    }

    /// Read the wire form. `start` is the series' first start as a wall-clock time, for the
    /// fields a device leaves out (a weekly rule without DayOfWeek means the start's day).
    pub fn from_wire(w: &CalendarRecurrence, start: NaiveDateTime) -> Result<Self, ModelError> {
        let bad = |field: &'static str, reason: String| ModelError::InvalidField { field, reason };
        let date = start.date();
        let interval = w.interval.unwrap_or(1).max(1);
        if interval > 999 {
            return Err(bad(
                "Recurrence/Interval",
                format!("{interval} is above 999"),
            ));
        }
        let days = |required: bool| -> Result<DaySet, ModelError> {
            match w.day_of_week {
                Some(d) if d & 127 != 0 => Ok(DaySet(d & 127)),
                Some(d) => Err(bad("Recurrence/DayOfWeek", format!("{d} names no day"))),
                None if required => Err(bad("Recurrence/DayOfWeek", "missing".into())),
                None => Ok(DaySet::of(date.weekday())),
            }
        };
        let week = || -> Result<u8, ModelError> {
            match w.week_of_month {
                Some(n @ 1..=5) => Ok(n),
                Some(n) => Err(bad("Recurrence/WeekOfMonth", format!("{n} is not 1-5"))),
                None => Err(bad("Recurrence/WeekOfMonth", "missing".into())),
            }
        };
        let day = || -> Result<u8, ModelError> {
            match w.day_of_month {
                Some(n @ 1..=31) => Ok(n),
                Some(n) => Err(bad("Recurrence/DayOfMonth", format!("{n} is not 1-31"))),
                None => Ok(date.day() as u8),
            }
        };
        let month = || -> Result<u8, ModelError> {
            match w.month_of_year {
                Some(n @ 1..=12) => Ok(n),
                Some(n) => Err(bad("Recurrence/MonthOfYear", format!("{n} is not 1-12"))),
                None => Ok(date.month() as u8),
            }
        };
        let pattern = match w.recurrence_type {
            Some(0) => match w.day_of_week {
                // Some devices send "every weekday" as daily with DayOfWeek.
                Some(d) if d & 127 != 0 && d & 127 != 127 => {
                    if interval != 1 {
                        return Err(bad(
                            "Recurrence/DayOfWeek",
                            "a daily rule with days and an interval above 1".into(),
                        ));
                    }
                    Pattern::Weekly {
                        days: DaySet(d & 127),
                    }
                }
                _ => Pattern::Daily,
            },
            Some(1) => Pattern::Weekly { days: days(false)? },
            Some(2) => Pattern::Monthly { day: day()? },
            Some(3) => Pattern::MonthlyNth {
                week: week()?,
                days: days(true)?,
            },
            Some(5) => Pattern::Yearly {
                month: month()?,
                day: day()?,
            },
            Some(6) => Pattern::YearlyNth {
                month: month()?,
                week: week()?,
                days: days(true)?,
            },
            Some(t) => {
                return Err(bad(
                    "Recurrence/Type",
                    format!("{t} is not a recurrence type"),
                ));
            }
            None => return Err(bad("Recurrence/Type", "missing".into())),
        };
        let end = match (w.occurrences, &w.until) {
            (Some(n), _) if n > 0 => RecurrenceEnd::Count(n),
            (_, Some(u)) => RecurrenceEnd::Until(datetime::parse(u, "Recurrence/Until")?),
            _ => RecurrenceEnd::Never,
        };
        let first_day_of_week = match w.first_day_of_week {
            None => None,
            Some(n @ 0..=6) => Some(weekday_from_sunday(n)),
            Some(n) => return Err(bad("Recurrence/FirstDayOfWeek", format!("{n} is not 0-6"))),
        };
        Ok(Recurrence {
            pattern,
            interval: interval as u16,
            end,
            first_day_of_week,
            calendar_type: w.calendar_type,
        })
    }

    /// The wall-clock starts of the series' occurrences from `start` (the first, always an
    /// occurrence as in RFC 5545) up to and including `horizon`, in order, with COUNT and
    /// UNTIL applied (`tz` turns starts into instants for UNTIL).
    pub fn expand(
        &self,
        start: NaiveDateTime,
        tz: chrono_tz::Tz,
        horizon: NaiveDate,
    ) -> Vec<NaiveDateTime> {
        let mut out = Vec::new();
        let time = start.time();
        let first = start.date();
        let interval = i64::from(self.interval.max(1));
        let mut count = 0u32;
        let mut push = |d: NaiveDate, out: &mut Vec<NaiveDateTime>| -> bool {
            if d < first {
                return true;
            }
            if d > horizon {
                return false;
            }
            let at = d.and_time(time);
            match self.end {
                RecurrenceEnd::Count(n) if count >= n => return false,
                RecurrenceEnd::Until(u) if local_to_utc(tz, at) > u => return false,
                _ => {}
            }
            if out.last().is_none_or(|l: &NaiveDateTime| *l < at) {
                out.push(at);
                count += 1;
            }
            true
        };
        // DTSTART is the first occurrence even when it does not match the rule.
        if !push(first, &mut out) {
            return out;
        }
        let month_index = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
        let month_start =
            |idx: i64| NaiveDate::from_ymd_opt((idx / 12) as i32, (idx % 12) as u32 + 1, 1);
        let mut k: i64 = 0;
        loop {
            let dates: Vec<NaiveDate> = match self.pattern {
                Pattern::Daily => first
                    .checked_add_signed(Duration::days(k * interval))
                    .into_iter()
                    .collect(),
                Pattern::Weekly { days } => {
                    let wkst = self.first_day_of_week.unwrap_or(Weekday::Sun);
                    let back = (7 + first.weekday().num_days_from_sunday()
                        - wkst.num_days_from_sunday())
                        % 7;
                    let Some(ws) = first
                        .checked_sub_signed(Duration::days(i64::from(back)))
                        .and_then(|ws| ws.checked_add_signed(Duration::weeks(k * interval)))
                    else {
                        break;
                    };
                    (0..7)
                        .filter_map(|i| ws.checked_add_signed(Duration::days(i)))
                        .filter(|d| days.contains(d.weekday()))
                        .collect()
                }
                Pattern::Monthly { day } => {
                    let Some(ms) = month_start(month_index(first) + k * interval) else {
                        break;
                    };
                    ms.with_day(u32::from(day)).into_iter().collect()
                }
                Pattern::MonthlyNth { week, days } => {
                    let Some(ms) = month_start(month_index(first) + k * interval) else {
                        break;
                    };
                    nth_in_month(ms, week, days).into_iter().collect()
                }
                Pattern::Yearly { month, day } => {
                    let y = i64::from(first.year()) + k * interval;
                    NaiveDate::from_ymd_opt(y as i32, u32::from(month), u32::from(day))
                        .into_iter()
                        .collect()
                }
                Pattern::YearlyNth { month, week, days } => {
                    let y = i64::from(first.year()) + k * interval;
                    NaiveDate::from_ymd_opt(y as i32, u32::from(month), 1)
                        .and_then(|ms| nth_in_month(ms, week, days))
                        .into_iter()
                        .collect()
                }
            };
            // Stop once a whole period lies past the horizon.
            let period_start = match self.pattern {
                Pattern::Daily => first.checked_add_signed(Duration::days(k * interval)),
                Pattern::Weekly { .. } => {
                    first.checked_add_signed(Duration::weeks(k * interval - 1))
                }
                Pattern::Monthly { .. } | Pattern::MonthlyNth { .. } => {
                    month_start(month_index(first) + k * interval)
                }
                Pattern::Yearly { .. } | Pattern::YearlyNth { .. } => {
                    NaiveDate::from_ymd_opt(first.year() + (k * interval) as i32, 1, 1)
                }
            };
            if period_start.is_none_or(|p| p > horizon) {
                break;
            }
            for d in dates {
                if !push(d, &mut out) {
                    return out;
                }
            }
            k += 1;
        }
        out
    }
}

/// The `week`th (5 = last) day in `month_start`'s month whose weekday is in `days`.
fn nth_in_month(month_start: NaiveDate, week: u8, days: DaySet) -> Option<NaiveDate> {
    let matching: Vec<NaiveDate> = month_start
        .iter_days()
        .take_while(|d| d.month() == month_start.month())
        .filter(|d| days.contains(d.weekday()))
        .collect();
    if week >= 5 {
        matching.last().copied()
    } else {
        matching.get(usize::from(week.max(1)) - 1).copied()
    }
}

/// UNTIL as an instant: UTC as given, a local date-time in `tz`, or a DATE as the last second
/// of that day in `tz`.
fn until_from_ical(u: &PartialDateTime, tz: chrono_tz::Tz) -> Result<DateTime<Utc>, ModelError> {
    let r = u
        .to_date_time()
        .ok_or_else(|| ical_err("RRULE UNTIL is not a date"))?;
    if let Some(off) = r.offset {
        return Ok((r.date_time - Duration::seconds(i64::from(off.local_minus_utc()))).and_utc());
    }
    if u.hour.is_none() {
        let next = r.date_time.date().succ_opt().unwrap_or(r.date_time.date());
        return Ok(super::local_midnight(tz, next) - Duration::seconds(1));
    }
    Ok(local_to_utc(tz, r.date_time))
}

impl Appointment {
    /// The start instants of every occurrence up to `horizon`, after deleted occurrences are
    /// removed and moved ones put at their new start; sorted. A single appointment gives its
    /// one start.
    pub fn occurrences(&self, horizon: DateTime<Utc>) -> Vec<DateTime<Utc>> {
        let tz = self.tz;
        let start = self.when.start_utc(tz);
        let mut out: Vec<DateTime<Utc>> = match &self.recurrence {
            None => vec![start],
            Some(r) => {
                let local = start.with_timezone(&tz).naive_local();
                let h = horizon.with_timezone(&tz).date_naive();
                r.expand(local, tz, h)
                    .into_iter()
                    .map(|l| match self.when {
                        When::AllDay { .. } => super::local_midnight(tz, l.date()),
                        When::Timed { .. } => local_to_utc(tz, l),
                    })
                    .collect()
            }
        };
        for ex in &self.exceptions {
            if let Some(pos) = out.iter().position(|t| *t == ex.original_start) {
                if ex.deleted {
                    out.remove(pos);
                } else if let Some(w) = ex.when {
                    out[pos] = w.start_utc(tz);
                }
            }
        }
        out.retain(|t| *t <= horizon);
        out.sort();
        out
    }
}
