//! An arbitrary typed document, encoded for an arbitrary version, decodes and is a fixed
//! point of encode → decode → encode.
#![no_main]

use eas_codec::{Document, ProtocolVersion};

libfuzzer_sys::fuzz_target!(|input: (Document, ProtocolVersion)| {
    eas_codec::fuzzing::typed_roundtrip(&input.0, input.1);
});
