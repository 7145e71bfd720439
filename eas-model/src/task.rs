//! Tasks (MS-ASTASK): [`TaskItem`] and its iCalendar (VTODO) and wire forms.
//!
//! # Dates
//!
//! The item keeps instants (UTC). The wire has each of the start and due dates twice:
//! `UtcStartDate` is the instant, `StartDate` the wall-clock time in the user's zone written
//! as if it were UTC (a task due Jan 6 in Berlin: `UtcDueDate` `2026-01-05T23:00:00.000Z`,
//! `DueDate` `2026-01-06T00:00:00.000Z`). Conversions take the user's zone as a parameter;
//! reading prefers the UTC element and falls back to the local one.
//!
//! # iCalendar mapping
//!
//! SUMMARY, DESCRIPTION, CATEGORIES; PRIORITY (1 high, 5 normal, 9 low; read 1–4 high,
//! 6–9 low); CLASS (PUBLIC, PRIVATE, CONFIDENTIAL; Personal is written as PRIVATE with
//! `X-EAS-SENSITIVITY:PERSONAL`); DTSTART and DUE as UTC date-times (read: any form, dates
//! and floating times in the user's zone, TZID by IANA name); STATUS:COMPLETED and
//! COMPLETED; the reminder as a VALARM (ACTION:DISPLAY) with an absolute trigger (a
//! relative trigger is resolved against DTSTART, or DUE with `RELATED=END`).
//!
//! The recurrence becomes an RRULE: Type 0 `FREQ=DAILY`, 1 `WEEKLY`, 2 `MONTHLY;BYMONTHDAY`,
//! 3 `MONTHLY;BYDAY;BYSETPOS`, 5 `YEARLY;BYMONTH;BYMONTHDAY`, 6 `YEARLY;BYMONTH;BYDAY;BYSETPOS`;
//! DayOfWeek is the BYDAY list (127, "last day of the month", is all seven days with
//! `BYSETPOS=-1`), WeekOfMonth 5 ("last") is `BYSETPOS=-1`; Interval `INTERVAL`, Occurrences
//! `COUNT`, Until `UNTIL`, FirstDayOfWeek `WKST`; CalendarType `RSCALE` where RFC 7529 has
//! the calendar (Hijri `ISLAMIC-CIVIL`, Hebrew, Chinese) and IsLeapMonth the `L` month suffix.
//! What RRULE cannot say is kept in properties: `X-EAS-CALENDAR-TYPE` (the number),
//! `X-EAS-LEAP-MONTH`, `X-EAS-REGENERATE`, `X-EAS-DEAD-OCCUR`, and `X-EAS-RECURRENCE-START`
//! when the series starts elsewhere than the task. Fields that do not belong to the Type
//! (DayOfMonth on a weekly rule) have no RRULE form and are dropped.

use calcard::common::{CalendarScale, PartialDateTime};
use calcard::icalendar::{
    ICalendar, ICalendarAction, ICalendarClassification, ICalendarComponent,
    ICalendarComponentType, ICalendarDay, ICalendarEntry, ICalendarFrequency, ICalendarMonth,
    ICalendarParameter, ICalendarParameterName, ICalendarParameterValue, ICalendarProperty,
    ICalendarRecurrenceRule, ICalendarRelated, ICalendarStatus, ICalendarValue, ICalendarValueType,
    ICalendarWeekday,
};
use chrono::{DateTime, Datelike, Duration, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use eas_codec::ProtocolVersion;
use eas_codec::data::tasks::{Task, TaskCategories, TaskRecurrence as WireRecurrence};

use crate::ModelError;
use crate::datetime;
use crate::note::{
    body_from_wire, body_to_wire, categories_from, ical_text, non_empty, normalize_newlines,
    partial_from_utc, utc_from_partial, wrap_with_children,
};

/// How important a task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Importance {
    /// 0.
    Low,
    /// 1 (also what an absent element means).
    #[default]
    Normal,
    /// 2.
    High,
}

/// Who may see a task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sensitivity {
    /// 0 (also what an absent element means).
    #[default]
    Normal,
    /// 1.
    Personal,
    /// 2.
    Private,
    /// 3.
    Confidential,
}

/// MS-ASTASK recurrence Type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecurrenceType {
    /// 0: every `interval` days (or on the DayOfWeek days).
    Daily,
    /// 1: every `interval` weeks on the DayOfWeek days.
    Weekly,
    /// 2: every `interval` months on DayOfMonth.
    Monthly,
    /// 3: every `interval` months on the WeekOfMonth-th DayOfWeek.
    MonthlyNth,
    /// 5: every `interval` years on MonthOfYear/DayOfMonth.
    Yearly,
    /// 6: every `interval` years on the WeekOfMonth-th DayOfWeek of MonthOfYear.
    YearlyNth,
}

impl RecurrenceType {
    /// The wire value.
    pub fn code(self) -> u8 {
        match self {
            RecurrenceType::Daily => 0,
            RecurrenceType::Weekly => 1,
            RecurrenceType::Monthly => 2,
            RecurrenceType::MonthlyNth => 3,
            RecurrenceType::Yearly => 5,
            RecurrenceType::YearlyNth => 6,
        }
    }

    /// The type for a wire value.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => RecurrenceType::Daily,
            1 => RecurrenceType::Weekly,
            2 => RecurrenceType::Monthly,
            3 => RecurrenceType::MonthlyNth,
            5 => RecurrenceType::Yearly,
            6 => RecurrenceType::YearlyNth,
            _ => return None,
        })
    }
}

/// How a task repeats (MS-ASTASK `Recurrence`), with the wire's fields typed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskRecurrence {
    /// The pattern.
    pub recurrence_type: RecurrenceType,
    /// Start of the series. `None` only when neither the rule nor the task has a start.
    pub start: Option<DateTime<Utc>>,
    /// End of the series.
    pub until: Option<DateTime<Utc>>,
    /// Number of occurrences.
    pub occurrences: Option<u32>,
    /// Every this many periods.
    pub interval: Option<u32>,
    /// Days of the week, a bit mask: 1 Sunday, 2 Monday … 64 Saturday (127 with a monthly
    /// or yearly Type: the last day of the month).
    pub day_of_week: Option<u8>,
    /// Day of the month, 1–31.
    pub day_of_month: Option<u8>,
    /// Week of the month, 1–5 (5 the last).
    pub week_of_month: Option<u8>,
    /// Month of the year, 1–12.
    pub month_of_year: Option<u8>,
    /// The next occurrence is computed from the completion date.
    pub regenerate: bool,
    /// This is the last occurrence.
    pub dead_occur: bool,
    /// The calendar the rule counts in (MS-ASTASK CalendarType; 14.0+).
    pub calendar_type: Option<u8>,
    /// The month is a leap month (14.0+).
    pub is_leap_month: bool,
    /// First day of the week, 0 Sunday … 6 Saturday (14.1+).
    pub first_day_of_week: Option<u8>,
}

/// A task, at meaning level.
///
/// Text fields never hold an empty string; `body` uses `\n` line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TaskItem {
    /// The subject.
    pub subject: Option<String>,
    /// The notes, plain text.
    pub body: Option<String>,
    /// Importance.
    pub importance: Importance,
    /// Sensitivity.
    pub sensitivity: Sensitivity,
    /// Categories, in order.
    pub categories: Vec<String>,
    /// When work starts.
    pub start: Option<DateTime<Utc>>,
    /// When the task is due.
    pub due: Option<DateTime<Utc>>,
    /// Whether the task is done.
    pub complete: bool,
    /// When it was done.
    pub date_completed: Option<DateTime<Utc>>,
    /// When the reminder fires; `None` is no reminder (`ReminderSet` 0; the time of an unset
    /// reminder means nothing and is not kept).
    pub reminder: Option<DateTime<Utc>>,
    /// How the task repeats.
    pub recurrence: Option<TaskRecurrence>,
}

fn invalid(field: &'static str, reason: String) -> ModelError {
    ModelError::InvalidField { field, reason }
}

fn flag(v: Option<u8>, field: &'static str) -> Result<bool, ModelError> {
    match v {
        None | Some(0) => Ok(false),
        Some(1) => Ok(true),
        Some(other) => Err(invalid(field, format!("{other} is not 0 or 1"))),
    }
}

fn ranged(v: Option<u8>, lo: u8, hi: u8, field: &'static str) -> Result<Option<u8>, ModelError> {
    match v {
        Some(x) if x < lo || x > hi => Err(invalid(field, format!("{x} is not in {lo}–{hi}"))),
        other => Ok(other),
    }
}

fn opt_instant(s: Option<&str>, field: &'static str) -> Result<Option<DateTime<Utc>>, ModelError> {
    s.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| datetime::parse(s, field))
        .transpose()
}

/// A wall-clock time in `zone` as an instant: the earlier one when the time is ambiguous,
/// the first valid one after it when a DST change skips it.
fn local_to_utc(local: NaiveDateTime, zone: Tz) -> DateTime<Utc> {
    let mut t = local;
    for _ in 0..8 {
        if let Some(x) = zone.from_local_datetime(&t).earliest() {
            return x.with_timezone(&Utc);
        }
        t += Duration::minutes(30);
    }
    local.and_utc()
}

/// The wall-clock time of `t` in `zone`, written as if UTC (the wire's local form).
fn utc_as_local(t: DateTime<Utc>, zone: Tz) -> String {
    datetime::format_extended(t.with_timezone(&zone).naive_local().and_utc())
}

impl TaskItem {
    // ---------------------------------------------------------------- wire

    /// Read a wire `Task`. `zone` is the user's zone, used when only the local form of a
    /// date is present.
    pub fn from_wire(w: &Task, zone: Tz) -> Result<Self, ModelError> {
        let both = |utc: Option<&str>,
                    local: Option<&str>,
                    uf: &'static str,
                    lf: &'static str|
         -> Result<Option<DateTime<Utc>>, ModelError> {
            if let Some(t) = opt_instant(utc, uf)? {
                return Ok(Some(t));
            }
            Ok(opt_instant(local, lf)?.map(|t| local_to_utc(t.naive_utc(), zone)))
        };
        let start = both(
            w.utc_start_date.as_deref(),
            w.start_date.as_deref(),
            "UtcStartDate",
            "StartDate",
        )?;
        let due = both(
            w.utc_due_date.as_deref(),
            w.due_date.as_deref(),
            "UtcDueDate",
            "DueDate",
        )?;
        let importance = match w.importance {
            None | Some(1) => Importance::Normal,
            Some(0) => Importance::Low,
            Some(2) => Importance::High,
            Some(x) => return Err(invalid("Importance", format!("{x} is not 0, 1 or 2"))),
        };
        let sensitivity = match w.sensitivity {
            None | Some(0) => Sensitivity::Normal,
            Some(1) => Sensitivity::Personal,
            Some(2) => Sensitivity::Private,
            Some(3) => Sensitivity::Confidential,
            Some(x) => return Err(invalid("Sensitivity", format!("{x} is not 0–3"))),
        };
        let reminder = if flag(w.reminder_set, "ReminderSet")? {
            opt_instant(w.reminder_time.as_deref(), "ReminderTime")?
        } else {
            None
        };
        let recurrence = w
            .recurrence
            .as_ref()
            .map(|r| recurrence_from_wire(r, start))
            .transpose()?;
        Ok(TaskItem {
            subject: non_empty(w.subject.as_deref()),
            body: body_from_wire(w.body.as_ref(), w.body_v25.as_deref())?,
            importance,
            sensitivity,
            categories: categories_from(
                w.categories
                    .as_ref()
                    .map(|c| c.categories.as_slice())
                    .unwrap_or_default(),
            ),
            start,
            due,
            complete: flag(w.complete, "Complete")?,
            date_completed: opt_instant(w.date_completed.as_deref(), "DateCompleted")?,
            reminder,
            recurrence,
        })
    }

    /// The wire `Task` for `version`, dates in both forms for the user's `zone`.
    /// CalendarType and IsLeapMonth are left out before 14.0, FirstDayOfWeek before 14.1.
    pub fn to_wire(&self, version: ProtocolVersion, zone: Tz) -> Task {
        let (body, body_v25) = body_to_wire(self.body.as_deref(), version);
        let ext = |t: &Option<DateTime<Utc>>| t.map(|t| datetime::format_extended(t).into());
        let local = |t: &Option<DateTime<Utc>>| t.map(|t| utc_as_local(t, zone).into());
        Task {
            body,
            body_v25,
            body_size: None,
            body_truncated: None,
            subject: self.subject.as_deref().map(Into::into),
            importance: Some(match self.importance {
                Importance::Low => 0,
                Importance::Normal => 1,
                Importance::High => 2,
            }),
            utc_start_date: ext(&self.start),
            start_date: local(&self.start),
            utc_due_date: ext(&self.due),
            due_date: local(&self.due),
            categories: (!self.categories.is_empty()).then(|| TaskCategories {
                categories: self.categories.iter().map(|c| c.as_str().into()).collect(),
            }),
            recurrence: self
                .recurrence
                .as_ref()
                .map(|r| recurrence_to_wire(r, version)),
            complete: Some(u8::from(self.complete)),
            date_completed: ext(&self.date_completed),
            sensitivity: Some(match self.sensitivity {
                Sensitivity::Normal => 0,
                Sensitivity::Personal => 1,
                Sensitivity::Private => 2,
                Sensitivity::Confidential => 3,
            }),
            reminder_time: ext(&self.reminder),
            reminder_set: Some(u8::from(self.reminder.is_some())),
            ordinal_date: None,
            sub_ordinal_date: None,
            native_body_type: None,
        }
    }

    // ---------------------------------------------------------------- iCalendar

    /// The task as an iCalendar VTODO. `uid` and `dtstamp` are the UID and DTSTAMP iCalendar
    /// requires (EAS has neither; this crate reads no clock). Dates are written in UTC, so no
    /// zone is needed.
    pub fn to_vtodo(&self, uid: &str, dtstamp: DateTime<Utc>) -> String {
        let dt = |t: DateTime<Utc>| ICalendarValue::PartialDateTime(Box::new(partial_from_utc(t)));
        let x = |n: &str| ICalendarProperty::Other(n.to_owned());
        let mut todo = ICalendarComponent::new(ICalendarComponentType::VTodo);
        todo.add_uid(uid);
        todo.add_dtstamp(partial_from_utc(dtstamp));
        if let Some(s) = &self.subject {
            todo.add_property(ICalendarProperty::Summary, ICalendarValue::Text(s.clone()));
        }
        if let Some(b) = &self.body {
            todo.add_property(
                ICalendarProperty::Description,
                ICalendarValue::Text(b.clone()),
            );
        }
        if let Some(t) = self.start {
            todo.add_property(ICalendarProperty::Dtstart, dt(t));
        }
        if let Some(t) = self.due {
            todo.add_property(ICalendarProperty::Due, dt(t));
        }
        todo.add_property(
            ICalendarProperty::Status,
            ICalendarValue::Status(if self.complete {
                ICalendarStatus::Completed
            } else {
                ICalendarStatus::NeedsAction
            }),
        );
        if let Some(t) = self.date_completed {
            todo.add_property(ICalendarProperty::Completed, dt(t));
        }
        let priority = match self.importance {
            Importance::High => 1,
            Importance::Normal => 5,
            Importance::Low => 9,
        };
        todo.add_property(
            ICalendarProperty::Priority,
            ICalendarValue::Integer(priority),
        );
        let class = match self.sensitivity {
            Sensitivity::Normal => ICalendarClassification::Public,
            Sensitivity::Personal | Sensitivity::Private => ICalendarClassification::Private,
            Sensitivity::Confidential => ICalendarClassification::Confidential,
        };
        todo.add_property(
            ICalendarProperty::Class,
            ICalendarValue::Classification(class),
        );
        if self.sensitivity == Sensitivity::Personal {
            todo.add_property(
                x("X-EAS-SENSITIVITY"),
                ICalendarValue::Text("PERSONAL".into()),
            );
        }
        if !self.categories.is_empty() {
            todo.entries.push(
                ICalendarEntry::new(ICalendarProperty::Categories).with_values(
                    self.categories
                        .iter()
                        .map(|c| ICalendarValue::Text(c.clone()))
                        .collect(),
                ),
            );
        }
        if let Some(r) = &self.recurrence {
            todo.add_property(
                ICalendarProperty::Rrule,
                ICalendarValue::RecurrenceRule(Box::new(rrule_from(r))),
            );
            if let Some(c) = r.calendar_type {
                todo.add_property(x("X-EAS-CALENDAR-TYPE"), ICalendarValue::Integer(c.into()));
            }
            if r.is_leap_month {
                todo.add_property(x("X-EAS-LEAP-MONTH"), ICalendarValue::Integer(1));
            }
            if r.regenerate {
                todo.add_property(x("X-EAS-REGENERATE"), ICalendarValue::Integer(1));
            }
            if r.dead_occur {
                todo.add_property(x("X-EAS-DEAD-OCCUR"), ICalendarValue::Integer(1));
            }
            if let Some(s) = r.start
                && Some(s) != self.start
            {
                // An X- property is text to calcard's writer: write the date-time form.
                todo.add_property(
                    x("X-EAS-RECURRENCE-START"),
                    ICalendarValue::Text(datetime::format_compact(s)),
                );
            }
        }
        let mut children = Vec::new();
        if let Some(t) = self.reminder {
            let mut alarm = ICalendarComponent::new(ICalendarComponentType::VAlarm);
            alarm.add_property(
                ICalendarProperty::Action,
                ICalendarValue::Action(ICalendarAction::Display),
            );
            alarm.add_property(
                ICalendarProperty::Description,
                ICalendarValue::Text(self.subject.clone().unwrap_or_else(|| "Reminder".into())),
            );
            alarm.add_property_with_params(
                ICalendarProperty::Trigger,
                [ICalendarParameter::value(ICalendarValueType::DateTime)],
                dt(t),
            );
            children.push(alarm);
        }
        wrap_with_children(todo, children).to_string()
    }

    /// Read the first VTODO of an iCalendar text. `zone` is the user's zone, for DATE
    /// values, floating times and TZIDs that are not IANA names.
    pub fn from_vtodo(text: &str, zone: Tz) -> Result<Self, ModelError> {
        let cal = ICalendar::parse(text)
            .map_err(|e| ModelError::ICalendar(format!("cannot parse: {e:?}")))?;
        let todo = cal
            .components
            .iter()
            .find(|c| c.component_type == ICalendarComponentType::VTodo)
            .ok_or_else(|| ModelError::ICalendar("no VTODO component".into()))?;
        let mut item = TaskItem::default();
        let mut status = None;
        let mut rrule = None;
        let mut calendar_type = None;
        let mut leap = false;
        let mut regenerate = false;
        let mut dead_occur = false;
        let mut rec_start = None;
        let mut personal = false;
        let mut percent = None;
        for e in &todo.entries {
            let xname = match &e.name {
                ICalendarProperty::Other(n) => n.to_ascii_uppercase(),
                _ => String::new(),
            };
            match &e.name {
                ICalendarProperty::Summary => item.subject = non_empty(ical_text(e)),
                ICalendarProperty::Description => {
                    item.body = non_empty(ical_text(e).map(normalize_newlines).as_deref())
                }
                ICalendarProperty::Dtstart => item.start = ical_instant(e, zone),
                ICalendarProperty::Due => item.due = ical_instant(e, zone),
                ICalendarProperty::Completed => item.date_completed = ical_instant(e, zone),
                ICalendarProperty::Status => {
                    status = e.values.first().and_then(|v| match v {
                        ICalendarValue::Status(s) => Some(s.clone()),
                        _ => None,
                    })
                }
                ICalendarProperty::PercentComplete => {
                    percent = e.values.first().and_then(|v| v.as_integer())
                }
                ICalendarProperty::Priority => {
                    item.importance = match e.values.first().and_then(|v| v.as_integer()) {
                        Some(1..=4) => Importance::High,
                        Some(6..=9) => Importance::Low,
                        _ => Importance::Normal,
                    }
                }
                ICalendarProperty::Class => {
                    item.sensitivity = match e.values.first() {
                        Some(ICalendarValue::Classification(ICalendarClassification::Private)) => {
                            Sensitivity::Private
                        }
                        Some(ICalendarValue::Classification(
                            ICalendarClassification::Confidential,
                        )) => Sensitivity::Confidential,
                        _ => Sensitivity::Normal,
                    }
                }
                ICalendarProperty::Categories => item.categories.extend(
                    e.values
                        .iter()
                        .filter_map(|v| v.as_text())
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                ),
                ICalendarProperty::Rrule => {
                    if let Some(ICalendarValue::RecurrenceRule(r)) = e.values.first() {
                        rrule = Some((**r).clone());
                    }
                }
                ICalendarProperty::Other(_) => match xname.as_str() {
                    "X-EAS-CALENDAR-TYPE" => calendar_type = ical_small_int(e),
                    "X-EAS-LEAP-MONTH" => leap = ical_small_int(e) == Some(1),
                    "X-EAS-REGENERATE" => regenerate = ical_small_int(e) == Some(1),
                    "X-EAS-DEAD-OCCUR" => dead_occur = ical_small_int(e) == Some(1),
                    "X-EAS-RECURRENCE-START" => {
                        // calcard reads unknown properties as text.
                        rec_start = ical_instant(e, zone).or_else(|| {
                            ical_text(e)
                                .and_then(|t| datetime::parse(t, "X-EAS-RECURRENCE-START").ok())
                        })
                    }
                    "X-EAS-SENSITIVITY" => {
                        personal = ical_text(e).is_some_and(|t| t.eq_ignore_ascii_case("PERSONAL"))
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        if personal {
            item.sensitivity = Sensitivity::Personal;
        }
        item.complete = match status {
            Some(s) => s == ICalendarStatus::Completed,
            None => item.date_completed.is_some() || percent == Some(100),
        };
        if let Some(rule) = rrule {
            let start = rec_start.or(item.start);
            let mut r = rrule_to(&rule, start, zone)?;
            r.calendar_type = calendar_type.or(r.calendar_type);
            r.is_leap_month |= leap;
            r.regenerate = regenerate;
            r.dead_occur = dead_occur;
            item.recurrence = Some(r);
        }
        // The first alarm of the VTODO is the reminder.
        let alarm = todo
            .component_ids
            .iter()
            .filter_map(|id| cal.components.get(usize::try_from(*id).ok()?))
            .find(|c| c.component_type == ICalendarComponentType::VAlarm);
        if let Some(alarm) = alarm {
            item.reminder = alarm_time(alarm, item.start, item.due, zone);
        }
        Ok(item)
    }
}

fn ical_small_int(e: &ICalendarEntry) -> Option<u8> {
    match e.values.first()? {
        ICalendarValue::Integer(i) => u8::try_from(*i).ok(),
        ICalendarValue::Text(t) => t.trim().parse().ok(),
        _ => None,
    }
}

/// A DTSTART-like entry as an instant: offsets as given, TZID by IANA name (else the user's
/// zone), floating times and dates in the user's zone.
fn ical_instant(e: &ICalendarEntry, zone: Tz) -> Option<DateTime<Utc>> {
    let p = e.values.first()?.as_partial_date_time()?;
    if p.tz_hour.is_some() {
        return utc_from_partial(p);
    }
    let tz = e
        .params
        .iter()
        .find(|x| x.name == ICalendarParameterName::Tzid)
        .and_then(|x| match &x.value {
            ICalendarParameterValue::Text(t) => t.parse::<Tz>().ok(),
            _ => None,
        })
        .unwrap_or(zone);
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(p.year?),
        u32::from(p.month?),
        u32::from(p.day?),
    )?;
    let time = NaiveTime::from_hms_opt(
        u32::from(p.hour.unwrap_or(0)),
        u32::from(p.minute.unwrap_or(0)),
        u32::from(p.second.unwrap_or(0)),
    )?;
    Some(local_to_utc(date.and_time(time), tz))
}

fn alarm_time(
    alarm: &ICalendarComponent,
    start: Option<DateTime<Utc>>,
    due: Option<DateTime<Utc>>,
    zone: Tz,
) -> Option<DateTime<Utc>> {
    let trigger = alarm
        .entries
        .iter()
        .find(|e| e.name == ICalendarProperty::Trigger)?;
    match trigger.values.first()? {
        ICalendarValue::PartialDateTime(_) => ical_instant(trigger, zone),
        ICalendarValue::Duration(d) => {
            let to_end = trigger.params.iter().any(|p| {
                p.name == ICalendarParameterName::Related
                    && p.value == ICalendarParameterValue::Related(ICalendarRelated::End)
            });
            let anchor = if to_end { due } else { start.or(due) }?;
            Some(anchor + d.to_time_delta()?)
        }
        _ => None,
    }
}

const WEEKDAYS: [ICalendarWeekday; 7] = [
    ICalendarWeekday::Sunday,
    ICalendarWeekday::Monday,
    ICalendarWeekday::Tuesday,
    ICalendarWeekday::Wednesday,
    ICalendarWeekday::Thursday,
    ICalendarWeekday::Friday,
    ICalendarWeekday::Saturday,
];

fn mask_to_days(mask: u8) -> Vec<ICalendarDay> {
    WEEKDAYS
        .iter()
        .enumerate()
        .filter(|(i, _)| mask & (1 << i) != 0)
        .map(|(_, d)| ICalendarDay {
            ordwk: None,
            weekday: *d,
        })
        .collect()
}

fn day_bit(d: ICalendarWeekday) -> u8 {
    let i = WEEKDAYS.iter().position(|w| *w == d).unwrap_or(0);
    1 << i
}

fn weekday_index(d: chrono::Weekday) -> u8 {
    // chrono counts from Monday; MS-ASTASK bits count from Sunday.
    u8::try_from(d.num_days_from_sunday()).unwrap_or(0)
}

fn rscale_of(calendar_type: Option<u8>) -> Option<CalendarScale> {
    match calendar_type? {
        6 => Some(CalendarScale::IslamicCivil),
        8 => Some(CalendarScale::Hebrew),
        15 => Some(CalendarScale::Chinese),
        _ => None,
    }
}

fn rrule_from(r: &TaskRecurrence) -> ICalendarRecurrenceRule {
    use RecurrenceType as T;
    let mut rule = ICalendarRecurrenceRule {
        freq: match r.recurrence_type {
            T::Daily => ICalendarFrequency::Daily,
            T::Weekly => ICalendarFrequency::Weekly,
            T::Monthly | T::MonthlyNth => ICalendarFrequency::Monthly,
            T::Yearly | T::YearlyNth => ICalendarFrequency::Yearly,
        },
        until: r.until.map(partial_from_utc),
        count: r.occurrences,
        interval: r.interval.and_then(|i| u16::try_from(i).ok()),
        wkst: r
            .first_day_of_week
            .and_then(|d| WEEKDAYS.get(usize::from(d)).copied()),
        rscale: rscale_of(r.calendar_type),
        ..Default::default()
    };
    if let Some(mask) = r.day_of_week
        && r.recurrence_type != T::Monthly
        && r.recurrence_type != T::Yearly
    {
        rule.byday = mask_to_days(mask);
    }
    if matches!(r.recurrence_type, T::Monthly | T::Yearly)
        && let Some(d) = r.day_of_month
    {
        rule.bymonthday = vec![i8::try_from(d).unwrap_or(1)];
    }
    if matches!(r.recurrence_type, T::MonthlyNth | T::YearlyNth)
        && let Some(w) = r.week_of_month
    {
        rule.bysetpos = vec![if w >= 5 { -1 } else { i32::from(w) }];
    }
    if matches!(r.recurrence_type, T::Yearly | T::YearlyNth)
        && let Some(m) = r.month_of_year
    {
        rule.bymonth = vec![ICalendarMonth::new(m, r.is_leap_month)];
    }
    rule
}

fn rrule_to(
    rule: &ICalendarRecurrenceRule,
    start: Option<DateTime<Utc>>,
    zone: Tz,
) -> Result<TaskRecurrence, ModelError> {
    use RecurrenceType as T;
    let local_start = start.map(|s| s.with_timezone(&zone));
    let mut mask: u8 = 0;
    let mut ordinal = None;
    for d in &rule.byday {
        mask |= day_bit(d.weekday);
        if let Some(o) = d.ordwk {
            ordinal = Some(o);
        }
    }
    let setpos = rule
        .bysetpos
        .first()
        .copied()
        .map(i64::from)
        .or(ordinal.map(i64::from));
    let week_of_month = setpos.map(|p| {
        if p < 0 {
            5
        } else {
            u8::try_from(p.clamp(1, 5)).unwrap_or(1)
        }
    });
    let month = rule.bymonth.first();
    let recurrence_type = match rule.freq {
        ICalendarFrequency::Daily => T::Daily,
        ICalendarFrequency::Weekly => T::Weekly,
        ICalendarFrequency::Monthly if week_of_month.is_some() && mask != 0 => T::MonthlyNth,
        ICalendarFrequency::Monthly => T::Monthly,
        ICalendarFrequency::Yearly if week_of_month.is_some() && mask != 0 => T::YearlyNth,
        ICalendarFrequency::Yearly => T::Yearly,
        other => {
            return Err(ModelError::ICalendar(format!(
                "RRULE frequency {other:?} has no EAS task form"
            )));
        }
    };
    let start_weekday_bit = local_start.map(|s| 1u8 << weekday_index(s.weekday()));
    let start_day = local_start.and_then(|s| u8::try_from(s.day()).ok());
    let start_month = local_start.and_then(|s| u8::try_from(s.month()).ok());
    let day_of_week = match recurrence_type {
        T::Monthly | T::Yearly => None,
        T::Weekly if mask == 0 => start_weekday_bit,
        _ if mask == 0 => None,
        _ => Some(mask),
    };
    let day_of_month = match recurrence_type {
        T::Monthly | T::Yearly => rule
            .bymonthday
            .first()
            .and_then(|d| u8::try_from(*d).ok())
            .or(start_day),
        _ => None,
    };
    let month_of_year = match recurrence_type {
        T::Yearly | T::YearlyNth => month.map(|m| m.month()).or(start_month),
        _ => None,
    };
    Ok(TaskRecurrence {
        recurrence_type,
        start,
        until: rule.until.as_ref().and_then(|u| until_instant(u, zone)),
        occurrences: rule.count,
        interval: rule.interval.map(u32::from),
        day_of_week,
        day_of_month,
        week_of_month: match recurrence_type {
            T::MonthlyNth | T::YearlyNth => week_of_month,
            _ => None,
        },
        month_of_year,
        regenerate: false,
        dead_occur: false,
        calendar_type: match rule.rscale {
            Some(CalendarScale::IslamicCivil) => Some(6),
            Some(CalendarScale::Hebrew) => Some(8),
            Some(CalendarScale::Chinese) => Some(15),
            _ => None,
        },
        is_leap_month: month.is_some_and(|m| m.is_leap()),
        first_day_of_week: rule
            .wkst
            .and_then(|w| WEEKDAYS.iter().position(|d| *d == w))
            .and_then(|i| u8::try_from(i).ok()),
    })
}

fn until_instant(p: &PartialDateTime, zone: Tz) -> Option<DateTime<Utc>> {
    if p.tz_hour.is_some() {
        return utc_from_partial(p);
    }
    let date = chrono::NaiveDate::from_ymd_opt(
        i32::from(p.year?),
        u32::from(p.month?),
        u32::from(p.day?),
    )?;
    let time = NaiveTime::from_hms_opt(
        u32::from(p.hour.unwrap_or(0)),
        u32::from(p.minute.unwrap_or(0)),
        u32::from(p.second.unwrap_or(0)),
    )?;
    Some(local_to_utc(date.and_time(time), zone))
}

fn recurrence_from_wire(
    r: &WireRecurrence,
    task_start: Option<DateTime<Utc>>,
) -> Result<TaskRecurrence, ModelError> {
    let code = r
        .recurrence_type
        .ok_or_else(|| invalid("Recurrence/Type", "missing".into()))?;
    let recurrence_type = RecurrenceType::from_code(code).ok_or_else(|| {
        invalid(
            "Recurrence/Type",
            format!("{code} is not 0, 1, 2, 3, 5 or 6"),
        )
    })?;
    let nth = matches!(
        recurrence_type,
        RecurrenceType::MonthlyNth | RecurrenceType::YearlyNth
    );
    // MS-ASTASK 2.2.2.33: WeekOfMonth only with Type 3 or 6 (else status 6).
    if r.week_of_month.is_some() && !nth {
        return Err(invalid(
            "Recurrence/WeekOfMonth",
            format!("not allowed with Type {code}"),
        ));
    }
    Ok(TaskRecurrence {
        recurrence_type,
        start: opt_instant(r.start.as_deref(), "Recurrence/Start")?.or(task_start),
        until: opt_instant(r.until.as_deref(), "Recurrence/Until")?,
        occurrences: r.occurrences,
        interval: match r.interval {
            Some(i) if i > 999 => {
                return Err(invalid("Recurrence/Interval", format!("{i} is above 999")));
            }
            other => other,
        },
        day_of_week: ranged(r.day_of_week, 1, 127, "Recurrence/DayOfWeek")?,
        day_of_month: ranged(r.day_of_month, 1, 31, "Recurrence/DayOfMonth")?,
        week_of_month: ranged(r.week_of_month, 1, 5, "Recurrence/WeekOfMonth")?,
        month_of_year: ranged(r.month_of_year, 1, 12, "Recurrence/MonthOfYear")?,
        regenerate: flag(r.regenerate, "Recurrence/Regenerate")?,
        dead_occur: flag(r.dead_occur, "Recurrence/DeadOccur")?,
        calendar_type: r.calendar_type,
        is_leap_month: flag(r.is_leap_month, "Recurrence/IsLeapMonth")?,
        first_day_of_week: ranged(r.first_day_of_week, 0, 6, "Recurrence/FirstDayOfWeek")?,
    })
}

fn recurrence_to_wire(r: &TaskRecurrence, version: ProtocolVersion) -> WireRecurrence {
    let v14 = version >= ProtocolVersion::V14_0;
    let v141 = version >= ProtocolVersion::V14_1;
    let ext = |t: &Option<DateTime<Utc>>| t.map(|t| datetime::format_extended(t).into());
    WireRecurrence {
        recurrence_type: Some(r.recurrence_type.code()),
        start: ext(&r.start),
        until: ext(&r.until),
        occurrences: r.occurrences,
        interval: r.interval,
        day_of_month: r.day_of_month,
        day_of_week: r.day_of_week,
        // MS-ASTASK 2.2.2.33: only Type 3 and 6 have a WeekOfMonth.
        week_of_month: r.week_of_month.filter(|_| {
            matches!(
                r.recurrence_type,
                RecurrenceType::MonthlyNth | RecurrenceType::YearlyNth
            )
        }),
        month_of_year: r.month_of_year,
        regenerate: Some(u8::from(r.regenerate)),
        dead_occur: Some(u8::from(r.dead_occur)),
        calendar_type: if v14 { r.calendar_type } else { None },
        is_leap_month: if v14 && r.is_leap_month {
            Some(1)
        } else {
            None
        },
        first_day_of_week: if v141 { r.first_day_of_week } else { None },
    }
}
