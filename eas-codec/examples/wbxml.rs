//! Convert between EAS WBXML and MS-ASCMD-style XML.
//!
//! ```text
//! cargo run -q -p eas-codec --example wbxml -- decode FILE.wbxml   # XML on stdout
//! cargo run -q -p eas-codec --example wbxml -- encode FILE.xml     # WBXML on stdout
//! ```
//! Exits non-zero with the error (and its byte offset) on invalid input.

use std::io::Write as _;
use std::process::ExitCode;

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    match args {
        [cmd, file] if cmd == "decode" => {
            let doc = std::fs::read(file)?;
            print!("{}", eas_codec::xml::wbxml_to_xml(&doc)?);
            Ok(())
        }
        [cmd, file] if cmd == "encode" => {
            let xml = std::fs::read_to_string(file)?;
            let doc = eas_codec::xml::xml_to_wbxml(&xml)?;
            std::io::stdout().write_all(&doc)?;
            Ok(())
        }
        _ => Err("usage: wbxml decode FILE.wbxml | wbxml encode FILE.xml".into()),
    }
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
