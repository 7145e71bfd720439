//! # eas-wbxml
//!
//! A WBXML 1.3 codec with no knowledge of any WBXML language: the byte layer under Exchange
//! ActiveSync (EAS). `eas-codec` puts names and types on top.
//!
//! **Design decision.** Reading is a *pull tokenizer* over a `&[u8]` already in memory
//! ([`Reader`]): it yields [`Event`]s that borrow the document (text, opaque data and
//! string-table strings are slices of the input, never copied), allocates nothing, and checks
//! everything it reads against [`Limits`]. An EAS request is bounded in size and arrives
//! whole, so a pull reader over a slice is both the simplest and the fastest shape; the
//! codec on top decides what to keep. Writing goes through [`Writer`] into a `Vec<u8>` or,
//! for large responses, incrementally into any `io::Write` via [`IoSink`]. Sans-IO: nothing
//! here opens a socket or reads a clock.
//!
//! Decisions on the corners of the format, each tested:
//! - versions 1.1 to 1.3 are read; 1.0 (no charset field) is refused;
//! - charsets UTF-8, US-ASCII, ISO-8859-1 and UTF-16 (BE, LE, BOM) are decoded exactly;
//!   any other MIBenum is refused when the header is read, never guessed;
//! - `mb_u_int32` values longer than 5 bytes or above `u32::MAX` are errors;
//! - attributes, literal tags, processing instructions and extension tokens are parsed and
//!   validated (EAS uses none of them; `eas-codec` refuses them);
//! - bytes after the root element are ignored by default and reported by
//!   [`Reader::trailing`] (see [`TrailingData`] for why), or refused with
//!   [`Limits::strict`].
//!
//! ```
//! use eas_wbxml::{Event, Reader, TagName, Writer};
//!
//! // Write <Ping><Status>1</Status></Ping> (code page 13) and read it back.
//! let mut w = Writer::new(Vec::new())?;
//! w.start(0x0D, 0x05)?;
//! w.start(0x0D, 0x07)?;
//! w.text("1")?;
//! w.end()?;
//! w.end()?;
//! let doc = w.finish()?;
//!
//! let mut tags = Vec::new();
//! for event in Reader::new(&doc)? {
//!     if let Event::Start(tag) = event? {
//!         if let TagName::Token { page, token } = tag.name {
//!             tags.push((page, token));
//!         }
//!     }
//! }
//! assert_eq!(tags, [(0x0D, 0x05), (0x0D, 0x07)]);
//! # Ok::<(), eas_wbxml::Error>(())
//! ```
#![deny(missing_docs)]

pub mod canon;
mod codepage;
mod cursor;
mod error;
mod event;
pub mod fuzzing;
mod header;
mod reader;
mod text;
mod writer;

pub use codepage::{CodePage, CodePages, NoNames, TagDef};
pub use error::Error;
pub use event::{
    AttrItem, AttrIter, AttrStart, AttrValue, Attributes, Event, Extension, ExtensionValue,
    StartTag, TagName,
};
pub use header::{Header, PublicId, Version};
pub use reader::{Limits, Reader, Token, TrailingData};
pub use text::{Charset, Text, TextSource};
pub use writer::{IoSink, Sink, Writer, put_mb_u32};

// The README's example is compiled and run as a doctest, so it cannot drift from the API.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
