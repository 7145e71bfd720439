//! Settings end to end. Out of office: the settings over HTTPS, deliveries over LMTP, and
//! what the sender then finds in their Inbox — nothing outside the time window, nothing for
//! automatic or bulk mail, and exactly one reply to an ordinary message. UserInformation:
//! the pre-14.1 form (addresses only) next to the 14.1 form (Accounts).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use common::*;
use eas_codec::codec::Empty;
use eas_codec::command::settings::{
    OofGet, OofMessage, OofRequest, OofSettings, SettingsRequest, SettingsResponse,
    UserInformationRequest,
};
use eas_codec::command::sync::{SyncResponseCollection, SyncResponseCommand};
use eas_codec::data::ApplicationData;

/// The subjects of the messages added in one Sync response.
fn subjects(r: &SyncResponseCollection) -> Vec<String> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Add(a) => match &a.application_data {
                ApplicationData::Email(e) => Some(e.subject.as_deref().unwrap_or("").to_string()),
                other => panic!("not an e-mail: {other:?}"),
            },
            _ => None,
        })
        .collect()
}

/// Set alice's out of office (`state`, optional window) with an internal message.
async fn set_oof(alice: &Client, state: u8, window: Option<(&str, &str)>) {
    let set = SettingsRequest {
        oof: Some(OofRequest {
            get: None,
            set: Some(OofSettings {
                oof_state: Some(state),
                start_time: window.map(|w| w.0.into()),
                end_time: window.map(|w| w.1.into()),
                oof_message: vec![OofMessage {
                    applies_to_internal: Some(Empty),
                    enabled: Some(true),
                    reply_message: Some("Away this week.".into()),
                    body_type: Some("Text".into()),
                    ..OofMessage::default()
                }],
            }),
        }),
        ..SettingsRequest::default()
    };
    let r: SettingsResponse = alice.call("Settings", &set).await;
    assert_eq!(r.status.code(), 1);
    assert_eq!(r.oof.unwrap().status.unwrap().code(), 1);
}

/// Bob writes to alice over LMTP with extra header lines.
async fn bob_writes(server: &TestServer, subject: &str, extra_headers: &str) {
    let mime = message(subject, "hello")
        .replace("sender@example.net", "bob@example.com")
        .replacen("Subject:", &format!("{extra_headers}Subject:"), 1);
    let reply =
        lmtp_deliver_from(server.lmtp(), "bob@example.com", "alice@example.com", &mime).await;
    assert!(reply.starts_with("250"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_reply_outside_the_window_nor_to_automatic_mail_and_one_to_a_person() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let alice = server.client("alice@example.com", "alice-pw", "OOFW", "14.1");
    let bob = server.client("bob@example.com", "bob-pw", "OOFWB", "14.1");
    let bob_inbox = bob.folder_of_type(2).await;
    let (mut bob_key, _) = bob.sync_all(&bob_inbox, vec![]).await;

    // A window far in the future: the settings read back as timed, and nobody gets a reply.
    let window = ("2099-01-01T00:00:00.000Z", "2099-01-08T00:00:00.000Z");
    set_oof(&alice, 2, Some(window)).await;
    let get = SettingsRequest {
        oof: Some(OofRequest {
            get: Some(OofGet {
                body_type: "Text".into(),
            }),
            set: None,
        }),
        ..SettingsRequest::default()
    };
    let r: SettingsResponse = alice.call("Settings", &get).await;
    let got = r.oof.unwrap().get.unwrap();
    assert_eq!(got.oof_state, Some(2));
    assert_eq!(got.start_time.as_deref(), Some(window.0));
    assert_eq!(got.end_time.as_deref(), Some(window.1));
    bob_writes(&server, "Before the holiday", "").await;

    // On now, but automatic and bulk mail get no reply (RFC 3834).
    set_oof(&alice, 1, None).await;
    bob_writes(
        &server,
        "Vacation notice",
        "Auto-Submitted: auto-replied\r\n",
    )
    .await;
    bob_writes(&server, "Newsletter", "Precedence: bulk\r\n").await;
    // An ordinary message last: its reply is the only one bob may see.
    bob_writes(&server, "Are you there?", "").await;

    let deadline = Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    while Instant::now() < deadline && seen.is_empty() {
        let r = bob.sync_one(&bob_inbox, &bob_key, None, vec![]).await;
        bob_key = r.sync_key.to_string();
        seen.extend(subjects(&r));
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Give any wrong extra reply the time to arrive too.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let r = bob.sync_one(&bob_inbox, &bob_key, None, vec![]).await;
    seen.extend(subjects(&r));
    assert_eq!(seen, vec!["Automatic reply: Are you there?".to_string()]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn user_information_has_accounts_from_14_1_only() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let req = SettingsRequest {
        user_information: Some(UserInformationRequest::default()),
        ..SettingsRequest::default()
    };

    // 14.0: the addresses, no Accounts, no PrimarySmtpAddress.
    let old = server.client("alice@example.com", "alice-pw", "UI140", "14.0");
    let r: SettingsResponse = old.call("Settings", &req).await;
    assert_eq!(r.status.code(), 1);
    let info = r.user_information.unwrap();
    assert_eq!(info.status.unwrap().code(), 1);
    let get = info.get.unwrap();
    let addresses = get.email_addresses.unwrap();
    assert_eq!(addresses.smtp_address.len(), 1);
    assert_eq!(addresses.smtp_address[0].as_str(), "alice@example.com");
    assert!(addresses.primary_smtp_address.is_none());
    assert!(get.accounts.is_none());

    // 14.1: one Account (the primary one, so no AccountId) with name and addresses.
    let new = server.client("alice@example.com", "alice-pw", "UI141", "14.1");
    let r: SettingsResponse = new.call("Settings", &req).await;
    let get = r.user_information.unwrap().get.unwrap();
    let accounts = get.accounts.unwrap().account;
    assert_eq!(accounts.len(), 1);
    let account = &accounts[0];
    assert!(account.account_id.is_none());
    assert_eq!(account.account_name.as_deref(), Some("alice@example.com"));
    assert_eq!(account.user_display_name.as_deref(), Some("Alice"));
    let addresses = account.email_addresses.as_ref().unwrap();
    assert_eq!(addresses.smtp_address[0].as_str(), "alice@example.com");
    assert_eq!(
        addresses.primary_smtp_address.as_deref(),
        Some("alice@example.com")
    );
}
