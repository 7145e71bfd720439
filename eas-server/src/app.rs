//! Assembling the running server from a [`Config`]: the database, TLS, the HTTPS and LMTP
//! listeners, the command service and the notification hub; and the `demo` and `import`
//! runs.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::Utc;
use tokio::net::TcpListener;
use tokio::task::JoinSet;

use crate::accounts::{Directory, DirectoryConfig, DirectoryError};
use crate::config::Config;
use crate::http::{Shutdown, TlsError, TlsSetup, router, serve};
use crate::hub::Hub;
use crate::mailin::{Delivery, DeliveryError, LmtpConfig, Message, serve_lmtp};
use crate::service::{Service, ServiceSettings};
use crate::store::mailbox::InitialMailState;
use crate::store::{Store, StoreError};

/// Why the server could not start.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// The data directory or a file in it could not be used.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The store could not be opened.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The account directory could not be opened or changed.
    #[error(transparent)]
    Directory(#[from] DirectoryError),
    /// The certificate could not be loaded or generated.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// Something else went wrong.
    #[error("{0}")]
    Other(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> AppError + '_ {
    move |source| AppError::Io {
        path: path.to_owned(),
        source,
    }
}

/// The service settings a configuration gives.
pub fn service_settings(config: &Config) -> ServiceSettings {
    ServiceSettings {
        limits: config.engine_limits(),
        policy: config.policy.clone(),
        domain_policy: config
            .domain_policy
            .iter()
            .map(|(d, p)| (d.to_ascii_lowercase(), p.clone()))
            .collect(),
        max_parked: std::time::Duration::from_secs(config.push.max_connection_lifetime_secs),
        relay: config.relay.clone(),
        mail_domain: config.relay.helo.clone(),
        public_url: config.public_url(),
        ..ServiceSettings::default()
    }
}

/// The certificate to serve: the configured files, or a self-signed one generated into
/// `data_dir/tls/` on first start and reused afterwards (so a phone that accepted it once
/// keeps trusting it).
pub fn load_tls(config: &Config) -> Result<TlsSetup, AppError> {
    if let (Some(cert), Some(key)) = (&config.https.cert, &config.https.key) {
        return Ok(TlsSetup::from_pem_files(cert, key)?);
    }
    let dir = config.tls_dir();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    if cert.exists() && key.exists() {
        return Ok(TlsSetup::from_pem_files(&cert, &key)?);
    }
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    if let Ok(host) = std::fs::read_to_string("/etc/hostname") {
        let host = host.trim();
        if !host.is_empty() && !names.iter().any(|n| n == host) {
            names.push(host.to_owned());
        }
    }
    let (cert_pem, key_pem) = crate::http::tls::self_signed_pem(&names)?;
    write_private(&key, key_pem.as_bytes())?;
    std::fs::write(&cert, cert_pem.as_bytes()).map_err(io_err(&cert))?;
    tracing::info!(cert = %cert.display(), "generated a self-signed certificate");
    Ok(TlsSetup::from_pem(&cert_pem, &key_pem)?)
}

/// Write a file only its owner can read.
fn write_private(path: &Path, data: &[u8]) -> Result<(), AppError> {
    use std::io::Write as _;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        opts.mode(0o600);
    }
    let mut f = opts.open(path).map_err(io_err(path))?;
    f.write_all(data).map_err(io_err(path))
}

/// Open the database of a configuration: the store (migrating it) and the directory.
pub fn open_database(
    config: &Config,
    directory: DirectoryConfig,
) -> Result<(Store, Directory), AppError> {
    std::fs::create_dir_all(&config.data_dir).map_err(io_err(&config.data_dir))?;
    let path = config.database_path();
    let store = Store::open(&path)?;
    let dir = Directory::open(&path, directory)?;
    Ok((store, dir))
}

/// Mail delivery into local mailboxes, for the LMTP listener.
#[derive(Debug, Clone)]
pub struct LocalDelivery {
    service: Service,
}

impl LocalDelivery {
    /// Delivery through `service`.
    pub fn new(service: Service) -> LocalDelivery {
        LocalDelivery { service }
    }

    async fn account_of(&self, recipient: &str) -> Result<Option<(i64, String)>, DeliveryError> {
        self.service
            .local_account(recipient)
            .await
            .map_err(DeliveryError::Temporary)
    }
}

impl Delivery for LocalDelivery {
    async fn accepts(&self, recipient: &str) -> Result<bool, DeliveryError> {
        Ok(self.account_of(recipient).await?.is_some())
    }

    async fn deliver(&self, recipient: &str, message: Message) -> Result<(), DeliveryError> {
        let Some((account, address)) = self.account_of(recipient).await? else {
            return Err(DeliveryError::Permanent(format!("no mailbox {recipient}")));
        };
        let result = self
            .service
            .deliver_message(account, address, message, InitialMailState::default(), 2)
            .await;
        self.service.metrics().lmtp_delivery(result.is_ok());
        match result {
            Ok(_) => Ok(()),
            // A message the model cannot read at all would never show; refuse it so the
            // sender learns, instead of storing something no device displays.
            Err(e) if e.starts_with("invalid item") => Err(DeliveryError::Permanent(e)),
            Err(e) => Err(DeliveryError::Temporary(e)),
        }
    }
}

/// The spool directory under `data_dir`, created if needed.
fn spool_dir(data_dir: &std::path::Path) -> Result<PathBuf, AppError> {
    let dir = data_dir.join("spool");
    std::fs::create_dir_all(&dir).map_err(io_err(&dir))?;
    Ok(dir)
}

/// A running server.
#[derive(Debug)]
pub struct Running {
    /// The HTTPS (or plain HTTP) addresses bound.
    pub https: Vec<SocketAddr>,
    /// The LMTP addresses bound.
    pub lmtp: Vec<SocketAddr>,
    /// The operations listener (`/metrics`, `/status`), when configured.
    pub metrics: Option<SocketAddr>,
    /// The command service (for tests and tools in the same process).
    pub service: Service,
    /// The certificate served, PEM (`None` for plain HTTP).
    pub cert_pem: Option<String>,
    shutdown: Shutdown,
    tasks: JoinSet<()>,
}

impl Running {
    /// Stop: answer parked requests, finish in-flight ones, close the listeners.
    pub async fn stop(mut self) {
        self.shutdown.trigger();
        while self.tasks.join_next().await.is_some() {}
    }

    /// Run until Ctrl-C or SIGTERM, then stop.
    pub async fn run_until_signal(self) {
        wait_for_signal().await;
        tracing::info!("stopping");
        self.stop().await;
    }
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Start the server of a configuration. `directory` sets the password hashing cost and
/// throttling (the configuration's [`Config::directory_config`] in production).
pub async fn start(config: &Config, directory: DirectoryConfig) -> Result<Running, AppError> {
    let (store, mut dir) = open_database(config, directory)?;
    if let Some(cap) = config.accounts.seat_cap {
        dir.set_seat_cap(Some(cap))?;
    }
    let tls = if config.https.plain_http {
        None
    } else {
        Some(load_tls(config)?)
    };
    let hub = Arc::new(Hub::new());
    let mut settings = service_settings(config);
    if let Some(path) = &config.smime.trust_store {
        let roots = crate::certs::load_trust_store(path).map_err(AppError::Other)?;
        tracing::info!(roots = roots.len(), path = %path.display(), "S/MIME trust store loaded");
        settings.smime_roots = std::sync::Arc::new(roots);
    }
    let service = Service::new(dir, store.into_connection(), hub, settings);
    let (shutdown, token) = Shutdown::new();
    let http_config = config.http_config();
    let mut tasks = JoinSet::new();
    let mut https = Vec::new();
    for addr in &config.https.listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: *addr,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| AppError::Bind {
            addr: *addr,
            source,
        })?;
        https.push(local);
        let app = router(service.clone(), http_config.clone(), token.clone());
        let acceptor = tls.as_ref().map(TlsSetup::acceptor);
        let token = token.clone();
        let http_config = http_config.clone();
        tasks.spawn(async move {
            if let Err(e) = serve(listener, acceptor, app, token, &http_config).await {
                tracing::error!(error = %e, "HTTPS listener failed");
            }
        });
        tracing::info!(%local, tls = tls.is_some(), "ActiveSync listening");
    }
    let mut lmtp = Vec::new();
    let lmtp_config = LmtpConfig {
        hostname: config.lmtp.hostname.clone(),
        max_message_bytes: usize::try_from(config.lmtp.max_message_bytes).unwrap_or(usize::MAX),
        max_recipients: usize::try_from(config.lmtp.max_recipients).unwrap_or(usize::MAX),
        // Large messages are spooled beside the database, never to a /tmp that may live
        // in memory.
        spool_dir: Some(spool_dir(&config.data_dir)?),
        ..LmtpConfig::default()
    };
    let delivery = Arc::new(LocalDelivery::new(service.clone()));
    for addr in &config.lmtp.listen {
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| AppError::Bind {
                addr: *addr,
                source,
            })?;
        let local = listener.local_addr().map_err(|source| AppError::Bind {
            addr: *addr,
            source,
        })?;
        lmtp.push(local);
        let delivery = delivery.clone();
        let cfg = lmtp_config.clone();
        let token = token.clone();
        tasks.spawn(async move {
            if let Err(e) = serve_lmtp(listener, delivery, cfg, token).await {
                tracing::error!(error = %e, "LMTP listener failed");
            }
        });
        tracing::info!(%local, "LMTP listening");
    }
    // The outbound queue survives restarts: the relay starts with whatever is due.
    tasks.spawn(crate::mailout::run_relay(service.clone(), token.clone()));
    let metrics = match config.metrics.listen {
        None => None,
        Some(addr) => {
            let listener = TcpListener::bind(addr)
                .await
                .map_err(|source| AppError::Bind { addr, source })?;
            let local = listener
                .local_addr()
                .map_err(|source| AppError::Bind { addr, source })?;
            let router = crate::metrics_http::router(service.metrics().clone());
            let token = token.clone();
            tasks.spawn(async move {
                let stop = async move { token.triggered().await };
                if let Err(e) = axum::serve(listener, router)
                    .with_graceful_shutdown(stop)
                    .await
                {
                    tracing::error!(error = %e, "metrics listener failed");
                }
            });
            tracing::info!(%local, "metrics listening (/metrics, /status)");
            Some(local)
        }
    };
    Ok(Running {
        https,
        lmtp,
        metrics,
        service,
        cert_pem: tls.map(|t| t.cert_pem),
        shutdown,
        tasks,
    })
}

/// The demo's domain.
pub const DEMO_DOMAIN: &str = "example.com";
/// The demo's accounts: (local part, display name).
pub const DEMO_ACCOUNTS: &[(&str, &str)] = &[("alice", "Alice Demo"), ("bob", "Bob Demo")];
const DEMO_PASSWORDS_FILE: &str = "demo-accounts.txt";

/// A random password of 16 letters and digits.
fn random_password() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let rng = ring::rand::SystemRandom::new();
    let mut bytes = [0u8; 16];
    if ring::rand::SecureRandom::fill(&rng, &mut bytes).is_err() {
        // Without system randomness fall back to the clock: a demo password only.
        let t = Utc::now().timestamp_nanos_opt().unwrap_or(0).to_le_bytes();
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = t[i % 8].wrapping_mul(31).wrapping_add(i as u8);
        }
    }
    bytes
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Create the demo domain, accounts and their sample content on first run; return the
/// accounts' logins and passwords (kept in `data_dir/demo-accounts.txt`, readable by the
/// owner only, so later runs can print them again).
pub fn seed_demo(
    config: &Config,
    directory: DirectoryConfig,
) -> Result<Vec<(String, String)>, AppError> {
    let (store, mut dir) = open_database(config, directory)?;
    let file = config.data_dir.join(DEMO_PASSWORDS_FILE);
    if let Ok(text) = std::fs::read_to_string(&file) {
        let creds: Vec<(String, String)> = text
            .lines()
            .filter_map(|l| l.split_once(' '))
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect();
        if !creds.is_empty() {
            return Ok(creds);
        }
    }
    if dir.domain(DEMO_DOMAIN).is_err() {
        dir.add_domain(DEMO_DOMAIN)?;
        // ActiveSync is off unless enabled somewhere (as in Axigen); the demo enables it
        // for its whole domain.
        dir.set_switch(
            crate::accounts::Target::Domain(DEMO_DOMAIN),
            crate::accounts::Switch::ActiveSync,
            crate::accounts::Setting::Enabled,
        )?;
    }
    let now = Utc::now();
    let mut creds = Vec::new();
    for (i, (local, name)) in DEMO_ACCOUNTS.iter().enumerate() {
        let login = format!("{local}@{DEMO_DOMAIN}");
        let password = random_password();
        let (id, created) = match dir.find_account(&login)? {
            Some(id) => (id, false),
            None => (dir.add_account(&login, name, None, None)?.id, true),
        };
        dir.set_password(id, Some(&password))?;
        creds.push((login.clone(), password));
        if !created {
            // Its content was seeded when it was created.
            continue;
        }
        let (peer_local, _) = DEMO_ACCOUNTS[(i + 1) % DEMO_ACCOUNTS.len()];
        let peer = format!("{peer_local}@{DEMO_DOMAIN}");
        let content = crate::demo_data::demo_mailbox(&login, name, &peer, now);
        let conn = store.connection();
        let tx = conn
            .unchecked_transaction()
            .map_err(|e| AppError::Other(e.to_string()))?;
        crate::store::mailbox::ensure_mailbox(&tx, id.0)
            .map_err(|e| AppError::Other(e.to_string()))?;
        let mut mb = crate::store::mailbox::Mailbox::new(
            &tx,
            id.0,
            &login,
            crate::store::mailbox::Visibility::ALL,
            chrono_tz::Tz::UTC,
            now,
            eas_codec::ProtocolVersion::V16_1,
        );
        let fail = |e: eas_sync_engine::BackendError| AppError::Other(format!("demo data: {e}"));
        for m in &content.mail {
            mb.add_mail(
                m.folder_type,
                &m.raw,
                InitialMailState {
                    seen: m.seen,
                    flagged: m.flagged,
                    received: None,
                },
            )
            .map_err(fail)?;
        }
        for (folder_type, items) in [
            (8u8, &content.events),
            (9, &content.contacts),
            (7, &content.tasks),
            (10, &content.notes),
        ] {
            for text in items {
                mb.add_pim_text(folder_type, text).map_err(fail)?;
            }
        }
        drop(mb);
        tx.commit().map_err(|e| AppError::Other(e.to_string()))?;
    }
    let text: String = creds.iter().map(|(l, p)| format!("{l} {p}\n")).collect();
    write_private(&file, text.as_bytes())?;
    Ok(creds)
}

/// `eas-server demo`: seed (on first run) and serve on 127.0.0.1:8443 (HTTPS) and
/// 127.0.0.1:8024 (LMTP) until Ctrl-C.
pub async fn run_demo(data_dir: Option<PathBuf>) -> Result<(), AppError> {
    let data_dir = data_dir.unwrap_or_else(|| PathBuf::from("eas-demo-data"));
    let config = Config::demo(data_dir);
    let creds = seed_demo(&config, config.directory_config())?;
    let running = start(&config, config.directory_config()).await?;
    let https = running
        .https
        .first()
        .map_or_else(String::new, ToString::to_string);
    let lmtp = running
        .lmtp
        .first()
        .map_or_else(String::new, ToString::to_string);
    println!("eas-server demo");
    println!("  data directory: {}", config.data_dir.display());
    println!("  ActiveSync:     https://{https}/Microsoft-Server-ActiveSync");
    println!(
        "  certificate:    {} (self-signed)",
        config.tls_dir().join("cert.pem").display()
    );
    println!("  LMTP:           {lmtp}");
    for (login, password) in &creds {
        println!("  account:        {login}  password: {password}");
    }
    println!("Press Ctrl-C to stop.");
    running.run_until_signal().await;
    Ok(())
}

/// `eas-server serve --config FILE`: serve until SIGTERM or Ctrl-C.
pub async fn run_serve(config: &Config) -> Result<(), AppError> {
    let running = start(config, config.directory_config()).await?;
    running.run_until_signal().await;
    Ok(())
}

/// What an import did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportReport {
    /// Messages stored.
    pub imported: usize,
    /// Messages skipped, with why.
    pub skipped: Vec<String>,
    /// Folders created.
    pub folders_created: Vec<String>,
}

/// `eas-server import`: store the messages of a Maildir or an mbox file in an account's
/// mailbox — into `folder` (created at the top level if missing; default the Inbox), and
/// for Maildir++ subfolders into folders of the same names. A message that cannot be read
/// is skipped and reported; the rest are imported. Each message is its own transaction, so
/// an interrupted import keeps what it stored.
///
/// Devices connected to a server running in another process see imported mail at their
/// next sync or when their Ping's heartbeat ends (notifications are in-process).
pub fn run_import(
    config: &Config,
    login: &str,
    maildir: Option<&Path>,
    mbox: Option<&Path>,
    folder: Option<&str>,
) -> Result<ImportReport, AppError> {
    use eas_sync_engine::Backend as _;
    let (store, dir) = open_database(config, config.directory_config())?;
    let id = dir
        .find_account(login)?
        .ok_or_else(|| AppError::Other(format!("no account {login}")))?;
    let address = dir.account(id)?.address();
    let messages: Box<dyn Iterator<Item = Result<crate::mailin::ImportedMessage, _>>> =
        match (maildir, mbox) {
            (Some(m), None) => Box::new(
                crate::mailin::read_maildir(m).map_err(|e| AppError::Other(e.to_string()))?,
            ),
            (None, Some(m)) => {
                Box::new(crate::mailin::read_mbox(m).map_err(|e| AppError::Other(e.to_string()))?)
            }
            _ => {
                return Err(AppError::Other(
                    "give exactly one of --maildir and --mbox".into(),
                ));
            }
        };
    let conn = store.connection();
    crate::store::mailbox::ensure_mailbox(conn, id.0)
        .map_err(|e| AppError::Other(e.to_string()))?;
    let mut report = ImportReport::default();
    for message in messages {
        let message = match message {
            Ok(m) => m,
            Err(e) => {
                report.skipped.push(e.to_string());
                continue;
            }
        };
        let tx = conn
            .unchecked_transaction()
            .map_err(|e| AppError::Other(e.to_string()))?;
        let now = Utc::now();
        let mut mb = crate::store::mailbox::Mailbox::new(
            &tx,
            id.0,
            &address,
            crate::store::mailbox::Visibility::ALL,
            chrono_tz::Tz::UTC,
            now,
            eas_codec::ProtocolVersion::V16_1,
        );
        let target = message.folder.as_deref().or(folder);
        let fail = |e: eas_sync_engine::BackendError| AppError::Other(e.to_string());
        let folder_id = match target {
            None => mb
                .folder_of_type(2)
                .map_err(fail)?
                .ok_or_else(|| AppError::Other("the account has no Inbox".into()))?,
            Some(name) => {
                let (folders, _) = mb.folders().map_err(fail)?;
                // Maildir++ nests with "/": create each level under the one before.
                let mut parent: Option<eas_sync_engine::CollectionId> = None;
                for part in name.split('/').filter(|p| !p.is_empty()) {
                    let found = folders.iter().find(|f| {
                        f.parent == parent
                            && f.name.eq_ignore_ascii_case(part)
                            && f.class == eas_sync_engine::backend::FolderClass::Email
                    });
                    parent = Some(match found {
                        Some(f) => f.id.clone(),
                        None => {
                            let f = mb.create_folder(parent.as_ref(), part, 12).map_err(fail)?;
                            report.folders_created.push(part.to_string());
                            f.id
                        }
                    });
                }
                match parent {
                    Some(p) => p,
                    None => mb
                        .folder_of_type(2)
                        .map_err(fail)?
                        .ok_or_else(|| AppError::Other("the account has no Inbox".into()))?,
                }
            }
        };
        let received = message.received.map(chrono::DateTime::<Utc>::from);
        match mb.add_mail_to(
            &folder_id,
            &message.raw,
            InitialMailState {
                seen: message.seen,
                flagged: message.flagged,
                received,
            },
        ) {
            Ok(_) => report.imported += 1,
            Err(e) => report.skipped.push(e.to_string()),
        }
        drop(mb);
        tx.commit().map_err(|e| AppError::Other(e.to_string()))?;
    }
    Ok(report)
}
