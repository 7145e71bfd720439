//! Mail in: the LMTP listener (RFC 2033) any MTA can deliver to, and the importer of
//! existing Maildir and mbox mailboxes. Both only hand messages over — to a [`Delivery`]
//! or as [`ImportedMessage`]s — so the store stays out of this module.

pub mod import;
pub mod lmtp;
pub mod message;

pub use import::{ImportError, ImportedMessage, normalize_line_endings, read_maildir, read_mbox};
pub use lmtp::{
    Delivery, DeliveryError, LmtpConfig, SHUTDOWN_GRACE, serve_lmtp, serve_lmtp_stream,
};
pub use message::{Message, Spool};
