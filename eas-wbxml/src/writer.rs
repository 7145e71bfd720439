//! The writer: minimal WBXML into a buffer or, incrementally, into any `io::Write`.

use std::io;

use crate::{Charset, Error, Event, Extension, ExtensionValue, Header, PublicId, TagName};

/// Where the writer's bytes go.
pub trait Sink {
    /// Append `bytes`.
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error>;
    /// Push everything written so far to its destination.
    fn flush(&mut self) -> Result<(), Error> {
        Ok(())
    }
}

impl Sink for Vec<u8> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.extend_from_slice(bytes);
        Ok(())
    }
}

/// A [`Sink`] that streams into an `io::Write` through a fixed buffer, so a response of any
/// size is written with bounded memory (large strings and opaque data go straight through).
#[derive(Debug)]
pub struct IoSink<W: io::Write> {
    out: W,
    buf: Vec<u8>,
}

impl<W: io::Write> IoSink<W> {
    const CAPACITY: usize = 16 * 1024;

    /// Wrap `out`.
    pub fn new(out: W) -> Self {
        IoSink {
            out,
            buf: Vec::with_capacity(Self::CAPACITY),
        }
    }

    /// Flush and return the inner writer.
    pub fn into_inner(mut self) -> Result<W, Error> {
        Sink::flush(&mut self)?;
        Ok(self.out)
    }
}

impl<W: io::Write> Sink for IoSink<W> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.buf.len() + bytes.len() > Self::CAPACITY {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
            if bytes.len() > Self::CAPACITY / 2 {
                self.out.write_all(bytes)?;
                return Ok(());
            }
        }
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> Result<(), Error> {
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()?;
        Ok(())
    }
}

/// Append `v` as a WBXML `mb_u_int32`.
#[inline]
pub fn put_mb_u32(out: &mut impl Sink, v: u32) -> Result<(), Error> {
    let mut buf = [0u8; 5];
    let mut i = 5;
    let mut v = v;
    loop {
        i -= 1;
        buf[i] = (v & 0x7F) as u8 | if i == 4 { 0 } else { 0x80 };
        v >>= 7;
        if v == 0 {
            break;
        }
    }
    out.put(&buf[i..])
}

/// Writes one WBXML document: the header, then elements, text and opaque data.
///
/// Output is minimal: `SWITCH_PAGE` only when the code page changes, strings inline
/// (`STR_I`, no string table), opaque data with its length. Misuse (an END with nothing open,
/// a second root, text outside the root, a NUL inside a string) is an [`Error::Write`], so a
/// bug in a caller cannot produce a malformed document.
///
/// ```
/// use eas_wbxml::{Reader, Writer};
/// let mut w = Writer::new(Vec::new())?;
/// w.start(7, 0x16)?; // FolderSync
/// w.start(7, 0x12)?; // SyncKey
/// w.text("0")?;
/// w.end()?;
/// w.end()?;
/// let doc = w.finish()?;
/// assert_eq!(doc, [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01]);
/// assert_eq!(Reader::new(&doc)?.count(), 5);
/// # Ok::<(), eas_wbxml::Error>(())
/// ```
#[derive(Debug)]
pub struct Writer<S: Sink> {
    out: S,
    charset: Charset,
    page: u8,
    depth: usize,
    root_done: bool,
    /// A tag without the content bit was written; the next event must be its END.
    pending_empty: bool,
}

impl<S: Sink> Writer<S> {
    /// A writer for an EAS document: WBXML 1.3, public id 1, UTF-8, no string table.
    pub fn new(out: S) -> Result<Self, Error> {
        Self::with_header(out, &Header::default())
    }

    /// A writer with the version, public id and charset of `header`. A string-table public
    /// id is written with a string table holding just that identifier; other strings are
    /// always written inline.
    pub fn with_header(mut out: S, header: &Header<'_>) -> Result<Self, Error> {
        out.put(&[header.version.byte()])?;
        match header.public_id {
            PublicId::Numeric(id) => {
                if id == 0 {
                    return Err(Error::Write("numeric public id 0 means 'string table'"));
                }
                put_mb_u32(&mut out, id)?;
                put_mb_u32(&mut out, header.charset.mib())?;
                out.put(&[0])?;
            }
            PublicId::String { value, .. } => {
                if header.charset.contains_terminator(value) {
                    return Err(Error::Write("public id string contains a terminator"));
                }
                let unit = header.charset.unit_width();
                out.put(&[0, 0])?;
                put_mb_u32(&mut out, header.charset.mib())?;
                let len = u32::try_from(value.len() + unit)
                    .map_err(|_| Error::Write("public id too long"))?;
                put_mb_u32(&mut out, len)?;
                out.put(value)?;
                out.put(&[0, 0][..unit])?;
            }
        }
        Ok(Writer {
            out,
            charset: header.charset,
            page: 0,
            depth: 0,
            root_done: false,
            pending_empty: false,
        })
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    fn check_content(&self, what: &'static str) -> Result<(), Error> {
        if self.pending_empty {
            return Err(Error::Write(
                "content inside an element written without content",
            ));
        }
        if self.depth == 0 {
            return Err(Error::Write(what));
        }
        Ok(())
    }

    #[inline]
    fn tag(&mut self, page: u8, token: u8, content: bool) -> Result<(), Error> {
        if !(0x05..=0x3F).contains(&token) {
            return Err(Error::Write("tag token outside 0x05..=0x3F"));
        }
        if self.pending_empty {
            return Err(Error::Write(
                "content inside an element written without content",
            ));
        }
        if self.root_done {
            return Err(Error::Write("a second root element"));
        }
        if page != self.page {
            self.out.put(&[0x00, page])?;
            self.page = page;
        }
        self.out.put(&[token | if content { 0x40 } else { 0 }])?;
        self.depth += 1;
        Ok(())
    }

    /// Open an element with content; close it with [`end`](Self::end).
    #[inline]
    pub fn start(&mut self, page: u8, token: u8) -> Result<(), Error> {
        self.tag(page, token, true)
    }

    /// Write an element with no content (a tag without the content bit); it is complete.
    #[inline]
    pub fn empty(&mut self, page: u8, token: u8) -> Result<(), Error> {
        self.tag(page, token, false)?;
        self.close();
        Ok(())
    }

    /// Close the innermost open element.
    #[inline]
    pub fn end(&mut self) -> Result<(), Error> {
        if self.pending_empty {
            // The END of a tag written without content is implied by its tag byte.
            self.pending_empty = false;
            self.close();
            return Ok(());
        }
        if self.depth == 0 {
            return Err(Error::Write("END with no open element"));
        }
        self.out.put(&[0x01])?;
        self.close();
        Ok(())
    }

    fn close(&mut self) {
        self.depth -= 1;
        if self.depth == 0 {
            self.root_done = true;
        }
    }

    /// Write `s` as an inline string, encoded in the document's charset.
    #[inline]
    pub fn text(&mut self, s: &str) -> Result<(), Error> {
        self.check_content("text outside the root element")?;
        let bytes = self.charset.encode(s)?;
        self.put_inline(&bytes)
    }

    /// Write `s` as an inline string, or as opaque data if it contains a NUL (which cannot
    /// stand in an inline string). For UTF-8 documents, one scan of the text either way.
    #[inline]
    pub fn text_or_opaque(&mut self, s: &str) -> Result<(), Error> {
        self.check_content("text outside the root element")?;
        if matches!(self.charset, Charset::Utf8 | Charset::Unknown) {
            if memchr::memchr(0, s.as_bytes()).is_some() {
                return self.opaque(s.as_bytes());
            }
            self.out.put(&[0x03])?;
            self.out.put(s.as_bytes())?;
            return self.out.put(&[0]);
        }
        let bytes = self.charset.encode(s)?;
        if self.charset.contains_terminator(&bytes) {
            self.opaque(s.as_bytes())
        } else {
            self.put_inline(&bytes)
        }
    }

    /// Write bytes already in the document's charset as an inline string.
    #[inline]
    pub fn text_bytes(&mut self, bytes: &[u8]) -> Result<(), Error> {
        self.check_content("text outside the root element")?;
        self.put_inline(bytes)
    }

    #[inline]
    fn put_inline(&mut self, bytes: &[u8]) -> Result<(), Error> {
        if self.charset.contains_terminator(bytes) {
            return Err(Error::Write(
                "a string containing NUL cannot be inline; write it as opaque",
            ));
        }
        if self.charset.unit_width() == 2 && !bytes.len().is_multiple_of(2) {
            return Err(Error::Write("UTF-16 text of odd length"));
        }
        self.out.put(&[0x03])?;
        self.out.put(bytes)?;
        self.out.put(&[0, 0][..self.charset.unit_width()])
    }

    /// Write `data` as opaque data.
    #[inline]
    pub fn opaque(&mut self, data: &[u8]) -> Result<(), Error> {
        self.check_content("opaque data outside the root element")?;
        let len = u32::try_from(data.len()).map_err(|_| Error::Write("opaque data over 4 GiB"))?;
        self.out.put(&[0xC3])?;
        put_mb_u32(&mut self.out, len)?;
        self.out.put(data)
    }

    /// Write a character entity.
    pub fn entity(&mut self, c: char) -> Result<(), Error> {
        self.check_content("entity outside the root element")?;
        self.out.put(&[0x02])?;
        put_mb_u32(&mut self.out, u32::from(c))
    }

    /// Write an extension token.
    pub fn extension(&mut self, ext: &Extension<'_>) -> Result<(), Error> {
        self.check_content("extension outside the root element")?;
        if ext.index > 2 {
            return Err(Error::Write("extension index above 2"));
        }
        match ext.value {
            ExtensionValue::Text(t) => {
                self.out.put(&[0x40 | ext.index])?;
                let bytes = t.as_bytes();
                if self.charset.contains_terminator(bytes) {
                    return Err(Error::Write("extension string contains a terminator"));
                }
                self.out.put(bytes)?;
                self.out.put(&[0, 0][..self.charset.unit_width()])
            }
            ExtensionValue::Integer(v) => {
                self.out.put(&[0x80 | ext.index])?;
                put_mb_u32(&mut self.out, v)
            }
            ExtensionValue::None => self.out.put(&[0xC0 | ext.index]),
        }
    }

    /// Write a decoded event again. Text from the string table is written inline, and
    /// literal tags, attributes and processing instructions, which need a string table or
    /// attribute code pages that this writer does not emit, are refused.
    pub fn write_event(&mut self, event: &Event<'_>) -> Result<(), Error> {
        match event {
            Event::Start(tag) => {
                if tag.attributes.is_some() {
                    return Err(Error::Write("attributes are not written"));
                }
                let TagName::Token { page, token } = tag.name else {
                    return Err(Error::Write("literal tags are not written"));
                };
                self.tag(page, token, tag.has_content)?;
                if !tag.has_content {
                    self.pending_empty = true;
                }
                Ok(())
            }
            Event::End => self.end(),
            Event::Text(t) => self.text_bytes(t.as_bytes()),
            Event::Opaque(d) => self.opaque(d),
            Event::Entity(c) => self.entity(*c),
            Event::Extension(e) => self.extension(e),
            Event::ProcessingInstruction(_) => {
                Err(Error::Write("processing instructions are not written"))
            }
        }
    }

    /// Check that the document is complete and return the sink.
    pub fn finish(mut self) -> Result<S, Error> {
        if self.pending_empty || self.depth != 0 {
            return Err(Error::Write("elements are still open"));
        }
        if !self.root_done {
            return Err(Error::Write("no root element"));
        }
        self.out.flush()?;
        Ok(self.out)
    }
}
