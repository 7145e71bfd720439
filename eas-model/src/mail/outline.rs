//! Message outlines: a message's structure and text without its large attachments, built
//! while the message streams past, so a server never holds a large message in memory.
//!
//! A stored message is kept whole (its original bytes). What Sync and Fetch show of it —
//! headers, body text, the list of attachments with their names and sizes — needs only a
//! small part of those bytes when the message carries large attachments. An
//! [`OutlineBuilder`] is fed the message in chunks of any size and writes an *outline*: the
//! same MIME tree, every header and every body text kept byte for byte, but the content of
//! each large attachment replaced by nothing and one added header,
//! `X-EAS-Stored-Body: start=…; end=…; size=…`, giving the byte range of that content in
//! the original message and its decoded size. [`MailItem::from_outline`](super::MailItem::from_outline)
//! reads an outline as it reads a message (attachment sizes taken from those headers), and
//! [`stored_part`] with [`decode_stored`] fetch one attachment by reading only its range.
//!
//! Because the outline *is* the message's MIME tree, part numbers (and so file references)
//! are those `mail-parser` gives the outline; they never have to agree with a second
//! parser. A header of the same name already in the message is dropped from the outline, so
//! a sender cannot point the server at other bytes.
//!
//! Written by hand because no MIME crate parses incrementally: `mail-parser` needs the whole
//! message in one slice. Boundary, header and encoding semantics are kept simple on
//! purpose (the outline is parsed by `mail-parser` afterwards, which decides what is body
//! and what is attachment).

use mail_parser::{MessageParser, MessagePart, MimeHeaders, PartType};

/// Name of the header an outline adds to an attachment whose content it left out.
pub const STORED_BODY_HEADER: &str = "X-EAS-Stored-Body";

/// Attachment content up to this many bytes stays in the outline: reading a small part
/// again from the store would cost more than keeping it.
pub const INLINE_LIMIT: usize = 64 * 1024;

/// A part's header block is kept up to this size; the rest of an endless header block is
/// dropped (the whole message is still stored).
const MAX_HEADER_BYTES: usize = 256 * 1024;

/// Lines longer than this cannot be MIME boundaries (RFC 2046 limits a boundary to 70
/// characters); only their first bytes are kept for the check.
const MAX_BOUNDARY_LINE: usize = 200;

/// Nesting of multiparts beyond this is read as the content of the innermost one.
const MAX_DEPTH: usize = 32;

/// The width of the numbers in the stored-body header, so it can be written before the
/// range is known and filled in afterwards.
const NUMBER_WIDTH: usize = 20;

/// The outline of one message, as [`OutlineBuilder::finish`] gives it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outline {
    /// The outline's bytes: a MIME message.
    pub bytes: Vec<u8>,
    /// How many parts' content was left out. Zero means the outline holds everything a
    /// reader needs and the message itself can be read instead.
    pub omitted: usize,
    /// The length of the message the builder was fed.
    pub message_len: u64,
}

/// Where an attachment left out of an outline lies in the stored message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredPart {
    /// The part's header block from the outline (without the stored-body header), ending
    /// with the empty line.
    pub headers: Vec<u8>,
    /// First byte of the part's (encoded) content in the stored message.
    pub start: u64,
    /// One past the last byte of the content.
    pub end: u64,
    /// The decoded size, as far as it can be known without decoding.
    pub size: u64,
}

/// How a leaf part's content is being handled.
#[derive(Debug)]
enum Leaf {
    /// Written to the outline as it comes (body text, small parts so far).
    Kept,
    /// Held back until it is known whether it stays under [`INLINE_LIMIT`].
    Pending {
        headers: Vec<u8>,
        content: Vec<u8>,
        start: u64,
        message: bool,
    },
    /// Left out; the outline holds a header to patch at the part's end.
    Omitted {
        patch_at: usize,
        start: u64,
        size: SizeCounter,
    },
}

#[derive(Debug)]
enum State {
    /// Reading a header block; `omittable` and friends are decided at its end.
    Headers { block: Vec<u8>, start: u64 },
    /// Inside a leaf part's content.
    Leaf(Leaf),
    /// Inside a multipart's preamble or epilogue (not kept: no reader shows them).
    Between,
}

/// Counts the decoded size of content in a transfer encoding, line by line.
#[derive(Debug, Clone, Copy)]
enum SizeCounter {
    Base64 { sextets: u64 },
    QuotedPrintable { bytes: u64 },
    Identity { bytes: u64 },
}

impl SizeCounter {
    fn for_encoding(encoding: &str) -> SizeCounter {
        if encoding.eq_ignore_ascii_case("base64") {
            SizeCounter::Base64 { sextets: 0 }
        } else if encoding.eq_ignore_ascii_case("quoted-printable") {
            SizeCounter::QuotedPrintable { bytes: 0 }
        } else {
            SizeCounter::Identity { bytes: 0 }
        }
    }

    /// Count one line of content; `line` includes its line end; `first` says whether a
    /// line came before it (its line end then belongs to the content).
    fn line(&mut self, line: &[u8]) {
        match self {
            SizeCounter::Base64 { sextets } => {
                *sextets += line
                    .iter()
                    .filter(|b| b.is_ascii_alphanumeric() || **b == b'+' || **b == b'/')
                    .count() as u64;
            }
            SizeCounter::QuotedPrintable { bytes } => {
                let text = trim_line_end(line);
                let text = trim_trailing_space(text);
                let (text, soft) = match text.strip_suffix(b"=") {
                    Some(t) => (t, true),
                    None => (text, false),
                };
                let escapes = text.iter().filter(|b| **b == b'=').count() as u64;
                *bytes += (text.len() as u64).saturating_sub(2 * escapes);
                if !soft {
                    *bytes += 2;
                }
            }
            SizeCounter::Identity { bytes } => *bytes += line.len() as u64,
        }
    }

    /// The decoded size; `last_line_end` is the length of the line end that belonged to the
    /// boundary, not to the content.
    fn total(self, last_line_end: usize) -> u64 {
        match self {
            SizeCounter::Base64 { sextets } => sextets * 6 / 8,
            SizeCounter::QuotedPrintable { bytes } => bytes.saturating_sub(2),
            SizeCounter::Identity { bytes } => bytes.saturating_sub(last_line_end as u64),
        }
    }
}

/// Builds an [`Outline`] from a message fed in chunks. Memory use is the outline plus at
/// most [`INLINE_LIMIT`] of held-back content and one header block, whatever the message's
/// size.
#[derive(Debug)]
pub struct OutlineBuilder {
    /// Bytes consumed so far.
    offset: u64,
    /// The current line, up to a cap once it is known not to be needed whole.
    line: Vec<u8>,
    /// Bytes of the current line beyond what `line` holds.
    line_overflow: u64,
    /// Offset of the current line's first byte.
    line_start: u64,
    /// The line end length of the previous line (0 at the start of a part's content).
    previous_line_end: usize,
    /// Enclosing multiparts' boundaries, outermost first, each as `--boundary`.
    boundaries: Vec<Vec<u8>>,
    state: State,
    out: Vec<u8>,
    omitted: usize,
}

impl Default for OutlineBuilder {
    fn default() -> Self {
        OutlineBuilder::new()
    }
}

impl OutlineBuilder {
    /// A builder at the start of a message.
    pub fn new() -> OutlineBuilder {
        OutlineBuilder {
            offset: 0,
            line: Vec::new(),
            line_overflow: 0,
            line_start: 0,
            previous_line_end: 0,
            boundaries: Vec::new(),
            state: State::Headers {
                block: Vec::new(),
                start: 0,
            },
            out: Vec::new(),
            omitted: 0,
        }
    }

    /// Feed the next bytes of the message.
    pub fn push(&mut self, mut chunk: &[u8]) {
        while !chunk.is_empty() {
            let (piece, ended) = match chunk.iter().position(|b| *b == b'\n') {
                Some(i) => (&chunk[..=i], true),
                None => (chunk, false),
            };
            chunk = &chunk[piece.len()..];
            self.take_piece(piece);
            if ended {
                self.end_of_line();
            }
        }
    }

    /// The outline of everything fed.
    pub fn finish(mut self) -> Outline {
        if !self.line.is_empty() || self.line_overflow > 0 {
            self.end_of_line();
        }
        let message_len = self.offset;
        self.close_part(message_len, 0);
        Outline {
            bytes: self.out,
            omitted: self.omitted,
            message_len,
        }
    }

    /// Take part of a line. Content of an omitted part, and long lines in general, are not
    /// buffered beyond what a boundary check needs.
    fn take_piece(&mut self, piece: &[u8]) {
        self.offset += piece.len() as u64;
        // One endless line must not be held either: decide as soon as it would pass the
        // limit.
        if let State::Leaf(Leaf::Pending { content, .. }) = &self.state
            && content.len() + self.line.len() + piece.len() > INLINE_LIMIT
        {
            self.omit_pending();
        }
        let cap = match &self.state {
            State::Headers { .. } => MAX_HEADER_BYTES,
            State::Leaf(Leaf::Kept) | State::Leaf(Leaf::Pending { .. }) => usize::MAX,
            State::Leaf(Leaf::Omitted { .. }) | State::Between => MAX_BOUNDARY_LINE,
        };
        let room = cap.saturating_sub(self.line.len());
        let kept = room.min(piece.len());
        self.line.extend_from_slice(&piece[..kept]);
        let rest = &piece[kept..];
        self.line_overflow += rest.len() as u64;
        // An omitted part's size is counted as the bytes pass; the boundary check needs
        // only a line's first bytes.
        if let State::Leaf(Leaf::Omitted { size, .. }) = &mut self.state
            && !rest.is_empty()
        {
            size.line(rest);
        }
    }

    fn end_of_line(&mut self) {
        let line = std::mem::take(&mut self.line);
        let overflow = std::mem::take(&mut self.line_overflow);
        let start = self.line_start;
        self.line_start = self.offset;
        self.process_line(&line, overflow, start);
        // Reuse the allocation.
        self.line = line;
        self.line.clear();
    }

    fn process_line(&mut self, line: &[u8], overflow: u64, line_start: u64) {
        let line_end = line_end_len(line, overflow);
        if let State::Headers { block, start } = &mut self.state {
            if trim_line_end(line).is_empty() {
                let block = std::mem::take(block);
                let start = *start;
                self.end_headers(block, start, self.offset);
            } else if block.len() + line.len() <= MAX_HEADER_BYTES {
                block.extend_from_slice(line);
            }
            return;
        }
        if overflow == 0
            && let Some((depth, closing)) = self.boundary_of(line)
        {
            // The line end before a boundary belongs to the boundary.
            let content_end = line_start.saturating_sub(self.previous_line_end as u64);
            let previous = self.previous_line_end;
            self.close_part(content_end, previous);
            self.out.extend_from_slice(trim_line_end(line));
            self.out.extend_from_slice(b"\r\n");
            if closing {
                self.boundaries.truncate(depth);
                self.state = State::Between;
            } else {
                self.boundaries.truncate(depth + 1);
                self.state = State::Headers {
                    block: Vec::new(),
                    start: self.offset,
                };
            }
            self.previous_line_end = 0;
            return;
        }
        self.previous_line_end = line_end;
        match &mut self.state {
            State::Headers { .. } | State::Between => {}
            State::Leaf(Leaf::Kept) => self.out.extend_from_slice(line),
            State::Leaf(Leaf::Omitted { size, .. }) => size.line(line),
            State::Leaf(Leaf::Pending { content, .. }) => {
                content.extend_from_slice(line);
                if content.len() > INLINE_LIMIT {
                    self.omit_pending();
                }
            }
        }
    }

    /// A boundary line of an enclosing multipart: its depth in the stack and whether it
    /// closes the multipart. The innermost match wins.
    fn boundary_of(&self, line: &[u8]) -> Option<(usize, bool)> {
        let text = trim_trailing_space(trim_line_end(line));
        if !text.starts_with(b"--") {
            return None;
        }
        self.boundaries
            .iter()
            .enumerate()
            .rev()
            .find_map(|(depth, boundary)| {
                let rest = text.strip_prefix(boundary.as_slice())?;
                match rest {
                    b"" => Some((depth, false)),
                    b"--" => Some((depth, true)),
                    _ => None,
                }
            })
    }

    /// A header block ended (its empty line consumed, content starts at `content_start`).
    fn end_headers(&mut self, block: Vec<u8>, _start: u64, content_start: u64) {
        let fields = HeaderFields::read(&block);
        let block = without_stored_header(&block);
        if let Some(boundary) = fields
            .boundary
            .as_deref()
            .filter(|_| self.boundaries.len() < MAX_DEPTH)
        {
            self.out.extend_from_slice(&block);
            self.out.extend_from_slice(b"\r\n");
            let mut marker = b"--".to_vec();
            marker.extend_from_slice(boundary.as_bytes());
            self.boundaries.push(marker);
            self.state = State::Between;
        } else if fields.omittable() {
            self.state = State::Leaf(Leaf::Pending {
                headers: block,
                content: Vec::new(),
                start: content_start,
                message: fields.is_message(),
            });
        } else {
            self.out.extend_from_slice(&block);
            self.out.extend_from_slice(b"\r\n");
            self.state = State::Leaf(Leaf::Kept);
        }
        self.previous_line_end = 0;
    }

    /// The held-back content of the current part outgrew [`INLINE_LIMIT`]: leave it out.
    fn omit_pending(&mut self) {
        let State::Leaf(Leaf::Pending {
            headers,
            content,
            start,
            message,
        }) = std::mem::replace(&mut self.state, State::Between)
        else {
            return;
        };
        let fields = HeaderFields::read(&headers);
        let mut size = SizeCounter::for_encoding(&fields.encoding);
        for line in content.split_inclusive(|b| *b == b'\n') {
            size.line(line);
        }
        self.out.extend_from_slice(&headers);
        let patch_at = self.out.len();
        self.out
            .extend_from_slice(stored_header_line(start, 0, 0).as_bytes());
        self.out.extend_from_slice(b"\r\n\r\n");
        if message && fields.encoding_is_identity() {
            // Keep an attached message's own headers, so its subject still names it.
            let end = content
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|i| i + 2)
                .or_else(|| {
                    content
                        .windows(4)
                        .position(|w| w == b"\r\n\r\n")
                        .map(|i| i + 4)
                });
            if let Some(end) = end {
                self.out.extend_from_slice(&content[..end]);
            }
        }
        // The line end a following boundary needs before it.
        self.out.extend_from_slice(b"\r\n");
        self.omitted += 1;
        self.state = State::Leaf(Leaf::Omitted {
            patch_at,
            start,
            size,
        });
    }

    /// The current part ends at `content_end` (exclusive); `line_end` is the length of the
    /// line end that preceded the boundary (not content).
    fn close_part(&mut self, content_end: u64, line_end: usize) {
        match std::mem::replace(&mut self.state, State::Between) {
            State::Headers { block, .. } => {
                // A header block the message ended in: keep what there is.
                let block = without_stored_header(&block);
                self.out.extend_from_slice(&block);
            }
            State::Between | State::Leaf(Leaf::Kept) => {}
            State::Leaf(Leaf::Pending {
                headers, content, ..
            }) => {
                self.out.extend_from_slice(&headers);
                self.out.extend_from_slice(b"\r\n");
                self.out.extend_from_slice(&content);
            }
            State::Leaf(Leaf::Omitted {
                patch_at,
                start,
                size,
            }) => {
                let line = stored_header_line(start, content_end, size.total(line_end));
                if let Some(slot) = self.out.get_mut(patch_at..patch_at + line.len()) {
                    slot.copy_from_slice(line.as_bytes());
                }
            }
        }
    }
}

/// The stored-body header line (without line end), numbers at fixed width.
fn stored_header_line(start: u64, end: u64, size: u64) -> String {
    format!(
        "{STORED_BODY_HEADER}: start={start:0w$}; end={end:0w$}; size={size:0w$}",
        w = NUMBER_WIDTH
    )
}

/// What the outline needs of a part's header block.
struct HeaderFields {
    content_type: String,
    boundary: Option<String>,
    attachment: bool,
    encoding: String,
}

impl HeaderFields {
    fn read(block: &[u8]) -> HeaderFields {
        let mut with_end = block.to_vec();
        with_end.extend_from_slice(b"\r\n");
        let parsed = MessageParser::default().parse_headers(&with_end);
        let mut fields = HeaderFields {
            content_type: "text/plain".into(),
            boundary: None,
            attachment: false,
            encoding: String::new(),
        };
        let Some(message) = parsed else {
            return fields;
        };
        if let Some(ct) = message.content_type() {
            fields.content_type = match ct.subtype() {
                Some(sub) => format!("{}/{}", ct.ctype(), sub),
                None => ct.ctype().to_string(),
            }
            .to_ascii_lowercase();
            if ct.ctype().eq_ignore_ascii_case("multipart") {
                fields.boundary = ct
                    .attribute("boundary")
                    .filter(|b| !b.is_empty())
                    .map(str::to_string);
            }
        }
        fields.attachment = message
            .content_disposition()
            .is_some_and(|d| d.is_attachment());
        if let Some(encoding) = message.header_raw("Content-Transfer-Encoding") {
            fields.encoding = encoding.trim().to_string();
        }
        fields
    }

    fn is_message(&self) -> bool {
        self.content_type.starts_with("message/")
    }

    /// Whether the part may be left out: anything but body text (text parts the sender did
    /// not mark as attachments are what the reader shows).
    fn omittable(&self) -> bool {
        if self.content_type.starts_with("multipart/") {
            return false;
        }
        !self.content_type.starts_with("text/") || self.attachment
    }

    fn encoding_is_identity(&self) -> bool {
        !self.encoding.eq_ignore_ascii_case("base64")
            && !self.encoding.eq_ignore_ascii_case("quoted-printable")
    }
}

/// `block` without any stored-body header field (folded lines included).
fn without_stored_header(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(block.len());
    let mut dropping = false;
    for line in block.split_inclusive(|b| *b == b'\n') {
        let continuation = matches!(line.first(), Some(b' ' | b'\t'));
        if !continuation {
            dropping = line.len() > STORED_BODY_HEADER.len()
                && line[..STORED_BODY_HEADER.len()]
                    .eq_ignore_ascii_case(STORED_BODY_HEADER.as_bytes())
                && trim_trailing_space(&line[STORED_BODY_HEADER.len()..]).starts_with(b":");
        }
        if !dropping {
            out.extend_from_slice(line);
        }
    }
    // A block cut off mid-line still ends with a line end in the outline.
    if !out.is_empty() && !out.ends_with(b"\n") {
        out.extend_from_slice(b"\r\n");
    }
    out
}

fn line_end_len(line: &[u8], overflow: u64) -> usize {
    if overflow > 0 && !line.ends_with(b"\n") {
        // The end of the line is in the dropped overflow; lines end in CRLF or LF.
        return 1;
    }
    if line.ends_with(b"\r\n") {
        2
    } else if line.ends_with(b"\n") {
        1
    } else {
        0
    }
}

fn trim_line_end(line: &[u8]) -> &[u8] {
    let line = line.strip_suffix(b"\n").unwrap_or(line);
    line.strip_suffix(b"\r").unwrap_or(line)
}

fn trim_trailing_space(text: &[u8]) -> &[u8] {
    let end = text
        .iter()
        .rposition(|b| !matches!(b, b' ' | b'\t'))
        .map_or(0, |i| i + 1);
    &text[..end]
}

/// The stored part behind part `part_index` of an outline, when its content was left out.
pub fn stored_part(outline: &[u8], part_index: u32) -> Option<StoredPart> {
    let message = MessageParser::default().parse(outline)?;
    let part = message.parts.get(part_index as usize)?;
    let value = stored_header_value(outline, part)?;
    let (start, end, size) = parse_stored_header(value)?;
    let header_bytes = outline.get(part.offset_header as usize..part.offset_body as usize)?;
    Some(StoredPart {
        headers: without_stored_header(header_bytes),
        start,
        end,
        size,
    })
}

/// The decoded size an outline's stored-body header gives for `part`, if it has one.
pub(crate) fn stored_size(outline: &[u8], part: &MessagePart<'_>) -> Option<u64> {
    stored_header_value(outline, part)
        .and_then(parse_stored_header)
        .map(|(_, _, size)| size)
}

/// The raw value of `part`'s stored-body header, read from the outline's bytes.
fn stored_header_value<'a>(outline: &'a [u8], part: &MessagePart<'_>) -> Option<&'a str> {
    let header = part
        .headers
        .iter()
        .rev()
        .find(|h| h.name.as_str().eq_ignore_ascii_case(STORED_BODY_HEADER))?;
    let bytes = outline.get(header.offset_start as usize..header.offset_end as usize)?;
    std::str::from_utf8(bytes).ok()
}

fn parse_stored_header(value: &str) -> Option<(u64, u64, u64)> {
    let mut start = None;
    let mut end = None;
    let mut size = None;
    for field in value.split(';') {
        let (name, number) = field.trim().split_once('=')?;
        let number: u64 = number.trim().parse().ok()?;
        match name.trim() {
            "start" => start = Some(number),
            "end" => end = Some(number),
            "size" => size = Some(number),
            _ => {}
        }
    }
    let (start, end) = (start?, end?);
    (end >= start).then_some((start, end, size?))
}

/// Decode a stored part's content (`content` = the stored message's bytes
/// `start..end`) as [`attachment::part_content`](super::attachment::part_content) would
/// have from the whole message: transfer encoding removed, text as UTF-8, an attached
/// message as the message.
pub fn decode_stored(part: &StoredPart, content: &[u8]) -> Vec<u8> {
    let mut mini = Vec::with_capacity(part.headers.len() + content.len() + 2);
    mini.extend_from_slice(&part.headers);
    if !part.headers.ends_with(b"\r\n\r\n") && !part.headers.ends_with(b"\n\n") {
        mini.extend_from_slice(b"\r\n");
    }
    mini.extend_from_slice(content);
    let Some(message) = MessageParser::default().parse(&mini) else {
        return content.to_vec();
    };
    match message.parts.first().map(|p| &p.body) {
        Some(PartType::Message(_)) | None => content.to_vec(),
        Some(_) => message.parts[0].contents().to_vec(),
    }
}

/// Decodes a stored part's content chunk by chunk, for parts whose decoding needs no
/// context beyond the bytes themselves: binary content sent as base64 or unencoded. (Text
/// is decoded from its charset and attached messages are taken whole, so those go through
/// [`decode_stored`].) The output equals [`decode_stored`]'s for the same part.
#[derive(Debug)]
pub struct PartDecoder {
    base64: bool,
    /// Base64 characters not yet decoded (fewer than four, between chunks).
    carry: Vec<u8>,
    finished: bool,
}

impl PartDecoder {
    /// A decoder for `part`, or `None` when its content must be decoded whole.
    pub fn new(part: &StoredPart) -> Option<PartDecoder> {
        let fields = HeaderFields::read(&part.headers);
        if fields.content_type.starts_with("text/") || fields.is_message() {
            return None;
        }
        let base64 = fields.encoding.eq_ignore_ascii_case("base64");
        if !base64 && !fields.encoding_is_identity() {
            return None;
        }
        Some(PartDecoder {
            base64,
            carry: Vec::new(),
            finished: false,
        })
    }

    /// Decode the next chunk of content, appending to `out`.
    pub fn push(&mut self, chunk: &[u8], out: &mut Vec<u8>) {
        if !self.base64 {
            out.extend_from_slice(chunk);
            return;
        }
        if self.finished {
            return;
        }
        for &b in chunk {
            if b == b'=' {
                // Padding ends the data, as mail-parser reads it.
                self.finished = true;
                break;
            }
            if b.is_ascii_alphanumeric() || b == b'+' || b == b'/' {
                self.carry.push(b);
            }
        }
        let whole = self.carry.len() / 4 * 4;
        decode_base64_groups(&self.carry[..whole], out);
        self.carry.drain(..whole);
        if self.finished {
            self.finish_into(out);
        }
    }

    /// Decode what is left at the end of the content.
    pub fn finish(mut self, out: &mut Vec<u8>) {
        if self.finished {
            return;
        }
        self.finish_into(out);
    }

    fn finish_into(&mut self, out: &mut Vec<u8>) {
        // An unpadded partial group is dropped, as mail-parser drops it.
        if self.carry.is_empty() || !self.finished {
            self.carry.clear();
            return;
        }
        let mut tail = std::mem::take(&mut self.carry);
        let bits = tail.len() * 6;
        tail.resize(4, b'A');
        let mut group = Vec::with_capacity(3);
        decode_base64_groups(&tail, &mut group);
        group.truncate(bits / 8);
        out.extend_from_slice(&group);
    }
}

/// Decode complete 4-character base64 groups (alphabet characters only).
fn decode_base64_groups(chars: &[u8], out: &mut Vec<u8>) {
    fn value(c: u8) -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            _ => 63,
        }
    }
    out.reserve(chars.len() / 4 * 3);
    for group in chars.chunks_exact(4) {
        let n = group.iter().fold(0u32, |acc, &c| (acc << 6) | value(c));
        out.extend_from_slice(&[(n >> 16) as u8, (n >> 8) as u8, n as u8]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outline_of(message: &[u8], chunk: usize) -> Outline {
        let mut b = OutlineBuilder::new();
        for piece in message.chunks(chunk.max(1)) {
            b.push(piece);
        }
        b.finish()
    }

    fn big_message(attachment_len: usize) -> (Vec<u8>, Vec<u8>) {
        let data: Vec<u8> = (0..attachment_len).map(|i| (i * 7 % 251) as u8).collect();
        let b64 = base64_lines(&data);
        let msg = format!(
            "From: a@example.com\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n\
             Content-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n\
             Content-Type: text/plain; charset=utf-8\r\n\r\nHello body\r\n--XX\r\n\
             Content-Type: application/pdf; name=\"r.pdf\"\r\nContent-Disposition: attachment; filename=\"r.pdf\"\r\n\
             Content-Transfer-Encoding: base64\r\n{STORED_BODY_HEADER}: start=0; end=5; size=1\r\n\r\n{b64}--XX--\r\nepilogue\r\n"
        );
        (msg.into_bytes(), data)
    }

    fn base64_lines(data: &[u8]) -> String {
        use base64::Engine;
        let text = base64::engine::general_purpose::STANDARD.encode(data);
        let mut out = String::new();
        for chunk in text.as_bytes().chunks(76) {
            out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
            out.push_str("\r\n");
        }
        out
    }

    #[test]
    fn a_large_attachment_is_left_out_and_read_back_from_its_range() {
        let (msg, data) = big_message(300_000);
        for chunk in [1, 7, 4096, msg.len()] {
            let outline = outline_of(&msg, chunk);
            assert_eq!(outline.omitted, 1, "chunk {chunk}");
            assert!(outline.bytes.len() < 2_000, "{}", outline.bytes.len());
            let parsed = MessageParser::default().parse(&outline.bytes).unwrap();
            assert_eq!(parsed.body_text(0).unwrap().trim(), "Hello body");
            let stored = stored_part(&outline.bytes, 2).unwrap();
            assert_eq!(stored.size, data.len() as u64);
            let content = &msg[stored.start as usize..stored.end as usize];
            assert_eq!(decode_stored(&stored, content), data);
            // The sender's forged header is gone; only ours is there.
            let text = String::from_utf8_lossy(&outline.bytes);
            assert_eq!(text.matches(STORED_BODY_HEADER).count(), 1);
        }
    }

    #[test]
    fn the_streaming_decoder_agrees_with_the_whole_decode() {
        for len in [0usize, 1, 2, 3, 4, 5, 100, 70_000, 300_001] {
            let (msg, data) = big_message(len.max(INLINE_LIMIT + 1));
            let data = &data[..];
            let outline = outline_of(&msg, 4096);
            let stored = stored_part(&outline.bytes, 2).unwrap();
            let content = &msg[stored.start as usize..stored.end as usize];
            for chunk in [1, 3, 77, 65536] {
                let mut decoder = PartDecoder::new(&stored).unwrap();
                let mut out = Vec::new();
                for piece in content.chunks(chunk) {
                    decoder.push(piece, &mut out);
                }
                decoder.finish(&mut out);
                assert_eq!(out, data, "len {len} chunk {chunk}");
                assert_eq!(out.len() as u64, stored.size);
            }
            let _ = len;
        }
        // Padding and odd tails.
        for text in ["QQ==", "QUI=", "QUJD", "QUJDRA==\r\n", "QU\r\nJD\r\nRA"] {
            let part = StoredPart {
                headers: b"Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n\r\n".to_vec(),
                start: 0,
                end: text.len() as u64,
                size: 0,
            };
            let mut decoder = PartDecoder::new(&part).unwrap();
            let mut out = Vec::new();
            for piece in text.as_bytes().chunks(1) {
                decoder.push(piece, &mut out);
            }
            decoder.finish(&mut out);
            assert_eq!(out, decode_stored(&part, text.as_bytes()), "{text}");
        }
    }

    #[test]
    fn text_and_messages_are_not_streamed() {
        for ct in ["text/csv", "message/rfc822"] {
            let part = StoredPart {
                headers: format!("Content-Type: {ct}\r\n\r\n").into_bytes(),
                start: 0,
                end: 0,
                size: 0,
            };
            assert!(PartDecoder::new(&part).is_none(), "{ct}");
        }
    }

    #[test]
    fn small_messages_are_kept_whole() {
        let msg = b"Subject: hi\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\
            Content-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: image/png\r\n\
            Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n--b--\r\n";
        let outline = outline_of(msg, 3);
        assert_eq!(outline.omitted, 0);
        let parsed = MessageParser::default().parse(&outline.bytes).unwrap();
        assert_eq!(parsed.attachments.len(), 1);
        assert_eq!(parsed.parts[2].contents(), b"\x89PNG\r\n\x1a\n");
    }

    #[test]
    fn an_attached_message_keeps_its_headers_and_lf_messages_work() {
        let mut inner = String::from("Subject: the forwarded one\nFrom: c@example.com\n\n");
        while inner.len() < INLINE_LIMIT + 10 {
            inner.push_str("some long forwarded text line that goes on\n");
        }
        let msg = format!(
            "Subject: fwd\nContent-Type: multipart/mixed; boundary=q\n\n--q\nContent-Type: text/plain\n\nsee attached\n--q\nContent-Type: message/rfc822\n\n{inner}\n--q--\n"
        );
        let outline = outline_of(msg.as_bytes(), 100);
        assert_eq!(outline.omitted, 1);
        let parsed = MessageParser::default().parse(&outline.bytes).unwrap();
        let part = &parsed.parts[2];
        match &part.body {
            PartType::Message(m) => assert_eq!(m.subject(), Some("the forwarded one")),
            other => panic!("not a message: {other:?}"),
        }
        let stored = stored_part(&outline.bytes, 2).unwrap();
        let content = &msg.as_bytes()[stored.start as usize..stored.end as usize];
        assert_eq!(content, inner.as_bytes());
        assert_eq!(stored.size, inner.len() as u64);
    }

    #[test]
    fn quoted_printable_sizes_are_counted() {
        let mut body = String::new();
        while body.len() < INLINE_LIMIT * 2 {
            body.push_str("caf=C3=A9 and more text=\r\n that continues\r\n");
        }
        let msg = format!(
            "Content-Type: multipart/mixed; boundary=z\r\n\r\n--z\r\nContent-Type: text/csv\r\n\
             Content-Disposition: attachment; filename=a.csv\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n{body}\r\n--z--\r\n"
        );
        let outline = outline_of(msg.as_bytes(), 999);
        assert_eq!(outline.omitted, 1);
        let stored = stored_part(&outline.bytes, 1).unwrap();
        let content = &msg.as_bytes()[stored.start as usize..stored.end as usize];
        let decoded = decode_stored(&stored, content);
        assert_eq!(stored.size, decoded.len() as u64);
    }

    #[test]
    fn arbitrary_bytes_never_panic_and_ranges_stay_inside() {
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for round in 0..200 {
            let len = 1 + (round * 997) % 5000;
            let mut msg = Vec::with_capacity(len);
            for _ in 0..len {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let choices = b"--b\r\n:;= Content-Type: multipart/mixed; boundary=b\nab";
                msg.push(choices[(seed % choices.len() as u64) as usize]);
            }
            let outline = outline_of(&msg, 1 + round % 13);
            for i in 0..8 {
                if let Some(stored) = stored_part(&outline.bytes, i) {
                    assert!(stored.end <= msg.len() as u64);
                }
            }
        }
    }
}
