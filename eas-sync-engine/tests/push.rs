//! Ping bookkeeping against the in-memory backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::folder::FolderSyncRequest;
use eas_codec::command::ping::{PingFolder, PingFolders, PingRequest, PingResponse, PingStatus};
use eas_codec::data::ApplicationData;
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::push::{PingOutcome, PingPlan, PingWake};
use eas_sync_engine::state::CollectionState;
use eas_sync_engine::{Backend, CollectionId, Context, DeviceId, DeviceState, Engine, Limits};

struct Fixture {
    engine: Engine,
    device: DeviceId,
    state: DeviceState,
    backend: MemoryBackend,
    now: DateTime<Utc>,
    inbox: CollectionId,
    calendar: CollectionId,
}

impl Fixture {
    /// A device that has synced the hierarchy and the Inbox and Calendar, all caught up.
    fn new() -> Self {
        let backend = MemoryBackend::with_default_folders();
        let inbox = backend.folder_of_type(2).unwrap();
        let calendar = backend.folder_of_type(8).unwrap();
        let mut f = Fixture {
            engine: Engine::default(),
            device: DeviceId::from("dev1"),
            state: DeviceState::default(),
            backend,
            now: Utc.with_ymd_and_hms(2026, 11, 22, 7, 30, 0).unwrap(),
            inbox,
            calendar,
        };
        let ctx = Context {
            device: &f.device,
            version: ProtocolVersion::V14_1,
            now: f.now,
        };
        let r = f.engine.folder_sync(
            &ctx,
            &mut f.state,
            &mut f.backend,
            &FolderSyncRequest {
                sync_key: "0".into(),
            },
        );
        assert_eq!(r.status.code(), 1);
        for id in [f.inbox.clone(), f.calendar.clone()] {
            f.state.collections.insert(id, CollectionState::default());
        }
        f
    }

    fn ping(&mut self, req: &PingRequest) -> PingOutcome {
        let ctx = Context {
            device: &self.device,
            version: ProtocolVersion::V14_1,
            now: self.now,
        };
        self.engine
            .ping(&ctx, &mut self.state, &mut self.backend, req)
    }

    fn wake(&self, plan: &PingPlan, changed: &[CollectionId]) -> PingWake {
        let ctx = Context {
            device: &self.device,
            version: ProtocolVersion::V14_1,
            now: self.now,
        };
        self.engine
            .ping_result(&ctx, &self.state, &self.backend, plan, changed)
    }

    fn new_mail(&mut self) {
        self.backend
            .server_add(&self.inbox, ApplicationData::Email(Box::default()))
            .unwrap();
    }
}

fn request(heartbeat: Option<u32>, folders: &[(&CollectionId, &str)]) -> PingRequest {
    PingRequest {
        heartbeat_interval: heartbeat,
        folders: (!folders.is_empty()).then(|| PingFolders {
            folders: folders
                .iter()
                .map(|(id, class)| PingFolder {
                    id: id.as_str().into(),
                    class: (*class).into(),
                })
                .collect(),
        }),
    }
}

fn full(f: &Fixture, heartbeat: u32) -> PingRequest {
    request(
        Some(heartbeat),
        &[(&f.inbox, "Email"), (&f.calendar, "Calendar")],
    )
}

fn respond(o: PingOutcome) -> PingResponse {
    match o {
        PingOutcome::Respond(r) => r,
        PingOutcome::Wait(p) => panic!("expected an answer, got a plan {p:?}"),
    }
}

fn wait(o: PingOutcome) -> PingPlan {
    match o {
        PingOutcome::Wait(p) => p,
        PingOutcome::Respond(r) => panic!("expected a plan, got {r:?}"),
    }
}

fn woke(w: PingWake) -> PingResponse {
    match w {
        PingWake::Respond(r) => r,
        other => panic!("expected an answer, got {other:?}"),
    }
}

fn changed_ids(r: &PingResponse) -> Vec<String> {
    r.folders
        .as_ref()
        .map(|f| f.folders.iter().map(|s| s.to_string()).collect())
        .unwrap_or_default()
}

#[test]
fn nothing_pending_gives_a_plan_to_wait_on() {
    let mut f = Fixture::new();
    let plan = wait(f.ping(&full(&f, 300)));
    assert_eq!(plan.collections, [f.inbox.clone(), f.calendar.clone()]);
    assert_eq!(plan.heartbeat, 300);
    assert_eq!(plan.until, f.now + TimeDelta::seconds(300));
    assert_eq!(plan.generation, 1);
}

#[test]
fn changes_already_pending_are_answered_at_once() {
    let mut f = Fixture::new();
    f.new_mail();
    let r = respond(f.ping(&full(&f, 300)));
    assert_eq!(r.status, PingStatus::ChangesOccurred);
    assert_eq!(changed_ids(&r), [f.inbox.to_string()]);
}

#[test]
fn changes_the_device_has_synced_are_not_pending() {
    let mut f = Fixture::new();
    f.new_mail();
    // The device's Sync took the feed up to its end.
    let end = f
        .backend
        .changes(&f.inbox, Default::default(), 100)
        .unwrap()
        .next;
    f.state.collections.get_mut(&f.inbox).unwrap().cursor = end;
    wait(f.ping(&full(&f, 300)));
}

#[test]
fn a_heartbeat_outside_the_bounds_is_status_5_with_the_bound() {
    let mut f = Fixture::new();
    let r = respond(f.ping(&full(&f, 59)));
    assert_eq!(r.status, PingStatus::InvalidHeartbeatInterval);
    assert_eq!(r.heartbeat_interval, Some(60));
    let r = respond(f.ping(&full(&f, 3541)));
    assert_eq!(r.status, PingStatus::InvalidHeartbeatInterval);
    assert_eq!(r.heartbeat_interval, Some(3540));
    // The bounds themselves are fine.
    assert_eq!(wait(f.ping(&full(&f, 60))).heartbeat, 60);
    assert_eq!(wait(f.ping(&full(&f, 3540))).heartbeat, 3540);
}

#[test]
fn an_empty_ping_reuses_the_last_parameters() {
    let mut f = Fixture::new();
    let first = wait(f.ping(&full(&f, 480)));
    let again = wait(f.ping(&PingRequest::default()));
    assert_eq!(again.collections, first.collections);
    assert_eq!(again.heartbeat, 480);
    assert_eq!(again.generation, first.generation + 1);
    // Only the heartbeat changes: the folders are reused, and the new heartbeat is kept.
    let hb_only = wait(f.ping(&request(Some(900), &[])));
    assert_eq!(hb_only.collections, first.collections);
    assert_eq!(hb_only.heartbeat, 900);
    // Only the folders change: the heartbeat is reused.
    let folders_only = wait(f.ping(&request(None, &[(&f.calendar.clone(), "Calendar")])));
    assert_eq!(folders_only.collections, [f.calendar.clone()]);
    assert_eq!(folders_only.heartbeat, 900);
    assert_eq!(
        wait(f.ping(&PingRequest::default())).collections,
        [f.calendar.clone()]
    );
}

#[test]
fn missing_parameters_the_first_time_are_status_3() {
    for req in [
        PingRequest::default(),
        request(Some(300), &[]),
        request(None, &[(&CollectionId::from("1"), "Email")]),
        PingRequest {
            heartbeat_interval: Some(300),
            folders: Some(PingFolders::default()),
        },
    ] {
        let mut f = Fixture::new();
        let r = respond(f.ping(&req));
        assert_eq!(r.status, PingStatus::MissingParameters, "{req:?}");
    }
}

#[test]
fn rejected_parameters_are_not_cached() {
    let mut f = Fixture::new();
    respond(f.ping(&full(&f, 30)));
    let r = respond(f.ping(&PingRequest::default()));
    assert_eq!(r.status, PingStatus::MissingParameters);
}

#[test]
fn too_many_folders_is_status_6_with_max_folders() {
    let mut f = Fixture::new();
    f.engine = Engine {
        limits: Limits {
            max_collections: 1,
            ..Limits::default()
        },
    };
    let r = respond(f.ping(&full(&f, 300)));
    assert_eq!(r.status, PingStatus::TooManyFolders);
    assert_eq!(r.max_folders, Some(1));
    // A folder listed twice counts once.
    let inbox = f.inbox.clone();
    let twice = request(Some(300), &[(&inbox, "Email"), (&inbox, "Email")]);
    assert_eq!(wait(f.ping(&twice)).collections, [inbox]);
}

#[test]
fn an_unknown_folder_is_status_7() {
    let mut f = Fixture::new();
    let ghost = CollectionId::from("999");
    let r = respond(f.ping(&request(Some(300), &[(&ghost, "Email")])));
    assert_eq!(r.status, PingStatus::FolderSyncRequired);
}

#[test]
fn a_folder_the_device_never_synced_is_status_7() {
    let mut f = Fixture::new();
    let contacts = f.backend.folder_of_type(9).unwrap();
    let r = respond(f.ping(&request(Some(300), &[(&contacts, "Contacts")])));
    assert_eq!(r.status, PingStatus::FolderSyncRequired);
}

#[test]
fn a_hierarchy_changed_on_the_server_is_status_7() {
    let mut f = Fixture::new();
    f.backend.create_folder(None, "From the web", 12).unwrap();
    let r = respond(f.ping(&full(&f, 300)));
    assert_eq!(r.status, PingStatus::FolderSyncRequired);
}

#[test]
fn a_newer_ping_supersedes_the_parked_one() {
    let mut f = Fixture::new();
    let old = wait(f.ping(&full(&f, 300)));
    let new = wait(f.ping(&PingRequest::default()));
    assert!(new.generation > old.generation);
    f.new_mail();
    assert_eq!(
        f.wake(&old, std::slice::from_ref(&f.inbox)),
        PingWake::Superseded
    );
    let r = woke(f.wake(&new, std::slice::from_ref(&f.inbox)));
    assert_eq!(r.status, PingStatus::ChangesOccurred);
    assert_eq!(changed_ids(&r), [f.inbox.to_string()]);
    // Even an immediate answer supersedes: the device has moved on.
    let newest = respond(f.ping(&PingRequest::default()));
    assert_eq!(newest.status, PingStatus::ChangesOccurred);
    assert_eq!(f.wake(&new, &[]), PingWake::Superseded);
}

#[test]
fn the_heartbeat_expires_with_status_1() {
    let mut f = Fixture::new();
    let plan = wait(f.ping(&full(&f, 300)));
    f.now = plan.until - TimeDelta::seconds(1);
    assert_eq!(f.wake(&plan, &[]), PingWake::KeepWaiting);
    f.now = plan.until;
    let r = woke(f.wake(&plan, &[]));
    assert_eq!(r.status, PingStatus::HeartbeatExpired);
    assert_eq!(r.folders, None);
}

#[test]
fn a_notified_change_is_reported_before_the_heartbeat() {
    let mut f = Fixture::new();
    let plan = wait(f.ping(&full(&f, 300)));
    f.now += TimeDelta::seconds(10);
    let r = woke(f.wake(&plan, std::slice::from_ref(&f.calendar)));
    assert_eq!(r.status, PingStatus::ChangesOccurred);
    assert_eq!(changed_ids(&r), [f.calendar.to_string()]);
}

#[test]
fn a_change_in_the_feed_is_found_without_a_notification() {
    let mut f = Fixture::new();
    let plan = wait(f.ping(&full(&f, 300)));
    f.new_mail();
    f.now += TimeDelta::seconds(10);
    let r = woke(f.wake(&plan, &[]));
    assert_eq!(changed_ids(&r), [f.inbox.to_string()]);
}

#[test]
fn a_notification_for_an_unwatched_folder_is_ignored() {
    let mut f = Fixture::new();
    let plan = wait(f.ping(&request(Some(300), &[(&f.calendar.clone(), "Calendar")])));
    let notes = f.backend.folder_of_type(10).unwrap();
    assert_eq!(f.wake(&plan, &[notes]), PingWake::KeepWaiting);
}

#[test]
fn a_watched_folder_deleted_during_the_wait_is_status_7() {
    let mut f = Fixture::new();
    let mine = f.backend.create_folder(None, "Mine", 12).unwrap().id;
    let ctx = Context {
        device: &f.device,
        version: ProtocolVersion::V14_1,
        now: f.now,
    };
    let key = f.state.hierarchy.key.to_wire();
    f.engine.folder_sync(
        &ctx,
        &mut f.state,
        &mut f.backend,
        &FolderSyncRequest {
            sync_key: key.into(),
        },
    );
    f.state
        .collections
        .insert(mine.clone(), CollectionState::default());
    let plan = wait(f.ping(&request(Some(300), &[(&mine, "Email")])));
    f.backend.delete_folder(&mine).unwrap();
    let r = woke(f.wake(&plan, &[]));
    assert_eq!(r.status, PingStatus::FolderSyncRequired);
}
