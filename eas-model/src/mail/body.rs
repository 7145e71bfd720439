//! Body renditions: plain text ↔ HTML, byte-exact truncation that never splits a UTF-8
//! sequence, the preview, and the full MIME message made safe for a text element.

use mail_parser::{Encoding, Message, PartType};

use super::charset::{clean, windows_1252};

/// The result of fitting a body into a size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Truncation<'a> {
    /// The text sent (a prefix of the input ending on a character boundary), or `None` when
    /// `AllOrNone` asked for nothing rather than a part.
    pub data: Option<&'a str>,
    /// Whether `data` is shorter than the input.
    pub truncated: bool,
    /// The input's full size in bytes (`EstimatedDataSize`).
    pub full_size: usize,
}

/// Fit `text` into `limit` bytes (`TruncationSize`; `None` is no limit). The cut moves back to
/// the previous character boundary, so the result is always valid UTF-8. With `all_or_none`,
/// a body that does not fit is not sent at all.
pub fn truncate(text: &str, limit: Option<u32>, all_or_none: bool) -> Truncation<'_> {
    let full_size = text.len();
    let limit = limit.map_or(usize::MAX, |l| usize::try_from(l).unwrap_or(usize::MAX));
    if full_size <= limit {
        return Truncation {
            data: Some(text),
            truncated: false,
            full_size,
        };
    }
    if all_or_none {
        return Truncation {
            data: None,
            truncated: true,
            full_size,
        };
    }
    let mut cut = limit;
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    Truncation {
        data: text.get(..cut),
        truncated: true,
        full_size,
    }
}

/// The first `chars` characters of `text`, for protocol 2.5 whose limits count characters.
pub fn truncate_chars(text: &str, chars: Option<u32>) -> (&str, bool) {
    let Some(limit) = chars else {
        return (text, false);
    };
    match text.char_indices().nth(limit as usize) {
        Some((at, _)) => (text.get(..at).unwrap_or(text), true),
        None => (text, false),
    }
}

/// The `Preview` of a body: its plain text with runs of white space collapsed to one space,
/// at most `chars` characters (MS-ASAIRS caps the request at 255).
pub fn preview(plain: &str, chars: u32) -> String {
    let limit = chars.min(255) as usize;
    plain
        .split_whitespace()
        .flat_map(|word| std::iter::once(' ').chain(word.chars()))
        .skip(1)
        .take(limit)
        .collect()
}

/// Line ends as CRLF, the form Exchange sends bodies in (a lone LF or CR becomes CRLF).
pub fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\r\n");
            }
            '\n' => out.push_str("\r\n"),
            c => out.push(c),
        }
    }
    out
}

/// Plain text as HTML, for a client that asks for HTML of a text-only message: markup
/// characters escaped, each line end a `<br>` so blank lines survive (Scalix bug 20335).
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    out.push_str("<html><body>");
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("<br>\r\n");
            }
            '\n' => out.push_str("<br>\r\n"),
            c => out.push(c),
        }
    }
    out.push_str("</body></html>");
    out
}

/// HTML as plain text, for a client that asks for text of an HTML-only message (Scalix bugs
/// 20001, 20138).
///
/// `mail-parser`'s converter drops markup, `<head>`, styles and scripts and decodes
/// entities, but only `<br>` and `</p>` break lines, so headings, list items, table rows
/// and `div`s would run together. Each block-level tag therefore gets a `<br>` in front
/// first; afterwards lines are trimmed, runs of blank lines shortened to one, and
/// non-breaking spaces made plain spaces.
pub fn html_to_text(html: &str) -> String {
    const BLOCKS: [&str; 26] = [
        "p",
        "div",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "li",
        "tr",
        "table",
        "blockquote",
        "ul",
        "ol",
        "hr",
        "pre",
        "dt",
        "dd",
        "dl",
        "section",
        "article",
        "header",
        "footer",
        "title",
        "address",
        "center",
    ];
    let mut prepared = String::with_capacity(html.len() + html.len() / 16);
    let mut rest = html;
    // Whether text came since the last line break: nested blocks (`<ul><li>`) break once.
    let mut text_since_break = false;
    while let Some(at) = rest.find('<') {
        let (before, tag) = rest.split_at(at);
        prepared.push_str(before);
        // `before` is text only when it follows a tag's `>`, so look past it.
        let text = before.rsplit_once('>').map_or(before, |(_, t)| t);
        text_since_break |= !text.trim().is_empty();
        let name = tag
            .get(1..)
            .unwrap_or_default()
            .trim_start_matches('/')
            .split(|c: char| !c.is_ascii_alphanumeric())
            .next()
            .unwrap_or_default();
        if name.eq_ignore_ascii_case("br") {
            text_since_break = false;
        } else if text_since_break && BLOCKS.iter().any(|b| b.eq_ignore_ascii_case(name)) {
            prepared.push_str("<br>");
            text_since_break = false;
        }
        prepared.push('<');
        rest = tag.get(1..).unwrap_or_default();
    }
    prepared.push_str(rest);
    let text = mail_parser::decoders::html::html_to_text(&prepared).replace('\u{a0}', " ");
    let mut out = String::with_capacity(text.len());
    let mut blank_run = 0usize;
    for line in text.lines().map(str::trim) {
        if line.is_empty() {
            blank_run += 1;
            if blank_run > 1 || out.is_empty() {
                continue;
            }
        } else {
            blank_run = 0;
        }
        out.push_str(line);
        out.push('\n');
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out
}

/// The raw MIME message as a string a text element can carry.
///
/// `Data` and `MIMEData` are strings, so they must be UTF-8, but a message is bytes: 8-bit
/// parts in ISO-8859-x or windows-125x are not UTF-8. Re-labelling those bytes (Latin-1 to
/// UTF-8) would change them and the device would show mojibake. Instead each leaf part whose
/// unencoded body is not UTF-8 is rewritten as quoted-printable with its charset unchanged — the
/// same message, byte for byte after decoding, in 7-bit form. Raw 8-bit bytes left in
/// headers (not allowed there) are read as windows-1252. A message that is already UTF-8 is
/// sent exactly as stored. Bodies holding control characters a text element cannot carry
/// (NUL, ESC: Scalix bug 20442) are re-encoded the same way, so the device still gets them
/// intact inside the MIME; only stray ones in headers are removed.
pub fn mime_for_device(message: &Message<'_>) -> String {
    let raw = message.raw_message.as_ref();
    if let Ok(s) = std::str::from_utf8(raw)
        && !raw.iter().copied().any(forbidden_byte)
    {
        return s.to_string();
    }
    let mut spans = Vec::new();
    eight_bit_leaves(message, raw, &mut spans);
    spans.sort_unstable();
    let mut out = String::with_capacity(raw.len() + raw.len() / 8);
    let mut pos = 0usize;
    for (h, b, e, binary) in spans {
        let (Some(head), Some(body)) = (raw.get(h..b), raw.get(b..e)) else {
            continue;
        };
        if h < pos {
            continue;
        }
        push_lossy(&mut out, raw.get(pos..h).unwrap_or_default());
        push_lossy(&mut out, &rewrite_cte(head));
        out.push_str(&quoted_printable(body, binary));
        pos = e;
    }
    push_lossy(&mut out, raw.get(pos..).unwrap_or_default());
    clean(&out)
}

/// The (header, body, end) offsets of the leaf parts whose unencoded body is not UTF-8,
/// including those of a nested `message/rfc822` that `mail-parser` read in place (its parts'
/// offsets are then into the same buffer), and whether the part is binary (not text).
fn eight_bit_leaves(message: &Message<'_>, raw: &[u8], out: &mut Vec<(usize, usize, usize, bool)>) {
    for part in &message.parts {
        match &part.body {
            PartType::Message(nested)
                if std::ptr::eq(nested.raw_message.as_ptr(), raw.as_ptr())
                    && nested.raw_message.len() == raw.len() =>
            {
                eight_bit_leaves(nested, raw, out);
            }
            PartType::Text(_)
            | PartType::Html(_)
            | PartType::Binary(_)
            | PartType::InlineBinary(_)
                if part.encoding == Encoding::None =>
            {
                let (h, b, e) = (
                    part.offset_header as usize,
                    part.offset_body as usize,
                    part.offset_end as usize,
                );
                if h <= b
                    && b <= e
                    && raw.get(b..e).is_some_and(|body| {
                        std::str::from_utf8(body).is_err()
                            || body.iter().copied().any(forbidden_byte)
                    })
                {
                    let binary =
                        matches!(part.body, PartType::Binary(_) | PartType::InlineBinary(_));
                    out.push((h, b, e, binary));
                }
            }
            _ => {}
        }
    }
}

/// A byte that is a control character a device must not receive (see `charset::clean`).
fn forbidden_byte(b: u8) -> bool {
    matches!(b, 0..=8 | 0x0B | 0x0C | 0x0E..=0x1F | 0x7F)
}

/// Append bytes, valid UTF-8 runs as they are and the rest as windows-1252.
fn push_lossy(out: &mut String, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        match std::str::from_utf8(bytes) {
            Ok(s) => {
                out.push_str(s);
                return;
            }
            Err(e) => {
                let (good, rest) = bytes.split_at(e.valid_up_to());
                out.push_str(std::str::from_utf8(good).unwrap_or_default());
                let bad = e.error_len().unwrap_or(rest.len()).min(rest.len());
                out.push_str(&windows_1252(&rest[..bad]));
                bytes = &rest[bad..];
            }
        }
    }
}

/// A part's header block with `Content-Transfer-Encoding` replaced by quoted-printable. The
/// block ends with its blank line, which stays last.
fn rewrite_cte(head: &[u8]) -> Vec<u8> {
    let crlf = head.windows(2).any(|w| w == b"\r\n");
    let eol: &[u8] = if crlf { b"\r\n" } else { b"\n" };
    let mut out = Vec::with_capacity(head.len() + 48);
    let mut skipping = false;
    let mut lines: Vec<&[u8]> = head.split_inclusive(|&c| c == b'\n').collect();
    // The final empty line (the separator) is put back after the new header.
    let separator = match lines.last() {
        Some(l) if l.iter().all(|c| *c == b'\r' || *c == b'\n') => lines.pop(),
        _ => None,
    };
    for line in lines {
        let continuation = line.first().is_some_and(|c| *c == b' ' || *c == b'\t');
        if continuation && skipping {
            continue;
        }
        skipping =
            line.len() >= 26 && line[..26].eq_ignore_ascii_case(b"content-transfer-encoding:");
        if !skipping {
            out.extend_from_slice(line);
        }
    }
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(eol);
    }
    out.extend_from_slice(b"Content-Transfer-Encoding: quoted-printable");
    out.extend_from_slice(eol);
    out.extend_from_slice(separator.unwrap_or(eol));
    out
}

/// Quoted-printable (RFC 2045 6.7) of a body. A text body keeps its line ends as hard line
/// breaks (CRLF, the canonical form); a binary body gets CR and LF escaped, so decoding gives
/// back exactly its bytes (RFC 2045 6.7, note 4).
fn quoted_printable(body: &[u8], binary: bool) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(body.len() * 3 / 2);
    let mut col = 0usize;
    let mut i = 0usize;
    while i < body.len() {
        let c = body[i];
        if !binary && (c == b'\r' && body.get(i + 1) == Some(&b'\n') || c == b'\n') {
            out.push_str("\r\n");
            col = 0;
            i += if c == b'\r' { 2 } else { 1 };
            continue;
        }
        let at_line_end =
            body.get(i + 1).is_none() || !binary && matches!(body.get(i + 1), Some(b'\r' | b'\n'));
        let literal =
            (c == b' ' || c == b'\t') && !at_line_end || (33..=126).contains(&c) && c != b'=';
        let width = if literal { 1 } else { 3 };
        if col + width > 75 {
            out.push_str("=\r\n");
            col = 0;
        }
        if literal {
            out.push(char::from(c));
        } else {
            out.push('=');
            out.push(char::from(HEX[usize::from(c >> 4)]));
            out.push(char::from(HEX[usize::from(c & 15)]));
        }
        col += width;
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_stops_before_a_split_character() {
        let t = truncate("aé", Some(2), false);
        assert_eq!(t.data, Some("a"));
        assert!(t.truncated);
        assert_eq!(t.full_size, 3);
        let t = truncate("aé", Some(2), true);
        assert_eq!(t.data, None);
        assert!(t.truncated);
        assert_eq!(truncate("aé", Some(3), true).data, Some("aé"));
    }

    #[test]
    fn html_blocks_become_lines() {
        let html = "<html><head><title>T</title><style>p{}</style></head><body>\
                    <h1>News</h1><div>One&nbsp;&amp;&nbsp;two</div><ul><li>a</li><li>b</li></ul>\
                    <p>x<br>y</p><p>z</p></body></html>";
        assert_eq!(html_to_text(html), "News\nOne & two\na\nb\nx\ny\n\nz");
    }

    #[test]
    fn preview_collapses_white_space() {
        assert_eq!(preview("  Hallo\r\n\r\n  Welt\tund mehr", 10), "Hallo Welt");
        assert_eq!(preview("x", 255), "x");
    }

    #[test]
    fn quoted_printable_round_trips() {
        let body = b"Gr\xfc\xdfe =  \r\nline two with a very long run of text that needs a soft line break somewhere around here\r\n";
        let qp = quoted_printable(body, false);
        assert!(qp.is_ascii());
        assert!(qp.lines().all(|l| l.len() <= 76));
        let back = mail_parser::decoders::quoted_printable::quoted_printable_decode(qp.as_bytes());
        assert_eq!(back.as_deref(), Some(&body[..]));
    }

    #[test]
    fn binary_quoted_printable_is_byte_exact() {
        let body = b"\x00\r\nA\n\rB \n\xff";
        let qp = quoted_printable(body, true);
        assert!(qp.is_ascii() && !qp.contains('\n'));
        let back = mail_parser::decoders::quoted_printable::quoted_printable_decode(qp.as_bytes());
        assert_eq!(back.as_deref(), Some(&body[..]));
    }

    #[test]
    fn cte_header_is_replaced() {
        let head = b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding:\r\n 8bit\r\n\r\n";
        let out = rewrite_cte(head);
        assert_eq!(
            out,
            b"Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n"
        );
    }
}
