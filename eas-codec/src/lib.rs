//! # eas-codec
//!
//! The EAS language on top of [`eas_wbxml`]: the code-page table of MS-ASWBXML, and (as it
//! grows) typed requests and responses for every command.
//!
//! **Boundary with `eas-model`.** This crate owns the *wire shapes*: structs whose fields
//! mirror MS-ASCMD elements one for one, values kept as the wire carries them (strings,
//! numbers, opaque bytes), absent and empty kept distinct. `eas-model` owns the meaning-level
//! items (a mail, an appointment) and their MIME / iCalendar / vCard conversions, and maps
//! them to and from these wire types.

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

pub use document::Document;
pub use error::CodecError;
pub use tag::{Class, EasCodePages, ProtocolVersion, Tag};
