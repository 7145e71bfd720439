//! Throughput of the typed layer, measured like `../shared/bench/libwbxml/wbxml_bench.c`
//! measures libwbxml (N conversions per run, median of RUNS runs, MB/s on the WBXML size,
//! msgs/s as conversions per second), so one script can compare them in the same run.
//!
//! `cargo run --release -p eas-codec --example bench -- [RUNS [NAME-FILTER]]`
//!
//! - `typed-decode`: WBXML → fully typed value (every string owned, every number parsed);
//! - `typed-encode`: typed value → WBXML in a fresh `Vec<u8>`.

use std::hint::black_box;
use std::path::Path;
use std::time::Instant;

use eas_codec::codec::{DecodeOptions, Element, decode, encode};
use eas_codec::command::folder::{FolderSyncRequest, FolderSyncResponse};
use eas_codec::command::ping::PingRequest;
use eas_codec::command::sync::SyncResponse;
use eas_codec::{CodecError, ProtocolVersion};

type Timing = (f64, f64, f64);

fn median_run(
    n: usize,
    runs: usize,
    mut f: impl FnMut() -> Result<(), CodecError>,
) -> Result<Timing, CodecError> {
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

fn report(kind: &str, name: &str, bytes: usize, n: usize, runs: usize, t: Timing) {
    let (median, min, max) = t;
    println!(
        "eas-codec-{kind} {name} wbxml_bytes={bytes} n={n} runs={runs} median_s={median:.4} \
         min_s={min:.4} max_s={max:.4} MB/s={:.2} msgs/s={:.0}",
        bytes as f64 * n as f64 / median / 1e6,
        n as f64 / median
    );
}

fn bench<T: Element + PartialEq + std::fmt::Debug>(
    name: &str,
    doc: &[u8],
    version: ProtocolVersion,
    n: usize,
    runs: usize,
) -> Result<(), CodecError> {
    if std::env::args().nth(2).is_some_and(|f| !name.contains(&f)) {
        return Ok(());
    }
    let opts = DecodeOptions::new(version);
    let value: T = decode(doc, opts)?;
    if encode(&value, version)? != doc {
        eprintln!("note: {name} re-encodes to different bytes (same events, other form)");
    }
    let t = median_run(n, runs, || {
        black_box(decode::<T>(black_box(doc), opts)?);
        Ok(())
    })?;
    report("typed-decode", name, doc.len(), n, runs, t);
    let t = median_run(n, runs, || {
        black_box(encode(black_box(&value), version)?);
        Ok(())
    })?;
    report("typed-encode", name, doc.len(), n, runs, t);
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(7)
        .max(1);
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("../eas-wbxml/testdata");
    let big = std::fs::read(data.join("synthetic/sync-response-500.wbxml"))?;
    let fs_resp = std::fs::read(data.join("lswbxml/folder_sync_initial_response.wbxml"))?;
    let fs_req = std::fs::read(data.join("lswbxml/folder_sync_initial_request.wbxml"))?;
    // The MS-ASCMD Ping request (heartbeat 80, folder 5, Email), as in eas-wbxml's bench.
    let ping = encode(
        &PingRequest {
            heartbeat_interval: Some(80),
            folders: Some(eas_codec::command::ping::PingFolders {
                folders: vec![eas_codec::command::ping::PingFolder {
                    id: "5".into(),
                    class: "Email".into(),
                }],
            }),
        },
        ProtocolVersion::V14_1,
    )?;
    println!(
        "# eas-codec {}, {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );
    let v = ProtocolVersion::V14_1;
    bench::<SyncResponse>("sync-response-500.wbxml", &big, v, 50, runs)?;
    bench::<FolderSyncResponse>(
        "folder_sync_initial_response.wbxml",
        &fs_resp,
        v,
        100_000,
        runs,
    )?;
    bench::<FolderSyncRequest>(
        "folder_sync_initial_request.wbxml",
        &fs_req,
        v,
        1_000_000,
        runs,
    )?;
    bench::<PingRequest>("activesync-ms-ascmd-020.wbxml", &ping, v, 500_000, runs)?;
    Ok(())
}
