//! Print the canonical event dump of a WBXML file (the `*.expected.canon` format of the
//! conformance corpus). Exits non-zero with the error on invalid input.
//!
//! `cargo run -q -p eas-wbxml --example canon -- FILE.wbxml [--strict]`

use std::process::ExitCode;

use eas_wbxml::{Limits, canon};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let strict = args.iter().any(|a| a == "--strict");
    let Some(path) = args.iter().find(|a| !a.starts_with("--")) else {
        eprintln!("usage: canon FILE.wbxml [--strict]");
        return ExitCode::from(2);
    };
    let doc = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("{path}: {e}");
            return ExitCode::from(2);
        }
    };
    let limits = if strict {
        Limits::strict()
    } else {
        Limits::default()
    };
    match canon::to_canon(&doc, limits) {
        Ok(s) => {
            print!("{s}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{path}: {e}");
            ExitCode::FAILURE
        }
    }
}
