//! The configuration file: the shipped example, validation, paths, per-domain policies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use eas_server::config::{Config, ConfigError};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("eas-config-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn invalid(text: &str) -> String {
    let c = Config::parse(text).unwrap();
    match c.validate() {
        Err(ConfigError::Invalid(m)) => m,
        other => panic!("{text}: expected Invalid, got {other:?}"),
    }
}

#[test]
fn the_shipped_example_is_the_defaults() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config.example.toml");
    let loaded = Config::load(&path).unwrap();
    assert_eq!(
        loaded,
        Config::default(),
        "config.example.toml has drifted from the defaults"
    );
    // And every commented-out key is a real key: uncommenting them all still parses.
    let text = std::fs::read_to_string(&path).unwrap();
    let uncommented: String = text
        .lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.contains(" = ") || rest.starts_with("[domain_policy") => {
                rest.split(" # ").next().unwrap_or(rest).to_string()
            }
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    let all = Config::parse(&uncommented).unwrap();
    assert_eq!(all.accounts.seat_cap, Some(100));
    assert_eq!(all.policy.min_password_length, Some(6));
    assert!(all.policy_for("EXAMPLE.com").require_password);
    assert!(!all.policy_for("other.org").require_password);
}

#[test]
fn each_invalid_value_is_named() {
    for (text, key) in [
        ("data_dir = \"\"", "data_dir"),
        ("[https]\nlisten = []", "https.listen"),
        ("[https]\ncert = \"c.pem\"", "https.cert"),
        ("[lmtp]\nlisten = []", "lmtp.listen"),
        ("[lmtp]\nhostname = \"a b\"", "lmtp.hostname"),
        ("[lmtp]\nmax_recipients = 0", "lmtp.max_recipients"),
        ("[limits]\nmax_window = 513", "limits.max_window"),
        ("[limits]\ndefault_window = 0", "limits.default_window"),
        ("[limits]\nmax_body_bytes = 0", "limits.max_body_bytes"),
        (
            "[push]\nmax_heartbeat_secs = 4000",
            "push.max_heartbeat_secs",
        ),
        (
            "[push]\nmin_heartbeat_secs = 100\nmax_heartbeat_secs = 90",
            "push.min_heartbeat_secs",
        ),
        ("[push]\nmax_wait_mins = 60", "push.max_wait_mins"),
        (
            "[push]\nmax_connection_lifetime_secs = 60",
            "push.max_connection_lifetime_secs",
        ),
        ("[accounts]\nrealm = \"a\\\"b\"", "accounts.realm"),
        (
            "[accounts]\nmax_failed_logins = 0",
            "accounts.max_failed_logins",
        ),
        (
            "[policy]\nmin_password_length = 17",
            "policy.min_password_length",
        ),
        (
            "[policy]\nmax_failed_attempts = 2",
            "policy.max_failed_attempts",
        ),
        (
            "[domain_policy.\"x.org\"]\nmin_complex_characters = 5",
            "domain_policy.\"x.org\"",
        ),
        ("[log]\nfilter = \"=[\"", "log.filter"),
    ] {
        let m = invalid(text);
        assert!(
            m.contains(key),
            "{text:?}: message {m:?} does not name {key}"
        );
    }
    assert!(Config::default().validate().is_ok());
}

#[test]
fn unknown_keys_are_refused_with_their_line() {
    let dir = temp_dir("unknown");
    let path = dir.join("c.toml");
    std::fs::write(&path, "data_dir = \"d\"\n\n[push]\nheartbeat = 5\n").unwrap();
    match Config::load(&path) {
        Err(ConfigError::Parse { message, .. }) => {
            assert!(message.contains("heartbeat"), "{message}");
            assert!(
                message.contains("line 4") || message.contains(":4:") || message.contains("4 |"),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn relative_paths_follow_the_file_and_settings_reach_the_layers() {
    let dir = temp_dir("relative");
    let path = dir.join("c.toml");
    std::fs::write(
        &path,
        "data_dir = \"data\"\n[https]\ncert = \"tls/c.pem\"\nkey = \"/abs/k.pem\"\n\
         [limits]\nmax_body_bytes = 1234\nmax_window = 200\ndefault_window = 50\n\
         [push]\nmin_heartbeat_secs = 120\nmax_connection_lifetime_secs = 4000\n",
    )
    .unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.data_dir, dir.join("data"));
    assert_eq!(c.database_path(), dir.join("data").join("eas.sqlite3"));
    assert_eq!(c.https.cert, Some(dir.join("tls/c.pem")));
    assert_eq!(c.https.key, Some(PathBuf::from("/abs/k.pem")));
    let http = c.http_config();
    assert_eq!(http.max_body_bytes, 1234);
    assert_eq!(http.parked_timeout.as_secs(), 4000);
    let limits = c.engine_limits();
    assert_eq!((limits.max_window, limits.default_window), (200, 50));
    assert_eq!(limits.min_heartbeat, 120);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let e = Config::load(Path::new("/nonexistent/eas.toml")).unwrap_err();
    assert!(matches!(e, ConfigError::Io { .. }));
    assert!(e.to_string().contains("/nonexistent/eas.toml"));
}
