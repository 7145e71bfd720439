//! Devices in the store: the sync engine's state per (account, device), and what
//! provisioning remembers of each device.
//!
//! The engine's state is one BLOB written by [`super::state_codec`]. A BLOB that cannot be
//! read (written by a future format, or damaged) is logged and treated as a new device: the
//! device is told its sync keys are invalid and resyncs, which loses nothing on the server.

use crate::store::CachedSql as _;
use chrono::{DateTime, Utc};
use eas_codec::command::provision::PolicyAckStatus;
use eas_sync_engine::{DeviceId, DeviceState};
use rusqlite::{Connection, OptionalExtension, params};

use super::state_codec;
use crate::provision::DeviceProvisioning;

/// Why a device record could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum DeviceStoreError {
    /// SQLite failed.
    #[error("database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The state could not be encoded.
    #[error("device state encoding: {0}")]
    Encode(#[from] state_codec::StateCodecError),
}

/// The device's saved engine state; a default (new) state when there is none or it cannot
/// be read.
pub fn load_state(
    conn: &Connection,
    account: i64,
    device: &DeviceId,
) -> Result<DeviceState, DeviceStoreError> {
    let blob: Option<Vec<u8>> = conn
        .cached_row(
            "SELECT state FROM store_devices WHERE account_id = ?1 AND device_id = ?2",
            params![account, device.as_str()],
            |r| r.get(0),
        )
        .optional()?;
    Ok(match blob {
        None => DeviceState::default(),
        Some(b) => match state_codec::decode(&b) {
            Ok(s) => s,
            Err(e) => {
                tracing::warn!(account, device = %device, error = %e,
                    "unreadable device state: the device starts over");
                DeviceState::default()
            }
        },
    })
}

/// Replace the device's engine state. An unchanged state is not written: a no-change Sync
/// then commits a transaction that wrote nothing (no WAL frame, no fsync).
pub fn save_state(
    conn: &Connection,
    account: i64,
    device: &DeviceId,
    state: &DeviceState,
) -> Result<(), DeviceStoreError> {
    let blob = state_codec::encode(state)?;
    conn.cached_execute(
        "INSERT INTO store_devices (account_id, device_id, state) VALUES (?1, ?2, ?3)
         ON CONFLICT (account_id, device_id) DO UPDATE SET state = excluded.state
         WHERE store_devices.state IS NOT excluded.state",
        params![account, device.as_str(), blob],
    )?;
    Ok(())
}

/// Forget a device's engine state (it resyncs from scratch).
pub fn remove_state(
    conn: &Connection,
    account: i64,
    device: &DeviceId,
) -> Result<(), DeviceStoreError> {
    conn.cached_execute(
        "DELETE FROM store_devices WHERE account_id = ?1 AND device_id = ?2",
        params![account, device.as_str()],
    )?;
    Ok(())
}

fn u32_of(v: Option<i64>) -> Option<u32> {
    v.and_then(|v| u32::try_from(v).ok())
}

fn u64_of(v: Option<i64>) -> Option<u64> {
    // Fingerprints are stored as the i64 with the same bits.
    v.map(|v| v as u64)
}

fn i64_of(v: Option<u64>) -> Option<i64> {
    v.map(|v| v as i64)
}

/// What provisioning remembers of a device.
pub fn load_provisioning(
    conn: &Connection,
    account: i64,
    device: &str,
) -> Result<DeviceProvisioning, DeviceStoreError> {
    let row = conn
        .cached_row(
            "SELECT pending_key, pending_fingerprint, policy_key, policy_fingerprint,
                    compliance, device_info
             FROM store_provisioning WHERE account_id = ?1 AND device_id = ?2",
            params![account, device],
            |r| {
                Ok(DeviceProvisioning {
                    pending_key: u32_of(r.get(0)?),
                    pending_fingerprint: u64_of(r.get(1)?),
                    key: u32_of(r.get(2)?),
                    policy_fingerprint: u64_of(r.get(3)?),
                    compliance: u32_of(r.get(4)?).map(PolicyAckStatus::from_code),
                    device_information_received: r.get::<_, i64>(5)? != 0,
                })
            },
        )
        .optional()?;
    Ok(row.unwrap_or_default())
}

/// Save what provisioning remembers of a device, with its type and the time of the request.
pub fn save_provisioning(
    conn: &Connection,
    account: i64,
    device: &str,
    device_type: &str,
    p: &DeviceProvisioning,
    now: DateTime<Utc>,
) -> Result<(), DeviceStoreError> {
    conn.cached_execute(
        "INSERT INTO store_provisioning (account_id, device_id, device_type, pending_key,
            pending_fingerprint, policy_key, policy_fingerprint, compliance, device_info,
            updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (account_id, device_id) DO UPDATE SET device_type = excluded.device_type,
            pending_key = excluded.pending_key, pending_fingerprint = excluded.pending_fingerprint,
            policy_key = excluded.policy_key, policy_fingerprint = excluded.policy_fingerprint,
            compliance = excluded.compliance, device_info = excluded.device_info,
            updated_at = excluded.updated_at",
        params![
            account,
            device,
            device_type,
            p.pending_key.map(i64::from),
            i64_of(p.pending_fingerprint),
            p.key.map(i64::from),
            i64_of(p.policy_fingerprint),
            p.compliance.map(|c| i64::from(c.code())),
            i64::from(p.device_information_received),
            now.timestamp(),
        ],
    )?;
    Ok(())
}
