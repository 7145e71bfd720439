//! Devices: what the server knows of each (type, model, OS, last sync, protocol version),
//! whether it may sync (allowed, blocked, quarantined by a rule), and remote wipe.
//!
//! Every request updates its device's record ([`touch`]) and is checked ([`access`]):
//!
//! - an administrator's explicit **allow** or **block** of the device wins;
//! - otherwise the first matching **rule** (by device type, model, OS or user agent, a
//!   case-insensitive substring) decides: allow, block or quarantine; no rule: allowed;
//! - a **blocked** device is refused every command (MS-ASCMD common status 129, HTTP 403
//!   before 14.0); a **quarantined** one may only Provision and send Settings (so the
//!   administrator sees what it is) until allowed;
//! - a device marked for **wipe** is answered 140 (449 before 14.0) until it provisions; the
//!   Provision response carries `RemoteWipe` (or, at 16.1, `AccountOnlyRemoteWipe`), and the
//!   device's confirmation is recorded, after which the device is blocked.

use crate::store::CachedSql as _;
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use eas_codec::command::settings::DeviceProperty;
use rusqlite::{Connection, OptionalExtension, params};

/// The tables: one record per device, and the access rules.
pub const SCHEMA: &str = "CREATE TABLE device_records (
        account_id INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        device_type TEXT NOT NULL DEFAULT '',
        model TEXT, imei TEXT, friendly_name TEXT, os TEXT, os_language TEXT,
        phone_number TEXT, user_agent TEXT, mobile_operator TEXT,
        first_seen INTEGER NOT NULL,
        last_seen INTEGER NOT NULL,
        last_command TEXT NOT NULL DEFAULT '',
        protocol_version TEXT NOT NULL DEFAULT '',
        access TEXT NOT NULL DEFAULT '',
        wipe TEXT NOT NULL DEFAULT '',
        wipe_requested_at INTEGER,
        wipe_confirmed_at INTEGER,
        PRIMARY KEY (account_id, device_id)
     );
     CREATE TABLE device_rules (
        id INTEGER PRIMARY KEY,
        action TEXT NOT NULL,
        field TEXT NOT NULL,
        pattern TEXT NOT NULL
     );";

/// Protocol version ceilings, per account and per device (v10).
pub const CEILINGS_SCHEMA: &str = "ALTER TABLE device_records ADD COLUMN max_version TEXT;
     CREATE TABLE account_limits (
        account_id INTEGER PRIMARY KEY,
        max_version TEXT
     );";

/// The highest protocol version the account (and, when given, the device) may use: the
/// lower of the two ceilings; `None` when neither is set.
pub fn ceiling(
    conn: &Connection,
    account: i64,
    device: Option<&str>,
) -> Result<Option<eas_codec::ProtocolVersion>, rusqlite::Error> {
    let parse = |v: Option<String>| v.and_then(|s| eas_codec::ProtocolVersion::parse(&s));
    let account_max = parse(
        conn.cached_row(
            "SELECT max_version FROM account_limits WHERE account_id = ?1",
            [account],
            |r| r.get(0),
        )
        .optional()?
        .flatten(),
    );
    let device_max = match device {
        Some(d) => parse(
            conn.cached_row(
                "SELECT max_version FROM device_records WHERE account_id = ?1 AND device_id = ?2",
                params![account, d],
                |r| r.get(0),
            )
            .optional()?
            .flatten(),
        ),
        None => None,
    };
    Ok(match (account_max, device_max) {
        (Some(a), Some(d)) => Some(a.min(d)),
        (a, d) => a.or(d),
    })
}

/// Set (or, with `None`, clear) the ceiling of an account, or of one of its devices.
pub fn set_ceiling(
    conn: &Connection,
    account: i64,
    device: Option<&str>,
    version: Option<eas_codec::ProtocolVersion>,
) -> Result<(), DeviceAdminError> {
    let value = version.map(|v| v.as_str());
    match device {
        Some(d) => {
            one(conn, account, d)?;
            conn.cached_execute(
                "UPDATE device_records SET max_version = ?1 WHERE account_id = ?2 AND device_id = ?3",
                params![value, account, d],
            )?;
        }
        None => {
            conn.cached_execute(
                "INSERT INTO account_limits (account_id, max_version) VALUES (?1, ?2)
                 ON CONFLICT (account_id) DO UPDATE SET max_version = excluded.max_version",
                params![account, value],
            )?;
        }
    }
    Ok(())
}

/// What a device may do now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Sync as usual.
    Allowed,
    /// Nothing (status 129 / HTTP 403).
    Blocked,
    /// Provision and Settings only, until an administrator allows it.
    Quarantined,
    /// Must provision, which wipes it (`account_only`: only this account's data, 16.1).
    Wipe {
        /// AccountOnlyRemoteWipe rather than RemoteWipe.
        account_only: bool,
    },
}

/// A device's record.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceRecord {
    /// The account's row id.
    pub account: i64,
    /// The device id.
    pub device_id: String,
    /// The device type (URL parameter).
    pub device_type: String,
    /// From DeviceInformation.
    pub model: Option<String>,
    /// From DeviceInformation.
    pub imei: Option<String>,
    /// From DeviceInformation.
    pub friendly_name: Option<String>,
    /// From DeviceInformation.
    pub os: Option<String>,
    /// From DeviceInformation.
    pub os_language: Option<String>,
    /// From DeviceInformation.
    pub phone_number: Option<String>,
    /// From DeviceInformation.
    pub user_agent: Option<String>,
    /// From DeviceInformation.
    pub mobile_operator: Option<String>,
    /// First request.
    pub first_seen: i64,
    /// Latest request.
    pub last_seen: i64,
    /// The command of the latest request.
    pub last_command: String,
    /// The protocol version of the latest request.
    pub protocol_version: String,
    /// `allow`, `block` or empty (the rules decide).
    pub access: String,
    /// `full`, `account` or empty.
    pub wipe: String,
    /// When the wipe was asked for.
    pub wipe_requested_at: Option<i64>,
    /// When the device confirmed it.
    pub wipe_confirmed_at: Option<i64>,
}

const COLUMNS: &str = "account_id, device_id, device_type, model, imei, friendly_name, os,
    os_language, phone_number, user_agent, mobile_operator, first_seen, last_seen,
    last_command, protocol_version, access, wipe, wipe_requested_at, wipe_confirmed_at";

fn record(r: &rusqlite::Row<'_>) -> rusqlite::Result<DeviceRecord> {
    Ok(DeviceRecord {
        account: r.get(0)?,
        device_id: r.get(1)?,
        device_type: r.get(2)?,
        model: r.get(3)?,
        imei: r.get(4)?,
        friendly_name: r.get(5)?,
        os: r.get(6)?,
        os_language: r.get(7)?,
        phone_number: r.get(8)?,
        user_agent: r.get(9)?,
        mobile_operator: r.get(10)?,
        first_seen: r.get(11)?,
        last_seen: r.get(12)?,
        last_command: r.get(13)?,
        protocol_version: r.get(14)?,
        access: r.get(15)?,
        wipe: r.get(16)?,
        wipe_requested_at: r.get(17)?,
        wipe_confirmed_at: r.get(18)?,
    })
}

/// Record a request of the device and return its record. A Ping repeated within a minute
/// writes nothing (thousands of parked phones must not mean thousands of writes a minute).
pub fn touch(
    conn: &Connection,
    account: i64,
    device: &str,
    device_type: &str,
    command: &str,
    version: &str,
    now: DateTime<Utc>,
) -> Result<DeviceRecord, rusqlite::Error> {
    let t = now.timestamp();
    conn.cached_execute(
        "INSERT INTO device_records (account_id, device_id, device_type, first_seen, last_seen,
            last_command, protocol_version)
         VALUES (?1, ?2, ?3, ?4, ?4, ?5, ?6)
         ON CONFLICT (account_id, device_id) DO UPDATE SET device_type = excluded.device_type,
            last_seen = excluded.last_seen, last_command = excluded.last_command,
            protocol_version = excluded.protocol_version
         WHERE device_records.last_command != excluded.last_command
            OR device_records.last_seen < excluded.last_seen - 60
            OR device_records.protocol_version != excluded.protocol_version",
        params![account, device, device_type, t, command, version],
    )?;
    conn.cached_row(
        &format!("SELECT {COLUMNS} FROM device_records WHERE account_id = ?1 AND device_id = ?2"),
        params![account, device],
        record,
    )
}

/// Store what a device says of itself (Settings or Provision `DeviceInformation`).
pub fn store_information(
    conn: &Connection,
    account: i64,
    device: &str,
    properties: &[DeviceProperty],
) -> Result<(), rusqlite::Error> {
    for p in properties {
        let (column, value) = match p {
            DeviceProperty::Model(v) => ("model", v.as_str()),
            DeviceProperty::Imei(v) => ("imei", v.as_str()),
            DeviceProperty::FriendlyName(v) => ("friendly_name", v.as_str()),
            DeviceProperty::Os(v) => ("os", v.as_str()),
            DeviceProperty::OsLanguage(v) => ("os_language", v.as_str()),
            DeviceProperty::PhoneNumber(v) => ("phone_number", v.as_str()),
            DeviceProperty::UserAgent(v) => ("user_agent", v.as_str()),
            DeviceProperty::MobileOperator(v) => ("mobile_operator", v.as_str()),
            _ => continue,
        };
        // The column name comes from the match above, never from the device.
        conn.cached_execute(
            &format!(
                "UPDATE device_records SET {column} = ?1 WHERE account_id = ?2 AND device_id = ?3"
            ),
            params![value, account, device],
        )?;
    }
    Ok(())
}

/// A rule: what to do with devices whose `field` contains `pattern`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rule {
    /// Its id (for removal).
    pub id: i64,
    /// `allow`, `block` or `quarantine`.
    pub action: String,
    /// `type`, `model`, `os` or `agent`.
    pub field: String,
    /// A case-insensitive substring.
    pub pattern: String,
}

/// Every rule, oldest first (the first match decides).
pub fn rules(conn: &Connection) -> Result<Vec<Rule>, rusqlite::Error> {
    let mut stmt =
        conn.prepare_cached("SELECT id, action, field, pattern FROM device_rules ORDER BY id")?;
    let rows = stmt.query_map([], |r| {
        Ok(Rule {
            id: r.get(0)?,
            action: r.get(1)?,
            field: r.get(2)?,
            pattern: r.get(3)?,
        })
    })?;
    rows.collect()
}

/// What `record` may do, given the rules.
pub fn access(record: &DeviceRecord, rules: &[Rule]) -> Access {
    if record.wipe_confirmed_at.is_some() {
        return Access::Blocked;
    }
    match record.wipe.as_str() {
        "full" => {
            return Access::Wipe {
                account_only: false,
            };
        }
        "account" => return Access::Wipe { account_only: true },
        _ => {}
    }
    match record.access.as_str() {
        "allow" => return Access::Allowed,
        "block" => return Access::Blocked,
        _ => {}
    }
    let field = |name: &str| -> Option<&str> {
        match name {
            "type" => Some(record.device_type.as_str()),
            "model" => record.model.as_deref(),
            "os" => record.os.as_deref(),
            "agent" => record.user_agent.as_deref(),
            _ => None,
        }
    };
    for rule in rules {
        let Some(value) = field(&rule.field) else {
            continue;
        };
        if value.to_lowercase().contains(&rule.pattern.to_lowercase()) {
            return match rule.action.as_str() {
                "block" => Access::Blocked,
                "quarantine" => Access::Quarantined,
                _ => Access::Allowed,
            };
        }
    }
    Access::Allowed
}

/// The device confirmed a wipe: recorded, and the device is blocked from now on.
pub fn confirm_wipe(
    conn: &Connection,
    account: i64,
    device: &str,
    now: DateTime<Utc>,
) -> Result<(), rusqlite::Error> {
    conn.cached_execute(
        "UPDATE device_records SET wipe_confirmed_at = ?1, access = 'block'
         WHERE account_id = ?2 AND device_id = ?3 AND wipe != ''",
        params![now.timestamp(), account, device],
    )?;
    Ok(())
}

/// Why an administrative device command failed.
#[derive(Debug, thiserror::Error)]
pub enum DeviceAdminError {
    /// No such device for that account.
    #[error("no device {device} for this account")]
    NoDevice {
        /// The device id.
        device: String,
    },
    /// A value the command does not know.
    #[error("{0}")]
    Invalid(String),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] rusqlite::Error),
}

/// The devices of `account` (all accounts when `None`), most recently seen first.
pub fn list(conn: &Connection, account: Option<i64>) -> Result<Vec<DeviceRecord>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM device_records WHERE ?1 IS NULL OR account_id = ?1
         ORDER BY last_seen DESC, device_id"
    ))?;
    let rows = stmt.query_map([account], record)?;
    rows.collect()
}

fn one(conn: &Connection, account: i64, device: &str) -> Result<DeviceRecord, DeviceAdminError> {
    conn.cached_row(
        &format!("SELECT {COLUMNS} FROM device_records WHERE account_id = ?1 AND device_id = ?2"),
        params![account, device],
        record,
    )
    .optional()?
    .ok_or_else(|| DeviceAdminError::NoDevice {
        device: device.to_string(),
    })
}

/// A device's record, for `device show`.
pub fn show(
    conn: &Connection,
    account: i64,
    device: &str,
) -> Result<DeviceRecord, DeviceAdminError> {
    one(conn, account, device)
}

/// Allow (`allow`), block (`block`) or hand back to the rules (`rules`) a device.
pub fn set_access(
    conn: &Connection,
    account: i64,
    device: &str,
    access: &str,
) -> Result<DeviceRecord, DeviceAdminError> {
    let value = match access {
        "allow" | "block" => access,
        "rules" => "",
        other => {
            return Err(DeviceAdminError::Invalid(format!(
                "unknown access {other:?}"
            )));
        }
    };
    one(conn, account, device)?;
    conn.cached_execute(
        "UPDATE device_records SET access = ?1 WHERE account_id = ?2 AND device_id = ?3",
        params![value, account, device],
    )?;
    one(conn, account, device)
}

/// Ask for a wipe of the device (or, `account_only`, of this account's data on it).
pub fn request_wipe(
    conn: &Connection,
    account: i64,
    device: &str,
    account_only: bool,
    now: DateTime<Utc>,
) -> Result<DeviceRecord, DeviceAdminError> {
    one(conn, account, device)?;
    conn.cached_execute(
        "UPDATE device_records SET wipe = ?1, wipe_requested_at = ?2, wipe_confirmed_at = NULL
         WHERE account_id = ?3 AND device_id = ?4",
        params![
            if account_only { "account" } else { "full" },
            now.timestamp(),
            account,
            device
        ],
    )?;
    one(conn, account, device)
}

/// Forget the device's sync state and policy key: its next request starts over (a fresh
/// Provision and FolderSync), nothing on the server is lost.
pub fn resync(conn: &Connection, account: i64, device: &str) -> Result<(), DeviceAdminError> {
    one(conn, account, device)?;
    conn.cached_execute(
        "DELETE FROM store_devices WHERE account_id = ?1 AND device_id = ?2",
        params![account, device],
    )?;
    conn.cached_execute(
        "DELETE FROM store_provisioning WHERE account_id = ?1 AND device_id = ?2",
        params![account, device],
    )?;
    Ok(())
}

/// Add a rule; its id.
pub fn add_rule(
    conn: &Connection,
    action: &str,
    field: &str,
    pattern: &str,
) -> Result<i64, DeviceAdminError> {
    if !matches!(action, "allow" | "block" | "quarantine") {
        return Err(DeviceAdminError::Invalid(format!(
            "unknown action {action:?}"
        )));
    }
    if !matches!(field, "type" | "model" | "os" | "agent") {
        return Err(DeviceAdminError::Invalid(format!(
            "unknown field {field:?}"
        )));
    }
    if pattern.trim().is_empty() {
        return Err(DeviceAdminError::Invalid("empty pattern".into()));
    }
    conn.cached_execute(
        "INSERT INTO device_rules (action, field, pattern) VALUES (?1, ?2, ?3)",
        params![action, field, pattern.trim()],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Remove a rule; whether it existed.
pub fn remove_rule(conn: &Connection, id: i64) -> Result<bool, rusqlite::Error> {
    Ok(conn.cached_execute("DELETE FROM device_rules WHERE id = ?1", [id])? == 1)
}

/// The state word `device list` shows.
pub fn state_word(record: &DeviceRecord, rules: &[Rule]) -> &'static str {
    if record.wipe_confirmed_at.is_some() {
        return "wiped";
    }
    match access(record, rules) {
        Access::Allowed => "allowed",
        Access::Blocked => "blocked",
        Access::Quarantined => "quarantined",
        Access::Wipe { .. } => "wipe pending",
    }
}

fn time(t: i64) -> String {
    DateTime::from_timestamp(t, 0)
        .map(|t| t.format("%Y-%m-%d %H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// `device list` output: one line per device.
pub fn format_list(records: &[(String, DeviceRecord)], rules: &[Rule]) -> String {
    let mut out = String::new();
    for (login, r) in records {
        let _ = writeln!(
            out,
            "{login}  {}  type={}  model={}  os={}  version={}  last={} ({})  {}",
            r.device_id,
            r.device_type,
            r.model.as_deref().unwrap_or("-"),
            r.os.as_deref().unwrap_or("-"),
            r.protocol_version,
            time(r.last_seen),
            r.last_command,
            state_word(r, rules)
        );
    }
    if out.is_empty() {
        out.push_str("no devices\n");
    }
    out
}

/// `device show` output.
pub fn format_one(login: &str, r: &DeviceRecord, rules: &[Rule]) -> String {
    let mut out = String::new();
    let opt = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let _ = writeln!(out, "account: {login}");
    let _ = writeln!(out, "device: {}", r.device_id);
    let _ = writeln!(out, "type: {}", r.device_type);
    let _ = writeln!(out, "model: {}", opt(&r.model));
    let _ = writeln!(out, "os: {}", opt(&r.os));
    let _ = writeln!(out, "os language: {}", opt(&r.os_language));
    let _ = writeln!(out, "friendly name: {}", opt(&r.friendly_name));
    let _ = writeln!(out, "imei: {}", opt(&r.imei));
    let _ = writeln!(out, "phone number: {}", opt(&r.phone_number));
    let _ = writeln!(out, "operator: {}", opt(&r.mobile_operator));
    let _ = writeln!(out, "user agent: {}", opt(&r.user_agent));
    let _ = writeln!(out, "first seen: {}", time(r.first_seen));
    let _ = writeln!(out, "last seen: {} ({})", time(r.last_seen), r.last_command);
    let _ = writeln!(out, "protocol version: {}", r.protocol_version);
    let _ = writeln!(out, "state: {}", state_word(r, rules));
    if let Some(t) = r.wipe_requested_at {
        let kind = if r.wipe == "account" {
            "account only"
        } else {
            "full"
        };
        let _ = writeln!(out, "wipe requested: {} ({kind})", time(t));
    }
    if let Some(t) = r.wipe_confirmed_at {
        let _ = writeln!(out, "wipe confirmed: {}", time(t));
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn.execute_batch(
            "CREATE TABLE store_devices (account_id INTEGER, device_id TEXT, state BLOB);
             CREATE TABLE store_provisioning (account_id INTEGER, device_id TEXT);",
        )
        .unwrap();
        conn
    }

    #[test]
    fn rules_decide_unless_the_administrator_did() {
        let conn = db();
        let now = Utc::now();
        let r = touch(&conn, 1, "D1", "iPhone", "Sync", "16.1", now).unwrap();
        assert_eq!(access(&r, &[]), Access::Allowed);
        add_rule(&conn, "quarantine", "type", "iphone").unwrap();
        add_rule(&conn, "block", "type", "phone").unwrap();
        let rules = rules(&conn).unwrap();
        assert_eq!(
            access(&r, &rules),
            Access::Quarantined,
            "the first match decides"
        );
        let r = set_access(&conn, 1, "D1", "allow").unwrap();
        assert_eq!(access(&r, &rules), Access::Allowed);
        let r = set_access(&conn, 1, "D1", "block").unwrap();
        assert_eq!(access(&r, &rules), Access::Blocked);
        assert!(add_rule(&conn, "maybe", "type", "x").is_err());
        assert!(set_access(&conn, 1, "nope", "allow").is_err());
    }

    #[test]
    fn a_wipe_is_pending_until_confirmed_then_the_device_is_blocked() {
        let conn = db();
        let now = Utc::now();
        touch(&conn, 1, "D1", "Android", "Sync", "14.1", now).unwrap();
        let r = request_wipe(&conn, 1, "D1", true, now).unwrap();
        assert_eq!(access(&r, &[]), Access::Wipe { account_only: true });
        confirm_wipe(&conn, 1, "D1", now).unwrap();
        let r = show(&conn, 1, "D1").unwrap();
        assert_eq!(access(&r, &[]), Access::Blocked);
        assert_eq!(state_word(&r, &[]), "wiped");
        assert!(format_one("a@b", &r, &[]).contains("wipe confirmed"));
    }

    #[test]
    fn device_information_is_kept_and_pings_do_not_rewrite_the_record() {
        let conn = db();
        let now = Utc::now();
        touch(&conn, 1, "D1", "iPhone", "Ping", "16.1", now).unwrap();
        store_information(
            &conn,
            1,
            "D1",
            &[
                DeviceProperty::Model("iPhone15,2".into()),
                DeviceProperty::Os("iOS 18.1".into()),
            ],
        )
        .unwrap();
        let later = now + chrono::Duration::seconds(30);
        let r = touch(&conn, 1, "D1", "iPhone", "Ping", "16.1", later).unwrap();
        assert_eq!(
            r.last_seen,
            now.timestamp(),
            "a Ping within a minute writes nothing"
        );
        assert_eq!(r.model.as_deref(), Some("iPhone15,2"));
        let r = touch(&conn, 1, "D1", "iPhone", "Sync", "16.1", later).unwrap();
        assert_eq!(r.last_seen, later.timestamp());
        let listed = format_list(&[("alice@example.com".into(), r)], &[]);
        assert!(listed.contains("model=iPhone15,2") && listed.contains("allowed"));
    }
}
