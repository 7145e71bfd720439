//! End-to-end: the server on loopback, spoken to over HTTPS + WBXML as a phone would.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::*;
use eas_codec::codec::Binary;
use eas_codec::command::Command;
use eas_codec::command::folder::{
    FolderCreateRequest, FolderCreateResponse, FolderDeleteRequest, FolderDeleteResponse,
    FolderSyncResponse, FolderUpdateRequest, FolderUpdateResponse,
};
use eas_codec::command::item_operations::{
    FetchProperties, FetchRequest, ItemOperation, ItemOperationsRequest, ItemOperationsResponse,
    OperationResult, multipart,
};
use eas_codec::command::move_items::{MoveItem, MoveItemsRequest, MoveItemsResponse};
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse, PingStatus};
use eas_codec::command::sync::{
    ClientAdd, ItemChange, ItemDelete, SyncCollection, SyncCollections, SyncItemResponse,
    SyncRequest, SyncRequestCommand, SyncRequestCommands, SyncResponse, SyncResponseCollection,
    SyncResponseCommand,
};
use eas_codec::data::ApplicationData;
use eas_codec::data::airsyncbase::AttachmentsItem;
use eas_codec::data::contacts::Contact;
use eas_codec::data::email::Email;
use eas_server::accounts::{Setting, Switch, Target};

fn adds(r: &SyncResponseCollection) -> Vec<(String, ApplicationData)> {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter_map(|c| match c {
            SyncResponseCommand::Add(a) => {
                Some((a.server_id.to_string(), a.application_data.clone()))
            }
            _ => None,
        })
        .collect()
}

fn count(r: &SyncResponseCollection, pred: impl Fn(&SyncResponseCommand) -> bool) -> usize {
    r.commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .filter(|c| pred(c))
        .count()
}

fn commands(cmds: Vec<SyncRequestCommand>) -> Option<SyncRequestCommands> {
    Some(SyncRequestCommands { commands: cmds })
}

fn contact(first: &str, last: &str) -> ApplicationData {
    ApplicationData::Contact(Box::new(Contact {
        first_name: Some(first.into()),
        last_name: Some(last.into()),
        email1_address: Some(format!("{}@example.org", first.to_lowercase()).into()),
        ..Contact::default()
    }))
}

const WITH_ATTACHMENT: &str = "From: Carol <carol@example.net>\r\nTo: alice@example.com\r\n\
Subject: report attached\r\nDate: Sun, 22 Nov 2026 07:00:00 +0000\r\n\
Message-ID: <att-1@example.net>\r\nMIME-Version: 1.0\r\n\
Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n--b1\r\n\
Content-Type: text/plain; charset=utf-8\r\n\r\nSee the attachment.\r\n--b1\r\n\
Content-Type: application/octet-stream; name=\"data.bin\"\r\n\
Content-Disposition: attachment; filename=\"data.bin\"\r\n\
Content-Transfer-Encoding: base64\r\n\r\nAAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\r\n--b1--\r\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn provisioning_is_enforced_then_granted() {
    let server = TestServer::start(
        |c| {
            c.policy.allow_non_provisionable_devices = false;
            c.policy.require_password = true;
            c.policy.min_password_length = Some(6);
        },
        |_| {},
    )
    .await;
    // 14.1: the command's own status says "provision first".
    let mut c = server.client("alice@example.com", "alice-pw", "PROV141", "14.1");
    let a = c
        .post(
            "FolderSync",
            &eas_codec::command::folder::FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    assert_eq!(a.status, 200);
    let r: FolderSyncResponse = c.decode(&a.body);
    assert!(
        [141, 142].contains(&r.status.code()),
        "expected a provisioning status, got {:?}",
        r.status
    );
    let key = c.provision().await;
    assert_ne!(key, 0);
    let r = c.folder_sync("0").await;
    assert_eq!(r.status.code(), 1);
    // A wrong key is refused again.
    c.policy_key = Some(key.wrapping_add(1));
    let r: FolderSyncResponse = c.decode(
        &c.post(
            "FolderSync",
            &eas_codec::command::folder::FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await
        .body,
    );
    assert_eq!(r.status.code(), 144, "{r:?}");
    // 12.1: HTTP 449 until provisioned.
    let mut old = server.client("alice@example.com", "alice-pw", "PROV121", "12.1");
    let a = old
        .post(
            "FolderSync",
            &eas_codec::command::folder::FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    assert_eq!(a.status, 449);
    old.provision().await;
    assert_eq!(old.folder_sync("0").await.status.code(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_lost_sync_response_is_replayed_not_lost() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "REPLAY", "16.1");
    let inbox = c.folder_of_type(2).await;
    let first = c.sync_one(&inbox, "0", None, vec![]).await;
    let key1 = first.sync_key.to_string();
    for i in 0..3 {
        let reply = lmtp_deliver(
            server.lmtp(),
            "alice@example.com",
            &message(&format!("m{i}"), "x"),
        )
        .await;
        assert!(reply.starts_with("250"), "{reply}");
    }
    let r1 = c.sync_one(&inbox, &key1, None, vec![]).await;
    assert_eq!(adds(&r1).len(), 3);
    // The device never got r1 and repeats its request: the same answer, same ids.
    let again = c.sync_one(&inbox, &key1, None, vec![]).await;
    assert_eq!(again, r1);
    // It then goes on with the new key and gets nothing twice.
    let next = c.sync_one(&inbox, &r1.sync_key, None, vec![]).await;
    assert_eq!(adds(&next).len(), 0);
    // A key the server never issued is refused with status 3.
    let bad = c.sync_one(&inbox, "999", None, vec![]).await;
    assert_eq!(bad.status.code(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_changes_reach_the_other_device_in_every_class() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let a = server.client("alice@example.com", "alice-pw", "PHONE-A", "16.1");
    let b = server.client("alice@example.com", "alice-pw", "PHONE-B", "14.1");
    let contacts = a.folder_of_type(9).await;
    let (ka, _) = a.sync_all(&contacts, vec![]).await;
    let (kb, _) = b.sync_all(&contacts, vec![]).await;
    // Add from A.
    let r = a
        .sync_one(
            &contacts,
            &ka,
            commands(vec![SyncRequestCommand::Add(ClientAdd {
                client_id: "c1".into(),
                application_data: contact("Dana", "Scully"),
                ..ClientAdd::default()
            })]),
            vec![],
        )
        .await;
    let server_id = match &r.responses.as_ref().unwrap().responses[0] {
        SyncItemResponse::Add(add) => {
            assert_eq!(add.status.code(), 1);
            add.server_id.as_ref().unwrap().to_string()
        }
        other => panic!("{other:?}"),
    };
    let ka = r.sync_key.to_string();
    let rb = b.sync_one(&contacts, &kb, None, vec![]).await;
    let got = adds(&rb);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, server_id);
    match &got[0].1 {
        ApplicationData::Contact(c) => {
            assert_eq!(c.first_name.as_deref(), Some("Dana"));
            assert_eq!(c.last_name.as_deref(), Some("Scully"));
        }
        other => panic!("{other:?}"),
    }
    let kb = rb.sync_key.to_string();
    // Change from A; B sees a Change.
    let r = a
        .sync_one(
            &contacts,
            &ka,
            commands(vec![SyncRequestCommand::Change(ItemChange {
                server_id: server_id.as_str().into(),
                application_data: contact("Dana", "Mulder"),
                ..ItemChange::default()
            })]),
            vec![],
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let ka = r.sync_key.to_string();
    let rb = b.sync_one(&contacts, &kb, None, vec![]).await;
    let changed = rb
        .commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .find_map(|c| match c {
            SyncResponseCommand::Change(ch) => Some(ch.clone()),
            _ => None,
        })
        .expect("a Change");
    match &changed.application_data {
        ApplicationData::Contact(c) => assert_eq!(c.last_name.as_deref(), Some("Mulder")),
        other => panic!("{other:?}"),
    }
    let kb = rb.sync_key.to_string();
    // Delete from A; B sees a Delete.
    let r = a
        .sync_one(
            &contacts,
            &ka,
            commands(vec![SyncRequestCommand::Delete(ItemDelete {
                server_id: server_id.as_str().into(),
                ..ItemDelete::default()
            })]),
            vec![],
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let rb = b.sync_one(&contacts, &kb, None, vec![]).await;
    assert_eq!(
        count(
            &rb,
            |c| matches!(c, SyncResponseCommand::Delete(d) if d.server_id == server_id.as_str())
        ),
        1
    );

    // Calendar, tasks and notes added by A arrive on B.
    let now = chrono::Utc::now();
    let fmt = |t: chrono::DateTime<chrono::Utc>| t.format("%Y%m%dT%H%M%SZ").to_string();
    let items: Vec<(u8, ApplicationData)> = vec![
        (
            8,
            ApplicationData::Calendar(Box::new(eas_codec::data::calendar::Calendar {
                subject: Some("Dentist".into()),
                start_time: Some(fmt(now + chrono::TimeDelta::days(1)).into()),
                end_time: Some(
                    fmt(now + chrono::TimeDelta::days(1) + chrono::TimeDelta::hours(1)).into(),
                ),
                dt_stamp: Some(fmt(now).into()),
                ..Default::default()
            })),
        ),
        (
            7,
            ApplicationData::Task(Box::new(eas_codec::data::tasks::Task {
                subject: Some("Buy milk".into()),
                complete: Some(0),
                ..Default::default()
            })),
        ),
        (
            10,
            ApplicationData::Note(Box::new(eas_codec::data::notes::Note {
                subject: Some("Idea".into()),
                body: Some(eas_codec::data::airsyncbase::Body {
                    body_type: Some(1),
                    data: Some("Write it down".into()),
                    ..Default::default()
                }),
                ..Default::default()
            })),
        ),
    ];
    for (folder_type, data) in items {
        let folder = a.folder_of_type(folder_type).await;
        let (ka, _) = a.sync_all(&folder, vec![]).await;
        let (kb, _) = b.sync_all(&folder, vec![]).await;
        let r = a
            .sync_one(
                &folder,
                &ka,
                commands(vec![SyncRequestCommand::Add(ClientAdd {
                    client_id: "x1".into(),
                    application_data: data,
                    ..ClientAdd::default()
                })]),
                vec![],
            )
            .await;
        match &r.responses.as_ref().unwrap().responses[0] {
            SyncItemResponse::Add(add) => {
                assert_eq!(add.status.code(), 1, "type {folder_type}: {add:?}")
            }
            other => panic!("{other:?}"),
        }
        let rb = b.sync_one(&folder, &kb, None, vec![]).await;
        assert_eq!(
            adds(&rb).len(),
            1,
            "type {folder_type} did not reach B: {rb:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_state_set_on_one_device_shows_on_the_other() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    lmtp_deliver(server.lmtp(), "alice@example.com", &message("unread", "x")).await;
    let a = server.client("alice@example.com", "alice-pw", "RA", "16.1");
    let b = server.client("alice@example.com", "alice-pw", "RB", "16.1");
    let inbox = a.folder_of_type(2).await;
    let (ka, ids) = a.sync_all(&inbox, vec![]).await;
    let (kb, _) = b.sync_all(&inbox, vec![]).await;
    let id = ids[0].clone();
    let r = a
        .sync_one(
            &inbox,
            &ka,
            commands(vec![SyncRequestCommand::Change(ItemChange {
                server_id: id.as_str().into(),
                application_data: ApplicationData::Email(Box::new(Email {
                    read: Some(true),
                    ..Email::default()
                })),
                ..ItemChange::default()
            })]),
            vec![],
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let rb = b.sync_one(&inbox, &kb, None, vec![]).await;
    let read = rb
        .commands
        .iter()
        .flat_map(|c| c.commands.iter())
        .find_map(|c| match c {
            SyncResponseCommand::Change(ch) if ch.server_id == id.as_str() => {
                match &ch.application_data {
                    ApplicationData::Email(e) => e.read,
                    _ => None,
                }
            }
            _ => None,
        });
    assert_eq!(read, Some(true));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attachments_are_fetched_inline_multipart_and_by_get_attachment() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let reply = lmtp_deliver(server.lmtp(), "alice@example.com", WITH_ATTACHMENT).await;
    assert!(reply.starts_with("250"), "{reply}");
    let expected: Vec<u8> = (0u8..32).collect();
    let c = server.client("alice@example.com", "alice-pw", "ATT", "14.1");
    let inbox = c.folder_of_type(2).await;
    let first = c.sync_one(&inbox, "0", None, vec![]).await;
    let r = c.sync_one(&inbox, &first.sync_key, None, vec![]).await;
    let (_, data) = adds(&r).into_iter().next().expect("the message");
    let ApplicationData::Email(email) = data else {
        panic!("not mail")
    };
    let att = email
        .attachments
        .as_ref()
        .and_then(|a| {
            a.items.iter().find_map(|i| match i {
                AttachmentsItem::Attachment(a) => Some(a.clone()),
                _ => None,
            })
        })
        .expect("an attachment");
    assert_eq!(att.display_name.as_deref(), Some("data.bin"));
    let reference = att.file_reference.clone().unwrap().to_string();
    let fetch = ItemOperationsRequest {
        operations: vec![ItemOperation::Fetch(FetchRequest {
            store: "Mailbox".into(),
            file_reference: Some(reference.as_str().into()),
            ..FetchRequest::default()
        })],
    };
    // Inline: the data in the WBXML.
    let resp: ItemOperationsResponse = c.call("ItemOperations", &fetch).await;
    let file = match &resp.response.as_ref().unwrap().results[0] {
        OperationResult::Fetch(f) => {
            assert_eq!(f.status.code(), 1);
            match f.properties.as_ref().unwrap() {
                FetchProperties::File(file) => file.clone(),
                other => panic!("{other:?}"),
            }
        }
        other => panic!("{other:?}"),
    };
    let bytes = match file.data.unwrap() {
        Binary::Opaque(b) => b,
        Binary::Text(t) => base64::engine::general_purpose::STANDARD.decode(t).unwrap(),
    };
    assert_eq!(bytes, expected);
    // Multipart: the data in part 1.
    let mut mp = c.clone();
    mp.version = "14.1".into();
    let body = eas_codec::codec::encode(&fetch, c.protocol()).unwrap();
    let a = c
        .http
        .post(format!(
            "{}?Cmd=ItemOperations&User=alice%40example.com&DeviceId=ATT&DeviceType=TestPhone",
            c.base
        ))
        .basic_auth("alice@example.com", Some("alice-pw"))
        .header("MS-ASProtocolVersion", "14.1")
        .header("MS-ASAcceptMultiPart", "T")
        .header("Content-Type", "application/vnd.ms-sync.wbxml")
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(a.status().as_u16(), 200);
    assert_eq!(
        a.headers()["content-type"],
        "application/vnd.ms-sync.multipart"
    );
    let raw = a.bytes().await.unwrap();
    let parts = multipart::split(&raw).unwrap();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[1], expected.as_slice());
    // GetAttachment (12.1 form).
    let mut old = server.client("alice@example.com", "alice-pw", "ATT12", "12.1");
    old.version = "12.1".into();
    let a = old
        .post_raw(
            "GetAttachment",
            &format!("&AttachmentName={}", urlencode(&reference)),
            Vec::new(),
        )
        .await;
    assert_eq!(a.status, 200, "{a:?}");
    assert_eq!(a.body, expected);
    // An unknown reference is an error, not a panic or another account's data.
    let a = old
        .post_raw("GetAttachment", "&AttachmentName=99999%3A1", Vec::new())
        .await;
    assert_ne!(a.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn moved_mail_leaves_one_folder_and_arrives_in_the_other() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    lmtp_deliver(server.lmtp(), "alice@example.com", &message("move me", "x")).await;
    let a = server.client("alice@example.com", "alice-pw", "MA", "16.1");
    let b = server.client("alice@example.com", "alice-pw", "MB", "16.1");
    let inbox = a.folder_of_type(2).await;
    let trash = a.folder_of_type(4).await;
    let (_, ids) = a.sync_all(&inbox, vec![]).await;
    let (kb_in, _) = b.sync_all(&inbox, vec![]).await;
    let (kb_tr, _) = b.sync_all(&trash, vec![]).await;
    let r: MoveItemsResponse = a
        .call(
            "MoveItems",
            &MoveItemsRequest {
                moves: vec![MoveItem {
                    src_msg_id: ids[0].as_str().into(),
                    src_fld_id: inbox.as_str().into(),
                    dst_fld_id: trash.as_str().into(),
                }],
            },
        )
        .await;
    assert_eq!(r.responses[0].status.code(), 3, "{r:?}");
    let new_id = r.responses[0].dst_msg_id.clone().unwrap().to_string();
    let rin = b.sync_one(&inbox, &kb_in, None, vec![]).await;
    assert_eq!(
        count(&rin, |c| matches!(c, SyncResponseCommand::Delete(_))),
        1
    );
    let rtr = b.sync_one(&trash, &kb_tr, None, vec![]).await;
    let got = adds(&rtr);
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, new_id);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ping_wakes_every_device_watching_the_folder_and_no_other() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let mut clients = Vec::new();
    for dev in ["P1", "P2"] {
        let c = server.client("alice@example.com", "alice-pw", dev, "14.1");
        let inbox = c.folder_of_type(2).await;
        c.sync_all(&inbox, vec![]).await;
        clients.push((c, inbox));
    }
    let cal_client = server.client("alice@example.com", "alice-pw", "P3", "14.1");
    let cal = cal_client.folder_of_type(8).await;
    cal_client.sync_all(&cal, vec![]).await;
    let ping = |id: &str, class: &str| PingRequest {
        heartbeat_interval: Some(300),
        folders: Some(PingFolders {
            folders: vec![PingFolder {
                id: id.into(),
                class: class.into(),
            }],
        }),
    };
    let mut tasks = Vec::new();
    for (c, inbox) in &clients {
        let c = c.clone();
        let p = ping(inbox, "Email");
        tasks.push(tokio::spawn(async move {
            c.call::<_, PingResponse>("Ping", &p).await
        }));
    }
    let cal_ping = {
        let c = cal_client.clone();
        let p = ping(&cal, "Calendar");
        tokio::spawn(async move { c.call::<_, PingResponse>("Ping", &p).await })
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let t0 = Instant::now();
    lmtp_deliver(server.lmtp(), "alice@example.com", &message("wake", "up")).await;
    for t in tasks {
        let r = tokio::time::timeout(Duration::from_secs(5), t)
            .await
            .expect("woken within 5 s")
            .unwrap();
        assert_eq!(r.status, PingStatus::ChangesOccurred);
        assert_eq!(r.folders.unwrap().folders[0].as_str(), clients[0].1);
    }
    eprintln!(
        "both pings answered {:?} after the delivery began",
        t0.elapsed()
    );
    // The calendar watcher is still parked.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!cal_ping.is_finished(), "a calendar Ping was woken by mail");
    // Bob's delivery wakes nobody of Alice's: the calendar ping stays parked too.
    lmtp_deliver(server.lmtp(), "bob@example.com", &message("for bob", "x")).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(!cal_ping.is_finished());
    // Shutdown answers it (status 1) rather than dropping it.
    let mut server = server;
    let running = server.running.take().unwrap();
    let stop = tokio::spawn(running.stop());
    let r = tokio::time::timeout(Duration::from_secs(10), cal_ping)
        .await
        .expect("answered at shutdown")
        .unwrap();
    assert_eq!(r.status, PingStatus::HeartbeatExpired);
    stop.await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_with_wait_parks_until_mail_arrives() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "WAIT", "14.1");
    let inbox = c.folder_of_type(2).await;
    let (key, _) = c.sync_all(&inbox, vec![]).await;
    let req = SyncRequest {
        wait: Some(1),
        collections: Some(SyncCollections {
            collections: vec![SyncCollection {
                sync_key: key.as_str().into(),
                collection_id: inbox.as_str().into(),
                ..SyncCollection::default()
            }],
        }),
        ..SyncRequest::default()
    };
    let c2 = c.clone();
    let task = tokio::spawn(async move { c2.call::<_, SyncResponse>("Sync", &req).await });
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert!(!task.is_finished(), "the Sync did not park");
    lmtp_deliver(server.lmtp(), "alice@example.com", &message("waited", "x")).await;
    let r = tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .expect("answered after the delivery")
        .unwrap();
    let coll = &r.collections.unwrap().collections[0];
    assert_eq!(adds(coll).len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn folders_created_renamed_and_deleted_from_the_device() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let a = server.client("alice@example.com", "alice-pw", "FA", "14.1");
    let b = server.client("alice@example.com", "alice-pw", "FB", "14.1");
    let ka = a
        .folder_sync("0")
        .await
        .sync_key
        .clone()
        .unwrap()
        .to_string();
    let kb = b
        .folder_sync("0")
        .await
        .sync_key
        .clone()
        .unwrap()
        .to_string();
    let r: FolderCreateResponse = a
        .call(
            "FolderCreate",
            &FolderCreateRequest {
                sync_key: ka.as_str().into(),
                parent_id: "0".into(),
                display_name: "Projects".into(),
                folder_type: 12,
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let id = r.server_id.clone().unwrap().to_string();
    let ka = r.sync_key.clone().unwrap().to_string();
    // The same name again is refused.
    let dup: FolderCreateResponse = a
        .call(
            "FolderCreate",
            &FolderCreateRequest {
                sync_key: ka.as_str().into(),
                parent_id: "0".into(),
                display_name: "projects".into(),
                folder_type: 12,
            },
        )
        .await;
    assert_eq!(dup.status.code(), 2, "{dup:?}");
    let r: FolderUpdateResponse = a
        .call(
            "FolderUpdate",
            &FolderUpdateRequest {
                sync_key: ka.as_str().into(),
                server_id: id.as_str().into(),
                parent_id: "0".into(),
                display_name: "Projects 2027".into(),
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let ka = r.sync_key.clone().unwrap().to_string();
    let rb = b.folder_sync(&kb).await;
    let kb = rb.sync_key.clone().unwrap().to_string();
    let names: Vec<String> = rb
        .changes
        .iter()
        .flat_map(|c| c.changes.iter())
        .filter_map(|c| match c {
            eas_codec::command::folder::FolderChange::Add(f) => Some(f.display_name.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(names, vec!["Projects 2027".to_string()]);
    let r: FolderDeleteResponse = a
        .call(
            "FolderDelete",
            &FolderDeleteRequest {
                sync_key: ka.as_str().into(),
                server_id: id.as_str().into(),
            },
        )
        .await;
    assert_eq!(r.status.code(), 1);
    let rb = b.folder_sync(&kb).await;
    assert!(
        rb.changes
            .iter()
            .flat_map(|c| c.changes.iter())
            .any(|c| matches!(
                c,
                eas_codec::command::folder::FolderChange::Delete(d) if d.server_id == id.as_str()
            ))
    );
    // Default folders cannot be deleted.
    let inbox = a.folder_of_type(2).await;
    let ka = a
        .folder_sync("0")
        .await
        .sync_key
        .clone()
        .unwrap()
        .to_string();
    let r: FolderDeleteResponse = a
        .call(
            "FolderDelete",
            &FolderDeleteRequest {
                sync_key: ka.as_str().into(),
                server_id: inbox.as_str().into(),
            },
        )
        .await;
    assert_eq!(r.status.code(), 3, "{r:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn disabled_accounts_and_sub_options_are_refused_and_hidden() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "DIS", "14.1");
    assert_eq!(c.folder_sync("0").await.status.code(), 1);
    let alice = server
        .directory()
        .find_account("alice@example.com")
        .unwrap()
        .unwrap();
    // Contacts off for the domain: the folder disappears.
    server
        .directory()
        .set_switch(
            Target::Domain("example.com"),
            Switch::Contacts,
            Setting::Disabled,
        )
        .unwrap();
    let r = c.folder_sync("0").await;
    let types: Vec<u32> = r
        .changes
        .iter()
        .flat_map(|c| c.changes.iter())
        .filter_map(|c| match c {
            eas_codec::command::folder::FolderChange::Add(f) => Some(f.folder_type),
            _ => None,
        })
        .collect();
    assert!(!types.contains(&9), "{types:?}");
    assert!(types.contains(&2) && types.contains(&8));
    // Email off for Alice alone: no mail folders and GetAttachment refused.
    server
        .directory()
        .set_switch(Target::Account(alice), Switch::Email, Setting::Disabled)
        .unwrap();
    let r = c.folder_sync("0").await;
    let types: Vec<u32> = r
        .changes
        .iter()
        .flat_map(|c| c.changes.iter())
        .filter_map(|c| match c {
            eas_codec::command::folder::FolderChange::Add(f) => Some(f.folder_type),
            _ => None,
        })
        .collect();
    assert!(
        !types.iter().any(|t| [2, 3, 4, 5, 6].contains(t)),
        "{types:?}"
    );
    let a = c
        .post_raw("GetAttachment", "&AttachmentName=1%3A1", Vec::new())
        .await;
    assert_eq!(a.status, 403);
    // ActiveSync off for Alice: 403 for everything.
    server
        .directory()
        .set_switch(
            Target::Account(alice),
            Switch::ActiveSync,
            Setting::Disabled,
        )
        .unwrap();
    let a = c
        .post(
            "FolderSync",
            &eas_codec::command::folder::FolderSyncRequest {
                sync_key: "0".into(),
            },
        )
        .await;
    assert_eq!(a.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_seat_pool_fills_first_come_and_frees_on_disable() {
    let server = TestServer::start(|_| {}, |d| d.set_seat_cap(Some(1)).unwrap()).await;
    let alice = server.client("alice@example.com", "alice-pw", "S1", "14.1");
    let bob = server.client("bob@example.com", "bob-pw", "S2", "14.1");
    assert_eq!(alice.folder_sync("0").await.status.code(), 1);
    let req = eas_codec::command::folder::FolderSyncRequest {
        sync_key: "0".into(),
    };
    assert_eq!(bob.post("FolderSync", &req).await.status, 403);
    let mut dir = server.directory();
    let usage = dir.usage().unwrap();
    assert_eq!((usage.cap, usage.used, usage.free), (Some(1), 1, Some(0)));
    // Bob's option was set explicitly to disabled by the pool.
    let bob_id = dir.find_account("bob@example.com").unwrap().unwrap();
    assert!(dir.account(bob_id).unwrap().pool_disabled_at.is_some());
    // Disabling Alice returns her seat; enabling Bob takes it.
    let alice_id = dir.find_account("alice@example.com").unwrap().unwrap();
    dir.set_switch(
        Target::Account(alice_id),
        Switch::ActiveSync,
        Setting::Disabled,
    )
    .unwrap();
    assert_eq!(dir.usage().unwrap().used, 0);
    dir.set_switch(
        Target::Account(bob_id),
        Switch::ActiveSync,
        Setting::Enabled,
    )
    .unwrap();
    assert_eq!(bob.folder_sync("0").await.status.code(), 1);
    assert_eq!(alice.post("FolderSync", &req).await.status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_user_parameter_naming_another_account_is_refused() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let mut c = server.client("alice@example.com", "alice-pw", "U1", "14.1");
    let req = eas_codec::command::folder::FolderSyncRequest {
        sync_key: "0".into(),
    };
    for (user, status) in [
        ("bob@example.com", 403),
        ("bob", 403),
        ("alice", 200),
        ("ALICE@EXAMPLE.COM", 200),
        ("example\\alice", 200),
    ] {
        c.user = user.into();
        assert_eq!(
            c.post("FolderSync", &req).await.status,
            status,
            "User={user}"
        );
    }
    // Wrong password: 401 with a Basic challenge.
    c.user = "alice@example.com".into();
    c.password = "wrong".into();
    let a = c.post("FolderSync", &req).await;
    assert_eq!(a.status, 401);
    assert!(
        a.headers["www-authenticate"]
            .to_str()
            .unwrap()
            .starts_with("Basic")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_and_unknown_requests_get_defined_answers() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "BAD", "14.1");
    let a = c
        .post_raw("FolderSync", "", vec![0x03, 0x01, 0x6a, 0x00, 0x45, 0xff])
        .await;
    assert_eq!(a.status, 400);
    let a = c.post_raw("Bogus", "", Vec::new()).await;
    assert_eq!(a.status, 501);
    // The server is still fine.
    assert_eq!(c.folder_sync("0").await.status.code(), 1);
    // An LMTP recipient that does not exist is refused at RCPT.
    let reply = lmtp_deliver(server.lmtp(), "nobody@example.com", &message("x", "y")).await;
    assert!(reply.starts_with("550"), "{reply}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imported_maildir_appears_on_the_device() {
    let server = TestServer::start(|_| {}, |_| {}).await;
    let md = server.dir.join("Maildir");
    for sub in [
        "cur",
        "new",
        "tmp",
        ".Archive/cur",
        ".Archive/new",
        ".Archive/tmp",
    ] {
        std::fs::create_dir_all(md.join(sub)).unwrap();
    }
    std::fs::write(md.join("new/1.eml"), message("imported one", "a")).unwrap();
    std::fs::write(md.join("cur/2.eml:2,S"), message("imported two", "b")).unwrap();
    std::fs::write(md.join(".Archive/cur/3.eml:2,"), message("archived", "c")).unwrap();
    let report =
        eas_server::app::run_import(&server.config, "alice@example.com", Some(&md), None, None)
            .unwrap();
    assert_eq!(report.imported, 3, "{report:?}");
    let c = server.client("alice@example.com", "alice-pw", "IMP", "16.1");
    let inbox = c.folder_of_type(2).await;
    let (_, ids) = c.sync_all(&inbox, vec![]).await;
    assert_eq!(ids.len(), 2);
    let r = c.folder_sync("0").await;
    let archive = r
        .changes
        .iter()
        .flat_map(|c| c.changes.iter())
        .find_map(|c| match c {
            eas_codec::command::folder::FolderChange::Add(f) if f.display_name == "Archive" => {
                Some(f.server_id.to_string())
            }
            _ => None,
        })
        .expect("the Archive folder");
    let (_, ids) = c.sync_all(&archive, vec![]).await;
    assert_eq!(ids.len(), 1);
    let _ = Command::Sync;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn settings_acknowledges_device_information_and_names_the_user() {
    use eas_codec::command::settings::{
        DeviceInformation, DeviceInformationSet, DeviceProperty, OofGet, OofRequest,
        SettingsRequest, SettingsResponse, UserInformationRequest,
    };
    let server = TestServer::start(|_| {}, |_| {}).await;
    let c = server.client("alice@example.com", "alice-pw", "SET", "14.1");
    let req = SettingsRequest {
        device_information: Some(DeviceInformation {
            set: DeviceInformationSet {
                properties: vec![
                    DeviceProperty::Model("iPhone15,2".into()),
                    DeviceProperty::Os("iOS 18.1".into()),
                ],
            },
        }),
        user_information: Some(UserInformationRequest::default()),
        oof: Some(OofRequest {
            get: Some(OofGet {
                body_type: "Text".into(),
            }),
            set: None,
        }),
        ..SettingsRequest::default()
    };
    let r: SettingsResponse = c.call("Settings", &req).await;
    assert_eq!(r.status.code(), 1);
    assert_eq!(r.device_information.unwrap().status.unwrap().code(), 1);
    let info = r.user_information.unwrap();
    let get = info.get.unwrap();
    assert_eq!(
        get.email_addresses.unwrap().smtp_address[0].as_str(),
        "alice@example.com"
    );
    let account = &get.accounts.unwrap().account[0];
    assert_eq!(account.user_display_name.as_deref(), Some("Alice"));
    // Out of office was never set: off, with an empty message per audience.
    let oof = r.oof.unwrap();
    assert_eq!(oof.status.unwrap().code(), 1);
    let get = oof.get.unwrap();
    assert_eq!(get.oof_state, Some(0));
    assert_eq!(get.oof_message.len(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn out_of_office_is_kept_and_answers_each_sender_once() {
    use eas_codec::codec::Empty;
    use eas_codec::command::settings::{
        DevicePasswordRequest, DevicePasswordSet, OofGet, OofMessage, OofRequest, OofSettings,
        SettingsRequest, SettingsResponse,
    };
    let server = TestServer::start(|_| {}, |_| {}).await;
    let alice = server.client("alice@example.com", "alice-pw", "OOF", "14.1");
    let bob = server.client("bob@example.com", "bob-pw", "OOFB", "14.1");
    let bob_inbox = bob.folder_of_type(2).await;
    let (mut bob_key, _) = bob.sync_all(&bob_inbox, vec![]).await;

    let set = SettingsRequest {
        oof: Some(OofRequest {
            get: None,
            set: Some(OofSettings {
                oof_state: Some(1),
                oof_message: vec![OofMessage {
                    applies_to_internal: Some(Empty),
                    enabled: Some(true),
                    reply_message: Some("On holiday until Monday.".into()),
                    body_type: Some("Text".into()),
                    ..OofMessage::default()
                }],
                ..OofSettings::default()
            }),
        }),
        device_password: Some(DevicePasswordRequest {
            set: DevicePasswordSet {
                password: "recovery-1234".into(),
            },
        }),
        ..SettingsRequest::default()
    };
    let r: SettingsResponse = alice.call("Settings", &set).await;
    assert_eq!(r.oof.unwrap().status.unwrap().code(), 1);
    assert_eq!(r.device_password.unwrap().status.unwrap().code(), 1);
    // Read back as HTML.
    let get = SettingsRequest {
        oof: Some(OofRequest {
            get: Some(OofGet {
                body_type: "HTML".into(),
            }),
            set: None,
        }),
        ..SettingsRequest::default()
    };
    let r: SettingsResponse = alice.call("Settings", &get).await;
    let got = r.oof.unwrap().get.unwrap();
    assert_eq!(got.oof_state, Some(1));
    let internal = &got.oof_message[0];
    assert!(internal.applies_to_internal.is_some());
    assert_eq!(internal.enabled, Some(true));
    assert_eq!(internal.body_type.as_deref(), Some("HTML"));
    assert!(
        internal
            .reply_message
            .as_deref()
            .unwrap()
            .contains("On holiday until Monday.")
    );

    // Bob writes twice: one automatic reply.
    for subject in ["Lunch?", "Lunch again?"] {
        let reply = lmtp_deliver_from(
            server.lmtp(),
            "bob@example.com",
            "alice@example.com",
            &message(subject, "hi").replace("sender@example.net", "bob@example.com"),
        )
        .await;
        assert!(reply.starts_with("250"), "{reply}");
    }
    let deadline = Instant::now() + Duration::from_secs(10);
    let mut replies = Vec::new();
    while Instant::now() < deadline {
        let r = bob.sync_one(&bob_inbox, &bob_key, None, vec![]).await;
        bob_key = r.sync_key.to_string();
        replies.extend(adds(&r));
        if !replies.is_empty() {
            // Give a wrong second reply the time to show up too.
            tokio::time::sleep(Duration::from_millis(500)).await;
            let r = bob.sync_one(&bob_inbox, &bob_key, None, vec![]).await;
            replies.extend(adds(&r));
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(replies.len(), 1, "{replies:?}");
    match &replies[0].1 {
        ApplicationData::Email(e) => {
            assert_eq!(e.subject.as_deref(), Some("Automatic reply: Lunch?"));
        }
        other => panic!("{other:?}"),
    }
}
