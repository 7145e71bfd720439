//! Out of office (MS-ASCMD Settings `Oof`) and the automatic replies it sends (RFC 3834).
//!
//! The settings are kept per account: a state (off, on, on between two times) and a message
//! per audience — internal senders (the account's own domain), known external senders
//! (in the account's contacts) and everyone else. While it is on, a delivered message gets
//! one automatic reply per sender per period (setting OOF again starts a new period), never
//! to automatic mail itself (`Auto-Submitted`, `Precedence: bulk/list/junk`, list headers,
//! an empty return path, mailer daemons) nor to the account's own address. The reply is
//! queued for the relay in the delivery's transaction.

use crate::store::CachedSql as _;
use chrono::{DateTime, Utc};
use eas_codec::command::settings::{OofMessage, OofSettings, SettingsStatus};
use eas_model::mail::body::{html_to_text, text_to_html};
use mail_parser::{HeaderValue, MessageParser};
use rusqlite::{Connection, OptionalExtension, params};

/// The tables: the settings, one message per audience, and who has had a reply this period.
pub const SCHEMA: &str = "CREATE TABLE oof_settings (
        account_id INTEGER PRIMARY KEY,
        state INTEGER NOT NULL,
        start_time INTEGER,
        end_time INTEGER,
        period INTEGER NOT NULL DEFAULT 0
     );
     CREATE TABLE oof_messages (
        account_id INTEGER NOT NULL,
        audience INTEGER NOT NULL,
        enabled INTEGER NOT NULL,
        message TEXT NOT NULL,
        html INTEGER NOT NULL,
        PRIMARY KEY (account_id, audience)
     );
     CREATE TABLE oof_replied (
        account_id INTEGER NOT NULL,
        period INTEGER NOT NULL,
        sender TEXT NOT NULL,
        PRIMARY KEY (account_id, period, sender)
     );
     CREATE TABLE device_passwords (
        account_id INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        password TEXT NOT NULL,
        set_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, device_id)
     );";

/// Who a reply is for (MS-ASCMD AppliesToInternal / ExternalKnown / ExternalUnknown).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Senders in the account's own domain.
    Internal,
    /// Outside senders in the account's contacts.
    ExternalKnown,
    /// Everyone else.
    ExternalUnknown,
}

impl Audience {
    fn code(self) -> i64 {
        match self {
            Audience::Internal => 0,
            Audience::ExternalKnown => 1,
            Audience::ExternalUnknown => 2,
        }
    }

    const ALL: [Audience; 3] = [
        Audience::Internal,
        Audience::ExternalKnown,
        Audience::ExternalUnknown,
    ];
}

/// One audience's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// Sent at all.
    pub enabled: bool,
    /// The text.
    pub message: String,
    /// `message` is HTML.
    pub html: bool,
}

/// An account's OOF settings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Oof {
    /// 0 off, 1 on, 2 on between `start` and `end`.
    pub state: u8,
    /// Start of a timed period.
    pub start: Option<DateTime<Utc>>,
    /// End of a timed period.
    pub end: Option<DateTime<Utc>>,
    /// Messages by audience (internal, known external, unknown external).
    pub replies: [Option<Reply>; 3],
    /// Incremented by every Set: senders replied to in an earlier period get a reply again.
    pub period: i64,
}

impl Oof {
    /// Whether replies go out at `now`.
    pub fn active_at(&self, now: DateTime<Utc>) -> bool {
        match self.state {
            1 => true,
            2 => matches!((self.start, self.end), (Some(s), Some(e)) if s <= now && now < e),
            _ => false,
        }
    }
}

/// Read an account's settings (all off when never set).
pub fn load(conn: &Connection, account: i64) -> Result<Oof, rusqlite::Error> {
    let mut oof = conn
        .cached_row(
            "SELECT state, start_time, end_time, period FROM oof_settings WHERE account_id = ?1",
            [account],
            |r| {
                Ok(Oof {
                    state: u8::try_from(r.get::<_, i64>(0)?).unwrap_or(0),
                    start: r
                        .get::<_, Option<i64>>(1)?
                        .and_then(|t| DateTime::from_timestamp(t, 0)),
                    end: r
                        .get::<_, Option<i64>>(2)?
                        .and_then(|t| DateTime::from_timestamp(t, 0)),
                    replies: [None, None, None],
                    period: r.get(3)?,
                })
            },
        )
        .optional()?
        .unwrap_or_default();
    let mut stmt = conn.prepare_cached(
        "SELECT audience, enabled, message, html FROM oof_messages WHERE account_id = ?1",
    )?;
    let rows = stmt.query_map([account], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            Reply {
                enabled: r.get::<_, i64>(1)? != 0,
                message: r.get(2)?,
                html: r.get::<_, i64>(3)? != 0,
            },
        ))
    })?;
    for row in rows {
        let (audience, reply) = row?;
        if let Some(slot) = usize::try_from(audience)
            .ok()
            .and_then(|i| oof.replies.get_mut(i))
        {
            *slot = Some(reply);
        }
    }
    Ok(oof)
}

/// The Settings `Oof` `Get` answer, messages in `body_type` (`Text` or `HTML`).
pub fn to_wire(oof: &Oof, body_type: &str) -> OofSettings {
    let want_html = body_type.eq_ignore_ascii_case("HTML");
    let fmt = |t: DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
    let timed = oof.state == 2;
    OofSettings {
        oof_state: Some(oof.state),
        start_time: oof.start.filter(|_| timed).map(|t| fmt(t).into()),
        end_time: oof.end.filter(|_| timed).map(|t| fmt(t).into()),
        oof_message: Audience::ALL
            .iter()
            .zip(oof.replies.iter())
            .map(|(audience, reply)| {
                let empty = Some(eas_codec::codec::Empty);
                let (text, enabled) = match reply {
                    Some(r) => {
                        let text = match (r.html, want_html) {
                            (true, false) => html_to_text(&r.message),
                            (false, true) => text_to_html(&r.message),
                            _ => r.message.clone(),
                        };
                        (text, r.enabled)
                    }
                    None => (String::new(), false),
                };
                OofMessage {
                    applies_to_internal: (*audience == Audience::Internal)
                        .then_some(empty)
                        .flatten(),
                    applies_to_external_known: (*audience == Audience::ExternalKnown)
                        .then_some(empty)
                        .flatten(),
                    applies_to_external_unknown: (*audience == Audience::ExternalUnknown)
                        .then_some(empty)
                        .flatten(),
                    enabled: Some(enabled),
                    reply_message: Some(text.into()),
                    body_type: Some(if want_html { "HTML" } else { "Text" }.into()),
                }
            })
            .collect(),
    }
}

/// Apply a Settings `Oof` `Set`: what the request names changes, the rest stays. A new
/// period starts, so every sender may get a reply again.
pub fn set(
    conn: &Connection,
    account: i64,
    request: &OofSettings,
) -> Result<Result<(), SettingsStatus>, rusqlite::Error> {
    let mut oof = load(conn, account)?;
    if let Some(state) = request.oof_state {
        if state > 2 {
            return Ok(Err(SettingsStatus::InvalidArguments));
        }
        oof.state = state;
    }
    let parse = |t: &str| eas_model::datetime::parse(t, "StartTime").ok();
    if let Some(s) = &request.start_time {
        match parse(s) {
            Some(t) => oof.start = Some(t),
            None => return Ok(Err(SettingsStatus::InvalidArguments)),
        }
    }
    if let Some(e) = &request.end_time {
        match parse(e) {
            Some(t) => oof.end = Some(t),
            None => return Ok(Err(SettingsStatus::InvalidArguments)),
        }
    }
    if oof.state == 2 {
        match (oof.start, oof.end) {
            (Some(s), Some(e)) if s < e => {}
            (Some(_), Some(_)) => return Ok(Err(SettingsStatus::ConflictingArguments)),
            _ => return Ok(Err(SettingsStatus::InvalidArguments)),
        }
    }
    for m in &request.oof_message {
        let audience = match (
            m.applies_to_internal.is_some(),
            m.applies_to_external_known.is_some(),
            m.applies_to_external_unknown.is_some(),
        ) {
            (true, false, false) => Audience::Internal,
            (false, true, false) => Audience::ExternalKnown,
            (false, false, true) => Audience::ExternalUnknown,
            _ => return Ok(Err(SettingsStatus::ProtocolError)),
        };
        let html = m
            .body_type
            .as_deref()
            .is_some_and(|b| b.eq_ignore_ascii_case("HTML"));
        let slot = &mut oof.replies[audience.code() as usize];
        let previous = slot.clone();
        *slot = Some(Reply {
            enabled: m
                .enabled
                .unwrap_or_else(|| previous.as_ref().is_some_and(|p| p.enabled)),
            message: m
                .reply_message
                .as_deref()
                .map(str::to_string)
                .or_else(|| previous.as_ref().map(|p| p.message.clone()))
                .unwrap_or_default(),
            html: if m.reply_message.is_some() {
                html
            } else {
                previous.as_ref().is_some_and(|p| p.html)
            },
        });
    }
    conn.cached_execute(
        "INSERT INTO oof_settings (account_id, state, start_time, end_time, period)
         VALUES (?1, ?2, ?3, ?4, 1)
         ON CONFLICT (account_id) DO UPDATE SET state = excluded.state,
            start_time = excluded.start_time, end_time = excluded.end_time,
            period = oof_settings.period + 1",
        params![
            account,
            i64::from(oof.state),
            oof.start.map(|t| t.timestamp()),
            oof.end.map(|t| t.timestamp())
        ],
    )?;
    for (audience, reply) in Audience::ALL.iter().zip(oof.replies.iter()) {
        if let Some(r) = reply {
            conn.cached_execute(
                "INSERT INTO oof_messages (account_id, audience, enabled, message, html)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (account_id, audience) DO UPDATE SET enabled = excluded.enabled,
                    message = excluded.message, html = excluded.html",
                params![
                    account,
                    audience.code(),
                    i64::from(r.enabled),
                    r.message,
                    i64::from(r.html)
                ],
            )?;
        }
    }
    // Replies of earlier periods no longer count.
    conn.cached_execute("DELETE FROM oof_replied WHERE account_id = ?1", [account])?;
    Ok(Ok(()))
}

/// Store a device's recovery password (Settings `DevicePassword`).
pub fn set_device_password(
    conn: &Connection,
    account: i64,
    device: &str,
    password: &str,
    now: DateTime<Utc>,
) -> Result<(), rusqlite::Error> {
    conn.cached_execute(
        "INSERT INTO device_passwords (account_id, device_id, password, set_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (account_id, device_id) DO UPDATE SET password = excluded.password,
            set_at = excluded.set_at",
        params![account, device, password, now.timestamp()],
    )?;
    Ok(())
}

/// A device's stored recovery password.
pub fn device_password(
    conn: &Connection,
    account: i64,
    device: &str,
) -> Result<Option<String>, rusqlite::Error> {
    conn.cached_row(
        "SELECT password FROM device_passwords WHERE account_id = ?1 AND device_id = ?2",
        params![account, device],
        |r| r.get(0),
    )
    .optional()
}

/// The automatic reply to a message just delivered to `owner`, if one is due: (recipient,
/// MIME). `message` is the delivered message's header (or more); `known` says whether an
/// outside address is in the owner's contacts. Records the sender for this period.
pub fn auto_reply(
    conn: &Connection,
    account: i64,
    owner: &str,
    message: &[u8],
    known: impl Fn(&str) -> bool,
    now: DateTime<Utc>,
) -> Result<Option<(String, Vec<u8>)>, rusqlite::Error> {
    let oof = load(conn, account)?;
    if !oof.active_at(now) {
        return Ok(None);
    }
    let Some(parsed) = MessageParser::default().parse_headers(message) else {
        return Ok(None);
    };
    if is_automatic(&parsed) {
        return Ok(None);
    }
    // RFC 3834 3.1: reply to the return path; the From when delivery gave none.
    let return_path = parsed.header_raw("Return-Path").map(|r| {
        r.trim()
            .trim_start_matches('<')
            .trim_end_matches('>')
            .trim()
            .to_string()
    });
    let sender = match return_path {
        Some(rp) if rp.is_empty() => return Ok(None),
        Some(rp) => rp,
        None => match parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
        {
            Some(a) => a.to_string(),
            None => return Ok(None),
        },
    };
    let lower = sender.to_ascii_lowercase();
    let local = lower.split('@').next().unwrap_or("");
    if lower == owner.to_ascii_lowercase()
        || local == "mailer-daemon"
        || local == "postmaster"
        || local.starts_with("owner-")
        || local.ends_with("-request")
        || local.starts_with("noreply")
        || local.starts_with("no-reply")
        || !lower.contains('@')
    {
        return Ok(None);
    }
    let domain = |a: &str| a.rsplit('@').next().unwrap_or("").to_ascii_lowercase();
    let audience = if domain(&lower) == domain(owner) {
        Audience::Internal
    } else if known(&lower) {
        Audience::ExternalKnown
    } else {
        Audience::ExternalUnknown
    };
    let Some(reply) = oof.replies[audience.code() as usize]
        .as_ref()
        .filter(|r| r.enabled && !r.message.trim().is_empty())
    else {
        return Ok(None);
    };
    let first = conn.cached_execute(
        "INSERT OR IGNORE INTO oof_replied (account_id, period, sender) VALUES (?1, ?2, ?3)",
        params![account, oof.period, lower],
    )?;
    if first == 0 {
        return Ok(None);
    }
    let subject = parsed.subject().unwrap_or("");
    let mut builder = mail_builder::MessageBuilder::new()
        .from(owner.to_string())
        .to(sender.clone())
        .subject(format!("Automatic reply: {subject}"))
        .date(now.timestamp())
        .header(
            "Auto-Submitted",
            mail_builder::headers::raw::Raw::new("auto-replied"),
        );
    if let Some(id) = parsed.message_id() {
        builder = builder
            .in_reply_to(id.to_string())
            .references(id.to_string());
    }
    builder = if reply.html {
        builder.html_body(reply.message.clone())
    } else {
        builder.text_body(reply.message.clone())
    };
    match builder.write_to_vec() {
        Ok(mime) => Ok(Some((sender, mime))),
        Err(_) => Ok(None),
    }
}

/// Mail that must never get an automatic reply (RFC 3834 2, 3.1.8).
fn is_automatic(m: &mail_parser::Message<'_>) -> bool {
    let text = |name: &str| m.header_raw(name).map(|v| v.trim().to_ascii_lowercase());
    if text("Auto-Submitted").is_some_and(|v| v != "no" && !v.starts_with("no;")) {
        return true;
    }
    if text("Precedence").is_some_and(|v| matches!(v.as_str(), "bulk" | "list" | "junk")) {
        return true;
    }
    if [
        "List-Id",
        "List-Unsubscribe",
        "List-Post",
        "X-Auto-Response-Suppress",
    ]
    .iter()
    .any(|h| m.header_raw(*h).is_some())
    {
        return true;
    }
    matches!(m.header("X-Autoreply"), Some(HeaderValue::Text(_)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn db() -> Connection {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        conn
    }

    fn on(conn: &Connection, message: &str) {
        let req = OofSettings {
            oof_state: Some(1),
            oof_message: vec![
                OofMessage {
                    applies_to_internal: Some(eas_codec::codec::Empty),
                    enabled: Some(true),
                    reply_message: Some(message.into()),
                    body_type: Some("Text".into()),
                    ..OofMessage::default()
                },
                OofMessage {
                    applies_to_external_unknown: Some(eas_codec::codec::Empty),
                    enabled: Some(true),
                    reply_message: Some(format!("external: {message}").into()),
                    body_type: Some("Text".into()),
                    ..OofMessage::default()
                },
            ],
            ..OofSettings::default()
        };
        set(conn, 1, &req).unwrap().unwrap();
    }

    const MAIL: &[u8] = b"Return-Path: <bob@example.com>\r\nFrom: bob@example.com\r\n\
        Subject: Lunch\r\nMessage-ID: <m1@example.com>\r\n\r\nhi\r\n";

    #[test]
    fn one_reply_per_sender_per_period() {
        let conn = db();
        on(&conn, "Away until Monday");
        let now = Utc::now();
        let (to, mime) = auto_reply(&conn, 1, "alice@example.com", MAIL, |_| false, now)
            .unwrap()
            .unwrap();
        assert_eq!(to, "bob@example.com");
        let text = String::from_utf8_lossy(&mime);
        assert!(text.contains("Subject: Automatic reply: Lunch"));
        assert!(text.contains("Auto-Submitted: auto-replied"));
        assert!(text.contains("In-Reply-To: <m1@example.com>"));
        assert!(text.contains("Away until Monday"));
        assert!(
            auto_reply(&conn, 1, "alice@example.com", MAIL, |_| false, now)
                .unwrap()
                .is_none()
        );
        // Setting OOF again starts a new period.
        on(&conn, "Still away");
        assert!(
            auto_reply(&conn, 1, "alice@example.com", MAIL, |_| false, now)
                .unwrap()
                .is_some()
        );
    }

    #[test]
    fn automatic_mail_and_outside_the_window_get_no_reply() {
        let conn = db();
        on(&conn, "Away");
        let now = Utc::now();
        for header in [
            "Auto-Submitted: auto-replied\r\n",
            "Precedence: bulk\r\n",
            "List-Id: <team.example.com>\r\n",
        ] {
            let m = [header.as_bytes(), MAIL].concat();
            assert!(
                auto_reply(&conn, 1, "alice@example.com", &m, |_| false, now)
                    .unwrap()
                    .is_none(),
                "{header}"
            );
        }
        let empty_path = b"Return-Path: <>\r\nFrom: bob@example.com\r\nSubject: x\r\n\r\n";
        assert!(
            auto_reply(&conn, 1, "alice@example.com", empty_path, |_| false, now)
                .unwrap()
                .is_none()
        );
        // A timed period in the future: nothing yet.
        let req = OofSettings {
            oof_state: Some(2),
            start_time: Some("2099-01-01T00:00:00.000Z".into()),
            end_time: Some("2099-01-08T00:00:00.000Z".into()),
            ..OofSettings::default()
        };
        set(&conn, 1, &req).unwrap().unwrap();
        assert!(
            auto_reply(&conn, 1, "alice@example.com", MAIL, |_| false, now)
                .unwrap()
                .is_none()
        );
        let later = DateTime::parse_from_rfc3339("2099-01-02T00:00:00Z")
            .unwrap()
            .to_utc();
        assert!(
            auto_reply(&conn, 1, "alice@example.com", MAIL, |_| false, later)
                .unwrap()
                .is_some()
        );
        // An end before the start is refused.
        let bad = OofSettings {
            oof_state: Some(2),
            start_time: Some("2099-01-08T00:00:00.000Z".into()),
            end_time: Some("2099-01-01T00:00:00.000Z".into()),
            ..OofSettings::default()
        };
        assert_eq!(
            set(&conn, 1, &bad).unwrap(),
            Err(SettingsStatus::ConflictingArguments)
        );
    }

    #[test]
    fn the_audience_picks_the_message_and_get_converts_the_body_type() {
        let conn = db();
        on(&conn, "Away <b>now</b>");
        let now = Utc::now();
        let outside = b"Return-Path: <carol@remote.example>\r\nSubject: x\r\n\r\n";
        let (_, mime) = auto_reply(&conn, 1, "alice@example.com", outside, |_| false, now)
            .unwrap()
            .unwrap();
        assert!(String::from_utf8_lossy(&mime).contains("external: Away"));
        // Known outside senders get nothing: that audience has no message.
        let known = b"Return-Path: <dave@remote.example>\r\nSubject: x\r\n\r\n";
        assert!(
            auto_reply(&conn, 1, "alice@example.com", known, |_| true, now)
                .unwrap()
                .is_none()
        );
        let oof = load(&conn, 1).unwrap();
        let wire = to_wire(&oof, "HTML");
        assert_eq!(wire.oof_state, Some(1));
        assert_eq!(wire.oof_message.len(), 3);
        assert_eq!(wire.oof_message[0].body_type.as_deref(), Some("HTML"));
        assert!(wire.oof_message[0].applies_to_internal.is_some());
        assert_eq!(wire.oof_message[1].enabled, Some(false));
    }
}
