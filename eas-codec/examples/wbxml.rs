//! Convert between EAS WBXML and MS-ASCMD-style XML.
//!
//! ```text
//! cargo run -q -p eas-codec --example wbxml -- decode FILE.wbxml          # XML on stdout
//! cargo run -q -p eas-codec --example wbxml -- decode --typed FILE.wbxml  # via the typed model
//! cargo run -q -p eas-codec --example wbxml -- encode FILE.xml            # WBXML on stdout
//! ```
//! `decode --typed` decodes into the typed model and prints the re-encoded document, so a
//! difference from plain `decode` shows what the typed model lost. `--version 14.1` sets the
//! protocol version (default: the newest in which every tag of the document exists).
//! Exits non-zero with the error (and its byte offset) on invalid input.

use std::io::Write as _;
use std::process::ExitCode;

use eas_codec::codec::DecodeOptions;
use eas_codec::{Document, ProtocolVersion};

fn out(bytes: &[u8]) -> Result<(), Box<dyn std::error::Error>> {
    match std::io::stdout().write_all(bytes) {
        // A reader that stops early (`| head`) is not an error of ours.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

fn run(args: &[String]) -> Result<(), Box<dyn std::error::Error>> {
    let typed = args.iter().any(|a| a == "--typed");
    let version = match args.iter().position(|a| a == "--version") {
        Some(i) => Some(
            args.get(i + 1)
                .and_then(|v| ProtocolVersion::parse(v))
                .ok_or("--version takes 2.5, 12.0, 12.1, 14.0, 14.1, 16.0 or 16.1")?,
        ),
        None => None,
    };
    let plain: Vec<&String> = args
        .iter()
        .enumerate()
        .filter(|(i, a)| {
            let is_version_value = *i > 0 && args[i - 1] == "--version";
            !(a.starts_with("--") || is_version_value)
        })
        .map(|(_, a)| a)
        .collect();
    match plain.as_slice() {
        [cmd, file] if *cmd == "decode" => {
            let doc = std::fs::read(file)?;
            if typed {
                let v = version
                    .or_else(|| eas_codec::document::newest_version_for(&doc))
                    .unwrap_or(ProtocolVersion::LATEST);
                let typed = Document::decode(&doc, DecodeOptions::new(v))?;
                eprintln!("decoded as {} for protocol {v}", typed.kind());
                let again = typed.encode(v)?;
                out(eas_codec::xml::wbxml_to_xml(&again)?.as_bytes())
            } else {
                out(eas_codec::xml::wbxml_to_xml(&doc)?.as_bytes())
            }
        }
        [cmd, file] if *cmd == "encode" => {
            let xml = std::fs::read_to_string(file)?;
            out(&eas_codec::xml::xml_to_wbxml(&xml)?)
        }
        _ => Err(
            "usage: wbxml decode [--typed] [--version V] FILE.wbxml | wbxml encode FILE.xml".into(),
        ),
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
