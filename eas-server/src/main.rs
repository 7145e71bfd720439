//! The `eas-server` binary. The server is being assembled (issue 6): until the command-line
//! interface lands, running it says so and exits with status 2 rather than pretending.
use std::process::ExitCode;

fn main() -> ExitCode {
    eprintln!("eas-server: not runnable yet — the server is being assembled (see issue 6)");
    ExitCode::from(2)
}
