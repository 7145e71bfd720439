//! # eas-model
//!
//! Meaning-level items — a mail, an appointment, a contact, a task, a note — and their
//! conversions to and from the formats a mail server stores: MIME, iCalendar and vCard.
//!
//! **Boundary with `eas-codec`.** `eas-codec` owns the *wire shapes* (structs that mirror
//! MS-ASCMD elements one for one, values as the wire carries them). This crate owns the
//! *items*: typed values with real dates, time zones, recurrence rules and addresses, built
//! from and turned into MIME / iCalendar / vCard, and mapped to and from the `eas-codec` wire
//! types for a given protocol version. Nothing here does I/O or reads a clock: the current time,
//! when a conversion needs it, is a parameter.
//!
//! **Which crate does what.** `mail-parser` 0.11 reads MIME (every charset it knows is decoded
//! to UTF-8); `mail-builder` 2 writes it; `calcard` parses iCalendar and vCard (it reads about
//! 99% of a real-world corpus and resolves non-IANA zone ids, where `icalendar` reads ~91% and
//! ignores VTIMEZONE); `chrono-tz` supplies the IANA zone rules behind the TimeZone blob.
#![deny(missing_docs)]

pub mod calendar;
pub mod compose;
pub mod contact;
pub mod datetime;
mod error;
pub mod fuzzing;
pub mod mail;
pub mod note;
pub mod task;
pub mod timezone;

pub use error::ModelError;

// The README's example is compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
