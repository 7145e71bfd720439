//! The `model_parse` fuzz oracle under `cargo test`: every fixture, mutations of them, and
//! arbitrary bytes are read as every input format without a panic, and what is accepted
//! survives the codec for every protocol version.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use eas_model::fuzzing::parse_any;
use proptest::prelude::*;

fn fixtures() -> Vec<Vec<u8>> {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut out = Vec::new();
    let mut dirs = vec![root];
    while let Some(d) = dirs.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if matches!(
                p.extension().and_then(|x| x.to_str()),
                Some("eml" | "vcf" | "ics")
            ) {
                out.push(std::fs::read(&p).unwrap());
            }
        }
    }
    out
}

#[test]
fn every_fixture_passes_the_oracle() {
    let all = fixtures();
    assert!(all.len() >= 30, "only {} fixtures found", all.len());
    for f in &all {
        parse_any(f);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn mutated_fixtures_pass_the_oracle(
        pick in any::<prop::sample::Index>(),
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    ) {
        let all = fixtures();
        let mut doc = all[pick.index(all.len())].clone();
        for (at, byte) in edits {
            if !doc.is_empty() {
                let i = at.index(doc.len());
                doc[i] = byte;
            }
        }
        parse_any(&doc);
    }

    #[test]
    fn arbitrary_bytes_pass_the_oracle(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        parse_any(&data);
    }
}
