//! The data classes: what a Sync `ApplicationData`, an ItemOperations `Properties` or a
//! Search `Properties` element holds for an email, appointment, contact, task or note.
//!
//! Each class is a wire struct whose fields are the class's elements, one for one, as the
//! wire carries them: dates and times as strings, numbers as integers, 0/1 booleans as
//! `bool` where the spec calls them boolean (and as `u8` where it calls them unsignedByte),
//! binary as [`Opaque`](crate::codec::Opaque). Nearly every field is optional, because a
//! Sync `Change` carries only what changed and because absent and empty mean different
//! things; an element present but empty decodes as `Some` of an empty value.
//!
//! Where a protocol version replaced an element, both forms are fields of their own: the
//! 2.5 bodies and attachments (`body_v25`, `attachments_v25`) next to the AirSyncBase ones
//! of 12.0 on (`body`, `attachments`), the Calendar and Email `Location` strings of up to
//! 14.1 next to the AirSyncBase `Location` of 16.x (`location_v16`). Encoding leaves out
//! whatever the target version does not have, so one value can be written for any version.
//!
//! Fields are declared, and so written, in the order real servers write them (each module
//! says which captures and which schema the order comes from); decoding accepts any order.
//!
//! | Module | Class | Code pages |
//! |---|---|---|
//! | [`email`] | [`Email`] (MS-ASEMAIL) | Email (2), Email2 (22) |
//! | [`calendar`] | [`Calendar`] (MS-ASCAL) | Calendar (4) |
//! | [`contacts`] | [`Contact`] (MS-ASCNTC) | Contacts (1), Contacts2 (12) |
//! | [`tasks`] | [`Task`] (MS-ASTASK) | Tasks (9) |
//! | [`notes`] | [`Note`] (MS-ASNOTE) | Notes (23) |
//! | [`airsyncbase`] | bodies, attachments, locations, preferences (MS-ASAIRS) | AirSyncBase (17) |
//! | [`rights`] | the IRM license of a message (MS-ASRM) | RightsManagement (24) |

pub mod airsyncbase;
pub mod calendar;
pub mod contacts;
pub mod email;
pub mod notes;
pub mod rights;
pub mod tasks;

pub use airsyncbase::*;
pub use calendar::*;
pub use contacts::*;
pub use email::*;
pub use notes::*;
pub use rights::*;
pub use tasks::*;

use eas_wbxml::Sink;

use crate::codec::{Decoder, Element, Encoder, Value};
use crate::{Class, CodecError, Tag, tag};

/// The item inside an `ApplicationData` (Sync), `Properties` (ItemOperations, Search) or
/// any other element that holds one data-class item.
///
/// The element itself does not say which class it holds. Decoding looks at the code pages
/// of its direct children and takes the first that belongs to one class (Email or Email2 →
/// Email, Calendar → Calendar, Contacts or Contacts2 → Contact, Tasks → Task, Notes →
/// Note); AirSyncBase and RightsManagement elements are shared and do not decide. When no
/// child decides (an item with only a body, or none), the class comes from
/// [`DecodeOptions::class_hint`](crate::codec::DecodeOptions::class_hint), which a server
/// knows from the collection, and otherwise is Email. An SMS item (class `SMS`) has the
/// Email shape.
///
/// Encoding writes the item's struct under whatever tag the caller gives, so the same value
/// serves for every parent element.
// The class structs are large (an Email is about 1.8 KB of mostly-`None` fields), so they
// are boxed: an `ApplicationData` is pointer-sized wherever it is embedded or listed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum ApplicationData {
    /// An email, meeting request, voice mail, draft or SMS.
    Email(Box<Email>),
    /// An appointment or meeting.
    Calendar(Box<Calendar>),
    /// A contact.
    Contact(Box<Contact>),
    /// A task.
    Task(Box<Task>),
    /// A note.
    Note(Box<Note>),
}

impl Default for ApplicationData {
    /// An empty email: the class EAS assumes when nothing says otherwise.
    fn default() -> Self {
        ApplicationData::Email(Box::default())
    }
}

/// The class each class-specific code page stands for.
const PAGE_CLASSES: [(u8, Class); 7] = [
    (tag!(Email::To).page, Class::Email),
    (tag!(Email2::ConversationId).page, Class::Email),
    (tag!(Calendar::Timezone).page, Class::Calendar),
    (tag!(Contacts::FileAs).page, Class::Contacts),
    (tag!(Contacts2::NickName).page, Class::Contacts),
    (tag!(Tasks::Subject).page, Class::Tasks),
    (tag!(Notes::Subject).page, Class::Notes),
];

impl ApplicationData {
    /// The data class of the item.
    pub fn class(&self) -> Class {
        match self {
            ApplicationData::Email(_) => Class::Email,
            ApplicationData::Calendar(_) => Class::Calendar,
            ApplicationData::Contact(_) => Class::Contacts,
            ApplicationData::Task(_) => Class::Tasks,
            ApplicationData::Note(_) => Class::Notes,
        }
    }

    /// The class that the first class-specific page among `pages` (in order of first use)
    /// stands for, if any.
    pub fn class_of_pages(pages: &[u8]) -> Option<Class> {
        pages.iter().find_map(|&page| {
            PAGE_CLASSES
                .iter()
                .find(|(p, _)| *p == page)
                .map(|&(_, class)| class)
        })
    }
}

impl ApplicationData {
    fn decode_as(d: &mut Decoder<'_>, tag: Tag, class: Class) -> Result<Self, CodecError> {
        Ok(match class {
            Class::Email | Class::Sms => ApplicationData::Email(Box::new(Email::decode(d, tag)?)),
            Class::Calendar => ApplicationData::Calendar(Box::new(Calendar::decode(d, tag)?)),
            Class::Contacts => ApplicationData::Contact(Box::new(Contact::decode(d, tag)?)),
            Class::Tasks => ApplicationData::Task(Box::new(Task::decode(d, tag)?)),
            Class::Notes => ApplicationData::Note(Box::new(Note::decode(d, tag)?)),
        })
    }
}

impl Value for ApplicationData {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let mut class = None;
        d.peek_children(|t| {
            class = ApplicationData::class_of_pages(&[t.page]);
            class.is_some()
        })?;
        if let Some(class) = class {
            return ApplicationData::decode_as(d, tag, class);
        }
        // Only shared elements (AirSyncBase, RightsManagement), or none: the wire does not
        // say the class. Try the hinted class (or Email) first, then the others, on a copy
        // of the decoder, and keep the first that accepts every child.
        let first = d.options().class_hint.unwrap_or(Class::Email);
        let mut first_err = None;
        for class in [
            first,
            Class::Email,
            Class::Calendar,
            Class::Contacts,
            Class::Tasks,
            Class::Notes,
        ] {
            let mut trial = d.clone();
            match ApplicationData::decode_as(&mut trial, tag, class) {
                Ok(v) => {
                    *d = trial;
                    return Ok(v);
                }
                Err(e) => {
                    first_err.get_or_insert(e);
                }
            }
        }
        Err(first_err.unwrap_or(CodecError::Unsupported {
            what: "an item of no known class",
            offset: d.offset(),
        }))
    }

    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            ApplicationData::Email(v) => v.encode(e, tag),
            ApplicationData::Calendar(v) => v.encode(e, tag),
            ApplicationData::Contact(v) => v.encode(e, tag),
            ApplicationData::Task(v) => v.encode(e, tag),
            ApplicationData::Note(v) => v.encode(e, tag),
        }
    }
}

/// A standalone document whose root is `AirSync:ApplicationData` (test inputs, stored
/// items). Inside commands the enum is used under its parent's tag through [`Value`].
impl Element for ApplicationData {
    const TAG: Tag = tag!(AirSync::ApplicationData);
}

impl From<Email> for ApplicationData {
    fn from(v: Email) -> Self {
        ApplicationData::Email(Box::new(v))
    }
}

impl From<Calendar> for ApplicationData {
    fn from(v: Calendar) -> Self {
        ApplicationData::Calendar(Box::new(v))
    }
}

impl From<Contact> for ApplicationData {
    fn from(v: Contact) -> Self {
        ApplicationData::Contact(Box::new(v))
    }
}

impl From<Task> for ApplicationData {
    fn from(v: Task) -> Self {
        ApplicationData::Task(Box::new(v))
    }
}

impl From<Note> for ApplicationData {
    fn from(v: Note) -> Self {
        ApplicationData::Note(Box::new(v))
    }
}
