//! The TOML configuration file (`eas-server serve --config FILE`).
//!
//! Every key has a default, so an empty file is a valid configuration; unknown keys are
//! refused so that a misspelt setting does not silently fall back to its default.
//! `eas-server/config.example.toml` lists every key with its default.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddr, SocketAddrV4};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::accounts::{DirectoryConfig, HashCost, ThrottlePolicy};
use crate::http::HttpConfig;
use crate::provision::Policy;

/// The database file inside the data directory.
pub const DATABASE_FILE: &str = "eas.sqlite3";

/// The largest heartbeat (Ping `HeartbeatInterval`, seconds) MS-ASCMD allows.
const PROTOCOL_MAX_HEARTBEAT_SECS: u32 = 3540;
/// The largest Sync `Wait` (minutes) MS-ASCMD allows.
const PROTOCOL_MAX_WAIT_MINS: u32 = 59;
/// The largest Sync `WindowSize` MS-ASCMD allows.
const PROTOCOL_MAX_WINDOW: u32 = 512;

/// The whole configuration file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// The directory holding `eas.sqlite3` (accounts and store) and `tls/` (the generated
    /// certificate). A relative path is taken relative to the configuration file.
    pub data_dir: PathBuf,
    /// The ActiveSync HTTPS listener.
    pub https: HttpsSection,
    /// The LMTP listener mail is delivered through.
    pub lmtp: LmtpSection,
    /// The smarthost outbound mail to other domains is relayed through.
    pub relay: crate::mailout::RelayConfig,
    /// S/MIME: what ValidateCert trusts.
    pub smime: SmimeSection,
    /// The operations listener.
    pub metrics: MetricsSection,
    /// Request and Sync bounds.
    pub limits: LimitsSection,
    /// Ping and Sync `Wait` bounds.
    pub push: PushSection,
    /// The seat cap, login throttling and the authentication realm.
    pub accounts: AccountsSection,
    /// The device policy of every domain without its own entry in `domain_policy`.
    pub policy: Policy,
    /// Per-domain device policies, each replacing `policy` as a whole for that domain.
    pub domain_policy: BTreeMap<String, Policy>,
    /// Logging.
    pub log: LogSection,
}

/// `[https]`: where ActiveSync clients connect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpsSection {
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// The certificate chain, PEM. With `key`; when both are absent a self-signed
    /// certificate is generated into `data_dir/tls/` and reused on restart.
    pub cert: Option<PathBuf>,
    /// The private key, PEM. With `cert`.
    pub key: Option<PathBuf>,
    /// Serve plain HTTP without TLS, for a TLS-terminating proxy in front.
    pub plain_http: bool,
    /// The ActiveSync URL phones are given by Autodiscover, as they reach the server
    /// (`https://mail.example.com/Microsoft-Server-ActiveSync`). Empty: made from the first
    /// listen address.
    pub public_url: String,
}

impl Default for HttpsSection {
    fn default() -> Self {
        HttpsSection {
            listen: vec![loopback(8443)],
            cert: None,
            key: None,
            plain_http: false,
            public_url: String::new(),
        }
    }
}

/// `[lmtp]`: where the mail transfer agent delivers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LmtpSection {
    /// Addresses to listen on.
    pub listen: Vec<SocketAddr>,
    /// The name announced in the LMTP greeting and `Received:` headers.
    pub hostname: String,
    /// Largest message accepted, bytes.
    pub max_message_bytes: u64,
    /// Most recipients of one transaction.
    pub max_recipients: u32,
}

impl Default for LmtpSection {
    fn default() -> Self {
        LmtpSection {
            listen: vec![loopback(8024)],
            hostname: "localhost".to_owned(),
            max_message_bytes: 50 * 1024 * 1024,
            max_recipients: 100,
        }
    }
}

/// `[metrics]`: Prometheus metrics and the status `eas-server top` reads.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MetricsSection {
    /// Where to serve `GET /metrics` (Prometheus text) and `GET /status` (JSON), plain
    /// HTTP without authentication: keep it on loopback or a private network. Absent: off.
    pub listen: Option<SocketAddr>,
}

/// `[smime]`: certificate validation for S/MIME (ValidateCert).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmimeSection {
    /// A PEM file of the root certificates S/MIME certificates must chain to. Absent:
    /// nothing is trusted and every certificate is reported as from an untrusted source.
    pub trust_store: Option<PathBuf>,
}

/// `[limits]`: request sizes, time limits and Sync bounds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LimitsSection {
    /// Largest request body, bytes (413 above it).
    pub max_body_bytes: usize,
    /// Time limit for a command that does not park, seconds.
    pub command_timeout_secs: u64,
    /// Most items in one Sync response, 1–512.
    pub max_window: u32,
    /// Sync `WindowSize` when the client sends none, 1–`max_window`.
    pub default_window: u32,
    /// Most collections in one Sync or Ping.
    pub max_collections: usize,
    /// Recent `ClientId`s remembered per collection to recognise a retried Add.
    pub client_id_memory: usize,
}

impl Default for LimitsSection {
    fn default() -> Self {
        let engine = eas_sync_engine::Limits::default();
        LimitsSection {
            max_body_bytes: 16 * 1024 * 1024,
            command_timeout_secs: 300,
            max_window: engine.max_window,
            default_window: engine.default_window,
            max_collections: engine.max_collections,
            client_id_memory: engine.client_id_memory,
        }
    }
}

/// `[push]`: the bounds on parked requests (Ping and Sync with `Wait`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PushSection {
    /// Smallest Ping `HeartbeatInterval` accepted, seconds.
    pub min_heartbeat_secs: u32,
    /// Largest Ping `HeartbeatInterval` accepted, seconds (at most 3540).
    pub max_heartbeat_secs: u32,
    /// Smallest Sync `Wait` accepted, minutes.
    pub min_wait_mins: u32,
    /// Largest Sync `Wait` accepted, minutes (at most 59).
    pub max_wait_mins: u32,
    /// The longest a parked request is held, seconds; at least the largest heartbeat and
    /// wait, so that the margin above them covers answering.
    pub max_connection_lifetime_secs: u64,
}

impl Default for PushSection {
    fn default() -> Self {
        let engine = eas_sync_engine::Limits::default();
        PushSection {
            min_heartbeat_secs: engine.min_heartbeat,
            max_heartbeat_secs: engine.max_heartbeat,
            min_wait_mins: engine.min_wait,
            max_wait_mins: engine.max_wait,
            max_connection_lifetime_secs: 3600,
        }
    }
}

/// `[accounts]`: the seat pool, failed-login throttling and the Basic realm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AccountsSection {
    /// The ActiveSync seat cap set at startup; absent leaves the cap stored in the database
    /// (set with `eas-server usage --cap`) unchanged.
    pub seat_cap: Option<u32>,
    /// Failed logins within `failure_window_secs` that lock an account or source out.
    pub max_failed_logins: u32,
    /// The sliding window failed logins are counted over, seconds.
    pub failure_window_secs: u64,
    /// How long logins are refused after too many failures, seconds.
    pub lockout_secs: u64,
    /// The realm of the HTTP Basic challenge.
    pub realm: String,
}

impl Default for AccountsSection {
    fn default() -> Self {
        let throttle = ThrottlePolicy::default();
        AccountsSection {
            seat_cap: None,
            max_failed_logins: throttle.max_failures,
            failure_window_secs: secs_of(throttle.window),
            lockout_secs: secs_of(throttle.lockout),
            realm: HttpConfig::default().realm,
        }
    }
}

/// `[log]`: what is logged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogSection {
    /// A `tracing` EnvFilter directive such as `info` or `info,eas_server::http=debug`.
    pub filter: String,
}

impl Default for LogSection {
    fn default() -> Self {
        LogSection {
            filter: "info".to_owned(),
        }
    }
}

/// Why a configuration could not be used.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not valid TOML or does not fit the schema (unknown key, wrong type).
    #[error("{}: {message}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// The parser's message, with line and column.
        message: String,
    },
    /// A value is out of range or inconsistent with another; the message names the key.
    #[error("invalid configuration: {0}")]
    Invalid(String),
}

fn loopback(port: u16) -> SocketAddr {
    SocketAddr::V4(SocketAddrV4::new(Ipv4Addr::LOCALHOST, port))
}

fn secs_of(d: chrono::Duration) -> u64 {
    u64::try_from(d.num_seconds()).unwrap_or(0)
}

fn invalid(message: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError::Invalid(message.into()))
}

fn check_range<T: PartialOrd + std::fmt::Display>(
    key: &str,
    value: T,
    min: T,
    max: T,
) -> Result<(), ConfigError> {
    if value < min || value > max {
        return invalid(format!("{key} = {value} is outside {min}..={max}"));
    }
    Ok(())
}

fn check_positive<T: PartialOrd + Default + std::fmt::Display>(
    key: &str,
    value: T,
) -> Result<(), ConfigError> {
    if value <= T::default() {
        return invalid(format!("{key} = {value} must be at least 1"));
    }
    Ok(())
}

fn check_policy(key: &str, p: &Policy) -> Result<(), ConfigError> {
    // The ranges MS-ASPROV gives for these elements; a device may reject a policy outside them.
    if let Some(v) = p.min_password_length {
        check_range(&format!("{key}.min_password_length"), v, 1, 16)?;
    }
    if let Some(v) = p.min_complex_characters {
        check_range(&format!("{key}.min_complex_characters"), v, 1, 4)?;
    }
    if let Some(v) = p.max_failed_attempts {
        check_range(&format!("{key}.max_failed_attempts"), v, 4, 16)?;
    }
    Ok(())
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("/var/lib/eas-server"),
            https: HttpsSection::default(),
            lmtp: LmtpSection::default(),
            relay: crate::mailout::RelayConfig::default(),
            smime: SmimeSection::default(),
            metrics: MetricsSection::default(),
            limits: LimitsSection::default(),
            push: PushSection::default(),
            accounts: AccountsSection::default(),
            policy: Policy::default(),
            domain_policy: BTreeMap::new(),
            log: LogSection::default(),
        }
    }
}

impl Config {
    /// The ActiveSync URL phones are given: `https.public_url`, else one made from the
    /// first listen address.
    pub fn public_url(&self) -> String {
        if !self.https.public_url.trim().is_empty() {
            return self.https.public_url.trim().to_string();
        }
        let scheme = if self.https.plain_http {
            "http"
        } else {
            "https"
        };
        match self.https.listen.first() {
            Some(addr) => format!("{scheme}://{addr}/Microsoft-Server-ActiveSync"),
            None => format!("{scheme}://localhost/Microsoft-Server-ActiveSync"),
        }
    }

    /// Reads, parses and validates a configuration file. A relative `data_dir`, `https.cert`
    /// or `https.key` is resolved against the directory of the file, so that the meaning of
    /// the file does not depend on where the server is started from.
    ///
    /// # Errors
    /// [`ConfigError::Io`], [`ConfigError::Parse`] (with line and column),
    /// [`ConfigError::Invalid`].
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        let mut config = Config::parse(&text).map_err(|message| ConfigError::Parse {
            path: path.to_owned(),
            message,
        })?;
        let base = path.parent().unwrap_or(Path::new(""));
        fn resolve(base: &Path, p: &Path) -> PathBuf {
            if p.is_relative() {
                base.join(p)
            } else {
                p.to_owned()
            }
        }
        config.data_dir = resolve(base, &config.data_dir);
        config.https.cert = config.https.cert.as_deref().map(|p| resolve(base, p));
        config.https.key = config.https.key.as_deref().map(|p| resolve(base, p));
        config.validate()?;
        Ok(config)
    }

    /// Parses TOML text without validating it or resolving paths.
    ///
    /// # Errors
    /// The parser's message, with line and column.
    pub fn parse(text: &str) -> Result<Config, String> {
        toml::from_str(text).map_err(|e| e.to_string().trim_end().to_owned())
    }

    /// Checks ranges and consistency; the error message names the offending key.
    ///
    /// # Errors
    /// [`ConfigError::Invalid`].
    pub fn validate(&self) -> Result<(), ConfigError> {
        if self.data_dir.as_os_str().is_empty() {
            return invalid("data_dir must not be empty");
        }

        let https = &self.https;
        if https.listen.is_empty() {
            return invalid("https.listen must name at least one address");
        }
        if https.cert.is_some() != https.key.is_some() {
            return invalid(
                "https.cert and https.key must be given together (or neither, for a generated certificate)",
            );
        }
        if https.plain_http && https.cert.is_some() {
            return invalid(
                "https.plain_http = true serves no TLS, so https.cert and https.key must not be set",
            );
        }

        let lmtp = &self.lmtp;
        if lmtp.listen.is_empty() {
            return invalid("lmtp.listen must name at least one address");
        }
        if lmtp.hostname.trim().is_empty() || lmtp.hostname.chars().any(char::is_whitespace) {
            return invalid(format!(
                "lmtp.hostname = {:?} must be a non-empty name without spaces",
                lmtp.hostname
            ));
        }
        check_positive("lmtp.max_message_bytes", lmtp.max_message_bytes)?;
        check_positive("lmtp.max_recipients", lmtp.max_recipients)?;
        if self.relay.retry_secs.is_empty() || self.relay.retry_secs.contains(&0) {
            return invalid("relay.retry_secs must list positive delays");
        }
        if self.relay.helo.trim().is_empty() || self.relay.helo.contains(char::is_whitespace) {
            return invalid("relay.helo must be a non-empty name without spaces");
        }

        let limits = &self.limits;
        check_positive("limits.max_body_bytes", limits.max_body_bytes)?;
        check_positive("limits.command_timeout_secs", limits.command_timeout_secs)?;
        check_range(
            "limits.max_window",
            limits.max_window,
            1,
            PROTOCOL_MAX_WINDOW,
        )?;
        check_range(
            "limits.default_window",
            limits.default_window,
            1,
            limits.max_window,
        )?;
        check_positive("limits.max_collections", limits.max_collections)?;
        check_positive("limits.client_id_memory", limits.client_id_memory)?;

        let push = &self.push;
        check_range(
            "push.max_heartbeat_secs",
            push.max_heartbeat_secs,
            1,
            PROTOCOL_MAX_HEARTBEAT_SECS,
        )?;
        check_range(
            "push.min_heartbeat_secs",
            push.min_heartbeat_secs,
            1,
            push.max_heartbeat_secs,
        )?;
        check_range(
            "push.max_wait_mins",
            push.max_wait_mins,
            1,
            PROTOCOL_MAX_WAIT_MINS,
        )?;
        check_range(
            "push.min_wait_mins",
            push.min_wait_mins,
            1,
            push.max_wait_mins,
        )?;
        let longest_park = u64::from(push.max_heartbeat_secs.max(push.max_wait_mins * 60));
        if push.max_connection_lifetime_secs < longest_park {
            return invalid(format!(
                "push.max_connection_lifetime_secs = {} is shorter than the longest heartbeat or wait ({longest_park} s)",
                push.max_connection_lifetime_secs
            ));
        }

        let accounts = &self.accounts;
        check_positive("accounts.max_failed_logins", accounts.max_failed_logins)?;
        check_positive("accounts.failure_window_secs", accounts.failure_window_secs)?;
        check_positive("accounts.lockout_secs", accounts.lockout_secs)?;
        // The realm is sent inside a quoted header parameter.
        if accounts.realm.is_empty()
            || accounts
                .realm
                .chars()
                .any(|c| c == '"' || c == '\\' || c.is_control())
        {
            return invalid(format!(
                "accounts.realm = {:?} must be non-empty, without quotes, backslashes or control characters",
                accounts.realm
            ));
        }

        check_policy("policy", &self.policy)?;
        for (domain, policy) in &self.domain_policy {
            check_policy(&format!("domain_policy.\"{domain}\""), policy)?;
        }

        if let Err(e) = tracing_subscriber::EnvFilter::try_new(&self.log.filter) {
            return invalid(format!("log.filter = {:?}: {e}", self.log.filter));
        }
        Ok(())
    }

    /// The device policy of a domain: its `domain_policy` entry (names compared without
    /// regard to case), else `policy`.
    pub fn policy_for(&self, domain: &str) -> &Policy {
        self.domain_policy
            .get(domain)
            .or_else(|| {
                self.domain_policy
                    .iter()
                    .find(|(name, _)| name.eq_ignore_ascii_case(domain))
                    .map(|(_, policy)| policy)
            })
            .unwrap_or(&self.policy)
    }

    /// The settings of the HTTP layer. Parked requests (Ping, Sync `Wait`) are held for at
    /// most `push.max_connection_lifetime_secs`.
    pub fn http_config(&self) -> HttpConfig {
        HttpConfig {
            max_body_bytes: self.limits.max_body_bytes,
            command_timeout: Duration::from_secs(self.limits.command_timeout_secs),
            parked_timeout: Duration::from_secs(self.push.max_connection_lifetime_secs),
            realm: self.accounts.realm.clone(),
            ..HttpConfig::default()
        }
    }

    /// The bounds the sync engine enforces.
    pub fn engine_limits(&self) -> eas_sync_engine::Limits {
        eas_sync_engine::Limits {
            max_window: self.limits.max_window,
            default_window: self.limits.default_window,
            max_collections: self.limits.max_collections,
            min_heartbeat: self.push.min_heartbeat_secs,
            max_heartbeat: self.push.max_heartbeat_secs,
            min_wait: self.push.min_wait_mins,
            max_wait: self.push.max_wait_mins,
            client_id_memory: self.limits.client_id_memory,
        }
    }

    /// How the account directory hashes passwords (production cost) and throttles logins.
    pub fn directory_config(&self) -> DirectoryConfig {
        // Absurdly large values saturate rather than overflow.
        let secs = |s: u64| {
            i64::try_from(s)
                .ok()
                .and_then(chrono::Duration::try_seconds)
                .unwrap_or(chrono::Duration::MAX)
        };
        DirectoryConfig {
            hash_cost: HashCost::PRODUCTION,
            throttle: ThrottlePolicy {
                max_failures: self.accounts.max_failed_logins,
                window: secs(self.accounts.failure_window_secs),
                lockout: secs(self.accounts.lockout_secs),
            },
        }
    }

    /// The SQLite database holding the accounts and the store: `data_dir/eas.sqlite3`.
    pub fn database_path(&self) -> PathBuf {
        self.data_dir.join(DATABASE_FILE)
    }

    /// Where the generated self-signed certificate is kept: `data_dir/tls/`.
    pub fn tls_dir(&self) -> PathBuf {
        self.data_dir.join("tls")
    }

    /// The demo's settings: everything default (loopback listeners on 8443 and 8024,
    /// a generated certificate) with its data under `data_dir`.
    pub fn demo(data_dir: PathBuf) -> Config {
        Config {
            data_dir,
            ..Config::default()
        }
    }
}
