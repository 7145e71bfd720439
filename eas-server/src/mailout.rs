//! Mail out: the durable outbound queue and the relay that empties it.
//!
//! Every message the server sends — SendMail, SmartReply, SmartForward, meeting replies —
//! is first written to the queue in the same transaction that answers the device, one row
//! per recipient. Only then does the device hear "sent", so a crash loses nothing: the
//! queue is read again on start. The relay task ([`run_relay`]) takes due rows, delivers
//! local recipients into their mailboxes and relays the others through the configured SMTP
//! smarthost (lettre), one SMTP transaction per recipient so each succeeds or fails alone.
//! A temporary failure (4xx, connection refused, timeout) is retried after the delays of
//! [`RelayConfig::retry_secs`]; a permanent one (5xx), or a message still undelivered after
//! [`RelayConfig::max_lifetime_secs`], is bounced: a delivery status notification (RFC 3464
//! `multipart/report`) goes to the sender's Inbox and the row is removed.

use crate::store::CachedSql as _;
use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::address::{Address, Envelope};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::transport::smtp::extension::ClientId;
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::http::ShutdownToken;
use crate::mailin::Message;
use crate::service::Service;
use crate::store::mailbox::InitialMailState;

/// The queue's tables: messages (stored once) and their recipients (one row each, with
/// their own retry schedule); `sent_client_ids` remembers the `ClientId`s of messages sent,
/// so a device retrying a SendMail whose answer it lost does not send twice.
pub const SCHEMA: &str = "CREATE TABLE outbound_messages (
        id INTEGER PRIMARY KEY,
        account_id INTEGER NOT NULL,
        sender TEXT NOT NULL,
        message BLOB NOT NULL,
        created_at INTEGER NOT NULL
     );
     CREATE TABLE outbound_recipients (
        message_id INTEGER NOT NULL,
        recipient TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        PRIMARY KEY (message_id, recipient)
     );
     CREATE INDEX outbound_due ON outbound_recipients(next_attempt_at);
     CREATE TABLE sent_client_ids (
        account_id INTEGER NOT NULL,
        client_id TEXT NOT NULL,
        sent_at INTEGER NOT NULL,
        PRIMARY KEY (account_id, client_id)
     );";

/// How the relay reaches the smarthost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TlsMode {
    /// Plain SMTP (a relay on the same machine or a trusted network).
    None,
    /// STARTTLS, required: a relay that does not offer it is a temporary failure.
    Starttls,
    /// TLS from the first byte (SMTPS, port 465).
    Tls,
}

/// `[relay]`: the smarthost mail to other domains goes through, and the retry schedule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RelayConfig {
    /// The smarthost's name or address. Empty: no relay; a message to a recipient outside
    /// this server is refused (ComposeMail status 120) instead of queued for ever.
    pub host: String,
    /// The smarthost's port.
    pub port: u16,
    /// TLS towards the smarthost.
    pub tls: TlsMode,
    /// SMTP AUTH user name; empty for none.
    pub username: String,
    /// SMTP AUTH password.
    pub password: String,
    /// The name this server gives in EHLO.
    pub helo: String,
    /// Delays before the 1st, 2nd, … retry of a temporary failure, seconds; the last one
    /// repeats.
    pub retry_secs: Vec<u64>,
    /// A message not delivered after this long is bounced, seconds (RFC 5321 4.5.4.1
    /// suggests 4–5 days).
    pub max_lifetime_secs: u64,
    /// Time limit of one SMTP conversation, seconds.
    pub timeout_secs: u64,
}

impl Default for RelayConfig {
    fn default() -> Self {
        RelayConfig {
            host: String::new(),
            port: 25,
            tls: TlsMode::Starttls,
            username: String::new(),
            password: String::new(),
            helo: "localhost".to_owned(),
            retry_secs: vec![60, 300, 900, 3600, 14400],
            max_lifetime_secs: 5 * 24 * 3600,
            timeout_secs: 60,
        }
    }
}

impl RelayConfig {
    /// Whether a smarthost is configured.
    pub fn is_configured(&self) -> bool {
        !self.host.trim().is_empty()
    }

    /// The delay before retry number `attempt` (1-based).
    fn delay(&self, attempt: u32) -> Duration {
        let index = (attempt.max(1) as usize - 1).min(self.retry_secs.len().saturating_sub(1));
        Duration::from_secs(self.retry_secs.get(index).copied().unwrap_or(300))
    }
}

/// Queue a message for `recipients`, due now; the id of the queued message.
///
/// This is the one way anything on the server sends mail (SendMail and the Smart commands,
/// meeting replies, out-of-office replies). Call it inside the transaction that answers the
/// device or records the delivery, so the message is queued exactly when that commits, and
/// call [`Service::wake_outbound`] after the commit so the relay does not wait for its next
/// scheduled look. `sender` is the SMTP envelope sender and where a bounce goes (a local
/// address: the report is delivered to its Inbox); `account` is the sending account's row
/// id. `message` is transmitted as given, so it must already have its `Bcc:` field removed
/// (see [`eas_model::compose::send_mail`]). A recipient listed twice is queued once.
pub fn enqueue(
    conn: &Connection,
    account: i64,
    sender: &str,
    recipients: &[String],
    message: &[u8],
    now: DateTime<Utc>,
) -> Result<i64, rusqlite::Error> {
    conn.cached_execute(
        "INSERT INTO outbound_messages (account_id, sender, message, created_at)
         VALUES (?1, ?2, ?3, ?4)",
        params![account, sender, message, now.timestamp()],
    )?;
    let id = conn.last_insert_rowid();
    let mut stmt = conn.prepare_cached(
        "INSERT OR IGNORE INTO outbound_recipients (message_id, recipient, next_attempt_at)
         VALUES (?1, ?2, ?3)",
    )?;
    for rcpt in recipients {
        stmt.execute(params![id, rcpt, now.timestamp()])?;
    }
    Ok(id)
}

/// Remember a `ClientId`; `false` when a message with it was already sent.
pub fn claim_client_id(
    conn: &Connection,
    account: i64,
    client_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, rusqlite::Error> {
    let inserted = conn.cached_execute(
        "INSERT OR IGNORE INTO sent_client_ids (account_id, client_id, sent_at)
         VALUES (?1, ?2, ?3)",
        params![account, client_id, now.timestamp()],
    )?;
    Ok(inserted == 1)
}

/// Recipients waiting in the queue (for metrics and tests).
pub fn queue_depth(conn: &Connection) -> Result<u64, rusqlite::Error> {
    conn.cached_row("SELECT COUNT(*) FROM outbound_recipients", [], |r| {
        r.get::<_, i64>(0)
    })
    .map(|n| u64::try_from(n).unwrap_or(0))
}

/// One recipient due for an attempt.
#[derive(Debug, Clone)]
struct Due {
    message_id: i64,
    recipient: String,
    attempts: u32,
    sender: String,
    created_at: i64,
}

fn due(conn: &Connection, now: DateTime<Utc>, limit: u32) -> Result<Vec<Due>, rusqlite::Error> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.message_id, r.recipient, r.attempts, m.sender, m.created_at
         FROM outbound_recipients r JOIN outbound_messages m ON m.id = r.message_id
         WHERE r.next_attempt_at <= ?1 ORDER BY r.next_attempt_at, r.message_id LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now.timestamp(), limit], |r| {
        Ok(Due {
            message_id: r.get(0)?,
            recipient: r.get(1)?,
            attempts: u32::try_from(r.get::<_, i64>(2)?).unwrap_or(u32::MAX),
            sender: r.get(3)?,
            created_at: r.get(4)?,
        })
    })?;
    rows.collect()
}

fn next_due(conn: &Connection) -> Result<Option<i64>, rusqlite::Error> {
    conn.cached_row(
        "SELECT MIN(next_attempt_at) FROM outbound_recipients",
        [],
        |r| r.get(0),
    )
}

fn message_bytes(conn: &Connection, id: i64) -> Result<Option<Vec<u8>>, rusqlite::Error> {
    conn.cached_row(
        "SELECT message FROM outbound_messages WHERE id = ?1",
        [id],
        |r| r.get(0),
    )
    .optional()
}

/// The recipient is done (delivered or bounced); the message goes with its last recipient.
fn finish(conn: &Connection, id: i64, rcpt: &str) -> Result<(), rusqlite::Error> {
    conn.cached_execute(
        "DELETE FROM outbound_recipients WHERE message_id = ?1 AND recipient = ?2",
        params![id, rcpt],
    )?;
    conn.cached_execute(
        "DELETE FROM outbound_messages WHERE id = ?1 AND NOT EXISTS
            (SELECT 1 FROM outbound_recipients WHERE message_id = ?1)",
        [id],
    )?;
    Ok(())
}

fn reschedule(
    conn: &Connection,
    id: i64,
    rcpt: &str,
    attempts: u32,
    next: DateTime<Utc>,
    error: &str,
) -> Result<(), rusqlite::Error> {
    conn.cached_execute(
        "UPDATE outbound_recipients SET attempts = ?1, next_attempt_at = ?2, last_error = ?3
         WHERE message_id = ?4 AND recipient = ?5",
        params![attempts, next.timestamp(), error, id, rcpt],
    )?;
    Ok(())
}

/// How one attempt ended.
#[derive(Debug)]
enum Attempt {
    /// Relayed; the recipient is still to be taken off the queue.
    Delivered,
    /// Delivered locally, the recipient taken off the queue in the same commit. It must not
    /// be finished again: row ids are reused, and the id may already name a newer message.
    DeliveredAndFinished,
    /// Try again later.
    Temporary(String),
    /// Never deliverable: bounce.
    Permanent(String),
}

/// Empty the queue until `shutdown`: deliver what is due, sleep until the next row is due
/// or [`Service::wake_outbound`] is called.
pub async fn run_relay(service: Service, shutdown: ShutdownToken) {
    let config = service.relay_config().clone();
    loop {
        let now = Utc::now();
        let batch = match service.with_store(move |conn| due(conn, now, 32)).await {
            Ok(Ok(batch)) => batch,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "outbound queue unreadable");
                Vec::new()
            }
            // Overloaded: try again shortly.
            Err(_) => Vec::new(),
        };
        for item in &batch {
            if shutdown.is_triggered() {
                return;
            }
            attempt_one(&service, &config, item).await;
        }
        if let Ok(Ok(depth)) = service.with_store(|conn| queue_depth(conn)).await {
            service.metrics().set_outbound_depth(depth);
        }
        if !batch.is_empty() {
            continue;
        }
        let next = service
            .with_store(|conn| next_due(conn))
            .await
            .ok()
            .and_then(Result::ok)
            .flatten();
        let wait = match next {
            Some(at) => {
                let secs = (at - Utc::now().timestamp()).clamp(0, 60);
                Duration::from_secs(u64::try_from(secs).unwrap_or(60))
            }
            None => Duration::from_secs(60),
        };
        tokio::select! {
            _ = service.outbound_notified() => {}
            _ = tokio::time::sleep(wait) => {}
            _ = shutdown.triggered() => return,
        }
    }
}

async fn attempt_one(service: &Service, config: &RelayConfig, item: &Due) {
    let id = item.message_id;
    let message = match service
        .with_store(move |conn| message_bytes(conn, id))
        .await
    {
        Ok(Ok(Some(m))) => m,
        Ok(Ok(None)) => {
            // The message row is gone; drop the orphan recipient.
            let rcpt = item.recipient.clone();
            let _ = service
                .with_store(move |conn| finish(conn, id, &rcpt))
                .await;
            return;
        }
        _ => return,
    };
    let outcome = match service.local_account(&item.recipient).await {
        Ok(Some((account, address))) => {
            // The recipient leaves the queue in the delivery's own commit: killed between
            // the two, the server would otherwise deliver the message again on restart.
            let rcpt = item.recipient.clone();
            match service
                .deliver_message_and(
                    account,
                    address,
                    Message::from_bytes(message.clone()),
                    InitialMailState::default(),
                    2,
                    move |conn| finish(conn, id, &rcpt),
                )
                .await
            {
                Ok(_) => Attempt::DeliveredAndFinished,
                Err(e) if e.starts_with("invalid item") => Attempt::Permanent(e),
                Err(e) => Attempt::Temporary(e),
            }
        }
        Ok(None) if !config.is_configured() => {
            Attempt::Permanent("no relay is configured for other domains".into())
        }
        Ok(None) => relay(config, &item.sender, &item.recipient, &message).await,
        Err(e) => Attempt::Temporary(e),
    };
    let now = Utc::now();
    let rcpt = item.recipient.clone();
    let expired = now.timestamp() - item.created_at
        >= i64::try_from(config.max_lifetime_secs).unwrap_or(i64::MAX);
    match outcome {
        Attempt::DeliveredAndFinished => {
            tracing::info!(to = rcpt, from = item.sender, "outbound message delivered");
        }
        Attempt::Delivered => {
            tracing::info!(to = rcpt, from = item.sender, "outbound message delivered");
            let _ = service
                .with_store(move |conn| finish(conn, id, &rcpt))
                .await;
        }
        Attempt::Temporary(why) if !expired => {
            let attempts = item.attempts.saturating_add(1);
            let next = now
                + chrono::Duration::from_std(config.delay(attempts))
                    .unwrap_or(chrono::Duration::seconds(300));
            tracing::info!(
                to = rcpt,
                attempts,
                error = why,
                "outbound delivery deferred"
            );
            let _ = service
                .with_store(move |conn| reschedule(conn, id, &rcpt, attempts, next, &why))
                .await;
        }
        Attempt::Temporary(why) | Attempt::Permanent(why) => {
            tracing::warn!(
                to = rcpt,
                from = item.sender,
                error = why,
                "outbound message bounced"
            );
            let finished = bounce(
                service,
                id,
                &item.sender,
                &rcpt,
                &why,
                &message,
                &config.helo,
                now,
            )
            .await;
            if !finished {
                let _ = service
                    .with_store(move |conn| finish(conn, id, &rcpt))
                    .await;
            }
        }
    }
}

async fn relay(config: &RelayConfig, sender: &str, rcpt: &str, message: &[u8]) -> Attempt {
    let (Ok(from), Ok(to)) = (sender.parse::<Address>(), rcpt.parse::<Address>()) else {
        return Attempt::Permanent(format!("{rcpt} is not a valid address"));
    };
    let envelope = match Envelope::new(Some(from), vec![to]) {
        Ok(e) => e,
        Err(e) => return Attempt::Permanent(e.to_string()),
    };
    let host = config.host.trim();
    let tls = match config.tls {
        TlsMode::None => Tls::None,
        TlsMode::Starttls | TlsMode::Tls => match TlsParameters::new(host.to_string()) {
            Ok(p) if config.tls == TlsMode::Tls => Tls::Wrapper(p),
            Ok(p) => Tls::Required(p),
            Err(e) => return Attempt::Temporary(format!("TLS set-up: {e}")),
        },
    };
    let mut builder = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(config.port)
        .tls(tls)
        .hello_name(ClientId::Domain(config.helo.clone()))
        .timeout(Some(Duration::from_secs(config.timeout_secs.max(1))));
    if !config.username.is_empty() {
        builder = builder.credentials(Credentials::new(
            config.username.clone(),
            config.password.clone(),
        ));
    }
    let transport = builder.build();
    // lettre's timeout bounds the connect, but on tokio not every read: a relay that accepts
    // and never speaks would hold the queue forever. Bound the whole exchange.
    let limit = Duration::from_secs(config.timeout_secs.max(1)).saturating_mul(3);
    match tokio::time::timeout(limit, transport.send_raw(&envelope, message)).await {
        Err(_) => Attempt::Temporary(format!(
            "the relay did not complete the exchange within {} s",
            limit.as_secs()
        )),
        Ok(Ok(_)) => Attempt::Delivered,
        Ok(Err(e)) if e.is_permanent() => Attempt::Permanent(e.to_string()),
        Ok(Err(e)) => Attempt::Temporary(e.to_string()),
    }
}

/// Tell the sender a message could not be delivered: an RFC 3464 report in their Inbox.
/// True when the report is stored and recipient `rcpt` of queued message `queued` left the
/// queue with it.
#[allow(clippy::too_many_arguments)]
async fn bounce(
    service: &Service,
    queued: i64,
    sender: &str,
    rcpt: &str,
    why: &str,
    original: &[u8],
    reporting_host: &str,
    now: DateTime<Utc>,
) -> bool {
    let Ok(Some((account, address))) = service.local_account(sender).await else {
        tracing::warn!(sender, "bounce for a sender who is not local; dropped");
        return false;
    };
    let report = delivery_report(sender, rcpt, why, original, reporting_host, now);
    // As with a delivery: the recipient leaves the queue in the report's commit, so a crash
    // cannot bounce twice.
    let done = rcpt.to_string();
    if let Err(e) = service
        .deliver_message_and(
            account,
            address,
            Message::from_bytes(report),
            InitialMailState::default(),
            2,
            move |conn| finish(conn, queued, &done),
        )
        .await
    {
        tracing::warn!(sender, error = %e, "bounce could not be delivered");
        return false;
    }
    true
}

/// A delivery status notification (RFC 3464): an explanation, the machine-readable status
/// and the original message's header.
pub fn delivery_report(
    sender: &str,
    rcpt: &str,
    why: &str,
    original: &[u8],
    reporting_host: &str,
    now: DateTime<Utc>,
) -> Vec<u8> {
    use mail_builder::MessageBuilder;
    use mail_builder::headers::address::Address as HeaderAddress;
    use mail_builder::mime::MimePart;

    let header_end = original
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map(|i| i + 4)
        .or_else(|| {
            original
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| i + 2)
        })
        .unwrap_or(original.len());
    let headers = String::from_utf8_lossy(&original[..header_end]).into_owned();
    let subject = mail_parser::MessageParser::default()
        .parse_headers(original)
        .and_then(|m| m.subject().map(str::to_string))
        .unwrap_or_default();
    let why_line = why.replace(['\r', '\n'], " ");
    let status = if why_line.starts_with('4') {
        "4.0.0"
    } else {
        "5.0.0"
    };
    let text = format!(
        "Your message could not be delivered to {rcpt}.\r\n\r\nSubject: {subject}\r\n\
         Reason: {why_line}\r\n"
    );
    let status_part = format!(
        "Reporting-MTA: dns; {reporting_host}\r\nArrival-Date: {}\r\n\r\n\
         Final-Recipient: rfc822; {rcpt}\r\nAction: failed\r\nStatus: {status}\r\n\
         Diagnostic-Code: smtp; {why_line}\r\nLast-Attempt-Date: {}\r\n",
        now.to_rfc2822(),
        now.to_rfc2822()
    );
    let body = MimePart::new(
        "multipart/report; report-type=delivery-status",
        vec![
            MimePart::new("text/plain; charset=utf-8", text),
            MimePart::new("message/delivery-status", status_part),
            MimePart::new("text/rfc822-headers", headers),
        ],
    );
    MessageBuilder::new()
        .from(HeaderAddress::new_address(
            Some("Mail Delivery System".to_string()),
            format!("mailer-daemon@{reporting_host}"),
        ))
        .to(HeaderAddress::new_address(
            None::<String>,
            sender.to_string(),
        ))
        .subject(format!("Undelivered Mail Returned to Sender: {subject}"))
        .header(
            "Auto-Submitted",
            mail_builder::headers::raw::Raw::new("auto-replied"),
        )
        .date(now.timestamp())
        .body(body)
        .write_to_vec()
        .unwrap_or_default()
}

/// The Sent Items copy of a message built by SmartReply or SmartForward: the transmitted
/// message (which has no `Bcc:` field) with the client's `Bcc:` fields put back on top, so
/// the sender can still see who was blind-copied. `client_mime` is the device's MIME; only
/// its header section (up to the first empty line) is read, folded lines included.
pub fn sent_copy_with_bcc(client_mime: &[u8], transmitted: &[u8]) -> Vec<u8> {
    let mut bcc = Vec::new();
    let mut in_bcc = false;
    for line in client_mime.split_inclusive(|&b| b == b'\n') {
        if line == b"\r\n" || line == b"\n" {
            break;
        }
        match line.first() {
            Some(b' ' | b'\t') => {}
            _ => {
                in_bcc = line
                    .get(..4)
                    .is_some_and(|n| n.eq_ignore_ascii_case(b"bcc:"));
            }
        }
        if in_bcc {
            bcc.extend_from_slice(line);
            if !line.ends_with(b"\n") {
                bcc.extend_from_slice(b"\r\n");
            }
        }
    }
    [bcc.as_slice(), transmitted].concat()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_queue_keeps_one_row_per_recipient_and_forgets_finished_messages() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch(SCHEMA).unwrap();
        let now = Utc::now();
        let id = enqueue(
            &conn,
            1,
            "a@example.com",
            &["x@remote.example".into(), "y@remote.example".into()],
            b"Subject: hi\r\n\r\nhi\r\n",
            now,
        )
        .unwrap();
        assert_eq!(queue_depth(&conn).unwrap(), 2);
        assert_eq!(due(&conn, now, 10).unwrap().len(), 2);
        reschedule(
            &conn,
            id,
            "x@remote.example",
            1,
            now + chrono::Duration::seconds(60),
            "451",
        )
        .unwrap();
        assert_eq!(due(&conn, now, 10).unwrap().len(), 1);
        finish(&conn, id, "y@remote.example").unwrap();
        assert!(message_bytes(&conn, id).unwrap().is_some());
        finish(&conn, id, "x@remote.example").unwrap();
        assert!(message_bytes(&conn, id).unwrap().is_none());
        assert_eq!(queue_depth(&conn).unwrap(), 0);
        assert!(claim_client_id(&conn, 1, "c1", now).unwrap());
        assert!(!claim_client_id(&conn, 1, "c1", now).unwrap());
        assert!(claim_client_id(&conn, 2, "c1", now).unwrap());
    }

    #[test]
    fn retry_delays_follow_the_schedule_and_repeat_the_last() {
        let c = RelayConfig {
            retry_secs: vec![1, 5],
            ..RelayConfig::default()
        };
        assert_eq!(c.delay(1), Duration::from_secs(1));
        assert_eq!(c.delay(2), Duration::from_secs(5));
        assert_eq!(c.delay(9), Duration::from_secs(5));
    }

    #[test]
    fn the_sent_copy_of_a_built_message_gets_the_clients_bcc_back() {
        let client =
            b"From: a@x\r\nBcc: b@y,\r\n c@z\r\nTo: d@w\r\nbcc: e@v\r\n\r\nBcc: body@not\r\n";
        let copy = sent_copy_with_bcc(client, b"From: a@x\r\nTo: d@w\r\n\r\nhi\r\n");
        assert_eq!(
            String::from_utf8(copy).unwrap(),
            "Bcc: b@y,\r\n c@z\r\nbcc: e@v\r\nFrom: a@x\r\nTo: d@w\r\n\r\nhi\r\n"
        );
        let none = sent_copy_with_bcc(b"To: d@w\r\n\r\n", b"To: d@w\r\n\r\nhi");
        assert_eq!(none, b"To: d@w\r\n\r\nhi");
    }

    #[test]
    fn a_delivery_report_names_the_recipient_and_carries_the_original_header() {
        let report = delivery_report(
            "alice@example.com",
            "nobody@remote.example",
            "550 5.1.1 no such user",
            b"Subject: Lunch\r\nTo: nobody@remote.example\r\n\r\nbody\r\n",
            "mx.example.com",
            Utc::now(),
        );
        let parsed = mail_parser::MessageParser::default()
            .parse(&report)
            .unwrap();
        assert_eq!(
            parsed.subject(),
            Some("Undelivered Mail Returned to Sender: Lunch")
        );
        let text = String::from_utf8_lossy(&report);
        assert!(text.contains("multipart/report"));
        assert!(text.contains("Final-Recipient: rfc822; nobody@remote.example"));
        assert!(text.contains("Status: 5.0.0"));
        assert!(text.contains("Subject: Lunch"));
    }
}
