//! The `eas-loadgen` binary: see the crate documentation and README.md.
use std::process::ExitCode;

use clap::Parser as _;

fn main() -> ExitCode {
    let cli = eas_loadgen::cli::Cli::parse();
    // Every simulated device holds a connection: lift the soft open-file limit to the hard one.
    if let Err(e) = rlimit::increase_nofile_limit(u64::MAX) {
        eprintln!("eas-loadgen: cannot raise the open-file limit: {e}");
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("eas-loadgen: cannot start the runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(eas_loadgen::cli::run(cli)) {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("eas-loadgen: {e}");
            ExitCode::from(1)
        }
    }
}
