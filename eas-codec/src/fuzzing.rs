//! Oracles for the typed fuzz targets, kept in the library so `fuzz/` stays thin and the
//! same checks run in the property tests. They panic when an invariant is broken.
#![allow(clippy::panic)]

use crate::codec::DecodeOptions;
use crate::{CodecError, Document, ProtocolVersion};

/// The protocol version a fuzz input selects with its first byte.
pub fn version_from(byte: u8) -> ProtocolVersion {
    ProtocolVersion::ALL[usize::from(byte) % ProtocolVersion::ALL.len()]
}

/// Any bytes into every decoder whose root matches: never a panic; and whatever decodes
/// re-encodes for the same version and decodes back to the same value.
pub fn typed_decode(data: &[u8]) {
    let Some((&first, doc)) = data.split_first() else {
        return;
    };
    let version = version_from(first);
    let Ok(value) = Document::decode(doc, DecodeOptions::new(version)) else {
        return;
    };
    let bytes = match value.encode(version) {
        Ok(b) => b,
        Err(e) => panic!("decoded {} does not encode: {e}", value.kind()),
    };
    match Document::decode(&bytes, DecodeOptions::new(version)) {
        Ok(again) => assert_eq!(again, value, "value changed through encode/decode"),
        Err(e) => panic!("re-encoded {} does not decode: {e}", value.kind()),
    }
}

/// An arbitrary typed value, encoded for a version, decodes (unless the value needs elements
/// that version lacks) and is then a fixed point of encode/decode.
pub fn typed_roundtrip(value: &Document, version: ProtocolVersion) {
    let Ok(first) = value.encode(version) else {
        return;
    };
    let decoded = match Document::decode(&first, DecodeOptions::new(version)) {
        Ok(v) => v,
        // A value built for a newer version than the one asked for.
        Err(CodecError::NotInVersion { .. } | CodecError::MissingElement { .. }) => return,
        Err(e) => panic!("encoded {} does not decode: {e}", value.kind()),
    };
    let second = match decoded.encode(version) {
        Ok(b) => b,
        Err(e) => panic!("decoded {} does not encode: {e}", decoded.kind()),
    };
    assert_eq!(
        first,
        second,
        "encoding is not a fixed point for {}",
        value.kind()
    );
}
