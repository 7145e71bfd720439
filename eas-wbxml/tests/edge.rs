//! The hand-built edge cases of `testdata/synthetic/edge/` (see `CASES.tsv`), each with the
//! behaviour we chose and why, plus the corners the corpus does not reach: charsets, limits,
//! integer overflow, attributes, the writer's refusals.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use eas_wbxml::{
    AttrItem, AttrStart, AttrValue, Charset, Error, Event, ExtensionValue, Header, IoSink, Limits,
    PublicId, Reader, TagName, TextSource, TrailingData, Version, Writer, canon,
};

fn edge(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata/synthetic/edge")
        .join(name);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn events(doc: &[u8]) -> Result<Vec<Event<'_>>, Error> {
    Reader::new(doc)?.collect()
}

fn strict_events(doc: &[u8]) -> Result<Vec<Event<'_>>, Error> {
    Reader::with_limits(doc, Limits::strict())?.collect()
}

fn dump(doc: &[u8]) -> String {
    canon::to_canon(doc, Limits::default()).unwrap_or_else(|e| panic!("{e}"))
}

// ---- The cases the peers get wrong or that CASES.tsv marks "no" / "maybe" ----

#[test]
fn every_case_listed_in_cases_tsv_has_a_decision_here() {
    let tsv = String::from_utf8(edge("CASES.tsv")).expect("text");
    let decided = [
        "page03-airnotify",
        "page09-tasks",
        "page12-contacts2",
        "page23-notes",
        "page25-find",
        "strtbl-str_t",
        "strtbl-publicid",
        "str_t-offset-multibyte",
        "opaque-3byte-length",
        "entity",
        "charset-latin1",
        "empty-root",
        "content-flag-then-end",
        "redundant-switch",
        "wbxml-1.1-header",
        "unknown-token",
        "literal-tag",
        "attribute",
        "pi",
        "trailing-garbage",
        "truncated",
        "unterminated-str_i",
        "mb-uint-overlong",
        "header-only",
        "headerless-body",
    ];
    for line in tsv.lines().skip(1) {
        let file = line.split('\t').next().unwrap_or_default();
        let stem = file.trim_end_matches(".wbxml");
        assert!(decided.contains(&stem), "{file} has no test");
    }
    assert_eq!(tsv.lines().count() - 1, decided.len());
}

#[test]
fn mb_u_int32_longer_than_five_bytes_is_refused() {
    // Horde accepts this; a 6-byte integer cannot be a valid mb_u_int32.
    assert_eq!(
        Reader::new(&edge("mb-uint-overlong.wbxml")).err(),
        Some(Error::IntegerOverflow { offset: 3 })
    );
}

#[test]
fn five_byte_integer_above_u32_is_refused_and_u32_max_is_read() {
    // Opaque length 0x8F FF FF FF 7F = u32::MAX: read, then too long for the document.
    let doc = [3, 1, 0x6A, 0, 0x45, 0xC3, 0x8F, 0xFF, 0xFF, 0xFF, 0x7F, 1];
    let limits = Limits {
        max_string_len: usize::MAX,
        ..Limits::default()
    };
    let err = Reader::with_limits(&doc, limits).and_then(|r| r.collect::<Result<Vec<_>, _>>());
    assert_eq!(
        err.err(),
        Some(Error::LengthOutOfBounds {
            offset: 6,
            len: u32::MAX,
            context: "opaque data"
        })
    );
    // 0x90 in the first of five bytes would need 33 bits.
    let doc = [3, 1, 0x6A, 0, 0x45, 0xC3, 0x90, 0x80, 0x80, 0x80, 0x00, 1];
    let err = Reader::new(&doc).and_then(|r| r.collect::<Result<Vec<_>, _>>());
    assert_eq!(err.err(), Some(Error::IntegerOverflow { offset: 6 }));
}

#[test]
fn header_only_and_headerless_bodies_are_refused() {
    assert_eq!(
        events(&edge("header-only.wbxml")).err(),
        Some(Error::NoRootElement { offset: 4 })
    );
    // A body fragment without its header starts with 0x00, which would be WBXML 1.0.
    assert_eq!(
        Reader::new(&edge("headerless-body.wbxml")).err(),
        Some(Error::UnsupportedVersion {
            offset: 0,
            version: 0
        })
    );
}

#[test]
fn truncated_documents_and_strings_are_refused_with_their_offset() {
    assert_eq!(
        events(&edge("truncated.wbxml")).err(),
        Some(Error::Truncated {
            offset: 12,
            open: 1
        })
    );
    assert_eq!(
        events(&edge("unterminated-str_i.wbxml")).err(),
        Some(Error::UnterminatedString { offset: 9 })
    );
}

#[test]
fn literal_tag_with_an_empty_attribute_list_is_refused() {
    // LITERAL_AC must be followed by at least one attribute before END (WBXML 1.3 §5.8.1).
    assert_eq!(
        events(&edge("literal-tag.wbxml")).err(),
        Some(Error::UnexpectedToken {
            offset: 11,
            token: 0x01,
            context: "attribute list (empty)"
        })
    );
}

#[test]
fn literal_tags_resolve_through_the_string_table() {
    // String table "Foo\0"; root LITERAL_C "Foo" holding a LITERAL (no content) "Foo".
    let doc = [3, 1, 0x6A, 4, b'F', b'o', b'o', 0, 0x44, 0, 0x04, 0, 0x01];
    let evs = events(&doc).expect("valid");
    let names: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            Event::Start(t) => Some((t.name, t.has_content)),
            _ => None,
        })
        .collect();
    assert_eq!(
        names,
        [
            (TagName::Literal(b"Foo"), true),
            (TagName::Literal(b"Foo"), false)
        ]
    );
    assert_eq!(evs.len(), 4);
}

#[test]
fn attributes_are_valid_wbxml_parsed_and_exposed() {
    // CASES.tsv says "no" because EAS defines no attribute pages; as WBXML it is well
    // formed (tag 0x05 with attribute and content bits, attribute start 0x05, END, END).
    // The tokenizer reads it and hands the list over; eas-codec refuses it.
    let doc = edge("attribute.wbxml");
    let evs = events(&doc).expect("well-formed WBXML");
    let Event::Start(tag) = evs[0] else {
        panic!("{evs:?}")
    };
    let attrs = tag.attributes.expect("attribute list");
    let items: Vec<_> = attrs.iter().collect::<Result<_, _>>().expect("valid list");
    assert_eq!(
        items,
        [AttrItem::Start(AttrStart::Token { page: 0, token: 5 })]
    );
    assert_eq!(evs[1], Event::End);
    assert_eq!(dump(&doc), "S 00:05\nA 00:05\nE\n");
}

#[test]
fn attribute_values_of_every_kind_are_read() {
    // String table "id\0v\0"; tag 0x05 (attrs+content) with LITERAL "id" = STR_I "x",
    // STR_T "v", value token 0x85, ENTITY 'é', OPAQUE [1,2]; SWITCH_PAGE 3, start 0x06; END.
    let doc = [
        3, 1, 0x6A, 5, b'i', b'd', 0, b'v', 0, // header + string table
        0xC5, 0x04, 0, 0x03, b'x', 0, 0x83, 3, 0x85, 0x02, 0x81, 0x69, 0xC3, 2, 1, 2, //
        0x00, 3, 0x06, 0x01, // page 3, attribute start 6, END of list
        0x01,
    ];
    let evs = events(&doc).expect("valid");
    let Event::Start(tag) = evs[0] else { panic!() };
    let items: Vec<_> = tag
        .attributes
        .expect("attrs")
        .iter()
        .collect::<Result<_, _>>()
        .expect("ok");
    assert_eq!(items[0], AttrItem::Start(AttrStart::Literal(b"id")));
    assert!(matches!(items[1], AttrItem::Value(AttrValue::Text(t)) if t.as_bytes() == b"x"));
    assert!(
        matches!(items[2], AttrItem::Value(AttrValue::Text(t)) if t.as_bytes() == b"v" && t.source() == TextSource::Table(3))
    );
    assert_eq!(
        items[3],
        AttrItem::Value(AttrValue::Token {
            page: 0,
            token: 0x85
        })
    );
    assert_eq!(items[4], AttrItem::Value(AttrValue::Entity('é')));
    assert_eq!(items[5], AttrItem::Value(AttrValue::Opaque(&[1, 2])));
    assert_eq!(
        items[6],
        AttrItem::Start(AttrStart::Token { page: 3, token: 6 })
    );
    assert_eq!(items.len(), 7);
}

#[test]
fn processing_instructions_are_valid_wbxml_and_read() {
    // PI with attribute start 0x05 and no value, inside the root. Horde crashes here.
    let doc = edge("pi.wbxml");
    let evs = events(&doc).expect("well-formed WBXML");
    assert_eq!(evs.len(), 3);
    let Event::ProcessingInstruction(pi) = evs[1] else {
        panic!("{evs:?}")
    };
    assert_eq!(
        pi.iter().collect::<Result<Vec<_>, _>>(),
        Ok(vec![AttrItem::Start(AttrStart::Token {
            page: 0,
            token: 5
        })])
    );
    // A PI holds exactly one attribute.
    let two = [3, 1, 0x6A, 0, 0x45, 0x43, 0x05, 0x06, 0x01, 0x01];
    assert!(matches!(
        events(&two),
        Err(Error::UnexpectedToken { offset: 7, .. })
    ));
    // PIs may precede and follow the root element, also in strict mode.
    let around = [3, 1, 0x6A, 0, 0x43, 0x05, 0x01, 0x05, 0x43, 0x05, 0x01];
    assert_eq!(strict_events(&around).map(|e| e.len()), Ok(4));
}

#[test]
fn trailing_bytes_are_ignored_and_reported_by_default_and_refused_when_strict() {
    let doc = edge("trailing-garbage.wbxml");
    let mut reader = Reader::new(&doc).expect("header");
    let n = reader
        .by_ref()
        .collect::<Result<Vec<_>, _>>()
        .expect("decodes")
        .len();
    assert_eq!(n, 5);
    assert_eq!(reader.trailing(), Some((13, &[0x01, 0x01, 0x00][..])));
    assert_eq!(
        strict_events(&doc).err(),
        Some(Error::TrailingData { offset: 13, len: 3 })
    );
    // A document without trailing bytes reports none.
    let empty_root = edge("empty-root.wbxml");
    let mut clean = Reader::new(&empty_root).expect("header");
    assert_eq!(clean.by_ref().count(), 2);
    assert_eq!(clean.trailing(), None);
    // A second root element is trailing data, not a second document.
    let two_roots = [3, 1, 0x6A, 0, 0x05, 0x05];
    let mut r = Reader::new(&two_roots).expect("header");
    assert_eq!(r.by_ref().count(), 2);
    assert_eq!(r.trailing(), Some((5, &[0x05][..])));
    assert!(matches!(
        strict_events(&two_roots),
        Err(Error::TrailingData { offset: 5, len: 1 })
    ));
}

#[test]
fn version_1_1_is_read_and_1_0_refused() {
    let doc = edge("wbxml-1.1-header.wbxml");
    assert_eq!(
        Reader::new(&doc).expect("1.1").header().version,
        Version::V1_1
    );
    assert_eq!(dump(&doc), "S 0d:05\nS 0d:07\nT 31\nE\nE\n");
    let mut v4 = doc.clone();
    v4[0] = 0x04;
    assert_eq!(
        Reader::new(&v4).err(),
        Some(Error::UnsupportedVersion {
            offset: 0,
            version: 4
        })
    );
}

#[test]
fn unknown_tokens_are_the_codecs_business() {
    // AirSync 0x3F has no name in MS-ASWBXML, but is a well-formed tag; naming is eas-codec's.
    assert_eq!(
        dump(&edge("unknown-token.wbxml")),
        "S 00:05\nS 00:3f\nT 78\nE\nE\n"
    );
}

#[test]
fn code_pages_the_peers_lack_are_read() {
    // libwbxml and Horde have no page 25 (Find); page 3 is EAS 2.5's AirNotify.
    assert_eq!(
        dump(&edge("page25-find.wbxml")),
        "S 19:05\nS 19:06\nT 7b38653363306234632d316132622d346335642d396538662d3031323334353637383961627d\nE\nE\n"
    );
    assert_eq!(
        dump(&edge("page03-airnotify.wbxml")),
        "S 03:05\nS 03:06\nT 31\nE\nE\n"
    );
}

#[test]
fn repeated_switch_page_reads_and_reencodes_minimally() {
    // libwbxml loses the whole document on two SWITCH_PAGEs in a row.
    let doc = edge("redundant-switch.wbxml");
    assert_eq!(dump(&doc), "S 07:16\nS 07:0c\nT 31\nE\nE\n");
    let mut w = Writer::new(Vec::new()).expect("header");
    for ev in events(&doc).expect("valid") {
        w.write_event(&ev).expect("writable");
    }
    let out = w.finish().expect("complete");
    assert_eq!(
        out,
        [
            3, 1, 0x6A, 0, 0x00, 0x07, 0x56, 0x4C, 0x03, b'1', 0, 0x01, 0x01
        ]
    );
}

#[test]
fn string_table_references_are_borrowed_from_the_table() {
    let doc = edge("strtbl-str_t.wbxml");
    let texts: Vec<_> = events(&doc)
        .expect("valid")
        .into_iter()
        .filter_map(|e| match e {
            Event::Text(t) => Some((t.to_str().expect("utf-8").into_owned(), t.source())),
            _ => None,
        })
        .collect();
    assert_eq!(
        texts,
        [
            ("Inbox".to_string(), TextSource::Table(0)),
            ("Sent".to_string(), TextSource::Table(6))
        ]
    );
    let doc = edge("str_t-offset-multibyte.wbxml");
    assert!(dump(&doc).contains("T "));
    // A reference past the table, or to a string without a terminator, is an error.
    let bad = [3, 1, 0x6A, 2, b'a', b'b', 0x45, 0x83, 0x05, 0x01];
    assert_eq!(
        events(&bad).err(),
        Some(Error::BadStringTableReference {
            offset: 8,
            index: 5,
            table_len: 2
        })
    );
    let unterminated = [3, 1, 0x6A, 2, b'a', b'b', 0x45, 0x83, 0x00, 0x01];
    assert!(matches!(
        events(&unterminated),
        Err(Error::BadStringTableReference { .. })
    ));
}

#[test]
fn public_id_from_the_string_table() {
    let doc = edge("strtbl-publicid.wbxml");
    let r = Reader::new(&doc).expect("header");
    assert_eq!(
        r.header().public_id,
        PublicId::String {
            index: 0,
            value: b"-//MICROSOFT//DTD ActiveSync//EN"
        }
    );
}

#[test]
fn entities_are_characters() {
    let doc = edge("entity.wbxml");
    let evs = events(&doc).expect("valid");
    assert!(evs.contains(&Event::Entity('\u{A0}')));
    assert!(evs.contains(&Event::Entity('\u{3480}')));
    // A surrogate or a value above U+10FFFF is not a character.
    let bad = [3, 1, 0x6A, 0, 0x45, 0x02, 0x83, 0xB0, 0x00, 0x01];
    assert_eq!(
        events(&bad).err(),
        Some(Error::InvalidEntity {
            offset: 5,
            value: 0xD800
        })
    );
}

#[test]
fn empty_elements_in_both_forms_yield_start_and_end() {
    for name in ["empty-root.wbxml", "content-flag-then-end.wbxml"] {
        let doc = edge(name);
        let evs = events(&doc).expect("valid");
        let starts = evs.iter().filter(|e| matches!(e, Event::Start(_))).count();
        let ends = evs.iter().filter(|e| matches!(e, Event::End)).count();
        assert_eq!(starts, ends, "{name}");
    }
}

#[test]
fn large_opaque_with_a_three_byte_length() {
    let doc = edge("opaque-3byte-length.wbxml");
    let evs = events(&doc).expect("valid");
    let opaque = evs.iter().find_map(|e| match e {
        Event::Opaque(d) => Some(d.len()),
        _ => None,
    });
    assert_eq!(opaque, Some(20_000));
}

// ---- Charsets ----

#[test]
fn latin1_text_decodes_to_the_right_characters() {
    let doc = edge("charset-latin1.wbxml");
    let r = Reader::new(&doc).expect("header");
    assert_eq!(r.header().charset, Charset::Latin1);
    let text = events(&doc)
        .expect("valid")
        .into_iter()
        .find_map(|e| match e {
            Event::Text(t) => Some(t.to_str().expect("latin-1 always decodes").into_owned()),
            _ => None,
        });
    assert_eq!(text.as_deref(), Some("Café"));
    // The dump gives the text as UTF-8.
    assert!(dump(&doc).contains("T 436166c3a9\n"));
}

#[test]
fn utf16_strings_end_at_a_zero_code_unit_not_a_zero_byte() {
    // UTF-16BE "Aé" = 00 41 00 E9, terminated by 00 00.
    let doc = [
        3, 1, 0x87, 0x75, 0, 0x45, 0x03, 0x00, 0x41, 0x00, 0xE9, 0x00, 0x00, 0x01,
    ];
    let r = Reader::new(&doc).expect("header");
    assert_eq!(r.header().charset, Charset::Utf16Be);
    let evs = events(&doc).expect("valid");
    let Event::Text(t) = evs[1] else {
        panic!("{evs:?}")
    };
    assert_eq!(t.to_str().expect("valid UTF-16").as_ref(), "Aé");
    // And the writer terminates with two bytes.
    let header = *r.header();
    let mut w = Writer::with_header(Vec::new(), &header).expect("header");
    w.start(0, 5).expect("root");
    w.text("Aé").expect("text");
    w.end().expect("end");
    assert_eq!(w.finish().expect("done"), doc);
    // UTF-16 with a little-endian byte-order mark.
    let bom = [
        3, 1, 0x87, 0x77, 0, 0x45, 0x03, 0xFF, 0xFE, 0x41, 0x00, 0x00, 0x00, 0x01,
    ];
    let evs = events(&bom).expect("valid");
    let Event::Text(t) = evs[1] else { panic!() };
    assert_eq!(t.to_str().expect("valid").as_ref(), "A");
}

#[test]
fn charsets_that_cannot_be_decoded_exactly_are_refused_at_the_header() {
    // windows-1252 (MIBenum 2252).
    let doc = [3, 1, 0x91, 0x4C, 0, 0x45, 0x01];
    assert_eq!(
        Reader::new(&doc).err(),
        Some(Error::UnsupportedCharset {
            offset: 2,
            mib: 2252
        })
    );
}

#[test]
fn invalid_text_is_an_error_never_a_replacement_character() {
    let doc = [3, 1, 0x6A, 0, 0x45, 0x03, 0xC3, 0x28, 0x00, 0x01];
    let evs = events(&doc).expect("the tokenizer does not look inside text");
    let Event::Text(t) = evs[1] else { panic!() };
    assert_eq!(
        t.to_str().err(),
        Some(Error::InvalidText {
            offset: 6,
            charset: "UTF-8"
        })
    );
    // US-ASCII refuses bytes above 0x7F.
    let ascii = [3, 1, 0x03, 0, 0x45, 0x03, 0xE9, 0x00, 0x01];
    let evs = events(&ascii).expect("valid");
    let Event::Text(t) = evs[1] else { panic!() };
    assert!(t.to_str().is_err());
}

// ---- Structure and limits ----

#[test]
fn structural_errors_carry_their_offsets() {
    let cases: &[(&[u8], Error)] = &[
        (&[3, 1, 0x6A, 0, 0x01], Error::UnbalancedEnd { offset: 4 }),
        (
            &[3, 1, 0x6A, 0, 0x03, b'a', 0],
            Error::UnexpectedToken {
                offset: 4,
                token: 0x03,
                context: "the prolog (content before the root element)",
            },
        ),
        (
            &[3, 1, 0x6A, 0, 0x00],
            Error::UnexpectedEof {
                offset: 5,
                context: "code page",
            },
        ),
        (
            &[3],
            Error::UnexpectedEof {
                offset: 1,
                context: "public identifier",
            },
        ),
        (
            &[3, 1, 0x6A, 5, b'a'],
            Error::LengthOutOfBounds {
                offset: 3,
                len: 5,
                context: "string table",
            },
        ),
        (
            &[3, 1, 0x6A, 0, 0x45, 0xC3, 9, 1, 2],
            Error::LengthOutOfBounds {
                offset: 6,
                len: 9,
                context: "opaque data",
            },
        ),
    ];
    for (doc, want) in cases {
        let got = Reader::new(doc).and_then(|r| r.collect::<Result<Vec<_>, _>>());
        assert_eq!(got.err().as_ref(), Some(want), "{doc:02x?}");
        assert!(want.offset().is_some());
    }
}

#[test]
fn nesting_beyond_the_limit_is_refused() {
    let mut doc = vec![3, 1, 0x6A, 0];
    doc.extend(std::iter::repeat_n(0x45, 100));
    doc.extend(std::iter::repeat_n(0x01, 100));
    let err = events(&doc).expect_err("too deep");
    assert_eq!(
        err,
        Error::TooDeep {
            offset: 4 + 64,
            limit: 64
        }
    );
    assert!(err.is_limit());
    let deep = Limits {
        max_depth: 100,
        ..Limits::default()
    };
    assert_eq!(Reader::with_limits(&doc, deep).expect("hdr").count(), 200);
}

#[test]
fn size_string_and_token_limits_hold() {
    let doc = edge("opaque-3byte-length.wbxml");
    let small_doc = Limits {
        max_document_len: 100,
        ..Limits::default()
    };
    assert_eq!(
        Reader::with_limits(&doc, small_doc).err(),
        Some(Error::DocumentTooLarge {
            len: doc.len(),
            limit: 100
        })
    );
    let small_string = Limits {
        max_string_len: 19_999,
        ..Limits::default()
    };
    let err = Reader::with_limits(&doc, small_string)
        .expect("hdr")
        .find_map(Result::err);
    assert!(matches!(
        err,
        Some(Error::StringTooLong {
            len: 20_000,
            limit: 19_999,
            ..
        })
    ));
    let few_tokens = Limits {
        max_tokens: 3,
        ..Limits::default()
    };
    let err = Reader::with_limits(&edge("page23-notes.wbxml"), few_tokens)
        .expect("hdr")
        .find_map(Result::err);
    assert!(matches!(err, Some(Error::TooManyTokens { limit: 3, .. })));
}

#[test]
fn the_reader_stops_after_an_error() {
    let doc = edge("truncated.wbxml");
    let mut r = Reader::new(&doc).expect("hdr");
    let results: Vec<_> = r.by_ref().collect();
    assert!(results.last().is_some_and(Result::is_err));
    assert_eq!(r.next(), None);
    assert_eq!(r.next_event(), Ok(None));
}

#[test]
fn extension_tokens_are_read() {
    let doc = [
        3, 1, 0x6A, 0, 0x45, 0x40, b'x', 0, 0x81, 0x81, 0x00, 0xC2, 0x01,
    ];
    let evs = events(&doc).expect("valid");
    let exts: Vec<_> = evs
        .iter()
        .filter_map(|e| match e {
            Event::Extension(x) => Some((x.index, x.value)),
            _ => None,
        })
        .collect();
    assert!(matches!(exts[0], (0, ExtensionValue::Text(t)) if t.as_bytes() == b"x"));
    assert_eq!(exts[1], (1, ExtensionValue::Integer(128)));
    assert_eq!(exts[2], (2, ExtensionValue::None));
}

// ---- Writer ----

#[test]
fn the_writer_refuses_what_would_be_malformed() {
    let mut w = Writer::new(Vec::new()).expect("hdr");
    assert!(matches!(w.end(), Err(Error::Write(_))));
    assert!(matches!(w.text("outside"), Err(Error::Write(_))));
    assert!(matches!(w.start(0, 0x04), Err(Error::Write(_))));
    assert!(matches!(w.start(0, 0x40), Err(Error::Write(_))));
    w.start(0, 0x05).expect("root");
    assert!(matches!(w.text("a\0b"), Err(Error::Write(_))));
    w.end().expect("close");
    assert!(matches!(w.start(0, 0x05), Err(Error::Write(_))));
    w.finish().expect("complete");

    let mut open = Writer::new(Vec::new()).expect("hdr");
    open.start(0, 0x05).expect("root");
    assert!(matches!(open.finish(), Err(Error::Write(_))));
    assert!(matches!(
        Writer::new(Vec::new()).expect("hdr").finish(),
        Err(Error::Write(_))
    ));

    let latin1 = Header {
        charset: Charset::Latin1,
        ..Header::default()
    };
    let mut w = Writer::with_header(Vec::new(), &latin1).expect("hdr");
    w.start(0, 5).expect("root");
    w.text("Café").expect("latin-1 text");
    assert!(matches!(w.text("€"), Err(Error::Write(_))));
}

#[test]
fn the_writer_switches_pages_only_on_change_and_streams_to_io() {
    let mut w = Writer::new(IoSink::new(Vec::new())).expect("hdr");
    w.start(0, 0x05).expect("Sync");
    w.start(0, 0x1C).expect("Collections");
    w.empty(0x11, 0x05).expect("AirSyncBase page, empty");
    w.empty(0x11, 0x06).expect("same page");
    w.start(0, 0x0B).expect("back to page 0");
    w.opaque(&vec![7u8; 100_000])
        .expect("large opaque goes straight through");
    w.end().expect("end");
    w.end().expect("end");
    w.end().expect("end");
    let out = w.finish().expect("done").into_inner().expect("flushed");
    assert_eq!(
        &out[..10],
        &[3, 1, 0x6A, 0, 0x45, 0x5C, 0x00, 0x11, 0x05, 0x06]
    );
    assert_eq!(&out[10..15], &[0x00, 0x00, 0x4B, 0xC3, 0x86]);
    assert_eq!(out.len(), 4 + 2 + 4 + 3 + 1 + 3 + 100_000 + 3);
    let evs = events(&out).expect("reads back");
    assert_eq!(evs.len(), 11);
}

#[test]
fn string_public_id_is_written_in_a_string_table() {
    let id = b"-//MICROSOFT//DTD ActiveSync//EN";
    let header = Header {
        public_id: PublicId::String {
            index: 0,
            value: id,
        },
        ..Header::default()
    };
    let mut w = Writer::with_header(Vec::new(), &header).expect("hdr");
    w.empty(0x0D, 0x05).expect("root");
    let out = w.finish().expect("done");
    let r = Reader::new(&out).expect("reads back");
    assert_eq!(
        r.header().public_id,
        PublicId::String {
            index: 0,
            value: id
        }
    );
    assert_eq!(r.count(), 2);
}

#[test]
fn trailing_data_policy_default_is_ignore() {
    assert_eq!(Limits::default().trailing, TrailingData::Ignore);
    assert_eq!(Limits::strict().trailing, TrailingData::Reject);
}
