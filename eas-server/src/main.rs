//! The `eas-server` binary: parses the command line and runs it through [`eas_server::cli`]
//! (administration) or [`eas_server::app`] (the server, the demo, imports). Usage errors
//! exit with status 2 (clap), operational errors with status 1.
use std::process::ExitCode;

use clap::Parser as _;
use eas_server::cli::{self, Cli, MailSource, Outcome, ServerRun};

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli::run(cli) {
        Ok(Outcome::Output(text)) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::RunServer(run)) => match run_server(run) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("eas-server: {e}");
                ExitCode::from(1)
            }
        },
        Ok(Outcome::Top { metrics, interval }) => top(&metrics, interval),
        Err(e) => {
            eprintln!("eas-server: {e}");
            ExitCode::from(1)
        }
    }
}

/// `eas-server top`: redraw the server's status until interrupted.
fn top(metrics: &str, interval: std::time::Duration) -> ExitCode {
    let mut previous = None;
    loop {
        match eas_server::metrics_http::fetch_status(metrics) {
            Ok(status) => {
                // Clear the screen and draw from the top left.
                print!(
                    "\x1b[2J\x1b[H{}",
                    eas_server::metrics::render_top(&status, previous.as_ref())
                );
                previous = Some(status);
            }
            Err(e) => {
                eprintln!("eas-server top: {e}");
                return ExitCode::from(1);
            }
        }
        std::thread::sleep(interval);
    }
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(filter))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .try_init();
}

/// Each phone with a parked Ping holds a connection, hence a file descriptor; the usual soft
/// limit (1024) would refuse the 1025th phone. Raise the soft limit to the hard limit
/// (systemd's `LimitNOFILE=`, or `ulimit -Hn`), which only the administrator can raise.
fn raise_open_file_limit() {
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(limit) if limit < 16_384 => tracing::warn!(
            limit,
            "open-file limit is low: each connected device holds one; raise the hard limit \
             (LimitNOFILE= in the systemd unit, or ulimit -Hn)"
        ),
        Ok(limit) => tracing::info!(limit, "open-file limit"),
        Err(e) => tracing::warn!(error = %e, "cannot raise the open-file limit"),
    }
}

fn run_server(run: ServerRun) -> Result<(), eas_server::app::AppError> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| eas_server::app::AppError::Other(format!("cannot start the runtime: {e}")))?;
    match run {
        ServerRun::Demo { data_dir } => {
            init_logging("info");
            runtime.block_on(eas_server::app::run_demo(data_dir))
        }
        ServerRun::Serve { config } => {
            init_logging(&config.log.filter);
            raise_open_file_limit();
            runtime.block_on(eas_server::app::run_serve(&config))
        }
        ServerRun::Import {
            config,
            account,
            source,
            folder,
        } => {
            init_logging(&config.log.filter);
            let (maildir, mbox) = match &source {
                MailSource::Maildir(p) => (Some(p.as_path()), None),
                MailSource::Mbox(p) => (None, Some(p.as_path())),
            };
            let report =
                eas_server::app::run_import(&config, &account, maildir, mbox, folder.as_deref())?;
            println!(
                "imported {} messages into {account}; {} skipped; folders created: {}",
                report.imported,
                report.skipped.len(),
                if report.folders_created.is_empty() {
                    "none".to_string()
                } else {
                    report.folders_created.join(", ")
                }
            );
            for why in &report.skipped {
                eprintln!("skipped: {why}");
            }
            Ok(())
        }
    }
}
