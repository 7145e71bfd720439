//! Throughput of eas-wbxml measured the way `../shared/bench/libwbxml/wbxml_bench.c` measures
//! libwbxml, so one script can run both on the same machine and compare them as ratios:
//! each run performs N conversions of an in-memory document, the median of RUNS runs is
//! reported, MB/s is on the WBXML size (1 MB = 1e6 bytes) and msgs/s is conversions per second.
//!
//! `cargo run --release -p eas-wbxml --example bench -- [RUNS [NAME-FILTER]]`
//!
//! - `decode`: pull every event of the document (the tokenizer's work, text not copied);
//! - `tokens`: the same through [`Reader::next_token`], the compact path the typed decoder
//!   uses (falling back to events for anything else);
//! - `tree`: decode into a `Vec<Event>` (the counterpart of libwbxml's in-memory tree);
//! - `encode`: write the document's events back into a fresh `Vec<u8>`.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use eas_wbxml::{Error, Event, Reader, Token, Writer};

fn median_run(
    n: usize,
    runs: usize,
    mut f: impl FnMut() -> Result<(), Error>,
) -> Result<(f64, f64, f64), Error> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        for _ in 0..n {
            f()?;
        }
        times.push(t.elapsed().as_secs_f64());
    }
    times.sort_by(f64::total_cmp);
    Ok((times[runs / 2], times[0], times[runs - 1]))
}

fn report(kind: &str, name: &str, bytes: usize, n: usize, runs: usize, t: (f64, f64, f64)) {
    let (median, min, max) = t;
    println!(
        "eas-wbxml-{kind} {name} wbxml_bytes={bytes} n={n} runs={runs} median_s={median:.4} \
         min_s={min:.4} max_s={max:.4} MB/s={:.2} msgs/s={:.0}",
        bytes as f64 * n as f64 / median / 1e6,
        n as f64 / median
    );
}

fn encode(events: &[Event<'_>]) -> Result<Vec<u8>, Error> {
    let mut w = Writer::new(Vec::new())?;
    for ev in events {
        w.write_event(ev)?;
    }
    w.finish()
}

/// The MS-ASCMD Ping request example (heartbeat 80, folder 5, class Email), built here so
/// that no copyleft capture needs copying; byte-identical to the corpus's
/// `activesync-ms-ascmd-020.wbxml`.
fn ping_request() -> Result<Vec<u8>, Error> {
    let mut w = Writer::new(Vec::new())?;
    w.start(0x0D, 0x05)?;
    w.start(0x0D, 0x08)?;
    w.text("80")?;
    w.end()?;
    w.start(0x0D, 0x09)?;
    w.start(0x0D, 0x0A)?;
    w.start(0x0D, 0x0B)?;
    w.text("5")?;
    w.end()?;
    w.start(0x0D, 0x0C)?;
    w.text("Email")?;
    w.end()?;
    w.end()?;
    w.end()?;
    w.end()?;
    w.finish()
}

fn bench(name: &str, doc: &[u8], n: usize, runs: usize) -> Result<(), Error> {
    if std::env::args().nth(2).is_some_and(|f| !name.contains(&f)) {
        return Ok(());
    }
    let t = median_run(n, runs, || {
        for ev in Reader::new(black_box(doc))? {
            black_box(ev?);
        }
        Ok(())
    })?;
    report("decode", name, doc.len(), n, runs, t);
    let t = median_run(n, runs, || {
        let mut r = Reader::new(black_box(doc))?;
        loop {
            match r.next_token() {
                Token::Other => match r.next_event()? {
                    Some(ev) => {
                        black_box(ev);
                    }
                    None => break,
                },
                tok => {
                    black_box(tok);
                }
            }
        }
        Ok(())
    })?;
    report("tokens", name, doc.len(), n, runs, t);
    let t = median_run(n, runs, || {
        let events: Vec<Event<'_>> = Reader::new(black_box(doc))?.collect::<Result<_, _>>()?;
        black_box(events);
        Ok(())
    })?;
    report("tree", name, doc.len(), n, runs, t);
    let events: Vec<Event<'_>> = Reader::new(doc)?.collect::<Result<_, _>>()?;
    if encode(&events)? != doc {
        return Err(Error::Write("re-encoded document differs from the input"));
    }
    let t = median_run(n, runs, || {
        black_box(encode(black_box(&events))?);
        Ok(())
    })?;
    report("encode", name, doc.len(), n, runs, t);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(7)
        .max(1);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let big = std::fs::read(data.join("synthetic/sync-response-500.wbxml"))?;
    let real =
        std::fs::read(data.join("lswbxml/sync_response_large_mail_inside_mail_ios_as12.wbxml"))?;
    let fs_resp = std::fs::read(data.join("lswbxml/folder_sync_initial_response.wbxml"))?;
    let fs_req = std::fs::read(data.join("lswbxml/folder_sync_initial_request.wbxml"))?;
    let ping = ping_request()?;
    println!(
        "# eas-wbxml {}, {}, {} cpu(s)",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    // N chosen so each run lasts roughly 0.05-0.5 s.
    bench("sync-response-500.wbxml", &big, 200, runs)?;
    bench(
        "sync_response_large_mail_inside_mail_ios_as12.wbxml",
        &real,
        1000,
        runs,
    )?;
    bench(
        "folder_sync_initial_response.wbxml",
        &fs_resp,
        200_000,
        runs,
    )?;
    bench(
        "folder_sync_initial_request.wbxml",
        &fs_req,
        2_000_000,
        runs,
    )?;
    bench("activesync-ms-ascmd-020.wbxml", &ping, 1_000_000, runs)?;
    Ok(())
}
