//! The Notes class (MS-ASNOTE): code page 23 (14.0+), with the AirSyncBase body.
//!
//! Field order follows MS-ASNOTE's examples: Body, Subject, MessageClass, LastModifiedDate,
//! Categories.

use super::airsyncbase::Body;
use crate::CompactString;
use crate::wire_struct;

wire_struct! {
    /// A Notes-class item: a sticky note.
    pub struct Note {
        /// The note's text.
        pub body: opt Body = AirSyncBase::Body,
        /// The note's title.
        pub subject: opt CompactString = Notes::Subject,
        /// The message class (`IPM.StickyNote`).
        pub message_class: opt CompactString = Notes::MessageClass,
        /// When the note was last changed (`2010-01-01T00:00:00.000Z`).
        pub last_modified_date: opt CompactString = Notes::LastModifiedDate,
        /// The categories.
        pub categories: opt NoteCategories = Notes::Categories,
        /// The format the text is stored in on the server: 1 text, 2 HTML, 3 RTF.
        /// MS-ASNOTE does not list it; the Sync schema allows it in any `ApplicationData`, so
        /// an item carrying it still decodes.
        pub native_body_type: opt u8 = AirSyncBase::NativeBodyType,
    }
}

wire_struct! {
    /// `Categories` (Notes): the categories of a note.
    pub struct NoteCategories {
        /// The category names.
        pub categories: many CompactString = Notes::Category,
    }
}
