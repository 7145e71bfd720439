//! The document header: version, public identifier, charset and string table.

use crate::cursor::{Cursor, table_string};
use crate::{Charset, Error};

/// The WBXML version of a document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// WBXML 1.1 (version byte 0x01).
    V1_1,
    /// WBXML 1.2 (version byte 0x02).
    V1_2,
    /// WBXML 1.3 (version byte 0x03): what EAS uses.
    V1_3,
}

impl Version {
    /// The version byte.
    pub fn byte(self) -> u8 {
        match self {
            Version::V1_1 => 0x01,
            Version::V1_2 => 0x02,
            Version::V1_3 => 0x03,
        }
    }

    /// The version for a version byte, if it is one this crate reads.
    ///
    /// WBXML 1.0 (byte 0x00) is refused: its header has no charset field, and a body
    /// fragment without a header (as some test fixtures are) starts with 0x00 too, so
    /// accepting 1.0 would read such fragments as garbage instead of refusing them.
    pub fn from_byte(b: u8) -> Option<Version> {
        match b {
            0x01 => Some(Version::V1_1),
            0x02 => Some(Version::V1_2),
            0x03 => Some(Version::V1_3),
            _ => None,
        }
    }
}

/// The document's public identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicId<'a> {
    /// A well-known numeric identifier. EAS sends 1 ("unknown").
    Numeric(u32),
    /// A string in the string table, e.g. `-//MICROSOFT//DTD ActiveSync//EN`.
    String {
        /// Offset of the string in the string table.
        index: u32,
        /// The string's bytes, in the document's charset.
        value: &'a [u8],
    },
}

/// A parsed document header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header<'a> {
    /// The WBXML version.
    pub version: Version,
    /// The public identifier.
    pub public_id: PublicId<'a>,
    /// The character set of all text in the document.
    pub charset: Charset,
    /// The raw string table (possibly empty).
    pub string_table: &'a [u8],
}

impl Default for Header<'_> {
    /// What EAS sends: WBXML 1.3, public id 1 (unknown), UTF-8, no string table.
    fn default() -> Self {
        Header {
            version: Version::V1_3,
            public_id: PublicId::Numeric(1),
            charset: Charset::Utf8,
            string_table: &[],
        }
    }
}

impl<'a> Header<'a> {
    /// Read the header; on success the cursor stands at the first body byte.
    #[inline]
    pub(crate) fn read(cur: &mut Cursor<'a>) -> Result<Header<'a>, Error> {
        // What every EAS peer sends: 1.3, public id 1, UTF-8, no string table.
        if cur.peek_at(0) == Some(0x03)
            && cur.peek_at(1) == Some(0x01)
            && cur.peek_at(2) == Some(0x6A)
            && cur.peek_at(3) == Some(0x00)
        {
            cur.advance(4);
            return Ok(Header::default());
        }
        Self::read_general(cur)
    }

    #[cold]
    fn read_general(cur: &mut Cursor<'a>) -> Result<Header<'a>, Error> {
        let version_byte = cur.u8("version")?;
        let version = Version::from_byte(version_byte).ok_or(Error::UnsupportedVersion {
            offset: 0,
            version: version_byte,
        })?;
        let pid = cur.mb_u32("public identifier")?;
        // Public id 0 means "the identifier is a string-table reference", which follows.
        let pid_index = if pid == 0 {
            Some((cur.pos(), cur.mb_u32("public identifier index")?))
        } else {
            None
        };
        let charset_offset = cur.pos();
        let mib = cur.mb_u32("charset")?;
        let charset = Charset::from_mib(mib).ok_or(Error::UnsupportedCharset {
            offset: charset_offset,
            mib,
        })?;
        let len_offset = cur.pos();
        let table_len = cur.mb_u32("string table length")?;
        let string_table = cur.take(table_len, len_offset, "string table")?;
        let public_id = match pid_index {
            None => PublicId::Numeric(pid),
            Some((at, index)) => PublicId::String {
                index,
                value: table_string(string_table, index, charset, at)?,
            },
        };
        Ok(Header {
            version,
            public_id,
            charset,
            string_table,
        })
    }
}
