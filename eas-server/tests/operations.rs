//! Operations: the Prometheus endpoint counts requests, parked Pings, LMTP deliveries and
//! failed logins; `/status` and `eas-server top --once` show who is parked.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Cursor;
use std::time::{Duration, Instant};

use common::*;
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse};
use eas_server::accounts::HashCost;
use eas_server::cli::{Cli, Outcome, run_with};

async fn scrape(addr: std::net::SocketAddr, path: &str) -> String {
    reqwest::get(format!("http://{addr}{path}"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

fn top_once(addr: std::net::SocketAddr) -> String {
    use clap::Parser as _;
    let a = addr.to_string();
    let cli = Cli::try_parse_from(["eas-server", "top", "--metrics", &a, "--once"]).unwrap();
    match run_with(cli, &mut Cursor::new(Vec::new()), HashCost::TESTING) {
        Ok(Outcome::Output(text)) => text,
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_and_top_show_requests_parked_pings_and_deliveries() {
    let server = TestServer::start(
        |c| c.metrics.listen = Some("127.0.0.1:0".parse().unwrap()),
        |_| {},
    )
    .await;
    let addr = server.running().metrics.expect("the metrics listener");
    let c = server.client("alice@example.com", "alice-pw", "OPS1", "14.1");
    let inbox = c.folder_of_type(2).await;
    c.sync_all(&inbox, vec![]).await;
    let wrong = server.client("alice@example.com", "wrong", "OPS2", "14.1");
    let a = wrong.post_raw("FolderSync", "", Vec::new()).await;
    assert_eq!(a.status, 401);

    let text = scrape(addr, "/metrics").await;
    assert!(
        text.contains("eas_requests_total{command=\"FolderSync\",status=\"200\"}"),
        "{text}"
    );
    assert!(
        text.contains("eas_requests_total{command=\"Sync\",status=\"200\"}"),
        "{text}"
    );
    assert!(text.contains("eas_auth_failures_total 1"), "{text}");
    assert!(
        text.contains("eas_parked_requests{command=\"Ping\"} 0"),
        "{text}"
    );

    // A parked Ping shows in the gauge, in /status and in top.
    let pinger = c.clone();
    let folder = inbox.clone();
    let ping = tokio::spawn(async move {
        let req = PingRequest {
            heartbeat_interval: Some(300),
            folders: Some(PingFolders {
                folders: vec![PingFolder {
                    id: folder.as_str().into(),
                    class: "Email".into(),
                }],
            }),
        };
        let r: PingResponse = pinger.call("Ping", &req).await;
        r
    });
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let text = scrape(addr, "/metrics").await;
        if text.contains("eas_parked_requests{command=\"Ping\"} 1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the Ping never showed as parked: {text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let screen = tokio::task::spawn_blocking(move || top_once(addr))
        .await
        .unwrap();
    assert!(
        screen.contains("alice@example.com") && screen.contains("OPS1"),
        "{screen}"
    );
    assert!(screen.contains("Ping"), "{screen}");

    // A delivery answers it; the gauge goes back to 0 and the delivery is counted.
    lmtp_deliver(server.lmtp(), "alice@example.com", &message("wake", "up")).await;
    let answer = tokio::time::timeout(Duration::from_secs(10), ping)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(answer.status.code(), 2);
    let text = scrape(addr, "/metrics").await;
    assert!(
        text.contains("eas_parked_requests{command=\"Ping\"} 0"),
        "{text}"
    );
    assert!(
        text.contains("eas_lmtp_deliveries_total{result=\"ok\"} 1"),
        "{text}"
    );
    assert!(
        text.contains("eas_request_duration_seconds_count{command=\"Ping\"} 1"),
        "{text}"
    );
    let status = scrape(addr, "/status").await;
    assert!(status.contains("\"requests_total\""), "{status}");
}
