//! Tests of the account directory: inheritance, the seat pool, passwords, throttling and
//! persistence.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::{IpAddr, Ipv4Addr};

use chrono::{DateTime, Duration, TimeZone, Utc};
use eas_server::accounts::{
    self, Admission, AuthError, Directory, DirectoryConfig, DirectoryError, Feature, HashCost,
    Refusal, Setting, Source, Switch, Switches, Target, ThrottlePolicy, resolve,
};

fn config() -> DirectoryConfig {
    DirectoryConfig {
        hash_cost: HashCost::TESTING,
        throttle: ThrottlePolicy::default(),
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap()
}

fn ip(n: u8) -> IpAddr {
    IpAddr::V4(Ipv4Addr::new(192, 0, 2, n))
}

const SWITCHES: [Switch; 4] = [
    Switch::ActiveSync,
    Switch::Email,
    Switch::Contacts,
    Switch::Pim,
];
const SETTINGS: [Setting; 3] = [Setting::Inherit, Setting::Enabled, Setting::Disabled];

fn only(switch: Switch, setting: Setting) -> Switches {
    let mut s = Switches::default();
    s.set(switch, setting);
    s
}

/// Every combination of domain, class and account setting, for every switch, against the
/// rule written out independently: the first explicit level, account first, wins.
#[test]
fn inheritance_table_all_switches_all_levels() {
    for switch in SWITCHES {
        for d in SETTINGS {
            for c in SETTINGS {
                for a in SETTINGS {
                    let (expected, source) = match (a, c, d) {
                        (Setting::Enabled, _, _) => (true, Source::Account),
                        (Setting::Disabled, _, _) => (false, Source::Account),
                        (_, Setting::Enabled, _) => (true, Source::Class),
                        (_, Setting::Disabled, _) => (false, Source::Class),
                        (_, _, Setting::Enabled) => (true, Source::Domain),
                        (_, _, Setting::Disabled) => (false, Source::Domain),
                        _ => (switch != Switch::ActiveSync, Source::Default),
                    };
                    let r = accounts::resolve_switch(
                        &only(switch, d),
                        Some(&only(switch, c)),
                        &only(switch, a),
                        switch,
                    );
                    assert_eq!(
                        (r.enabled, r.source),
                        (expected, source),
                        "{switch:?}: domain={d} class={c} account={a}"
                    );
                }
            }
        }
    }
}

#[test]
fn no_class_skips_the_class_level() {
    let domain = only(Switch::ActiveSync, Setting::Enabled);
    let r = accounts::resolve_switch(&domain, None, &Switches::default(), Switch::ActiveSync);
    assert!(r.enabled);
    assert_eq!(r.source, Source::Domain);
}

#[test]
fn sub_options_are_off_when_activesync_is_off() {
    let domain = Switches {
        activesync: Setting::Disabled,
        email: Setting::Enabled,
        contacts: Setting::Enabled,
        pim: Setting::Enabled,
    };
    let e = resolve(&domain, None, &Switches::default());
    assert!(e.email.enabled, "the sub-option itself resolves to enabled");
    for f in [Feature::Email, Feature::Contacts, Feature::Pim] {
        assert!(!e.allows(f), "{f:?} must be off while ActiveSync is off");
    }
    let e = resolve(&domain, None, &only(Switch::ActiveSync, Setting::Enabled));
    assert!(e.allows(Feature::Email) && e.allows(Feature::Pim));
}

/// The same rule through the database: a domain, a class and an account overriding each
/// other one switch at a time.
#[test]
fn explicit_overrides_through_the_directory() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("Example.COM").unwrap();
    dir.add_class("example.com", "mobile").unwrap();
    let a = dir
        .add_account("alice@example.com", "Alice", Some("mobile"), None)
        .unwrap()
        .id;
    let b = dir
        .add_account("bob@example.com", "Bob", None, None)
        .unwrap()
        .id;

    // Server default: ActiveSync off.
    assert!(!dir.effective(a).unwrap().activesync.enabled);
    dir.set_switch(
        Target::Domain("example.com"),
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    assert_eq!(dir.effective(a).unwrap().activesync.source, Source::Domain);
    // The class disables PIM; bob is not in the class.
    let class = Target::Class {
        domain: "example.com",
        name: "mobile",
    };
    dir.set_switch(class.clone(), Switch::Pim, Setting::Disabled)
        .unwrap();
    assert!(!dir.effective(a).unwrap().allows(Feature::Pim));
    assert!(dir.effective(b).unwrap().allows(Feature::Pim));
    // The account re-enables PIM explicitly.
    dir.set_switch(Target::Account(a), Switch::Pim, Setting::Enabled)
        .unwrap();
    let e = dir.effective(a).unwrap();
    assert!(e.allows(Feature::Pim));
    assert_eq!(e.pim.source, Source::Account);
    // The class disables ActiveSync: everything is off for alice, bob unaffected.
    dir.set_switch(class, Switch::ActiveSync, Setting::Disabled)
        .unwrap();
    let e = dir.effective(a).unwrap();
    assert!(!e.allows(Feature::Pim) && !e.allows(Feature::Email));
    assert_eq!(
        dir.admit(a, t0()).unwrap(),
        Admission::Refused(Refusal::Disabled { by: Source::Class })
    );
    assert_eq!(dir.admit(b, t0()).unwrap(), Admission::Admitted);
    // Contacts off on bob only.
    dir.set_switch(Target::Account(b), Switch::Contacts, Setting::Disabled)
        .unwrap();
    assert!(!dir.allows(b, Feature::Contacts).unwrap());
    assert!(dir.allows(b, Feature::Email).unwrap());
}

#[test]
fn seat_pool_fills_up_first_come_and_frees_seats() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    dir.set_switch(
        Target::Domain("example.com"),
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    dir.set_seat_cap(Some(2)).unwrap();
    let ids: Vec<_> = ["one", "two", "three"]
        .iter()
        .map(|n| {
            dir.add_account(&format!("{n}@example.com"), n, None, None)
                .unwrap()
                .id
        })
        .collect();
    let now = t0();
    assert_eq!(dir.admit(ids[0], now).unwrap(), Admission::Admitted);
    assert_eq!(dir.admit(ids[1], now).unwrap(), Admission::Admitted);
    assert_eq!(
        dir.admit(ids[2], now).unwrap(),
        Admission::Refused(Refusal::NoSeatLeft { cap: 2 })
    );
    let third = dir.account(ids[2]).unwrap();
    assert_eq!(
        third.switches.activesync,
        Setting::Disabled,
        "set explicitly"
    );
    assert!(third.pool_disabled_at.is_some());
    assert!(!dir.allows(ids[2], Feature::Email).unwrap());
    // Reconnecting is refused as disabled at the account level now.
    assert_eq!(
        dir.admit(ids[2], now).unwrap(),
        Admission::Refused(Refusal::Disabled {
            by: Source::Account
        })
    );
    // Seat holders stay in.
    assert_eq!(dir.admit(ids[0], now).unwrap(), Admission::Admitted);
    // The admin cannot enable the third while no seat is free.
    assert!(matches!(
        accounts::account_enable(&mut dir, "three@example.com"),
        Err(DirectoryError::NoSeatFree { cap: 2, used: 2 })
    ));
    // Disabling the first frees a seat; the third, re-enabled, gets in.
    accounts::account_disable(&mut dir, "one@example.com").unwrap();
    assert_eq!(dir.usage().unwrap().used, 1);
    assert_eq!(
        dir.admit(ids[0], now).unwrap(),
        Admission::Refused(Refusal::Disabled {
            by: Source::Account
        })
    );
    let view = accounts::account_enable(&mut dir, "three@example.com").unwrap();
    assert!(view.account.holds_seat);
    assert_eq!(view.account.pool_disabled_at, None);
    assert_eq!(dir.admit(ids[2], now).unwrap(), Admission::Admitted);
    assert!(dir.allows(ids[2], Feature::Email).unwrap());
    let u = dir.usage().unwrap();
    assert_eq!((u.cap, u.used, u.free), (Some(2), 2, Some(0)));
}

#[test]
fn raising_the_cap_lets_pool_disabled_accounts_in() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    dir.set_switch(
        Target::Domain("example.com"),
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    dir.set_seat_cap(Some(1)).unwrap();
    let a = dir
        .add_account("a@example.com", "A", None, None)
        .unwrap()
        .id;
    let b = dir
        .add_account("b@example.com", "B", None, None)
        .unwrap()
        .id;
    assert_eq!(dir.admit(a, t0()).unwrap(), Admission::Admitted);
    assert!(matches!(
        dir.admit(b, t0()).unwrap(),
        Admission::Refused(Refusal::NoSeatLeft { .. })
    ));
    dir.set_seat_cap(Some(2)).unwrap();
    let acct = dir.account(b).unwrap();
    assert_eq!(
        acct.switches.activesync,
        Setting::Inherit,
        "previous setting restored"
    );
    assert_eq!(dir.admit(b, t0()).unwrap(), Admission::Admitted);
    // Disabling ActiveSync at the domain frees every inheriting seat.
    dir.set_switch(
        Target::Domain("example.com"),
        Switch::ActiveSync,
        Setting::Disabled,
    )
    .unwrap();
    assert_eq!(dir.usage().unwrap().used, 0);
    // Lowering the cap below usage keeps seats, gives no new one.
    dir.set_switch(
        Target::Domain("example.com"),
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    dir.admit(a, t0()).unwrap();
    dir.admit(b, t0()).unwrap();
    dir.set_seat_cap(Some(1)).unwrap();
    let u = dir.usage().unwrap();
    assert_eq!((u.used, u.free), (2, Some(0)));
    assert_eq!(dir.admit(a, t0()).unwrap(), Admission::Admitted);
}

#[test]
fn usage_counts_per_domain() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    for d in ["a.example", "b.example", "c.example"] {
        dir.add_domain(d).unwrap();
        dir.set_switch(Target::Domain(d), Switch::ActiveSync, Setting::Enabled)
            .unwrap();
    }
    dir.set_seat_cap(Some(3)).unwrap();
    let mut ids = Vec::new();
    for addr in [
        "x@a.example",
        "y@a.example",
        "z@b.example",
        "w@b.example",
        "v@c.example",
    ] {
        ids.push(dir.add_account(addr, addr, None, None).unwrap().id);
    }
    for id in &ids[..4] {
        dir.admit(*id, t0()).unwrap();
    }
    let u = dir.usage().unwrap();
    assert_eq!((u.cap, u.used, u.free), (Some(3), 3, Some(0)));
    let per: Vec<_> = u
        .domains
        .iter()
        .map(|d| (d.domain.as_str(), d.accounts, d.seats, d.pool_disabled))
        .collect();
    assert_eq!(
        per,
        vec![
            ("a.example", 2, 2, 0),
            ("b.example", 2, 1, 1),
            ("c.example", 1, 0, 0)
        ]
    );
    let report = accounts::usage(&dir).unwrap().to_string();
    assert!(
        report.contains("Cap:  3") && report.contains("Free: 0"),
        "{report}"
    );
    // Removing an account returns its seat.
    dir.remove_account(ids[0]).unwrap();
    assert_eq!(dir.usage().unwrap().used, 2);
}

#[test]
fn passwords_are_argon2id_hashed_and_verified() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    let a = dir
        .add_account("alice@example.com", "Alice", None, Some("s3cret"))
        .unwrap();
    let hash = a.password_hash.clone().unwrap();
    assert!(hash.starts_with("$argon2id$"), "{hash}");
    assert!(!hash.contains("s3cret"));
    assert!(dir.verify_password(a.id, "s3cret").unwrap());
    assert!(!dir.verify_password(a.id, "S3cret").unwrap());
    // Same password, different salt.
    let other = dir
        .add_account("bob@example.com", "Bob", None, Some("s3cret"))
        .unwrap();
    assert_ne!(other.password_hash.unwrap(), hash);
    accounts::account_passwd(&mut dir, "alice@example.com", "new one").unwrap();
    assert!(!dir.verify_password(a.id, "s3cret").unwrap());
    assert!(dir.verify_password(a.id, "new one").unwrap());
    dir.set_password(a.id, None).unwrap();
    assert!(!dir.verify_password(a.id, "new one").unwrap());
    assert!(matches!(
        dir.authenticate("alice@example.com", "", ip(1), t0()),
        Err(AuthError::InvalidCredentials)
    ));
}

#[test]
fn both_login_forms_authenticate() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    dir.add_domain("other.org").unwrap();
    let a = dir
        .add_account("alice@example.com", "Alice", None, Some("pw"))
        .unwrap()
        .id;
    let now = t0();
    assert_eq!(
        dir.authenticate("alice@example.com", "pw", ip(1), now)
            .unwrap(),
        a
    );
    assert_eq!(
        dir.authenticate("Alice@EXAMPLE.com", "pw", ip(1), now)
            .unwrap(),
        a
    );
    assert_eq!(
        dir.authenticate("example.com\\alice", "pw", ip(1), now)
            .unwrap(),
        a
    );
    assert_eq!(
        dir.authenticate("EXAMPLE\\Alice", "pw", ip(1), now)
            .unwrap(),
        a
    );
    for bad in [
        "alice",
        "OTHER\\alice",
        "nobody@example.com",
        "alice@other.org",
    ] {
        assert!(
            matches!(
                dir.authenticate(bad, "pw", ip(2), now),
                Err(AuthError::InvalidCredentials)
            ),
            "{bad}"
        );
    }
    assert!(matches!(
        dir.authenticate("alice@example.com", "wrong", ip(3), now),
        Err(AuthError::InvalidCredentials)
    ));
}

#[test]
fn throttling_per_account_resets_on_success_and_expires() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    let a = dir
        .add_account("alice@example.com", "Alice", None, Some("pw"))
        .unwrap()
        .id;
    let now = t0();
    // 4 failures, then a success resets the account's count.
    for i in 0..4u8 {
        assert!(
            dir.authenticate("alice@example.com", "x", ip(10 + i), now)
                .is_err()
        );
    }
    assert_eq!(
        dir.authenticate("alice@example.com", "pw", ip(20), now)
            .unwrap(),
        a
    );
    for i in 0..4u8 {
        assert!(matches!(
            dir.authenticate("EXAMPLE\\alice", "x", ip(30 + i), now),
            Err(AuthError::InvalidCredentials)
        ));
    }
    // The 5th failure (from yet another address, other login form) locks the account.
    assert!(
        dir.authenticate("alice@example.com", "x", ip(40), now)
            .is_err()
    );
    match dir.authenticate(
        "alice@example.com",
        "pw",
        ip(41),
        now + Duration::minutes(1),
    ) {
        Err(AuthError::Throttled { until }) => assert_eq!(until, now + Duration::minutes(15)),
        other => panic!("expected throttling, got {other:?}"),
    }
    // After the lock-out, the right password works again.
    assert_eq!(
        dir.authenticate(
            "alice@example.com",
            "pw",
            ip(41),
            now + Duration::minutes(16)
        )
        .unwrap(),
        a
    );
    // Failures outside the window do not accumulate.
    let later = now + Duration::hours(2);
    for i in 0..6 {
        assert!(
            dir.authenticate(
                "alice@example.com",
                "x",
                ip(50),
                later + Duration::minutes(i * 10)
            )
            .is_err()
        );
    }
    assert_eq!(
        dir.authenticate(
            "alice@example.com",
            "pw",
            ip(51),
            later + Duration::minutes(55)
        )
        .unwrap(),
        a
    );
}

#[test]
fn throttling_per_source_and_unknown_accounts() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    dir.add_domain("example.com").unwrap();
    let a = dir
        .add_account("alice@example.com", "Alice", None, Some("pw"))
        .unwrap()
        .id;
    let now = t0();
    // One source guessing different (mostly unknown) accounts.
    for i in 0..5 {
        assert!(matches!(
            dir.authenticate(&format!("user{i}@example.com"), "x", ip(7), now),
            Err(AuthError::InvalidCredentials)
        ));
    }
    // That source is refused even with the right password; another source is not.
    assert!(matches!(
        dir.authenticate("alice@example.com", "pw", ip(7), now),
        Err(AuthError::Throttled { .. })
    ));
    assert_eq!(
        dir.authenticate("alice@example.com", "pw", ip(8), now)
            .unwrap(),
        a
    );
    // An unknown account is throttled exactly like a known one.
    for i in 0..5u8 {
        let _ = dir.authenticate("ghost@example.com", "x", ip(100 + i), now);
    }
    assert!(matches!(
        dir.authenticate("ghost@example.com", "x", ip(200), now),
        Err(AuthError::Throttled { .. })
    ));
}

#[test]
fn persistence_across_reopen() {
    let path = std::env::temp_dir().join(format!(
        "eas-accounts-test-{}-{}.sqlite",
        std::process::id(),
        Utc::now().timestamp_nanos_opt().unwrap_or_default()
    ));
    let (a, c) = {
        let mut dir = Directory::open(&path, config()).unwrap();
        dir.add_domain("example.com").unwrap();
        dir.add_class("example.com", "staff").unwrap();
        dir.set_switch(
            Target::Class {
                domain: "example.com",
                name: "staff",
            },
            Switch::ActiveSync,
            Setting::Enabled,
        )
        .unwrap();
        dir.set_seat_cap(Some(1)).unwrap();
        let a = dir
            .add_account("a@example.com", "A", Some("staff"), Some("pw"))
            .unwrap()
            .id;
        let c = dir
            .add_account("c@example.com", "C", Some("staff"), None)
            .unwrap()
            .id;
        dir.set_switch(Target::Account(a), Switch::Email, Setting::Disabled)
            .unwrap();
        assert_eq!(dir.admit(a, t0()).unwrap(), Admission::Admitted);
        assert!(matches!(dir.admit(c, t0()).unwrap(), Admission::Refused(_)));
        (a, c)
    };
    let mut dir = Directory::open(&path, config()).unwrap();
    let acct = dir.account(a).unwrap();
    assert_eq!(acct.address(), "a@example.com");
    assert_eq!(acct.class.as_deref(), Some("staff"));
    assert!(acct.holds_seat);
    assert_eq!(acct.switches.email, Setting::Disabled);
    assert!(dir.verify_password(a, "pw").unwrap());
    assert_eq!(dir.seat_cap().unwrap(), Some(1));
    assert_eq!(
        dir.account(c).unwrap().switches.activesync,
        Setting::Disabled
    );
    assert!(dir.account(c).unwrap().pool_disabled_at.is_some());
    assert_eq!(dir.effective(a).unwrap().activesync.source, Source::Class);
    assert_eq!(dir.admit(a, t0()).unwrap(), Admission::Admitted);
    assert!(!dir.allows(a, Feature::Email).unwrap());
    assert!(dir.allows(a, Feature::Contacts).unwrap());
    assert_eq!(
        dir.authenticate("a@example.com", "pw", ip(1), t0())
            .unwrap(),
        a
    );
    drop(dir);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn admin_api_prints_and_validates() {
    let mut dir = Directory::open_in_memory(config()).unwrap();
    accounts::domain_add(&mut dir, "example.com").unwrap();
    assert!(matches!(
        accounts::domain_add(&mut dir, "example.com"),
        Err(DirectoryError::AlreadyExists { .. })
    ));
    assert!(matches!(
        accounts::domain_add(&mut dir, "bad domain"),
        Err(DirectoryError::Invalid { .. })
    ));
    accounts::class_add(&mut dir, "example.com", "sales").unwrap();
    accounts::class_set(
        &mut dir,
        "example.com",
        "sales",
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    let v = accounts::account_add(&mut dir, "ann@example.com", "Ann", Some("sales"), None).unwrap();
    assert!(v.effective.activesync.enabled);
    let shown = accounts::account_show(&dir, "ann@example.com")
        .unwrap()
        .to_string();
    assert!(
        shown.contains("ann@example.com") && shown.contains("from class"),
        "{shown}"
    );
    let list = accounts::account_list(&dir, Some("example.com")).unwrap();
    assert_eq!(list.0.len(), 1);
    assert!(list.to_string().contains("ann@example.com"));
    assert!(
        accounts::domain_list(&dir)
            .unwrap()
            .to_string()
            .contains("example.com")
    );
    assert!(
        accounts::class_list(&dir, None)
            .unwrap()
            .to_string()
            .contains("sales")
    );
    assert!(matches!(
        accounts::domain_remove(&mut dir, "example.com"),
        Err(DirectoryError::DomainNotEmpty(_))
    ));
    // Removing the class takes the ActiveSync entitlement with it.
    dir.admit(v.account.id, t0()).unwrap();
    accounts::class_remove(&mut dir, "example.com", "sales").unwrap();
    let v = accounts::account_show(&dir, "ann@example.com").unwrap();
    assert!(!v.account.holds_seat && v.account.class.is_none());
    dir.remove_account(v.account.id).unwrap();
    accounts::domain_remove(&mut dir, "example.com").unwrap();
    assert!(accounts::domain_list(&dir).unwrap().0.is_empty());
}

#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn refusal_for_no_seat_is_logged() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::with_default(subscriber, || {
        let mut dir = Directory::open_in_memory(config()).unwrap();
        dir.add_domain("example.com").unwrap();
        dir.set_switch(
            Target::Domain("example.com"),
            Switch::ActiveSync,
            Setting::Enabled,
        )
        .unwrap();
        dir.set_seat_cap(Some(0)).unwrap();
        let a = dir
            .add_account("late@example.com", "Late", None, None)
            .unwrap()
            .id;
        let refusal = match dir.admit(a, t0()).unwrap() {
            Admission::Refused(r) => r,
            Admission::Admitted => panic!("admitted with a cap of 0"),
        };
        assert!(
            refusal.to_string().contains("disabled explicitly"),
            "{refusal}"
        );
    });
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("WARN"), "{log}");
    assert!(
        log.contains("no ActiveSync seat left") && log.contains("late@example.com"),
        "{log}"
    );
}

#[test]
fn unknown_schema_version_is_refused() {
    let conn = rusqlite::Connection::open_in_memory().unwrap();
    conn.execute_batch(
        "CREATE TABLE acct_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
         INSERT INTO acct_meta VALUES ('schema_version', '99');",
    )
    .unwrap();
    assert!(matches!(
        Directory::with_connection(conn, config()),
        Err(DirectoryError::SchemaVersion(99))
    ));
    // A fresh database records the current version, next to other tables it leaves alone.
    let path =
        std::env::temp_dir().join(format!("eas-accounts-schema-{}.sqlite", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("CREATE TABLE store_items (id INTEGER PRIMARY KEY);")
        .unwrap();
    drop(Directory::with_connection(conn, config()).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let v: String = conn
        .query_row(
            "SELECT value FROM acct_meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, accounts::SCHEMA_VERSION.to_string());
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM sqlite_master WHERE name = 'store_items'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 1);
    drop(conn);
    let _ = std::fs::remove_file(&path);
}
