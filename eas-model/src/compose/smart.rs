//! SmartReply and SmartForward: the client's new message plus the original, built into one
//! outgoing message.
//!
//! The client's header fields are kept as it wrote them (Subject included), except `Bcc:`
//! (envelope only) and the MIME structure fields, which describe the body this module
//! rebuilds. Text is re-encoded as UTF-8 whatever the original's charset (mail-parser decodes
//! it). Attachments, of the client and (for a forward) of the original, are copied as they
//! were, MIME headers and encoded body byte for byte, so names, content types, content ids,
//! inline dispositions and `message/rfc822` parts survive unchanged.

use std::borrow::Cow;

use mail_builder::headers::Header;
use mail_builder::headers::content_type::ContentType;
use mail_builder::headers::message_id::MessageId;
use mail_builder::mime::{BodyPart, MimePart};
use mail_parser::{Address, HeaderValue, Message, MessagePart, MimeHeaders, PartType};

use super::header::{self, to_crlf};
use super::{Outgoing, SendContext, envelope_of, missing_headers, parse, send_mail};
use crate::ModelError;

/// Whether the original's header block (From, Date, Subject, To, Cc) is written into the new
/// message. Scalix bug 20121 always appended it; bug 20122 asked for this to be a choice.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum OriginalHeaders {
    /// The usual form: a forward has the block, a reply has only its attribution line
    /// ("On {date}, {from} wrote:").
    #[default]
    CommandDefault,
    /// Always write the block (a reply quotes it above the original text).
    Include,
    /// Never write it (a forward keeps only its separator line).
    Omit,
}

/// How a SmartReply / SmartForward is built.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SmartOptions {
    /// `ReplaceMime` was present: the client's MIME is the whole message, and the original is
    /// not appended (MS-ASCMD 2.2.3.148). The message is then handled like SendMail.
    pub replace_mime: bool,
    /// Whether to write the original's header block.
    pub original_headers: OriginalHeaders,
}

/// SmartReply: the client's message with the original quoted below it, `In-Reply-To` and
/// `References` set from the original.
pub fn smart_reply(
    client: &[u8],
    original: &[u8],
    options: &SmartOptions,
    ctx: &SendContext<'_>,
) -> Result<Outgoing, ModelError> {
    build(Kind::Reply, client, original, options, ctx)
}

/// SmartForward: the client's message followed by the forwarded message and its attachments.
pub fn smart_forward(
    client: &[u8],
    original: &[u8],
    options: &SmartOptions,
    ctx: &SendContext<'_>,
) -> Result<Outgoing, ModelError> {
    build(Kind::Forward, client, original, options, ctx)
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Reply,
    Forward,
}

const FORWARD_SEPARATOR: &str = "---------- Forwarded message ----------";

/// Header fields that describe the body; they are dropped from the client's header because
/// the body is rebuilt.
fn is_structure_field(name: &[u8]) -> bool {
    name.eq_ignore_ascii_case(b"mime-version")
        || name
            .get(..8)
            .is_some_and(|p| p.eq_ignore_ascii_case(b"content-"))
}

fn build(
    kind: Kind,
    client: &[u8],
    original: &[u8],
    options: &SmartOptions,
    ctx: &SendContext<'_>,
) -> Result<Outgoing, ModelError> {
    if options.replace_mime {
        return send_mail(client, ctx);
    }
    let section = header::scan(client)?;
    let cmsg = parse(client)?;
    let envelope = envelope_of(&cmsg)?;
    // The original is the server's own copy; it still gets checked, since it came from a
    // mailbox that holds whatever arrived.
    header::scan(original).map_err(|e| ModelError::Mime(format!("the original message: {e}")))?;
    let omsg = parse(original)?;

    let with_headers = match options.original_headers {
        OriginalHeaders::CommandDefault => kind == Kind::Forward,
        OriginalHeaders::Include => true,
        OriginalHeaders::Omit => false,
    };

    let cbody = Bodies::of(&cmsg);
    let obody = Bodies::of(&omsg);
    let summary = Summary::of(&omsg);

    // Plain text: always.
    let client_text = cbody.plain();
    let original_text = obody.plain();
    let mut text = String::new();
    push_crlf_text(&mut text, &client_text);
    text.push_str("\r\n");
    match kind {
        Kind::Reply => {
            text.push_str(&summary.attribution());
            text.push_str("\r\n");
            let mut quoted = String::new();
            if with_headers {
                quoted.push_str(&summary.block_text());
                quoted.push('\n');
            }
            quoted.push_str(&original_text);
            for line in quoted.lines() {
                text.push_str("> ");
                text.push_str(line);
                text.push_str("\r\n");
            }
        }
        Kind::Forward => {
            text.push_str(FORWARD_SEPARATOR);
            text.push_str("\r\n");
            if with_headers {
                push_crlf_text(&mut text, &summary.block_text());
            }
            text.push_str("\r\n");
            push_crlf_text(&mut text, &original_text);
        }
    }

    // HTML: when either side wrote HTML.
    let html = if cbody.html.is_some() || obody.html.is_some() {
        let client_html = cbody
            .html
            .clone()
            .unwrap_or_else(|| text_to_html(&client_text));
        let original_html = obody
            .html
            .as_deref()
            .map(|h| body_inner(h).to_string())
            .unwrap_or_else(|| text_to_html(&original_text));
        let block = if with_headers {
            summary.block_html()
        } else {
            String::new()
        };
        let insert = match kind {
            Kind::Reply => format!(
                "\r\n<div>{}</div>\r\n<blockquote type=\"cite\">\r\n{block}{original_html}\r\n</blockquote>\r\n",
                escape_html(&summary.attribution())
            ),
            Kind::Forward => format!(
                "\r\n<div>{FORWARD_SEPARATOR}<br>\r\n{block}</div>\r\n<br>\r\n{original_html}\r\n"
            ),
        };
        Some(insert_before_body_end(&client_html, &insert))
    } else {
        None
    };

    // Parts carried over: the client's own attachments always; the original's attachments
    // on a forward; on a reply only the inline images its quoted HTML points at.
    let mut carried: Vec<Carried> = cbody
        .attachments
        .iter()
        .filter_map(|&p| Carried::of(&cmsg, p))
        .collect();
    let quoted_html = obody.html.as_deref().filter(|_| html.is_some());
    for &p in &obody.attachments {
        let Some(c) = Carried::of(&omsg, p) else {
            continue;
        };
        let keep = match kind {
            Kind::Forward => true,
            Kind::Reply => c
                .content_id
                .as_deref()
                .is_some_and(|id| quoted_html.is_some_and(|h| h.contains(&format!("cid:{id}")))),
        };
        if keep {
            carried.push(c);
        }
    }

    // Boundaries: derived from the content, and checked against it.
    let seed = super::content_hash(&[client, original], ctx.now.timestamp_millis());
    let haystacks: [&[u8]; 4] = [
        client,
        original,
        text.as_bytes(),
        html.as_deref().unwrap_or_default().as_bytes(),
    ];
    let mut boundaries = Boundaries {
        seed,
        next: 0,
        haystacks: &haystacks,
    };

    let text_part = MimePart::new(
        ContentType::new("text/plain").attribute("charset", "utf-8"),
        BodyPart::Text(text.clone().into()),
    );
    let (related, mixed): (Vec<Carried>, Vec<Carried>) = carried
        .into_iter()
        .partition(|c| html.is_some() && c.is_related());
    let alternative = match &html {
        Some(h) => {
            let html_part = MimePart::new(
                ContentType::new("text/html").attribute("charset", "utf-8"),
                BodyPart::Text(h.clone().into()),
            );
            let html_part = if related.is_empty() {
                html_part
            } else {
                let mut parts = vec![html_part];
                parts.extend(related.into_iter().map(Carried::into_part));
                multipart("multipart/related", boundaries.next(), parts)
            };
            multipart(
                "multipart/alternative",
                boundaries.next(),
                vec![text_part, html_part],
            )
        }
        None => text_part,
    };
    let top = if mixed.is_empty() {
        alternative
    } else {
        let mut parts = vec![alternative];
        parts.extend(mixed.into_iter().map(Carried::into_part));
        multipart("multipart/mixed", boundaries.next(), parts)
    };

    // Header: the client's fields, then what this module adds.
    let mut out: Vec<u8> = Vec::with_capacity(client.len() + original.len() + 1024);
    let generated = missing_headers(client, &section, &[client, original], ctx)?;
    out.extend_from_slice(&to_crlf(&generated));
    let original_id = omsg
        .message_id()
        .filter(|id| is_clean_id(id))
        .map(str::to_string);
    let set_threading = kind == Kind::Reply && original_id.is_some();
    for field in &section.fields {
        let name = client.get(field.name.clone()).unwrap_or_default();
        let drop = name.eq_ignore_ascii_case(b"bcc")
            || is_structure_field(name)
            || (set_threading
                && (name.eq_ignore_ascii_case(b"in-reply-to")
                    || name.eq_ignore_ascii_case(b"references")));
        if !drop {
            let mut whole = to_crlf(client.get(field.whole.clone()).unwrap_or_default());
            if !whole.ends_with(b"\r\n") {
                whole.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(&whole);
        }
    }
    if let (true, Some(id)) = (set_threading, &original_id) {
        out.extend_from_slice(b"In-Reply-To: ");
        MessageId::new(id.as_str()).write_header(&mut out, 13);
        let mut refs = references_of(&omsg);
        if !refs.iter().any(|r| r == id) {
            refs.push(id.clone());
        }
        out.extend_from_slice(b"References: ");
        MessageId::new_list(refs.iter().map(String::as_str)).write_header(&mut out, 12);
    }
    out.extend_from_slice(b"MIME-Version: 1.0\r\n");
    top.write_part(&mut out);

    Ok(Outgoing {
        message: out,
        envelope,
        added_headers: Vec::new(),
    })
}

/// The original's `References`, or failing that its `In-Reply-To` (RFC 5322 3.6.4).
fn references_of(msg: &Message<'_>) -> Vec<String> {
    let ids = |v: &HeaderValue<'_>| -> Vec<String> {
        match v {
            HeaderValue::Text(t) => vec![t.to_string()],
            HeaderValue::TextList(l) => l.iter().map(|t| t.to_string()).collect(),
            _ => Vec::new(),
        }
    };
    let refs: Vec<String> = ids(msg.references())
        .into_iter()
        .filter(|id| is_clean_id(id))
        .collect();
    if refs.is_empty() {
        ids(msg.in_reply_to())
            .into_iter()
            .filter(|id| is_clean_id(id))
            .collect()
    } else {
        refs
    }
}

/// A message id that can be written back between angle brackets: a malformed one from the
/// original is left out rather than copied into the new header.
fn is_clean_id(id: &str) -> bool {
    !id.is_empty()
        && id
            .chars()
            .all(|c| !c.is_control() && !c.is_whitespace() && c != '<' && c != '>')
}

fn multipart<'x>(ctype: &'x str, boundary: String, parts: Vec<MimePart<'x>>) -> MimePart<'x> {
    MimePart::new(
        ContentType::new(ctype).attribute("boundary", boundary),
        BodyPart::Multipart(parts),
    )
}

/// Deterministic MIME boundaries that occur nowhere in the content.
struct Boundaries<'a> {
    seed: u64,
    next: u64,
    haystacks: &'a [&'a [u8]],
}

impl Boundaries<'_> {
    fn next(&mut self) -> String {
        let prefix = format!("=_eas_{:016x}_", self.seed);
        // One pass in the usual case: no content holds the prefix, so no numbered boundary
        // can collide.
        let prefix_seen = self
            .haystacks
            .iter()
            .any(|h| contains(h, prefix.as_bytes()));
        loop {
            self.next += 1;
            let b = format!("{prefix}{}", self.next);
            if !prefix_seen || !self.haystacks.iter().any(|h| contains(h, b.as_bytes())) {
                return b;
            }
        }
    }
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && hay.windows(needle.len()).any(|w| w == needle)
}

/// The body text of a message, and the parts that are not body text.
struct Bodies {
    text: Option<String>,
    html: Option<String>,
    attachments: Vec<u32>,
}

impl Bodies {
    fn of(msg: &Message<'_>) -> Bodies {
        let is_plain = |p: &MessagePart<'_>| {
            p.content_type().is_none_or(|ct| {
                ct.c_type.eq_ignore_ascii_case("text")
                    && ct
                        .c_subtype
                        .as_deref()
                        .is_none_or(|s| s.eq_ignore_ascii_case("plain"))
            })
        };
        let mut used = Vec::new();
        let mut texts = Vec::new();
        for &id in &msg.text_body {
            if let Some(p) = msg.parts.get(id as usize)
                && let PartType::Text(t) = &p.body
                && is_plain(p)
                && p.content_disposition().is_none_or(|d| !d.is_attachment())
            {
                texts.push(t.to_string());
                used.push(id);
            }
        }
        let mut htmls = Vec::new();
        for &id in &msg.html_body {
            if let Some(p) = msg.parts.get(id as usize)
                && let PartType::Html(h) = &p.body
            {
                htmls.push(h.to_string());
                used.push(id);
            }
        }
        let html = match htmls.len() {
            0 => None,
            1 => htmls.pop(),
            // Several HTML parts (text, image, text from some phones): one document.
            _ => Some(
                htmls
                    .iter()
                    .map(|h| body_inner(h))
                    .collect::<Vec<_>>()
                    .join("\r\n"),
            ),
        };
        let text = (!texts.is_empty()).then(|| texts.join("\n"));
        let attachments = msg
            .attachments
            .iter()
            .copied()
            .filter(|id| !used.contains(id))
            .collect();
        Bodies {
            text,
            html,
            attachments,
        }
    }

    /// The plain text, converted from HTML when the message has only HTML, empty when it has
    /// neither (an attachment-only message).
    fn plain(&self) -> String {
        match (&self.text, &self.html) {
            (Some(t), _) => t.clone(),
            (None, Some(h)) => mail_parser::decoders::html::html_to_text(h),
            (None, None) => String::new(),
        }
    }
}

/// A part copied from a message as it was: its MIME header fields and its encoded body.
struct Carried {
    raw: Vec<u8>,
    content_id: Option<String>,
    inline: bool,
    is_message: bool,
}

impl Carried {
    fn of(msg: &Message<'_>, id: u32) -> Option<Carried> {
        let part = msg.parts.get(id as usize)?;
        let raw = msg.raw_message();
        let mut out = Vec::new();
        for h in &part.headers {
            // Only the MIME fields: a single-part original's top part also holds From, To
            // and the rest, which do not belong on an attachment.
            if is_structure_field(h.name().as_bytes())
                && !h.name().eq_ignore_ascii_case("mime-version")
            {
                let field = raw.get(h.offset_field as usize..h.offset_end as usize)?;
                out.extend_from_slice(field);
                if !field.ends_with(b"\n") {
                    out.extend_from_slice(b"\r\n");
                }
            }
        }
        if out.is_empty() {
            // RFC 2045 default, written out so the copy means the same in its new place.
            out.extend_from_slice(b"Content-Type: text/plain; charset=us-ascii\r\n");
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(raw.get(part.offset_body as usize..part.offset_end as usize)?);
        let binary = part
            .content_transfer_encoding()
            .is_some_and(|e| e.trim().eq_ignore_ascii_case("binary"));
        let raw = if binary { out } else { to_crlf(&out) };
        Some(Carried {
            raw,
            content_id: part
                .content_id()
                .map(|c| c.trim().trim_matches(['<', '>']).to_string()),
            inline: part.content_disposition().is_none_or(|d| d.is_inline()),
            is_message: matches!(part.body, PartType::Message(_)),
        })
    }

    /// Belongs with the HTML in a multipart/related (an inline image).
    fn is_related(&self) -> bool {
        self.content_id.is_some() && self.inline && !self.is_message
    }

    fn into_part(self) -> MimePart<'static> {
        // A part without headers is written verbatim by mail-builder.
        MimePart::raw(BodyPart::Binary(Cow::Owned(self.raw)))
    }
}

/// What the attribution line and the header block say about the original.
struct Summary {
    from: Option<String>,
    date: Option<String>,
    subject: Option<String>,
    to: Option<String>,
    cc: Option<String>,
}

impl Summary {
    fn of(msg: &Message<'_>) -> Summary {
        let date = msg.date().map(|d| d.to_rfc822()).or_else(|| {
            msg.header_raw("Date")
                .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        });
        Summary {
            from: msg.from().and_then(display_addresses),
            date: date.filter(|d| !d.is_empty()),
            subject: msg.subject().map(str::to_string),
            to: msg.to().and_then(display_addresses),
            cc: msg.cc().and_then(display_addresses),
        }
    }

    fn attribution(&self) -> String {
        match (&self.date, &self.from) {
            (Some(d), Some(f)) => format!("On {d}, {f} wrote:"),
            (None, Some(f)) => format!("{f} wrote:"),
            (Some(d), None) => format!("On {d}, the sender wrote:"),
            (None, None) => "The original message:".to_string(),
        }
    }

    fn fields(&self) -> Vec<(&'static str, &str)> {
        [
            ("From", &self.from),
            ("Date", &self.date),
            ("Subject", &self.subject),
            ("To", &self.to),
            ("Cc", &self.cc),
        ]
        .into_iter()
        .filter_map(|(n, v)| v.as_deref().map(|v| (n, v)))
        .collect()
    }

    fn block_text(&self) -> String {
        self.fields()
            .iter()
            .map(|(n, v)| format!("{n}: {v}\n"))
            .collect()
    }

    fn block_html(&self) -> String {
        self.fields()
            .iter()
            .map(|(n, v)| format!("{n}: {}<br>\r\n", escape_html(v)))
            .collect()
    }
}

fn display_addresses(a: &Address<'_>) -> Option<String> {
    let list: Vec<String> = a
        .iter()
        .filter_map(
            |addr| match (addr.name.as_deref(), addr.address.as_deref()) {
                (Some(n), Some(e)) if !n.is_empty() => Some(format!("{n} <{e}>")),
                (_, Some(e)) => Some(e.to_string()),
                (Some(n), None) => Some(n.to_string()),
                (None, None) => None,
            },
        )
        .collect();
    (!list.is_empty()).then(|| list.join(", "))
}

/// Append `s` with CRLF line ends and a final CRLF.
fn push_crlf_text(out: &mut String, s: &str) {
    for line in s.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn text_to_html(s: &str) -> String {
    let body: Vec<String> = s.lines().map(escape_html).collect();
    format!("<div>{}</div>", body.join("<br>\r\n"))
}

/// ASCII case-insensitive search for `needle` (ASCII) in `hay`, from the left or the right.
fn find_ci(hay: &str, needle: &str, last: bool) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if n.len() > h.len() {
        return None;
    }
    let mut range: Box<dyn Iterator<Item = usize>> = if last {
        Box::new((0..=h.len() - n.len()).rev())
    } else {
        Box::new(0..=h.len() - n.len())
    };
    range.find(|&i| {
        h.get(i..i + n.len())
            .is_some_and(|w| w.eq_ignore_ascii_case(n))
    })
}

/// The content of an HTML document's `<body>`, or the whole text when it has none: a
/// document nested inside a blockquote would carry a second `<html>`.
fn body_inner(html: &str) -> &str {
    let start = find_ci(html, "<body", false)
        .and_then(|b| html.get(b..)?.find('>').map(|e| b + e + 1))
        .unwrap_or(0);
    let end = find_ci(html, "</body", true)
        .filter(|&e| e >= start)
        .unwrap_or(html.len());
    html.get(start..end).unwrap_or(html)
}

/// `insert` placed before the document's closing `</body>`, or appended when there is none.
fn insert_before_body_end(html: &str, insert: &str) -> String {
    match find_ci(html, "</body", true) {
        Some(at) => {
            let (head, tail) = html.split_at(at);
            format!("{head}{insert}{tail}")
        }
        None => format!("{html}{insert}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_inner_takes_the_body_content() {
        assert_eq!(
            body_inner("<HTML><Body class=x>hi <b>there</b></BODY></html>"),
            "hi <b>there</b>"
        );
        assert_eq!(body_inner("<p>fragment</p>"), "<p>fragment</p>");
    }

    #[test]
    fn quote_goes_before_the_closing_body_tag() {
        assert_eq!(
            insert_before_body_end("<html><body>a</body></html>", "Q"),
            "<html><body>aQ</body></html>"
        );
        assert_eq!(insert_before_body_end("<p>a</p>", "Q"), "<p>a</p>Q");
    }

    #[test]
    fn boundaries_skip_strings_the_content_holds() {
        let hay: &[u8] = b"text --=_eas_00000000000000ab_1 more";
        let hays = [hay];
        let mut b = Boundaries {
            seed: 0xab,
            next: 0,
            haystacks: &hays,
        };
        assert_eq!(b.next(), "=_eas_00000000000000ab_2");
        assert_eq!(b.next(), "=_eas_00000000000000ab_3");
        let empty: [&[u8]; 0] = [];
        let mut b = Boundaries {
            seed: 0xab,
            next: 0,
            haystacks: &empty,
        };
        assert_eq!(b.next(), "=_eas_00000000000000ab_1");
    }

    #[test]
    fn malformed_ids_are_not_copied() {
        assert!(is_clean_id("a.b@example.net"));
        assert!(!is_clean_id("a b@example.net"));
        assert!(!is_clean_id("x>\r\nBcc: y"));
        assert!(!is_clean_id(""));
    }

    #[test]
    fn structure_fields() {
        assert!(is_structure_field(b"Content-Type"));
        assert!(is_structure_field(b"MIME-Version"));
        assert!(!is_structure_field(b"Subject"));
    }
}
