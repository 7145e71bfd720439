//! # eas-server
//!
//! The all-in-one Exchange ActiveSync server: HTTPS per MS-ASHTTP, accounts with the
//! ActiveSync seat pool, an embedded SQLite store, LMTP delivery, and sync and push through
//! `eas-sync-engine`. This crate is the only one in the workspace that does I/O.
//!
#![deny(missing_docs)]
pub mod accounts;
pub mod app;
pub mod certs;
pub mod cli;
pub mod config;
pub mod demo_data;
pub mod device_access;
pub mod domain_policy;
pub mod http;
pub mod hub;
pub mod item_operations;
pub mod lookup;
pub mod mailin;
pub mod mailout;
pub mod meetings;
pub mod metrics;
pub mod metrics_http;
pub mod oof;
pub mod provision;
pub mod service;
pub mod status_response;
pub mod store;
