//! Sync, GetItemEstimate and MoveItems against `MemoryBackend`, driven by a scripted device
//! that keeps its own copy of each collection and applies every response to it.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::codec::Toggle;
use eas_codec::command::estimate::{
    EstimateCollection, EstimateCollections, GetItemEstimateRequest, GetItemEstimateStatus,
};
use eas_codec::command::move_items::{MoveItem, MoveItemsRequest, MoveItemsStatus};
use eas_codec::command::sync::{
    ClientAdd, ItemChange, ItemDelete, ItemFetch, SyncCollection, SyncCollections,
    SyncItemResponse, SyncOptions, SyncRequest, SyncRequestCommand, SyncRequestCommands,
    SyncResponse, SyncResponseCollection, SyncResponseCommand, SyncStatus,
};
use eas_codec::data::{ApplicationData, Email};
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::{
    Backend, CollectionId, Context, DeviceId, DeviceState, Engine, ItemId, SyncKey, SyncOutcome,
};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap()
}

fn mail(subject: &str, received: DateTime<Utc>) -> ApplicationData {
    ApplicationData::Email(Box::new(Email {
        subject: Some(subject.into()),
        date_received: Some(received.format("%Y-%m-%dT%H:%M:%S.000Z").to_string().into()),
        ..Email::default()
    }))
}

fn subject(data: &ApplicationData) -> String {
    match data {
        ApplicationData::Email(e) => e.subject.as_deref().unwrap_or("").to_string(),
        _ => String::new(),
    }
}

/// One collection of a request, as the device builds it.
#[derive(Clone, Default)]
struct Coll {
    id: String,
    key: Option<String>,
    window: Option<u32>,
    filter: Option<u32>,
    conflict: Option<u32>,
    deletes_as_moves: Option<bool>,
    get_changes: Option<bool>,
    commands: Vec<SyncRequestCommand>,
}

impl Coll {
    fn new(id: &CollectionId) -> Coll {
        Coll {
            id: id.to_string(),
            ..Coll::default()
        }
    }
    fn window(mut self, w: u32) -> Self {
        self.window = Some(w);
        self
    }
    fn filter(mut self, f: u32) -> Self {
        self.filter = Some(f);
        self
    }
    fn conflict(mut self, c: u32) -> Self {
        self.conflict = Some(c);
        self
    }
    fn key(mut self, k: &str) -> Self {
        self.key = Some(k.to_string());
        self
    }
    fn cmd(mut self, c: SyncRequestCommand) -> Self {
        self.commands.push(c);
        self
    }
}

fn add_cmd(client_id: &str, data: ApplicationData) -> SyncRequestCommand {
    SyncRequestCommand::Add(ClientAdd {
        class: None,
        client_id: client_id.into(),
        application_data: data,
    })
}

fn change_cmd(id: &str, data: ApplicationData) -> SyncRequestCommand {
    SyncRequestCommand::Change(ItemChange {
        class: None,
        server_id: id.into(),
        application_data: data,
    })
}

fn delete_cmd(id: &str) -> SyncRequestCommand {
    SyncRequestCommand::Delete(ItemDelete {
        class: None,
        server_id: id.into(),
        instance_id: None,
    })
}

fn fetch_cmd(id: &str) -> SyncRequestCommand {
    SyncRequestCommand::Fetch(ItemFetch {
        server_id: id.into(),
    })
}

/// A server with one device that mirrors what it is sent.
struct World {
    engine: Engine,
    backend: MemoryBackend,
    state: DeviceState,
    device: DeviceId,
    now: DateTime<Utc>,
    version: ProtocolVersion,
    /// The device's sync key and items per collection.
    keys: BTreeMap<String, String>,
    held: BTreeMap<String, BTreeMap<String, ApplicationData>>,
}

impl World {
    fn new() -> World {
        World {
            engine: Engine::default(),
            backend: MemoryBackend::with_default_folders(),
            state: DeviceState::default(),
            device: DeviceId::from("dev1"),
            now: t0(),
            version: ProtocolVersion::V14_1,
            keys: BTreeMap::new(),
            held: BTreeMap::new(),
        }
    }

    fn inbox(&self) -> CollectionId {
        self.backend.folder_of_type(2).unwrap()
    }

    fn trash(&self) -> CollectionId {
        self.backend.folder_of_type(4).unwrap()
    }

    fn request(&self, colls: &[Coll]) -> SyncRequest {
        SyncRequest {
            collections: Some(SyncCollections {
                collections: colls
                    .iter()
                    .map(|c| SyncCollection {
                        sync_key: c
                            .key
                            .clone()
                            .or_else(|| self.keys.get(&c.id).cloned())
                            .unwrap_or_else(|| "0".into())
                            .into(),
                        collection_id: c.id.as_str().into(),
                        deletes_as_moves: c.deletes_as_moves.map(Toggle::Value),
                        get_changes: c.get_changes.map(Toggle::Value),
                        window_size: c.window,
                        options: if c.filter.is_some() || c.conflict.is_some() {
                            vec![SyncOptions {
                                filter_type: c.filter,
                                conflict: c.conflict,
                                ..SyncOptions::default()
                            }]
                        } else {
                            Vec::new()
                        },
                        commands: (!c.commands.is_empty()).then(|| SyncRequestCommands {
                            commands: c.commands.clone(),
                        }),
                        ..SyncCollection::default()
                    })
                    .collect(),
            }),
            ..SyncRequest::default()
        }
    }

    fn raw(&mut self, req: &SyncRequest) -> SyncOutcome {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        self.engine
            .sync(&ctx, &mut self.state, &mut self.backend, req)
    }

    /// Send a request and apply the response to the device's copy.
    fn sync_req(&mut self, req: &SyncRequest) -> SyncResponse {
        match self.raw(req) {
            SyncOutcome::Respond(r) => {
                self.absorb(&r);
                r
            }
            other => panic!("expected a response, got {other:?}"),
        }
    }

    fn sync(&mut self, colls: &[Coll]) -> Vec<SyncResponseCollection> {
        let req = self.request(colls);
        let r = self.sync_req(&req);
        r.collections.map(|c| c.collections).unwrap_or_default()
    }

    fn sync1(&mut self, c: Coll) -> SyncResponseCollection {
        self.sync(&[c]).remove(0)
    }

    /// Key 0, then windows until MoreAvailable clears; returns the number of rounds.
    fn full_sync(&mut self, c: Coll) -> usize {
        let r = self.sync1(c.clone().key("0"));
        assert_eq!(r.sync_key, "1");
        let mut rounds = 0;
        loop {
            rounds += 1;
            let r = self.sync1(c.clone());
            assert_eq!(r.status, SyncStatus::Success);
            if r.more_available.is_none() {
                return rounds;
            }
        }
    }

    fn absorb(&mut self, r: &SyncResponse) {
        for c in r.collections.iter().flat_map(|c| &c.collections) {
            if c.status != SyncStatus::Success {
                if c.status == SyncStatus::InvalidSyncKey {
                    self.keys.remove(c.collection_id.as_str());
                    self.held.remove(c.collection_id.as_str());
                }
                continue;
            }
            self.keys
                .insert(c.collection_id.to_string(), c.sync_key.to_string());
            let held = self.held.entry(c.collection_id.to_string()).or_default();
            for cmd in c.commands.iter().flat_map(|c| &c.commands) {
                match cmd {
                    SyncResponseCommand::Add(a) => {
                        assert!(
                            held.insert(a.server_id.to_string(), a.application_data.clone())
                                .is_none(),
                            "Add of an item the device holds: {}",
                            a.server_id
                        );
                    }
                    SyncResponseCommand::Change(ch) => {
                        assert!(
                            held.insert(ch.server_id.to_string(), ch.application_data.clone())
                                .is_some(),
                            "Change of an item the device lacks: {}",
                            ch.server_id
                        );
                    }
                    SyncResponseCommand::Delete(d) => {
                        assert!(held.remove(d.server_id.as_str()).is_some());
                    }
                    SyncResponseCommand::SoftDelete(d) => {
                        assert!(held.remove(d.server_id.as_str()).is_some());
                    }
                }
            }
            for resp in c.responses.iter().flat_map(|r| &r.responses) {
                if let SyncItemResponse::Add(a) = resp
                    && a.status == SyncStatus::Success
                {
                    held.entry(a.server_id.as_deref().unwrap().to_string())
                        .or_default();
                }
            }
        }
    }

    fn held(&self, c: &CollectionId) -> BTreeMap<String, ApplicationData> {
        self.held.get(c.as_str()).cloned().unwrap_or_default()
    }

    fn server(&self, c: &CollectionId) -> BTreeMap<String, ApplicationData> {
        self.backend
            .all(c)
            .into_iter()
            .map(|(id, d)| (id.to_string(), d))
            .collect()
    }

    fn estimate(
        &self,
        c: &CollectionId,
        filter: Option<u32>,
    ) -> (GetItemEstimateStatus, Option<u32>) {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = GetItemEstimateRequest {
            collections: EstimateCollections {
                collections: vec![EstimateCollection {
                    sync_key: self.keys.get(c.as_str()).map(|k| k.as_str().into()),
                    collection_id: c.as_str().into(),
                    options: filter
                        .map(|f| {
                            vec![SyncOptions {
                                filter_type: Some(f),
                                ..SyncOptions::default()
                            }]
                        })
                        .unwrap_or_default(),
                    ..EstimateCollection::default()
                }],
            },
        };
        let r = self
            .engine
            .get_item_estimate(&ctx, &self.state, &self.backend, &req);
        let e = &r.responses[0];
        (e.status, e.collection.as_ref().and_then(|c| c.estimate))
    }

    fn move_item(
        &mut self,
        item: &str,
        from: &CollectionId,
        to: &CollectionId,
    ) -> (MoveItemsStatus, Option<String>) {
        let ctx = Context {
            device: &self.device,
            version: self.version,
            now: self.now,
        };
        let req = MoveItemsRequest {
            moves: vec![MoveItem {
                src_msg_id: item.into(),
                src_fld_id: from.as_str().into(),
                dst_fld_id: to.as_str().into(),
            }],
        };
        let r = self
            .engine
            .move_items(&ctx, &mut self.state, &mut self.backend, &req);
        let m = &r.responses[0];
        (m.status, m.dst_msg_id.as_ref().map(|d| d.to_string()))
    }
}

fn commands(r: &SyncResponseCollection) -> &[SyncResponseCommand] {
    r.commands.as_ref().map_or(&[], |c| c.commands.as_slice())
}

fn item_responses(r: &SyncResponseCollection) -> &[SyncItemResponse] {
    r.responses.as_ref().map_or(&[], |c| c.responses.as_slice())
}

fn fill(w: &mut World, folder: &CollectionId, n: usize) -> Vec<ItemId> {
    (0..n)
        .map(|i| {
            let when = w.now - TimeDelta::minutes(i64::try_from(i).unwrap());
            w.backend
                .server_add(folder, mail(&format!("m{i}"), when))
                .unwrap()
        })
        .collect()
}

#[test]
fn initial_sync_of_1000_items_takes_ten_windows_of_100() {
    let mut w = World::new();
    let inbox = w.inbox();
    fill(&mut w, &inbox, 1000);
    let r = w.sync1(Coll::new(&inbox).key("0"));
    assert_eq!((r.sync_key.as_str(), r.status), ("1", SyncStatus::Success));
    assert!(commands(&r).is_empty(), "key 0 sends no items");
    for round in 1..=10 {
        let r = w.sync1(Coll::new(&inbox).window(100));
        assert_eq!(commands(&r).len(), 100, "round {round}");
        assert!(
            commands(&r)
                .iter()
                .all(|c| matches!(c, SyncResponseCommand::Add(_)))
        );
        assert_eq!(r.more_available.is_some(), round < 10, "round {round}");
        assert_eq!(r.sync_key, (round + 1).to_string());
    }
    assert_eq!(w.held(&inbox), w.server(&inbox));
    // Nothing left: the key stays, nothing is sent.
    let r = w.sync1(Coll::new(&inbox).window(100));
    assert!(commands(&r).is_empty());
    assert_eq!(r.sync_key, "11");
}

#[test]
fn window_size_is_capped_at_512_and_defaults_to_100() {
    let mut w = World::new();
    let inbox = w.inbox();
    fill(&mut w, &inbox, 700);
    w.sync1(Coll::new(&inbox).key("0"));
    assert_eq!(commands(&w.sync1(Coll::new(&inbox))).len(), 100);
    assert_eq!(
        commands(&w.sync1(Coll::new(&inbox).window(5000))).len(),
        512
    );
    let last = w.sync1(Coll::new(&inbox).window(5000));
    assert_eq!(commands(&last).len(), 88);
    assert!(last.more_available.is_none());
}

#[test]
fn request_level_window_spans_collections() {
    let mut w = World::new();
    let inbox = w.inbox();
    let sent = w.backend.folder_of_type(5).unwrap();
    fill(&mut w, &inbox, 30);
    fill(&mut w, &sent, 30);
    w.sync(&[Coll::new(&inbox).key("0"), Coll::new(&sent).key("0")]);
    let mut req = w.request(&[Coll::new(&inbox), Coll::new(&sent)]);
    req.window_size = Some(40);
    let r = w.sync_req(&req).collections.unwrap().collections;
    assert_eq!(commands(&r[0]).len() + commands(&r[1]).len(), 40);
    assert!(r[1].more_available.is_some());
}

#[test]
fn a_replay_counts_against_the_request_window() {
    let mut w = World::new();
    let inbox = w.inbox();
    let notes = w.backend.folder_of_type(10).unwrap();
    w.full_sync(Coll::new(&inbox));
    w.full_sync(Coll::new(&notes));
    w.backend
        .server_add(&notes, ApplicationData::Note(Box::default()))
        .unwrap();
    let mut req = w.request(&[Coll::new(&notes), Coll::new(&inbox)]);
    req.window_size = Some(1);
    // Lost: the device keeps its keys and asks again, with new mail waiting in the Inbox.
    let SyncOutcome::Respond(_) = w.raw(&req) else {
        panic!()
    };
    w.backend.server_add(&inbox, mail("new", w.now)).unwrap();
    let r = w.sync_req(&req).collections.unwrap().collections;
    assert_eq!(commands(&r[0]).len(), 1, "the replay");
    assert!(
        commands(&r[1]).is_empty(),
        "nothing beyond the request WindowSize"
    );
    assert!(r[1].more_available.is_some());
    assert_eq!(commands(&w.sync1(Coll::new(&inbox))).len(), 1);
}

#[test]
fn lost_response_is_replayed_and_nothing_is_applied_twice() {
    let mut w = World::new();
    let inbox = w.inbox();
    fill(&mut w, &inbox, 3);
    w.full_sync(Coll::new(&inbox));
    w.backend.server_add(&inbox, mail("new", w.now)).unwrap();
    let req = w.request(&[Coll::new(&inbox).cmd(add_cmd("c1", mail("mine", w.now)))]);
    let SyncOutcome::Respond(first) = w.raw(&req) else {
        panic!()
    };
    // The device never saw `first`; it sends the same request again.
    let before = w.server(&inbox).len();
    let SyncOutcome::Respond(again) = w.raw(&req) else {
        panic!()
    };
    assert_eq!(first, again, "the replay is the same response");
    assert_eq!(
        w.server(&inbox).len(),
        before,
        "the Add was not applied twice"
    );
    w.absorb(&again);
    assert_eq!(w.held(&inbox).len(), w.server(&inbox).len());
    // And the device carries on with the new key.
    let r = w.sync1(Coll::new(&inbox));
    assert!(commands(&r).is_empty());
}

#[test]
fn retried_add_with_a_remembered_client_id_gets_the_same_server_id() {
    let mut w = World::new();
    let inbox = w.inbox();
    w.full_sync(Coll::new(&inbox));
    let r = w.sync1(Coll::new(&inbox).cmd(add_cmd("c1", mail("mine", w.now))));
    let SyncItemResponse::Add(a1) = &item_responses(&r)[0] else {
        panic!()
    };
    let r = w.sync1(Coll::new(&inbox).cmd(add_cmd("c1", mail("mine", w.now))));
    let SyncItemResponse::Add(a2) = &item_responses(&r)[0] else {
        panic!()
    };
    assert_eq!(a1.server_id, a2.server_id);
    assert_eq!(a2.status, SyncStatus::Success);
    assert_eq!(w.server(&inbox).len(), 1);
    // A counter-based client reuses ClientIds in later requests (MS-ASCMD allows it): a
    // different item under the same ClientId is a new Add.
    let r = w.sync1(Coll::new(&inbox).cmd(add_cmd("c1", mail("another", w.now))));
    let SyncItemResponse::Add(a3) = &item_responses(&r)[0] else {
        panic!()
    };
    assert_ne!(a3.server_id, a1.server_id);
    assert_eq!(w.server(&inbox).len(), 2);
    // The device's own Add is never sent back.
    assert!(commands(&w.sync1(Coll::new(&inbox))).is_empty());
}

#[test]
fn invalid_key_is_status_3_then_a_clean_resync() {
    let mut w = World::new();
    let inbox = w.inbox();
    fill(&mut w, &inbox, 5);
    w.full_sync(Coll::new(&inbox));
    for bad in ["999", "abc", "5"] {
        let r = w.sync1(Coll::new(&inbox).key(bad));
        assert_eq!(r.status, SyncStatus::InvalidSyncKey, "{bad}");
        // Even the key the device had is refused now: the collection was reset.
        let r = w.sync1(Coll::new(&inbox).key("2"));
        assert_eq!(r.status, SyncStatus::InvalidSyncKey);
        assert_eq!(w.full_sync(Coll::new(&inbox)), 1);
        assert_eq!(w.held(&inbox), w.server(&inbox));
    }
}

#[test]
fn conflict_server_wins_by_default_with_status_7() {
    let mut w = World::new();
    let inbox = w.inbox();
    let ids = fill(&mut w, &inbox, 2);
    w.full_sync(Coll::new(&inbox));
    w.backend
        .server_change(&inbox, &ids[0], mail("server", w.now))
        .unwrap();
    let r = w.sync1(Coll::new(&inbox).cmd(change_cmd(ids[0].as_str(), mail("client", w.now))));
    let SyncItemResponse::Change(c) = &item_responses(&r)[0] else {
        panic!()
    };
    assert_eq!(c.status, SyncStatus::Conflict);
    assert_eq!(subject(w.backend.get(&inbox, &ids[0]).unwrap()), "server");
    assert!(
        matches!(commands(&r), [SyncResponseCommand::Change(ch)] if ch.server_id == ids[0].as_str())
    );
    assert_eq!(w.held(&inbox), w.server(&inbox));
    // A change with no server change in between is applied.
    let r = w.sync1(Coll::new(&inbox).cmd(change_cmd(ids[1].as_str(), mail("client", w.now))));
    assert!(item_responses(&r).is_empty());
    assert_eq!(subject(w.backend.get(&inbox, &ids[1]).unwrap()), "client");
}

#[test]
fn conflict_client_wins_with_conflict_0() {
    let mut w = World::new();
    let inbox = w.inbox();
    let ids = fill(&mut w, &inbox, 1);
    w.full_sync(Coll::new(&inbox).conflict(0));
    w.backend
        .server_change(&inbox, &ids[0], mail("server", w.now))
        .unwrap();
    let r = w.sync1(Coll::new(&inbox).cmd(change_cmd(ids[0].as_str(), mail("client", w.now))));
    assert!(item_responses(&r).is_empty(), "applied without complaint");
    assert!(
        commands(&r).is_empty(),
        "the server's older change is not sent"
    );
    assert_eq!(subject(w.backend.get(&inbox, &ids[0]).unwrap()), "client");
}

#[test]
fn conflicting_delete_brings_the_server_version_back() {
    let mut w = World::new();
    let inbox = w.inbox();
    let ids = fill(&mut w, &inbox, 1);
    w.full_sync(Coll::new(&inbox));
    w.backend
        .server_change(&inbox, &ids[0], mail("server", w.now))
        .unwrap();
    w.held
        .get_mut(inbox.as_str())
        .unwrap()
        .remove(ids[0].as_str());
    let r = w.sync1(Coll::new(&inbox).cmd(delete_cmd(ids[0].as_str())));
    let SyncItemResponse::Delete(d) = &item_responses(&r)[0] else {
        panic!()
    };
    assert_eq!(d.status, SyncStatus::Conflict);
    assert!(matches!(commands(&r), [SyncResponseCommand::Add(_)]));
    assert_eq!(w.held(&inbox), w.server(&inbox));
}

#[test]
fn unknown_items_are_status_8_and_invalid_items_status_6() {
    let mut w = World::new();
    let inbox = w.inbox();
    w.full_sync(Coll::new(&inbox));
    let r = w.sync1(
        Coll::new(&inbox)
            .cmd(change_cmd("nope", mail("x", w.now)))
            .cmd(delete_cmd("nope"))
            .cmd(fetch_cmd("nope"))
            .cmd(add_cmd("c1", ApplicationData::Contact(Box::default()))),
    );
    let statuses: Vec<SyncStatus> = item_responses(&r)
        .iter()
        .map(|x| match x {
            SyncItemResponse::Change(c) | SyncItemResponse::Delete(c) => c.status,
            SyncItemResponse::Fetch(f) => f.status,
            SyncItemResponse::Add(a) => a.status,
        })
        .collect();
    assert_eq!(
        statuses,
        [
            SyncStatus::ObjectNotFound,
            SyncStatus::ObjectNotFound,
            SyncStatus::ObjectNotFound,
            SyncStatus::ConversionError
        ]
    );
    assert!(w.server(&inbox).is_empty());
}

#[test]
fn deletes_go_to_deleted_items_unless_deletes_as_moves_is_0() {
    let mut w = World::new();
    let inbox = w.inbox();
    let trash = w.trash();
    let ids = fill(&mut w, &inbox, 2);
    w.full_sync(Coll::new(&inbox));
    w.full_sync(Coll::new(&trash));
    w.held.get_mut(inbox.as_str()).unwrap().clear();
    let r = w.sync1(Coll::new(&inbox).cmd(delete_cmd(ids[0].as_str())));
    assert!(item_responses(&r).is_empty() && commands(&r).is_empty());
    assert_eq!(w.server(&trash).len(), 1, "moved to Deleted Items");
    let mut no_moves = Coll::new(&inbox).cmd(delete_cmd(ids[1].as_str()));
    no_moves.deletes_as_moves = Some(false);
    w.sync1(no_moves);
    assert_eq!(w.server(&trash).len(), 1, "deleted for good");
    assert!(w.server(&inbox).is_empty());
    // Deleted Items learns of the moved item.
    let r = w.sync1(Coll::new(&trash));
    assert_eq!(commands(&r).len(), 1);
    assert_eq!(w.held(&trash), w.server(&trash));
}

#[test]
fn filter_change_takes_effect_at_once() {
    let mut w = World::new();
    let inbox = w.inbox();
    let now = w.now;
    let recent = w
        .backend
        .server_add(&inbox, mail("recent", now - TimeDelta::hours(2)))
        .unwrap();
    let mid = w
        .backend
        .server_add(&inbox, mail("mid", now - TimeDelta::days(5)))
        .unwrap();
    let old = w
        .backend
        .server_add(&inbox, mail("old", now - TimeDelta::days(60)))
        .unwrap();
    // One month: recent and mid.
    w.full_sync(Coll::new(&inbox).filter(5));
    let held: Vec<String> = w.held(&inbox).into_keys().collect();
    assert_eq!(held, [recent.to_string(), mid.to_string()]);
    // One day: mid leaves at once, as a SoftDelete, with no new mail needed.
    let r = w.sync1(Coll::new(&inbox).filter(1));
    assert!(
        matches!(commands(&r), [SyncResponseCommand::SoftDelete(d)] if d.server_id == mid.as_str())
    );
    // Everything: mid and old arrive at once.
    let r = w.sync1(Coll::new(&inbox).filter(0));
    let added: Vec<&str> = commands(&r)
        .iter()
        .map(|c| match c {
            SyncResponseCommand::Add(a) => a.server_id.as_str(),
            _ => panic!("only Adds"),
        })
        .collect();
    assert_eq!(added, [mid.as_str(), old.as_str()]);
    assert_eq!(w.held(&inbox), w.server(&inbox));
    // The options are remembered: a request without them keeps the filter.
    assert!(commands(&w.sync1(Coll::new(&inbox))).is_empty());
}

#[test]
fn items_that_age_out_of_the_window_are_soft_deleted() {
    let mut w = World::new();
    let inbox = w.inbox();
    let now = w.now;
    let aging = w
        .backend
        .server_add(&inbox, mail("aging", now - TimeDelta::hours(20)))
        .unwrap();
    w.backend.server_add(&inbox, mail("fresh", now)).unwrap();
    w.full_sync(Coll::new(&inbox).filter(1));
    assert_eq!(w.held(&inbox).len(), 2);
    // Half an hour on, nothing is checked yet (a one-day window is checked hourly).
    w.now = now + TimeDelta::minutes(30);
    assert_eq!(w.estimate(&inbox, None).1, Some(0));
    assert!(commands(&w.sync1(Coll::new(&inbox))).is_empty());
    // Six hours on, the 20-hour-old mail is 26 hours old: it leaves the device, unasked.
    w.now = now + TimeDelta::hours(6);
    assert_eq!(w.estimate(&inbox, None).1, Some(1));
    let r = w.sync1(Coll::new(&inbox));
    assert!(
        matches!(commands(&r), [SyncResponseCommand::SoftDelete(d)] if d.server_id == aging.as_str())
    );
    assert_eq!(w.held(&inbox).len(), 1);
    assert!(commands(&w.sync1(Coll::new(&inbox))).is_empty());
}

#[test]
fn an_own_write_outside_a_new_filter_leaves_at_the_next_sync() {
    let mut w = World::new();
    let inbox = w.inbox();
    let now = w.now;
    let id = w.backend.server_add(&inbox, mail("m", now)).unwrap();
    w.full_sync(Coll::new(&inbox).filter(3));
    // One request: the device backdates the mail and narrows the filter to one day.
    let old = mail("m", now - TimeDelta::days(30));
    w.held
        .get_mut(inbox.as_str())
        .unwrap()
        .insert(id.to_string(), old.clone());
    let r = w.sync1(
        Coll::new(&inbox)
            .filter(1)
            .cmd(change_cmd(id.as_str(), old)),
    );
    assert!(
        commands(&r).is_empty(),
        "not in the response acknowledging the change"
    );
    // The next sync, at once.
    assert_eq!(w.estimate(&inbox, None).1, Some(1));
    let r = w.sync1(Coll::new(&inbox).filter(1));
    assert!(
        matches!(commands(&r), [SyncResponseCommand::SoftDelete(d)] if d.server_id == id.as_str())
    );
}

#[test]
fn filter_change_on_a_large_folder_spreads_over_windows() {
    let mut w = World::new();
    let inbox = w.inbox();
    let now = w.now;
    for i in 0..300 {
        let age = if i % 2 == 0 {
            TimeDelta::hours(1)
        } else {
            TimeDelta::days(10)
        };
        w.backend
            .server_add(&inbox, mail(&format!("m{i}"), now - age))
            .unwrap();
    }
    w.full_sync(Coll::new(&inbox).filter(3).window(100));
    assert_eq!(w.held(&inbox).len(), 150);
    // A new mail while the filter widens: it arrives too.
    w.backend.server_add(&inbox, mail("late", now)).unwrap();
    let est = w.estimate(&inbox, Some(0)).1.unwrap();
    let mut sent = 0;
    loop {
        let r = w.sync1(Coll::new(&inbox).filter(0).window(40));
        sent += commands(&r).len();
        if r.more_available.is_none() {
            break;
        }
    }
    assert_eq!(sent, 151);
    assert_eq!(u32::try_from(sent).unwrap(), est);
    assert_eq!(w.held(&inbox), w.server(&inbox));
}

#[test]
fn own_changes_are_not_echoed_but_later_server_changes_are_sent() {
    let mut w = World::new();
    let inbox = w.inbox();
    let ids = fill(&mut w, &inbox, 2);
    w.full_sync(Coll::new(&inbox));
    // Changes without GetChanges: the echoes stay ahead of the cursor for now.
    let mut c = Coll::new(&inbox).cmd(change_cmd(ids[0].as_str(), mail("mine", w.now)));
    c.get_changes = Some(false);
    w.sync1(c);
    w.held
        .get_mut(inbox.as_str())
        .unwrap()
        .insert(ids[0].to_string(), mail("mine", w.now));
    let mut c = Coll::new(&inbox).cmd(change_cmd(ids[1].as_str(), mail("mine too", w.now)));
    c.get_changes = Some(false);
    w.sync1(c);
    w.held
        .get_mut(inbox.as_str())
        .unwrap()
        .insert(ids[1].to_string(), mail("mine too", w.now));
    // Then the server changes the first item again.
    w.backend
        .server_change(&inbox, &ids[0], mail("server", w.now))
        .unwrap();
    assert_eq!(
        w.estimate(&inbox, None),
        (GetItemEstimateStatus::Success, Some(1))
    );
    let r = w.sync1(Coll::new(&inbox));
    assert!(
        matches!(commands(&r), [SyncResponseCommand::Change(ch)] if ch.server_id == ids[0].as_str())
    );
    assert_eq!(w.held(&inbox), w.server(&inbox));
}

#[test]
fn estimate_matches_what_the_next_syncs_send() {
    let mut w = World::new();
    let inbox = w.inbox();
    let now = w.now;
    assert_eq!(
        w.estimate(&inbox, None).0,
        GetItemEstimateStatus::SyncStateNotPrimed
    );
    assert_eq!(
        w.estimate(&CollectionId::from("nope"), None).0,
        GetItemEstimateStatus::InvalidCollection
    );
    for i in 0..250 {
        let age = TimeDelta::days(i64::from(i % 5) * 3);
        w.backend
            .server_add(&inbox, mail(&format!("m{i}"), now - age))
            .unwrap();
    }
    w.sync1(Coll::new(&inbox).key("0").filter(3));
    let check = |w: &mut World, filter: Option<u32>| {
        let (status, est) = w.estimate(&inbox, filter);
        assert_eq!(status, GetItemEstimateStatus::Success);
        let mut sent = 0;
        loop {
            let mut c = Coll::new(&inbox).window(37);
            c.filter = filter;
            let r = w.sync1(c);
            sent += commands(&r).len();
            if r.more_available.is_none() {
                break;
            }
        }
        assert_eq!(Some(u32::try_from(sent).unwrap()), est);
        assert_eq!(
            w.estimate(&inbox, filter),
            (GetItemEstimateStatus::Success, Some(0))
        );
    };
    // Fresh: the live items inside one week (ages 0, 3 and 6 days).
    assert_eq!(w.estimate(&inbox, None).1, Some(150));
    check(&mut w, None);
    // Adds, changes and deletes on the server, and the device's own changes mixed in.
    let ids: Vec<ItemId> = w
        .held(&inbox)
        .keys()
        .map(|k| ItemId::from(k.as_str()))
        .collect();
    for id in &ids[..10] {
        w.backend
            .server_change(&inbox, id, mail("changed", now))
            .unwrap();
    }
    for id in &ids[10..15] {
        w.backend.server_delete(&inbox, id).unwrap();
    }
    fill(&mut w, &inbox, 7);
    w.sync1(
        Coll::new(&inbox)
            .cmd(change_cmd(ids[20].as_str(), mail("mine", now)))
            .get_changes_off(),
    );
    check(&mut w, None);
    // A wider filter.
    check(&mut w, Some(0));
    // A narrower one.
    check(&mut w, Some(1));
    // A wrong key.
    w.keys.insert(inbox.to_string(), "77".into());
    assert_eq!(
        w.estimate(&inbox, None).0,
        GetItemEstimateStatus::InvalidSyncKey
    );
}

trait GetChangesOff {
    fn get_changes_off(self) -> Self;
}

impl GetChangesOff for Coll {
    fn get_changes_off(mut self) -> Self {
        self.get_changes = Some(false);
        self
    }
}

#[test]
fn moved_items_are_not_echoed_to_the_device_that_moved_them() {
    let mut w = World::new();
    let inbox = w.inbox();
    let archive = w.backend.create_folder(None, "Archive", 12).unwrap().id;
    let ids = fill(&mut w, &inbox, 3);
    w.full_sync(Coll::new(&inbox));
    w.full_sync(Coll::new(&archive));
    let (status, new_id) = w.move_item(ids[0].as_str(), &inbox, &archive);
    assert_eq!(status, MoveItemsStatus::Success);
    let new_id = new_id.unwrap();
    // The device moves its copy.
    let data = w
        .held
        .get_mut(inbox.as_str())
        .unwrap()
        .remove(ids[0].as_str())
        .unwrap();
    w.held
        .get_mut(archive.as_str())
        .unwrap()
        .insert(new_id.clone(), data);
    assert_eq!(w.estimate(&inbox, None).1, Some(0));
    assert_eq!(w.estimate(&archive, None).1, Some(0));
    assert!(commands(&w.sync1(Coll::new(&inbox))).is_empty());
    assert!(commands(&w.sync1(Coll::new(&archive))).is_empty());
    // A later server change to the moved item does reach the device.
    w.backend
        .server_change(
            &archive,
            &ItemId::from(new_id.as_str()),
            mail("edited", w.now),
        )
        .unwrap();
    let r = w.sync1(Coll::new(&archive));
    assert!(
        matches!(commands(&r), [SyncResponseCommand::Change(c)] if c.server_id == new_id.as_str())
    );
    assert_eq!(w.held(&archive), w.server(&archive));
    assert_eq!(w.held(&inbox), w.server(&inbox));
    // Errors.
    assert_eq!(
        w.move_item(ids[1].as_str(), &inbox, &inbox).0,
        MoveItemsStatus::SameSourceAndDestination
    );
    assert_eq!(
        w.move_item("nope", &inbox, &archive).0,
        MoveItemsStatus::InvalidSource
    );
    assert_eq!(
        w.move_item(ids[1].as_str(), &inbox, &CollectionId::from("nope"))
            .0,
        MoveItemsStatus::InvalidDestination
    );
}

#[test]
fn wait_and_heartbeat_out_of_range_are_status_14_with_the_limit() {
    let mut w = World::new();
    let inbox = w.inbox();
    w.full_sync(Coll::new(&inbox));
    let cases = [
        (Some(0), None, Some(1)),
        (Some(60), None, Some(59)),
        (None, Some(59), Some(60)),
        (None, Some(3541), Some(3540)),
    ];
    for (wait, hb, limit) in cases {
        let mut req = w.request(&[Coll::new(&inbox)]);
        req.wait = wait;
        req.heartbeat_interval = hb;
        let SyncOutcome::Respond(r) = w.raw(&req) else {
            panic!()
        };
        assert_eq!(
            r.status,
            Some(SyncStatus::InvalidWaitOrHeartbeat),
            "{wait:?} {hb:?}"
        );
        assert_eq!(r.limit, limit);
    }
    let mut req = w.request(&[Coll::new(&inbox)]);
    req.wait = Some(5);
    req.heartbeat_interval = Some(300);
    let SyncOutcome::Respond(r) = w.raw(&req) else {
        panic!()
    };
    assert_eq!(r.status, Some(SyncStatus::ProtocolError));
    // Too many collections.
    w.engine.limits.max_collections = 1;
    let req = w.request(&[Coll::new(&inbox), Coll::new(&w.trash())]);
    let SyncOutcome::Respond(r) = w.raw(&req) else {
        panic!()
    };
    assert_eq!(
        (r.status, r.limit),
        (Some(SyncStatus::InvalidRequest), Some(1))
    );
}

#[test]
fn wait_parks_the_request_until_something_changes() {
    let mut w = World::new();
    let inbox = w.inbox();
    w.full_sync(Coll::new(&inbox));
    let mut req = w.request(&[Coll::new(&inbox)]);
    req.heartbeat_interval = Some(300);
    let SyncOutcome::Wait { collections, until } = w.raw(&req) else {
        panic!("nothing to send: wait")
    };
    assert_eq!(collections, std::slice::from_ref(&inbox));
    assert_eq!(until, w.now + TimeDelta::seconds(300));
    let wake = |w: &mut World| {
        let ctx = Context {
            device: &w.device,
            version: w.version,
            now: w.now,
        };
        w.engine
            .sync_after_wait(&ctx, &mut w.state, &mut w.backend, until)
    };
    // A spurious wake-up keeps waiting.
    w.now += TimeDelta::seconds(10);
    assert!(matches!(wake(&mut w), SyncOutcome::Wait { .. }));
    // New mail: answered.
    w.backend.server_add(&inbox, mail("new", w.now)).unwrap();
    let SyncOutcome::Respond(r) = wake(&mut w) else {
        panic!()
    };
    w.absorb(&r);
    assert_eq!(w.held(&inbox), w.server(&inbox));
    // An empty request repeats the cached one; at the deadline with nothing new: empty.
    let SyncOutcome::Wait { until, .. } = w.raw(&SyncRequest::default()) else {
        panic!("the empty request waits like the cached one")
    };
    w.now = until;
    let ctx = Context {
        device: &w.device,
        version: w.version,
        now: w.now,
    };
    assert_eq!(
        w.engine
            .sync_after_wait(&ctx, &mut w.state, &mut w.backend, until),
        SyncOutcome::Empty
    );
}

#[test]
fn empty_request_without_a_cache_is_status_13_and_partial_merges() {
    let mut w = World::new();
    let inbox = w.inbox();
    let trash = w.trash();
    let SyncOutcome::Respond(r) = w.raw(&SyncRequest::default()) else {
        panic!()
    };
    assert_eq!(r.status, Some(SyncStatus::IncompleteRequest));
    w.full_sync(Coll::new(&inbox));
    w.full_sync(Coll::new(&trash));
    w.sync(&[Coll::new(&inbox), Coll::new(&trash)]);
    w.backend.server_add(&trash, mail("t", w.now)).unwrap();
    w.backend.server_add(&inbox, mail("i", w.now)).unwrap();
    // Partial naming only the inbox still syncs the cached trash.
    let mut req = w.request(&[Coll::new(&inbox)]);
    req.partial = Some(eas_codec::codec::Empty);
    let r = w.sync_req(&req).collections.unwrap().collections;
    assert_eq!(r.len(), 2);
    assert_eq!(w.held(&trash), w.server(&trash));
    assert_eq!(w.held(&inbox), w.server(&inbox));
}

#[test]
fn fetch_returns_the_rendered_item() {
    let mut w = World::new();
    let inbox = w.inbox();
    let ids = fill(&mut w, &inbox, 1);
    w.full_sync(Coll::new(&inbox));
    let r = w.sync1(Coll::new(&inbox).cmd(fetch_cmd(ids[0].as_str())));
    let SyncItemResponse::Fetch(f) = &item_responses(&r)[0] else {
        panic!()
    };
    assert_eq!(f.status, SyncStatus::Success);
    assert_eq!(f.application_data.as_ref(), w.backend.get(&inbox, &ids[0]));
}

#[test]
fn get_changes_0_sends_nothing_and_unknown_collections_are_status_12() {
    let mut w = World::new();
    let inbox = w.inbox();
    w.full_sync(Coll::new(&inbox));
    fill(&mut w, &inbox, 3);
    let r = w.sync1(Coll::new(&inbox).get_changes_off());
    assert!(commands(&r).is_empty());
    assert_eq!(commands(&w.sync1(Coll::new(&inbox))).len(), 3);
    let r = w.sync1(Coll::new(&CollectionId::from("nope")).key("0"));
    assert_eq!(r.status, SyncStatus::FolderHierarchyChanged);
}

/// xorshift64*: a small deterministic generator, so a failing seed can be replayed.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % u64::try_from(n).unwrap()).unwrap()
    }
    fn pick<T: Clone>(&mut self, v: &[T]) -> Option<T> {
        (!v.is_empty()).then(|| v[self.below(v.len())].clone())
    }
}

/// Random interleavings of server changes, device changes (conflicting or not), moves,
/// FilterType changes, small windows and lost responses: once the device has synced to the
/// end, it holds exactly the server's items inside its filter, and each GetItemEstimate along
/// the way equals what the following Syncs send.
#[test]
fn random_interleavings_converge() {
    for seed in 1..=200u64 {
        let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let mut w = World::new();
        let inbox = w.inbox();
        let archive = w.backend.create_folder(None, "Archive", 12).unwrap().id;
        let folders = [inbox.clone(), archive.clone()];
        let ages = [0, 2, 5, 12, 40, 200];
        let filters = [0, 1, 3, 5];
        let mut filter = [0u32, 0u32];
        // Half the seeds let the client win conflicts.
        let conflict = Some(u32::try_from(seed % 2).unwrap());
        let now = w.now;
        let age = |rng: &mut Rng| now - TimeDelta::days(ages[rng.below(ages.len())]);
        for f in &folders {
            for i in 0..rng.below(30) {
                let when = age(&mut rng);
                w.backend
                    .server_add(f, mail(&format!("s{i}"), when))
                    .unwrap();
            }
            w.full_sync(Coll::new(f).window(7));
        }
        let mut counter = 0;
        for step in 0..150 {
            counter += 1;
            let fi = rng.below(2);
            let f = folders[fi].clone();
            let server_ids: Vec<ItemId> = w.backend.all(&f).into_iter().map(|(id, _)| id).collect();
            let held: Vec<String> = w.held(&f).into_keys().collect();
            let ctx = format!("seed {seed} step {step}");
            match rng.below(10) {
                0 => {
                    let when = age(&mut rng);
                    w.backend
                        .server_add(&f, mail(&format!("n{counter}"), when))
                        .unwrap();
                }
                1 => {
                    if let Some(id) = rng.pick(&server_ids) {
                        let when = age(&mut rng);
                        w.backend
                            .server_change(&f, &id, mail(&format!("sc{counter}"), when))
                            .unwrap();
                    }
                }
                2 => {
                    if let Some(id) = rng.pick(&server_ids) {
                        w.backend.server_delete(&f, &id).unwrap();
                    }
                }
                3 => {
                    // The device edits an item it holds (dates kept recent so they stay in).
                    if let Some(id) = rng.pick(&held) {
                        let data = mail(&format!("dc{counter}"), now);
                        w.held
                            .get_mut(f.as_str())
                            .unwrap()
                            .insert(id.clone(), data.clone());
                        let mut c = Coll::new(&f).cmd(change_cmd(&id, data)).window(5);
                        c.filter = Some(filter[fi]);
                        c.conflict = conflict;
                        w.sync1(c);
                    }
                }
                4 => {
                    if let Some(id) = rng.pick(&held) {
                        w.held.get_mut(f.as_str()).unwrap().remove(&id);
                        let mut c = Coll::new(&f).cmd(delete_cmd(&id)).window(5);
                        c.deletes_as_moves = Some(false);
                        c.filter = Some(filter[fi]);
                        c.conflict = conflict;
                        w.sync1(c);
                    }
                }
                5 => {
                    let data = mail(&format!("da{counter}"), now);
                    let mut c = Coll::new(&f)
                        .cmd(add_cmd(&format!("c{counter}"), data))
                        .window(5);
                    c.filter = Some(filter[fi]);
                    c.conflict = conflict;
                    let r = w.sync1(c);
                    // The device fills in the data of what it added.
                    for resp in item_responses(&r) {
                        if let SyncItemResponse::Add(a) = resp {
                            let sid = a.server_id.as_deref().unwrap().to_string();
                            w.held
                                .get_mut(f.as_str())
                                .unwrap()
                                .insert(sid, mail(&format!("da{counter}"), now));
                        }
                    }
                }
                6 => {
                    if let Some(id) = rng.pick(&held) {
                        let to = folders[1 - fi].clone();
                        let (status, new_id) = w.move_item(&id, &f, &to);
                        if status == MoveItemsStatus::InvalidSource {
                            // Deleted on the server meanwhile; the feed's Delete follows.
                            assert!(!server_ids.contains(&ItemId::from(id.as_str())), "{ctx}");
                            continue;
                        }
                        assert_eq!(status, MoveItemsStatus::Success, "{ctx}");
                        let data = w.held.get_mut(f.as_str()).unwrap().remove(&id).unwrap();
                        w.held
                            .get_mut(to.as_str())
                            .unwrap()
                            .insert(new_id.unwrap(), data);
                    }
                }
                7 => {
                    if rng.below(2) == 0 {
                        filter[fi] = filters[rng.below(filters.len())];
                    } else {
                        // Time passes: items age out of date windows.
                        w.now += TimeDelta::hours(i64::try_from(rng.below(30)).unwrap());
                    }
                }
                8 => {
                    // A response lost on the way: the same request again gets the same answer.
                    let mut c = Coll::new(&f).window(u32::try_from(1 + rng.below(6)).unwrap());
                    // Sometimes with a change of the device's in it.
                    if let Some(id) = rng.pick(&held)
                        && rng.below(2) == 0
                    {
                        let data = mail(&format!("lc{counter}"), now);
                        w.held
                            .get_mut(f.as_str())
                            .unwrap()
                            .insert(id.clone(), data.clone());
                        c = c.cmd(change_cmd(&id, data));
                    }
                    c.filter = Some(filter[fi]);
                    c.conflict = conflict;
                    let req = w.request(&[c]);
                    let SyncOutcome::Respond(first) = w.raw(&req) else {
                        panic!("{ctx}")
                    };
                    let SyncOutcome::Respond(again) = w.raw(&req) else {
                        panic!("{ctx}")
                    };
                    assert_eq!(first, again, "{ctx}");
                    w.absorb(&again);
                }
                _ => {
                    let (_, est) = w.estimate(&f, Some(filter[fi]));
                    let mut sent = 0;
                    loop {
                        let mut c = Coll::new(&f).window(u32::try_from(1 + rng.below(9)).unwrap());
                        c.filter = Some(filter[fi]);
                        c.conflict = conflict;
                        let r = w.sync1(c);
                        sent += commands(&r).len();
                        if r.more_available.is_none() {
                            break;
                        }
                    }
                    assert_eq!(est, Some(u32::try_from(sent).unwrap()), "{ctx}");
                }
            }
        }
        // Long enough for every window's expiry check to be due; then the device polls until
        // a sync brings nothing (a device's own write made during an expiry pass is checked
        // by the next one).
        w.now += TimeDelta::days(8);
        let now = w.now;
        for (fi, f) in folders.iter().enumerate() {
            loop {
                let mut c = Coll::new(f).window(50);
                c.filter = Some(filter[fi]);
                c.conflict = conflict;
                let r = w.sync1(c);
                if r.more_available.is_none() && commands(&r).is_empty() {
                    break;
                }
            }
            let since = match filter[fi] {
                1 => now - TimeDelta::days(1),
                3 => now - TimeDelta::days(7),
                5 => now.checked_sub_months(chrono::Months::new(1)).unwrap(),
                _ => DateTime::<Utc>::MIN_UTC,
            };
            let expected: BTreeMap<String, ApplicationData> = w
                .server(f)
                .into_iter()
                .filter(|(_, d)| match d {
                    ApplicationData::Email(e) => {
                        let s = e.date_received.as_deref().unwrap();
                        DateTime::parse_from_rfc3339(s).unwrap() >= since
                    }
                    _ => true,
                })
                .collect();
            assert_eq!(w.held(f), expected, "seed {seed} folder {f}");
        }
    }
}

mod garbage {
    //! Whatever a device sends, the engine answers with a status and never panics.
    use proptest::prelude::*;

    use super::*;

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            Just("0".to_string()),
            Just("1".to_string()),
            Just("2".to_string()),
            Just("3".to_string()),
            Just("1:1".to_string()),
            Just("1:2".to_string()),
            Just("2".to_string()),
            "[a-z0-9:{}-]{0,6}",
            Just("99999999999999999999999".to_string()),
        ]
    }

    fn command() -> impl Strategy<Value = SyncRequestCommand> {
        (0..4u8, text(), 0..3u8).prop_map(|(kind, id, data)| {
            let data = match data {
                0 => mail(&id, t0()),
                1 => ApplicationData::Contact(Box::default()),
                _ => mail("old", t0() - TimeDelta::days(400)),
            };
            match kind {
                0 => add_cmd(&id, data),
                1 => change_cmd(&id, data),
                2 => delete_cmd(&id),
                _ => fetch_cmd(&id),
            }
        })
    }

    fn collection() -> impl Strategy<Value = SyncCollection> {
        (
            text(),
            prop_oneof![Just("1".to_string()), Just("3".to_string()), text()],
            proptest::option::of(any::<u32>()),
            proptest::option::of(0..12u32),
            proptest::option::of(0..3u32),
            proptest::option::of(any::<bool>()),
            proptest::collection::vec(command(), 0..4),
        )
            .prop_map(
                |(key, id, window, filter, conflict, get_changes, commands)| SyncCollection {
                    sync_key: key.into(),
                    collection_id: id.into(),
                    window_size: window,
                    get_changes: get_changes.map(Toggle::Value),
                    options: if filter.is_some() || conflict.is_some() {
                        vec![SyncOptions {
                            filter_type: filter,
                            conflict,
                            ..SyncOptions::default()
                        }]
                    } else {
                        Vec::new()
                    },
                    commands: (!commands.is_empty()).then_some(SyncRequestCommands { commands }),
                    ..SyncCollection::default()
                },
            )
    }

    fn request() -> impl Strategy<Value = SyncRequest> {
        (
            proptest::option::of(proptest::collection::vec(collection(), 0..3)),
            proptest::option::of(prop_oneof![0..70u32, any::<u32>()]),
            proptest::option::of(prop_oneof![0..4000u32, any::<u32>()]),
            proptest::option::of(any::<u32>()),
            any::<bool>(),
        )
            .prop_map(|(collections, wait, hb, window, partial)| SyncRequest {
                collections: collections.map(|collections| SyncCollections { collections }),
                wait,
                heartbeat_interval: hb,
                window_size: window,
                partial: partial.then_some(eas_codec::codec::Empty),
            })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn any_request_sequence_is_answered(reqs in proptest::collection::vec(request(), 1..8)) {
            let mut w = World::new();
            let inbox = w.inbox();
            fill(&mut w, &inbox, 5);
            for req in &reqs {
                match w.raw(req) {
                    SyncOutcome::Respond(r) => {
                        for c in r.collections.iter().flat_map(|c| &c.collections) {
                            prop_assert!(SyncKey::parse(&c.sync_key).is_some());
                        }
                    }
                    SyncOutcome::Wait { until, .. } => prop_assert!(until > w.now),
                    SyncOutcome::Empty => prop_assert!(false, "Empty only after a wait"),
                }
                let ctx = Context { device: &w.device, version: w.version, now: w.now };
                let _ = w.engine.sync_after_wait(&ctx, &mut w.state, &mut w.backend, w.now);
                let est = GetItemEstimateRequest {
                    collections: EstimateCollections {
                        collections: req
                            .collections
                            .iter()
                            .flat_map(|c| &c.collections)
                            .map(|c| EstimateCollection {
                                sync_key: Some(c.sync_key.clone()),
                                collection_id: c.collection_id.clone(),
                                options: c.options.clone(),
                                ..EstimateCollection::default()
                            })
                            .collect(),
                    },
                };
                let _ = w.engine.get_item_estimate(&ctx, &w.state, &w.backend, &est);
                let moves = MoveItemsRequest {
                    moves: req
                        .collections
                        .iter()
                        .flat_map(|c| &c.collections)
                        .map(|c| MoveItem {
                            src_msg_id: c.sync_key.clone(),
                            src_fld_id: c.collection_id.clone(),
                            dst_fld_id: "2".into(),
                        })
                        .collect(),
                };
                let _ = w.engine.move_items(&ctx, &mut w.state, &mut w.backend, &moves);
            }
        }
    }
}
