//! # eas-codec
//!
//! The EAS language on top of [`eas_wbxml`]: the code-page table of MS-ASWBXML, and typed
//! requests and responses for every command and data class, protocol versions 2.5 to 16.1.
//!
//! **Boundary with `eas-model`.** This crate owns the *wire shapes*: structs whose fields
//! mirror MS-ASCMD elements one for one, values kept as the wire carries them (strings,
//! numbers, opaque bytes), absent and empty kept distinct. `eas-model` owns the meaning-level
//! items (a mail, an appointment) and their MIME / iCalendar / vCard conversions, and maps
//! them to and from these wire types.
//!
//! **Design decision.** One declaration per element (`wire_struct!`, `wire_choice!`,
//! `status_enum!`) generates both decoding and encoding, so the two directions cannot
//! disagree; the tag names in those declarations are checked against the MS-ASWBXML table at
//! compile time. Decoding walks the `eas_wbxml` pull reader directly (no tree is built);
//! encoding writes through `eas_wbxml::Writer` and leaves out what the client's protocol
//! version does not know. See the README for an example.
//!
//! **Strings.** Text fields are [`CompactString`]s, not `String`s: short values (ids, sync
//! keys, dates, addresses) are kept inline, and only longer ones such as bodies allocate.
//! Borrowing from the request (`Cow<'a, str>`) would save the copy of those too, but would put
//! a lifetime on every wire type and on everything built from them.
#![deny(missing_docs)]

pub mod codec;
pub mod command;
pub mod data;
pub mod document;
pub mod fuzzing;
pub mod pages;
pub mod protocol;
pub mod status;
pub mod xml;

mod error;
mod tag;

/// The string type of every text field: a string of up to 24 bytes is stored inline, so
/// decoding ids, sync keys, dates and addresses allocates nothing (about 12,000 allocations
/// saved per 500-mail Sync response). It derefs to `&str` and converts from `&str` and
/// `String` with `into()`.
pub use compact_str::CompactString;
pub use document::Document;
pub use error::CodecError;
pub use tag::{Class, EasCodePages, ProtocolVersion, Tag};

// The README's example is compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
