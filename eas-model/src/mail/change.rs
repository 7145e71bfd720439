//! What a client may change on a message: a Sync `<Change>` of an Email item.
//!
//! Mail is read-only on the device except for its read state, its follow-up flag and (14.0+)
//! its categories (MS-ASEMAIL 3.1.5.3); every other element a client sends is ignored.

use eas_codec::CompactString;
use eas_codec::data::email::{Email, Flag};

use super::MailState;
use crate::ModelError;
use crate::datetime::{format_extended, parse};

/// A client's change to a message's [`MailState`]. `None` leaves a property as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailChange {
    /// The read state.
    pub read: Option<bool>,
    /// The flag: `Some(None)` clears it, `Some(Some(f))` sets it.
    pub flag: Option<Option<Flag>>,
    /// The categories: `Some(vec![])` removes them all.
    pub categories: Option<Vec<String>>,
}

impl MailChange {
    /// Read the change out of the Email item of a client's `<Change>`.
    ///
    /// An empty `<Flag/>` or `Status` 0 clears the flag. A flag with another status than 0,
    /// 1 (complete) or 2 (active), a `ReminderSet` other than 0 or 1, or a date that is not an
    /// EAS date-time is refused with [`ModelError::InvalidField`] naming the element
    /// (`Flag/Status`, `Flag/UtcDueDate`, …). Dates are stored in the `dateTime` form
    /// whichever form the client wrote, and a reminder time without `ReminderSet` 1 is
    /// dropped (clients leave stale ones behind).
    pub fn from_wire(email: &Email) -> Result<MailChange, ModelError> {
        let flag = email.flag.as_ref().map(flag_from_wire).transpose()?;
        Ok(MailChange {
            read: email.read,
            flag,
            categories: email
                .categories
                .as_ref()
                .map(|c| c.categories.iter().map(|s| s.to_string()).collect()),
        })
    }

    /// Apply the change to a message's state.
    pub fn apply(&self, state: &mut MailState) {
        if let Some(read) = self.read {
            state.read = read;
        }
        if let Some(flag) = &self.flag {
            state.flag = flag.clone();
        }
        if let Some(categories) = &self.categories {
            state.categories = categories.clone();
        }
    }
}

/// The flag a client set, checked and normalised; `None` when it clears the flag.
fn flag_from_wire(flag: &Flag) -> Result<Option<Flag>, ModelError> {
    if *flag == Flag::default() {
        return Ok(None);
    }
    let status = match flag.status {
        Some(0) => return Ok(None),
        // Dates or a type without a status: an active flag.
        None | Some(2) => 2,
        Some(1) => 1,
        Some(other) => {
            return Err(ModelError::InvalidField {
                field: "Flag/Status",
                reason: format!("{other} is not 0, 1 or 2"),
            });
        }
    };
    let reminder_set = match flag.reminder_set {
        None | Some(0) => 0,
        Some(1) => 1,
        Some(other) => {
            return Err(ModelError::InvalidField {
                field: "Flag/ReminderSet",
                reason: format!("{other} is not 0 or 1"),
            });
        }
    };
    let date = |value: &Option<CompactString>, field: &'static str| {
        value
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| parse(s, field).map(|t| CompactString::from(format_extended(t))))
            .transpose()
    };
    Ok(Some(Flag {
        subject: flag.subject.clone(),
        status: Some(status),
        flag_type: flag.flag_type.clone(),
        date_completed: date(&flag.date_completed, "Flag/DateCompleted")?,
        complete_time: date(&flag.complete_time, "Flag/CompleteTime")?,
        start_date: date(&flag.start_date, "Flag/StartDate")?,
        due_date: date(&flag.due_date, "Flag/DueDate")?,
        utc_start_date: date(&flag.utc_start_date, "Flag/UtcStartDate")?,
        utc_due_date: date(&flag.utc_due_date, "Flag/UtcDueDate")?,
        reminder_set: flag.reminder_set.map(|_| reminder_set),
        reminder_time: if reminder_set == 1 {
            date(&flag.reminder_time, "Flag/ReminderTime")?
        } else {
            None
        },
        ordinal_date: date(&flag.ordinal_date, "Flag/OrdinalDate")?,
        sub_ordinal_date: flag.sub_ordinal_date.clone(),
    }))
}
