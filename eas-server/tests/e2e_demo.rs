//! End-to-end: the demo's content in every class and version, and Ping woken by LMTP.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod common;
use common::*;
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse, PingStatus};
use std::time::{Duration, Instant};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folder_sync_sync_and_ping_woken_by_lmtp() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "DEV1", "14.1");
    let fs = c.folder_sync("0").await;
    assert_eq!(fs.status.code(), 1);
    let inbox = c.folder_of_type(2).await;
    let (key, ids) = c.sync_all(&inbox, vec![]).await;
    assert!(ids.is_empty());
    let reply = lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &message("first", "hello"),
    )
    .await;
    assert!(reply.starts_with("250"), "{reply}");
    let r = c.sync_one(&inbox, &key, None, vec![]).await;
    let n = r.commands.as_ref().map_or(0, |c| c.commands.len());
    assert_eq!(n, 1, "{r:?}");
    let key = r.sync_key.to_string();
    // Ping, woken by a delivery.
    let ping = PingRequest {
        heartbeat_interval: Some(120),
        folders: Some(PingFolders {
            folders: vec![PingFolder {
                id: inbox.as_str().into(),
                class: "Email".into(),
            }],
        }),
    };
    let c2 = c.clone();
    let started = Instant::now();
    let task = tokio::spawn(async move { c2.call::<_, PingResponse>("Ping", &ping).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let t0 = Instant::now();
    let reply = lmtp_deliver(
        server.lmtp(),
        "alice@example.com",
        &message("second", "again"),
    )
    .await;
    assert!(reply.starts_with("250"), "{reply}");
    let resp = tokio::time::timeout(Duration::from_secs(10), task)
        .await
        .unwrap()
        .unwrap();
    eprintln!(
        "ping answered {:?} after delivery, {:?} total",
        t0.elapsed(),
        started.elapsed()
    );
    assert_eq!(resp.status, PingStatus::ChangesOccurred);
    let r = c.sync_one(&inbox, &key, None, vec![]).await;
    assert_eq!(r.commands.as_ref().map_or(0, |c| c.commands.len()), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_content_syncs_in_every_class() {
    let (config, _dir) = test_config(|_| {});
    let creds = eas_server::app::seed_demo(&config, directory_config()).unwrap();
    let running = eas_server::app::start(&config, directory_config())
        .await
        .unwrap();
    let server = TestServer {
        running: Some(running),
        config,
        dir: _dir,
    };
    let (login, pw) = &creds[0];
    for version in ["12.1", "14.1", "16.1"] {
        let c = server.client(
            login,
            pw,
            &format!("DEV{}", version.replace('.', "")),
            version,
        );
        for (t, name) in [
            (2u8, "inbox"),
            (8, "calendar"),
            (9, "contacts"),
            (7, "tasks"),
            (10, "notes"),
            (5, "sent"),
        ] {
            if t == 10 && version == "12.1" {
                continue;
            }
            let id = c.folder_of_type(t).await;
            let (_, ids) = c.sync_all(&id, vec![]).await;
            eprintln!("{version} {name}: {}", ids.len());
            assert!(!ids.is_empty(), "{version} {name} is empty");
        }
    }
}
