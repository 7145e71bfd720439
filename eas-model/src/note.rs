//! Notes (MS-ASNOTE, 14.0+): [`NoteItem`] and its wire and iCalendar (VJOURNAL) forms.
//!
//! This module also holds the plain-text body helpers the contact and task conversions share:
//! items keep text with `\n` line breaks; the wire gets `\r\n`, which Windows Mobile needs to
//! show more than one line (Scalix bug 20217), and an empty text is *no* body at all rather
//! than an empty or broken one (Scalix bug 20018).

use calcard::icalendar::{
    ICalendar, ICalendarComponent, ICalendarComponentType, ICalendarEntry, ICalendarProperty,
    ICalendarValue,
};
use chrono::{DateTime, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::data::airsyncbase::Body;
use eas_codec::data::notes::{Note, NoteCategories};

use crate::ModelError;
use crate::datetime;

/// The message class of a sticky note, the only one MS-ASNOTE defines.
pub const STICKY_NOTE_CLASS: &str = "IPM.StickyNote";

/// A note, at meaning level.
///
/// Text fields never hold an empty string: the conversions turn empty values into `None`, so
/// "no subject" has one representation. `body` uses `\n` line breaks.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NoteItem {
    /// The note's title.
    pub subject: Option<String>,
    /// The note's text, plain, `\n` line breaks.
    pub body: Option<String>,
    /// The categories, in order.
    pub categories: Vec<String>,
    /// When the note was last changed.
    pub last_modified: Option<DateTime<Utc>>,
    /// The message class; `None` means the default, [`STICKY_NOTE_CLASS`].
    pub message_class: Option<String>,
}

impl NoteItem {
    /// Read a wire `Note`. A body that is not plain text (HTML, RTF) is refused, because
    /// turning it into text would lose what the client wrote.
    pub fn from_wire(note: &Note) -> Result<Self, ModelError> {
        let last_modified = note
            .last_modified_date
            .as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| datetime::parse(s, "LastModifiedDate"))
            .transpose()?;
        Ok(NoteItem {
            subject: non_empty(note.subject.as_deref()),
            body: body_from_wire(note.body.as_ref(), None)?,
            categories: categories_from(
                note.categories
                    .as_ref()
                    .map(|c| c.categories.as_slice())
                    .unwrap_or_default(),
            ),
            last_modified,
            message_class: non_empty(note.message_class.as_deref())
                .filter(|c| c != STICKY_NOTE_CLASS),
        })
    }

    /// The wire `Note`. Notes exist from 14.0 on; for older versions this is an error.
    pub fn to_wire(&self, version: ProtocolVersion) -> Result<Note, ModelError> {
        if version < ProtocolVersion::V14_0 {
            return Err(ModelError::InvalidField {
                field: "Notes",
                reason: format!(
                    "the Notes class needs 14.0 or later, not {}",
                    version.as_str()
                ),
            });
        }
        let (body, _) = body_to_wire(self.body.as_deref(), version);
        Ok(Note {
            body,
            subject: self.subject.as_deref().map(Into::into),
            message_class: Some(
                self.message_class
                    .as_deref()
                    .unwrap_or(STICKY_NOTE_CLASS)
                    .into(),
            ),
            last_modified_date: self
                .last_modified
                .map(|t| datetime::format_extended(t).into()),
            categories: (!self.categories.is_empty()).then(|| NoteCategories {
                categories: self.categories.iter().map(|c| c.as_str().into()).collect(),
            }),
            native_body_type: None,
        })
    }

    /// The note as an iCalendar VJOURNAL: SUMMARY, DESCRIPTION, CATEGORIES, LAST-MODIFIED,
    /// and `X-EAS-MESSAGE-CLASS` when the class is not the default. `uid` becomes the UID
    /// (iCalendar requires one; EAS notes have only server ids), `dtstamp` the DTSTAMP (this
    /// crate reads no clock).
    pub fn to_vjournal(&self, uid: &str, dtstamp: DateTime<Utc>) -> String {
        let mut journal = ICalendarComponent::new(ICalendarComponentType::VJournal);
        journal.add_uid(uid);
        journal.add_dtstamp(partial_from_utc(dtstamp));
        if let Some(t) = self.last_modified {
            journal.add_property(
                ICalendarProperty::LastModified,
                ICalendarValue::PartialDateTime(Box::new(partial_from_utc(t))),
            );
        }
        if let Some(s) = &self.subject {
            journal.add_property(ICalendarProperty::Summary, ICalendarValue::Text(s.clone()));
        }
        if let Some(b) = &self.body {
            journal.add_property(
                ICalendarProperty::Description,
                ICalendarValue::Text(b.clone()),
            );
        }
        if !self.categories.is_empty() {
            journal.entries.push(
                ICalendarEntry::new(ICalendarProperty::Categories).with_values(
                    self.categories
                        .iter()
                        .map(|c| ICalendarValue::Text(c.clone()))
                        .collect(),
                ),
            );
        }
        if let Some(c) = &self.message_class {
            journal.add_property(
                ICalendarProperty::Other("X-EAS-MESSAGE-CLASS".into()),
                ICalendarValue::Text(c.clone()),
            );
        }
        wrap_in_calendar(journal).to_string()
    }

    /// Read the first VJOURNAL of an iCalendar text.
    pub fn from_vjournal(text: &str) -> Result<Self, ModelError> {
        let cal = ICalendar::parse(text)
            .map_err(|e| ModelError::ICalendar(format!("cannot parse: {e:?}")))?;
        let journal = cal
            .components
            .iter()
            .find(|c| c.component_type == ICalendarComponentType::VJournal)
            .ok_or_else(|| ModelError::ICalendar("no VJOURNAL component".into()))?;
        let mut item = NoteItem::default();
        for entry in &journal.entries {
            match &entry.name {
                ICalendarProperty::Summary => item.subject = non_empty(ical_text(entry)),
                ICalendarProperty::Description => {
                    item.body = non_empty(ical_text(entry).map(normalize_newlines).as_deref())
                }
                ICalendarProperty::Categories => item.categories.extend(
                    entry
                        .values
                        .iter()
                        .filter_map(|v| v.as_text())
                        .filter(|c| !c.is_empty())
                        .map(str::to_owned),
                ),
                ICalendarProperty::LastModified => {
                    item.last_modified = entry
                        .values
                        .first()
                        .and_then(|v| v.as_partial_date_time())
                        .and_then(utc_from_partial)
                }
                ICalendarProperty::Other(name)
                    if name.eq_ignore_ascii_case("X-EAS-MESSAGE-CLASS") =>
                {
                    item.message_class =
                        non_empty(ical_text(entry)).filter(|c| c != STICKY_NOTE_CLASS)
                }
                _ => {}
            }
        }
        Ok(item)
    }
}

/// `Some(s)` unless `s` is missing or empty.
pub(crate) fn non_empty(s: Option<&str>) -> Option<String> {
    s.filter(|s| !s.is_empty()).map(str::to_owned)
}

/// Category names without empty ones (a client that sends `<Category/>` means nothing).
pub(crate) fn categories_from<S: AsRef<str>>(list: &[S]) -> Vec<String> {
    list.iter()
        .map(AsRef::as_ref)
        .filter(|c| !c.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `\r\n` and lone `\r` become `\n`.
pub(crate) fn normalize_newlines(s: &str) -> String {
    s.replace("\r\n", "\n").replace('\r', "\n")
}

/// The wire body of a plain-text field: an AirSyncBase `Body` of type 1 (12.0+) or the 2.5
/// class-specific text. Empty or missing text gives neither (Scalix bug 20018: an empty notes
/// field must not become an empty or broken body).
pub(crate) fn body_to_wire(
    text: Option<&str>,
    version: ProtocolVersion,
) -> (Option<Body>, Option<eas_codec::CompactString>) {
    let Some(text) = text.filter(|t| !t.is_empty()) else {
        return (None, None);
    };
    let crlf = normalize_newlines(text).replace('\n', "\r\n");
    if version < ProtocolVersion::V12_0 {
        return (None, Some(crlf.into()));
    }
    let size = u32::try_from(crlf.len()).unwrap_or(u32::MAX);
    (
        Some(Body {
            body_type: Some(1),
            estimated_data_size: Some(size),
            truncated: None,
            data: Some(crlf.into()),
            preview: None,
            part: None,
        }),
        None,
    )
}

/// The plain text of a wire body: the AirSyncBase `Body` if there is one, else the 2.5 text.
/// Only plain text (type 1, or no type) is accepted.
pub(crate) fn body_from_wire(
    body: Option<&Body>,
    v25: Option<&str>,
) -> Result<Option<String>, ModelError> {
    if let Some(body) = body {
        match body.body_type {
            None | Some(1) => {}
            Some(other) => {
                return Err(ModelError::InvalidField {
                    field: "Body/Type",
                    reason: format!("only plain-text (1) bodies are supported here, not {other}"),
                });
            }
        }
        return Ok(non_empty(
            body.data.as_deref().map(normalize_newlines).as_deref(),
        ));
    }
    Ok(non_empty(v25.map(normalize_newlines).as_deref()))
}

/// The first value of an iCalendar entry as text.
pub(crate) fn ical_text(entry: &ICalendarEntry) -> Option<&str> {
    entry.values.first().and_then(|v| v.as_text())
}

/// A UTC instant as a calcard date-time with a `Z` zone.
pub(crate) fn partial_from_utc(t: DateTime<Utc>) -> calcard::common::PartialDateTime {
    use chrono::{Datelike, Timelike};
    calcard::common::PartialDateTime {
        year: u16::try_from(t.year()).ok(),
        month: u8::try_from(t.month()).ok(),
        day: u8::try_from(t.day()).ok(),
        hour: u8::try_from(t.hour()).ok(),
        minute: u8::try_from(t.minute()).ok(),
        second: u8::try_from(t.second()).ok(),
        tz_hour: Some(0),
        tz_minute: Some(0),
        tz_minus: false,
    }
}

/// A calcard date-time that carries a UTC offset (or `Z`) as a UTC instant.
pub(crate) fn utc_from_partial(p: &calcard::common::PartialDateTime) -> Option<DateTime<Utc>> {
    let r = p.to_date_time()?;
    let offset = r.offset?;
    r.date_time
        .and_local_timezone(offset)
        .single()
        .map(|t| t.with_timezone(&Utc))
}

/// A VCALENDAR holding one component (with its sub-components appended after it).
pub(crate) fn wrap_in_calendar(component: ICalendarComponent) -> ICalendar {
    wrap_with_children(component, Vec::new())
}

/// A VCALENDAR holding `component` and, as its children, `children`.
pub(crate) fn wrap_with_children(
    mut component: ICalendarComponent,
    children: Vec<ICalendarComponent>,
) -> ICalendar {
    let mut root = ICalendarComponent::new(ICalendarComponentType::VCalendar);
    root.add_property(
        ICalendarProperty::Version,
        ICalendarValue::Text("2.0".into()),
    );
    root.add_property(
        ICalendarProperty::Prodid,
        ICalendarValue::Text("-//eas-model//EN".into()),
    );
    root.component_ids.push(1);
    let first_child = 2u32;
    component.component_ids = (0..children.len())
        .filter_map(|i| u32::try_from(i).ok())
        .map(|i| first_child + i)
        .collect();
    let mut components = vec![root, component];
    components.extend(children);
    ICalendar { components }
}
