//! The pull tokenizer.

use crate::cursor::Cursor;
use crate::event::{Ctx, read_attributes};
use crate::{Charset, Error, Event, Header, StartTag, TagName};

/// What to do with bytes after the root element's END.
///
/// WBXML's grammar is `body = *pi element *pi`: nothing else may follow the root. Real
/// traffic breaks this: one public capture (wbxml-stream `activesync-016.wbxml`) carries a
/// second copy of the request, 49 bytes, after the first, and both libwbxml and Horde decode
/// the first document and drop the rest. The default follows them, because refusing a
/// device's well-formed request over a trailing copy would break that device for no gain;
/// the extra bytes are reported by [`Reader::trailing`] so a server can log them.
/// [`TrailingData::Reject`] is the strict form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TrailingData {
    /// Stop at the root element's END and leave the rest unread (see [`Reader::trailing`]).
    #[default]
    Ignore,
    /// Accept trailing processing instructions only; anything else is
    /// [`Error::TrailingData`].
    Reject,
}

/// Limits that bound the work and memory a document can cause.
///
/// The defaults are generous for EAS (the largest real request is a SendMail with its MIME
/// inline) and small enough that no document can exhaust a server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Deepest element nesting. EAS documents nest at most about 12 deep. Default 64.
    pub max_depth: usize,
    /// Largest document in bytes. Default 64 MiB; never more than 4 GiB − 1, as offsets
    /// are 32-bit.
    pub max_document_len: usize,
    /// Longest single string or opaque value in bytes. Default 48 MiB.
    pub max_string_len: usize,
    /// Most tokens in one document (tags, ends, strings, attribute items). Default 4 million,
    /// about 300 times a 3 MB Sync response of 500 mails.
    pub max_tokens: usize,
    /// What to do with bytes after the root element.
    pub trailing: TrailingData,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_depth: 64,
            max_document_len: 64 << 20,
            max_string_len: 48 << 20,
            max_tokens: 4_000_000,
            trailing: TrailingData::Ignore,
        }
    }
}

impl Limits {
    /// Default limits with trailing data refused: for conformance checks and fuzzing.
    pub fn strict() -> Self {
        Limits {
            trailing: TrailingData::Reject,
            ..Limits::default()
        }
    }
}

/// A token in compact form, from [`Reader::next_token`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Token<'a> {
    /// A token start tag without attributes; `has_content` false means an END follows
    /// (implied) as the next token.
    Start {
        /// The code page in force.
        page: u8,
        /// The tag token (low six bits).
        token: u8,
        /// Whether the element has content.
        has_content: bool,
    },
    /// The innermost element ended.
    End,
    /// An inline string of a UTF-8 (or unknown-charset) document: its bytes, terminator
    /// excluded, not yet checked to be UTF-8.
    Utf8Text(&'a [u8]),
    /// Something else, not consumed: read it with [`Reader::next_event`].
    Other,
}

/// What the fast path made of the next token.
enum Fast<'a> {
    Event(Result<Event<'a>, Error>),
    /// The document ended (or reading stopped after an error).
    End,
    /// Not a fast-path token: take the general path.
    Slow,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Before the root element.
    Prolog,
    /// Inside the root element.
    Body,
    /// After the root element.
    Epilog,
    /// Finished (or failed): no more events.
    Done,
}

/// A pull tokenizer over a WBXML document in memory.
///
/// It yields [`Event`]s borrowed from the input without copying, allocates nothing, and
/// checks the document as it goes: the last item is either `None` after a complete document
/// or an [`Error`] naming the byte where reading stopped. After an error it yields nothing.
///
/// ```
/// use eas_wbxml::{Event, Reader};
/// // FolderSync request: <FolderSync><SyncKey>0</SyncKey></FolderSync> (code page 7).
/// let doc = [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01];
/// let mut reader = Reader::new(&doc)?;
/// let mut text = Vec::new();
/// while let Some(event) = reader.next_event()? {
///     if let Event::Text(t) = event {
///         text.push(t.to_str()?.into_owned());
///     }
/// }
/// assert_eq!(text, ["0"]);
/// # Ok::<(), eas_wbxml::Error>(())
/// ```
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    doc: &'a [u8],
    cur: Cursor<'a>,
    header: Header<'a>,
    ctx: Ctx<'a>,
    limits: Limits,
    tag_page: u8,
    attr_page: u8,
    depth: usize,
    tokens: usize,
    state: State,
    pending_end: bool,
    event_offset: usize,
    trailing_from: Option<usize>,
}

impl<'a> Reader<'a> {
    /// Read the header of `doc` with default [`Limits`].
    #[inline]
    pub fn new(doc: &'a [u8]) -> Result<Reader<'a>, Error> {
        Reader::with_limits(doc, Limits::default())
    }

    /// Read the header of `doc` with the given limits.
    #[inline]
    pub fn with_limits(doc: &'a [u8], limits: Limits) -> Result<Reader<'a>, Error> {
        let max_len = limits.max_document_len.min(u32::MAX as usize);
        if doc.len() > max_len {
            return Err(Error::DocumentTooLarge {
                len: doc.len(),
                limit: max_len,
            });
        }
        let mut cur = Cursor::new(doc);
        let header = Header::read(&mut cur)?;
        Ok(Reader {
            doc,
            ctx: Ctx {
                string_table: header.string_table,
                charset: header.charset,
            },
            event_offset: cur.pos(),
            cur,
            header,
            limits,
            tag_page: 0,
            attr_page: 0,
            depth: 0,
            tokens: 0,
            state: State::Prolog,
            pending_end: false,
            trailing_from: None,
        })
    }

    /// The document's header.
    pub fn header(&self) -> &Header<'a> {
        &self.header
    }

    /// Byte offset of the token that produced the last event (for error messages).
    pub fn event_offset(&self) -> usize {
        self.event_offset
    }

    /// How many elements are open.
    pub fn depth(&self) -> usize {
        self.depth
    }

    /// The bytes left after the root element when [`TrailingData::Ignore`] stopped there:
    /// their offset and the bytes. `None` while reading, and when there were none.
    pub fn trailing(&self) -> Option<(usize, &'a [u8])> {
        self.trailing_from
            .map(|at| (at, self.doc.get(at..).unwrap_or_default()))
    }

    /// The next event, `Ok(None)` at the end of a complete document.
    #[inline]
    pub fn next_event(&mut self) -> Result<Option<Event<'a>>, Error> {
        self.next().transpose()
    }

    /// The general path behind [`Iterator::next`]: any token in any state.
    #[cold]
    fn slow_next(&mut self) -> Option<Result<Event<'a>, Error>> {
        match self.step() {
            Ok(Some(ev)) => Some(Ok(ev)),
            Ok(None) => {
                self.state = State::Done;
                None
            }
            Err(e) => {
                self.state = State::Done;
                Some(Err(e))
            }
        }
    }

    /// The tokens that make up nearly all of an EAS document: token tags without
    /// attributes, END, STR_I and SWITCH_PAGE, plus the implied END of an empty tag and the
    /// clean end of the document. `Fast::Slow` hands the token to [`step`](Self::step), which
    /// reads everything and re-checks the limits this path declines to approach.
    #[inline(always)]
    fn fast_step(&mut self) -> Fast<'a> {
        if self.pending_end {
            self.pending_end = false;
            self.close_element();
            return Fast::Event(Ok(Event::End));
        }
        let in_body = match self.state {
            State::Body => true,
            State::Prolog => false,
            State::Epilog if self.cur.remaining() == 0 => {
                self.state = State::Done;
                return Fast::End;
            }
            State::Epilog => return Fast::Slow,
            State::Done => return Fast::End,
        };
        loop {
            let at = self.cur.pos();
            let Some(b) = self.cur.peek() else {
                return Fast::Slow;
            };
            if self.tokens >= self.limits.max_tokens {
                return Fast::Slow;
            }
            let low = b & 0x3F;
            if b & 0x80 == 0 && low >= 0x05 {
                if self.depth >= self.limits.max_depth {
                    return Fast::Slow;
                }
                self.tokens += 1;
                self.cur.advance(1);
                self.event_offset = at;
                self.depth += 1;
                self.state = State::Body;
                let has_content = b & 0x40 != 0;
                self.pending_end = !has_content;
                return Fast::Event(Ok(Event::Start(StartTag {
                    name: TagName::Token {
                        page: self.tag_page,
                        token: low,
                    },
                    has_content,
                    attributes: None,
                })));
            }
            match b {
                0x01 if in_body => {
                    self.tokens += 1;
                    self.cur.advance(1);
                    self.event_offset = at;
                    self.close_element();
                    return Fast::Event(Ok(Event::End));
                }
                0x03 if in_body => {
                    self.tokens += 1;
                    self.cur.advance(1);
                    self.event_offset = at;
                    return match self
                        .ctx
                        .inline_text(&mut self.cur, self.limits.max_string_len)
                    {
                        Ok(t) => Fast::Event(Ok(Event::Text(t))),
                        Err(e) => {
                            self.state = State::Done;
                            Fast::Event(Err(e))
                        }
                    };
                }
                0x00 => {
                    let Some(page) = self.cur.peek_at(1) else {
                        return Fast::Slow;
                    };
                    self.tokens += 1;
                    self.cur.advance(2);
                    self.tag_page = page;
                }
                _ => return Fast::Slow,
            }
        }
    }

    /// The next token in compact form, for consumers that handle the common shapes of an
    /// EAS body themselves (the typed decoder): a token start tag without attributes, an
    /// END (explicit, or implied by an empty tag), or an inline string when the document is
    /// UTF-8. Anything else (and the root's end, errors, limits) is [`Token::Other`], with
    /// nothing consumed: read it with [`next_event`](Self::next_event). Both can be mixed
    /// freely; the checks are the same.
    ///
    /// It exists because an [`Event`] is a 64-byte value wrapped twice: handing it out costs
    /// as much as reading a small request's tokens.
    ///
    /// ```
    /// use eas_wbxml::{Reader, Token};
    /// let doc = [0x03, 0x01, 0x6A, 0x00, 0x00, 0x07, 0x56, 0x52, 0x03, b'0', 0x00, 0x01, 0x01];
    /// let mut r = Reader::new(&doc)?;
    /// assert_eq!(r.next_token(), Token::Start { page: 7, token: 0x16, has_content: true });
    /// assert_eq!(r.next_token(), Token::Start { page: 7, token: 0x12, has_content: true });
    /// assert_eq!(r.next_token(), Token::Utf8Text(b"0"));
    /// assert_eq!(r.next_token(), Token::End);
    /// assert_eq!(r.next_token(), Token::End);
    /// assert_eq!(r.next_token(), Token::Other);
    /// assert!(r.next_event()?.is_none());
    /// # Ok::<(), eas_wbxml::Error>(())
    /// ```
    #[inline]
    pub fn next_token(&mut self) -> Token<'a> {
        if self.pending_end {
            self.pending_end = false;
            self.close_element();
            return Token::End;
        }
        let in_body = match self.state {
            State::Body => true,
            State::Prolog => false,
            State::Epilog | State::Done => return Token::Other,
        };
        loop {
            let at = self.cur.pos();
            let Some(b) = self.cur.peek() else {
                return Token::Other;
            };
            if self.tokens >= self.limits.max_tokens {
                return Token::Other;
            }
            let low = b & 0x3F;
            if b & 0x80 == 0 && low >= 0x05 {
                if self.depth >= self.limits.max_depth {
                    return Token::Other;
                }
                self.tokens += 1;
                self.cur.advance(1);
                self.event_offset = at;
                self.depth += 1;
                self.state = State::Body;
                let has_content = b & 0x40 != 0;
                self.pending_end = !has_content;
                return Token::Start {
                    page: self.tag_page,
                    token: low,
                    has_content,
                };
            }
            match b {
                0x01 if in_body => {
                    self.tokens += 1;
                    self.cur.advance(1);
                    self.event_offset = at;
                    self.close_element();
                    return Token::End;
                }
                0x03 if in_body && matches!(self.ctx.charset, Charset::Utf8 | Charset::Unknown) => {
                    // Read ahead on a copy: an unterminated or oversized string is left for
                    // `next_event` to report.
                    let mut cur = self.cur.clone();
                    cur.advance(1);
                    let Ok(t) = self.ctx.inline_text(&mut cur, self.limits.max_string_len) else {
                        return Token::Other;
                    };
                    self.tokens += 1;
                    self.cur = cur;
                    self.event_offset = at;
                    return Token::Utf8Text(t.as_bytes());
                }
                0x00 => {
                    let Some(page) = self.cur.peek_at(1) else {
                        return Token::Other;
                    };
                    self.tokens += 1;
                    self.cur.advance(2);
                    self.tag_page = page;
                }
                _ => return Token::Other,
            }
        }
    }

    #[inline]
    fn count_token(&mut self, at: usize) -> Result<(), Error> {
        self.tokens += 1;
        if self.tokens > self.limits.max_tokens {
            return Err(Error::TooManyTokens {
                offset: at,
                limit: self.limits.max_tokens,
            });
        }
        Ok(())
    }

    /// Read one event in any state: the general path.
    fn step(&mut self) -> Result<Option<Event<'a>>, Error> {
        if self.pending_end {
            self.pending_end = false;
            self.close_element();
            return Ok(Some(Event::End));
        }
        loop {
            let at = self.cur.pos();
            self.event_offset = at;
            let Some(b) = self.cur.peek() else {
                return match self.state {
                    State::Prolog => Err(Error::NoRootElement { offset: at }),
                    State::Body => Err(Error::Truncated {
                        offset: at,
                        open: self.depth,
                    }),
                    State::Epilog | State::Done => Ok(None),
                };
            };
            match self.state {
                State::Done => return Ok(None),
                State::Epilog => match self.limits.trailing {
                    TrailingData::Ignore => {
                        self.trailing_from = Some(at);
                        return Ok(None);
                    }
                    TrailingData::Reject if b != 0x43 => {
                        return Err(Error::TrailingData {
                            offset: at,
                            len: self.cur.remaining(),
                        });
                    }
                    TrailingData::Reject => {}
                },
                State::Prolog | State::Body => {}
            }
            self.count_token(at)?;
            self.cur.u8("token")?;
            let in_body = self.state == State::Body;
            let max = self.limits.max_string_len;
            let event = match b {
                0x00 => {
                    self.tag_page = self.cur.u8("code page")?;
                    continue;
                }
                0x01 => {
                    if !in_body {
                        return Err(Error::UnbalancedEnd { offset: at });
                    }
                    self.close_element();
                    Event::End
                }
                0x43 => {
                    let (pi, items) = read_attributes(
                        self.doc,
                        &mut self.cur,
                        &self.ctx,
                        &mut self.attr_page,
                        max,
                        true,
                    )?;
                    self.count_items(items)?;
                    Event::ProcessingInstruction(pi)
                }
                0x02 | 0x03 | 0x83 | 0xC3 | 0x40..=0x42 | 0x80..=0x82 | 0xC0..=0xC2 if !in_body => {
                    return Err(Error::UnexpectedToken {
                        offset: at,
                        token: b,
                        context: "the prolog (content before the root element)",
                    });
                }
                0x03 => Event::Text(self.ctx.inline_text(&mut self.cur, max)?),
                0x83 => Event::Text(self.ctx.table_text(&mut self.cur, max)?),
                0xC3 => Event::Opaque(self.ctx.opaque(&mut self.cur, max)?),
                0x02 => Event::Entity(self.ctx.entity(&mut self.cur, at)?),
                0x40..=0x42 | 0x80..=0x82 | 0xC0..=0xC2 => {
                    Event::Extension(self.ctx.extension(&mut self.cur, b, max)?)
                }
                _ => Event::Start(self.start_tag(b, at)?),
            };
            return Ok(Some(event));
        }
    }

    fn count_items(&mut self, items: usize) -> Result<(), Error> {
        self.tokens = self.tokens.saturating_add(items);
        if self.tokens > self.limits.max_tokens {
            return Err(Error::TooManyTokens {
                offset: self.cur.pos(),
                limit: self.limits.max_tokens,
            });
        }
        Ok(())
    }

    /// A tag byte `b` at `at` (already consumed): token or literal, with its flags.
    #[inline]
    fn start_tag(&mut self, b: u8, at: usize) -> Result<StartTag<'a>, Error> {
        if self.state == State::Epilog {
            // Only reachable with TrailingData::Reject for a second root element.
            return Err(Error::TrailingData {
                offset: at,
                len: self.doc.len() - at,
            });
        }
        if self.depth >= self.limits.max_depth {
            return Err(Error::TooDeep {
                offset: at,
                limit: self.limits.max_depth,
            });
        }
        let name = if b & 0x3F == 0x04 {
            TagName::Literal(self.ctx.table_name(&mut self.cur)?)
        } else {
            TagName::Token {
                page: self.tag_page,
                token: b & 0x3F,
            }
        };
        let attributes = if b & 0x80 != 0 {
            let (attrs, items) = read_attributes(
                self.doc,
                &mut self.cur,
                &self.ctx,
                &mut self.attr_page,
                self.limits.max_string_len,
                false,
            )?;
            self.count_items(items)?;
            Some(attrs)
        } else {
            None
        };
        let has_content = b & 0x40 != 0;
        self.state = State::Body;
        self.depth += 1;
        if !has_content {
            self.pending_end = true;
        }
        Ok(StartTag {
            name,
            has_content,
            attributes,
        })
    }

    #[inline]
    fn close_element(&mut self) {
        self.depth -= 1;
        if self.depth == 0 {
            self.state = State::Epilog;
        }
    }
}

impl<'a> Iterator for Reader<'a> {
    type Item = Result<Event<'a>, Error>;

    #[inline]
    fn next(&mut self) -> Option<Self::Item> {
        match self.fast_step() {
            Fast::Event(ev) => Some(ev),
            Fast::End => None,
            Fast::Slow => self.slow_next(),
        }
    }
}

impl std::iter::FusedIterator for Reader<'_> {}
