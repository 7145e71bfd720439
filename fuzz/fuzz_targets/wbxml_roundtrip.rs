//! Whatever decodes re-encodes to the same events, and encoding is a fixed point.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    eas_wbxml::fuzzing::roundtrip(data);
});
