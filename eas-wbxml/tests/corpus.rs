//! Conformance against other people's data.
//!
//! - Every capture whose event stream libwbxml and Horde agree on (`*.expected.canon`) must
//!   decode to exactly that stream.
//! - Every capture both of them reject must be rejected by us too.
//! - Re-encoding the decoded events must give back the original bytes for every capture
//!   that uses no string table.
//!
//! The permissively licensed captures live in `testdata/`. The copyleft ones are read from
//! the shared corpus beside the checkout (`../shared/corpus`, or `$EAS_CORPUS`); when it is
//! absent the tests say so and check what the repository holds.

// Tests may panic on bad data: that is how they fail.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use eas_wbxml::fuzzing::{decode_plain, encode_plain};
use eas_wbxml::{Limits, Reader, canon};

/// Tell the person running the tests something the harness does not swallow (output capture
/// covers `print!`/`eprint!` only, not writes to the stderr handle).
macro_rules! note {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

fn testdata() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata")
}

fn shared_corpus() -> Option<PathBuf> {
    let dir = match std::env::var_os("EAS_CORPUS") {
        Some(d) => PathBuf::from(d),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus"),
    };
    if dir.join("decode-results.tsv").is_file() {
        Some(dir)
    } else {
        note!(
            "NOTE: shared corpus not found at {} (set EAS_CORPUS): only the {} captures in \
             testdata/ are checked; the copyleft captures are skipped",
            dir.display(),
            files_with_suffix(&testdata(), ".wbxml").len()
        );
        None
    }
}

fn files_with_suffix(dir: &Path, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else {
            continue;
        };
        for entry in rd.flatten() {
            let p = entry.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.to_string_lossy().ends_with(suffix) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Check every `*.expected.canon` under `dir`; returns how many were checked.
fn check_agreed(dir: &Path) -> usize {
    let mut failures = Vec::new();
    let canons = files_with_suffix(dir, ".expected.canon");
    for canon_path in &canons {
        let name = canon_path.to_string_lossy();
        let wbxml = PathBuf::from(name.replace(".expected.canon", ".wbxml"));
        let expected = String::from_utf8(read(canon_path)).expect("canon files are text");
        match canon::to_canon(&read(&wbxml), Limits::default()) {
            Ok(got) if got == expected => {}
            Ok(got) => {
                let line = got
                    .lines()
                    .zip(expected.lines())
                    .position(|(a, b)| a != b)
                    .unwrap_or(got.lines().count().min(expected.lines().count()));
                failures.push(format!("{}: differs at event {line}", wbxml.display()));
            }
            Err(e) => failures.push(format!("{}: {e}", wbxml.display())),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    canons.len()
}

#[test]
fn agreed_captures_in_testdata_decode_to_the_agreed_stream() {
    let n = check_agreed(&testdata());
    // cisiqo 3, dalgleish 3, pywbxmldecoder 2, lswbxml 37, sync-response-500, 9 edge cases.
    assert_eq!(n, 55, "testdata should hold 55 agreed captures");
}

#[test]
fn agreed_captures_in_shared_corpus_decode_to_the_agreed_stream() {
    let Some(dir) = shared_corpus() else { return };
    let n = check_agreed(&dir);
    assert_eq!(
        n, 241,
        "the shared corpus README promises 241 agreed captures"
    );
}

/// The verdicts of `decode-results.tsv`: file → (libwbxml ok, horde ok).
fn verdicts(dir: &Path) -> BTreeMap<String, (bool, bool)> {
    let tsv = String::from_utf8(read(&dir.join("decode-results.tsv"))).expect("tsv is text");
    let mut lines = tsv.lines();
    let head: Vec<&str> = lines.next().expect("header").split('\t').collect();
    let col = |name: &str| head.iter().position(|h| *h == name).expect("column");
    let (f, l, h) = (col("file"), col("libwbxml"), col("horde"));
    lines
        .map(|line| {
            let c: Vec<&str> = line.split('\t').collect();
            (
                c[f].to_string(),
                (c[l].starts_with("ok"), c[h].starts_with("ok")),
            )
        })
        .collect()
}

#[test]
fn captures_both_peers_reject_are_rejected() {
    let Some(dir) = shared_corpus() else {
        // The repository's own copies of those documents are checked in tests/edge.rs.
        return;
    };
    let mut rejected = 0;
    let mut wrongly_accepted = Vec::new();
    for (file, (lib_ok, horde_ok)) in verdicts(&dir) {
        if lib_ok || horde_ok {
            continue;
        }
        let doc = read(&dir.join(&file));
        let result = Reader::new(&doc).and_then(|r| r.collect::<Result<Vec<_>, _>>());
        match result {
            Err(_) => rejected += 1,
            Ok(_) => wrongly_accepted.push(file),
        }
    }
    assert!(
        wrongly_accepted.is_empty(),
        "accepted: {wrongly_accepted:?}"
    );
    // 6 Horde fragments without a header, syncgw in04 (an attribute on an EAS tag whose
    // list holds a LITERAL_A), and 5 synthetic cases (header only, headerless body, literal
    // tag with an empty attribute list, truncated, unterminated STR_I).
    assert_eq!(rejected, 12);
}

/// Documents whose bytes must come back unchanged: no string table (the writer writes every
/// string inline), nothing the writer does not emit, and no trailing bytes.
fn check_byte_exact(dir: &Path) -> (usize, Vec<String>) {
    let mut checked = 0;
    let mut failures = Vec::new();
    for path in files_with_suffix(dir, ".wbxml") {
        if path.ends_with("redundant-switch.wbxml") {
            // Deliberately not minimal (three needless SWITCH_PAGEs); tests/edge.rs checks
            // that it re-encodes to the minimal form with the same events.
            continue;
        }
        let doc = read(&path);
        let Ok(reader) = Reader::new(&doc) else {
            continue;
        };
        let header = *reader.header();
        if !header.string_table.is_empty() {
            continue;
        }
        let Ok(Some(events)) = decode_plain(&doc, Limits::strict()) else {
            continue;
        };
        checked += 1;
        match encode_plain(&events, &header) {
            Ok(out) if out == doc => {}
            Ok(out) => {
                let at = out
                    .iter()
                    .zip(&doc)
                    .position(|(a, b)| a != b)
                    .unwrap_or(out.len());
                failures.push(format!("{}: differs at byte {at}", path.display()));
            }
            Err(e) => failures.push(format!("{}: {e}", path.display())),
        }
    }
    (checked, failures)
}

#[test]
fn reencoding_testdata_reproduces_the_bytes() {
    let (checked, failures) = check_byte_exact(&testdata());
    eprintln!("testdata: {checked} documents re-encoded byte for byte");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 40, "only {checked} documents checked");
}

#[test]
fn reencoding_shared_corpus_reproduces_the_bytes() {
    let Some(dir) = shared_corpus() else { return };
    let (checked, failures) = check_byte_exact(&dir);
    eprintln!("shared corpus: {checked} documents re-encoded byte for byte");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 230, "only {checked} documents checked");
}
