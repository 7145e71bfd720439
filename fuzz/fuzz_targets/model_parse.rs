//! Any bytes as a MIME message, vCard, VEVENT, VTODO, VJOURNAL and TimeZone blob: never a panic, and
//! whatever is accepted maps to wire items every protocol version encodes and decodes.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    eas_model::fuzzing::parse_any(data);
});
