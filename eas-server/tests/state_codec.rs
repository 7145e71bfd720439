//! The DeviceState ↔ BLOB codec: states the engine really produces and hand-built states
//! using every field come back unchanged, big id sets stay small, and damaged input is an
//! error, never a panic.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::codec::{Empty, Toggle};
use eas_codec::command::estimate::{
    EstimateCollection, EstimateCollections, GetItemEstimateRequest,
};
use eas_codec::command::folder::{
    Folder, FolderChange, FolderChanges, FolderCreateRequest, FolderCreateResponse,
    FolderCreateStatus, FolderDelete, FolderDeleteRequest, FolderDeleteResponse,
    FolderDeleteStatus, FolderSyncRequest, FolderSyncResponse, FolderSyncStatus,
    FolderUpdateRequest, FolderUpdateResponse, FolderUpdateStatus,
};
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest};
use eas_codec::command::sync::{
    AddResponse, ChangeResponse, ClientAdd, FetchResponse, ItemChange, ItemDelete, ItemFetch,
    ServerAdd, SyncCollection, SyncCollections, SyncItemResponse, SyncOptions, SyncRequest,
    SyncRequestCommand, SyncRequestCommands, SyncResponseCollection, SyncResponseCommand,
    SyncResponseCommands, SyncResponses, SyncStatus,
};
use eas_codec::data::{
    ApplicationData, Attachment, AttachmentV25, Attachments, AttachmentsItem, AttachmentsV25, Body,
    BodyPartPreference, BodyPreference, Calendar, Contact, Email, Location, Note, Task,
};
use eas_server::store::state_codec::{FORMAT_VERSION, StateCodecError, decode, encode};
use eas_sync_engine::folder::FolderCommandReplay;
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::push::PingState;
use eas_sync_engine::state::{CollectionState, FolderSnapshot, HierarchyState, Refilter, SyncKey};
use eas_sync_engine::{
    Backend, ChangeToken, CollectionId, Context, DeviceId, DeviceState, Engine, ItemId, SyncOutcome,
};
use proptest::prelude::*;

#[track_caller]
fn round_trip(s: &DeviceState) -> Vec<u8> {
    let bytes = encode(s).expect("encode");
    assert_eq!(bytes.first(), Some(&FORMAT_VERSION));
    let back = decode(&bytes).expect("decode");
    assert_eq!(&back, s, "state changed across encode/decode");
    bytes
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn mail(subject: &str, received: DateTime<Utc>) -> ApplicationData {
    ApplicationData::Email(Box::new(Email {
        subject: Some(subject.into()),
        from: Some("alice@example.com".into()),
        date_received: Some(received.format("%Y-%m-%dT%H:%M:%S.000Z").to_string().into()),
        read: Some(false),
        ..Email::default()
    }))
}

// ---- 1. States produced by the engine ----

struct World {
    engine: Engine,
    backend: MemoryBackend,
    state: DeviceState,
    device: DeviceId,
    version: ProtocolVersion,
    now: DateTime<Utc>,
    keys: BTreeMap<String, String>,
    steps: usize,
    /// Whether the last Sync response said more was waiting.
    more: bool,
    /// Which parts of the state some checked state had filled in.
    seen: BTreeSet<&'static str>,
}

impl World {
    fn new(version: ProtocolVersion) -> World {
        World {
            engine: Engine::default(),
            backend: MemoryBackend::with_default_folders(),
            state: DeviceState::default(),
            device: DeviceId::from("dev1"),
            version,
            now: t0(),
            keys: BTreeMap::new(),
            steps: 0,
            more: false,
            seen: BTreeSet::new(),
        }
    }

    fn check(&mut self) {
        round_trip(&self.state);
        let s = &self.state;
        let mut mark = |cond: bool, what: &'static str| {
            if cond {
                self.seen.insert(what);
            }
        };
        mark(s.hierarchy.last.is_some(), "hierarchy.last");
        mark(s.hierarchy.last_command.is_some(), "hierarchy.last_command");
        mark(s.last_sync_request.is_some(), "last_sync_request");
        mark(s.ping.heartbeat.is_some(), "ping");
        for c in s.collections.values() {
            mark(!c.known.is_empty(), "known");
            mark(!c.client_ids.is_empty(), "client_ids");
            mark(!c.client_id_prints.is_empty(), "client_id_prints");
            mark(!c.echo.is_empty(), "echo");
            mark(c.refilter.is_some(), "refilter");
            mark(c.window_checked.is_some(), "window_checked");
            mark(!c.options.is_empty(), "options");
            mark(c.filter_type.is_some(), "filter_type");
            mark(
                c.last.as_ref().is_some_and(|(_, l)| {
                    l.commands.as_ref().is_some_and(|c| !c.commands.is_empty())
                }),
                "last with commands",
            );
            mark(
                c.last.as_ref().is_some_and(|(_, l)| l.responses.is_some()),
                "last with responses",
            );
        }
        self.steps += 1;
    }

    fn folder_sync(&mut self) -> FolderSyncResponse {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = FolderSyncRequest {
            sync_key: self.state.hierarchy.key.to_wire().into(),
        };
        let r = self
            .engine
            .folder_sync(&ctx, &mut self.state, &mut self.backend, &req);
        assert_eq!(r.status, FolderSyncStatus::Success);
        self.check();
        r
    }

    fn folder_create(&mut self, name: &str) {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = FolderCreateRequest {
            sync_key: self.state.hierarchy.key.to_wire().into(),
            parent_id: "0".into(),
            display_name: name.into(),
            folder_type: 12,
        };
        let r = self
            .engine
            .folder_create(&ctx, &mut self.state, &mut self.backend, &req);
        assert_eq!(r.status, FolderCreateStatus::Success);
        assert!(matches!(
            self.state.hierarchy.last_command,
            Some((_, FolderCommandReplay::Create(..)))
        ));
        self.check();
    }

    fn sync(&mut self, id: &CollectionId, filter: Option<u32>, cmds: Vec<SyncRequestCommand>) {
        let options = match filter {
            Some(f) => vec![SyncOptions {
                filter_type: Some(f),
                body_preference: if self.version >= ProtocolVersion::V12_0 {
                    vec![BodyPreference {
                        body_type: 1,
                        truncation_size: Some(512),
                        all_or_none: None,
                        preview: None,
                    }]
                } else {
                    Vec::new()
                },
                ..SyncOptions::default()
            }],
            None => Vec::new(),
        };
        let req = SyncRequest {
            collections: Some(SyncCollections {
                collections: vec![SyncCollection {
                    sync_key: self
                        .keys
                        .get(id.as_str())
                        .cloned()
                        .unwrap_or_else(|| "0".into())
                        .into(),
                    collection_id: id.as_str().into(),
                    get_changes: None,
                    window_size: Some(5),
                    options,
                    commands: (!cmds.is_empty()).then(|| SyncRequestCommands { commands: cmds }),
                    ..SyncCollection::default()
                }],
            }),
            ..SyncRequest::default()
        };
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let out = self
            .engine
            .sync(&ctx, &mut self.state, &mut self.backend, &req);
        let SyncOutcome::Respond(r) = out else {
            panic!("expected a response, got {out:?}");
        };
        self.more = false;
        for c in r.collections.iter().flat_map(|c| &c.collections) {
            assert_eq!(c.status, SyncStatus::Success, "{c:?}");
            self.more |= c.more_available.is_some();
            self.keys
                .insert(c.collection_id.to_string(), c.sync_key.to_string());
        }
        self.check();
    }

    fn sync_until_done(&mut self, id: &CollectionId) {
        for _ in 0..20 {
            self.sync(id, None, Vec::new());
            if !self.more {
                return;
            }
        }
        panic!("sync never caught up");
    }

    fn ping(&mut self, folders: &[&CollectionId]) {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = PingRequest {
            heartbeat_interval: Some(480),
            folders: Some(PingFolders {
                folders: folders
                    .iter()
                    .map(|id| PingFolder {
                        id: id.as_str().into(),
                        class: "Email".into(),
                    })
                    .collect(),
            }),
        };
        let before = self.state.ping.generation;
        let _ = self
            .engine
            .ping(&ctx, &mut self.state, &mut self.backend, &req);
        assert!(self.state.ping.generation > before);
        assert_eq!(self.state.ping.heartbeat, Some(480));
        self.check();
    }

    fn estimate(&mut self, id: &CollectionId) {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = GetItemEstimateRequest {
            collections: EstimateCollections {
                collections: vec![EstimateCollection {
                    sync_key: self.keys.get(id.as_str()).map(|k| k.as_str().into()),
                    collection_id: id.as_str().into(),
                    ..EstimateCollection::default()
                }],
            },
        };
        let _ = self
            .engine
            .get_item_estimate(&ctx, &self.state, &self.backend, &req);
        self.check();
    }
}

fn engine_scenario(version: ProtocolVersion) {
    let mut w = World::new(version);
    w.check(); // the default state
    let inbox = w.backend.folder_of_type(2).unwrap();
    let old = t0() - TimeDelta::days(20);
    // Half of them outside the one-week window set later: more SoftDeletes than a window.
    for i in 0..24 {
        let when = if i % 2 == 0 {
            old
        } else {
            t0() - TimeDelta::hours(i)
        };
        w.backend
            .server_add(&inbox, mail(&format!("m{i}"), when))
            .unwrap();
    }
    w.folder_sync();
    w.folder_create("Projects");
    w.folder_sync();
    // A folder made on the server side: the FolderSync response is kept for replay.
    w.backend.create_folder(None, "Shared", 12).unwrap();
    w.folder_sync();

    // Initial sync, then windows of server adds.
    w.sync(&inbox, None, Vec::new());
    w.sync_until_done(&inbox);
    assert!(!w.state.collections[&inbox].known.is_empty());

    // More from the server: add, change, delete.
    let ids: Vec<ItemId> = w.state.collections[&inbox].known.iter().cloned().collect();
    w.backend.server_add(&inbox, mail("late", t0())).unwrap();
    w.backend
        .server_change(&inbox, &ids[0], mail("edited", t0()))
        .unwrap();
    w.backend.server_delete(&inbox, &ids[1]).unwrap();
    w.sync_until_done(&inbox);

    // Client Add with a ClientId, Change and Delete, while more server adds wait than fit
    // in the response: the writes stay ahead of the cursor, as echoes.
    for i in 0..8 {
        w.backend
            .server_add(&inbox, mail(&format!("burst{i}"), t0()))
            .unwrap();
    }
    let ids: Vec<ItemId> = w.state.collections[&inbox].known.iter().cloned().collect();
    w.sync(
        &inbox,
        None,
        vec![
            SyncRequestCommand::Add(ClientAdd {
                class: None,
                client_id: "c1".into(),
                application_data: mail("from phone", t0()),
            }),
            SyncRequestCommand::Change(ItemChange {
                class: None,
                server_id: ids[0].as_str().into(),
                application_data: ApplicationData::Email(Box::new(Email {
                    read: Some(true),
                    ..Email::default()
                })),
            }),
            SyncRequestCommand::Delete(ItemDelete {
                class: None,
                server_id: ids[1].as_str().into(),
                instance_id: None,
            }),
        ],
    );
    let c = &w.state.collections[&inbox];
    assert!(c.client_ids.contains_key("c1"), "{c:?}");
    assert!(!c.echo.is_empty(), "{c:?}");
    w.sync_until_done(&inbox);

    // A FilterType change (3 days), with a small window so it spans responses.
    w.sync(&inbox, Some(3), Vec::new());
    w.sync_until_done(&inbox);

    w.ping(&[&inbox]);
    w.estimate(&inbox);

    // The other classes, as the backend renders them for this version.
    let others: [(u8, ApplicationData); 4] = [
        (
            8,
            ApplicationData::Calendar(Box::new(Calendar {
                subject: Some("Standup".into()),
                location: Some("Room 1".into()),
                start_time: Some("20261123T090000Z".into()),
                ..Calendar::default()
            })),
        ),
        (
            9,
            ApplicationData::Contact(Box::new(Contact {
                first_name: Some("Ada".into()),
                file_as: Some("Lovelace, Ada".into()),
                ..Contact::default()
            })),
        ),
        (
            7,
            ApplicationData::Task(Box::new(Task {
                subject: Some("Write tests".into()),
                ..Task::default()
            })),
        ),
        (
            10,
            ApplicationData::Note(Box::new(Note {
                subject: Some("Remember".into()),
                ..Note::default()
            })),
        ),
    ];
    for (folder_type, data) in others {
        let folder = w.backend.folder_of_type(folder_type).unwrap();
        w.backend.server_add(&folder, data).unwrap();
        w.sync(&folder, None, Vec::new());
        w.sync_until_done(&folder);
        assert_eq!(w.state.collections[&folder].known.len(), 1);
    }

    // Time passes: the date window moves (an expiry check).
    w.now += TimeDelta::days(2);
    w.sync_until_done(&inbox);
    w.ping(&[&inbox]);
    assert!(w.steps > 15);
    let expected: BTreeSet<&str> = [
        "hierarchy.last",
        "hierarchy.last_command",
        "last_sync_request",
        "ping",
        "known",
        "client_ids",
        "client_id_prints",
        "echo",
        "refilter",
        "window_checked",
        "options",
        "filter_type",
        "last with commands",
        "last with responses",
    ]
    .into();
    let missed: Vec<_> = expected.difference(&w.seen).collect();
    assert!(
        missed.is_empty(),
        "{version:?}: no checked state had {missed:?}"
    );
}

#[test]
fn engine_states_round_trip_at_2_5() {
    engine_scenario(ProtocolVersion::V2_5);
}

#[test]
fn engine_states_round_trip_at_12_1() {
    engine_scenario(ProtocolVersion::V12_1);
}

#[test]
fn engine_states_round_trip_at_14_1() {
    engine_scenario(ProtocolVersion::V14_1);
}

#[test]
fn engine_states_round_trip_at_16_1() {
    engine_scenario(ProtocolVersion::V16_1);
}

// ---- 2. Hand-built states using every field ----

fn full_mail_v12() -> ApplicationData {
    ApplicationData::Email(Box::new(Email {
        to: Some("\"Bob\" <bob@example.com>".into()),
        from: Some("alice@example.com".into()),
        subject: Some("Quarterly — ünïcödé 📎".into()),
        date_received: Some("2026-11-22T12:00:00.000Z".into()),
        importance: Some(1),
        read: Some(true),
        body: Some(Body {
            body_type: Some(2),
            estimated_data_size: Some(4096),
            truncated: Some(true),
            data: Some("<p>Hello</p>".into()),
            ..Body::default()
        }),
        attachments: Some(Attachments {
            items: vec![
                AttachmentsItem::Attachment(Attachment {
                    display_name: Some("report.pdf".into()),
                    file_reference: Some("5:17:0".into()),
                    method: Some(1),
                    estimated_data_size: Some(123_456),
                    is_inline: Some(false),
                    ..Attachment::default()
                }),
                AttachmentsItem::Attachment(Attachment {
                    display_name: Some("logo.png".into()),
                    file_reference: Some("5:17:1".into()),
                    method: Some(1),
                    content_id: Some("logo@x".into()),
                    is_inline: Some(true),
                    ..Attachment::default()
                }),
            ],
        }),
        message_class: Some("IPM.Note".into()),
        native_body_type: Some(2),
        ..Email::default()
    }))
}

fn full_mail_v25() -> ApplicationData {
    ApplicationData::Email(Box::new(Email {
        to: Some("bob@example.com".into()),
        subject: Some("old phone".into()),
        body_v25: Some("plain text body".into()),
        body_size: Some(15),
        body_truncated: Some(false),
        attachments_v25: Some(AttachmentsV25 {
            attachments: vec![AttachmentV25 {
                att_name: Some("5:17:0".into()),
                att_size: Some(10),
                att_oid: Some("oid".into()),
                att_method: Some(1),
                display_name: Some("a.txt".into()),
            }],
        }),
        ..Email::default()
    }))
}

fn sync_response(data: Vec<ApplicationData>) -> SyncResponseCollection {
    SyncResponseCollection {
        class: Some("Email".into()),
        sync_key: "7".into(),
        collection_id: "5".into(),
        status: SyncStatus::Success,
        more_available: Some(Empty),
        commands: Some(SyncResponseCommands {
            commands: data
                .into_iter()
                .enumerate()
                .map(|(i, d)| {
                    SyncResponseCommand::Add(ServerAdd {
                        class: None,
                        server_id: format!("5:{i}").into(),
                        application_data: d,
                    })
                })
                .chain([
                    SyncResponseCommand::Delete(ItemDelete {
                        class: None,
                        server_id: "5:90".into(),
                        instance_id: None,
                    }),
                    SyncResponseCommand::SoftDelete(ItemFetch {
                        server_id: "5:91".into(),
                    }),
                ])
                .collect(),
        }),
        responses: Some(SyncResponses {
            responses: vec![
                SyncItemResponse::Add(AddResponse {
                    class: None,
                    client_id: "c1".into(),
                    server_id: Some("5:100".into()),
                    status: SyncStatus::Success,
                }),
                SyncItemResponse::Change(ChangeResponse {
                    class: None,
                    server_id: "5:3".into(),
                    status: SyncStatus::ObjectNotFound,
                }),
                SyncItemResponse::Fetch(FetchResponse {
                    server_id: "5:4".into(),
                    status: SyncStatus::Success,
                    application_data: Some(full_mail_v12()),
                }),
            ],
        }),
    }
}

fn collection(refilter: Option<Refilter>) -> CollectionState {
    CollectionState {
        key: SyncKey(8),
        cursor: ChangeToken(41),
        known: ["5:1", "5:2", "5:10", "5:9", "x"].map(ItemId::from).into(),
        filter_type: Some(3),
        client_ids: [("c1", "5:100"), ("c2", "5:101")]
            .map(|(c, s)| (c.to_string(), ItemId::from(s)))
            .into(),
        last: Some((
            SyncKey(7),
            sync_response(vec![full_mail_v12(), full_mail_v12()]),
        )),
        client_id_order: VecDeque::from(["c2".to_string(), "c1".to_string()]),
        client_id_prints: [("c1".to_string(), u64::MAX), ("c2".to_string(), 0)].into(),
        options: vec![SyncOptions {
            class: Some("Email".into()),
            filter_type: Some(3),
            truncation: None,
            mime_support: Some(2),
            mime_truncation: Some(8),
            body_preference: vec![
                BodyPreference {
                    body_type: 2,
                    truncation_size: Some(32_768),
                    all_or_none: Some(false),
                    preview: Some(255),
                },
                BodyPreference {
                    body_type: 4,
                    truncation_size: None,
                    all_or_none: Some(true),
                    preview: None,
                },
            ],
            body_part_preference: vec![BodyPartPreference {
                body_type: 2,
                truncation_size: Some(100),
                all_or_none: None,
                preview: Some(50),
            }],
            conflict: Some(1),
            max_items: Some(25),
            rights_management_support: Some(true),
        }],
        echo: [("5:100", 40), ("5:3", 39)]
            .map(|(i, t)| (ItemId::from(i), ChangeToken(t)))
            .into(),
        refilter,
        window_checked: Some(
            Utc.with_ymd_and_hms(1969, 7, 20, 20, 17, 40).unwrap()
                + TimeDelta::nanoseconds(123_456_789),
        ),
    }
}

fn full_state() -> DeviceState {
    let folders: BTreeMap<CollectionId, FolderSnapshot> = [
        ("5", None, "Inbox", 2),
        ("6", Some("5"), "Sub ✉", 12),
        ("folder-x", Some("6"), "", 1),
    ]
    .into_iter()
    .map(|(id, parent, name, t)| {
        (
            CollectionId::from(id),
            FolderSnapshot {
                parent: parent.map(CollectionId::from),
                name: name.to_string(),
                folder_type: t,
            },
        )
    })
    .collect();
    let mut collections = BTreeMap::new();
    collections.insert(
        CollectionId::from("5"),
        collection(Some(Refilter::Items(None))),
    );
    collections.insert(
        CollectionId::from("6"),
        collection(Some(Refilter::Items(Some(ItemId::from("5:2"))))),
    );
    collections.insert(
        CollectionId::from("7"),
        collection(Some(Refilter::Known(None))),
    );
    collections.insert(
        CollectionId::from("8"),
        collection(Some(Refilter::Known(Some(ItemId::from("5:9"))))),
    );
    let mut v25 = collection(None);
    v25.last = Some((SyncKey(1), sync_response(vec![full_mail_v25()])));
    collections.insert(CollectionId::from("9"), v25);
    collections.insert(CollectionId::from("10"), CollectionState::default());
    // Items of the other classes, one with a 16.0-only element and one with a 2.5-only one.
    let mut others = collection(None);
    others.last = Some((
        SyncKey(2),
        sync_response(vec![
            ApplicationData::Calendar(Box::new(Calendar {
                subject: Some("Offsite".into()),
                location_v16: Some(Location {
                    display_name: Some("Lake house".into()),
                    latitude: Some("47.1".into()),
                    ..Location::default()
                }),
                ..Calendar::default()
            })),
            ApplicationData::Calendar(Box::new(Calendar {
                subject: Some("Old style".into()),
                body_v25: Some("agenda".into()),
                location: Some("Room 2".into()),
                ..Calendar::default()
            })),
            ApplicationData::Contact(Box::new(Contact {
                first_name: Some("Ada".into()),
                ..Contact::default()
            })),
            ApplicationData::Task(Box::default()),
            ApplicationData::Note(Box::default()),
        ]),
    ));
    collections.insert(CollectionId::from("11"), others);
    DeviceState {
        hierarchy: HierarchyState {
            key: SyncKey(3),
            folders,
            last: Some((
                SyncKey(2),
                FolderSyncResponse {
                    status: FolderSyncStatus::Success,
                    sync_key: Some("3".into()),
                    changes: Some(FolderChanges {
                        count: Some(3),
                        changes: vec![
                            FolderChange::Add(Folder {
                                server_id: "6".into(),
                                parent_id: "5".into(),
                                display_name: "Sub ✉".into(),
                                folder_type: 12,
                            }),
                            FolderChange::Update(Folder {
                                server_id: "5".into(),
                                parent_id: "0".into(),
                                display_name: "Inbox".into(),
                                folder_type: 2,
                            }),
                            FolderChange::Delete(FolderDelete {
                                server_id: "4".into(),
                            }),
                        ],
                    }),
                },
            )),
            last_command: Some((
                SyncKey(2),
                FolderCommandReplay::Create(
                    FolderCreateRequest {
                        sync_key: "2".into(),
                        parent_id: "5".into(),
                        display_name: "Sub ✉".into(),
                        folder_type: 12,
                    },
                    FolderCreateResponse {
                        status: FolderCreateStatus::Success,
                        sync_key: Some("3".into()),
                        server_id: Some("6".into()),
                    },
                ),
            )),
        },
        collections,
        last_sync_request: Some(SyncRequest {
            collections: Some(SyncCollections {
                collections: vec![SyncCollection {
                    class: Some("Email".into()),
                    sync_key: "7".into(),
                    collection_id: "5".into(),
                    supported: None,
                    deletes_as_moves: Some(Toggle::Present),
                    get_changes: Some(Toggle::Value(false)),
                    window_size: Some(50),
                    conversation_mode: Some(true),
                    options: collection(None).options,
                    commands: Some(SyncRequestCommands {
                        commands: vec![
                            SyncRequestCommand::Add(ClientAdd {
                                class: None,
                                client_id: "c3".into(),
                                application_data: full_mail_v12(),
                            }),
                            SyncRequestCommand::Change(ItemChange {
                                class: Some("Email".into()),
                                server_id: "5:1".into(),
                                application_data: full_mail_v12(),
                            }),
                            SyncRequestCommand::Delete(ItemDelete {
                                class: None,
                                server_id: "5:2".into(),
                                instance_id: None,
                            }),
                            SyncRequestCommand::Fetch(ItemFetch {
                                server_id: "5:9".into(),
                            }),
                        ],
                    }),
                }],
            }),
            wait: None,
            heartbeat_interval: Some(900),
            window_size: Some(100),
            partial: Some(Empty),
        }),
        ping: PingState {
            heartbeat: Some(3540),
            folders: vec![CollectionId::from("6"), CollectionId::from("5")],
            generation: u64::MAX - 1,
        },
    }
}

#[test]
fn a_state_using_every_field_round_trips() {
    let s = full_state();
    round_trip(&s);
    // The parts on their own, so a failure points at one of them.
    for (id, c) in &s.collections {
        let one = DeviceState {
            collections: [(id.clone(), c.clone())].into(),
            ..DeviceState::default()
        };
        round_trip(&one);
    }
}

#[test]
fn every_folder_command_replay_round_trips() {
    let update = FolderCommandReplay::Update(
        FolderUpdateRequest {
            sync_key: "4".into(),
            server_id: "6".into(),
            parent_id: "0".into(),
            display_name: "Renamed".into(),
        },
        FolderUpdateResponse {
            status: FolderUpdateStatus::Success,
            sync_key: Some("5".into()),
        },
    );
    let delete = FolderCommandReplay::Delete(
        FolderDeleteRequest {
            sync_key: "5".into(),
            server_id: "6".into(),
        },
        FolderDeleteResponse {
            status: FolderDeleteStatus::Success,
            sync_key: Some("6".into()),
        },
    );
    let create = full_state().hierarchy.last_command.unwrap().1;
    let mut seen = Vec::new();
    for (k, replay) in [(3, create), (4, update), (5, delete)] {
        let mut s = DeviceState::default();
        s.hierarchy.key = SyncKey(k + 1);
        s.hierarchy.last_command = Some((SyncKey(k), replay));
        seen.push(round_trip(&s));
    }
    // Three different commands, three different encodings.
    seen.dedup();
    assert_eq!(seen.len(), 3);
}

#[test]
fn decimal_and_front_coded_id_sets_round_trip_in_every_mix() {
    let sets: Vec<Vec<String>> = vec![
        vec![],
        vec!["0".into()],
        vec![
            "1".into(),
            "9".into(),
            "10".into(),
            "18446744073709551615".into(),
        ],
        // Not canonical decimal: a leading zero, a sign, too big, empty.
        vec!["01".into(), "1".into()],
        vec!["+1".into()],
        vec!["18446744073709551616".into()],
        vec![String::new(), "a".into()],
        (0..100).map(|i| format!("folder:{i}")).collect(),
        (0..40).map(|i| "x".repeat(i)).collect(),
    ];
    for ids in sets {
        let mut c = CollectionState {
            known: ids.iter().map(|i| ItemId::from(i.as_str())).collect(),
            ..CollectionState::default()
        };
        c.echo = ids
            .iter()
            .enumerate()
            .map(|(n, i)| (ItemId::from(i.as_str()), ChangeToken(n as u64)))
            .collect();
        let s = DeviceState {
            collections: ids
                .iter()
                .map(|i| (CollectionId::from(i.as_str()), c.clone()))
                .chain([(CollectionId::from("1"), c.clone())])
                .collect(),
            ..DeviceState::default()
        };
        round_trip(&s);
    }
}

// ---- 3. Size ----

#[test]
fn a_hundred_thousand_known_ids_take_under_8_bytes_each() {
    let n = 100_000u64;
    let known: BTreeSet<ItemId> = (1..=n).map(|i| ItemId(i.to_string())).collect();
    let s = DeviceState {
        collections: [(
            CollectionId::from("5"),
            CollectionState {
                known,
                ..CollectionState::default()
            },
        )]
        .into(),
        ..DeviceState::default()
    };
    let bytes = round_trip(&s);
    let per_id = bytes.len() as f64 / n as f64;
    eprintln!(
        "{n} known ids encode in {} bytes: {per_id:.3} bytes per id",
        bytes.len()
    );
    assert!(per_id < 8.0, "{per_id} bytes per id");
}

// ---- 4. Robustness ----

#[test]
fn every_truncation_is_an_error() {
    let bytes = encode(&full_state()).unwrap();
    for len in 0..bytes.len() {
        assert!(
            decode(&bytes[..len]).is_err(),
            "a prefix of {len} of {} bytes decoded",
            bytes.len()
        );
    }
    // And a byte too many.
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        decode(&longer),
        Err(StateCodecError::TrailingBytes { extra: 1, .. })
    ));
}

#[test]
fn an_unknown_format_version_is_refused() {
    let mut bytes = encode(&full_state()).unwrap();
    for v in [0u8, FORMAT_VERSION + 1, 0xFF] {
        bytes[0] = v;
        assert_eq!(
            decode(&bytes),
            Err(StateCodecError::UnknownFormat {
                found: v,
                supported: FORMAT_VERSION
            })
        );
    }
    assert!(decode(&[]).is_err());
}

fn valid_encodings() -> Vec<Vec<u8>> {
    let mut small = DeviceState::default();
    small.collections.insert(
        CollectionId::from("5"),
        CollectionState {
            known: (1..50u32).map(|i| ItemId(i.to_string())).collect(),
            ..collection(Some(Refilter::Known(None)))
        },
    );
    vec![
        encode(&full_state()).unwrap(),
        encode(&small).unwrap(),
        encode(&DeviceState::default()).unwrap(),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn random_bytes_never_panic(mut bytes in proptest::collection::vec(any::<u8>(), 0..512), v1 in any::<bool>()) {
        if v1 && !bytes.is_empty() {
            bytes[0] = FORMAT_VERSION;
        }
        let _ = decode(&bytes);
    }

    #[test]
    fn mutated_encodings_never_panic(
        which in 0usize..3,
        edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..8),
    ) {
        let mut bytes = valid_encodings().swap_remove(which);
        for (at, b, kind) in edits {
            if bytes.is_empty() {
                break;
            }
            let i = at.index(bytes.len());
            match kind {
                0 => bytes[i] = b,
                1 => { bytes.remove(i); }
                _ => bytes.insert(i, b),
            }
        }
        // Anything may come back, but decoding must return, and what it returns must
        // itself encode and decode to the same state.
        if let Ok(s) = decode(&bytes)
            && let Ok(again) = encode(&s)
        {
            prop_assert_eq!(decode(&again), Ok(s));
        }
    }
}

#[test]
fn an_item_mixing_2_5_and_16_elements_is_refused_not_truncated() {
    let mut s = DeviceState::default();
    let mut c = CollectionState::default();
    let mixed = ApplicationData::Calendar(Box::new(Calendar {
        subject: Some("mixed".into()),
        // 2.5-only body next to a 16.0-only location.
        body_v25: Some("plain".into()),
        location_v16: Some(Location {
            display_name: Some("Room".into()),
            ..Location::default()
        }),
        ..Calendar::default()
    }));
    c.last = Some((SyncKey(1), sync_response(vec![mixed])));
    s.collections.insert(CollectionId::from("8"), c);
    assert!(matches!(
        encode(&s),
        Err(StateCodecError::Unrepresentable { class: "Calendar" })
    ));
}
