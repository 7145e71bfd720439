//! The three measurements: `push` (many devices parked in Ping, mail delivered over LMTP,
//! the time until every watching device is woken), `sync` (no-change incremental Syncs as
//! fast as they are answered) and `initial` (the first sync of a large folder).

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eas_codec::ProtocolVersion;
use tokio::sync::Semaphore;
use tokio::task::JoinHandle;

use crate::LoadError;
use crate::device::{BodyWanted, Device, Endpoint, PingOutcome};
use crate::lmtp::{LmtpSender, message};
use crate::setup::{self, SINK};
use crate::stats::{
    DeliveryFigures, ItemFigures, MemoryFigures, Percentiles, Recorder, Summary, rss_kib,
};

/// Where the server is and how devices are made.
#[derive(Debug, Clone)]
pub struct Target {
    /// The server's origin, `https://localhost:18443`.
    pub url: String,
    /// A certificate to trust (the server's self-signed one).
    pub ca: Option<PathBuf>,
    /// The LMTP listener.
    pub lmtp: SocketAddr,
    /// Accounts made by `setup` (`u0` …); device `i` belongs to account `i % accounts`.
    pub accounts: usize,
    /// The server's process, for its memory.
    pub server_pid: Option<u32>,
    /// Protocol versions the devices speak, taken in turn.
    pub versions: Vec<ProtocolVersion>,
}

impl Target {
    fn endpoint(&self) -> Result<Arc<Endpoint>, LoadError> {
        let pem =
            match &self.ca {
                Some(path) => Some(std::fs::read(path).map_err(|e| {
                    LoadError::Setup(format!("cannot read {}: {e}", path.display()))
                })?),
                None => None,
            };
        Ok(Arc::new(Endpoint::new(&self.url, pem.as_deref())?))
    }

    /// The shared client and recorder of a run of `devices` devices on the numbered accounts.
    fn begin(&self, devices: usize) -> Result<(Arc<Endpoint>, Arc<Recorder>), LoadError> {
        if self.accounts == 0 || devices == 0 {
            return Err(LoadError::Setup(
                "need at least one account and one device".into(),
            ));
        }
        Ok((self.endpoint()?, Arc::new(Recorder::default())))
    }

    fn device(
        &self,
        endpoint: &Arc<Endpoint>,
        recorder: &Arc<Recorder>,
        index: usize,
        login: &str,
    ) -> Device {
        let version = self
            .versions
            .get(index % self.versions.len().max(1))
            .copied()
            .unwrap_or(ProtocolVersion::V14_1);
        Device::new(
            endpoint.clone(),
            recorder.clone(),
            login,
            &setup::password(login),
            &format!("LG{index:07}"),
            version,
        )
    }
}

/// Samples the server's resident set in the background, keeping the highest.
struct MemoryWatch {
    pid: u32,
    baseline: u64,
    peak: Arc<AtomicU64>,
    task: JoinHandle<()>,
}

impl MemoryWatch {
    fn start(pid: Option<u32>, every: Duration) -> Option<MemoryWatch> {
        let pid = pid?;
        let baseline = rss_kib(pid)?;
        let peak = Arc::new(AtomicU64::new(baseline));
        let p = peak.clone();
        let task = tokio::spawn(async move {
            loop {
                if let Some(kib) = rss_kib(pid) {
                    p.fetch_max(kib, Ordering::Relaxed);
                }
                tokio::time::sleep(every).await;
            }
        });
        Some(MemoryWatch {
            pid,
            baseline,
            peak,
            task,
        })
    }

    fn finish(self, measured: Option<u64>, devices: Option<u64>) -> MemoryFigures {
        self.task.abort();
        let measured = measured.or_else(|| rss_kib(self.pid)).unwrap_or(0);
        let peak = self.peak.load(Ordering::Relaxed).max(measured);
        MemoryFigures {
            baseline_kib: self.baseline,
            measured_kib: measured,
            peak_kib: peak,
            growth_per_device_bytes: devices
                .filter(|d| *d > 0)
                .map(|d| measured.saturating_sub(self.baseline) * 1024 / d),
        }
    }
}

/// A tiny deterministic generator (xorshift), so a run's choices repeat without a crate.
struct Dice(u64);

impl Dice {
    fn percent(&mut self) -> u32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        u32::try_from(self.0 % 100).unwrap_or(0)
    }
}

/// Options of the push scenario.
#[derive(Debug, Clone)]
pub struct PushOptions {
    /// Devices to simulate.
    pub devices: usize,
    /// Messages to deliver once every device is parked.
    pub deliveries: u64,
    /// Deliveries per second.
    pub rate: f64,
    /// Ping heartbeat asked for, seconds.
    pub heartbeat: u32,
    /// Devices bringing themselves up at once.
    pub connect_concurrency: usize,
    /// Time limit of the whole run.
    pub duration: Duration,
    /// Of the woken devices, the share (percent) that then sends a message.
    pub send_percent: u32,
    /// Of the woken devices, the share (percent) that then adds or changes a contact.
    pub edit_percent: u32,
    /// Body bytes of each delivered message.
    pub message_bytes: usize,
}

/// A delivery not yet seen by every device watching its account.
struct Pending {
    sent: Option<Instant>,
    watchers: usize,
    seen: HashSet<usize>,
    slowest: Duration,
}

#[derive(Default)]
struct PushState {
    stop: AtomicBool,
    ready: AtomicU64,
    failed: AtomicU64,
    parked: AtomicU64,
    parked_peak: AtomicU64,
    /// Ready and parked devices per account.
    ready_by_account: Vec<AtomicU64>,
    parked_by_account: Vec<AtomicU64>,
    pending: Mutex<HashMap<usize, Pending>>,
    to_each: Mutex<Vec<Duration>>,
    to_all: Mutex<Vec<Duration>>,
    seen_by_all: AtomicU64,
}

impl PushState {
    fn park(&self, account: usize, parked: bool) {
        let by_account = &self.parked_by_account[account];
        if parked {
            let now = self.parked.fetch_add(1, Ordering::SeqCst) + 1;
            self.parked_peak.fetch_max(now, Ordering::SeqCst);
            by_account.fetch_add(1, Ordering::SeqCst);
        } else {
            self.parked.fetch_sub(1, Ordering::SeqCst);
            by_account.fetch_sub(1, Ordering::SeqCst);
        }
    }

    /// Device `index` of `account` was woken at `at`.
    fn woken(&self, account: usize, index: usize, at: Instant) {
        let mut pending = lock(&self.pending);
        let Some(p) = pending.get_mut(&account) else {
            return;
        };
        let Some(sent) = p.sent else {
            return;
        };
        if !p.seen.insert(index) {
            return;
        }
        let latency = at.saturating_duration_since(sent);
        lock(&self.to_each).push(latency);
        p.slowest = p.slowest.max(latency);
        if p.seen.len() >= p.watchers {
            lock(&self.to_all).push(p.slowest);
            self.seen_by_all.fetch_add(1, Ordering::SeqCst);
            pending.remove(&account);
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// After a failed request, do what a phone does: provision again when told to (449), and
/// otherwise wait a moment before the next try.
async fn recover(device: &mut Device, error: &LoadError) {
    if matches!(error, LoadError::Http { status: 449, .. }) {
        let _ = device.provision().await;
    } else {
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}

/// Brings a device up (Provision, FolderSync, first Syncs), retrying a few times.
async fn bring_up(device: &mut Device, gate: &Semaphore) -> bool {
    let Ok(_permit) = gate.acquire().await else {
        return false;
    };
    for _ in 0..5 {
        match device.start().await {
            Ok(()) => return true,
            Err(e) => recover(device, &e).await,
        }
    }
    false
}

async fn push_device(
    mut device: Device,
    index: usize,
    account: usize,
    state: Arc<PushState>,
    gate: Arc<Semaphore>,
    opts: PushOptions,
) {
    if !bring_up(&mut device, &gate).await {
        state.failed.fetch_add(1, Ordering::SeqCst);
        return;
    }
    state.ready_by_account[account].fetch_add(1, Ordering::SeqCst);
    state.ready.fetch_add(1, Ordering::SeqCst);
    let mut heartbeat = opts.heartbeat;
    let mut dice = Dice(0x9E37_79B9_7F4A_7C15 ^ (index as u64 + 1));
    while !state.stop.load(Ordering::SeqCst) {
        state.park(account, true);
        let outcome = device.ping(&mut heartbeat).await;
        let at = Instant::now();
        state.park(account, false);
        match outcome {
            Ok(PingOutcome::Changed) => {
                state.woken(account, index, at);
                if let Err(e) = device.pull_inbox().await {
                    recover(&mut device, &e).await;
                    continue;
                }
                if dice.percent() < opts.send_percent
                    && let Err(e) = device.send_mail(SINK).await
                {
                    recover(&mut device, &e).await;
                }
                if dice.percent() < opts.edit_percent
                    && let Err(e) = device.edit_contact().await
                {
                    recover(&mut device, &e).await;
                }
            }
            Ok(PingOutcome::Expired) => {}
            Err(e) => recover(&mut device, &e).await,
        }
    }
}

/// Many devices parked in Ping; mail delivered to their accounts over LMTP at a set rate;
/// per delivery, the time until every device watching that Inbox was woken.
///
/// # Errors
/// [`LoadError::Setup`] for a bad target; LMTP failures end the delivery phase early and are
/// counted in the summary.
pub async fn push(target: &Target, opts: &PushOptions) -> Result<Summary, LoadError> {
    let (endpoint, recorder) = target.begin(opts.devices)?;
    let memory = MemoryWatch::start(target.server_pid, Duration::from_millis(250));
    let run_deadline = Instant::now() + opts.duration;
    let state = Arc::new(PushState {
        ready_by_account: (0..target.accounts).map(|_| AtomicU64::new(0)).collect(),
        parked_by_account: (0..target.accounts).map(|_| AtomicU64::new(0)).collect(),
        ..PushState::default()
    });
    let gate = Arc::new(Semaphore::new(opts.connect_concurrency.max(1)));
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(opts.devices);
    for index in 0..opts.devices {
        let account = index % target.accounts;
        let device = target.device(&endpoint, &recorder, index, &setup::login(account));
        tasks.push(tokio::spawn(push_device(
            device,
            index,
            account,
            state.clone(),
            gate.clone(),
            opts.clone(),
        )));
    }
    // Bring-up: until every device is parked (or has given up).
    let devices = opts.devices as u64;
    while Instant::now() < run_deadline {
        let ready = state.ready.load(Ordering::SeqCst);
        let failed = state.failed.load(Ordering::SeqCst);
        if ready + failed >= devices && state.parked.load(Ordering::SeqCst) >= ready {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let connect_secs = started.elapsed().as_secs_f64();
    // Let the last Pings reach the server and settle before reading its memory.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let parked_rss = target.server_pid.and_then(rss_kib);
    let parked_devices = state.parked.load(Ordering::SeqCst);
    recorder.reset_requests();

    // Deliveries, round robin over the accounts that have devices.
    let measure_started = Instant::now();
    let accounts: Vec<usize> = (0..target.accounts)
        .filter(|a| state.ready_by_account[*a].load(Ordering::SeqCst) > 0)
        .collect();
    let mut delivered = 0u64;
    let mut watchers_total = 0u64;
    let mut overtaken = 0u64;
    if !accounts.is_empty() && opts.deliveries > 0 {
        match LmtpSender::connect(target.lmtp).await {
            Ok(mut lmtp) => {
                let period = Duration::from_secs_f64(1.0 / opts.rate.max(0.001));
                let mut tick = tokio::time::interval(period);
                tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
                for k in 0..opts.deliveries {
                    if Instant::now() >= run_deadline {
                        break;
                    }
                    tick.tick().await;
                    let account = accounts[usize::try_from(k).unwrap_or(0) % accounts.len()];
                    let watchers = state.ready_by_account[account].load(Ordering::SeqCst);
                    // Wait (briefly) for the account's devices to be parked again, so that
                    // what is measured is push, not a device still busy with the last one.
                    let wait_until = Instant::now() + Duration::from_secs(5);
                    while state.parked_by_account[account].load(Ordering::SeqCst) < watchers
                        && Instant::now() < wait_until
                    {
                        tokio::time::sleep(Duration::from_millis(5)).await;
                    }
                    let previous = lock(&state.pending).insert(
                        account,
                        Pending {
                            sent: None,
                            watchers: usize::try_from(watchers).unwrap_or(usize::MAX),
                            seen: HashSet::new(),
                            slowest: Duration::ZERO,
                        },
                    );
                    if previous.is_some() {
                        // The account's last delivery was never seen by all its devices.
                        overtaken += 1;
                    }
                    let subject = format!("push-{k}");
                    let text = message(&subject, opts.message_bytes);
                    let st = state.clone();
                    let result = lmtp
                        .deliver(&setup::login(account), &text, move |at| {
                            if let Some(p) = lock(&st.pending).get_mut(&account) {
                                p.sent = Some(at);
                            }
                        })
                        .await;
                    match result {
                        Ok(_) => {
                            delivered += 1;
                            watchers_total += watchers;
                        }
                        Err(e) => {
                            lock(&state.pending).remove(&account);
                            recorder.error("LMTP", &e.to_string());
                            break;
                        }
                    }
                }
            }
            Err(e) => recorder.error("LMTP", &e.to_string()),
        }
    }
    // The last deliveries' wakes.
    let settle_until = (Instant::now() + Duration::from_secs(15))
        .min(run_deadline.max(Instant::now() + Duration::from_secs(1)));
    while !lock(&state.pending).is_empty() && Instant::now() < settle_until {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let measured = measure_started.elapsed();
    state.stop.store(true, Ordering::SeqCst);
    for t in &tasks {
        t.abort();
    }
    let missed = lock(&state.pending).len() as u64 + overtaken;
    let to_each = Percentiles::of(&lock(&state.to_each));
    let to_all = Percentiles::of(&lock(&state.to_all));
    Ok(Summary {
        scenario: "push".into(),
        measured_secs: measured.as_secs_f64(),
        devices,
        devices_ready: state.ready.load(Ordering::SeqCst),
        devices_parked_peak: state.parked_peak.load(Ordering::SeqCst),
        connect_secs,
        commands: recorder.commands(measured),
        deliveries: Some(DeliveryFigures {
            delivered,
            seen_by_all: state.seen_by_all.load(Ordering::SeqCst),
            missed,
            watchers_per_delivery: if delivered > 0 {
                watchers_total as f64 / delivered as f64
            } else {
                0.0
            },
            to_all_watchers: to_all,
            to_each_watcher: to_each,
        }),
        items: None,
        memory: memory.map(|m| m.finish(parked_rss, Some(parked_devices))),
        errors: recorder.errors(),
    })
}

/// Options of the no-change Sync scenario.
#[derive(Debug, Clone)]
pub struct SyncLoadOptions {
    /// Devices, each with its own sync state.
    pub devices: usize,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Length of the measured phase.
    pub duration: Duration,
    /// Devices bringing themselves up at once.
    pub connect_concurrency: usize,
}

/// Devices whose Inbox is in sync ask again and again whether anything changed (what a
/// phone does on every wake and every manual refresh): throughput and latency.
///
/// # Errors
/// [`LoadError::Setup`] for a bad target, or when no device came up.
pub async fn sync(target: &Target, opts: &SyncLoadOptions) -> Result<Summary, LoadError> {
    let (endpoint, recorder) = target.begin(opts.devices)?;
    let memory = MemoryWatch::start(target.server_pid, Duration::from_millis(250));
    let gate = Arc::new(Semaphore::new(opts.connect_concurrency.max(1)));
    let started = Instant::now();
    let ups: Vec<JoinHandle<Option<Device>>> = (0..opts.devices)
        .map(|index| {
            let mut device = target.device(
                &endpoint,
                &recorder,
                index,
                &setup::login(index % target.accounts),
            );
            let gate = gate.clone();
            tokio::spawn(async move { bring_up(&mut device, &gate).await.then_some(device) })
        })
        .collect();
    let mut devices = Vec::new();
    for up in ups {
        if let Ok(Some(d)) = up.await {
            devices.push(d);
        }
    }
    let connect_secs = started.elapsed().as_secs_f64();
    let ready = devices.len() as u64;
    if devices.is_empty() {
        return Err(LoadError::Setup(format!(
            "no device came up: {:?}",
            recorder.errors()
        )));
    }
    recorder.reset_requests();
    let workers = opts.concurrency.clamp(1, devices.len());
    let mut shares: Vec<Vec<Device>> = (0..workers).map(|_| Vec::new()).collect();
    for (i, d) in devices.into_iter().enumerate() {
        shares[i % workers].push(d);
    }
    let measure_started = Instant::now();
    let deadline = measure_started + opts.duration;
    let unexpected = Arc::new(AtomicU64::new(0));
    let handles: Vec<JoinHandle<()>> = shares
        .into_iter()
        .map(|mut share| {
            let recorder = recorder.clone();
            let unexpected = unexpected.clone();
            tokio::spawn(async move {
                let mut turn = 0usize;
                let n = share.len();
                while Instant::now() < deadline {
                    let device = &mut share[turn % n];
                    turn += 1;
                    match device.sync_inbox_once().await {
                        Ok(0) => {}
                        Ok(_) => {
                            unexpected.fetch_add(1, Ordering::Relaxed);
                            recorder.error("Sync", "changes where none were expected");
                        }
                        Err(e) => recover(device, &e).await,
                    }
                }
            })
        })
        .collect();
    for h in handles {
        let _ = h.await;
    }
    let measured = measure_started.elapsed();
    Ok(Summary {
        scenario: "sync".into(),
        measured_secs: measured.as_secs_f64(),
        devices: opts.devices as u64,
        devices_ready: ready,
        devices_parked_peak: 0,
        connect_secs,
        commands: recorder.commands(measured),
        deliveries: None,
        items: None,
        memory: memory.map(|m| m.finish(None, None)),
        errors: recorder.errors(),
    })
}

/// Options of the initial-sync scenario.
#[derive(Debug, Clone)]
pub struct InitialOptions {
    /// The account whose Inbox is pulled (`big@load.test` after `setup --big-mailbox`).
    pub account: String,
    /// Items per Sync response.
    pub window: u32,
    /// Body format and truncation asked for.
    pub body: BodyWanted,
}

/// A new phone pulls a whole (large) Inbox: items per second and the server's memory.
///
/// # Errors
/// [`LoadError::Setup`] for a bad target; the first failed request.
pub async fn initial(target: &Target, opts: &InitialOptions) -> Result<Summary, LoadError> {
    let endpoint = target.endpoint()?;
    let recorder = Arc::new(Recorder::default());
    let memory = MemoryWatch::start(target.server_pid, Duration::from_millis(50));
    let mut device = target.device(&endpoint, &recorder, 0, &opts.account);
    // A fresh device id per run: the server keeps each device's state.
    device.device_id = format!("LGI{}", std::process::id());
    device.window = opts.window;
    device.body = opts.body;
    let started = Instant::now();
    device.provision().await?;
    device.folder_sync().await?;
    let connect_secs = started.elapsed().as_secs_f64();
    recorder.reset_requests();
    let measure_started = Instant::now();
    let items = device.pull_inbox().await?;
    let measured = measure_started.elapsed();
    let commands = recorder.commands(measured);
    let requests = commands
        .iter()
        .find(|c| c.command == "Sync")
        .map_or(0, |c| c.count);
    Ok(Summary {
        scenario: "initial".into(),
        measured_secs: measured.as_secs_f64(),
        devices: 1,
        devices_ready: 1,
        devices_parked_peak: 0,
        connect_secs,
        commands,
        deliveries: None,
        items: Some(ItemFigures {
            items,
            requests,
            secs: measured.as_secs_f64(),
            per_sec: crate::stats::rate(items, measured),
        }),
        memory: memory.map(|m| m.finish(None, None)),
        errors: recorder.errors(),
    })
}
