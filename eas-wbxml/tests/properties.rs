//! Property tests: generated event trees survive encode → decode; arbitrary and mutated bytes
//! never panic; every proper prefix of a valid document is an error.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eas_wbxml::fuzzing::{self, Plain, decode_plain, encode_plain};
use eas_wbxml::{Charset, Error, Header, Limits, Reader, canon};
use proptest::prelude::*;

#[derive(Debug, Clone)]
enum Node {
    Element {
        page: u8,
        token: u8,
        has_content: bool,
        children: Vec<Node>,
    },
    Text(Vec<u8>),
    Opaque(Vec<u8>),
    Entity(char),
}

fn leaf() -> impl Strategy<Value = Node> {
    prop_oneof![
        // Text: any bytes but NUL, the inline-string terminator.
        proptest::collection::vec(1u8..=255, 0..40).prop_map(Node::Text),
        proptest::collection::vec(any::<u8>(), 0..40).prop_map(Node::Opaque),
        any::<char>().prop_map(Node::Entity),
        (any::<u8>(), 0x05u8..=0x3F).prop_map(|(page, token)| Node::Element {
            page,
            token,
            has_content: false,
            children: vec![],
        }),
    ]
}

fn element() -> impl Strategy<Value = Node> {
    let tree = leaf().prop_recursive(8, 96, 6, |inner| {
        (
            any::<u8>(),
            0x05u8..=0x3F,
            proptest::collection::vec(inner, 0..6),
        )
            .prop_map(|(page, token, children)| Node::Element {
                page,
                token,
                has_content: true,
                children,
            })
    });
    // The root must be an element.
    (
        any::<u8>(),
        0x05u8..=0x3F,
        proptest::collection::vec(tree, 0..6),
    )
        .prop_map(|(page, token, children)| Node::Element {
            page,
            token,
            has_content: true,
            children,
        })
}

fn flatten(node: &Node, out: &mut Vec<Plain>) {
    match node {
        Node::Element {
            page,
            token,
            has_content,
            children,
        } => {
            out.push(Plain::Start(*page, *token, *has_content));
            for c in children {
                flatten(c, out);
            }
            out.push(Plain::End);
        }
        Node::Text(b) => out.push(Plain::Text(b.clone())),
        Node::Opaque(b) => out.push(Plain::Opaque(b.clone())),
        Node::Entity(c) => out.push(Plain::Entity(*c)),
    }
}

fn encode_tree(root: &Node) -> (Vec<Plain>, Vec<u8>) {
    let mut events = Vec::new();
    flatten(root, &mut events);
    let doc = encode_plain(&events, &Header::default()).expect("generated trees are writable");
    (events, doc)
}

fn decode_all(doc: &[u8], limits: Limits) -> Result<usize, Error> {
    let mut n = 0;
    for ev in Reader::with_limits(doc, limits)? {
        ev?;
        n += 1;
    }
    Ok(n)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn any_event_tree_encodes_and_decodes_to_itself(root in element()) {
        let (events, doc) = encode_tree(&root);
        let decoded = decode_plain(&doc, Limits::strict()).expect("valid").expect("writable");
        prop_assert_eq!(&decoded, &events);
        // And the encoding is a fixed point.
        prop_assert_eq!(encode_plain(&decoded, &Header::default()).expect("writable"), doc);
    }

    #[test]
    fn any_event_tree_survives_utf16_and_latin1_headers(root in element()) {
        // Text bytes are opaque to the codec: under UTF-16 they must be whole code units
        // with no zero unit, so map every text byte to a non-zero unit pair.
        let mut events = Vec::new();
        flatten(&root, &mut events);
        for (charset, widen) in [(Charset::Utf16Be, true), (Charset::Latin1, false)] {
            let evs: Vec<Plain> = events
                .iter()
                .map(|e| match e {
                    Plain::Text(b) if widen => Plain::Text(b.iter().flat_map(|&x| [x, x]).collect()),
                    other => other.clone(),
                })
                .collect();
            let header = Header { charset, ..Header::default() };
            let doc = encode_plain(&evs, &header).expect("writable");
            let back = decode_plain(&doc, Limits::strict()).expect("valid").expect("writable");
            prop_assert_eq!(back, evs);
        }
    }

    #[test]
    fn every_proper_prefix_of_a_valid_document_is_an_error(root in element()) {
        let (_, doc) = encode_tree(&root);
        prop_assert!(decode_all(&doc, Limits::strict()).is_ok());
        for cut in 0..doc.len() {
            let prefix = &doc[..cut];
            prop_assert!(
                decode_all(prefix, Limits::strict()).is_err(),
                "prefix of {} bytes accepted", cut
            );
            prop_assert!(decode_all(prefix, Limits::default()).is_err());
            prop_assert!(canon::to_canon(prefix, Limits::default()).is_err());
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = decode_all(&data, Limits::default());
        let _ = decode_all(&data, Limits::strict());
        let _ = canon::to_canon(&data, Limits::default());
        fuzzing::decode(&data);
        fuzzing::roundtrip(&data);
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_header_never_panic(body in proptest::collection::vec(any::<u8>(), 0..512)) {
        let mut data = vec![0x03, 0x01, 0x6A, 0x00];
        data.extend_from_slice(&body);
        fuzzing::decode(&data);
        fuzzing::roundtrip(&data);
    }

    #[test]
    fn mutated_valid_documents_never_panic(
        root in element(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
    ) {
        let (_, mut doc) = encode_tree(&root);
        for (at, byte) in edits {
            let i = at.index(doc.len());
            doc[i] = byte;
        }
        fuzzing::decode(&doc);
        fuzzing::roundtrip(&doc);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// The compact token path the typed decoder uses sees exactly what the event path sees,
    /// on valid documents, on mutated ones and on noise behind a valid header.
    #[test]
    fn token_path_agrees_with_event_path(
        root in element(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..4),
        noise in proptest::collection::vec(any::<u8>(), 0..64),
    ) {
        let (_, mut doc) = encode_tree(&root);
        fuzzing::tokens_agree_with_events(&doc, Limits::strict());
        for (at, byte) in edits {
            let i = at.index(doc.len());
            doc[i] = byte;
        }
        fuzzing::tokens_agree_with_events(&doc, Limits::strict());
        fuzzing::tokens_agree_with_events(&doc, Limits::default());
        let mut noisy = vec![0x03, 0x01, 0x6A, 0x00];
        noisy.extend_from_slice(&noise);
        fuzzing::tokens_agree_with_events(&noisy, Limits::default());
    }
}

/// Found by the fuzzer: a body of empty tags yields two steps per byte, which an early
/// version of the oracle did not allow for.
#[test]
fn token_path_agrees_on_a_run_of_empty_tags() {
    let mut doc = vec![0x03, 0x01, 0x6A, 0x00, 0x00, 0x0E, 0x45];
    doc.extend(std::iter::repeat_n(0x21, 200));
    doc.push(0x01);
    fuzzing::tokens_agree_with_events(&doc, Limits::default());
    fuzzing::decode(&doc);
}
