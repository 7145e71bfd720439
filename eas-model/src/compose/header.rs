//! The header section of a client's MIME, read as byte ranges so that fields can be dropped
//! or added without touching any other byte.
//!
//! `mail-parser` is lenient on purpose (it reads a line of prose as a header named after the
//! whole line), so this scanner is what decides whether the input is an RFC 5322 message.

use std::ops::Range;

use crate::ModelError;

/// One header field: its name and the whole field, continuation lines and line end included.
#[derive(Debug, Clone)]
pub(crate) struct Field {
    pub(crate) name: Range<usize>,
    pub(crate) whole: Range<usize>,
}

/// The header section of a message.
#[derive(Debug, Clone)]
pub(crate) struct HeaderSection {
    pub(crate) fields: Vec<Field>,
    /// Whether the message ends its lines with CRLF (judged by its first line), so added
    /// lines match it.
    pub(crate) crlf: bool,
}

impl HeaderSection {
    /// Whether a field of this name (ASCII case-insensitive) is present.
    pub(crate) fn has(&self, raw: &[u8], name: &str) -> bool {
        self.fields.iter().any(|f| is_named(raw, f, name))
    }

    /// The line end the message uses.
    pub(crate) fn eol(&self) -> &'static [u8] {
        if self.crlf { b"\r\n" } else { b"\n" }
    }
}

/// Whether `field` is called `name` (ASCII case-insensitive).
pub(crate) fn is_named(raw: &[u8], field: &Field, name: &str) -> bool {
    raw.get(field.name.clone())
        .is_some_and(|n| n.eq_ignore_ascii_case(name.as_bytes()))
}

/// Read the header section of `raw`. Refuses input whose first line is not a header field,
/// and any line of the section that is neither a field nor a continuation.
pub(crate) fn scan(raw: &[u8]) -> Result<HeaderSection, ModelError> {
    let mut fields: Vec<Field> = Vec::new();
    let mut crlf = true;
    let mut pos = 0;
    let mut line_no = 0usize;
    while pos < raw.len() {
        line_no += 1;
        let rest = raw.get(pos..).unwrap_or_default();
        let (line_len, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(nl) => (nl, pos + nl + 1),
            None => (rest.len(), raw.len()),
        };
        let mut line = rest.get(..line_len).unwrap_or_default();
        if let Some(stripped) = line.strip_suffix(b"\r") {
            line = stripped;
        } else if line_no == 1 && next > pos + line_len {
            crlf = false;
        }
        if line.is_empty() {
            // The blank line that ends the section.
            break;
        }
        if matches!(line.first(), Some(b' ' | b'\t')) {
            match fields.last_mut() {
                Some(last) => last.whole.end = next,
                None => {
                    return Err(ModelError::Mime(
                        "the message begins with a continuation line, not a header field".into(),
                    ));
                }
            }
        } else {
            // RFC 5322 4.5.3 (obsolete syntax, which a reader must accept): white space may
            // come between the name and the colon.
            let name_len = line.iter().position(|&b| b == b':').and_then(|c| {
                let name = line.get(..c)?;
                let len = name.len()
                    - name
                        .iter()
                        .rev()
                        .take_while(|&&b| b == b' ' || b == b'\t')
                        .count();
                let printable = name.get(..len)?.iter().all(|b| (33..=126).contains(b));
                (len > 0 && printable).then_some(len)
            });
            match name_len {
                Some(len) => fields.push(Field {
                    name: pos..pos + len,
                    whole: pos..next,
                }),
                _ => {
                    return Err(ModelError::Mime(format!(
                        "line {line_no} of the header section is not an RFC 5322 header field"
                    )));
                }
            }
        }
        pos = next;
    }
    if fields.is_empty() {
        return Err(ModelError::Mime("the message has no header fields".into()));
    }
    Ok(HeaderSection { fields, crlf })
}

/// `bytes` with every bare LF turned into CRLF (SMTP wants CRLF; some clients send LF).
pub(crate) fn to_crlf(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + bytes.len() / 32);
    let mut prev = 0u8;
    for &b in bytes {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folded_fields_are_one_field() {
        let raw = b"To: a@b.c,\r\n d@e.f\r\nSubject: x\r\n\r\nbody";
        let h = scan(raw).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(h.fields.len(), 2);
        assert_eq!(&raw[h.fields[0].whole.clone()], b"To: a@b.c,\r\n d@e.f\r\n");
        assert!(h.crlf);
        assert!(h.has(raw, "subject"));
    }

    #[test]
    fn obsolete_space_before_the_colon_is_accepted() {
        let raw = b"Subject : x\r\nBCC\t: a@b.c\r\n\r\n";
        let h = scan(raw).unwrap_or_else(|e| panic!("{e}"));
        assert!(h.has(raw, "subject"));
        assert!(h.has(raw, "bcc"));
        assert!(scan(b" : x\r\n\r\n").is_err());
        assert!(scan(b": x\r\n\r\n").is_err());
    }

    #[test]
    fn prose_and_mbox_lines_are_refused() {
        assert!(scan(b"hello world\r\n\r\n").is_err());
        assert!(scan(b"From someone Mon Jan 1\nTo: a@b.c\n\nx").is_err());
        assert!(scan(b"\r\nbody").is_err());
        assert!(scan(b" folded: first\r\n\r\n").is_err());
    }

    #[test]
    fn lf_messages_are_detected() {
        let h = scan(b"To: a@b.c\nSubject: x\n\nbody").unwrap_or_else(|e| panic!("{e}"));
        assert!(!h.crlf);
        assert_eq!(to_crlf(b"a\nb\r\nc"), b"a\r\nb\r\nc");
    }
}
