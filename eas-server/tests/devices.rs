//! Device management end to end: the records the admin CLI lists, remote wipe through
//! Provision (full and account-only), block and allow, quarantine rules, resync.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Cursor;

use common::*;
use eas_codec::command::folder::FolderSyncResponse;
use eas_codec::command::provision::{ProvisionRequest, ProvisionResponse, WipeConfirmation};
use eas_codec::command::settings::{
    DeviceInformation, DeviceInformationSet, DeviceProperty, SettingsRequest, SettingsResponse,
};
use eas_server::accounts::HashCost;
use eas_server::cli::{Cli, Outcome, run_with};

fn cli(server: &TestServer, args: &[&str]) -> Result<String, String> {
    use clap::Parser as _;
    let mut argv = vec!["eas-server"];
    argv.extend_from_slice(args);
    let dir = server.config.data_dir.to_str().unwrap().to_string();
    argv.extend_from_slice(&["--data-dir", &dir]);
    let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
    match run_with(cli, &mut Cursor::new(Vec::new()), HashCost::TESTING) {
        Ok(Outcome::Output(text)) => Ok(text),
        Ok(other) => panic!("{other:?}"),
        Err(e) => Err(e.to_string()),
    }
}

async fn folder_sync_status(c: &Client) -> u32 {
    let r: FolderSyncResponse = c.folder_sync("0").await;
    r.status.code()
}

async fn describe(c: &Client, model: &str) {
    let r: SettingsResponse = c
        .call(
            "Settings",
            &SettingsRequest {
                device_information: Some(DeviceInformation {
                    set: DeviceInformationSet {
                        properties: vec![
                            DeviceProperty::Model(model.into()),
                            DeviceProperty::Os("iOS 18.1".into()),
                            DeviceProperty::UserAgent("Apple-iPhone15C2/2201.80".into()),
                        ],
                    },
                }),
                ..SettingsRequest::default()
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_are_listed_and_a_wipe_goes_through_provision() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let mut c = server.client("alice@example.com", "alice-pw", "WIPE1", "14.1");
    c.provision().await;
    describe(&c, "iPhone15,2").await;
    assert_eq!(folder_sync_status(&c).await, 1);

    let list = cli(&server, &["device", "list"]).unwrap();
    assert!(list.contains("alice@example.com  WIPE1"), "{list}");
    assert!(
        list.contains("model=iPhone15,2") && list.contains("version=14.1"),
        "{list}"
    );
    assert!(list.contains("allowed"), "{list}");
    let show = cli(&server, &["device", "show", "alice@example.com", "WIPE1"]).unwrap();
    assert!(
        show.contains("os: iOS 18.1") && show.contains("user agent: Apple-iPhone15C2"),
        "{show}"
    );

    cli(&server, &["device", "wipe", "alice@example.com", "WIPE1"]).unwrap();
    // Every command but Provision: 140.
    assert_eq!(folder_sync_status(&c).await, 140);
    let r: ProvisionResponse = c
        .call(
            "Provision",
            &ProvisionRequest {
                policies: Some(Default::default()),
                ..ProvisionRequest::default()
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
    assert!(r.remote_wipe.is_some(), "{r:?}");
    assert!(r.account_only_remote_wipe.is_none());
    // The device confirms; it is blocked from then on.
    let r: ProvisionResponse = c
        .call(
            "Provision",
            &ProvisionRequest {
                remote_wipe: Some(WipeConfirmation {
                    status: eas_codec::command::provision::RemoteWipeStatus::Success,
                }),
                ..ProvisionRequest::default()
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
    assert_eq!(folder_sync_status(&c).await, 129);
    let show = cli(&server, &["device", "show", "alice@example.com", "WIPE1"]).unwrap();
    assert!(
        show.contains("wipe confirmed") && show.contains("state: wiped"),
        "{show}"
    );

    // Account-only at 16.1.
    let mut d = server.client("alice@example.com", "alice-pw", "WIPE2", "16.1");
    d.provision().await;
    cli(
        &server,
        &[
            "device",
            "wipe",
            "alice@example.com",
            "WIPE2",
            "--account-only",
        ],
    )
    .unwrap();
    let r: ProvisionResponse = d
        .call(
            "Provision",
            &ProvisionRequest {
                policies: Some(Default::default()),
                ..ProvisionRequest::default()
            },
        )
        .await;
    assert!(
        r.account_only_remote_wipe.is_some() && r.remote_wipe.is_none(),
        "{r:?}"
    );

    assert!(cli(&server, &["device", "wipe", "alice@example.com", "NOPE"]).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn block_allow_quarantine_and_resync() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "B1", "14.1");
    assert_eq!(folder_sync_status(&c).await, 1);
    cli(&server, &["device", "block", "alice@example.com", "B1"]).unwrap();
    assert_eq!(folder_sync_status(&c).await, 129);
    // Before 14.0 the refusal is HTTP 403.
    let old = server.client("alice@example.com", "alice-pw", "B1", "12.1");
    let a = old.post_raw("FolderSync", "", b"".to_vec()).await;
    assert_eq!(a.status, 403);
    cli(&server, &["device", "allow", "alice@example.com", "B1"]).unwrap();
    assert_eq!(folder_sync_status(&c).await, 1);

    // A quarantine rule holds new devices of a type until each is allowed.
    let out = cli(
        &server,
        &["device", "rule", "add", "quarantine", "--model", "Galaxy"],
    )
    .unwrap();
    assert!(out.starts_with("rule 1:"), "{out}");
    let q = server.client("bob@example.com", "bob-pw", "Q1", "14.1");
    assert_eq!(
        folder_sync_status(&q).await,
        1,
        "no model known yet: the rule cannot match"
    );
    describe(&q, "Galaxy S24").await;
    assert_eq!(folder_sync_status(&q).await, 129, "quarantined");
    let list = cli(&server, &["device", "list", "bob@example.com"]).unwrap();
    assert!(list.contains("quarantined"), "{list}");
    cli(&server, &["device", "allow", "bob@example.com", "Q1"]).unwrap();
    assert_eq!(folder_sync_status(&q).await, 1);
    assert!(
        cli(&server, &["device", "rule", "list"])
            .unwrap()
            .contains("quarantine model contains \"Galaxy\"")
    );
    cli(&server, &["device", "rule", "remove", "1"]).unwrap();
    assert!(cli(&server, &["device", "rule", "remove", "1"]).is_err());

    // Resync: the device's sync state is gone, its old keys are invalid.
    let inbox = c.folder_of_type(2).await;
    let (key, _) = c.sync_all(&inbox, vec![]).await;
    cli(&server, &["device", "resync", "alice@example.com", "B1"]).unwrap();
    let r = c.sync_one(&inbox, &key, None, vec![]).await;
    assert_eq!(r.status.code(), 3, "the old sync key is no longer known");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_ceilings_limit_options_and_requests() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let new = server.client("alice@example.com", "alice-pw", "V1", "16.1");
    assert_eq!(folder_sync_status(&new).await, 1);
    cli(
        &server,
        &["device", "max-version", "alice@example.com", "14.1"],
    )
    .unwrap();
    // 16.1 is refused with the versions allowed; OPTIONS with credentials lists them.
    let a = new.post_raw("FolderSync", "", b"".to_vec()).await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.headers["ms-asprotocolversions"],
        "2.5,12.0,12.1,14.0,14.1"
    );
    let options = new
        .http
        .request(
            reqwest::Method::OPTIONS,
            format!("{}?DeviceId=V1", new.base),
        )
        .basic_auth("alice@example.com", Some("alice-pw"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        options.headers()["ms-asprotocolversions"],
        "2.5,12.0,12.1,14.0,14.1"
    );
    let anonymous = new
        .http
        .request(reqwest::Method::OPTIONS, new.base.clone())
        .send()
        .await
        .unwrap();
    assert!(
        anonymous.headers()["ms-asprotocolversions"]
            .to_str()
            .unwrap()
            .ends_with("16.1")
    );
    let ok = server.client("alice@example.com", "alice-pw", "V1", "14.1");
    assert_eq!(folder_sync_status(&ok).await, 1);
    // A device ceiling below the account's wins for that device.
    cli(
        &server,
        &[
            "device",
            "max-version",
            "alice@example.com",
            "12.1",
            "--device",
            "V1",
        ],
    )
    .unwrap();
    let a = ok.post_raw("FolderSync", "", b"".to_vec()).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.headers["ms-asprotocolversions"], "2.5,12.0,12.1");
    cli(
        &server,
        &[
            "device",
            "max-version",
            "alice@example.com",
            "none",
            "--device",
            "V1",
        ],
    )
    .unwrap();
    cli(
        &server,
        &["device", "max-version", "alice@example.com", "none"],
    )
    .unwrap();
    assert_eq!(folder_sync_status(&new).await, 1);
    assert!(
        cli(
            &server,
            &["device", "max-version", "alice@example.com", "15.0"]
        )
        .is_err()
    );
}
