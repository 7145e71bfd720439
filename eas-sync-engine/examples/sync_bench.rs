//! Throughput and memory of the sync engine, measured like the other bench examples:
//!
//! - `initial-sync`: a device syncs a folder of N mails from key 0 through `MemoryBackend`
//!   with WindowSize 512, round after round until MoreAvailable stops; items/s over the wall
//!   time of all rounds (rendering is the memory backend's clone of the stored item). Median
//!   of RUNS runs.
//! - memory: the engine state's `known` ids (count and bytes of the ids themselves), and the
//!   process's peak resident size (`VmHWM` in `/proc/self/status`, **Linux only**; elsewhere
//!   it reads as unknown) before and after the sync, for 10,000 and 100,000 items: the state
//!   per item should not grow with the folder.
//! - `incremental-sync`: a Sync with the current key when nothing changed; time per request.
//!
//! `cargo run --release -p eas-sync-engine --example sync_bench -- [RUNS]`

use std::hint::black_box;
use std::time::Instant;

use chrono::{Duration, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::sync::{
    SyncCollection, SyncCollections, SyncOptions, SyncRequest, SyncResponse,
    SyncResponseCollection, SyncStatus,
};
use eas_codec::data::ApplicationData;
use eas_codec::data::email::Email;
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::sync::SyncOutcome;
use eas_sync_engine::{CollectionId, Context, DeviceId, DeviceState, Engine};

type Error = Box<dyn std::error::Error>;

const WINDOW: u32 = 512;

/// `VmHWM` or `VmRSS` in KiB; `None` off Linux.
fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|rest| rest.trim_start_matches(':').trim().strip_suffix("kB"))
        .and_then(|n| n.trim().parse().ok())
}

fn kib(v: Option<u64>) -> String {
    v.map_or_else(|| "unknown".to_string(), |v| v.to_string())
}

fn mailbox(n: usize) -> Result<(MemoryBackend, CollectionId), Error> {
    let mut backend = MemoryBackend::with_default_folders();
    let inbox = backend.folder_of_type(2).ok_or("no Inbox")?;
    let start = Utc
        .with_ymd_and_hms(2026, 1, 1, 0, 0, 0)
        .single()
        .ok_or("bad date")?;
    for i in 0..n {
        let received = start + Duration::minutes(i as i64);
        let mail = Email {
            subject: Some(format!("Message {i}").into()),
            from: Some("sender@example.com".into()),
            to: Some("user@example.com".into()),
            date_received: Some(received.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string().into()),
            read: Some(i % 3 == 0),
            ..Email::default()
        };
        backend.server_add(&inbox, ApplicationData::Email(Box::new(mail)))?;
    }
    Ok((backend, inbox))
}

fn request(inbox: &CollectionId, key: &str) -> SyncRequest {
    SyncRequest {
        collections: Some(SyncCollections {
            collections: vec![SyncCollection {
                sync_key: key.into(),
                collection_id: inbox.as_str().into(),
                window_size: Some(WINDOW),
                options: vec![SyncOptions {
                    filter_type: Some(0),
                    ..SyncOptions::default()
                }],
                ..SyncCollection::default()
            }],
        }),
        ..SyncRequest::default()
    }
}

struct Device<'a> {
    engine: Engine,
    device: DeviceId,
    inbox: &'a CollectionId,
    state: DeviceState,
    key: String,
}

impl Device<'_> {
    /// One round trip; the collection's part of the response.
    fn sync(&mut self, backend: &mut MemoryBackend) -> Result<SyncResponseCollection, Error> {
        let ctx = Context {
            device: &self.device,
            version: ProtocolVersion::V14_1,
            now: Utc
                .with_ymd_and_hms(2026, 6, 1, 0, 0, 0)
                .single()
                .ok_or("bad date")?,
        };
        let req = request(self.inbox, &self.key);
        let resp: SyncResponse = match self.engine.sync(&ctx, &mut self.state, backend, &req) {
            SyncOutcome::Respond(r) => r,
            other => return Err(format!("unexpected outcome {other:?}").into()),
        };
        let coll = resp
            .collections
            .and_then(|c| c.collections.into_iter().next())
            .ok_or("no collection in the response")?;
        if coll.status != SyncStatus::Success {
            return Err(format!("status {:?}", coll.status).into());
        }
        self.key = coll.sync_key.to_string();
        Ok(coll)
    }
}

/// Syncs the whole folder from key 0; returns (seconds, items received, rounds, device).
fn initial_sync<'a>(
    backend: &mut MemoryBackend,
    inbox: &'a CollectionId,
) -> Result<(f64, usize, usize, Device<'a>), Error> {
    let mut dev = Device {
        engine: Engine::default(),
        device: DeviceId::from("bench"),
        inbox,
        state: DeviceState::default(),
        key: "0".into(),
    };
    let t = Instant::now();
    dev.sync(backend)?;
    let mut items = 0;
    let mut rounds = 1;
    loop {
        let coll = dev.sync(backend)?;
        rounds += 1;
        items += coll.commands.as_ref().map_or(0, |c| c.commands.len());
        black_box(&coll);
        if coll.more_available.is_none() {
            break;
        }
    }
    Ok((t.elapsed().as_secs_f64(), items, rounds, dev))
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

fn main() -> Result<(), Error> {
    let runs: usize = std::env::args()
        .nth(1)
        .map(|s| s.parse())
        .transpose()?
        .unwrap_or(5)
        .max(1);
    println!(
        "# eas-sync-engine {}, {}",
        env!("CARGO_PKG_VERSION"),
        std::env::consts::ARCH
    );

    // (items, RSS growth in KiB over the sync) per size, for the marginal cost per item.
    let mut growth: Vec<(usize, u64)> = Vec::new();
    for n in [10_000usize, 100_000] {
        // Memory: one sync of a fresh mailbox, peak RSS around it.
        let (mut backend, inbox) = mailbox(n)?;
        let rss_before = proc_status_kib("VmRSS");
        let hwm_before = proc_status_kib("VmHWM");
        let (secs, items, rounds, dev) = initial_sync(&mut backend, &inbox)?;
        let hwm_after = proc_status_kib("VmHWM");
        let rss_after = proc_status_kib("VmRSS");
        if items != n {
            return Err(format!("{items} items synced of {n}").into());
        }
        let known = dev
            .state
            .collections
            .get(&inbox)
            .map(|c| &c.known)
            .ok_or("no state for the Inbox")?;
        let id_bytes: usize = known
            .iter()
            .map(|id| std::mem::size_of_val(id) + id.0.capacity())
            .sum();
        let hwm_delta = hwm_before.zip(hwm_after).map(|(a, b)| b.saturating_sub(a));
        let rss_delta = rss_before.zip(rss_after).map(|(a, b)| b.saturating_sub(a));
        println!(
            "initial-sync-memory items={n} known={} id_bytes={id_bytes} id_bytes/item={:.1} vmhwm_kib_before={} vmhwm_kib_after={} vmhwm_delta_kib={} vmrss_delta_kib={} rss_delta_bytes/item={} (VmHWM/VmRSS: Linux only)",
            known.len(),
            id_bytes as f64 / n as f64,
            kib(hwm_before),
            kib(hwm_after),
            kib(hwm_delta),
            kib(rss_delta),
            rss_delta.map_or_else(
                || "unknown".to_string(),
                |d| format!("{:.1}", d as f64 * 1024.0 / n as f64)
            ),
        );
        if let Some(d) = rss_delta {
            growth.push((n, d));
        }
        drop(dev);

        // Throughput: median of RUNS initial syncs of the same mailbox (fresh device each).
        let mut times = vec![secs];
        for _ in 1..runs {
            let (secs, items, _, dev) = initial_sync(&mut backend, &inbox)?;
            if items != n {
                return Err(format!("{items} items synced of {n}").into());
            }
            black_box(dev);
            times.push(secs);
        }
        let med = median(times);
        println!(
            "initial-sync items={n} window={WINDOW} rounds={rounds} runs={runs} median_s={med:.4} items/s={:.0}",
            n as f64 / med
        );

        // A no-change Sync with the current key.
        let (_, _, _, mut dev) = initial_sync(&mut backend, &inbox)?;
        let reps = 2_000;
        let mut per = Vec::with_capacity(runs);
        for _ in 0..runs {
            let t = Instant::now();
            for _ in 0..reps {
                let coll = dev.sync(&mut backend)?;
                if coll.commands.is_some() {
                    return Err("a no-change Sync returned commands".into());
                }
                black_box(coll);
            }
            per.push(t.elapsed().as_secs_f64() / reps as f64);
        }
        println!(
            "incremental-sync items={n} requests={reps} runs={runs} median_us/request={:.2}",
            median(per) * 1e6
        );
    }
    // What one more item costs the engine: the difference between the two sizes' growth,
    // which cancels what does not depend on the folder (the saved last response, buffers).
    if let [(n1, d1), (n2, d2)] = growth[..] {
        println!(
            "initial-sync-memory-scaling items={n1}->{n2} rss_growth_kib={d1}->{d2} marginal_bytes/item={:.1} (Linux only)",
            (d2 as f64 - d1 as f64) * 1024.0 / (n2 - n1) as f64
        );
    }
    Ok(())
}
