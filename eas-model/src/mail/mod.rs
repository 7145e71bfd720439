//! Mail: an Email item read from a MIME message, and its Email-class wire form for a
//! protocol version and the client's body preferences.
//!
//! [`MailItem::from_mime`] reads the message with `mail-parser` and takes what is not in
//! the MIME (read state, flag, categories, last verb, the id the server stores it under,
//! the time it arrived) from a [`MailState`]. [`MailItem::to_wire_with`] then produces
//! `eas_codec::data::email::Email` for the client's [`BodyOptions`] (read from its Sync,
//! ItemOperations or Search `Options`); [`MailItem::to_wire`] is the same for bare body
//! preferences.
//!
//! The other direction is small: a client may only mark a message read, flag it and set its
//! categories, which [`MailChange`] reads from its Sync `<Change>` and applies to the
//! [`MailState`]. Attachment bytes for ItemOperations Fetch and GetAttachment come from
//! [`MailItem::attachment_content_by_reference`].
//!
//! What the device must never see, whatever the message holds (the Scalix defects this
//! module's tests are named after): base64 or quoted-printable bodies (every body is
//! decoded), non-UTF-8 text (every charset decoded, 8-bit text without a charset read as
//! UTF-8 else windows-1252), control characters (removed), X.400 addresses (dropped, the
//! display name kept), an empty `To` (absent instead).

pub mod attachment;
pub mod body;
pub mod change;
pub mod charset;
pub mod conversation;
pub mod meeting;
pub mod options;
pub mod outline;
pub mod quote;
mod wire;

use chrono::{DateTime, Utc};
use eas_codec::data::email::{Flag, MeetingRequest};
use mail_parser::{Address, Message, MessageParser, MimeHeaders, PartType};

use crate::ModelError;
pub use attachment::{AttachMethod, MailAttachment, file_reference, parse_file_reference};
pub use change::MailChange;
pub use options::{BodyOptions, MimeSupport};

/// What the server knows about a message that is not in its MIME.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MailState {
    /// The server's id of the message, the first half of every attachment's `FileReference`.
    pub item_id: String,
    /// When the message arrived (`DateReceived`); without it the `Date` header stands in.
    pub received: Option<DateTime<Utc>>,
    /// Whether the user has read it.
    pub read: bool,
    /// Its follow-up flag, as the client last set it.
    pub flag: Option<Flag>,
    /// Its categories.
    pub categories: Vec<String>,
    /// The last action taken on it: 1 reply to sender, 2 reply to all, 3 forward.
    pub last_verb_executed: Option<u32>,
    /// When `last_verb_executed` was taken.
    pub last_verb_execution_time: Option<DateTime<Utc>>,
    /// The addresses of the mailbox's owner (aliases included), to tell whether the message
    /// reached them as a Bcc recipient (`ReceivedAsBcc`); empty when unknown.
    pub user_addresses: Vec<String>,
}

/// A person in an address header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    /// The display name.
    pub name: Option<String>,
    /// The address; `None` when the header held an X.400 / Exchange legacy address
    /// (`IMCEAEX-…`, `/O=…/OU=…`) that a device cannot send to.
    pub address: Option<String>,
}

impl Mailbox {
    /// The name to show: the display name, else the address.
    pub fn shown_name(&self) -> Option<&str> {
        self.name.as_deref().or(self.address.as_deref())
    }

    /// The mailbox as RFC 5322 text: `"Name" <addr>`, with `"` and `\` in the name escaped
    /// (Scalix bug 20313). Without a usable address, the quoted name alone.
    pub fn to_rfc5322(&self) -> Option<String> {
        let quoted = self.name.as_deref().map(|n| {
            let escaped = n.replace('\\', "\\\\").replace('"', "\\\"");
            format!("\"{escaped}\"")
        });
        match (quoted, self.address.as_deref()) {
            (Some(name), Some(addr)) => Some(format!("{name} <{addr}>")),
            (None, Some(addr)) => Some(addr.to_string()),
            (Some(name), None) => Some(name),
            (None, None) => None,
        }
    }
}

/// Which body the message carries natively (`NativeBodyType`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NativeBody {
    /// 1: plain text only.
    Plain,
    /// 2: HTML (possibly with a plain-text alternative).
    Html,
}

/// An email message, at the meaning level.
#[derive(Debug, Clone, PartialEq)]
pub struct MailItem {
    /// `To` recipients.
    pub to: Vec<Mailbox>,
    /// `Cc` recipients.
    pub cc: Vec<Mailbox>,
    /// The author.
    pub from: Vec<Mailbox>,
    /// Who sent the message on the author's behalf (the `Sender` header), when that is not
    /// one of the `From` addresses.
    pub sender: Option<Mailbox>,
    /// Where replies go.
    pub reply_to: Vec<Mailbox>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// When the message arrived (the caller's time, else the `Date` header; `None` when
    /// neither is known).
    pub date_received: Option<DateTime<Utc>>,
    /// The `Date` header.
    pub date_sent: Option<DateTime<Utc>>,
    /// The subject without reply / forward prefixes.
    pub thread_topic: Option<String>,
    /// 0 low, 1 normal, 2 high.
    pub importance: u8,
    /// Server state, from [`MailState`].
    pub state: MailState,
    /// `IPM.Note`, `IPM.Note.SMIME`, `IPM.Schedule.Meeting.Request`, …
    pub message_class: String,
    /// `urn:content-classes:message` or `urn:content-classes:calendarmessage`.
    pub content_class: String,
    /// Windows code page of the body's charset.
    pub internet_cpid: u32,
    /// Shared by every message of the thread.
    pub conversation_id: [u8; 16],
    /// The 5-byte index header from the sent date.
    pub conversation_index: [u8; 5],
    /// The body as plain text (CRLF line ends), converted from HTML when the message has
    /// only HTML. Empty for a message without a text body.
    pub plain: String,
    /// The HTML body, when the message has one.
    pub html: Option<String>,
    /// The whole message as a string a text element can carry (see
    /// [`body::mime_for_device`]).
    pub mime: String,
    /// The attachments.
    pub attachments: Vec<MailAttachment>,
    /// The meeting, when the message carries a `text/calendar` invitation or cancellation.
    /// Held in its wire form; [`MailItem::to_wire`] adjusts it to the version.
    pub meeting: Option<MeetingRequest>,
}

impl MailItem {
    /// Read a message. Fails only when the bytes hold no header at all.
    pub fn from_mime(raw: &[u8], state: MailState) -> Result<MailItem, ModelError> {
        MailItem::read(raw, state, false)
    }

    /// Read a message from its [`outline`]: what Sync and Fetch show is the same as from
    /// the message, attachment sizes included, without the attachments' content. Only
    /// [`MailItem::mime`] differs: it holds the outline, so a server sends the stored
    /// message itself when a client asks for MIME.
    pub fn from_outline(outline: &[u8], state: MailState) -> Result<MailItem, ModelError> {
        MailItem::read(outline, state, true)
    }

    fn read(raw: &[u8], state: MailState, is_outline: bool) -> Result<MailItem, ModelError> {
        let message = MessageParser::default()
            .parse(raw)
            .ok_or_else(|| ModelError::Mime("no header found".into()))?;

        let subject = message.subject().map(charset::clean);
        let date_sent = message
            .date()
            .filter(|d| d.is_valid())
            .and_then(|d| DateTime::<Utc>::from_timestamp(d.to_timestamp(), 0));
        let date_received = state.received.or(date_sent);

        let (plain_src, html_src, charset_name) = bodies(&message);
        let plain = body::crlf(&charset::clean(&plain_src.unwrap_or_else(|| {
            html_src
                .as_deref()
                .map(body::html_to_text)
                .unwrap_or_default()
        })));
        let html = html_src.map(|h| charset::clean(&h));

        let calendar = meeting::find(&message, date_received);
        let smime = smime_class(&message);
        let (message_class, content_class) = match (&calendar, smime) {
            (Some(found), _) => (
                found.message_class.to_string(),
                "urn:content-classes:calendarmessage",
            ),
            (None, Some(class)) => (class.to_string(), "urn:content-classes:message"),
            (None, None) => ("IPM.Note".to_string(), "urn:content-classes:message"),
        };
        let skip: Vec<u32> = calendar.iter().filter_map(|c| c.part).collect();
        let attachments = attachment::collect(
            &message,
            &state.item_id,
            &skip,
            html.as_deref(),
            is_outline.then_some(raw),
        );

        let thread_topic = subject.as_deref().map(conversation::thread_topic);
        let root = thread_root(&message)
            .or_else(|| thread_topic.as_ref().map(|t| t.to_lowercase()))
            .unwrap_or_default();

        let from = mailboxes(message.from());
        let sender = mailboxes(message.sender())
            .into_iter()
            .next()
            .filter(|s| !from.iter().any(|f| same_address(f, s)));

        Ok(MailItem {
            to: mailboxes(message.to()),
            cc: mailboxes(message.cc()),
            from,
            sender,
            reply_to: mailboxes(message.reply_to()),
            subject,
            date_received,
            date_sent,
            thread_topic,
            importance: importance(&message),
            message_class,
            content_class: content_class.to_string(),
            internet_cpid: charset::code_page(&charset_name).unwrap_or(65001),
            conversation_id: conversation::conversation_id(&root),
            conversation_index: conversation::conversation_index(
                date_sent.or(date_received).unwrap_or_default(),
            ),
            plain,
            html,
            mime: body::mime_for_device(&message),
            attachments,
            meeting: calendar.map(|c| c.request),
            state,
        })
    }

    /// The body the message carries natively.
    pub fn native_body(&self) -> NativeBody {
        if self.html.is_some() {
            NativeBody::Html
        } else {
            NativeBody::Plain
        }
    }

    /// Whether the message reached the user only as a Bcc recipient (`ReceivedAsBcc`): none
    /// of [`MailState::user_addresses`] is in `To` or `Cc`, and the user did not write it.
    /// `None` when the user's addresses are unknown. A message that came through a mailing
    /// list also counts as Bcc: the list, not the user, is in `To`.
    pub fn received_as_bcc(&self) -> Option<bool> {
        let users = &self.state.user_addresses;
        if users.is_empty() {
            return None;
        }
        let is_user = |m: &Mailbox| {
            m.address
                .as_deref()
                .is_some_and(|a| users.iter().any(|u| u.trim().eq_ignore_ascii_case(a)))
        };
        let addressed = self.to.iter().chain(&self.cc).any(is_user);
        let wrote = self.from.iter().any(is_user);
        Some(!addressed && !wrote)
    }

    /// The decoded content of attachment `index` of [`MailItem::attachments`], for
    /// ItemOperations Fetch and GetAttachment. It is read again from [`MailItem::mime`],
    /// which holds every part byte for byte (see [`body::mime_for_device`]).
    pub fn attachment_content(&self, index: usize) -> Result<Vec<u8>, ModelError> {
        let attachment = self
            .attachments
            .get(index)
            .ok_or_else(|| ModelError::InvalidField {
                field: "FileReference",
                reason: format!("the message has no attachment {index}"),
            })?;
        attachment::part_content(self.mime.as_bytes(), attachment.part_index)
    }

    /// The decoded content of the attachment a `FileReference` names (also in the
    /// percent-encoded form of a GetAttachment URL). A reference to another item, or to a
    /// part that is not one of the attachments, is an [`ModelError::InvalidField`].
    pub fn attachment_content_by_reference(&self, reference: &str) -> Result<Vec<u8>, ModelError> {
        let (item, part) = parse_file_reference(reference)?;
        if item != self.state.item_id {
            return Err(ModelError::InvalidField {
                field: "FileReference",
                reason: format!(
                    "{reference:?} names another item than {:?}",
                    self.state.item_id
                ),
            });
        }
        let index = self
            .attachments
            .iter()
            .position(|a| a.part_index == part)
            .ok_or_else(|| ModelError::InvalidField {
                field: "FileReference",
                reason: format!("{reference:?}: part {part} is not an attachment"),
            })?;
        self.attachment_content(index)
    }

    /// The message part for conversation view (`BodyPart`, 14.1): the body's new text without
    /// the quoted history (see [`quote`]), as HTML.
    pub fn message_part_html(&self) -> String {
        match &self.html {
            Some(h) => quote::new_html(h).to_string(),
            None => body::text_to_html(quote::new_text(&self.plain)),
        }
    }

    /// The HTML rendition: the HTML body, or the plain text escaped with `<br>` line breaks.
    pub fn html_rendition(&self) -> String {
        match &self.html {
            Some(h) => h.clone(),
            None => body::text_to_html(&self.plain),
        }
    }
}

/// The plain and HTML bodies and the charset that decoded the first of them.
///
/// Text parts are joined in order (a client that puts text, an image, then more text in
/// `multipart/mixed` — the iPhone, Scalix bug 20587 — gets one body, and the text is not an
/// attachment). A plain-text part counted in the HTML list becomes HTML only when the
/// message has real HTML somewhere, so a text-only message stays text-only.
fn bodies(message: &Message<'_>) -> (Option<String>, Option<String>, String) {
    let mut charset_name: Option<String> = None;
    let mut gather = |ids: &[u32], want_html: bool| -> Option<String> {
        let mut out = String::new();
        let mut any = false;
        for part in ids.iter().filter_map(|&i| message.parts.get(i as usize)) {
            let is_html = matches!(part.body, PartType::Html(_));
            if !matches!(part.body, PartType::Text(_) | PartType::Html(_)) {
                continue;
            }
            let (text, used) = charset::part_text(message, part);
            if charset_name.is_none() && (!text.is_ascii() || used != "us-ascii") {
                charset_name = Some(used);
            }
            let piece = match (want_html, is_html) {
                (true, false) => body::text_to_html(&text),
                (false, true) => body::html_to_text(&text),
                _ => text,
            };
            if any && !out.ends_with('\n') {
                out.push('\n');
            }
            out.push_str(&piece);
            any = true;
        }
        any.then_some(out)
    };
    let has_html = message
        .html_body
        .iter()
        .filter_map(|&i| message.parts.get(i as usize))
        .any(|p| matches!(p.body, PartType::Html(_)));
    let has_plain = message
        .text_body
        .iter()
        .filter_map(|&i| message.parts.get(i as usize))
        .any(|p| matches!(p.body, PartType::Text(_)));
    let html = if has_html {
        gather(&message.html_body, true)
    } else {
        None
    };
    let plain = if has_plain || !has_html {
        gather(&message.text_body, false)
    } else {
        None
    };
    (
        plain,
        html,
        charset_name.unwrap_or_else(|| "us-ascii".into()),
    )
}

/// The mailboxes of an address header, groups flattened, X.400 addresses dropped.
fn mailboxes(address: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(address) = address else {
        return Vec::new();
    };
    address
        .iter()
        .filter_map(|a| {
            let name = a
                .name()
                .map(|n| charset::clean(n.trim()))
                .filter(|n| !n.is_empty());
            let addr = a
                .address()
                .map(|s| charset::clean(s.trim()))
                .filter(|s| !s.is_empty());
            let (name, addr) = match addr {
                Some(addr) if is_x400(&addr) => (name.or_else(|| x400_name(&addr)), None),
                addr => (name, addr),
            };
            (name.is_some() || addr.is_some()).then_some(Mailbox {
                name,
                address: addr,
            })
        })
        .collect()
}

/// Whether two mailboxes have the same address (case-insensitive); never for missing ones.
fn same_address(a: &Mailbox, b: &Mailbox) -> bool {
    match (a.address.as_deref(), b.address.as_deref()) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

/// Whether an address is an Exchange legacyExchangeDN or its SMTP encapsulation
/// (`IMCEAEX-_O=…`), which no device can send to.
fn is_x400(address: &str) -> bool {
    let upper = address.to_ascii_uppercase();
    upper.starts_with("IMCEAEX-")
        || upper.starts_with("/O=")
        || upper.starts_with("/C=")
        || upper.contains("/OU=") && upper.contains("/CN=")
}

/// A name for an X.400 address without a display name: its last `CN=` element.
fn x400_name(address: &str) -> Option<String> {
    let upper = address.to_ascii_uppercase();
    let sep = if upper.starts_with("IMCEAEX-") {
        "_CN="
    } else {
        "/CN="
    };
    let at = upper.rfind(sep)? + sep.len();
    let rest = address.get(at..)?;
    let end = rest.find(['@', '/', '_']).unwrap_or(rest.len());
    let name = rest.get(..end)?.trim();
    (!name.is_empty()).then(|| name.to_string())
}

/// Importance from `Importance` (`high`/`normal`/`low`), else `X-Priority` (1–2 high, 3
/// normal, 4–5 low), else `X-MSMail-Priority`; normal when none says.
fn importance(message: &Message<'_>) -> u8 {
    let raw = |name: &str| {
        message
            .header_raw(name)
            .map(|v| v.trim().to_ascii_lowercase())
    };
    if let Some(v) = raw("Importance") {
        match v.as_str() {
            "high" => return 2,
            "low" => return 0,
            "normal" => return 1,
            _ => {}
        }
    }
    if let Some(v) = raw("X-Priority") {
        match v.chars().next() {
            Some('1' | '2') => return 2,
            Some('3') => return 1,
            Some('4' | '5') => return 0,
            _ => {}
        }
    }
    match raw("X-MSMail-Priority").as_deref() {
        Some("high") => 2,
        Some("low") => 0,
        _ => 1,
    }
}

/// The S/MIME message class (MS-ASEMAIL 2.2.2.50): `IPM.Note.SMIME` for
/// `application/pkcs7-mime` (encrypted or opaque-signed), `IPM.Note.SMIME.MultipartSigned`
/// for a clear-signed `multipart/signed`.
fn smime_class(message: &Message<'_>) -> Option<&'static str> {
    let ct = message.root_part().content_type()?;
    let sub = ct.subtype().unwrap_or_default().to_ascii_lowercase();
    match (ct.ctype().to_ascii_lowercase().as_str(), sub.as_str()) {
        ("application", "pkcs7-mime" | "x-pkcs7-mime") => Some("IPM.Note.SMIME"),
        ("multipart", "signed") => Some("IPM.Note.SMIME.MultipartSigned"),
        _ => None,
    }
}

/// The Message-ID a thread is keyed by: the first of `References`, else `In-Reply-To`,
/// else the message's own.
fn thread_root(message: &Message<'_>) -> Option<String> {
    let first = |v: &mail_parser::HeaderValue<'_>| match v {
        mail_parser::HeaderValue::Text(t) => Some(t.to_string()),
        mail_parser::HeaderValue::TextList(l) => l.first().map(|t| t.to_string()),
        _ => None,
    };
    first(message.references())
        .or_else(|| first(message.in_reply_to()))
        .or_else(|| message.message_id().map(str::to_string))
        .map(|id| {
            id.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_string()
        })
        .filter(|id| !id.is_empty())
}
