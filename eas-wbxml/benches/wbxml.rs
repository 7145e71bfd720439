//! Criterion benchmarks of the tokenizer and the writer on the benchmark corpus.
//!
//! `cargo bench -p eas-wbxml` (for a comparison with libwbxml measured in the same run, see
//! `scripts/bench-vs-libwbxml.sh` and `docs/PERFORMANCE.md`).
#![allow(missing_docs, clippy::expect_used)]

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use eas_wbxml::{Event, Reader, Writer};

fn load(rel: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(rel);
    std::fs::read(&p).expect("benchmark document")
}

fn documents() -> Vec<(&'static str, Vec<u8>)> {
    vec![
        (
            "sync-response-500",
            load("synthetic/sync-response-500.wbxml"),
        ),
        (
            "folder_sync_initial_response",
            load("lswbxml/folder_sync_initial_response.wbxml"),
        ),
        (
            "folder_sync_initial_request",
            load("lswbxml/folder_sync_initial_request.wbxml"),
        ),
        ("sync_request_wait", load("lswbxml/sync_request_wait.wbxml")),
    ]
}

fn decode(c: &mut Criterion) {
    let mut g = c.benchmark_group("decode");
    for (name, doc) in documents() {
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                for ev in Reader::new(black_box(&doc)).expect("header") {
                    black_box(ev.expect("valid"));
                }
            })
        });
    }
    g.finish();
}

fn encode(c: &mut Criterion) {
    let mut g = c.benchmark_group("encode");
    for (name, doc) in documents() {
        let events: Vec<Event<'_>> = Reader::new(&doc)
            .expect("header")
            .collect::<Result<_, _>>()
            .expect("valid");
        g.throughput(Throughput::Bytes(doc.len() as u64));
        g.bench_function(name, |b| {
            b.iter(|| {
                let mut w = Writer::new(Vec::with_capacity(doc.len())).expect("header");
                for ev in black_box(&events) {
                    w.write_event(ev).expect("writable");
                }
                black_box(w.finish().expect("complete"))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, decode, encode);
criterion_main!(benches);
