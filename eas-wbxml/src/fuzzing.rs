//! Oracles for the fuzz targets and property tests, kept in the library so that `fuzz/`
//! stays thin and the same checks run under `cargo test`.
//!
//! These functions panic when an invariant is broken: that is how a fuzzer learns of it.
#![allow(clippy::panic)]

use crate::{Error, Event, Header, Limits, PublicId, Reader, TagName, Writer};

/// A decoded event with positions and text provenance stripped: what must survive a
/// re-encode.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plain {
    /// A start tag: page, token, content bit.
    Start(u8, u8, bool),
    /// An end tag.
    End,
    /// Text bytes (in the document's charset).
    Text(Vec<u8>),
    /// Opaque bytes.
    Opaque(Vec<u8>),
    /// An entity.
    Entity(char),
}

/// Decode `doc` into [`Plain`] events. `Ok(None)` when the document is valid but holds
/// constructs the writer does not emit (literal tags, attributes, PIs, extensions).
pub fn decode_plain(doc: &[u8], limits: Limits) -> Result<Option<Vec<Plain>>, Error> {
    let mut out = Vec::new();
    let mut writable = true;
    for ev in Reader::with_limits(doc, limits)? {
        out.push(match ev? {
            Event::Start(tag) => match (tag.name, tag.attributes) {
                (TagName::Token { page, token }, None) => {
                    Plain::Start(page, token, tag.has_content)
                }
                _ => {
                    writable = false;
                    continue;
                }
            },
            Event::End => Plain::End,
            Event::Text(t) => Plain::Text(t.as_bytes().to_vec()),
            Event::Opaque(d) => Plain::Opaque(d.to_vec()),
            Event::Entity(c) => Plain::Entity(c),
            Event::Extension(_) | Event::ProcessingInstruction(_) => {
                writable = false;
                continue;
            }
        });
    }
    Ok(writable.then_some(out))
}

/// Encode [`Plain`] events under `header`'s version, public id and charset.
pub fn encode_plain(events: &[Plain], header: &Header<'_>) -> Result<Vec<u8>, Error> {
    let mut w = Writer::with_header(Vec::new(), header)?;
    for ev in events {
        match ev {
            Plain::Start(page, token, true) => w.start(*page, *token)?,
            // An empty tag's END follows as its own event; `empty` already closed it.
            Plain::Start(page, token, false) => w.write_event(&Event::Start(crate::StartTag {
                name: TagName::Token {
                    page: *page,
                    token: *token,
                },
                has_content: false,
                attributes: None,
            }))?,
            Plain::End => w.end()?,
            Plain::Text(b) => w.text_bytes(b)?,
            Plain::Opaque(b) => w.opaque(b)?,
            Plain::Entity(c) => w.entity(*c)?,
        }
    }
    w.finish()
}

/// Fuzz oracle: decoding arbitrary bytes returns, never panics, and stops at an error or a
/// complete document; the canonical dump agrees with the event stream on validity.
pub fn decode(data: &[u8]) {
    let strict = Limits::strict();
    let events = Reader::with_limits(data, strict).map(|r| r.collect::<Result<Vec<_>, _>>());
    let valid = matches!(events, Ok(Ok(_)));
    if let Ok(Ok(evs)) = &events {
        let starts = evs.iter().filter(|e| matches!(e, Event::Start(_))).count();
        let ends = evs.iter().filter(|e| matches!(e, Event::End)).count();
        assert_eq!(starts, ends, "every start has its end");
        assert!(starts > 0, "a valid document has a root element");
    }
    let canon = crate::canon::to_canon(data, strict);
    // The canon dump also decodes text; it may refuse text the tokenizer passed through.
    if canon.is_ok() {
        assert!(valid, "canon accepted what the reader refused");
    }
    let _ = Reader::new(data).map(|r| r.count());
    tokens_agree_with_events(data, strict);
    tokens_agree_with_events(data, Limits::default());
}

/// One step of a reader, in a form both paths can produce.
#[derive(Debug, PartialEq)]
enum Step {
    Start(u8, u8, bool),
    End,
    Text(Vec<u8>),
    Other(String),
    Finished,
    Failed(String),
}

fn event_step(ev: Result<Option<Event<'_>>, Error>) -> Step {
    match ev {
        Ok(Some(Event::Start(t))) => match (t.name, t.attributes) {
            (TagName::Token { page, token }, None) => Step::Start(page, token, t.has_content),
            _ => Step::Other(format!("{t:?}")),
        },
        Ok(Some(Event::End)) => Step::End,
        Ok(Some(Event::Text(t))) => match t.charset() {
            crate::Charset::Utf8 | crate::Charset::Unknown => Step::Text(t.as_bytes().to_vec()),
            _ => Step::Other(format!("{t:?}")),
        },
        Ok(Some(other)) => Step::Other(format!("{other:?}")),
        Ok(None) => Step::Finished,
        Err(e) => Step::Failed(format!("{e:?}")),
    }
}

/// Fuzz oracle: reading with [`Reader::next_token`] (falling back to
/// [`Reader::next_event`] on [`Token::Other`](crate::Token::Other)) gives the same steps,
/// offsets and final outcome as reading events only.
pub fn tokens_agree_with_events(data: &[u8], limits: Limits) {
    let (Ok(mut events), Ok(mut tokens)) = (
        Reader::with_limits(data, limits),
        Reader::with_limits(data, limits),
    ) else {
        return;
    };
    // A byte yields at most two steps (an empty tag's start and its implied end), plus the end.
    for _ in 0..=2 * data.len() + 1 {
        let by_event = event_step(events.next_event());
        let by_token = match tokens.next_token() {
            crate::Token::Start {
                page,
                token,
                has_content,
            } => Step::Start(page, token, has_content),
            crate::Token::End => Step::End,
            crate::Token::Utf8Text(b) => Step::Text(b.to_vec()),
            crate::Token::Other => event_step(tokens.next_event()),
        };
        assert_eq!(by_event, by_token, "token and event paths disagree");
        assert_eq!(
            events.event_offset(),
            tokens.event_offset(),
            "offsets disagree"
        );
        assert_eq!(events.depth(), tokens.depth(), "depths disagree");
        if matches!(by_event, Step::Finished | Step::Failed(_)) {
            assert_eq!(events.trailing(), tokens.trailing());
            return;
        }
    }
    panic!("more steps than bytes");
}

/// Fuzz oracle: whatever decodes re-encodes, decodes to the same events, and re-encodes to
/// the same bytes (the writer is a fixed point).
pub fn roundtrip(data: &[u8]) {
    let Ok(Some(events)) = decode_plain(data, Limits::strict()) else {
        return;
    };
    let Ok(reader) = Reader::new(data) else {
        panic!("decode_plain accepted a header Reader::new refused");
    };
    let mut header = *reader.header();
    if let PublicId::String { .. } = header.public_id {
        // The writer only emits the public id in a string table of its own.
        header.public_id = PublicId::Numeric(1);
    }
    let first = match encode_plain(&events, &header) {
        Ok(b) => b,
        Err(e) => panic!("decoded events failed to encode: {e}"),
    };
    let again = match decode_plain(&first, Limits::strict()) {
        Ok(Some(evs)) => evs,
        other => panic!("re-encoded document does not decode: {other:?}"),
    };
    assert_eq!(events, again, "events changed through encode/decode");
    let second = match encode_plain(&again, &header) {
        Ok(b) => b,
        Err(e) => panic!("second encode failed: {e}"),
    };
    assert_eq!(first, second, "encoding is not stable");
}
