//! Character sets: decoding text parts to UTF-8 when the declared charset is missing or
//! wrong, the Windows code page numbers behind `InternetCPID`, and the characters that must
//! not reach a device.

use mail_parser::decoders::base64::base64_decode;
use mail_parser::decoders::charsets::map::charset_decoder;
use mail_parser::decoders::quoted_printable::quoted_printable_decode;
use mail_parser::{Encoding, Message, MessagePart, MimeHeaders, PartType};

/// The Windows code page of a MIME charset name (`InternetCPID`), case-insensitive, with the
/// common aliases. `None` for a name the table does not know.
pub fn code_page(charset: &str) -> Option<u32> {
    let name = charset
        .trim()
        .trim_matches('"')
        .to_ascii_lowercase()
        .replace('_', "-");
    // Sources: the code page identifiers Windows registers for each charset (the same numbers
    // .NET's Encoding.GetEncoding(name).CodePage reports).
    let cp = match name.as_str() {
        "utf-8" | "utf8" => 65001,
        "utf-7" => 65000,
        "utf-16" | "utf-16le" => 1200,
        "utf-16be" => 1201,
        "us-ascii" | "ascii" | "ansi-x3.4-1968" => 20127,
        "iso-8859-1" | "iso8859-1" | "latin1" | "latin-1" | "l1" => 28591,
        "iso-8859-2" | "iso8859-2" | "latin2" | "l2" => 28592,
        "iso-8859-3" | "iso8859-3" => 28593,
        "iso-8859-4" | "iso8859-4" => 28594,
        "iso-8859-5" | "iso8859-5" => 28595,
        "iso-8859-6" | "iso8859-6" => 28596,
        "iso-8859-7" | "iso8859-7" => 28597,
        "iso-8859-8" | "iso8859-8" => 28598,
        "iso-8859-9" | "iso8859-9" | "latin5" => 28599,
        "iso-8859-13" | "iso8859-13" => 28603,
        "iso-8859-15" | "iso8859-15" | "latin-9" | "latin9" => 28605,
        "windows-1250" | "cp1250" | "x-cp1250" => 1250,
        "windows-1251" | "cp1251" | "x-cp1251" => 1251,
        "windows-1252" | "cp1252" | "x-cp1252" => 1252,
        "windows-1253" | "cp1253" => 1253,
        "windows-1254" | "cp1254" => 1254,
        "windows-1255" | "cp1255" => 1255,
        "windows-1256" | "cp1256" => 1256,
        "windows-1257" | "cp1257" => 1257,
        "windows-1258" | "cp1258" => 1258,
        "koi8-r" => 20866,
        "koi8-u" => 21866,
        "shift-jis" | "shift_jis" | "sjis" | "x-sjis" | "ms-kanji" | "cp932" | "windows-31j" => 932,
        "euc-jp" => 51932,
        "iso-2022-jp" => 50220,
        "gb2312" | "gbk" | "cp936" | "x-gbk" | "euc-cn" => 936,
        "gb18030" => 54936,
        "big5" | "big5-hkscs" | "cp950" => 950,
        "euc-kr" => 51949,
        "ks-c-5601-1987" | "cp949" => 949,
        "iso-2022-kr" => 50225,
        "ibm850" | "cp850" | "850" => 850,
        "ibm866" | "cp866" | "866" => 866,
        "tis-620" | "windows-874" => 874,
        _ => return None,
    };
    Some(cp)
}

/// The text of a text part, decoded to UTF-8.
///
/// `mail-parser` decodes by the declared charset; when there is none (8-bit mail from old
/// clients, Scalix bug 20372) or the charset is unknown or `utf-8` but the bytes are not, it
/// substitutes U+FFFD. In those cases the transfer-decoded bytes are read again: UTF-8 if
/// they are valid UTF-8, otherwise windows-1252 (a superset of ISO-8859-1 in the printable
/// range, so West-European umlauts come out right). Returns the text and the charset name
/// that actually decoded it.
pub fn part_text(message: &Message<'_>, part: &MessagePart<'_>) -> (String, String) {
    let text = match &part.body {
        PartType::Text(t) | PartType::Html(t) => t.as_ref(),
        _ => return (String::new(), "us-ascii".into()),
    };
    let declared = part
        .content_type()
        .and_then(|ct| ct.attribute("charset"))
        .map(|c| c.trim().to_ascii_lowercase());
    let declared_utf8 = declared
        .as_deref()
        .is_some_and(|c| c == "utf-8" || c == "utf8");
    let trusted = declared
        .as_deref()
        .is_some_and(|c| !declared_utf8 && charset_decoder(c.as_bytes()).is_some());
    if trusted || !text.contains('\u{FFFD}') {
        let used = declared.unwrap_or_else(|| {
            if text.is_ascii() {
                "us-ascii".into()
            } else {
                "utf-8".into()
            }
        });
        return (text.to_string(), used);
    }
    match transfer_decoded(message, part) {
        Some(bytes) => match String::from_utf8(bytes) {
            Ok(s) => (s, "utf-8".into()),
            Err(e) => (windows_1252(e.as_bytes()), "windows-1252".into()),
        },
        None => (text.to_string(), declared.unwrap_or_else(|| "utf-8".into())),
    }
}

/// The part's body bytes with the transfer encoding undone, read again from the raw message.
fn transfer_decoded(message: &Message<'_>, part: &MessagePart<'_>) -> Option<Vec<u8>> {
    let raw = message
        .raw_message
        .get(part.offset_body as usize..part.offset_end as usize)?;
    match part.encoding {
        Encoding::None => Some(raw.to_vec()),
        Encoding::QuotedPrintable => quoted_printable_decode(raw),
        Encoding::Base64 => base64_decode(raw),
    }
}

/// Bytes read as windows-1252.
pub fn windows_1252(bytes: &[u8]) -> String {
    match charset_decoder(b"windows-1252") {
        Some(decode) => decode(bytes),
        // The table always has windows-1252; Latin-1 is the byte-for-byte fallback.
        None => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

/// Whether a character may be sent to a device. WBXML inline strings end at NUL, and XML-based
/// clients reject the other C0 controls and U+FFFE/U+FFFF (spam carries them, Scalix bug
/// 20442); tab, LF and CR stay.
fn allowed(c: char) -> bool {
    !matches!(c, '\0'..='\u{08}' | '\u{0B}' | '\u{0C}' | '\u{0E}'..='\u{1F}' | '\u{7F}' | '\u{FFFE}' | '\u{FFFF}')
}

/// `s` without the characters a device must not receive.
pub fn clean(s: &str) -> String {
    s.chars().filter(|&c| allowed(c)).collect()
}
