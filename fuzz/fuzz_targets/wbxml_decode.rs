//! Any bytes → the WBXML reader and the canonical dump: never a panic, and the two agree.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    eas_wbxml::fuzzing::decode(data);
});
