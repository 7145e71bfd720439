//! What a run measured: latencies per command, errors by kind, delivery-to-push latencies,
//! the server's memory, and the summary printed as a table or JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

use serde::Serialize;

/// Collects samples from every simulated device (a mutex is plenty: a device records once
/// per request, and requests take far longer than the lock).
#[derive(Debug, Default)]
pub struct Recorder {
    inner: Mutex<Samples>,
}

#[derive(Debug, Default)]
struct Samples {
    /// Microseconds per successful request, by command.
    latencies: BTreeMap<&'static str, Vec<u64>>,
    /// Failures by "command: what".
    errors: BTreeMap<String, u64>,
}

impl Recorder {
    /// Records a request answered with success after `elapsed`.
    pub fn request(&self, command: &'static str, elapsed: Duration) {
        let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
        self.lock()
            .latencies
            .entry(command)
            .or_default()
            .push(micros);
    }

    /// Records a failed request (an HTTP status, a protocol status, a transport error).
    pub fn error(&self, command: &str, what: &str) {
        *self
            .lock()
            .errors
            .entry(format!("{command}: {what}"))
            .or_default() += 1;
    }

    /// Forgets the requests recorded so far (to measure a steady phase only); errors are kept
    /// and reported for the whole run.
    pub fn reset_requests(&self) {
        self.lock().latencies.clear();
    }

    /// Total failures so far.
    pub fn error_count(&self) -> u64 {
        self.lock().errors.values().sum()
    }

    /// Per-command figures over a phase that lasted `wall`.
    pub fn commands(&self, wall: Duration) -> Vec<CommandFigures> {
        let s = self.lock();
        s.latencies
            .iter()
            .map(|(command, samples)| {
                let mut sorted = samples.clone();
                sorted.sort_unstable();
                CommandFigures {
                    command: (*command).to_string(),
                    count: sorted.len() as u64,
                    per_sec: rate(sorted.len() as u64, wall),
                    latency: Percentiles::of_sorted_micros(&sorted),
                }
            })
            .collect()
    }

    /// The errors recorded, by kind.
    pub fn errors(&self) -> BTreeMap<String, u64> {
        self.lock().errors.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Samples> {
        // A panicking device task must not hide everyone else's figures.
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// Events per second over `wall`.
pub fn rate(count: u64, wall: Duration) -> f64 {
    let secs = wall.as_secs_f64();
    if secs > 0.0 { count as f64 / secs } else { 0.0 }
}

/// Latency percentiles, milliseconds.
#[derive(Debug, Clone, Copy, Default, Serialize, PartialEq)]
pub struct Percentiles {
    /// Median.
    pub p50_ms: f64,
    /// 95th percentile.
    pub p95_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Percentiles {
    /// From microsecond samples sorted ascending (nearest-rank percentiles).
    pub fn of_sorted_micros(sorted: &[u64]) -> Percentiles {
        let at = |p: f64| -> f64 {
            if sorted.is_empty() {
                return 0.0;
            }
            let rank = ((p * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
            sorted[rank - 1] as f64 / 1000.0
        };
        Percentiles {
            p50_ms: at(0.50),
            p95_ms: at(0.95),
            p99_ms: at(0.99),
            max_ms: at(1.0),
        }
    }

    /// From durations in any order.
    pub fn of(samples: &[Duration]) -> Percentiles {
        let mut micros: Vec<u64> = samples
            .iter()
            .map(|d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
            .collect();
        micros.sort_unstable();
        Percentiles::of_sorted_micros(&micros)
    }
}

/// One command's figures.
#[derive(Debug, Clone, Serialize)]
pub struct CommandFigures {
    /// The command (`Sync`, `Ping`, …).
    pub command: String,
    /// Successful requests.
    pub count: u64,
    /// Successful requests per second of the phase.
    pub per_sec: f64,
    /// Time from sending to the whole answer (for Ping: how long it was parked).
    pub latency: Percentiles,
}

/// Delivery-to-push figures of the push scenario.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryFigures {
    /// Messages delivered over LMTP.
    pub delivered: u64,
    /// Deliveries every watching device was woken for.
    pub seen_by_all: u64,
    /// Deliveries some watching device was never woken for before the run ended.
    pub missed: u64,
    /// Devices watching each delivered-to account (average).
    pub watchers_per_delivery: f64,
    /// From the message's last byte to the last watching device's Ping answer.
    pub to_all_watchers: Percentiles,
    /// From the message's last byte to each watching device's Ping answer.
    pub to_each_watcher: Percentiles,
}

/// The server's memory as read from `/proc/PID/status`.
#[derive(Debug, Clone, Serialize, Default)]
pub struct MemoryFigures {
    /// Resident set before the measured phase, KiB.
    pub baseline_kib: u64,
    /// Resident set at the measuring point (all devices parked, or the end), KiB.
    pub measured_kib: u64,
    /// Highest resident set sampled during the run, KiB.
    pub peak_kib: u64,
    /// (measured − baseline) / devices, bytes (push scenario).
    pub growth_per_device_bytes: Option<u64>,
}

/// Initial-sync figures.
#[derive(Debug, Clone, Serialize)]
pub struct ItemFigures {
    /// Items received.
    pub items: u64,
    /// Sync requests it took.
    pub requests: u64,
    /// Seconds from the first Sync to the last item.
    pub secs: f64,
    /// Items per second.
    pub per_sec: f64,
}

/// Everything a run measured.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    /// `push`, `sync` or `initial`.
    pub scenario: String,
    /// Length of the measured phase, seconds.
    pub measured_secs: f64,
    /// Devices simulated.
    pub devices: u64,
    /// Devices that finished provisioning and their first syncs.
    pub devices_ready: u64,
    /// Most devices with a Ping parked at one moment.
    pub devices_parked_peak: u64,
    /// Seconds it took to bring every device up (provision, folders, first syncs).
    pub connect_secs: f64,
    /// Requests per command in the measured phase.
    pub commands: Vec<CommandFigures>,
    /// Push latency (push scenario).
    pub deliveries: Option<DeliveryFigures>,
    /// Items pulled (initial scenario).
    pub items: Option<ItemFigures>,
    /// The server's memory (when given its PID).
    pub memory: Option<MemoryFigures>,
    /// Failures by kind, over the whole run.
    pub errors: BTreeMap<String, u64>,
}

impl Summary {
    /// The summary as a table for people.
    pub fn table(&self) -> String {
        let mut t = String::new();
        let _ = writeln!(
            t,
            "scenario {}: {:.1} s measured",
            self.scenario, self.measured_secs
        );
        let _ = writeln!(
            t,
            "devices: {} simulated, {} ready (in {:.1} s), {} parked at peak",
            self.devices, self.devices_ready, self.connect_secs, self.devices_parked_peak
        );
        let _ = writeln!(
            t,
            "\n{:<12} {:>9} {:>9} {:>9} {:>9} {:>9} {:>9}",
            "command", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "max ms"
        );
        for c in &self.commands {
            let _ = writeln!(
                t,
                "{:<12} {:>9} {:>9.1} {:>9.2} {:>9.2} {:>9.2} {:>9.2}",
                c.command,
                c.count,
                c.per_sec,
                c.latency.p50_ms,
                c.latency.p95_ms,
                c.latency.p99_ms,
                c.latency.max_ms
            );
        }
        if let Some(d) = &self.deliveries {
            let _ = writeln!(
                t,
                "\ndeliveries: {} sent, {} seen by every watching device, {} missed, {:.1} watchers each",
                d.delivered, d.seen_by_all, d.missed, d.watchers_per_delivery
            );
            for (label, p) in [
                ("to all watchers", &d.to_all_watchers),
                ("to each watcher", &d.to_each_watcher),
            ] {
                let _ = writeln!(
                    t,
                    "  delivery → Ping answer, {label}: p50 {:.2} ms, p95 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                    p.p50_ms, p.p95_ms, p.p99_ms, p.max_ms
                );
            }
        }
        if let Some(i) = &self.items {
            let _ = writeln!(
                t,
                "\nitems: {} in {} Sync requests, {:.2} s, {:.0} items/s",
                i.items, i.requests, i.secs, i.per_sec
            );
        }
        if let Some(m) = &self.memory {
            let _ = write!(
                t,
                "\nserver RSS: baseline {:.1} MiB, measured {:.1} MiB, peak {:.1} MiB",
                m.baseline_kib as f64 / 1024.0,
                m.measured_kib as f64 / 1024.0,
                m.peak_kib as f64 / 1024.0
            );
            if let Some(b) = m.growth_per_device_bytes {
                let _ = write!(t, ", growth {:.1} KiB per device", b as f64 / 1024.0);
            }
            t.push('\n');
        }
        if self.errors.is_empty() {
            t.push_str("\nerrors: none\n");
        } else {
            t.push_str("\nerrors:\n");
            for (what, n) in &self.errors {
                let _ = writeln!(t, "  {n:>8}  {what}");
            }
        }
        t
    }
}

/// The resident set of process `pid`, KiB (`VmRSS` in `/proc/PID/status`).
pub fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let samples: Vec<u64> = (1..=100).map(|ms| ms * 1000).collect();
        let p = Percentiles::of_sorted_micros(&samples);
        assert_eq!(p.p50_ms, 50.0);
        assert_eq!(p.p95_ms, 95.0);
        assert_eq!(p.p99_ms, 99.0);
        assert_eq!(p.max_ms, 100.0);
        assert_eq!(Percentiles::of_sorted_micros(&[]), Percentiles::default());
        let one = Percentiles::of(&[Duration::from_micros(1500)]);
        assert_eq!((one.p50_ms, one.max_ms), (1.5, 1.5));
    }

    #[test]
    fn reads_own_rss() {
        let kib = rss_kib(std::process::id()).unwrap_or(0);
        assert!(kib > 100, "own RSS {kib} KiB");
    }
}
