//! The load generator against a real server started in this process: every scenario runs
//! at a small size and what it reports is checked against what was done.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use eas_loadgen::device::BodyWanted;
use eas_loadgen::scenarios::{self, InitialOptions, PushOptions, SyncLoadOptions, Target};
use eas_loadgen::setup::{self, SetupOptions};
use eas_server::config::Config;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_scenario_reports_what_happened() {
    let dir = std::env::temp_dir().join(format!("eas-loadgen-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let config_path = setup::setup(&SetupOptions {
        data_dir: dir.clone(),
        accounts: 4,
        https_port: 0,
        lmtp_port: 0,
        big_mailbox: 300,
        message_bytes: 400,
    })
    .unwrap();
    // A second setup into the same directory must refuse rather than mix two runs.
    assert!(
        setup::setup(&SetupOptions {
            data_dir: dir.clone(),
            accounts: 1,
            https_port: 0,
            lmtp_port: 0,
            big_mailbox: 0,
            message_bytes: 0,
        })
        .is_err()
    );
    let config = Config::load(&config_path).unwrap();
    let running = eas_server::app::start(&config, config.directory_config())
        .await
        .unwrap();
    let target = Target {
        url: format!("https://localhost:{}", running.https[0].port()),
        ca: Some(dir.join("tls").join("cert.pem")),
        lmtp: running.lmtp[0],
        accounts: 4,
        server_pid: Some(std::process::id()),
        versions: vec![
            eas_codec::ProtocolVersion::V14_1,
            eas_codec::ProtocolVersion::V16_1,
        ],
    };

    // Push: 12 devices on 4 accounts (3 watch each Inbox), 12 deliveries.
    let push = scenarios::push(
        &target,
        &PushOptions {
            devices: 12,
            deliveries: 12,
            rate: 20.0,
            heartbeat: 300,
            connect_concurrency: 4,
            duration: Duration::from_secs(90),
            send_percent: 50,
            edit_percent: 50,
            message_bytes: 300,
        },
    )
    .await
    .unwrap();
    let table = push.table();
    eprintln!("{table}");
    assert!(push.errors.is_empty(), "{table}");
    assert_eq!(push.devices_ready, 12, "{table}");
    assert_eq!(push.devices_parked_peak, 12, "{table}");
    let d = push.deliveries.as_ref().unwrap();
    assert_eq!(
        (d.delivered, d.seen_by_all, d.missed),
        (12, 12, 0),
        "{table}"
    );
    assert_eq!(d.watchers_per_delivery, 3.0, "{table}");
    assert!(d.to_all_watchers.max_ms >= d.to_all_watchers.p50_ms);
    assert!(
        d.to_all_watchers.p50_ms >= d.to_each_watcher.p50_ms,
        "{table}"
    );
    let count = |name: &str| {
        push.commands
            .iter()
            .find(|c| c.command == name)
            .map_or(0, |c| c.count)
    };
    // Each of the 36 wakes is one Ping answered and at least one Sync; with 50 % each,
    // some devices sent mail and edited contacts (the dice are seeded, so this is stable).
    assert!(count("Ping") >= 36, "{table}");
    assert!(count("Sync") >= 36, "{table}");
    assert!(count("SendMail") > 0, "{table}");
    let memory = push.memory.as_ref().unwrap();
    assert!(memory.peak_kib >= memory.baseline_kib && memory.baseline_kib > 0);
    let json = serde_json::to_value(&push).unwrap();
    assert_eq!(json["deliveries"]["seen_by_all"], 12);

    // No-change Sync: devices in step with their Inbox get nothing new.
    let sync = scenarios::sync(
        &target,
        &SyncLoadOptions {
            devices: 4,
            concurrency: 2,
            duration: Duration::from_secs(2),
            connect_concurrency: 4,
        },
    )
    .await
    .unwrap();
    let table = sync.table();
    assert!(sync.errors.is_empty(), "{table}");
    assert_eq!(sync.devices_ready, 4);
    let syncs = sync.commands.iter().find(|c| c.command == "Sync").unwrap();
    assert!(syncs.count > 10 && syncs.per_sec > 0.0, "{table}");

    // Initial sync of the imported folder: every item once.
    let initial = scenarios::initial(
        &target,
        &InitialOptions {
            account: setup::BIG.into(),
            window: 100,
            body: BodyWanted {
                body_type: 2,
                truncation: 5120,
            },
        },
    )
    .await
    .unwrap();
    let table = initial.table();
    eprintln!("{table}");
    assert!(initial.errors.is_empty(), "{table}");
    let items = initial.items.as_ref().unwrap();
    assert_eq!(items.items, 300, "{table}");
    assert!(items.requests >= 3, "{table}");

    // A device whose account does not exist is refused, and the run says so.
    let stranger = Target {
        accounts: 6,
        ..target.clone()
    };
    let refused = scenarios::sync(
        &stranger,
        &SyncLoadOptions {
            devices: 6,
            concurrency: 1,
            duration: Duration::from_millis(200),
            connect_concurrency: 6,
        },
    )
    .await
    .unwrap();
    assert_eq!(refused.devices_ready, 4, "{}", refused.table());
    assert!(
        refused.errors.keys().any(|k| k == "Provision: HTTP 401"),
        "{}",
        refused.table()
    );

    running.stop().await;
    let _ = std::fs::remove_dir_all(&dir);
}
