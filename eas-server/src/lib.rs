//! # eas-server
//!
//! The all-in-one Exchange ActiveSync server: HTTPS per MS-ASHTTP, accounts with the
//! ActiveSync seat pool, an embedded SQLite store, LMTP delivery, and sync and push through
//! `eas-sync-engine`. This crate is the only one in the workspace that does I/O.
//!
//! It is being built (issue 6); the modules land one by one, each tested on its own.
#![deny(missing_docs)]
pub mod accounts;
pub mod app;
pub mod demo_data;
pub mod http;
pub mod hub;
pub mod provision;
pub mod service;
pub mod store;
