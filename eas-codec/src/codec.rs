//! The typed layer's machinery: a [`Decoder`] that walks elements, an [`Encoder`] that writes
//! them for one protocol version, and the [`Value`] trait that every wire type implements.
//! The `wire_struct!` and `wire_choice!` macros generate `Value` for structs and choices
//! from one declaration, so decode and encode cannot disagree.

use std::borrow::Cow;

use eas_wbxml::{Event, Limits, Reader, Sink, TagName, Token, Writer};

use crate::{CodecError, ProtocolVersion, Tag};

/// How to decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeOptions {
    /// The negotiated protocol version.
    pub version: ProtocolVersion,
    /// Whether an element the version does not have is an error ([`CodecError::NotInVersion`])
    /// or read anyway. Strict by default: a server answers such a request with a protocol
    /// error instead of guessing.
    pub strict_versions: bool,
    /// Most repetitions of one element inside one parent (collections in a Sync, items in a
    /// window, recipients of a mail). Exchange caps a Sync at 1,000 collections and a window
    /// at 512 items; the default of 10,000 leaves room for large legitimate lists (GAL
    /// results, categories) while bounding work.
    pub max_repeat: usize,
    /// The WBXML layer's limits.
    pub limits: Limits,
    /// The data class to assume for an `ApplicationData` whose children do not tell (only
    /// AirSyncBase elements, or none). The server knows it from the collection; `None`
    /// means Email.
    pub class_hint: Option<crate::Class>,
}

impl DecodeOptions {
    /// Default options for `version`.
    pub fn new(version: ProtocolVersion) -> Self {
        DecodeOptions {
            version,
            strict_versions: true,
            max_repeat: 10_000,
            limits: Limits::default(),
            class_hint: None,
        }
    }
}

/// The open elements, kept inline: a heap allocation per message would cost more than the
/// rest of decoding a small request. EAS nests about 12 deep; levels past 16 are counted but
/// not named in errors.
#[derive(Debug, Clone, Copy)]
struct TagStack {
    tags: [Tag; 16],
    len: usize,
}

impl Default for TagStack {
    fn default() -> Self {
        TagStack {
            tags: [Tag::new(0, 0); 16],
            len: 0,
        }
    }
}

impl TagStack {
    #[inline]
    fn push(&mut self, tag: Tag) {
        if let Some(slot) = self.tags.get_mut(self.len) {
            *slot = tag;
        }
        self.len += 1;
    }

    #[inline]
    fn pop(&mut self) {
        self.len = self.len.saturating_sub(1);
    }

    #[inline]
    fn len(&self) -> usize {
        self.len
    }

    /// The `n`-th open element from the innermost (0 is the innermost).
    fn nth_from_top(&self, n: usize) -> Tag {
        self.len
            .checked_sub(n + 1)
            .and_then(|i| self.tags.get(i))
            .copied()
            .unwrap_or(Tag::new(0, 0))
    }
}

/// Walks a document element by element for the typed decoders. Cloning it is cheap and
/// gives an independent cursor (used to try alternatives).
#[derive(Debug, Clone)]
pub struct Decoder<'a> {
    reader: Reader<'a>,
    opts: DecodeOptions,
    /// The open elements, innermost last (for error context).
    stack: TagStack,
}

impl<'a> Decoder<'a> {
    /// Open `doc` and read up to its root start tag, returning the root's tag.
    pub fn open(doc: &'a [u8], opts: DecodeOptions) -> Result<(Decoder<'a>, Tag), CodecError> {
        let mut d = Decoder::new(doc, opts)?;
        let root = d.root()?;
        Ok((d, root))
    }

    /// A decoder before the root element (read it with [`Decoder::root`]).
    #[inline]
    pub fn new(doc: &'a [u8], opts: DecodeOptions) -> Result<Decoder<'a>, CodecError> {
        Ok(Decoder {
            reader: Reader::with_limits(doc, opts.limits)?,
            opts,
            stack: TagStack::default(),
        })
    }

    /// Read the root element's start tag.
    #[inline]
    pub fn root(&mut self) -> Result<Tag, CodecError> {
        match self.next_child()? {
            Some(tag) => Ok(tag),
            // `next_child` at depth 0 cannot see an END: the reader reports a missing root.
            None => Err(CodecError::Wbxml(eas_wbxml::Error::NoRootElement {
                offset: self.reader.event_offset(),
            })),
        }
    }

    /// The negotiated protocol version.
    pub fn version(&self) -> ProtocolVersion {
        self.opts.version
    }

    /// The options in force.
    pub fn options(&self) -> &DecodeOptions {
        &self.opts
    }

    /// The innermost open element.
    pub fn current(&self) -> Tag {
        self.stack.nth_from_top(0)
    }

    /// Byte offset of the last event read.
    pub fn offset(&self) -> usize {
        self.reader.event_offset()
    }

    fn next_event(&mut self) -> Result<Event<'a>, CodecError> {
        match self.reader.next_event()? {
            Some(ev) => Ok(ev),
            None => Err(CodecError::Wbxml(eas_wbxml::Error::Truncated {
                offset: self.reader.event_offset(),
                open: self.stack.len(),
            })),
        }
    }

    fn start_tag(&mut self, t: eas_wbxml::StartTag<'a>) -> Result<Tag, CodecError> {
        let at = self.offset();
        if t.attributes.is_some() {
            return Err(CodecError::Unsupported {
                what: "an attribute",
                offset: at,
            });
        }
        let TagName::Token { page, token } = t.name else {
            return Err(CodecError::Unsupported {
                what: "a literal tag",
                offset: at,
            });
        };
        self.open_tag(Tag::new(page, token))
    }

    /// The next child element of the current element: `Some(tag)` with the child now open,
    /// or `None` when the current element ended (it is then closed). Text between child
    /// elements is an error: a container holds elements only.
    #[inline]
    pub fn next_child(&mut self) -> Result<Option<Tag>, CodecError> {
        // The compact token path covers nearly every element of a real document; the event
        // path below handles the rest with the same checks.
        match self.reader.next_token() {
            Token::Start { page, token, .. } => self.open_tag(Tag::new(page, token)).map(Some),
            Token::End => {
                self.stack.pop();
                Ok(None)
            }
            Token::Utf8Text([]) => self.next_child_slow(),
            Token::Utf8Text(_) => Err(CodecError::UnexpectedContent {
                parent: self.current(),
                what: "text",
                offset: self.offset(),
            }),
            Token::Other => self.next_child_slow(),
        }
    }

    #[inline]
    fn open_tag(&mut self, tag: Tag) -> Result<Tag, CodecError> {
        if self.opts.strict_versions && !tag.exists_in(self.opts.version) {
            return Err(CodecError::NotInVersion {
                tag,
                version: self.opts.version,
                offset: self.offset(),
            });
        }
        self.stack.push(tag);
        Ok(tag)
    }

    #[cold]
    fn next_child_slow(&mut self) -> Result<Option<Tag>, CodecError> {
        loop {
            match self.next_event()? {
                Event::Start(t) => return self.start_tag(t).map(Some),
                Event::End => {
                    self.stack.pop();
                    return Ok(None);
                }
                // An empty string between elements carries nothing (some encoders emit it).
                Event::Text(t) if t.as_bytes().is_empty() => continue,
                Event::Text(_) | Event::Opaque(_) | Event::Entity(_) => {
                    return Err(CodecError::UnexpectedContent {
                        parent: self.current(),
                        what: "text",
                        offset: self.offset(),
                    });
                }
                Event::Extension(_) | Event::ProcessingInstruction(_) => {
                    return Err(CodecError::Unsupported {
                        what: "an extension token or processing instruction",
                        offset: self.offset(),
                    });
                }
            }
        }
    }

    /// The bytes of the current element's content (inline strings, table strings, opaque
    /// data and entities, concatenated), closing it. Borrowed when the content is one piece.
    pub fn bytes(&mut self) -> Result<Cow<'a, [u8]>, CodecError> {
        self.content().map(|(b, _)| b)
    }

    /// The current element's content and whether any of it was opaque data, closing it.
    #[inline]
    pub fn content(&mut self) -> Result<(Cow<'a, [u8]>, bool), CodecError> {
        // Nearly every value is one inline string, or nothing.
        let first = match self.reader.next_token() {
            Token::End => {
                self.stack.pop();
                return Ok((Cow::Borrowed(&[]), false));
            }
            Token::Utf8Text(t) => match self.reader.next_token() {
                Token::End => {
                    self.stack.pop();
                    return Ok((Cow::Borrowed(t), false));
                }
                Token::Start { .. } => return Err(self.element_in_value()),
                Token::Utf8Text(more) => Some(Cow::Owned([t, more].concat())),
                // More pieces follow (table strings, entities, opaque data).
                Token::Other => Some(Cow::Borrowed(t)),
            },
            Token::Start { .. } => return Err(self.element_in_value()),
            Token::Other => None,
        };
        self.content_slow(first)
    }

    fn element_in_value(&self) -> CodecError {
        CodecError::UnexpectedContent {
            parent: self.current(),
            what: "an element where a value was expected",
            offset: self.offset(),
        }
    }

    #[cold]
    fn content_slow(
        &mut self,
        mut acc: Option<Cow<'a, [u8]>>,
    ) -> Result<(Cow<'a, [u8]>, bool), CodecError> {
        let mut opaque = false;
        loop {
            let piece: Cow<'a, [u8]> = match self.next_event()? {
                Event::End => {
                    self.stack.pop();
                    return Ok((acc.unwrap_or(Cow::Borrowed(&[])), opaque));
                }
                Event::Text(t) => match t.charset() {
                    eas_wbxml::Charset::Utf8 | eas_wbxml::Charset::Unknown => {
                        Cow::Borrowed(t.as_bytes())
                    }
                    _ => match t.to_str()? {
                        Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
                        Cow::Owned(s) => Cow::Owned(s.into_bytes()),
                    },
                },
                Event::Opaque(d) => {
                    opaque = true;
                    Cow::Borrowed(d)
                }
                Event::Entity(c) => Cow::Owned(c.to_string().into_bytes()),
                Event::Start(_) => return Err(self.element_in_value()),
                Event::Extension(_) | Event::ProcessingInstruction(_) => {
                    return Err(CodecError::Unsupported {
                        what: "an extension token or processing instruction",
                        offset: self.offset(),
                    });
                }
            };
            acc = Some(match acc {
                None => piece,
                Some(prev) => {
                    let mut v = prev.into_owned();
                    v.extend_from_slice(&piece);
                    Cow::Owned(v)
                }
            });
        }
    }

    /// The current element's content as UTF-8 text, closing it.
    pub fn text(&mut self) -> Result<Cow<'a, str>, CodecError> {
        let tag = self.current();
        let at = self.offset();
        match self.bytes()? {
            Cow::Borrowed(b) => simdutf8::basic::from_utf8(b)
                .map(Cow::Borrowed)
                .map_err(|_| ()),
            Cow::Owned(v) => String::from_utf8(v).map(Cow::Owned).map_err(|_| ()),
        }
        .map_err(|()| CodecError::InvalidValue {
            tag,
            offset: at,
            reason: "not valid UTF-8",
        })
    }

    /// Skip the rest of the current element, closing it.
    pub fn skip(&mut self) -> Result<(), CodecError> {
        let depth = self.stack.len();
        while self.stack.len() >= depth {
            match self.next_event()? {
                Event::Start(t) => {
                    self.start_tag(t)?;
                }
                Event::End => {
                    self.stack.pop();
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// After the root element closed: check that nothing but what the WBXML layer tolerates
    /// follows.
    pub fn finish(mut self) -> Result<(), CodecError> {
        match self.reader.next_event()? {
            None => Ok(()),
            Some(_) => Err(CodecError::Unsupported {
                what: "content after the root element",
                offset: self.reader.event_offset(),
            }),
        }
    }

    /// The tags of the current element's direct children, in order, without consuming
    /// anything (the reader is copied and run ahead). Used where the schema only tells
    /// alternatives apart by their children.
    pub fn peek_child_tags(&self) -> Result<Vec<Tag>, CodecError> {
        let mut tags = Vec::new();
        self.peek_children(|t| {
            tags.push(t);
            false
        })?;
        Ok(tags)
    }

    /// Run `f` on the tags of the current element's direct children, in order, without
    /// consuming anything, until it returns `true` (then the look-ahead stops: deciding on
    /// the first child does not scan the rest of a large element).
    pub fn peek_children(&self, mut f: impl FnMut(Tag) -> bool) -> Result<(), CodecError> {
        let mut ahead = self.reader.clone();
        let mut depth = 0usize;
        while let Some(ev) = ahead.next_event()? {
            match ev {
                Event::Start(t) => {
                    if let (0, TagName::Token { page, token }) = (depth, t.name)
                        && f(Tag::new(page, token))
                    {
                        return Ok(());
                    }
                    depth += 1;
                }
                Event::End if depth == 0 => break,
                Event::End => depth -= 1,
                _ => {}
            }
        }
        Ok(())
    }

    /// The code pages of the current element's direct children, in order of first use,
    /// without consuming anything. `ApplicationData` uses it to learn its data class before
    /// decoding.
    pub fn peek_child_pages(&self) -> Result<Vec<u8>, CodecError> {
        let mut pages = Vec::new();
        for t in self.peek_child_tags()? {
            if !pages.contains(&t.page) {
                pages.push(t.page);
            }
        }
        Ok(pages)
    }

    /// The parent of the element just opened.
    pub fn parent(&self) -> Tag {
        self.stack.nth_from_top(1)
    }

    /// The error for a child element (just opened) that its parent does not allow.
    pub fn unexpected(&self, tag: Tag) -> CodecError {
        CodecError::UnexpectedElement {
            tag,
            parent: self.parent(),
            offset: self.offset(),
        }
    }

    /// The error for a value that does not parse.
    pub fn invalid(&self, tag: Tag, reason: &'static str) -> CodecError {
        CodecError::InvalidValue {
            tag,
            offset: self.offset(),
            reason,
        }
    }
}

/// Writes typed values as WBXML for one protocol version.
#[derive(Debug)]
pub struct Encoder<S: Sink> {
    w: Writer<S>,
    version: ProtocolVersion,
    /// An element opened but not written yet: written with the content bit when content
    /// follows, as an empty tag (`<X/>`) when it closes first, as real peers write them.
    pending: Option<Tag>,
}

impl<S: Sink> Encoder<S> {
    /// An encoder writing an EAS document for `version` into `sink`.
    pub fn new(sink: S, version: ProtocolVersion) -> Result<Self, CodecError> {
        Ok(Encoder {
            w: Writer::new(sink)?,
            version,
            pending: None,
        })
    }

    /// The version being written.
    pub fn version(&self) -> ProtocolVersion {
        self.version
    }

    /// Whether `tag` may be written for this version. Elements the client's version does not
    /// know are left out by [`Encoder::field`], never sent.
    pub fn allows(&self, tag: Tag) -> bool {
        tag.exists_in(self.version)
    }

    /// Write `value` as element `tag` if the version has that element.
    pub fn field<T: Value>(&mut self, tag: Tag, value: &T) -> Result<(), CodecError> {
        if self.allows(tag) {
            value.encode(self, tag)?;
        }
        Ok(())
    }

    #[inline]
    fn flush(&mut self) -> Result<(), CodecError> {
        if let Some(t) = self.pending.take() {
            self.w.start(t.page, t.token)?;
        }
        Ok(())
    }

    /// Refuse to write what our own (and any default) reader would refuse: recursive values
    /// such as Search queries can nest without bound.
    #[inline]
    fn check_depth(&self, tag: Tag) -> Result<(), CodecError> {
        // `self.w.depth()` counts open elements; the pending one (flushed first) is one more.
        let limit = eas_wbxml::Limits::default().max_depth;
        if self.w.depth() + usize::from(self.pending.is_some()) >= limit {
            return Err(CodecError::TooDeep { tag, limit });
        }
        Ok(())
    }

    /// Open element `tag`.
    #[inline]
    pub fn start(&mut self, tag: Tag) -> Result<(), CodecError> {
        self.check_depth(tag)?;
        self.flush()?;
        self.pending = Some(tag);
        Ok(())
    }

    /// Close the innermost element.
    #[inline]
    pub fn end(&mut self) -> Result<(), CodecError> {
        match self.pending.take() {
            Some(t) => Ok(self.w.empty(t.page, t.token)?),
            None => Ok(self.w.end()?),
        }
    }

    /// Write element `tag` with no content.
    pub fn empty(&mut self, tag: Tag) -> Result<(), CodecError> {
        self.check_depth(tag)?;
        self.flush()?;
        Ok(self.w.empty(tag.page, tag.token)?)
    }

    /// Write element `tag` holding `text` (an empty string is an empty element). Text with
    /// a NUL in it (which a peer can send as opaque data) cannot be an inline string, so it
    /// is written as opaque data.
    pub fn text_element(&mut self, tag: Tag, text: &str) -> Result<(), CodecError> {
        self.flush()?;
        self.check_depth(tag)?;
        if text.is_empty() {
            return Ok(self.w.empty(tag.page, tag.token)?);
        }
        self.w.start(tag.page, tag.token)?;
        self.w.text_or_opaque(text)?;
        Ok(self.w.end()?)
    }

    /// Write element `tag` holding `text` that must come back as text: a NUL, which an inline
    /// string cannot hold, is written as a character entity rather than switching the whole
    /// value to opaque data (for values such as [`Binary`] whose wire form is meaningful).
    pub fn text_element_keeping_form(&mut self, tag: Tag, text: &str) -> Result<(), CodecError> {
        if !text.contains('\0') {
            return self.text_element(tag, text);
        }
        self.check_depth(tag)?;
        self.flush()?;
        self.w.start(tag.page, tag.token)?;
        for (i, piece) in text.split('\0').enumerate() {
            if i > 0 {
                self.w.entity('\0')?;
            }
            if !piece.is_empty() {
                self.w.text(piece)?;
            }
        }
        Ok(self.w.end()?)
    }

    /// Write element `tag` holding opaque `data` (written even when empty, so that the
    /// opaque form survives).
    pub fn opaque_element(&mut self, tag: Tag, data: &[u8]) -> Result<(), CodecError> {
        self.check_depth(tag)?;
        self.flush()?;
        self.w.start(tag.page, tag.token)?;
        self.w.opaque(data)?;
        Ok(self.w.end()?)
    }

    /// Finish the document and return the sink.
    pub fn finish(self) -> Result<S, CodecError> {
        Ok(self.w.finish()?)
    }
}

/// A wire type: something that is the content of one element.
pub trait Value: Sized {
    /// Decode the content of the element `tag`, whose start tag has just been read; consume
    /// through its end.
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError>;
    /// Write this value as element `tag` (start tag, content, end tag).
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError>;
}

/// A wire type that can be a whole document.
pub trait Element: Value {
    /// The root element's tag.
    const TAG: Tag;
}

/// A set of alternative elements, each with its own content type (e.g. the commands in a
/// Sync `Commands` element). Generated by `wire_choice!`.
pub trait Choice: Sized {
    /// Whether `tag` is one of the alternatives.
    fn accepts(tag: Tag) -> bool;
    /// Decode the alternative `tag`, whose start tag has just been read.
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError>;
    /// Write this alternative with its own tag.
    fn encode<S: Sink>(&self, e: &mut Encoder<S>) -> Result<(), CodecError>;
    /// The alternative's tag.
    fn tag(&self) -> Tag;
}

/// Decode a whole document whose root is `T`.
pub fn decode<T: Element>(doc: &[u8], opts: DecodeOptions) -> Result<T, CodecError> {
    // Built in place: the decoder is a few hundred bytes, and moving it costs about as much
    // as decoding a small request.
    let mut d = Decoder::new(doc, opts)?;
    let root = d.root()?;
    if root != T::TAG {
        return Err(CodecError::WrongRoot {
            expected: T::TAG,
            found: Some(root),
            offset: d.offset(),
        });
    }
    let v = T::decode(&mut d, root)?;
    d.finish()?;
    Ok(v)
}

/// Encode `value` as a whole document for `version`.
pub fn encode<T: Element>(value: &T, version: ProtocolVersion) -> Result<Vec<u8>, CodecError> {
    let mut e = Encoder::new(Vec::new(), version)?;
    value.encode(&mut e, T::TAG)?;
    e.finish()
}

// ---- Leaf types ----

impl Value for crate::CompactString {
    #[inline]
    fn decode(d: &mut Decoder<'_>, _: Tag) -> Result<Self, CodecError> {
        Ok(match d.text()? {
            Cow::Borrowed(s) => crate::CompactString::new(s),
            Cow::Owned(s) => crate::CompactString::from(s),
        })
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.text_element(tag, self)
    }
}

impl Value for String {
    fn decode(d: &mut Decoder<'_>, _: Tag) -> Result<Self, CodecError> {
        Ok(d.text()?.into_owned())
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.text_element(tag, self)
    }
}

macro_rules! integer_value {
    ($($t:ty),*) => {$(
        impl Value for $t {
            fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
                let at = d.offset();
                let s = d.text()?;
                s.trim().parse().map_err(|_| CodecError::InvalidValue {
                    tag,
                    offset: at,
                    reason: concat!("not a number of type ", stringify!($t)),
                })
            }
            fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
                e.text_element(tag, &self.to_string())
            }
        }
    )*};
}
integer_value!(u8, u16, u32, u64, i32, i64);

impl Value for bool {
    /// EAS booleans are `0` and `1`.
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let at = d.offset();
        match d.text()?.trim() {
            "0" => Ok(false),
            "1" => Ok(true),
            _ => Err(CodecError::InvalidValue {
                tag,
                offset: at,
                reason: "not a boolean (0 or 1)",
            }),
        }
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.text_element(tag, if *self { "1" } else { "0" })
    }
}

/// Opaque binary content (ConversationId, MIME data, certificates, pictures as bytes).
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Opaque(pub Vec<u8>);

impl Value for Opaque {
    fn decode(d: &mut Decoder<'_>, _: Tag) -> Result<Self, CodecError> {
        Ok(Opaque(d.bytes()?.into_owned()))
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.opaque_element(tag, &self.0)
    }
}

/// Binary content that peers send either as opaque bytes or as base64 text (pictures,
/// certificates, attachment data, conversation ids). The wire form is kept, so a value
/// re-encodes as it came; [`Binary::to_bytes`] gives the bytes either way.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Binary {
    /// Sent as opaque data: the bytes themselves.
    Opaque(Vec<u8>),
    /// Sent as text: base64 (or, for ids, the id as the server wrote it).
    Text(String),
}

impl Default for Binary {
    fn default() -> Self {
        Binary::Opaque(Vec::new())
    }
}

impl Binary {
    /// The bytes: the opaque data, or the text decoded from base64.
    pub fn to_bytes(&self) -> Result<Cow<'_, [u8]>, base64::DecodeError> {
        use base64::Engine as _;
        match self {
            Binary::Opaque(b) => Ok(Cow::Borrowed(b)),
            Binary::Text(t) => base64::engine::general_purpose::STANDARD
                .decode(t.trim())
                .map(Cow::Owned),
        }
    }
}

impl Value for Binary {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let at = d.offset();
        let (bytes, opaque) = d.content()?;
        if opaque {
            return Ok(Binary::Opaque(bytes.into_owned()));
        }
        String::from_utf8(bytes.into_owned())
            .map(Binary::Text)
            .map_err(|_| CodecError::InvalidValue {
                tag,
                offset: at,
                reason: "text is not valid UTF-8",
            })
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            Binary::Opaque(b) => e.opaque_element(tag, b),
            Binary::Text(t) => e.text_element_keeping_form(tag, t),
        }
    }
}

/// An element whose presence is the information (`<DeletesAsMoves/>`, `<Partial/>`). Any
/// content is refused, so nothing a client sends is silently dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Empty;

impl Value for Empty {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let at = d.offset();
        if d.bytes()?.is_empty() {
            Ok(Empty)
        } else {
            Err(CodecError::InvalidValue {
                tag,
                offset: at,
                reason: "content in an element that must be empty",
            })
        }
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.empty(tag)
    }
}

/// An element that is either empty (meaning "yes") or holds `0`/`1`, as `DeletesAsMoves`
/// and `GetChanges` do from 12.0 on. The form is kept so a document re-encodes as it came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Toggle {
    /// The element was present and empty: on.
    Present,
    /// The element held `0` or `1`.
    Value(bool),
}

impl Toggle {
    /// Whether the switch is on.
    pub fn is_on(self) -> bool {
        matches!(self, Toggle::Present | Toggle::Value(true))
    }
}

impl Value for Toggle {
    fn decode(d: &mut Decoder<'_>, tag: Tag) -> Result<Self, CodecError> {
        let at = d.offset();
        match d.text()?.trim() {
            "" => Ok(Toggle::Present),
            "0" => Ok(Toggle::Value(false)),
            "1" => Ok(Toggle::Value(true)),
            _ => Err(CodecError::InvalidValue {
                tag,
                offset: at,
                reason: "not empty, 0 or 1",
            }),
        }
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        match self {
            Toggle::Present => e.empty(tag),
            Toggle::Value(v) => v.encode(e, tag),
        }
    }
}

/// A list of empty elements naming tags, as Sync's `Supported` (the properties a client
/// ghosts) carries them.
#[derive(Debug, Clone, PartialEq, Eq, Default, Hash)]
pub struct TagList(pub Vec<Tag>);

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for TagList {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        // Only tags that exist, so that the value can be encoded.
        let n = u.int_in_range(0..=8)?;
        let mut v = Vec::with_capacity(n);
        for _ in 0..n {
            let page = u.choose(crate::pages::PAGES)?;
            if let Some(t) = page.tags.get(u.choose_index(page.tags.len().max(1))?) {
                v.push(Tag::new(page.index, t.token));
            }
        }
        Ok(TagList(v))
    }
}

impl Value for TagList {
    fn decode(d: &mut Decoder<'_>, _: Tag) -> Result<Self, CodecError> {
        let mut tags = Vec::new();
        while let Some(child) = d.next_child()? {
            if tags.len() >= d.options().max_repeat {
                return Err(CodecError::TooMany {
                    tag: child,
                    limit: d.options().max_repeat,
                    offset: d.offset(),
                });
            }
            Empty::decode(d, child)?;
            tags.push(child);
        }
        Ok(TagList(tags))
    }
    fn encode<S: Sink>(&self, e: &mut Encoder<S>, tag: Tag) -> Result<(), CodecError> {
        e.start(tag)?;
        for t in &self.0 {
            if e.allows(*t) {
                e.empty(*t)?;
            }
        }
        e.end()
    }
}

/// Accumulates a field that must occur exactly once.
#[doc(hidden)]
pub fn accept_one<T: Value>(
    slot: &mut Option<T>,
    d: &mut Decoder<'_>,
    tag: Tag,
) -> Result<(), CodecError> {
    if slot.is_some() {
        return Err(CodecError::DuplicateElement {
            tag,
            parent: d.parent(),
            offset: d.offset(),
        });
    }
    *slot = Some(T::decode(d, tag)?);
    Ok(())
}

/// Accumulates a repeated field.
#[doc(hidden)]
pub fn accept_many<T: Value>(
    list: &mut Vec<T>,
    d: &mut Decoder<'_>,
    tag: Tag,
) -> Result<(), CodecError> {
    push_bounded(list, d, tag, T::decode)
}

/// Accumulates one alternative of a choice field.
#[doc(hidden)]
pub fn accept_choice<T: Choice>(
    list: &mut Vec<T>,
    d: &mut Decoder<'_>,
    tag: Tag,
) -> Result<(), CodecError> {
    push_bounded(list, d, tag, T::decode)
}

/// Push one more decoded element, refusing more than `max_repeat` of them.
fn push_bounded<T>(
    list: &mut Vec<T>,
    d: &mut Decoder<'_>,
    tag: Tag,
    decode: fn(&mut Decoder<'_>, Tag) -> Result<T, CodecError>,
) -> Result<(), CodecError> {
    if list.len() >= d.options().max_repeat {
        return Err(CodecError::TooMany {
            tag,
            limit: d.options().max_repeat,
            offset: d.offset(),
        });
    }
    list.push(decode(d, tag)?);
    Ok(())
}

/// Declare a wire struct: its element, and each field's cardinality, type and element.
///
/// Cardinalities: `one T` (required), `opt T` (`Option<T>`), `many T` (`Vec<T>`, in document
/// order), `choice T` (`Vec<T>` of a [`Choice`] enum, whose variants bring their own tags; no
/// `= tag`). Fields are written in declaration order, which follows MS-ASCMD's schema.
#[macro_export]
macro_rules! wire_struct {
    (
        $(#[$meta:meta])*
        $vis:vis struct $name:ident $(= $rns:ident :: $rtag:ident)? {
            $(
                $(#[$fmeta:meta])*
                $fvis:vis $field:ident : $card:ident $fty:ty $(= $ns:ident :: $tag:ident)?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Default)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        $vis struct $name {
            $(
                $(#[$fmeta])*
                $fvis $field: $crate::wire_struct!(@type $card $fty),
            )*
        }

        $(
            impl $crate::codec::Element for $name {
                const TAG: $crate::Tag = $crate::tag!($rns :: $rtag);
            }
        )?

        impl $crate::codec::Value for $name {
            #[allow(unused_variables, unused_mut)]
            fn decode(
                d: &mut $crate::codec::Decoder<'_>,
                own_tag: $crate::Tag,
            ) -> Result<Self, $crate::CodecError> {
                $( let mut $field: $crate::wire_struct!(@acc $card $fty) = Default::default(); )*
                while let Some(child) = d.next_child()? {
                    $(
                        if $crate::wire_struct!(@matches $card $fty, child $(, $ns :: $tag)?) {
                            $crate::wire_struct!(@accept $card $fty, $field, d, child);
                            continue;
                        }
                    )*
                    return Err(d.unexpected(child));
                }
                Ok($name {
                    $(
                        $field: $crate::wire_struct!(@finish $card $fty, $field, d, own_tag $(, $ns :: $tag)?),
                    )*
                })
            }

            #[allow(unused_variables)]
            fn encode<S: eas_wbxml::Sink>(
                &self,
                e: &mut $crate::codec::Encoder<S>,
                own_tag: $crate::Tag,
            ) -> Result<(), $crate::CodecError> {
                e.start(own_tag)?;
                $( $crate::wire_struct!(@encode $card $fty, self.$field, e $(, $ns :: $tag)?); )*
                e.end()
            }
        }
    };

    (@type one $t:ty) => { $t };
    (@type opt $t:ty) => { Option<$t> };
    (@type many $t:ty) => { Vec<$t> };
    (@type choice $t:ty) => { Vec<$t> };

    (@acc one $t:ty) => { Option<$t> };
    (@acc opt $t:ty) => { Option<$t> };
    (@acc many $t:ty) => { Vec<$t> };
    (@acc choice $t:ty) => { Vec<$t> };

    (@matches choice $t:ty, $child:ident) => { <$t as $crate::codec::Choice>::accepts($child) };
    (@matches $card:ident $t:ty, $child:ident, $ns:ident :: $tag:ident) => {
        $child == $crate::tag!($ns :: $tag)
    };

    (@accept one $t:ty, $f:ident, $d:ident, $child:ident) => {
        $crate::codec::accept_one(&mut $f, $d, $child)?
    };
    (@accept opt $t:ty, $f:ident, $d:ident, $child:ident) => {
        $crate::codec::accept_one(&mut $f, $d, $child)?
    };
    (@accept many $t:ty, $f:ident, $d:ident, $child:ident) => {
        $crate::codec::accept_many(&mut $f, $d, $child)?
    };
    (@accept choice $t:ty, $f:ident, $d:ident, $child:ident) => {
        $crate::codec::accept_choice(&mut $f, $d, $child)?
    };

    (@finish one $t:ty, $f:ident, $d:ident, $own:ident, $ns:ident :: $tag:ident) => {
        match $f {
            Some(v) => v,
            None => {
                return Err($crate::CodecError::MissingElement {
                    tag: $crate::tag!($ns :: $tag),
                    parent: $own,
                    offset: $d.offset(),
                })
            }
        }
    };
    (@finish $card:ident $t:ty, $f:ident, $d:ident, $own:ident $(, $ns:ident :: $tag:ident)?) => { $f };

    (@encode one $t:ty, $v:expr, $e:ident, $ns:ident :: $tag:ident) => {
        $e.field($crate::tag!($ns :: $tag), &$v)?
    };
    (@encode opt $t:ty, $v:expr, $e:ident, $ns:ident :: $tag:ident) => {
        if let Some(v) = &$v {
            $e.field($crate::tag!($ns :: $tag), v)?;
        }
    };
    (@encode many $t:ty, $v:expr, $e:ident, $ns:ident :: $tag:ident) => {
        for v in &$v {
            $e.field($crate::tag!($ns :: $tag), v)?;
        }
    };
    (@encode choice $t:ty, $v:expr, $e:ident) => {
        for v in &$v {
            if $e.allows($crate::codec::Choice::tag(v)) {
                $crate::codec::Choice::encode(v, $e)?;
            }
        }
    };
}

/// Declare a choice of elements: an enum whose variants each hold the content of one tag.
#[macro_export]
macro_rules! wire_choice {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident ( $vty:ty ) = $ns:ident :: $tag:ident
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        // Variants are the elements' own structs, at most a few hundred bytes (items are
        // boxed inside `ApplicationData`); boxing them would cost an allocation each.
        #[allow(clippy::large_enum_variant)]
        $vis enum $name {
            $( $(#[$vmeta])* $variant($vty), )*
        }

        impl $crate::codec::Choice for $name {
            fn accepts(tag: $crate::Tag) -> bool {
                $( tag == $crate::tag!($ns :: $tag) )||*
            }
            fn decode(
                d: &mut $crate::codec::Decoder<'_>,
                tag: $crate::Tag,
            ) -> Result<Self, $crate::CodecError> {
                $(
                    if tag == $crate::tag!($ns :: $tag) {
                        return Ok($name::$variant(<$vty as $crate::codec::Value>::decode(d, tag)?));
                    }
                )*
                Err(d.unexpected(tag))
            }
            fn encode<S: eas_wbxml::Sink>(
                &self,
                e: &mut $crate::codec::Encoder<S>,
            ) -> Result<(), $crate::CodecError> {
                match self {
                    $( $name::$variant(v) => <$vty as $crate::codec::Value>::encode(v, e, $crate::tag!($ns :: $tag)), )*
                }
            }
            fn tag(&self) -> $crate::Tag {
                match self {
                    $( $name::$variant(_) => $crate::tag!($ns :: $tag), )*
                }
            }
        }
    };
}
