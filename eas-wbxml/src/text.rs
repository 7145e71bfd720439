//! Character sets and text values.
//!
//! The tokenizer never converts text: it hands out the bytes as they stand in the document
//! (no copy) together with the document's [`Charset`]. Conversion to `str` happens on demand
//! in [`Text::to_str`], which borrows for UTF-8 and ASCII and allocates only when a charset
//! really needs transcoding. Charsets we cannot decode exactly are refused when the header is
//! read, so no text is ever mis-decoded.

use std::borrow::Cow;

use crate::Error;

/// The character set named in a document's header (an IANA MIBenum).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Charset {
    /// MIBenum 106. What every EAS client and server uses.
    Utf8,
    /// MIBenum 3. Bytes above 0x7F are refused as invalid.
    UsAscii,
    /// MIBenum 4. Every byte maps to the code point of the same value.
    Latin1,
    /// MIBenum 1013: big-endian UTF-16, no byte-order mark.
    Utf16Be,
    /// MIBenum 1014: little-endian UTF-16, no byte-order mark.
    Utf16Le,
    /// MIBenum 1015: UTF-16 whose strings may begin with a byte-order mark (big-endian without).
    Utf16,
    /// MIBenum 0: the sender did not say. EAS is UTF-8 by definition (MS-ASWBXML), so text is
    /// read as UTF-8 and invalid sequences are refused rather than guessed at.
    Unknown,
}

impl Charset {
    /// The charset for an IANA MIBenum, or `None` if this crate cannot decode it exactly.
    pub fn from_mib(mib: u32) -> Option<Charset> {
        Some(match mib {
            0 => Charset::Unknown,
            3 => Charset::UsAscii,
            4 => Charset::Latin1,
            106 => Charset::Utf8,
            1013 => Charset::Utf16Be,
            1014 => Charset::Utf16Le,
            1015 => Charset::Utf16,
            _ => return None,
        })
    }

    /// The IANA MIBenum of this charset.
    pub fn mib(self) -> u32 {
        match self {
            Charset::Unknown => 0,
            Charset::UsAscii => 3,
            Charset::Latin1 => 4,
            Charset::Utf8 => 106,
            Charset::Utf16Be => 1013,
            Charset::Utf16Le => 1014,
            Charset::Utf16 => 1015,
        }
    }

    /// The charset's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Charset::Unknown | Charset::Utf8 => "UTF-8",
            Charset::UsAscii => "US-ASCII",
            Charset::Latin1 => "ISO-8859-1",
            Charset::Utf16Be => "UTF-16BE",
            Charset::Utf16Le => "UTF-16LE",
            Charset::Utf16 => "UTF-16",
        }
    }

    /// Width in bytes of the string terminator (and of one code unit): 2 for UTF-16, else 1.
    pub fn unit_width(self) -> usize {
        match self {
            Charset::Utf16Be | Charset::Utf16Le | Charset::Utf16 => 2,
            _ => 1,
        }
    }

    /// Length of the terminated string at the start of `bytes` (terminator excluded), or
    /// `None` if there is no terminator.
    #[inline]
    pub(crate) fn find_terminator(self, bytes: &[u8]) -> Option<usize> {
        if self.unit_width() == 1 {
            // Most EAS strings are short (keys, ids, flags): a plain scan beats the call
            // into memchr's vector code for those.
            const SHORT: usize = 16;
            let head = bytes.get(..SHORT).unwrap_or(bytes);
            if let Some(i) = head.iter().position(|&b| b == 0) {
                return Some(i);
            }
            return memchr::memchr(0, bytes.get(head.len()..).unwrap_or_default())
                .map(|i| i + head.len());
        }
        // A UTF-16 terminator is a zero code unit: two zero bytes at an even position.
        let mut from = 0;
        while let Some(i) = memchr::memchr(0, &bytes[from..]) {
            let at = from + i;
            if at % 2 == 0 {
                if bytes.get(at + 1) == Some(&0) {
                    return Some(at);
                }
                from = at + 2;
            } else {
                from = at + 1;
            }
            if from >= bytes.len() {
                break;
            }
        }
        None
    }

    /// Whether `bytes` contains a terminator (a zero code unit) anywhere, which would cut an
    /// inline string short.
    pub(crate) fn contains_terminator(self, bytes: &[u8]) -> bool {
        if self.unit_width() == 1 {
            memchr::memchr(0, bytes).is_some()
        } else {
            bytes
                .chunks(2)
                .any(|u| u.len() == 2 && u[0] == 0 && u[1] == 0)
        }
    }

    /// Decode `bytes` in this charset; `offset` is only used for the error.
    pub fn decode<'a>(self, bytes: &'a [u8], offset: usize) -> Result<Cow<'a, str>, Error> {
        let invalid = || Error::InvalidText {
            offset,
            charset: self.name(),
        };
        match self {
            Charset::Utf8 | Charset::Unknown => std::str::from_utf8(bytes)
                .map(Cow::Borrowed)
                .map_err(|_| invalid()),
            Charset::UsAscii => {
                if bytes.is_ascii() {
                    // ASCII is valid UTF-8, so this cannot fail; map anyway rather than unwrap.
                    std::str::from_utf8(bytes)
                        .map(Cow::Borrowed)
                        .map_err(|_| invalid())
                } else {
                    Err(invalid())
                }
            }
            Charset::Latin1 => {
                if bytes.is_ascii() {
                    std::str::from_utf8(bytes)
                        .map(Cow::Borrowed)
                        .map_err(|_| invalid())
                } else {
                    Ok(Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()))
                }
            }
            Charset::Utf16Be | Charset::Utf16Le | Charset::Utf16 => {
                if !bytes.len().is_multiple_of(2) {
                    return Err(invalid());
                }
                let (mut big_endian, mut body) = (self != Charset::Utf16Le, bytes);
                if self == Charset::Utf16 {
                    match bytes {
                        [0xFE, 0xFF, rest @ ..] => body = rest,
                        [0xFF, 0xFE, rest @ ..] => {
                            big_endian = false;
                            body = rest;
                        }
                        _ => {}
                    }
                }
                let units = body.chunks_exact(2).map(|u| {
                    if big_endian {
                        u16::from_be_bytes([u[0], u[1]])
                    } else {
                        u16::from_le_bytes([u[0], u[1]])
                    }
                });
                char::decode_utf16(units)
                    .collect::<Result<String, _>>()
                    .map(Cow::Owned)
                    .map_err(|_| invalid())
            }
        }
    }

    /// Encode `s` in this charset (for the writer).
    pub(crate) fn encode<'s>(self, s: &'s str) -> Result<Cow<'s, [u8]>, Error> {
        match self {
            Charset::Utf8 | Charset::Unknown => Ok(Cow::Borrowed(s.as_bytes())),
            Charset::UsAscii if s.is_ascii() => Ok(Cow::Borrowed(s.as_bytes())),
            Charset::UsAscii => Err(Error::Write("text is not US-ASCII")),
            Charset::Latin1 => {
                if s.is_ascii() {
                    return Ok(Cow::Borrowed(s.as_bytes()));
                }
                s.chars()
                    .map(|c| u8::try_from(u32::from(c)).map_err(|_| ()))
                    .collect::<Result<Vec<u8>, ()>>()
                    .map(Cow::Owned)
                    .map_err(|()| Error::Write("text is not ISO-8859-1"))
            }
            Charset::Utf16Be | Charset::Utf16 => Ok(Cow::Owned(
                s.encode_utf16().flat_map(u16::to_be_bytes).collect(),
            )),
            Charset::Utf16Le => Ok(Cow::Owned(
                s.encode_utf16().flat_map(u16::to_le_bytes).collect(),
            )),
        }
    }
}

/// Where a piece of text came from in the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextSource {
    /// An inline string (`STR_I`).
    Inline,
    /// A string-table reference (`STR_T`) at this offset into the table.
    Table(u32),
}

/// A piece of character data, borrowed from the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<'a> {
    bytes: &'a [u8],
    // u32: the reader refuses documents of 4 GiB and more, and a smaller event is cheaper
    // to hand out.
    offset: u32,
    source: TextSource,
    charset: Charset,
}

impl<'a> Text<'a> {
    pub(crate) fn new(
        bytes: &'a [u8],
        charset: Charset,
        offset: usize,
        source: TextSource,
    ) -> Self {
        Text {
            bytes,
            charset,
            offset: u32::try_from(offset).unwrap_or(u32::MAX),
            source,
        }
    }

    /// The text's bytes exactly as they stand in the document, terminator excluded.
    pub fn as_bytes(&self) -> &'a [u8] {
        self.bytes
    }

    /// The document's character set, in which [`as_bytes`](Self::as_bytes) is encoded.
    pub fn charset(&self) -> Charset {
        self.charset
    }

    /// Byte offset of the text in the document (for a table reference, in the string table).
    pub fn offset(&self) -> usize {
        self.offset as usize
    }

    /// Whether this came from an inline string or the string table.
    pub fn source(&self) -> TextSource {
        self.source
    }

    /// The text as a string: borrowed for UTF-8 and ASCII, converted for other charsets.
    pub fn to_str(&self) -> Result<Cow<'a, str>, Error> {
        self.charset.decode(self.bytes, self.offset())
    }
}
