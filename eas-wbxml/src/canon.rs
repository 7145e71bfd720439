//! The canonical event dump used by the conformance corpus (`*.expected.canon`).
//!
//! One line per event, free of names:
//! - `S cc:tt` a start tag (code page and token in lower-case hex); `S cc:tt/` when the
//!   element has no content (no content bit, or the content bit followed directly by END,
//!   or by nothing but empty strings);
//! - `T <hex>` the element's character data: inline strings, string-table strings, opaque
//!   data and entities concatenated as they appear between two tags. Text is given as UTF-8
//!   (so a document in ISO-8859-1 or UTF-16 dumps as the same characters would in UTF-8);
//!   opaque data as its raw bytes; entities as UTF-8;
//! - `E` an end tag.
//!
//! Constructs EAS never uses get lines of their own, outside the corpus format:
//! `S lit:<hex name>` for a literal tag, `A <item>` for each attribute-list item after its
//! start tag, `P <items>` for a processing instruction and `X<n> [<hex>|#<int>]` for an
//! extension token.

use std::fmt::Write as _;

use crate::{
    AttrItem, AttrStart, AttrValue, Attributes, Error, Event, ExtensionValue, Limits, Reader,
    TagName,
};

/// Dump `doc` in the canonical form. On invalid input the lines read so far are discarded and
/// the error is returned.
pub fn to_canon(doc: &[u8], limits: Limits) -> Result<String, Error> {
    let mut out = String::new();
    let mut reader = Reader::with_limits(doc, limits)?;
    let mut text: Vec<u8> = Vec::new();
    let mut has_text = false;
    // A start tag not printed yet: whether it is empty depends on the next event.
    let mut open: Option<String> = None;

    while let Some(ev) = reader.next_event()? {
        // Zero-length text or opaque data is no content: `<A></A>` dumps as `S cc:tt/`.
        if matches!(ev, Event::Text(t) if t.as_bytes().is_empty())
            || matches!(ev, Event::Opaque(d) if d.is_empty())
        {
            continue;
        }
        if let Some(tag) = open.take() {
            if matches!(ev, Event::End) {
                let _ = writeln!(out, "S {tag}/");
                continue;
            }
            let _ = writeln!(out, "S {tag}");
        }
        match ev {
            Event::Text(t) => {
                text.extend_from_slice(t.to_str()?.as_bytes());
                has_text = true;
            }
            Event::Opaque(d) => {
                text.extend_from_slice(d);
                has_text = true;
            }
            Event::Entity(c) => {
                let mut b = [0u8; 4];
                text.extend_from_slice(c.encode_utf8(&mut b).as_bytes());
                has_text = true;
            }
            Event::Start(_)
            | Event::End
            | Event::Extension(_)
            | Event::ProcessingInstruction(_) => {
                if has_text {
                    let _ = writeln!(out, "T {}", hex(&text));
                    text.clear();
                    has_text = false;
                }
                match ev {
                    Event::Start(tag) => {
                        let name = match tag.name {
                            TagName::Token { page, token } => format!("{page:02x}:{token:02x}"),
                            TagName::Literal(n) => format!("lit:{}", hex(n)),
                        };
                        if let Some(attrs) = tag.attributes {
                            let _ = writeln!(out, "S {name}");
                            attr_lines(&mut out, "A", &attrs)?;
                        } else {
                            open = Some(name);
                        }
                    }
                    Event::End => out.push_str("E\n"),
                    Event::Extension(x) => {
                        let _ = match x.value {
                            ExtensionValue::Text(t) => {
                                writeln!(out, "X{} {}", x.index, hex(t.to_str()?.as_bytes()))
                            }
                            ExtensionValue::Integer(v) => writeln!(out, "X{} #{v}", x.index),
                            ExtensionValue::None => writeln!(out, "X{}", x.index),
                        };
                    }
                    Event::ProcessingInstruction(pi) => attr_lines(&mut out, "P", &pi)?,
                    _ => {}
                }
            }
        }
    }
    Ok(out)
}

fn attr_lines(out: &mut String, prefix: &str, attrs: &Attributes<'_>) -> Result<(), Error> {
    for item in attrs {
        let line = match item? {
            AttrItem::Start(AttrStart::Token { page, token }) => format!("{page:02x}:{token:02x}"),
            AttrItem::Start(AttrStart::Literal(n)) => format!("lit:{}", hex(n)),
            AttrItem::Value(AttrValue::Token { page, token }) => {
                format!("={page:02x}:{token:02x}")
            }
            AttrItem::Value(AttrValue::Text(t)) => format!("={}", hex(t.to_str()?.as_bytes())),
            AttrItem::Value(AttrValue::Opaque(d)) => format!("={}", hex(d)),
            AttrItem::Value(AttrValue::Entity(c)) => format!("=&{:x}", u32::from(c)),
            AttrItem::Value(AttrValue::Extension(x)) => format!("=X{}", x.index),
        };
        let _ = writeln!(out, "{prefix} {line}");
    }
    Ok(())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0x0F)]));
    }
    s
}
