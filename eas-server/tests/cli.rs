//! The admin command line: run in-process against a temporary data directory, and once as
//! the real binary.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Cursor;
use std::path::PathBuf;

use clap::Parser as _;
use eas_server::accounts::{Directory, DirectoryConfig, HashCost};
use eas_server::cli::{Cli, Outcome, run_with};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eas-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(dir: &std::path::Path, args: &[&str], stdin: &str) -> Result<String, String> {
    let mut argv = vec!["eas-server"];
    argv.extend_from_slice(args);
    let d = dir.to_str().unwrap();
    argv.extend_from_slice(&["--data-dir", d]);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    match run_with(cli, &mut Cursor::new(stdin.as_bytes()), HashCost::TESTING) {
        Ok(Outcome::Output(text)) => Ok(text),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

#[test]
fn accounts_domains_classes_and_the_seat_pool_from_the_command_line() {
    let dir = temp_dir("admin");
    run(&dir, &["domain", "add", "example.org"], "").unwrap();
    run(&dir, &["domain", "enable", "example.org"], "").unwrap();
    run(&dir, &["class", "add", "example.org", "staff"], "").unwrap();
    run(
        &dir,
        &[
            "account",
            "add",
            "ann@example.org",
            "--name",
            "Ann",
            "--class",
            "staff",
            "--password",
            "first-pw",
        ],
        "",
    )
    .unwrap();
    let shown = run(&dir, &["account", "show", "ann@example.org"], "").unwrap();
    assert!(shown.contains("activesync=on (from domain)"), "{shown}");
    run(
        &dir,
        &["class", "set", "example.org", "staff", "pim", "disabled"],
        "",
    )
    .unwrap();
    let shown = run(&dir, &["account", "show", "ann@example.org"], "").unwrap();
    assert!(
        shown.contains("pim=off"),
        "inherited from the class: {shown}"
    );
    run(
        &dir,
        &["account", "set", "ann@example.org", "pim", "enabled"],
        "",
    )
    .unwrap();
    let shown = run(&dir, &["account", "show", "ann@example.org"], "").unwrap();
    assert!(
        shown.contains("pim=on"),
        "explicit on the account wins: {shown}"
    );
    // A new password from standard input works for login.
    run(
        &dir,
        &["account", "passwd", "ann@example.org", "--password-stdin"],
        "second-pw\n",
    )
    .unwrap();
    let mut d = Directory::open(
        dir.join("eas.sqlite3"),
        DirectoryConfig {
            hash_cost: HashCost::TESTING,
            ..DirectoryConfig::default()
        },
    )
    .unwrap();
    let ip = "127.0.0.1".parse().unwrap();
    assert!(
        d.authenticate("ann@example.org", "second-pw", ip, chrono::Utc::now())
            .is_ok()
    );
    assert!(
        d.authenticate("ann@example.org", "first-pw", ip, chrono::Utc::now())
            .is_err()
    );
    // Usage with a cap.
    let usage = run(&dir, &["usage", "--cap", "3"], "").unwrap();
    assert!(
        usage.contains("Cap:  3") && usage.contains("Free: 3"),
        "{usage}"
    );
    assert!(usage.contains("example.org"), "{usage}");
    // Listing filters by domain; unknown names are errors.
    run(&dir, &["domain", "add", "other.org"], "").unwrap();
    run(
        &dir,
        &["account", "add", "zed@other.org", "--password", "p"],
        "",
    )
    .unwrap();
    let list = run(&dir, &["account", "list", "--domain", "example.org"], "").unwrap();
    assert!(
        list.contains("ann@example.org") && !list.contains("zed@other.org"),
        "{list}"
    );
    assert!(run(&dir, &["account", "show", "nobody@example.org"], "").is_err());
    assert!(run(&dir, &["domain", "show", "nowhere.org"], "").is_err());
    assert!(
        run(
            &dir,
            &["account", "set", "ann@example.org", "bogus", "on"],
            ""
        )
        .is_err()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_binary_reports_usage_and_fails_with_status_1_on_errors() {
    let dir = temp_dir("binary");
    let bin = env!("CARGO_BIN_EXE_eas-server");
    let out = std::process::Command::new(bin)
        .args(["usage", "--data-dir", dir.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ActiveSync seat usage"));
    let out = std::process::Command::new(bin)
        .args([
            "account",
            "show",
            "x@y.org",
            "--data-dir",
            dir.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let out = std::process::Command::new(bin)
        .args(["no-such-command"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let _ = std::fs::remove_dir_all(&dir);
}
