//! The command line: `setup`, `push`, `sync`, `initial`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use eas_codec::ProtocolVersion;

use crate::LoadError;
use crate::device::BodyWanted;
use crate::scenarios::{self, InitialOptions, PushOptions, SyncLoadOptions, Target};
use crate::setup::{self, SetupOptions};
use crate::stats::Summary;

/// Simulated phones against an ActiveSync server.
#[derive(Debug, Parser)]
#[command(name = "eas-loadgen", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Make a data directory and server.toml with load-test accounts (u0@load.test …).
    Setup {
        /// The data directory to create.
        #[arg(long)]
        data_dir: PathBuf,
        /// Accounts to create.
        #[arg(long, default_value_t = 100)]
        accounts: usize,
        /// HTTPS port the server will listen on (127.0.0.1).
        #[arg(long, default_value_t = 18443)]
        https_port: u16,
        /// LMTP port the server will listen on (127.0.0.1).
        #[arg(long, default_value_t = 18024)]
        lmtp_port: u16,
        /// Messages to import into big@load.test's Inbox, for `initial`.
        #[arg(long, default_value_t = 0)]
        big_mailbox: usize,
        /// Body bytes of each imported message.
        #[arg(long, default_value_t = 2048)]
        message_bytes: usize,
    },
    /// Devices parked in Ping; mail delivered over LMTP; delivery-to-wake latency.
    Push {
        /// The server.
        #[command(flatten)]
        target: TargetArgs,
        /// Devices to simulate.
        #[arg(long, default_value_t = 1000)]
        devices: usize,
        /// Messages to deliver once the devices are parked.
        #[arg(long, default_value_t = 100)]
        deliveries: u64,
        /// Deliveries per second.
        #[arg(long, default_value_t = 10.0)]
        rate: f64,
        /// Ping heartbeat, seconds.
        #[arg(long, default_value_t = 900)]
        heartbeat: u32,
        /// Devices bringing themselves up at once.
        #[arg(long, default_value_t = 32)]
        connect_concurrency: usize,
        /// Time limit of the run, seconds.
        #[arg(long, default_value_t = 600)]
        duration: u64,
        /// Percent of woken devices that send a message.
        #[arg(long, default_value_t = 5)]
        send_percent: u32,
        /// Percent of woken devices that add or change a contact.
        #[arg(long, default_value_t = 5)]
        edit_percent: u32,
        /// Body bytes of each delivered message.
        #[arg(long, default_value_t = 2048)]
        message_bytes: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// In-sync devices asking for changes as fast as they are answered.
    Sync {
        /// The server.
        #[command(flatten)]
        target: TargetArgs,
        /// Devices, each with its own sync state.
        #[arg(long, default_value_t = 64)]
        devices: usize,
        /// Requests in flight at once.
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        /// Seconds to measure.
        #[arg(long, default_value_t = 20)]
        duration: u64,
        /// Devices bringing themselves up at once.
        #[arg(long, default_value_t = 16)]
        connect_concurrency: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A new device pulls a whole Inbox.
    Initial {
        /// The server.
        #[command(flatten)]
        target: TargetArgs,
        /// The account whose Inbox is pulled.
        #[arg(long, default_value = setup::BIG)]
        account: String,
        /// Items per Sync response (the server caps it at its max_window).
        #[arg(long, default_value_t = 512)]
        window: u32,
        /// Body type asked for: 1 plain text, 2 HTML, 4 MIME.
        #[arg(long, default_value_t = 2)]
        body_type: u8,
        /// Body truncation, bytes.
        #[arg(long, default_value_t = 5120)]
        truncation: u32,
        /// Fail unless exactly this many items arrive.
        #[arg(long)]
        expect: Option<u64>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Where the server is.
#[derive(Debug, Args)]
pub struct TargetArgs {
    /// The server's origin.
    #[arg(long, default_value = "https://localhost:18443")]
    pub url: String,
    /// A CA certificate to trust (setup's data directory has the server's in tls/cert.pem).
    #[arg(long)]
    pub ca: Option<PathBuf>,
    /// The server's LMTP listener.
    #[arg(long, default_value = "127.0.0.1:18024")]
    pub lmtp: SocketAddr,
    /// Accounts made by setup.
    #[arg(long, default_value_t = 100)]
    pub accounts: usize,
    /// The server's process id, to read its memory from /proc.
    #[arg(long)]
    pub server_pid: Option<u32>,
    /// Protocol versions the devices speak, in turn (12.0 or later).
    #[arg(long, value_delimiter = ',', default_value = "14.1,16.1")]
    pub versions: Vec<String>,
}

impl TargetArgs {
    fn target(&self) -> Result<Target, LoadError> {
        let versions = self
            .versions
            .iter()
            .map(|v| match ProtocolVersion::parse(v) {
                Some(p) if p >= ProtocolVersion::V12_0 => Ok(p),
                _ => Err(LoadError::Setup(format!(
                    "protocol version {v}: give 12.0, 12.1, 14.0, 14.1, 16.0 or 16.1"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Target {
            url: self.url.clone(),
            ca: self.ca.clone(),
            lmtp: self.lmtp,
            accounts: self.accounts,
            server_pid: self.server_pid,
            versions,
        })
    }
}

/// Runs a command; returns what to print.
///
/// # Errors
/// Whatever stopped the run.
pub async fn run(cli: Cli) -> Result<String, LoadError> {
    let (summary, json) = match cli.command {
        Command::Setup {
            data_dir,
            accounts,
            https_port,
            lmtp_port,
            big_mailbox,
            message_bytes,
        } => {
            let config = setup::setup(&SetupOptions {
                data_dir: data_dir.clone(),
                accounts,
                https_port,
                lmtp_port,
                big_mailbox,
                message_bytes,
            })?;
            return Ok(format!(
                "{accounts} accounts (u0@{d} … u{last}@{d}, password pw-uN), {sink}, {big}\n\
                 start the server:  eas-server serve --config {config}\n\
                 its certificate:   {cert} (after the first start)\n",
                d = setup::DOMAIN,
                last = accounts.saturating_sub(1),
                sink = setup::SINK,
                big = setup::BIG,
                config = config.display(),
                cert = data_dir.join("tls").join("cert.pem").display(),
            ));
        }
        Command::Push {
            target,
            devices,
            deliveries,
            rate,
            heartbeat,
            connect_concurrency,
            duration,
            send_percent,
            edit_percent,
            message_bytes,
            json,
        } => {
            let opts = PushOptions {
                devices,
                deliveries,
                rate,
                heartbeat,
                connect_concurrency,
                duration: Duration::from_secs(duration),
                send_percent,
                edit_percent,
                message_bytes,
            };
            (scenarios::push(&target.target()?, &opts).await?, json)
        }
        Command::Sync {
            target,
            devices,
            concurrency,
            duration,
            connect_concurrency,
            json,
        } => {
            let opts = SyncLoadOptions {
                devices,
                concurrency,
                duration: Duration::from_secs(duration),
                connect_concurrency,
            };
            (scenarios::sync(&target.target()?, &opts).await?, json)
        }
        Command::Initial {
            target,
            account,
            window,
            body_type,
            truncation,
            expect,
            json,
        } => {
            let opts = InitialOptions {
                account,
                window,
                body: BodyWanted {
                    body_type,
                    truncation,
                },
            };
            let summary = scenarios::initial(&target.target()?, &opts).await?;
            if let (Some(want), Some(items)) = (expect, &summary.items)
                && items.items != want
            {
                return Err(LoadError::Setup(format!(
                    "expected {want} items, received {}\n{}",
                    items.items,
                    summary.table()
                )));
            }
            (summary, json)
        }
    };
    Ok(render(&summary, json))
}

fn render(summary: &Summary, json: bool) -> String {
    if json {
        serde_json::to_string_pretty(summary)
            .map_or_else(|e| format!("{{\"error\": \"{e}\"}}\n"), |s| s + "\n")
    } else {
        summary.table()
    }
}
