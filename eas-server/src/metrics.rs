//! Operations: the numbers an administrator watches, served on a separate loopback listener
//! as Prometheus text (`GET /metrics`) and as JSON (`GET /status`, read by `eas-server top`).
//!
//! Written by hand rather than with the `metrics` crates: a dozen counters and gauges, one
//! histogram and one text format do not need a recorder framework, and the registry also
//! keeps what `top` shows (which device is parked on what, since when).
//!
//! - `eas_requests_total{command,status}`: requests answered, by HTTP status.
//! - `eas_request_duration_seconds{command}`: time to answer (parked requests included).
//! - `eas_parked_requests{command}`: Pings and Sync-with-Wait parked now.
//! - `eas_auth_failures_total`: failed logins.
//! - `eas_overloaded_total`: requests refused with 503 because the store was saturated.
//! - `eas_lmtp_deliveries_total{result}`: LMTP deliveries, `ok` or `failed`.
//! - `eas_outbound_queue_depth`: recipients waiting in the outbound queue.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// Upper bounds of the duration histogram, seconds.
const BUCKETS: [f64; 12] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 60.0, 3600.0,
];

#[derive(Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// A parked request, for `top`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Parked {
    /// The account's address.
    pub account: String,
    /// The device id.
    pub device: String,
    /// `Ping` or `Sync`.
    pub command: String,
    /// When it parked.
    pub since: DateTime<Utc>,
}

/// What `GET /status` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    /// When the snapshot was taken.
    pub now: DateTime<Utc>,
    /// Requests answered since start.
    pub requests_total: u64,
    /// Requests by command since start.
    pub requests_by_command: BTreeMap<String, u64>,
    /// Parked requests now.
    pub parked: Vec<Parked>,
    /// Recipients waiting in the outbound queue.
    pub outbound_queue_depth: u64,
}

/// The registry. One per server, shared by the command layer and the listener.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<HashMap<(String, u16), u64>>,
    durations: Mutex<HashMap<String, Histogram>>,
    parked: Mutex<HashMap<u64, Parked>>,
    next_park: AtomicU64,
    auth_failures: AtomicU64,
    overloaded: AtomicU64,
    lmtp_ok: AtomicU64,
    lmtp_failed: AtomicU64,
    outbound_depth: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Metrics").finish_non_exhaustive()
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Removes its parked entry when the parked request ends, however it ends.
#[derive(Debug)]
pub struct ParkGuard<'a> {
    metrics: &'a Metrics,
    id: u64,
}

impl Drop for ParkGuard<'_> {
    fn drop(&mut self) {
        lock(&self.metrics.parked).remove(&self.id);
    }
}

impl Metrics {
    /// A request was answered.
    pub fn request(&self, command: &str, status: u16, took: Duration) {
        *lock(&self.requests)
            .entry((command.to_string(), status))
            .or_default() += 1;
        let secs = took.as_secs_f64();
        let mut d = lock(&self.durations);
        let h = d.entry(command.to_string()).or_default();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if secs <= *bound {
                h.counts[i] += 1;
            }
        }
        h.count += 1;
        h.sum += secs;
        if status == 503 {
            self.overloaded.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A login failed.
    pub fn auth_failure(&self) {
        self.auth_failures.fetch_add(1, Ordering::Relaxed);
    }

    /// An LMTP delivery ended.
    pub fn lmtp_delivery(&self, ok: bool) {
        let c = if ok { &self.lmtp_ok } else { &self.lmtp_failed };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// The outbound queue's depth, as last counted.
    pub fn set_outbound_depth(&self, depth: u64) {
        self.outbound_depth.store(depth, Ordering::Relaxed);
    }

    /// A request parks until the guard is dropped.
    pub fn park(&self, account: &str, device: &str, command: &str) -> ParkGuard<'_> {
        let id = self.next_park.fetch_add(1, Ordering::Relaxed);
        lock(&self.parked).insert(
            id,
            Parked {
                account: account.to_string(),
                device: device.to_string(),
                command: command.to_string(),
                since: Utc::now(),
            },
        );
        ParkGuard { metrics: self, id }
    }

    /// The JSON snapshot for `top`.
    pub fn status(&self) -> Status {
        let requests = lock(&self.requests);
        let mut by_command = BTreeMap::new();
        for ((command, _), n) in requests.iter() {
            *by_command.entry(command.clone()).or_insert(0) += n;
        }
        let mut parked: Vec<Parked> = lock(&self.parked).values().cloned().collect();
        parked.sort_by(|a, b| a.since.cmp(&b.since).then(a.device.cmp(&b.device)));
        Status {
            now: Utc::now(),
            requests_total: requests.values().sum(),
            requests_by_command: by_command,
            parked,
            outbound_queue_depth: self.outbound_depth.load(Ordering::Relaxed),
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let label = |s: &str| s.replace(['\\', '"', '\n'], "_");
        out.push_str(
            "# HELP eas_requests_total ActiveSync requests answered, by command and HTTP status.\n",
        );
        out.push_str("# TYPE eas_requests_total counter\n");
        let requests = lock(&self.requests);
        let mut rows: Vec<_> = requests.iter().collect();
        rows.sort();
        for ((command, status), n) in rows {
            let _ = writeln!(
                out,
                "eas_requests_total{{command=\"{}\",status=\"{status}\"}} {n}",
                label(command)
            );
        }
        drop(requests);
        out.push_str("# HELP eas_request_duration_seconds Time to answer a request.\n");
        out.push_str("# TYPE eas_request_duration_seconds histogram\n");
        let durations = lock(&self.durations);
        let mut rows: Vec<_> = durations.iter().collect();
        rows.sort_by(|a, b| a.0.cmp(b.0));
        for (command, h) in rows {
            let c = label(command);
            for (i, bound) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "eas_request_duration_seconds_bucket{{command=\"{c}\",le=\"{bound}\"}} {}",
                    h.counts[i]
                );
            }
            let _ = writeln!(
                out,
                "eas_request_duration_seconds_bucket{{command=\"{c}\",le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(
                out,
                "eas_request_duration_seconds_sum{{command=\"{c}\"}} {}",
                h.sum
            );
            let _ = writeln!(
                out,
                "eas_request_duration_seconds_count{{command=\"{c}\"}} {}",
                h.count
            );
        }
        drop(durations);
        out.push_str("# HELP eas_parked_requests Pings and Sync-with-Wait parked now.\n");
        out.push_str("# TYPE eas_parked_requests gauge\n");
        let mut parked: BTreeMap<String, u64> = BTreeMap::new();
        parked.insert("Ping".into(), 0);
        parked.insert("Sync".into(), 0);
        for p in lock(&self.parked).values() {
            *parked.entry(p.command.clone()).or_default() += 1;
        }
        for (command, n) in parked {
            let _ = writeln!(
                out,
                "eas_parked_requests{{command=\"{}\"}} {n}",
                label(&command)
            );
        }
        let simple = [
            (
                "eas_auth_failures_total",
                "Failed logins.",
                "counter",
                &self.auth_failures,
            ),
            (
                "eas_overloaded_total",
                "Requests refused with 503 (store saturated).",
                "counter",
                &self.overloaded,
            ),
            (
                "eas_outbound_queue_depth",
                "Recipients waiting in the outbound queue.",
                "gauge",
                &self.outbound_depth,
            ),
        ];
        for (name, help, kind, value) in simple {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {}",
                value.load(Ordering::Relaxed)
            );
        }
        out.push_str("# HELP eas_lmtp_deliveries_total LMTP deliveries by result.\n# TYPE eas_lmtp_deliveries_total counter\n");
        let _ = writeln!(
            out,
            "eas_lmtp_deliveries_total{{result=\"ok\"}} {}",
            self.lmtp_ok.load(Ordering::Relaxed)
        );
        let _ = writeln!(
            out,
            "eas_lmtp_deliveries_total{{result=\"failed\"}} {}",
            self.lmtp_failed.load(Ordering::Relaxed)
        );
        out
    }
}

/// `eas-server top`'s screen for a snapshot; `previous` (an earlier snapshot) gives the
/// request rate.
pub fn render_top(status: &Status, previous: Option<&Status>) -> String {
    let mut out = String::new();
    let rate = previous.and_then(|p| {
        let secs = (status.now - p.now).num_milliseconds() as f64 / 1000.0;
        (secs > 0.0).then(|| status.requests_total.saturating_sub(p.requests_total) as f64 / secs)
    });
    let _ = writeln!(
        out,
        "eas-server  {}  requests: {}{}  parked: {}  outbound queue: {}",
        status.now.format("%H:%M:%S"),
        status.requests_total,
        rate.map(|r| format!(" ({r:.1}/s)")).unwrap_or_default(),
        status.parked.len(),
        status.outbound_queue_depth
    );
    let by: Vec<String> = status
        .requests_by_command
        .iter()
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    let _ = writeln!(
        out,
        "by command: {}",
        if by.is_empty() {
            "-".into()
        } else {
            by.join(", ")
        }
    );
    let _ = writeln!(out, "{:<32} {:<24} {:<6} since", "ACCOUNT", "DEVICE", "CMD");
    for p in &status.parked {
        let secs = (status.now - p.since).num_seconds().max(0);
        let _ = writeln!(
            out,
            "{:<32} {:<24} {:<6} {}s",
            p.account, p.device, p.command, secs
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn counters_gauges_and_the_histogram_render() {
        let m = Metrics::default();
        m.request("Sync", 200, Duration::from_millis(7));
        m.request("Sync", 200, Duration::from_millis(70));
        m.request("Ping", 503, Duration::from_millis(1));
        let guard = m.park("alice@example.com", "DEV1", "Ping");
        let text = m.render();
        assert!(
            text.contains("eas_requests_total{command=\"Sync\",status=\"200\"} 2"),
            "{text}"
        );
        assert!(text.contains("eas_overloaded_total 1"));
        assert!(text.contains("eas_parked_requests{command=\"Ping\"} 1"));
        assert!(
            text.contains("eas_request_duration_seconds_bucket{command=\"Sync\",le=\"0.01\"} 1")
        );
        assert!(text.contains("eas_request_duration_seconds_count{command=\"Sync\"} 2"));
        let status = m.status();
        assert_eq!(status.parked.len(), 1);
        assert_eq!(status.requests_total, 3);
        drop(guard);
        assert!(
            m.render()
                .contains("eas_parked_requests{command=\"Ping\"} 0")
        );
        let screen = render_top(&m.status(), Some(&status));
        assert!(screen.contains("requests: 3"));
    }
}
