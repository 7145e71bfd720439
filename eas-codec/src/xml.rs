//! WBXML ↔ XML in the form of the MS-ASCMD examples: Microsoft's element names, the root's
//! code page as the default namespace and one `xmlns:prefix` per other code page used
//! (`xmlns:airsyncbase="AirSyncBase"`). For reading documents and writing test inputs; the
//! typed layer never goes through XML.
//!
//! Two things XML cannot say are written so that they survive a round trip:
//! - opaque data is a CDATA section when it is printable UTF-8, otherwise a processing
//!   instruction `<?eas-opaque-base64 …?>`;
//! - a token the table does not name is written `tok-3F` (hex token) on its page's prefix, and
//!   a page the table does not have uses the namespace `Page26` (prefix `page26`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use eas_wbxml::{Event, Reader, TagName, Writer};
use quick_xml::events::Event as XmlEvent;
use quick_xml::name::ResolveResult;

use crate::pages::PAGES;
use crate::{CodecError, Tag};

/// The XML namespace name of a code page.
fn namespace_of(page: u8) -> String {
    match PAGES.get(usize::from(page)) {
        Some(p) => p.namespace.to_string(),
        None => format!("Page{page}"),
    }
}

fn prefix_of(page: u8) -> String {
    match PAGES.get(usize::from(page)) {
        // MS-ASCMD's examples abbreviate RightsManagement.
        Some(p) if p.namespace == "RightsManagement" => "rm".to_string(),
        Some(p) => p.namespace.to_ascii_lowercase(),
        None => format!("page{page}"),
    }
}

fn local_name(tag: Tag) -> String {
    match tag.name() {
        Some(n) => n.to_string(),
        None => format!("tok-{:02X}", tag.token),
    }
}

fn unsupported(what: &'static str, offset: usize) -> CodecError {
    CodecError::Unsupported { what, offset }
}

fn escape_into(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            // A literal CR would be normalised away by any XML reader.
            '\r' => out.push_str("&#xD;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 => out.push_str(&format!("&#x{:X};", c as u32)),
            c => out.push(c),
        }
    }
}

/// Render a WBXML document as XML.
pub fn wbxml_to_xml(doc: &[u8]) -> Result<String, CodecError> {
    // First pass: which pages the document uses, so the root can declare them all.
    let mut pages: Vec<u8> = Vec::new();
    for ev in Reader::new(doc)? {
        if let Event::Start(eas_wbxml::StartTag {
            name: TagName::Token { page, .. },
            ..
        }) = ev?
            && !pages.contains(&page)
        {
            pages.push(page);
        }
    }
    let root_page = pages.first().copied().unwrap_or(0);

    let mut out = String::from("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n");
    let mut reader = Reader::new(doc)?;
    let mut stack: Vec<String> = Vec::new();
    // Whether the innermost open element has had child elements (then its end tag goes on
    // its own line) and whether its start tag is still open for text.
    let mut had_children: Vec<bool> = Vec::new();
    let mut pending_start: Option<String> = None;
    let mut is_root = true;

    while let Some(ev) = reader.next_event()? {
        let at = reader.event_offset();
        match ev {
            Event::Start(t) => {
                let TagName::Token { page, token } = t.name else {
                    return Err(unsupported("a literal tag", at));
                };
                if t.attributes.is_some() {
                    return Err(unsupported("an attribute", at));
                }
                if let Some(open) = pending_start.take() {
                    out.push_str(&open);
                    out.push_str(">\n");
                }
                if let Some(h) = had_children.last_mut() {
                    *h = true;
                }
                let tag = Tag::new(page, token);
                let name = if page == root_page {
                    local_name(tag)
                } else {
                    format!("{}:{}", prefix_of(page), local_name(tag))
                };
                let mut open = format!("{}<{}", "  ".repeat(stack.len()), name);
                if is_root {
                    open.push_str(&format!(" xmlns=\"{}\"", namespace_of(root_page)));
                    for &p in pages.iter().skip(1) {
                        open.push_str(&format!(" xmlns:{}=\"{}\"", prefix_of(p), namespace_of(p)));
                    }
                    is_root = false;
                }
                pending_start = Some(open);
                stack.push(name);
                had_children.push(false);
            }
            Event::End => {
                let name = stack.pop().unwrap_or_default();
                let children = had_children.pop().unwrap_or(false);
                if let Some(open) = pending_start.take() {
                    out.push_str(&open);
                    out.push_str("/>\n");
                } else if children {
                    out.push_str(&format!("{}</{}>\n", "  ".repeat(stack.len()), name));
                } else {
                    out.push_str(&format!("</{name}>\n"));
                }
            }
            Event::Text(t) => {
                if let Some(open) = pending_start.take() {
                    out.push_str(&open);
                    out.push('>');
                }
                escape_into(&mut out, &t.to_str()?);
            }
            Event::Entity(c) => {
                if let Some(open) = pending_start.take() {
                    out.push_str(&open);
                    out.push('>');
                }
                escape_into(&mut out, c.encode_utf8(&mut [0u8; 4]));
            }
            Event::Opaque(data) => {
                if let Some(open) = pending_start.take() {
                    out.push_str(&open);
                    out.push('>');
                }
                match std::str::from_utf8(data) {
                    Ok(s)
                        if !s.contains("]]>")
                            && !s.chars().any(|c| c.is_control() && !"\t\r\n".contains(c)) =>
                    {
                        out.push_str("<![CDATA[");
                        out.push_str(s);
                        out.push_str("]]>");
                    }
                    _ => {
                        out.push_str("<?eas-opaque-base64 ");
                        out.push_str(&B64.encode(data));
                        out.push_str("?>");
                    }
                }
            }
            Event::Extension(_) => return Err(unsupported("an extension token", at)),
            Event::ProcessingInstruction(_) => {
                return Err(unsupported("a processing instruction", at));
            }
        }
    }
    Ok(out)
}

fn xml_err(position: u64, message: impl Into<String>) -> CodecError {
    CodecError::Xml {
        position,
        message: message.into(),
    }
}

/// The tag for an element name in an XML namespace.
fn tag_for(namespace: &str, local: &str, position: u64) -> Result<Tag, CodecError> {
    let page = match PAGES.iter().find(|p| p.namespace == namespace) {
        Some(p) => p.index,
        None => namespace
            .strip_prefix("Page")
            .and_then(|n| n.parse::<u8>().ok())
            .ok_or_else(|| xml_err(position, format!("unknown namespace {namespace:?}")))?,
    };
    if let Some(hex) = local.strip_prefix("tok-") {
        let token = u8::from_str_radix(hex, 16)
            .map_err(|_| xml_err(position, format!("bad token name {local:?}")))?;
        return Ok(Tag::new(page, token));
    }
    Tag::lookup(&namespace_of(page), local).ok_or_else(|| {
        xml_err(
            position,
            format!("no element {local:?} in namespace {namespace:?}"),
        )
    })
}

/// Encode XML (as [`wbxml_to_xml`] writes it, or as the MS-ASCMD examples are written) into
/// WBXML. Whitespace-only text that contains a line break and stands between element tags is
/// layout and is dropped; next to other text it is content.
pub fn xml_to_wbxml(xml: &str) -> Result<Vec<u8>, CodecError> {
    let mut reader = quick_xml::NsReader::from_str(xml);
    let mut w = Writer::new(Vec::new())?;
    // Whitespace-only text with a line break is layout when an element boundary follows,
    // and content when more text follows (e.g. between two entity references).
    let mut layout: Option<String> = None;
    let mut after_text = false;
    // For each open element: whether it was written with content yet. Text arrives before we
    // know whether an element is empty, so start tags are written eagerly with content and
    // `<X/>` becomes a tag without content.
    loop {
        let position = reader.buffer_position();
        let (ns, ev) = reader
            .read_resolved_event()
            .map_err(|e| xml_err(position, e.to_string()))?;
        let element_tag = |ns: ResolveResult<'_>, local: &str| -> Result<Tag, CodecError> {
            let namespace = match ns {
                ResolveResult::Bound(n) => AsRef::<str>::as_ref(&n).to_string(),
                _ => return Err(xml_err(position, "element without a namespace")),
            };
            // MS-ASCMD sometimes writes namespaces with a trailing colon ("AirSync:").
            let namespace = namespace.trim_end_matches(':').to_string();
            tag_for(&namespace, local, position)
        };
        let continues_text = matches!(
            ev,
            XmlEvent::Text(_) | XmlEvent::GeneralRef(_) | XmlEvent::CData(_)
        );
        if let Some(ws) = layout.take()
            && continues_text
        {
            w.text(&ws)?;
        }
        let text_before = after_text;
        after_text = continues_text;
        match ev {
            XmlEvent::Start(e) => {
                let t = element_tag(ns, e.local_name().as_ref())?;
                w.start(t.page, t.token)?;
            }
            XmlEvent::Empty(e) => {
                let t = element_tag(ns, e.local_name().as_ref())?;
                w.empty(t.page, t.token)?;
            }
            XmlEvent::End(_) => w.end()?,
            XmlEvent::Text(t) => {
                // Entity references arrive as their own events, so this is literal text.
                let text = t.xml10_content();
                if !text_before && text.trim().is_empty() && text.contains('\n') {
                    if w.depth() > 0 {
                        layout = Some(text.into_owned());
                    }
                    continue;
                }
                if w.depth() == 0 {
                    if text.trim().is_empty() {
                        continue;
                    }
                    return Err(xml_err(position, "text outside the root element"));
                }
                w.text(&text)?;
            }
            XmlEvent::GeneralRef(r) => {
                let name = r.clone().into_inner();
                let s = match name.as_ref() {
                    "amp" => "&".to_string(),
                    "lt" => "<".to_string(),
                    "gt" => ">".to_string(),
                    "quot" => "\"".to_string(),
                    "apos" => "'".to_string(),
                    other => {
                        let c = r
                            .resolve_char_ref()
                            .map_err(|e| xml_err(position, e.to_string()))?
                            .ok_or_else(|| {
                                xml_err(position, format!("unknown entity &{other};"))
                            })?;
                        c.to_string()
                    }
                };
                w.text(&s)?;
            }
            XmlEvent::CData(c) => w.opaque(c.into_inner().as_bytes())?,
            XmlEvent::PI(pi) => {
                let content: &str = &pi;
                match content.strip_prefix("eas-opaque-base64") {
                    Some(b64) => {
                        let data = B64
                            .decode(b64.trim())
                            .map_err(|e| xml_err(position, e.to_string()))?;
                        w.opaque(&data)?;
                    }
                    None => return Err(xml_err(position, "unknown processing instruction")),
                }
            }
            XmlEvent::Decl(_) | XmlEvent::Comment(_) | XmlEvent::DocType(_) => {}
            XmlEvent::Eof => break,
        }
    }
    Ok(w.finish()?)
}
