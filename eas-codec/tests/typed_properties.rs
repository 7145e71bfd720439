//! Property tests: arbitrary values of every typed request and response encode for every
//! protocol version, decode back, and are a fixed point of encode → decode → encode; at the
//! newest version (where every element exists) the value itself survives.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeSet;

use arbitrary::{Arbitrary, Unstructured};
use eas_codec::codec::DecodeOptions;
use eas_codec::{Document, ProtocolVersion, fuzzing};
use proptest::prelude::*;

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn every_message_round_trips(bytes in proptest::collection::vec(any::<u8>(), 16..2048)) {
        let mut u = Unstructured::new(&bytes);
        let Ok(doc) = Document::arbitrary(&mut u) else { return Ok(()) };
        for v in ProtocolVersion::ALL {
            fuzzing::typed_roundtrip(&doc, v);
        }
        // At 16.1 only 2.5-only elements are dropped; a value without them survives whole.
        let bytes = doc.encode(ProtocolVersion::V16_1).unwrap();
        let back = Document::decode(&bytes, DecodeOptions::new(ProtocolVersion::V16_1));
        if let Ok(back) = back {
            prop_assert_eq!(back.encode(ProtocolVersion::V16_1).unwrap(), bytes);
        }
    }
}

#[test]
fn every_message_kind_was_generated() {
    // A deterministic generator, so that a kind the derive can never produce is caught.
    let mut seen = BTreeSet::new();
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    for _ in 0..20_000 {
        let bytes: Vec<u8> = (0..256)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state >> 24) as u8
            })
            .collect();
        if let Ok(doc) = Document::arbitrary(&mut Unstructured::new(&bytes)) {
            for v in ProtocolVersion::ALL {
                fuzzing::typed_roundtrip(&doc, v);
            }
            seen.insert(doc.kind());
        }
    }
    let missing: Vec<_> = Document::KINDS
        .iter()
        .filter(|k| !seen.contains(*k))
        .collect();
    assert!(missing.is_empty(), "never generated: {missing:?}");
}

#[test]
fn decoding_real_captures_is_a_fixed_point() {
    let dir =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../eas-wbxml/testdata/lswbxml");
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "wbxml") {
            let data = std::fs::read(&p).unwrap();
            for first in [4u8, 6] {
                let mut input = vec![first];
                input.extend_from_slice(&data);
                fuzzing::typed_decode(&input);
            }
        }
    }
}
