//! # eas-sync-engine
//!
//! The part of an Exchange ActiveSync server where correctness lives: sync keys, change
//! tracking, conflicts, windows and filters, and push bookkeeping — as a pure, deterministic
//! state machine.
//!
//! **Design decision: sans-IO.** Like `quinn-proto`, the engine owns no socket, database or
//! clock. It takes a typed request (from `eas-codec`), the device's saved [`DeviceState`], a
//! [`Backend`] to read and change the mailbox, and the current time as a parameter; it returns
//! the typed response and the new state. The server saves the state and then sends the
//! response; everything else — HTTP, storage, waiting for push — is the server's.
//!
//! **Boundary.** Items are opaque to the engine: it moves ids and change tokens, and asks the
//! backend to render an item for the client (version, body preferences) or to apply one the
//! client sent. Meaning (MIME, iCalendar) is `eas-model`'s, used by backends.
//!
//! [`memory`] has in-memory implementations of both traits, used by the tests, the
//! model-based simulation and the benchmark.
#![deny(missing_docs)]

pub mod backend;
pub mod engine;
pub mod estimate;
pub mod folder;
pub mod ids;
pub mod memory;
pub mod move_items;
pub mod push;
pub mod snapshot;
pub mod state;
pub mod sync;

pub use backend::{Backend, BackendError, Change, ChangePage, ChangeToken, Folder, ItemMeta};
pub use engine::{Context, Engine, Limits};
pub use ids::{CollectionId, DeviceId, ItemId};
pub use state::{DeviceState, StateStore, StoreError, SyncKey};
pub use sync::SyncOutcome;

// The README's example is compiled and run as a doctest.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
