//! `eas-loadgen`: simulated phones against an ActiveSync server, for sizing a deployment and
//! for the figures in `docs/PERFORMANCE.md`.
//!
//! Each simulated device provisions, runs FolderSync and its first Syncs, then parks a Ping
//! on its Inbox and, when woken, syncs the new mail; some then send a message or edit a
//! contact. Mail is delivered over LMTP at a set rate, and for every delivery the generator
//! measures the time until every device watching that Inbox got its Ping answer. Two more
//! scenarios measure no-change Sync throughput and the initial sync of a large folder.
//!
//! ```no_run
//! # async fn run() -> Result<(), eas_loadgen::LoadError> {
//! use std::time::Duration;
//! use eas_loadgen::scenarios::{PushOptions, Target, push};
//!
//! let target = Target {
//!     url: "https://localhost:18443".into(),
//!     ca: Some("load-data/tls/cert.pem".into()),
//!     lmtp: "127.0.0.1:18024".parse().expect("an address"),
//!     accounts: 100,
//!     server_pid: None,
//!     versions: vec![eas_codec::ProtocolVersion::V14_1],
//! };
//! let summary = push(&target, &PushOptions {
//!     devices: 500,
//!     deliveries: 100,
//!     rate: 10.0,
//!     heartbeat: 900,
//!     connect_concurrency: 32,
//!     duration: Duration::from_secs(120),
//!     send_percent: 5,
//!     edit_percent: 5,
//!     message_bytes: 2048,
//! }).await?;
//! print!("{}", summary.table());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

pub mod cli;
pub mod device;
pub mod lmtp;
pub mod scenarios;
pub mod setup;
pub mod stats;

/// What can go wrong.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The setup or the command line is unusable.
    #[error("{0}")]
    Setup(String),
    /// A socket or file operation failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
    /// The server answered an HTTP status other than 200.
    #[error("{command}: HTTP {status}")]
    Http {
        /// The command.
        command: &'static str,
        /// The HTTP status.
        status: u16,
    },
    /// The request did not get an answer (connect, TLS, timeout).
    #[error("{command}: {detail}")]
    Transport {
        /// The command.
        command: &'static str,
        /// What happened.
        detail: String,
    },
    /// The answer was not what the protocol says (undecodable, an error status).
    #[error("{command}: {detail}")]
    Protocol {
        /// The command.
        command: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// The LMTP exchange failed.
    #[error("LMTP: {0}")]
    Lmtp(String),
}
