//! Any bytes as a message streamed into an outline: never a panic, stored ranges inside the
//! message, chunked decoding equal to whole decoding.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    eas_model::fuzzing::outline(data);
});
