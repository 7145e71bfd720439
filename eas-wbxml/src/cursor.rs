//! A byte cursor over the document: every read is bounds-checked and reports its offset.
//!
//! Hand-written rather than nom: WBXML is a flat token stream, and a cursor gives exact
//! offsets in errors, no allocation and an obviously total (never panicking) reader.

use crate::{Charset, Error};

#[derive(Debug, Clone)]
pub(crate) struct Cursor<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Cursor<'a> {
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Cursor { buf, pos: 0 }
    }

    pub(crate) fn at(buf: &'a [u8], pos: usize) -> Self {
        Cursor { buf, pos }
    }

    #[inline]
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    #[inline]
    pub(crate) fn remaining(&self) -> usize {
        self.buf.len().saturating_sub(self.pos)
    }

    #[inline]
    pub(crate) fn peek(&self) -> Option<u8> {
        self.buf.get(self.pos).copied()
    }

    #[inline]
    pub(crate) fn peek_at(&self, ahead: usize) -> Option<u8> {
        self.buf.get(self.pos + ahead).copied()
    }

    /// Skip `n` bytes the caller has already seen with `peek`/`peek_at`.
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos += n;
    }

    #[inline]
    pub(crate) fn u8(&mut self, context: &'static str) -> Result<u8, Error> {
        match self.buf.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                Ok(b)
            }
            None => Err(Error::UnexpectedEof {
                offset: self.pos,
                context,
            }),
        }
    }

    /// WBXML `mb_u_int32`: big-endian base-128, continuation bit 0x80, at most 5 bytes and
    /// at most 32 bits of value.
    #[inline]
    pub(crate) fn mb_u32(&mut self, context: &'static str) -> Result<u32, Error> {
        let start = self.pos;
        let mut value: u32 = 0;
        for _ in 0..5 {
            let b = self.u8(context)?;
            // Shifting in 7 more bits must not lose any: the top 7 bits must be clear.
            if value > (u32::MAX >> 7) {
                return Err(Error::IntegerOverflow { offset: start });
            }
            value = (value << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Error::IntegerOverflow { offset: start })
    }

    /// `len` raw bytes.
    #[inline]
    pub(crate) fn take(
        &mut self,
        len: u32,
        len_offset: usize,
        context: &'static str,
    ) -> Result<&'a [u8], Error> {
        let n = len as usize;
        if n > self.remaining() {
            return Err(Error::LengthOutOfBounds {
                offset: len_offset,
                len,
                context,
            });
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    /// A terminated string in `charset`; the terminator is consumed, not returned.
    #[inline]
    pub(crate) fn terminated(&mut self, charset: Charset) -> Result<&'a [u8], Error> {
        let rest = self.buf.get(self.pos..).unwrap_or_default();
        match charset.find_terminator(rest) {
            Some(n) => {
                let s = &rest[..n];
                self.pos += n + charset.unit_width();
                Ok(s)
            }
            None => Err(Error::UnterminatedString { offset: self.pos }),
        }
    }
}

/// A string out of the string table: the terminated string starting at `index`.
pub(crate) fn table_string(
    table: &[u8],
    index: u32,
    charset: Charset,
    ref_offset: usize,
) -> Result<&[u8], Error> {
    let bad = || Error::BadStringTableReference {
        offset: ref_offset,
        index,
        table_len: table.len(),
    };
    let from = table.get(index as usize..).ok_or_else(bad)?;
    if from.is_empty() {
        return Err(bad());
    }
    let n = charset.find_terminator(from).ok_or_else(bad)?;
    Ok(&from[..n])
}
