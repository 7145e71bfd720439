//! Any bytes (first byte picks the protocol version) → every typed decoder whose root
//! matches: never a panic, and whatever decodes survives encode → decode unchanged.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    eas_codec::fuzzing::typed_decode(data);
});
