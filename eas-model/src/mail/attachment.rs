//! Attachments of a message and the `FileReference` that names one.

use mail_parser::{Message, MessageParser, MessagePart, MimeHeaders, PartType};

use super::charset::clean;
use crate::ModelError;

/// How an attachment is attached (MS-ASAIRS `Method`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachMethod {
    /// 1: a file.
    Normal,
    /// 5: an embedded message (`message/rfc822`), kept whole, never flattened into the body.
    EmbeddedMessage,
}

impl AttachMethod {
    /// The wire value.
    pub fn code(self) -> u8 {
        match self {
            AttachMethod::Normal => 1,
            AttachMethod::EmbeddedMessage => 5,
        }
    }
}

/// One attachment of a mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    /// The file name shown to the user, decoded from RFC 2231 / RFC 2047 parameters.
    pub display_name: String,
    /// The opaque reference a client fetches it by; see [`file_reference`].
    pub file_reference: String,
    /// Index of the MIME part in the parsed message (the second half of the reference).
    pub part_index: u32,
    /// How it is attached.
    pub method: AttachMethod,
    /// Its size in bytes after transfer decoding.
    pub size: u64,
    /// The MIME type, lower case (`image/png`).
    pub content_type: String,
    /// The Content-ID without its angle brackets.
    pub content_id: Option<String>,
    /// The Content-Location.
    pub content_location: Option<String>,
    /// Whether the body shows it in place (an image of a `multipart/related` body, or a part
    /// whose Content-ID the HTML body references).
    pub is_inline: bool,
}

/// The `FileReference` of part `part_index` of item `item_id`: `"{item_id}:{part_index}"`.
///
/// The reference is opaque to the client; the server reads it back with
/// [`parse_file_reference`] to find the part again in the stored message. The part index is
/// the position in `mail_parser::Message::parts`, which is stable for the same bytes.
pub fn file_reference(item_id: &str, part_index: u32) -> String {
    format!("{item_id}:{part_index}")
}

/// The item id and part index of a `FileReference` made by [`file_reference`]. The item id may
/// itself contain colons: the index is what follows the last one.
///
/// Clients put the reference into the GetAttachment URL percent-encoded (`5%3a1%3a0`), so
/// `%XX` escapes are decoded first; an escape that is not two hex digits, or that decodes to
/// something that is not UTF-8, is refused.
pub fn parse_file_reference(reference: &str) -> Result<(String, u32), ModelError> {
    let invalid = |reason: &str| ModelError::InvalidField {
        field: "FileReference",
        reason: format!("{reference:?}: {reason}"),
    };
    let decoded = percent_decode(reference).ok_or_else(|| invalid("bad percent-encoding"))?;
    let (item, index) = decoded
        .rsplit_once(':')
        .ok_or_else(|| invalid("no part index"))?;
    if item.is_empty() {
        return Err(invalid("no item id"));
    }
    let index = index
        .parse::<u32>()
        .map_err(|_| invalid("the part index is not a number"))?;
    Ok((item.to_string(), index))
}

/// `%XX` escapes decoded; `None` for a broken escape or a result that is not UTF-8.
fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0usize;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// The content of part `part_index` of the MIME message `raw`, transfer encoding removed:
/// the bytes ItemOperations Fetch and GetAttachment send. A text part comes as UTF-8 (its
/// charset decoded, as its `EstimatedDataSize` counted it), an attached message as the
/// message. A part that does not exist, or a multipart (which is no attachment), is an
/// [`ModelError::InvalidField`] on `FileReference`.
pub fn part_content(raw: &[u8], part_index: u32) -> Result<Vec<u8>, ModelError> {
    let message = MessageParser::default()
        .parse(raw)
        .ok_or_else(|| ModelError::Mime("no header found".into()))?;
    let missing = || ModelError::InvalidField {
        field: "FileReference",
        reason: format!("the message has no attachment part {part_index}"),
    };
    let part = message.parts.get(part_index as usize).ok_or_else(missing)?;
    if matches!(part.body, PartType::Multipart(_)) {
        return Err(missing());
    }
    Ok(part.contents().to_vec())
}

/// The attachments of `message` (not of messages nested in it: those are one attachment
/// each). `skip` lists parts that are not attachments for the device (a meeting request's
/// calendar part). `html` is the HTML body, to see which Content-IDs it references.
/// `outline` is the message's bytes when it is an [`outline`](super::outline), whose
/// left-out parts give their size in a header.
pub(crate) fn collect(
    message: &Message<'_>,
    item_id: &str,
    skip: &[u32],
    html: Option<&str>,
    outline: Option<&[u8]>,
) -> Vec<MailAttachment> {
    let html_lower = html.map(str::to_ascii_lowercase);
    let mut out = Vec::new();
    for &index in &message.attachments {
        if skip.contains(&index) {
            continue;
        }
        let Some(part) = message.parts.get(index as usize) else {
            continue;
        };
        let content_type = part
            .content_type()
            .map(|ct| match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            })
            .unwrap_or_else(|| "text/plain".into())
            .to_ascii_lowercase();
        let is_message = matches!(part.body, PartType::Message(_))
            || content_type == "message/rfc822"
            || content_type == "message/global";
        let method = if is_message {
            AttachMethod::EmbeddedMessage
        } else {
            AttachMethod::Normal
        };
        let content_id = part
            .content_id()
            .map(|id| clean(id.trim().trim_start_matches('<').trim_end_matches('>')));
        let content_location = part.content_location().map(clean);
        let referenced = content_id.as_deref().is_some_and(|id| {
            html_lower
                .as_deref()
                .is_some_and(|h| h.contains(&format!("cid:{}", id.to_ascii_lowercase())))
        });
        let in_related = parent_is_related(message, index);
        let disposition_attachment = part
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        let is_inline = referenced
            || (in_related
                && !disposition_attachment
                && (content_id.is_some() || content_location.is_some()));
        out.push(MailAttachment {
            display_name: display_name(part, index, &content_type),
            file_reference: file_reference(item_id, index),
            part_index: index,
            method,
            size: outline
                .and_then(|o| super::outline::stored_size(o, part))
                .unwrap_or(part.len() as u64),
            content_type,
            content_id,
            content_location,
            is_inline,
        });
    }
    out
}

/// Whether the multipart that holds part `index` is `multipart/related`.
fn parent_is_related(message: &Message<'_>, index: u32) -> bool {
    message.parts.iter().any(|p| {
        p.sub_parts().is_some_and(|subs| subs.contains(&index))
            && p.content_type().is_some_and(|ct| {
                ct.ctype().eq_ignore_ascii_case("multipart")
                    && ct
                        .subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("related"))
            })
    })
}

/// The name to show: the part's file name, else a nested message's subject, else a name
/// made from the part index and type, so a device never gets an empty name.
fn display_name(part: &MessagePart<'_>, index: u32, content_type: &str) -> String {
    if let Some(name) = part.attachment_name() {
        let name = clean(name.trim());
        if !name.is_empty() {
            return name;
        }
    }
    if let PartType::Message(nested) = &part.body
        && let Some(subject) = nested.subject()
    {
        let subject = clean(subject.trim());
        if !subject.is_empty() {
            return format!("{subject}.eml");
        }
    }
    let ext = match content_type {
        "message/rfc822" | "message/global" => "eml",
        "text/plain" => "txt",
        "text/html" => "html",
        "text/calendar" => "ics",
        "image/jpeg" => "jpg",
        "image/png" => "png",
        "image/gif" => "gif",
        "application/pdf" => "pdf",
        _ => "bin",
    };
    format!("attachment-{index}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_reference_round_trips() {
        let r = file_reference("inbox:42", 3);
        assert_eq!(r, "inbox:42:3");
        assert_eq!(parse_file_reference(&r).ok(), Some(("inbox:42".into(), 3)));
        assert_eq!(
            parse_file_reference("inbox%3a42%3A3").ok(),
            Some(("inbox:42".into(), 3))
        );
        assert!(parse_file_reference("5%3").is_err());
        assert!(parse_file_reference("5%zz1:2").is_err());
        assert!(parse_file_reference("5%ff:2").is_err());
        assert!(parse_file_reference("42").is_err());
        assert!(parse_file_reference(":3").is_err());
        assert!(parse_file_reference("42:x").is_err());
    }
}
