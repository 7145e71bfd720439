//! `eas-loadgen setup`: a data directory and configuration for a server under test, with
//! numbered accounts, a sink for the devices' outgoing mail and, on request, one account
//! whose Inbox holds a large number of messages.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use eas_server::accounts::{Directory, DirectoryConfig, HashCost, Setting, Switch, Target};
use eas_server::config::Config;

use crate::LoadError;

/// The domain of every load-test account.
pub const DOMAIN: &str = "load.test";
/// Where simulated devices send their mail (no device syncs it, so it wakes no Ping).
pub const SINK: &str = "sink@load.test";
/// The account `setup --big-mailbox` fills.
pub const BIG: &str = "big@load.test";

/// The login of load-test account `n`.
pub fn login(n: usize) -> String {
    format!("u{n}@{DOMAIN}")
}

/// The password of an account: derived from its login, so that a run needs no password
/// file (these are throw-away test accounts).
pub fn password(login: &str) -> String {
    format!("pw-{}", login.split('@').next().unwrap_or(login))
}

/// What `setup` makes.
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// The data directory (created; must not hold a database yet).
    pub data_dir: PathBuf,
    /// Accounts `u0` … `u{n-1}`.
    pub accounts: usize,
    /// HTTPS port on 127.0.0.1.
    pub https_port: u16,
    /// LMTP port on 127.0.0.1.
    pub lmtp_port: u16,
    /// Messages to put in `big@load.test`'s Inbox (0: none).
    pub big_mailbox: usize,
    /// Bytes of body text per message of the big mailbox.
    pub message_bytes: usize,
}

/// Makes the data directory; returns the configuration file written (`server.toml`).
///
/// Passwords are hashed at the cheapest Argon2 cost: the figures are meant to measure
/// syncing, not password hashing (which the server pays once per login and cache period).
///
/// # Errors
/// [`LoadError::Setup`] when the directory already holds a database, or any failure.
pub fn setup(opts: &SetupOptions) -> Result<PathBuf, LoadError> {
    std::fs::create_dir_all(&opts.data_dir)?;
    let data_dir = std::fs::canonicalize(&opts.data_dir)?;
    let config_path = data_dir.join("server.toml");
    let config_text = server_config(&data_dir, opts.https_port, opts.lmtp_port);
    let config = Config::parse(&config_text)
        .map_err(|e| LoadError::Setup(format!("generated configuration: {e}")))?;
    if config.database_path().exists() {
        return Err(LoadError::Setup(format!(
            "{} already holds a database; give an empty directory",
            data_dir.display()
        )));
    }
    std::fs::write(&config_path, config_text)?;
    // The store creates the schema the directory shares.
    drop(eas_server::store::Store::open(config.database_path()).map_err(setup_err)?);
    let mut dir = Directory::open(
        config.database_path(),
        DirectoryConfig {
            hash_cost: HashCost::TESTING,
            ..DirectoryConfig::default()
        },
    )
    .map_err(setup_err)?;
    dir.add_domain(DOMAIN).map_err(setup_err)?;
    dir.set_switch(Target::Domain(DOMAIN), Switch::ActiveSync, Setting::Enabled)
        .map_err(setup_err)?;
    let extra = [SINK.to_string(), BIG.to_string()];
    for login in (0..opts.accounts).map(login).chain(extra) {
        dir.add_account(&login, &login, None, Some(&password(&login)))
            .map_err(setup_err)?;
    }
    drop(dir);
    if opts.big_mailbox > 0 {
        fill_big_mailbox(&config, &data_dir, opts.big_mailbox, opts.message_bytes)?;
    }
    Ok(config_path)
}

fn setup_err(e: impl std::fmt::Display) -> LoadError {
    LoadError::Setup(e.to_string())
}

/// The server configuration of a load test: loopback listeners, quiet logs, generous limits
/// for thousands of parked requests.
fn server_config(data_dir: &Path, https_port: u16, lmtp_port: u16) -> String {
    let mut t = String::new();
    let _ = writeln!(t, "# Written by eas-loadgen setup.");
    let _ = writeln!(t, "data_dir = {:?}", data_dir.display().to_string());
    let _ = writeln!(t, "\n[https]\nlisten = [\"127.0.0.1:{https_port}\"]");
    let _ = writeln!(t, "\n[lmtp]\nlisten = [\"127.0.0.1:{lmtp_port}\"]");
    // Pings longer than any run, so that a run measures pushes, not heartbeats.
    let _ = writeln!(t, "\n[push]\nmax_heartbeat_secs = 3540");
    let _ = writeln!(t, "\n[log]\nfilter = \"warn\"");
    t
}

/// Puts `count` messages into [`BIG`]'s Inbox through the server's own import (an mbox
/// written beside the database and removed afterwards).
fn fill_big_mailbox(
    config: &Config,
    data_dir: &Path,
    count: usize,
    message_bytes: usize,
) -> Result<(), LoadError> {
    let started = Instant::now();
    let mbox = data_dir.join("big-mailbox.mbox");
    {
        use std::io::Write as _;
        let mut out = std::io::BufWriter::new(std::fs::File::create(&mbox)?);
        for i in 0..count {
            let message = crate::lmtp::message(&format!("big-{i}"), message_bytes);
            writeln!(out, "From loadgen@load.test Sun Nov 22 12:00:00 2026")?;
            out.write_all(message.replace("\r\n", "\n").as_bytes())?;
            writeln!(out)?;
        }
        out.flush()?;
    }
    let report =
        eas_server::app::run_import(config, BIG, None, Some(&mbox), None).map_err(setup_err)?;
    std::fs::remove_file(&mbox)?;
    if report.imported != count {
        return Err(LoadError::Setup(format!(
            "imported {} of {count} messages: {:?}",
            report.imported,
            report.skipped.first()
        )));
    }
    eprintln!(
        "eas-loadgen: {count} messages imported into {BIG} in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
