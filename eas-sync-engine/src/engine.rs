//! The engine's configuration and the per-request context every command takes.

use chrono::{DateTime, Utc};
use eas_codec::ProtocolVersion;

use crate::ids::DeviceId;

/// Bounds the engine enforces, with Exchange's documented defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most items in one Sync response for one collection (and in all, for 14.0+'s
    /// request-level WindowSize). MS-ASCMD: a WindowSize above 512 is treated as 512.
    pub max_window: u32,
    /// WindowSize when the client sends none (MS-ASCMD: 100).
    pub default_window: u32,
    /// Most collections in one Sync or Ping (Exchange: 1,000 for Sync, 300 for Ping).
    pub max_collections: usize,
    /// Smallest HeartbeatInterval accepted, seconds (Exchange: 60).
    pub min_heartbeat: u32,
    /// Largest HeartbeatInterval accepted, seconds (Exchange: 3,540).
    pub max_heartbeat: u32,
    /// Smallest Wait accepted, minutes (1).
    pub min_wait: u32,
    /// Largest Wait accepted, minutes (59).
    pub max_wait: u32,
    /// How many recent ClientIds per collection are remembered to recognise a retried Add.
    pub client_id_memory: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_window: 512,
            default_window: 100,
            max_collections: 1000,
            min_heartbeat: 60,
            max_heartbeat: 3540,
            min_wait: 1,
            max_wait: 59,
            client_id_memory: 1024,
        }
    }
}

/// The sans-IO engine: configuration only. Every command is a method that takes the request
/// context, the device's state (changed in place; the caller saves it before sending the
/// response), a backend and the typed request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Engine {
    /// The bounds in force.
    pub limits: Limits,
}

/// Who is asking, with which protocol version, and when.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The device.
    pub device: &'a DeviceId,
    /// The negotiated protocol version.
    pub version: ProtocolVersion,
    /// The current time (the engine reads no clock).
    pub now: DateTime<Utc>,
}
