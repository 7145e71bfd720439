//! The events a [`Reader`](crate::Reader) yields, all borrowed from the document.

use crate::cursor::{Cursor, table_string};
use crate::{Charset, Error, Text, TextSource};

/// What a start tag is named by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagName<'a> {
    /// A tag token on a code page: what EAS always uses.
    Token {
        /// The code page in force when the tag was read.
        page: u8,
        /// The tag's token, 0x05 to 0x3F (the flag bits removed).
        token: u8,
    },
    /// A `LITERAL` tag whose name is in the string table (never used by EAS).
    Literal(&'a [u8]),
}

/// A start tag.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StartTag<'a> {
    /// The tag's name.
    pub name: TagName<'a>,
    /// Whether the content bit (0x40) was set. Without it the element is empty and the reader
    /// yields its [`Event::End`] at once; with it the element may still turn out empty.
    pub has_content: bool,
    /// The attribute list, when the attribute bit (0x80) was set. EAS never uses attributes;
    /// they are parsed and validated so that generic WBXML reads correctly, and a caller that
    /// does not expect them should refuse a tag that has them.
    pub attributes: Option<Attributes<'a>>,
}

impl StartTag<'_> {
    /// `(page, token)` for a token tag, `None` for a literal one.
    #[inline]
    pub fn token(&self) -> Option<(u8, u8)> {
        match self.name {
            TagName::Token { page, token } => Some((page, token)),
            TagName::Literal(_) => None,
        }
    }
}

/// A document-type-specific extension token (`EXT_I_n`, `EXT_T_n`, `EXT_n`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extension<'a> {
    /// Which of the three extensions: 0, 1 or 2.
    pub index: u8,
    /// What followed the token.
    pub value: ExtensionValue<'a>,
}

/// The payload of an extension token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExtensionValue<'a> {
    /// `EXT_I_n`: an inline string.
    Text(Text<'a>),
    /// `EXT_T_n`: an inline integer (its meaning is the document type's).
    Integer(u32),
    /// `EXT_n`: nothing.
    None,
}

/// One event of the document, in order.
///
/// Every [`Event::Start`] is matched by exactly one [`Event::End`], including tags without the
/// content bit, so a consumer can treat both forms alike. `SWITCH_PAGE` is not an event: its
/// effect is folded into [`TagName::Token::page`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Event<'a> {
    /// A start tag.
    Start(StartTag<'a>),
    /// The end of the innermost open element.
    End,
    /// Character data: an inline string or a string-table reference.
    Text(Text<'a>),
    /// Opaque data (`OPAQUE`), uninterpreted bytes.
    Opaque(&'a [u8]),
    /// A character entity (`ENTITY`).
    Entity(char),
    /// An extension token.
    Extension(Extension<'a>),
    /// A processing instruction: one attribute (target and value).
    ProcessingInstruction(Attributes<'a>),
}

/// What an attribute's name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrStart<'a> {
    /// An attribute-start token (below 0x80) on an attribute code page.
    Token {
        /// The attribute code page in force.
        page: u8,
        /// The token.
        token: u8,
    },
    /// A `LITERAL` attribute name from the string table.
    Literal(&'a [u8]),
}

/// One piece of an attribute's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrValue<'a> {
    /// An attribute-value token (0x80 and above) on an attribute code page.
    Token {
        /// The attribute code page in force.
        page: u8,
        /// The token.
        token: u8,
    },
    /// An inline or string-table string.
    Text(Text<'a>),
    /// A character entity.
    Entity(char),
    /// Opaque data.
    Opaque(&'a [u8]),
    /// An extension token.
    Extension(Extension<'a>),
}

/// One item of an attribute list: the start of an attribute or a piece of its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrItem<'a> {
    /// A new attribute begins.
    Start(AttrStart<'a>),
    /// A piece of the current attribute's value.
    Value(AttrValue<'a>),
}

/// A validated attribute list (or processing instruction), borrowed from the document.
///
/// The reader checks the whole list when it meets it; iterating re-reads the bytes lazily.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attributes<'a> {
    /// The document up to the list's END. The string table is found again from its header
    /// when the list is iterated, which keeps this handle (and every event) small.
    doc: &'a [u8],
    start: u32,
    charset: Charset,
    page: u8,
}

impl<'a> Attributes<'a> {
    /// Byte offset of the list in the document.
    pub fn offset(&self) -> usize {
        self.start as usize
    }

    /// The items of the list, in order.
    pub fn iter(&self) -> AttrIter<'a> {
        // The header was read once already; reading it again cannot fail, but if it did the
        // iterator would report that error rather than invent a table.
        let header = crate::Header::read(&mut Cursor::new(self.doc));
        let (string_table, pending) = match header {
            Ok(h) => (h.string_table, None),
            Err(e) => (&[][..], Some(e)),
        };
        AttrIter {
            cur: Cursor::at(self.doc, self.offset()),
            ctx: Ctx {
                string_table,
                charset: self.charset,
            },
            page: self.page,
            done: false,
            pending,
        }
    }
}

impl<'a> IntoIterator for &Attributes<'a> {
    type Item = Result<AttrItem<'a>, Error>;
    type IntoIter = AttrIter<'a>;
    fn into_iter(self) -> AttrIter<'a> {
        self.iter()
    }
}

/// Iterator over an [`Attributes`] list.
#[derive(Debug, Clone)]
pub struct AttrIter<'a> {
    cur: Cursor<'a>,
    ctx: Ctx<'a>,
    page: u8,
    done: bool,
    pending: Option<Error>,
}

impl<'a> Iterator for AttrIter<'a> {
    type Item = Result<AttrItem<'a>, Error>;
    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        if let Some(e) = self.pending.take() {
            self.done = true;
            return Some(Err(e));
        }
        match attr_item(&mut self.cur, &self.ctx, &mut self.page, usize::MAX) {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// What decoding text and references needs from the header.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ctx<'a> {
    pub(crate) string_table: &'a [u8],
    pub(crate) charset: Charset,
}

impl<'a> Ctx<'a> {
    #[inline]
    pub(crate) fn inline_text(
        &self,
        cur: &mut Cursor<'a>,
        max_len: usize,
    ) -> Result<Text<'a>, Error> {
        let at = cur.pos();
        let bytes = cur.terminated(self.charset)?;
        check_len(at, bytes.len(), max_len)?;
        Ok(Text::new(bytes, self.charset, at, TextSource::Inline))
    }

    #[inline]
    pub(crate) fn table_text(
        &self,
        cur: &mut Cursor<'a>,
        max_len: usize,
    ) -> Result<Text<'a>, Error> {
        let at = cur.pos();
        let index = cur.mb_u32("string table reference")?;
        let bytes = table_string(self.string_table, index, self.charset, at)?;
        check_len(at, bytes.len(), max_len)?;
        Ok(Text::new(bytes, self.charset, at, TextSource::Table(index)))
    }

    pub(crate) fn table_name(&self, cur: &mut Cursor<'a>) -> Result<&'a [u8], Error> {
        let at = cur.pos();
        let index = cur.mb_u32("literal name reference")?;
        table_string(self.string_table, index, self.charset, at)
    }

    #[inline]
    pub(crate) fn opaque(&self, cur: &mut Cursor<'a>, max_len: usize) -> Result<&'a [u8], Error> {
        let at = cur.pos();
        let len = cur.mb_u32("opaque length")?;
        check_len(at, len as usize, max_len)?;
        cur.take(len, at, "opaque data")
    }

    pub(crate) fn entity(&self, cur: &mut Cursor<'a>, token_at: usize) -> Result<char, Error> {
        let value = cur.mb_u32("entity")?;
        char::from_u32(value).ok_or(Error::InvalidEntity {
            offset: token_at,
            value,
        })
    }

    /// The extension whose token `b` (0x40–0x42, 0x80–0x82, 0xC0–0xC2) was just read.
    pub(crate) fn extension(
        &self,
        cur: &mut Cursor<'a>,
        b: u8,
        max_len: usize,
    ) -> Result<Extension<'a>, Error> {
        let index = b & 0x03;
        let value = match b & 0xC0 {
            0x40 => ExtensionValue::Text(self.inline_text(cur, max_len)?),
            0x80 => ExtensionValue::Integer(cur.mb_u32("extension integer")?),
            _ => ExtensionValue::None,
        };
        Ok(Extension { index, value })
    }
}

#[inline]
fn check_len(offset: usize, len: usize, limit: usize) -> Result<(), Error> {
    if len > limit {
        Err(Error::StringTooLong { offset, len, limit })
    } else {
        Ok(())
    }
}

/// Read one item of an attribute list; `None` at the list's END.
pub(crate) fn attr_item<'a>(
    cur: &mut Cursor<'a>,
    ctx: &Ctx<'a>,
    page: &mut u8,
    max_len: usize,
) -> Result<Option<AttrItem<'a>>, Error> {
    loop {
        let at = cur.pos();
        let b = cur.u8("attribute list")?;
        let item = match b {
            0x00 => {
                *page = cur.u8("code page")?;
                continue;
            }
            0x01 => return Ok(None),
            0x02 => AttrItem::Value(AttrValue::Entity(ctx.entity(cur, at)?)),
            0x03 => AttrItem::Value(AttrValue::Text(ctx.inline_text(cur, max_len)?)),
            0x83 => AttrItem::Value(AttrValue::Text(ctx.table_text(cur, max_len)?)),
            0x04 => AttrItem::Start(AttrStart::Literal(ctx.table_name(cur)?)),
            0xC3 => AttrItem::Value(AttrValue::Opaque(ctx.opaque(cur, max_len)?)),
            0x40..=0x42 | 0x80..=0x82 | 0xC0..=0xC2 => {
                AttrItem::Value(AttrValue::Extension(ctx.extension(cur, b, max_len)?))
            }
            // PI and the literal-tag forms are content tokens, not attribute tokens.
            0x43 | 0x44 | 0x84 | 0xC4 => {
                return Err(Error::UnexpectedToken {
                    offset: at,
                    token: b,
                    context: "attribute list",
                });
            }
            0x05..=0x7F => AttrItem::Start(AttrStart::Token {
                page: *page,
                token: b,
            }),
            _ => AttrItem::Value(AttrValue::Token {
                page: *page,
                token: b,
            }),
        };
        return Ok(Some(item));
    }
}

/// Validate the attribute list (or PI) that starts at the cursor and leave the cursor after
/// its END. `single` is set for a processing instruction, which holds exactly one attribute.
/// Returns the list and the count of items read (for the token limit).
pub(crate) fn read_attributes<'a>(
    doc: &'a [u8],
    cur: &mut Cursor<'a>,
    ctx: &Ctx<'a>,
    page: &mut u8,
    max_len: usize,
    single: bool,
) -> Result<(Attributes<'a>, usize), Error> {
    let start = cur.pos();
    let start_page = *page;
    let mut starts = 0usize;
    let mut items = 0usize;
    loop {
        let at = cur.pos();
        match attr_item(cur, ctx, page, max_len)? {
            None => break,
            Some(AttrItem::Start(_)) => {
                starts += 1;
                if single && starts > 1 {
                    return Err(Error::UnexpectedToken {
                        offset: at,
                        token: doc.get(at).copied().unwrap_or(0),
                        context: "processing instruction (a second attribute)",
                    });
                }
            }
            Some(AttrItem::Value(_)) if starts == 0 => {
                return Err(Error::UnexpectedToken {
                    offset: at,
                    token: doc.get(at).copied().unwrap_or(0),
                    context: "attribute list (a value before any attribute)",
                });
            }
            Some(AttrItem::Value(_)) => {}
        }
        items += 1;
    }
    if starts == 0 {
        // The grammar requires at least one attribute before the list's END.
        return Err(Error::UnexpectedToken {
            offset: cur.pos() - 1,
            token: 0x01,
            context: "attribute list (empty)",
        });
    }
    Ok((
        Attributes {
            doc: &doc[..cur.pos()],
            start: u32::try_from(start).unwrap_or(u32::MAX),
            charset: ctx.charset,
            page: start_page,
        },
        items,
    ))
}
