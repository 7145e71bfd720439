//! What the server does with mail a device sends: SendMail, SmartReply and SmartForward
//! (MS-ASCMD 2.2.1.17, 2.2.1.20, 2.2.1.19).
//!
//! * [`send_mail`] passes the client's MIME through byte for byte. The only edits are to the
//!   header section: `Bcc:` fields are removed (their addresses go to the envelope), and a
//!   `Date:` or `Message-ID:` the client left out is added at the top.
//! * [`smart_reply`] and [`smart_forward`] build a new message with `mail-builder`: the
//!   client's text and attachments, plus the original (quoted for a reply; with its
//!   attachments for a forward). With `ReplaceMime` the client's MIME is the whole message and
//!   is treated like SendMail.
//! * [`SmartRequest`] reads what the two protocol forms carry: the 14.0+ ComposeMail WBXML
//!   (`eas_codec::command::compose`) and the 12.x raw MIME body with URL parameters.
//!
//! Nothing here sends or stores anything. Whether a copy goes to Sent Items
//! (`SaveInSentItems`, `SaveInSent=T`) is the caller's business; [`Outgoing::added_headers`]
//! lets it file the copy with the same `Date` and `Message-ID` as the message sent.
//!
//! The library reads no clock and draws no random numbers: "now" and the Message-ID domain
//! come in a [`SendContext`], and generated ids and MIME boundaries are derived from a hash of
//! the content and that time, so the same input gives the same output.
//!
//! ```
//! use chrono::{TimeZone, Utc};
//! use eas_model::compose::{SendContext, send_mail};
//!
//! let ctx = SendContext {
//!     now: Utc.with_ymd_and_hms(2026, 3, 2, 10, 0, 0).unwrap(),
//!     message_id_domain: "mail.example.org",
//! };
//! let mime = b"To: bernd@example.net\r\nBcc: boss@example.org\r\nSubject: Hi\r\n\r\nHello\r\n";
//! let out = send_mail(mime, &ctx)?;
//! assert_eq!(out.envelope.recipients, ["bernd@example.net", "boss@example.org"]);
//! assert!(out.message.starts_with(b"Date: Mon, 02 Mar 2026 10:00:00 +0000\r\nMessage-ID: <"));
//! assert!(out.message.ends_with(b"To: bernd@example.net\r\nSubject: Hi\r\n\r\nHello\r\n"));
//! # Ok::<(), eas_model::ModelError>(())
//! ```

mod header;
mod request;
mod smart;

use chrono::{DateTime, Utc};
use mail_parser::{Address, Message, MessageParser};

use crate::ModelError;

pub use request::{LegacyQuery, SmartKind, SmartRequest, SourceRef};
pub use smart::{OriginalHeaders, SmartOptions, smart_forward, smart_reply};

/// The SMTP envelope of an outgoing message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// The address of the message's `From:` field, if it has one. The caller decides whether
    /// the authenticated user may send as this address, and uses the user's own address when
    /// this is `None`.
    pub from: Option<String>,
    /// Every address of the `To:`, `Cc:` and `Bcc:` fields, in that order, each once
    /// (compared ASCII case-insensitively). Never empty. An address without a domain (a
    /// name the device could not resolve) is passed on: resolving it, or answering status
    /// 116 `MessageRecipientUnresolved`, is the caller's part.
    pub recipients: Vec<String>,
}

/// A message ready for SMTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    /// The message to transmit (no `Bcc:` field).
    pub message: Vec<u8>,
    /// Where it goes.
    pub envelope: Envelope,
    /// For a passed-through message (SendMail, `ReplaceMime`): the header lines added at the
    /// top of the client's MIME (`Date:`, `Message-ID:`), empty when none were needed. A Sent
    /// Items copy that keeps the `Bcc:` field is these bytes followed by the client's MIME.
    /// Empty for a built SmartReply/SmartForward message.
    pub added_headers: Vec<u8>,
}

/// What a conversion needs from outside: the time and the domain of generated Message-IDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SendContext<'a> {
    /// The time of sending, written into a missing `Date:` field.
    pub now: DateTime<Utc>,
    /// The right-hand side of a generated `Message-ID` (the server's mail domain).
    pub message_id_domain: &'a str,
}

/// SendMail: the message to transmit, byte-exact except for its header edits, and its
/// envelope.
///
/// Refuses (with [`ModelError::Mime`]) input that does not begin with an RFC 5322 header
/// section, a message without any recipient, and a recipient that cannot go in an SMTP
/// envelope.
pub fn send_mail(mime: &[u8], ctx: &SendContext<'_>) -> Result<Outgoing, ModelError> {
    let section = header::scan(mime)?;
    let parsed = parse(mime)?;
    let envelope = envelope_of(&parsed)?;

    let added = missing_headers(mime, &section, &[mime], ctx)?;
    let mut message = Vec::with_capacity(mime.len() + added.len());
    message.extend_from_slice(&added);
    let mut at = 0;
    for field in &section.fields {
        if header::is_named(mime, field, "bcc") {
            message.extend_from_slice(mime.get(at..field.whole.start).unwrap_or_default());
            at = field.whole.end;
        }
    }
    message.extend_from_slice(mime.get(at..).unwrap_or_default());
    Ok(Outgoing {
        message,
        envelope,
        added_headers: added,
    })
}

/// Parse MIME that [`header::scan`] has accepted.
fn parse(mime: &[u8]) -> Result<Message<'_>, ModelError> {
    MessageParser::default()
        .parse(mime)
        .ok_or_else(|| ModelError::Mime("the message could not be parsed".into()))
}

/// The envelope of a parsed message; an error when it has no recipient.
fn envelope_of(msg: &Message<'_>) -> Result<Envelope, ModelError> {
    let mut recipients: Vec<String> = Vec::new();
    let lists = msg.all_to().chain(msg.all_cc()).chain(msg.all_bcc());
    for addr in lists.flat_map(Address::iter) {
        let Some(a) = addr.address.as_deref().map(str::trim) else {
            continue;
        };
        if a.is_empty() {
            continue;
        }
        check_envelope_address(a)?;
        if !recipients.iter().any(|r| r.eq_ignore_ascii_case(a)) {
            recipients.push(a.to_string());
        }
    }
    if recipients.is_empty() {
        return Err(ModelError::NoRecipient);
    }
    let from = msg
        .from()
        .and_then(|f| f.first())
        .and_then(|a| a.address.as_deref())
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .map(str::to_string);
    if let Some(f) = &from {
        check_envelope_address(f)?;
    }
    Ok(Envelope { from, recipients })
}

/// An address that would break the SMTP command it goes into (`RCPT TO:<...>`) is refused.
fn check_envelope_address(a: &str) -> Result<(), ModelError> {
    if a.chars()
        .any(|c| c.is_control() || c.is_whitespace() || c == '<' || c == '>')
    {
        return Err(ModelError::Mime(format!(
            "{a:?} cannot be an SMTP envelope address"
        )));
    }
    Ok(())
}

/// The `Date:` and `Message-ID:` lines `mime` lacks, with the message's own line end. A
/// generated Message-ID hashes `content` (everything the sent message is made of).
fn missing_headers(
    mime: &[u8],
    section: &header::HeaderSection,
    content: &[&[u8]],
    ctx: &SendContext<'_>,
) -> Result<Vec<u8>, ModelError> {
    let eol = section.eol();
    let mut out = Vec::new();
    if !section.has(mime, "date") {
        out.extend_from_slice(b"Date: ");
        out.extend_from_slice(rfc5322_date(ctx.now).as_bytes());
        out.extend_from_slice(eol);
    }
    if !section.has(mime, "message-id") {
        out.extend_from_slice(b"Message-ID: <");
        out.extend_from_slice(message_id(content, ctx)?.as_bytes());
        out.extend_from_slice(b">");
        out.extend_from_slice(eol);
    }
    Ok(out)
}

/// An RFC 5322 date in UTC.
fn rfc5322_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S +0000").to_string()
}

/// A Message-ID (without angle brackets) for content `parts` sent at `ctx.now`:
/// `<millis>.<hash>@<domain>`. Unique as long as the same content is not sent twice in the
/// same millisecond; no randomness, so tests and replays are reproducible.
fn message_id(parts: &[&[u8]], ctx: &SendContext<'_>) -> Result<String, ModelError> {
    let domain = ctx.message_id_domain;
    let domain_ok = !domain.is_empty()
        && domain
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>@()\\,;:\"[]".contains(&b));
    if !domain_ok {
        return Err(ModelError::Mime(format!(
            "{domain:?} cannot be the domain of a Message-ID"
        )));
    }
    let millis = ctx.now.timestamp_millis();
    Ok(format!(
        "{}.{:016x}@{domain}",
        millis.unsigned_abs(),
        content_hash(parts, millis)
    ))
}

/// FNV-1a over `parts` and `salt`: stable across Rust versions (unlike `DefaultHasher`), which
/// matters because generated ids end up in stored mail.
fn content_hash(parts: &[&[u8]], salt: i64) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for &b in bytes {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for p in parts {
        feed(&(p.len() as u64).to_le_bytes());
        feed(p);
    }
    feed(&salt.to_le_bytes());
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn ctx() -> SendContext<'static> {
        SendContext {
            now: Utc
                .with_ymd_and_hms(2026, 3, 1, 12, 0, 0)
                .single()
                .unwrap_or_default(),
            message_id_domain: "mail.example.org",
        }
    }

    #[test]
    fn message_ids_depend_on_content_and_time_only() {
        let c = ctx();
        let a = message_id(&[b"one"], &c);
        assert_eq!(a, message_id(&[b"one"], &c));
        assert_ne!(a, message_id(&[b"two"], &c));
        let later = SendContext {
            now: c.now + chrono::Duration::milliseconds(1),
            ..c
        };
        assert_ne!(a, message_id(&[b"one"], &later));
        assert!(a.is_ok_and(|id| id.ends_with("@mail.example.org")));
    }

    #[test]
    fn bad_domains_are_refused() {
        for d in ["", "a b", "x>y", "a@b"] {
            let c = SendContext {
                message_id_domain: d,
                ..ctx()
            };
            assert!(message_id(&[b"x"], &c).is_err(), "{d:?}");
        }
    }

    #[test]
    fn envelope_addresses_with_angle_brackets_are_refused() {
        assert!(check_envelope_address("a@b.c").is_ok());
        assert!(check_envelope_address("a@b.c>\r\nRCPT TO:<x@y").is_err());
    }

    #[test]
    fn dates_are_rfc5322() {
        assert_eq!(rfc5322_date(ctx().now), "Sun, 01 Mar 2026 12:00:00 +0000");
    }
}
