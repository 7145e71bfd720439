//! The Tasks class (MS-ASTASK): code page 9, with the AirSyncBase body.
//!
//! Field order follows MS-ASTASK's examples (section 4: Body first, then Subject,
//! Importance, the dates, Categories, Complete …), otherwise its schema (section 6).

use super::airsyncbase::Body;
use crate::CompactString;
use crate::wire_struct;

wire_struct! {
    /// A Tasks-class item: a task. Dates are kept as the wire writes them.
    pub struct Task {
        /// The task's notes (12.0+).
        pub body: opt Body = AirSyncBase::Body,
        /// The notes as plain text (2.5).
        pub body_v25: opt CompactString = Tasks::Body,
        /// Size of the whole notes in characters (2.5).
        pub body_size: opt u32 = Tasks::BodySize,
        /// Whether `body_v25` was truncated (2.5).
        pub body_truncated: opt bool = Tasks::BodyTruncated,
        /// The subject.
        pub subject: opt CompactString = Tasks::Subject,
        /// Importance: 0 low, 1 normal, 2 high.
        pub importance: opt u8 = Tasks::Importance,
        /// Start date, UTC.
        pub utc_start_date: opt CompactString = Tasks::UtcStartDate,
        /// Start date, local time.
        pub start_date: opt CompactString = Tasks::StartDate,
        /// Due date, UTC.
        pub utc_due_date: opt CompactString = Tasks::UtcDueDate,
        /// Due date, local time.
        pub due_date: opt CompactString = Tasks::DueDate,
        /// The categories.
        pub categories: opt TaskCategories = Tasks::Categories,
        /// How the task repeats.
        pub recurrence: opt TaskRecurrence = Tasks::Recurrence,
        /// Whether the task is complete (0 or 1).
        pub complete: opt u8 = Tasks::Complete,
        /// When the task was completed.
        pub date_completed: opt CompactString = Tasks::DateCompleted,
        /// 0 normal, 1 personal, 2 private, 3 confidential.
        pub sensitivity: opt u8 = Tasks::Sensitivity,
        /// When the reminder fires.
        pub reminder_time: opt CompactString = Tasks::ReminderTime,
        /// Whether a reminder is set (0 or 1).
        pub reminder_set: opt u8 = Tasks::ReminderSet,
        /// When the task was created, for ordering (12.0+).
        pub ordinal_date: opt CompactString = Tasks::OrdinalDate,
        /// Secondary sort key among tasks with the same `ordinal_date` (12.0+).
        pub sub_ordinal_date: opt CompactString = Tasks::SubOrdinalDate,
        /// The format the notes are stored in on the server: 1 text, 2 HTML, 3 RTF.
        /// MS-ASTASK does not list it; the Sync schema allows it in any `ApplicationData`, so
        /// an item carrying it still decodes.
        pub native_body_type: opt u8 = AirSyncBase::NativeBodyType,
    }
}

wire_struct! {
    /// `Categories` (Tasks): the categories of a task.
    pub struct TaskCategories {
        /// The category names.
        pub categories: many CompactString = Tasks::Category,
    }
}

wire_struct! {
    /// `Recurrence` (Tasks): how a task repeats (MS-ASTASK 2.2.2.21).
    pub struct TaskRecurrence {
        /// 0 daily, 1 weekly, 2 monthly, 3 monthly on the nth day, 5 yearly, 6 yearly on
        /// the nth day.
        pub recurrence_type: opt u8 = Tasks::Type,
        /// Start of the series.
        pub start: opt CompactString = Tasks::Start,
        /// End of the series.
        pub until: opt CompactString = Tasks::Until,
        /// Number of occurrences.
        pub occurrences: opt u32 = Tasks::Occurrences,
        /// Repeat every this many periods (0–999).
        pub interval: opt u32 = Tasks::Interval,
        /// Day of the month (1–31).
        pub day_of_month: opt u8 = Tasks::DayOfMonth,
        /// Days of the week, a bit mask (1 Sunday … 64 Saturday).
        pub day_of_week: opt u8 = Tasks::DayOfWeek,
        /// Week of the month (1–5, 5 the last).
        pub week_of_month: opt u8 = Tasks::WeekOfMonth,
        /// Month of the year (1–12).
        pub month_of_year: opt u8 = Tasks::MonthOfYear,
        /// Whether the next occurrence is generated from the completion date (0 or 1).
        pub regenerate: opt u8 = Tasks::Regenerate,
        /// Whether this is the last occurrence (0 or 1).
        pub dead_occur: opt u8 = Tasks::DeadOccur,
        /// The calendar the rule counts in (14.0+).
        pub calendar_type: opt u8 = Tasks::CalendarType,
        /// Whether the rule falls in a leap month (0 or 1; 14.0+).
        pub is_leap_month: opt u8 = Tasks::IsLeapMonth,
        /// First day of the week (0 Sunday … 6 Saturday; 14.1+).
        pub first_day_of_week: opt u8 = Tasks::FirstDayOfWeek,
    }
}
