//! Mail items: an email built from its MIME message, and its mapping to the Email class on
//! the wire ([`eas_codec::data::Email`]) for one protocol version and the client's body
//! preferences.
//!
//! **What comes from where.** The MIME message gives the addresses, subject, date, bodies,
//! attachments, importance, character set, message class (S/MIME, meeting messages, reports)
//! and the conversation. What a store keeps beside the message — when it arrived, whether it
//! was read, its follow-up flag, categories, the last reply or forward, draft status — is the
//! item's [`MailState`], which the server fills from its store (IMAP `\Seen`, `\Flagged`,
//! `\Answered`, `$Forwarded`, `INTERNALDATE`, …); a parsed item starts unread and unflagged.
//! The meeting of a meeting request is built by the calendar conversion from
//! [`MailItem::calendar`] and put in [`MailItem::meeting_request`]; this module only detects
//! the meeting message and finds its iCalendar part.
//!
//! **Bodies.** [`BodyOptions`] carries what the client asked for (the AirSyncBase
//! `BodyPreference`s, `MIMESupport`, and for 2.5 the `Truncation` and `MIMETruncation` codes).
//! From 12.0 on the body type sent is, in order: MIME for an S/MIME message when the client
//! asked for MIME (nothing else can show it); the item's native type (HTML when the message
//! has an HTML part, else plain text) when the client asked for it; otherwise the client's
//! preferences in its order. Plain text is made from HTML and HTML from plain text when
//! needed; RTF (type 3) cannot be produced and is passed over. With `AllOrNone` a body that
//! would be truncated is passed over for the next preference; when none fits, the first is
//! sent without data and marked truncated (MS-ASAIRS 2.2.2.3.2). `TruncationSize` counts UTF-8
//! bytes and a cut never splits a character. Protocol 2.5 gets `Body` (plain text, the
//! `Truncation` code in characters) or `MIMEData` (when `MIMESupport` asks for it).
//!
//! **Attachments** are the message's attachment parts in document order, less the iCalendar
//! part a meeting message is made from. Each gets the file reference
//! `"{item_ref}:{index}"` ([`file_reference`], [`parse_file_reference`]), and
//! [`MailItem::attachment_content`] gives back its bytes for ItemOperations Fetch or
//! GetAttachment. An attached message (`message/rfc822`) is method 5 with an `.eml` name.
//!
//! **Conversations (14.0+).** The `ConversationId` is a hash of the thread's root message id:
//! the first `References` entry, else `In-Reply-To`, else the message's own `Message-ID`, so a
//! root and its replies agree whichever client wrote them; then the GUID of an Outlook
//! `Thread-Index`; then the thread topic. The hash is FNV-1a 128 and must never change:
//! devices keep these ids. The `ConversationIndex` is the `Thread-Index` without its reserved
//! byte and GUID when there is one (its timestamps), else the 5-byte header made from the
//! message's date (MS-ASCON 2.2.2.4).
//!
//! Not produced: `BodyPart` (14.1 conversation view), `ReceivedAsBcc`, the voice-mail and
//! rights-management elements. Raw MIME that is not UTF-8 (8-bit parts in another charset)
//! reaches the `MIMEData` / MIME `Data` string with its invalid bytes replaced (U+FFFD): the
//! wire types carry text.

use std::borrow::Cow;

use base64::Engine as _;
use chrono::{DateTime, Utc};
use eas_codec::codec::Opaque;
use eas_codec::data::{
    Attachment, AttachmentV25, Attachments, AttachmentsItem, AttachmentsV25, Body, BodyPreference,
    Email, EmailCategories, Flag, MeetingRequest,
};
use eas_codec::{CompactString, ProtocolVersion};
use mail_parser::decoders::html::{html_to_text, text_to_html};
use mail_parser::{
    Address, HeaderValue, Message, MessageParser, MessagePart, MimeHeaders, PartType,
};

use crate::ModelError;
use crate::datetime;

// ---------------------------------------------------------------------------------------------
// The item
// ---------------------------------------------------------------------------------------------

/// A person or address in an address header.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Mailbox {
    /// The display name, decoded (`Alice Martin`).
    pub name: Option<String>,
    /// The address (`alice@example.com`); absent for a bare name such as `To: Testers`.
    pub address: Option<String>,
}

impl Mailbox {
    /// A mailbox with an address and an optional display name.
    pub fn new(name: Option<&str>, address: &str) -> Self {
        Mailbox {
            name: name.map(str::to_owned),
            address: Some(address.to_owned()),
        }
    }

    /// The RFC 5322 form the Email elements carry: `"Alice Martin" <alice@example.com>`, or
    /// the bare address when there is no name.
    pub fn to_rfc5322(&self) -> String {
        let name = self
            .name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty());
        match (name, self.address.as_deref()) {
            (Some(n), Some(a)) if n != a => {
                let mut s = String::with_capacity(n.len() + a.len() + 5);
                s.push('"');
                for c in n.chars() {
                    if c == '"' || c == '\\' {
                        s.push('\\');
                    }
                    s.push(c);
                }
                s.push_str("\" <");
                s.push_str(a);
                s.push('>');
                s
            }
            (_, Some(a)) => a.to_owned(),
            (Some(n), None) => n.to_owned(),
            (None, None) => String::new(),
        }
    }

    /// What a list of names shows: the name, else the address.
    pub fn display(&self) -> &str {
        self.name
            .as_deref()
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .or(self.address.as_deref())
            .unwrap_or("")
    }
}

/// How important the sender marked the message (`Importance`, `X-Priority`, `Priority`,
/// `X-MSMail-Priority`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Importance {
    /// Low (`Importance: low`, `X-Priority: 4` or `5`).
    Low,
    /// Normal, also when nothing says otherwise.
    #[default]
    Normal,
    /// High (`Importance: high`, `X-Priority: 1` or `2`, `Priority: urgent`).
    High,
}

impl Importance {
    /// The wire value: 0 low, 1 normal, 2 high.
    pub fn wire(self) -> u8 {
        match self {
            Importance::Low => 0,
            Importance::Normal => 1,
            Importance::High => 2,
        }
    }
}

/// A reply to a meeting request, by the attendee's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MeetingResponse {
    /// Accepted (`PARTSTAT=ACCEPTED`).
    Accepted,
    /// Tentatively accepted (`PARTSTAT=TENTATIVE`, and a counter-proposal).
    Tentative,
    /// Declined (`PARTSTAT=DECLINED`).
    Declined,
}

/// What kind of message this is, which decides its `MessageClass` and `ContentClass`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum MessageKind {
    /// An ordinary message (`IPM.Note`).
    #[default]
    Note,
    /// A clear-signed S/MIME message, `multipart/signed` (`IPM.Note.SMIME.MultipartSigned`).
    SmimeSigned,
    /// An opaque-signed or encrypted S/MIME message, `application/pkcs7-mime`
    /// (`IPM.Note.SMIME`).
    SmimeOpaque,
    /// A meeting request, iCalendar `METHOD:REQUEST` (`IPM.Schedule.Meeting.Request`).
    MeetingRequest,
    /// A meeting cancellation, `METHOD:CANCEL` (`IPM.Schedule.Meeting.Canceled`).
    MeetingCanceled,
    /// An attendee's reply, `METHOD:REPLY` or `COUNTER` (`IPM.Schedule.Meeting.Resp.*`).
    MeetingResponse(MeetingResponse),
    /// A delivery status notification, `multipart/report; report-type=delivery-status`
    /// (`REPORT.IPM.Note.NDR`).
    DeliveryReport,
    /// A read receipt, `report-type=disposition-notification` (`REPORT.IPM.Note.IPNRN`).
    ReadReceipt,
}

impl MessageKind {
    /// The `MessageClass` value.
    pub fn message_class(self) -> &'static str {
        match self {
            MessageKind::Note => "IPM.Note",
            MessageKind::SmimeSigned => "IPM.Note.SMIME.MultipartSigned",
            MessageKind::SmimeOpaque => "IPM.Note.SMIME",
            MessageKind::MeetingRequest => "IPM.Schedule.Meeting.Request",
            MessageKind::MeetingCanceled => "IPM.Schedule.Meeting.Canceled",
            MessageKind::MeetingResponse(MeetingResponse::Accepted) => {
                "IPM.Schedule.Meeting.Resp.Pos"
            }
            MessageKind::MeetingResponse(MeetingResponse::Tentative) => {
                "IPM.Schedule.Meeting.Resp.Tent"
            }
            MessageKind::MeetingResponse(MeetingResponse::Declined) => {
                "IPM.Schedule.Meeting.Resp.Neg"
            }
            MessageKind::DeliveryReport => "REPORT.IPM.Note.NDR",
            MessageKind::ReadReceipt => "REPORT.IPM.Note.IPNRN",
        }
    }

    /// The `ContentClass` value (12.0+).
    pub fn content_class(self) -> &'static str {
        if self.is_meeting() {
            "urn:content-classes:calendarmessage"
        } else {
            "urn:content-classes:message"
        }
    }

    /// Whether the message is about a meeting.
    pub fn is_meeting(self) -> bool {
        matches!(
            self,
            MessageKind::MeetingRequest
                | MessageKind::MeetingCanceled
                | MessageKind::MeetingResponse(_)
        )
    }

    /// Whether the message is S/MIME signed or encrypted.
    pub fn is_smime(self) -> bool {
        matches!(self, MessageKind::SmimeSigned | MessageKind::SmimeOpaque)
    }
}

/// How an attachment is attached (the AirSyncBase `Method` values this module uses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttachMethod {
    /// A file (1).
    Regular,
    /// An attached message, `message/rfc822` (5).
    EmbeddedMessage,
}

impl AttachMethod {
    /// The wire value.
    pub fn wire(self) -> u8 {
        match self {
            AttachMethod::Regular => 1,
            AttachMethod::EmbeddedMessage => 5,
        }
    }
}

/// One attachment of a message, without its content ([`MailItem::attachment_content`]
/// gives that).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file name shown to the user.
    pub display_name: String,
    /// The MIME type, lower case (`image/png`).
    pub content_type: String,
    /// The decoded size in bytes.
    pub size: u64,
    /// The `Content-ID`, without angle brackets.
    pub content_id: Option<String>,
    /// The `Content-Location`.
    pub content_location: Option<String>,
    /// Whether the body shows it inline (`Content-Disposition: inline`, or a `Content-ID`
    /// without a disposition, as in `multipart/related`).
    pub is_inline: bool,
    /// How it is attached.
    pub method: AttachMethod,
    /// The MIME part it is, for reading its content again.
    part: u32,
}

/// A message's follow-up flag, as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FollowUpFlag {
    /// Whether the follow-up is done.
    pub complete: bool,
    /// The flag's label; `Flag for follow up` when absent.
    pub flag_type: Option<String>,
    /// The flagged task's subject.
    pub subject: Option<String>,
    /// When to start.
    pub start: Option<DateTime<Utc>>,
    /// When it is due.
    pub due: Option<DateTime<Utc>>,
    /// When it was marked complete.
    pub completed: Option<DateTime<Utc>>,
    /// When a reminder fires, if one is set.
    pub reminder: Option<DateTime<Utc>>,
    /// When the flag was set (its sort key).
    pub ordinal: Option<DateTime<Utc>>,
}

/// The last action the user took on a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LastVerb {
    /// Replied to the sender (IMAP `\Answered`).
    ReplyToSender,
    /// Replied to all.
    ReplyToAll,
    /// Forwarded (IMAP `$Forwarded`).
    Forward,
}

impl LastVerb {
    /// The wire value of `LastVerbExecuted`.
    pub fn wire(self) -> u32 {
        match self {
            LastVerb::ReplyToSender => 1,
            LastVerb::ReplyToAll => 2,
            LastVerb::Forward => 3,
        }
    }
}

/// What the store knows about a message beyond its MIME: set by the server, not parsed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailState {
    /// When the message arrived (IMAP `INTERNALDATE`); `DateReceived` falls back to the
    /// `Date` header when this is unset.
    pub received: Option<DateTime<Utc>>,
    /// Whether the message has been read.
    pub read: bool,
    /// The follow-up flag, when flagged.
    pub flag: Option<FollowUpFlag>,
    /// The message's categories (14.0+).
    pub categories: Vec<String>,
    /// The last reply or forward (14.0+).
    pub last_verb: Option<LastVerb>,
    /// When `last_verb` was taken.
    pub last_verb_time: Option<DateTime<Utc>>,
    /// Whether the message is a draft (16.0+).
    pub is_draft: bool,
}

/// An email: what its MIME message says, plus its [`MailState`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailItem {
    /// `From`.
    pub from: Vec<Mailbox>,
    /// `Sender`, when it is not the `From` address.
    pub sender: Option<Mailbox>,
    /// `To`.
    pub to: Vec<Mailbox>,
    /// `Cc`.
    pub cc: Vec<Mailbox>,
    /// `Bcc` (a draft's, or a sent message's).
    pub bcc: Vec<Mailbox>,
    /// `Reply-To`.
    pub reply_to: Vec<Mailbox>,
    /// The subject, decoded.
    pub subject: Option<String>,
    /// The subject without `Re:`, `Fwd:` and list tags (RFC 5256 base subject).
    pub thread_topic: Option<String>,
    /// The `Date` header.
    pub date: Option<DateTime<Utc>>,
    /// `Message-ID`, without angle brackets.
    pub message_id: Option<String>,
    /// `In-Reply-To` ids.
    pub in_reply_to: Vec<String>,
    /// `References` ids, oldest (the thread's root) first.
    pub references: Vec<String>,
    /// The sender's importance.
    pub importance: Importance,
    /// What kind of message this is.
    pub kind: MessageKind,
    /// The plain-text body: the text parts, or the HTML made text when there are none.
    pub text_body: Option<String>,
    /// The HTML body, when the message has an HTML part.
    pub html_body: Option<String>,
    /// The `charset` of the first body part, lower case.
    pub charset: Option<String>,
    /// The attachments, in document order.
    pub attachments: Vec<MailAttachment>,
    /// The iCalendar text of a meeting message, for the calendar conversion.
    pub calendar: Option<String>,
    /// The meeting of a meeting message, filled by the calendar conversion from `calendar`.
    pub meeting_request: Option<MeetingRequest>,
    /// The decoded `Thread-Index` header (Outlook's conversation index).
    pub thread_index: Option<Vec<u8>>,
    /// What the store knows beyond the MIME.
    pub state: MailState,
    mime: Vec<u8>,
}

impl MailItem {
    /// Read a MIME message. Every charset `mail-parser` knows is decoded to UTF-8; anything
    /// it cannot make sense of is left out rather than refused, as mail servers must show
    /// whatever arrived. Only input with no header at all is an error.
    pub fn from_mime(raw: impl Into<Vec<u8>>) -> Result<MailItem, ModelError> {
        let mime = raw.into();
        let mut item = {
            let msg = MessageParser::default()
                .parse(&mime[..])
                .filter(|m| !m.parts.is_empty() && !m.parts[0].headers.is_empty())
                .ok_or_else(|| ModelError::Mime("no message headers".into()))?;
            Self::build(&msg)
        };
        item.mime = mime;
        Ok(item)
    }

    fn build(msg: &Message<'_>) -> MailItem {
        let from = mailboxes(msg.from());
        let sender = msg
            .sender()
            .and_then(|a| mailboxes(Some(a)).into_iter().next())
            .filter(|s| {
                !from
                    .iter()
                    .any(|f| same_address(f.address.as_deref(), s.address.as_deref()))
            });
        let (kind, calendar_part) = classify(msg);
        let calendar = calendar_part
            .and_then(|p| msg.parts.get(p as usize))
            .and_then(|p| p.text_contents())
            .map(str::to_owned);
        let (text_body, html_body, charset) = bodies(msg);
        let attachments = msg
            .attachments
            .iter()
            .filter(|&&id| Some(id) != calendar_part)
            .filter_map(|&id| Some((id, msg.parts.get(id as usize)?)))
            .enumerate()
            .map(|(n, (id, part))| attachment(n, id, part))
            .collect();
        let thread_index = msg
            .header_raw("Thread-Index")
            .and_then(|v| {
                let v: String = v.chars().filter(|c| !c.is_whitespace()).collect();
                base64::engine::general_purpose::STANDARD.decode(v).ok()
            })
            .filter(|b| b.len() >= 22);
        MailItem {
            from,
            sender,
            to: mailboxes_all(msg.header_values("To")),
            cc: mailboxes_all(msg.header_values("Cc")),
            bcc: mailboxes_all(msg.header_values("Bcc")),
            reply_to: mailboxes(msg.reply_to()),
            subject: msg.subject().map(str::to_owned),
            thread_topic: msg.thread_name().map(str::to_owned),
            date: msg
                .date()
                .filter(|d| d.is_valid())
                .and_then(|d| DateTime::from_timestamp(d.to_timestamp(), 0)),
            message_id: msg.message_id().map(str::to_owned),
            in_reply_to: ids(msg.in_reply_to()),
            references: ids(msg.references()),
            importance: importance(msg),
            kind,
            text_body,
            html_body,
            charset,
            attachments,
            calendar,
            meeting_request: None,
            thread_index,
            state: MailState::default(),
            mime: Vec::new(),
        }
    }

    /// The MIME message as it was read.
    pub fn mime(&self) -> &[u8] {
        &self.mime
    }

    /// The format the body is stored in: HTML when the message has an HTML part, else plain
    /// text.
    pub fn native_body_type(&self) -> BodyType {
        if self.html_body.is_some() {
            BodyType::Html
        } else {
            BodyType::PlainText
        }
    }

    /// The Windows code page of the body's charset (`InternetCPID`): UTF-8 65001, and
    /// us-ascii 20127 when the message names none (the MIME default).
    pub fn internet_cpid(&self) -> u32 {
        match &self.charset {
            Some(c) => code_page(c).unwrap_or(65001),
            None => 20127,
        }
    }

    /// The 16-byte `ConversationId`.
    pub fn conversation_id(&self) -> [u8; 16] {
        let root = self
            .references
            .first()
            .or(self.in_reply_to.first())
            .or(self.message_id.as_ref());
        if let Some(id) = root {
            return fnv1a_128(b"id:", id.trim().to_ascii_lowercase().as_bytes());
        }
        if let Some(ti) = &self.thread_index {
            let mut guid = [0u8; 16];
            guid.copy_from_slice(&ti[6..22]);
            return guid;
        }
        let topic = self
            .thread_topic
            .as_deref()
            .or(self.subject.as_deref())
            .unwrap_or("")
            .trim()
            .to_lowercase();
        fnv1a_128(b"topic:", topic.as_bytes())
    }

    /// The `ConversationIndex`: the `Thread-Index` timestamps, or a 5-byte header from the
    /// message's date.
    pub fn conversation_index(&self) -> Vec<u8> {
        if let Some(ti) = &self.thread_index {
            let mut v = ti[1..6].to_vec();
            v.extend_from_slice(&ti[22..]);
            return v;
        }
        let t = self.state.received.or(self.date).unwrap_or_default();
        // FILETIME: 100 ns since 1601-01-01; its 40 bits below the top 24 (MS-OXOMSG 2.2.1.3).
        let ft = (t.timestamp() + 11_644_473_600)
            .max(0)
            .unsigned_abs()
            .saturating_mul(10_000_000)
            .saturating_add(u64::from(t.timestamp_subsec_nanos() / 100));
        (ft >> 24).to_be_bytes()[3..].to_vec()
    }

    /// The bytes of attachment `index` (the number in its file reference).
    pub fn attachment_content(&self, index: usize) -> Result<Vec<u8>, ModelError> {
        let att = self
            .attachments
            .get(index)
            .ok_or_else(|| ModelError::InvalidField {
                field: "FileReference",
                reason: format!("the message has no attachment {index}"),
            })?;
        let msg = MessageParser::default()
            .parse(&self.mime[..])
            .ok_or_else(|| ModelError::Mime("no message headers".into()))?;
        msg.parts
            .get(att.part as usize)
            .map(|p| p.contents().to_vec())
            .ok_or_else(|| ModelError::Mime(format!("part {} is gone", att.part)))
    }

    /// The Email-class item for `opts.version`, with the body the client asked for.
    /// Elements the version does not have are left out.
    pub fn to_wire(&self, opts: &WireOptions<'_>) -> Email {
        let v = opts.version;
        let v12 = v >= ProtocolVersion::V12_0;
        let v14 = v >= ProtocolVersion::V14_0;
        let v16 = v >= ProtocolVersion::V16_0;
        let list = |m: &[Mailbox], sep: &str| -> Option<CompactString> {
            (!m.is_empty()).then(|| {
                m.iter()
                    .map(Mailbox::to_rfc5322)
                    .collect::<Vec<_>>()
                    .join(sep)
                    .into()
            })
        };
        let mut e = Email {
            to: list(&self.to, ", "),
            cc: list(&self.cc, ", "),
            from: list(&self.from, ", "),
            subject: self.subject.as_deref().map(Into::into),
            reply_to: list(&self.reply_to, "; "),
            date_received: self
                .state
                .received
                .or(self.date)
                .map(|t| datetime::format_extended(t).into()),
            display_to: (!self.to.is_empty()).then(|| {
                self.to
                    .iter()
                    .map(Mailbox::display)
                    .collect::<Vec<_>>()
                    .join("; ")
                    .into()
            }),
            thread_topic: self
                .thread_topic
                .as_deref()
                .or(self.subject.as_deref())
                .map(Into::into),
            importance: Some(self.importance.wire()),
            read: Some(self.state.read),
            message_class: Some(self.kind.message_class().into()),
            meeting_request: self.meeting_request.clone(),
            internet_cpid: Some(self.internet_cpid().to_string().into()),
            ..Email::default()
        };
        if v12 {
            e.body = Some(self.body(opts));
            e.attachments = (!self.attachments.is_empty()).then(|| Attachments {
                items: self
                    .attachments
                    .iter()
                    .enumerate()
                    .map(|(n, a)| {
                        AttachmentsItem::Attachment(Attachment {
                            display_name: Some(a.display_name.as_str().into()),
                            file_reference: Some(file_reference(opts.item_ref, n).into()),
                            method: Some(a.method.wire()),
                            estimated_data_size: Some(saturate(a.size)),
                            content_id: a.content_id.as_deref().map(Into::into),
                            content_location: a.content_location.as_deref().map(Into::into),
                            is_inline: a.is_inline.then_some(true),
                            ..Attachment::default()
                        })
                    })
                    .collect(),
            });
            e.flag = Some(
                self.state
                    .flag
                    .as_ref()
                    .map(flag_to_wire)
                    .unwrap_or_default(),
            );
            e.content_class = Some(self.kind.content_class().into());
            e.native_body_type = Some(self.native_body_type().wire());
        } else {
            self.body_v25(opts.body, &mut e);
            e.attachments_v25 = (!self.attachments.is_empty()).then(|| AttachmentsV25 {
                attachments: self
                    .attachments
                    .iter()
                    .enumerate()
                    .map(|(n, a)| AttachmentV25 {
                        att_name: Some(file_reference(opts.item_ref, n).into()),
                        att_size: Some(saturate(a.size)),
                        att_method: Some(a.method.wire()),
                        display_name: Some(a.display_name.as_str().into()),
                        ..AttachmentV25::default()
                    })
                    .collect(),
            });
        }
        if v14 {
            e.conversation_id = Some(Opaque(self.conversation_id().to_vec()));
            e.conversation_index = Some(Opaque(self.conversation_index()));
            e.categories = (!self.state.categories.is_empty()).then(|| EmailCategories {
                categories: self
                    .state
                    .categories
                    .iter()
                    .map(|c| c.as_str().into())
                    .collect(),
            });
            e.last_verb_executed = self.state.last_verb.map(LastVerb::wire);
            e.last_verb_execution_time = self
                .state
                .last_verb
                .and(self.state.last_verb_time)
                .map(|t| datetime::format_extended(t).into());
            e.sender = self.sender.as_ref().map(|s| s.to_rfc5322().into());
        }
        if v16 {
            e.is_draft = Some(self.state.is_draft);
            if self.state.is_draft {
                e.bcc = list(&self.bcc, ", ");
            }
        }
        e
    }

    /// The AirSyncBase body (12.0+) the client's preferences call for.
    fn body(&self, opts: &WireOptions<'_>) -> Body {
        let body = opts.body;
        let native = self.native_body_type();
        let mime_ok = body.mime_allowed(self.kind.is_smime());
        let producible = |t: u8| matches!(t, 1 | 2) || (t == 4 && mime_ok);
        let prefs = &body.preferences;
        // The order to try: MIME first for S/MIME, then the native type, then the rest of
        // what can be produced in the client's order; each type once.
        let mut order: Vec<&BodyPreference> = Vec::with_capacity(prefs.len());
        let smime_first = self.kind.is_smime() && mime_ok;
        let passes: [&dyn Fn(u8) -> bool; 3] = [
            &|t| smime_first && t == 4,
            &|t| t == native.wire(),
            &producible,
        ];
        for pass in passes {
            for p in prefs {
                if pass(p.body_type) && !order.iter().any(|q| q.body_type == p.body_type) {
                    order.push(p);
                }
            }
        }

        let preview_ok = opts.version >= ProtocolVersion::V14_0;
        let fallback = BodyPreference {
            body_type: BodyType::PlainText.wire(),
            truncation_size: prefs.first().and_then(|p| p.truncation_size),
            ..BodyPreference::default()
        };
        if order.is_empty() {
            return self.render(&fallback, preview_ok, false);
        }
        for p in &order {
            let fits = match (p.all_or_none, p.truncation_size) {
                (Some(true), Some(limit)) => self.body_len(p.body_type) <= limit as usize,
                _ => true,
            };
            if fits {
                return self.render(p, preview_ok, false);
            }
        }
        self.render(order[0], preview_ok, true)
    }

    fn body_text(&self, body_type: u8) -> Cow<'_, str> {
        match body_type {
            4 => String::from_utf8_lossy(&self.mime),
            2 => match &self.html_body {
                Some(h) => Cow::Borrowed(h.as_str()),
                None => Cow::Owned(text_to_html(self.text_body.as_deref().unwrap_or(""))),
            },
            _ => Cow::Borrowed(self.text_body.as_deref().unwrap_or("")),
        }
    }

    fn body_len(&self, body_type: u8) -> usize {
        match body_type {
            4 => self.mime.len(),
            _ => self.body_text(body_type).len(),
        }
    }

    fn render(&self, p: &BodyPreference, preview_ok: bool, withhold: bool) -> Body {
        let full = self.body_text(p.body_type);
        let (data, truncated) = if withhold {
            ("", !full.is_empty())
        } else {
            match p.truncation_size {
                Some(limit) => cut_bytes(&full, limit as usize),
                None => (&full[..], false),
            }
        };
        let preview = match p.preview {
            Some(n) if preview_ok && n > 0 => {
                let n = n.min(255) as usize;
                Some(preview(self.text_body.as_deref().unwrap_or(""), n).into())
            }
            _ => None,
        };
        Body {
            body_type: Some(p.body_type),
            estimated_data_size: Some(saturate(full.len() as u64)),
            truncated: truncated.then_some(true),
            data: (!withhold).then(|| data.into()),
            preview,
            part: None,
        }
    }

    /// The 2.5 body: `MIMEData` when `MIMESupport` asks for it, else plain-text `Body`.
    fn body_v25(&self, opts: &BodyOptions, e: &mut Email) {
        if opts.mime_allowed(self.kind.is_smime())
            && opts.mime_support.is_some_and(|m| m != MimeSupport::Never)
        {
            let full = String::from_utf8_lossy(&self.mime);
            let limit = opts.mime_truncation_v25.and_then(mime_truncation_chars);
            let (data, truncated) = cut_chars(&full, limit);
            e.mime_data = Some(data.into());
            e.mime_size = Some(saturate(full.chars().count() as u64));
            e.mime_truncated = Some(truncated);
        } else {
            let full = self.text_body.as_deref().unwrap_or("");
            let limit = opts.truncation_v25.and_then(truncation_chars);
            let (data, truncated) = cut_chars(full, limit);
            e.body_v25 = Some(data.into());
            e.body_truncated = Some(truncated);
            e.body_size = truncated.then(|| saturate(full.chars().count() as u64));
        }
    }
}

// ---------------------------------------------------------------------------------------------
// What the client asked for
// ---------------------------------------------------------------------------------------------

/// An AirSyncBase body type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BodyType {
    /// 1
    PlainText,
    /// 2
    Html,
    /// 3
    Rtf,
    /// 4
    Mime,
}

impl BodyType {
    /// The wire value.
    pub fn wire(self) -> u8 {
        match self {
            BodyType::PlainText => 1,
            BodyType::Html => 2,
            BodyType::Rtf => 3,
            BodyType::Mime => 4,
        }
    }
}

/// `MIMESupport`: when the client wants MIME.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MimeSupport {
    /// 0: never.
    Never,
    /// 1: for S/MIME messages only.
    SmimeOnly,
    /// 2: for every message.
    Always,
}

impl MimeSupport {
    /// From the wire value; unknown values are `None`.
    pub fn from_wire(v: u32) -> Option<MimeSupport> {
        match v {
            0 => Some(MimeSupport::Never),
            1 => Some(MimeSupport::SmimeOnly),
            2 => Some(MimeSupport::Always),
            _ => None,
        }
    }
}

/// The client's body options for a collection or a fetch.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct BodyOptions {
    /// The AirSyncBase preferences (12.0+), in the client's order.
    pub preferences: Vec<BodyPreference>,
    /// `MIMESupport`. When absent, a `BodyPreference` of type 4 is enough to get MIME (12.0+);
    /// `Never` refuses it, `SmimeOnly` allows it for S/MIME messages only.
    pub mime_support: Option<MimeSupport>,
    /// The 2.5 `Truncation` code (0 everything, 1 512 characters … 8 100 KB, 9 nothing).
    pub truncation_v25: Option<u32>,
    /// The 2.5 `MIMETruncation` code (0 everything, 1 4,096 characters … 8 nothing).
    pub mime_truncation_v25: Option<u32>,
}

impl BodyOptions {
    /// Options asking for these preferences.
    pub fn new(preferences: Vec<BodyPreference>) -> Self {
        BodyOptions {
            preferences,
            ..BodyOptions::default()
        }
    }

    /// The body options of a Sync `Options` element.
    pub fn from_sync(o: &eas_codec::command::sync::SyncOptions) -> Self {
        BodyOptions {
            preferences: o.body_preference.clone(),
            mime_support: o.mime_support.and_then(MimeSupport::from_wire),
            truncation_v25: o.truncation,
            mime_truncation_v25: o.mime_truncation,
        }
    }

    fn mime_allowed(&self, smime: bool) -> bool {
        match self.mime_support {
            None | Some(MimeSupport::Always) => true,
            Some(MimeSupport::SmimeOnly) => smime,
            Some(MimeSupport::Never) => false,
        }
    }
}

/// What [`MailItem::to_wire`] needs besides the item.
#[derive(Debug, Clone, Copy)]
pub struct WireOptions<'a> {
    /// The client's protocol version.
    pub version: ProtocolVersion,
    /// The client's body options.
    pub body: &'a BodyOptions,
    /// The item's id for attachment file references (usually its `ServerId`).
    pub item_ref: &'a str,
}

/// The file reference of attachment `index` of item `item_ref`: `"{item_ref}:{index}"`.
pub fn file_reference(item_ref: &str, index: usize) -> String {
    format!("{item_ref}:{index}")
}

/// The item and attachment index a file reference names; also accepts the reference
/// percent-encoded (`5%3a1%3a0`), as clients put it in a GetAttachment URL.
pub fn parse_file_reference(s: &str) -> Option<(String, usize)> {
    let decoded = percent_decode(s)?;
    let (item, index) = decoded.rsplit_once(':')?;
    let index = index.parse().ok()?;
    (!item.is_empty()).then(|| (item.to_owned(), index))
}

// ---------------------------------------------------------------------------------------------
// What the client changes
// ---------------------------------------------------------------------------------------------

/// What a client's Sync `Change` of an email sets: only the read state, the flag and (14.0+)
/// the categories are the client's to change. `None` leaves a property as it is.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MailChange {
    /// The read state.
    pub read: Option<bool>,
    /// The flag: `Some(None)` clears it.
    pub flag: Option<Option<FollowUpFlag>>,
    /// The categories: `Some(vec![])` clears them.
    pub categories: Option<Vec<String>>,
}

impl MailChange {
    /// Read the changes out of a client's Email item.
    pub fn from_wire(e: &Email) -> Result<MailChange, ModelError> {
        let flag = match &e.flag {
            None => None,
            Some(f) => Some(flag_from_wire(f)?),
        };
        Ok(MailChange {
            read: e.read,
            flag,
            categories: e
                .categories
                .as_ref()
                .map(|c| c.categories.iter().map(|s| s.to_string()).collect()),
        })
    }

    /// Apply the changes to a message's state.
    pub fn apply(&self, state: &mut MailState) {
        if let Some(r) = self.read {
            state.read = r;
        }
        if let Some(f) = &self.flag {
            state.flag = f.clone();
        }
        if let Some(c) = &self.categories {
            state.categories = c.clone();
        }
    }
}

const DEFAULT_FLAG_TYPE: &str = "Flag for follow up";

fn flag_to_wire(f: &FollowUpFlag) -> Flag {
    let t = |d: Option<DateTime<Utc>>| d.map(|d| CompactString::from(datetime::format_extended(d)));
    Flag {
        subject: f.subject.as_deref().map(Into::into),
        status: Some(if f.complete { 1 } else { 2 }),
        flag_type: Some(f.flag_type.as_deref().unwrap_or(DEFAULT_FLAG_TYPE).into()),
        date_completed: t(f.completed.filter(|_| f.complete)),
        complete_time: t(f.completed.filter(|_| f.complete)),
        start_date: t(f.start),
        due_date: t(f.due),
        utc_start_date: t(f.start),
        utc_due_date: t(f.due),
        reminder_set: Some(u8::from(f.reminder.is_some())),
        reminder_time: t(f.reminder),
        ordinal_date: t(f.ordinal),
        sub_ordinal_date: None,
    }
}

fn flag_from_wire(f: &Flag) -> Result<Option<FollowUpFlag>, ModelError> {
    let status = match f.status {
        None if *f == Flag::default() => return Ok(None),
        None | Some(2) => false,
        Some(0) => return Ok(None),
        Some(1) => true,
        Some(s) => {
            return Err(ModelError::InvalidField {
                field: "Flag/Status",
                reason: format!("{s} is not 0, 1 or 2"),
            });
        }
    };
    let t = |v: &Option<CompactString>, field: &'static str| {
        v.as_deref()
            .filter(|s| !s.trim().is_empty())
            .map(|s| datetime::parse(s, field))
            .transpose()
    };
    let reminder = match f.reminder_set {
        Some(0) => None,
        _ => t(&f.reminder_time, "Flag/ReminderTime")?,
    };
    Ok(Some(FollowUpFlag {
        complete: status,
        flag_type: f.flag_type.as_deref().map(str::to_owned),
        subject: f.subject.as_deref().map(str::to_owned),
        start: t(&f.utc_start_date, "Flag/UtcStartDate")?.or(t(&f.start_date, "Flag/StartDate")?),
        due: t(&f.utc_due_date, "Flag/UtcDueDate")?.or(t(&f.due_date, "Flag/DueDate")?),
        completed: t(&f.complete_time, "Flag/CompleteTime")?
            .or(t(&f.date_completed, "Flag/DateCompleted")?),
        reminder,
        ordinal: t(&f.ordinal_date, "Flag/OrdinalDate")?,
    }))
}

// ---------------------------------------------------------------------------------------------
// Reading the MIME message
// ---------------------------------------------------------------------------------------------

fn mailboxes(a: Option<&Address<'_>>) -> Vec<Mailbox> {
    let Some(a) = a else { return Vec::new() };
    a.iter()
        .filter(|m| m.address.is_some() || m.name.is_some())
        .map(|m| Mailbox {
            name: m.name.as_deref().map(str::to_owned),
            address: m.address.as_deref().map(str::to_owned),
        })
        .collect()
}

fn mailboxes_all<'a, 'x: 'a>(values: impl Iterator<Item = &'a HeaderValue<'x>>) -> Vec<Mailbox> {
    values
        .filter_map(HeaderValue::as_address)
        .flat_map(|a| mailboxes(Some(a)))
        .collect()
}

fn same_address(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => a.eq_ignore_ascii_case(b),
        _ => false,
    }
}

fn ids(v: &HeaderValue<'_>) -> Vec<String> {
    match v {
        HeaderValue::Text(t) => vec![t.to_string()],
        HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
        _ => Vec::new(),
    }
}

fn importance(msg: &Message<'_>) -> Importance {
    let raw = |h: &str| msg.header_raw(h).map(|v| v.trim().to_ascii_lowercase());
    if let Some(v) = raw("Importance") {
        if v.starts_with("high") {
            return Importance::High;
        }
        if v.starts_with("low") {
            return Importance::Low;
        }
    }
    if let Some(v) = raw("X-Priority") {
        match v.chars().next() {
            Some('1' | '2') => return Importance::High,
            Some('4' | '5') => return Importance::Low,
            _ => {}
        }
    }
    for h in ["Priority", "X-MSMail-Priority"] {
        if let Some(v) = raw(h) {
            if v.starts_with("urgent") || v.starts_with("high") {
                return Importance::High;
            }
            if v.starts_with("non-urgent") || v.starts_with("low") {
                return Importance::Low;
            }
        }
    }
    Importance::Normal
}

fn content_type_is(part: &MessagePart<'_>, t: &str, sub: &str) -> bool {
    part.content_type().is_some_and(|c| {
        c.ctype().eq_ignore_ascii_case(t)
            && c.subtype().is_some_and(|s| s.eq_ignore_ascii_case(sub))
    })
}

/// The message kind and, for a meeting message, the part its iCalendar is in.
fn classify(msg: &Message<'_>) -> (MessageKind, Option<u32>) {
    let Some(root) = msg.parts.first() else {
        return (MessageKind::Note, None);
    };
    if content_type_is(root, "multipart", "signed") {
        let proto = root
            .content_type()
            .and_then(|c| c.attribute("protocol"))
            .unwrap_or("")
            .to_ascii_lowercase();
        if proto.ends_with("pkcs7-signature") {
            return (MessageKind::SmimeSigned, None);
        }
    }
    if content_type_is(root, "application", "pkcs7-mime")
        || content_type_is(root, "application", "x-pkcs7-mime")
    {
        return (MessageKind::SmimeOpaque, None);
    }
    if content_type_is(root, "multipart", "report") {
        let report = root
            .content_type()
            .and_then(|c| c.attribute("report-type"))
            .unwrap_or("")
            .to_ascii_lowercase();
        match report.as_str() {
            "delivery-status" => return (MessageKind::DeliveryReport, None),
            "disposition-notification" => return (MessageKind::ReadReceipt, None),
            _ => {}
        }
    }
    for (id, part) in msg.parts.iter().enumerate() {
        if !(content_type_is(part, "text", "calendar")
            || content_type_is(part, "application", "ics"))
        {
            continue;
        }
        let Some(text) = part.text_contents() else {
            continue;
        };
        let method = part
            .content_type()
            .and_then(|c| c.attribute("method"))
            .map(str::to_owned)
            .or_else(|| ical_property(text, "METHOD").map(|(_, v)| v))
            .unwrap_or_default()
            .to_ascii_uppercase();
        let kind = match method.as_str() {
            "REQUEST" => MessageKind::MeetingRequest,
            "CANCEL" => MessageKind::MeetingCanceled,
            "COUNTER" => MessageKind::MeetingResponse(MeetingResponse::Tentative),
            "REPLY" => {
                let partstat = ical_property(text, "ATTENDEE")
                    .and_then(|(params, _)| ical_param(&params, "PARTSTAT"))
                    .unwrap_or_default();
                match partstat.as_str() {
                    "ACCEPTED" => MessageKind::MeetingResponse(MeetingResponse::Accepted),
                    "DECLINED" => MessageKind::MeetingResponse(MeetingResponse::Declined),
                    _ => MessageKind::MeetingResponse(MeetingResponse::Tentative),
                }
            }
            _ => continue,
        };
        return (kind, u32::try_from(id).ok());
    }
    (MessageKind::Note, None)
}

/// The first property `name` of an iCalendar text, unfolded: its parameters and its value.
/// Enough to find a METHOD or a PARTSTAT; the calendar conversion does the real parsing.
fn ical_property(text: &str, name: &str) -> Option<(String, String)> {
    let mut unfolded = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.strip_suffix('\r').unwrap_or(line);
        match line.strip_prefix([' ', '\t']) {
            Some(rest) => unfolded.push_str(rest),
            None => {
                unfolded.push('\n');
                unfolded.push_str(line);
            }
        }
    }
    unfolded.split('\n').find_map(|line| {
        let (head, value) = line.split_once(':')?;
        let (prop, params) = head.split_once(';').unwrap_or((head, ""));
        prop.trim()
            .eq_ignore_ascii_case(name)
            .then(|| (params.to_owned(), value.trim().to_owned()))
    })
}

fn ical_param(params: &str, name: &str) -> Option<String> {
    params.split(';').find_map(|p| {
        let (k, v) = p.split_once('=')?;
        k.trim()
            .eq_ignore_ascii_case(name)
            .then(|| v.trim().trim_matches('"').to_ascii_uppercase())
    })
}

/// The text body, the HTML body (when the message has HTML) and the first body's charset.
fn bodies(msg: &Message<'_>) -> (Option<String>, Option<String>, Option<String>) {
    let is_calendar = |p: &MessagePart<'_>| content_type_is(p, "text", "calendar");
    let parts = |ids: &[u32]| -> Vec<&MessagePart<'_>> {
        ids.iter()
            .filter_map(|&id| msg.parts.get(id as usize))
            .filter(|p| matches!(p.body, PartType::Text(_) | PartType::Html(_)))
            .filter(|p| !is_calendar(p))
            .collect()
    };
    let text_parts = parts(&msg.text_body);
    let html_parts = parts(&msg.html_body);
    let charset = text_parts
        .iter()
        .chain(html_parts.iter())
        .find_map(|p| p.content_type()?.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    let text = (!text_parts.is_empty()).then(|| {
        text_parts
            .iter()
            .map(|p| match &p.body {
                PartType::Html(h) => html_to_text(h),
                PartType::Text(t) => t.to_string(),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    let has_html = html_parts
        .iter()
        .any(|p| matches!(p.body, PartType::Html(_)));
    let html = has_html.then(|| {
        html_parts
            .iter()
            .map(|p| match &p.body {
                PartType::Html(h) => h.to_string(),
                PartType::Text(t) => text_to_html(t),
                _ => String::new(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    });
    (text, html, charset)
}

fn attachment(n: usize, id: u32, part: &MessagePart<'_>) -> MailAttachment {
    let content_type = part
        .content_type()
        .map(|c| match c.subtype() {
            Some(s) => format!("{}/{}", c.ctype(), s),
            None => c.ctype().to_owned(),
        })
        .unwrap_or_else(|| "application/octet-stream".to_owned())
        .to_ascii_lowercase();
    let embedded = matches!(part.body, PartType::Message(_));
    let display_name = part
        .attachment_name()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(|| match &part.body {
            PartType::Message(m) => {
                let subject = m.subject().map(str::trim).filter(|s| !s.is_empty());
                format!("{}.eml", sanitize_file_name(subject.unwrap_or("message")))
            }
            _ => format!("attachment-{n}{}", extension(&content_type)),
        });
    let disposition = part
        .content_disposition()
        .map(|d| d.ctype().to_ascii_lowercase());
    let content_id = part
        .content_id()
        .map(|c| {
            c.trim()
                .trim_start_matches('<')
                .trim_end_matches('>')
                .to_owned()
        })
        .filter(|c| !c.is_empty());
    let is_inline = match disposition.as_deref() {
        Some("inline") => true,
        Some(_) => false,
        None => content_id.is_some(),
    };
    MailAttachment {
        display_name,
        content_type,
        size: part.contents().len() as u64,
        content_id,
        content_location: part.content_location().map(str::to_owned),
        is_inline,
        method: if embedded {
            AttachMethod::EmbeddedMessage
        } else {
            AttachMethod::Regular
        },
        part: id,
    }
}

fn sanitize_file_name(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '_',
            c if c.is_control() => '_',
            c => c,
        })
        .collect()
}

fn extension(content_type: &str) -> &'static str {
    match content_type {
        "image/png" => ".png",
        "image/jpeg" | "image/jpg" => ".jpg",
        "image/gif" => ".gif",
        "application/pdf" => ".pdf",
        "text/plain" => ".txt",
        "text/html" => ".html",
        "text/calendar" => ".ics",
        "text/vcard" | "text/x-vcard" => ".vcf",
        "message/rfc822" => ".eml",
        "application/pkcs7-signature" | "application/x-pkcs7-signature" => ".p7s",
        "application/pkcs7-mime" | "application/x-pkcs7-mime" => ".p7m",
        _ => "",
    }
}

/// Windows code page of a MIME charset (the `InternetCPID` values Exchange uses).
fn code_page(charset: &str) -> Option<u32> {
    let c = charset.trim().to_ascii_lowercase();
    let c = c.trim_matches('"');
    if let Some(n) = c.strip_prefix("iso-8859-") {
        return match n {
            "1" => Some(28591),
            "2" => Some(28592),
            "3" => Some(28593),
            "4" => Some(28594),
            "5" => Some(28595),
            "6" => Some(28596),
            "7" => Some(28597),
            "8" => Some(28598),
            "8-i" => Some(38598),
            "9" => Some(28599),
            "13" => Some(28603),
            "15" => Some(28605),
            _ => None,
        };
    }
    if let Some(n) = c.strip_prefix("windows-") {
        return n.parse().ok().filter(|n| (874..=1258).contains(n));
    }
    Some(match c {
        "utf-8" | "utf8" => 65001,
        "us-ascii" | "ascii" => 20127,
        "utf-16" => 1200,
        "utf-16be" => 1201,
        "utf-7" => 65000,
        "koi8-r" => 20866,
        "koi8-u" => 21866,
        "shift_jis" | "shift-jis" | "sjis" | "x-sjis" => 932,
        "euc-jp" => 51932,
        "iso-2022-jp" => 50220,
        "gb2312" | "gbk" | "x-gbk" => 936,
        "gb18030" => 54936,
        "hz-gb-2312" => 52936,
        "big5" | "big5-hkscs" => 950,
        "euc-kr" => 51949,
        "ks_c_5601-1987" => 949,
        "iso-2022-kr" => 50225,
        "tis-620" => 874,
        _ => return None,
    })
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

fn saturate(n: u64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// At most `limit` bytes of `s`, cut at a character boundary, and whether anything was cut.
fn cut_bytes(s: &str, limit: usize) -> (&str, bool) {
    if s.len() <= limit {
        return (s, false);
    }
    let mut end = limit;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    (&s[..end], true)
}

/// At most `limit` characters of `s` (all of it when `None`), and whether anything was cut.
fn cut_chars(s: &str, limit: Option<usize>) -> (&str, bool) {
    match limit.and_then(|n| s.char_indices().nth(n)) {
        Some((end, _)) => (&s[..end], true),
        None => (s, false),
    }
}

/// Characters kept by a 2.5 `Truncation` code (MS-ASCMD 2.2.3.185); `None` keeps all.
fn truncation_chars(code: u32) -> Option<usize> {
    match code {
        0 => Some(0),
        1 => Some(512),
        2 => Some(1024),
        3 => Some(2048),
        4 => Some(5120),
        5 => Some(10240),
        6 => Some(20480),
        7 => Some(51200),
        8 => Some(102_400),
        _ => None,
    }
}

/// Characters kept by a `MIMETruncation` code (MS-ASCMD 2.2.3.111); `None` keeps all.
fn mime_truncation_chars(code: u32) -> Option<usize> {
    match code {
        0 => Some(0),
        1 => Some(4096),
        2 => Some(5120),
        3 => Some(7168),
        4 => Some(10240),
        5 => Some(20480),
        6 => Some(51200),
        7 => Some(102_400),
        _ => None,
    }
}

/// A one-line preview of at most `n` characters: whitespace runs become one space.
fn preview(text: &str, n: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.trim().chars() {
        if count >= n {
            break;
        }
        if c.is_whitespace() {
            space = true;
            continue;
        }
        if space {
            if count + 2 > n {
                break;
            }
            out.push(' ');
            count += 1;
        }
        space = false;
        out.push(c);
        count += 1;
    }
    out
}

/// FNV-1a, 128 bits, over `domain` then `data`. Stable by design: its output is stored by
/// devices as `ConversationId`s.
fn fnv1a_128(domain: &[u8], data: &[u8]) -> [u8; 16] {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for &b in domain.iter().chain(data) {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h.to_be_bytes()
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_owned());
    }
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests;
