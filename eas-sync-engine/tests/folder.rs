//! FolderSync, FolderCreate, FolderUpdate and FolderDelete against the in-memory backend.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use chrono::{TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::folder::{
    FolderChange, FolderCreateRequest, FolderDeleteRequest, FolderSyncRequest, FolderSyncResponse,
    FolderSyncStatus, FolderUpdateRequest,
};
use eas_codec::data::ApplicationData;
use eas_sync_engine::backend::{ChangePage, ItemMeta, RenderContext};
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::state::CollectionState;
use eas_sync_engine::{
    Backend, BackendError, ChangeToken, CollectionId, Context, DeviceId, DeviceState, Engine,
    Folder, ItemId,
};

/// A backend whose store can be switched off, for status 6.
struct Flaky {
    inner: MemoryBackend,
    down: bool,
}

impl Flaky {
    fn check(&self) -> Result<(), BackendError> {
        if self.down {
            Err(BackendError::Unavailable("switched off".into()))
        } else {
            Ok(())
        }
    }
}

impl Backend for Flaky {
    fn folders(&self) -> Result<(Vec<Folder>, ChangeToken), BackendError> {
        self.check()?;
        self.inner.folders()
    }
    fn create_folder(
        &mut self,
        parent: Option<&CollectionId>,
        name: &str,
        folder_type: u8,
    ) -> Result<Folder, BackendError> {
        self.check()?;
        self.inner.create_folder(parent, name, folder_type)
    }
    fn update_folder(
        &mut self,
        id: &CollectionId,
        parent: Option<&CollectionId>,
        name: &str,
    ) -> Result<(), BackendError> {
        self.check()?;
        self.inner.update_folder(id, parent, name)
    }
    fn delete_folder(&mut self, id: &CollectionId) -> Result<(), BackendError> {
        self.check()?;
        self.inner.delete_folder(id)
    }
    fn changes(
        &self,
        folder: &CollectionId,
        since: ChangeToken,
        limit: usize,
    ) -> Result<ChangePage, BackendError> {
        self.inner.changes(folder, since, limit)
    }
    fn items(
        &self,
        folder: &CollectionId,
        after: Option<&ItemId>,
        limit: usize,
    ) -> Result<Vec<ItemMeta>, BackendError> {
        self.inner.items(folder, after, limit)
    }
    fn item(&self, folder: &CollectionId, id: &ItemId) -> Result<Option<ItemMeta>, BackendError> {
        self.inner.item(folder, id)
    }
    fn render(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        ctx: &RenderContext<'_>,
    ) -> Result<ApplicationData, BackendError> {
        self.inner.render(folder, id, ctx)
    }
    fn add(
        &mut self,
        folder: &CollectionId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        self.inner.add(folder, data)
    }
    fn change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        self.inner.change(folder, id, data)
    }
    fn delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        to_trash: bool,
    ) -> Result<(), BackendError> {
        self.inner.delete(folder, id, to_trash)
    }
    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        self.inner.move_item(from, id, to)
    }
}

struct Fixture {
    engine: Engine,
    device: DeviceId,
    state: DeviceState,
    backend: Flaky,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            engine: Engine::default(),
            device: DeviceId::from("dev1"),
            state: DeviceState::default(),
            backend: Flaky {
                inner: MemoryBackend::with_default_folders(),
                down: false,
            },
        }
    }

    /// A fixture that has done its first FolderSync.
    fn synced() -> Self {
        let mut f = Fixture::new();
        let r = f.sync("0");
        assert_eq!(r.status, FolderSyncStatus::Success);
        f
    }

    fn ctx(&self) -> Context<'_> {
        Context {
            device: &self.device,
            version: ProtocolVersion::V14_1,
            now: Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap(),
        }
    }

    fn key(&self) -> String {
        self.state.hierarchy.key.to_wire()
    }

    fn sync(&mut self, key: &str) -> FolderSyncResponse {
        let ctx = Context {
            device: &self.device,
            ..self.ctx()
        };
        let req = FolderSyncRequest {
            sync_key: key.into(),
        };
        self.engine
            .folder_sync(&ctx, &mut self.state, &mut self.backend, &req)
    }

    fn create(
        &mut self,
        key: &str,
        parent: &str,
        name: &str,
        folder_type: u32,
    ) -> (u32, Option<String>, Option<String>) {
        let ctx = Context {
            device: &self.device,
            ..self.ctx()
        };
        let req = FolderCreateRequest {
            sync_key: key.into(),
            parent_id: parent.into(),
            display_name: name.into(),
            folder_type,
        };
        let r = self
            .engine
            .folder_create(&ctx, &mut self.state, &mut self.backend, &req);
        (
            r.status.code(),
            r.sync_key.map(|k| k.to_string()),
            r.server_id.map(|k| k.to_string()),
        )
    }

    fn update(&mut self, key: &str, id: &str, parent: &str, name: &str) -> (u32, Option<String>) {
        let ctx = Context {
            device: &self.device,
            ..self.ctx()
        };
        let req = FolderUpdateRequest {
            sync_key: key.into(),
            server_id: id.into(),
            parent_id: parent.into(),
            display_name: name.into(),
        };
        let r = self
            .engine
            .folder_update(&ctx, &mut self.state, &mut self.backend, &req);
        (r.status.code(), r.sync_key.map(|k| k.to_string()))
    }

    fn delete(&mut self, key: &str, id: &str) -> (u32, Option<String>) {
        let ctx = Context {
            device: &self.device,
            ..self.ctx()
        };
        let req = FolderDeleteRequest {
            sync_key: key.into(),
            server_id: id.into(),
        };
        let r = self
            .engine
            .folder_delete(&ctx, &mut self.state, &mut self.backend, &req);
        (r.status.code(), r.sync_key.map(|k| k.to_string()))
    }

    fn id_of_type(&self, folder_type: u8) -> String {
        self.backend
            .inner
            .folder_of_type(folder_type)
            .unwrap()
            .to_string()
    }

    /// A folder created on the server side (web client, another device).
    fn server_create(&mut self, parent: Option<&str>, name: &str, folder_type: u8) -> String {
        let parent = parent.map(CollectionId::from);
        self.backend
            .inner
            .create_folder(parent.as_ref(), name, folder_type)
            .unwrap()
            .id
            .to_string()
    }
}

/// (kind, server id, parent id, name, type) per change; Deletes have only the id.
fn changes(r: &FolderSyncResponse) -> Vec<(char, String, String, String, u32)> {
    r.changes
        .as_ref()
        .map(|c| {
            c.changes
                .iter()
                .map(|ch| match ch {
                    FolderChange::Add(f) | FolderChange::Update(f) => (
                        if matches!(ch, FolderChange::Add(_)) {
                            'A'
                        } else {
                            'U'
                        },
                        f.server_id.to_string(),
                        f.parent_id.to_string(),
                        f.display_name.to_string(),
                        f.folder_type,
                    ),
                    FolderChange::Delete(d) => (
                        'D',
                        d.server_id.to_string(),
                        String::new(),
                        String::new(),
                        0,
                    ),
                })
                .collect()
        })
        .unwrap_or_default()
}

fn count(r: &FolderSyncResponse) -> Option<u32> {
    r.changes.as_ref().and_then(|c| c.count)
}

#[test]
fn initial_sync_sends_every_folder_as_an_add_with_its_default_type() {
    let mut f = Fixture::new();
    let r = f.sync("0");
    assert_eq!(r.status, FolderSyncStatus::Success);
    assert_eq!(r.sync_key.as_deref(), Some("1"));
    assert_eq!(count(&r), Some(9));
    let adds = changes(&r);
    assert!(adds.iter().all(|c| c.0 == 'A' && c.2 == "0"), "{adds:?}");
    let mut by_name: Vec<(String, u32)> = adds.iter().map(|c| (c.3.clone(), c.4)).collect();
    by_name.sort();
    assert_eq!(
        by_name,
        [
            ("Calendar".to_string(), 8),
            ("Contacts".to_string(), 9),
            ("Deleted Items".to_string(), 4),
            ("Drafts".to_string(), 3),
            ("Inbox".to_string(), 2),
            ("Notes".to_string(), 10),
            ("Outbox".to_string(), 6),
            ("Sent Items".to_string(), 5),
            ("Tasks".to_string(), 7),
        ]
    );
    assert_eq!(f.state.hierarchy.folders.len(), 9);
}

#[test]
fn initial_sync_lists_a_parent_before_its_subfolder() {
    let mut f = Fixture::new();
    let inbox = f.id_of_type(2);
    // The child is created first, so its id comes first in id order; then it moves under a
    // parent created after it.
    let child = f.server_create(None, "2026", 12);
    let parent = f.server_create(Some(&inbox), "Projects", 12);
    f.backend
        .inner
        .update_folder(
            &CollectionId::from(child.as_str()),
            Some(&CollectionId::from(parent.as_str())),
            "2026",
        )
        .unwrap();
    assert!(child < parent);
    let r = f.sync("0");
    let adds = changes(&r);
    let pos = |id: &str| adds.iter().position(|c| c.1 == id).unwrap();
    assert!(pos(&inbox) < pos(&parent));
    assert!(pos(&parent) < pos(&child));
    assert_eq!(adds[pos(&child)].2, parent);
    assert_eq!(adds[pos(&parent)].2, inbox);
}

#[test]
fn nothing_changed_answers_count_zero_and_keeps_the_key() {
    let mut f = Fixture::synced();
    let r = f.sync("1");
    assert_eq!(r.status, FolderSyncStatus::Success);
    assert_eq!(r.sync_key.as_deref(), Some("1"));
    assert_eq!(count(&r), Some(0));
    assert!(changes(&r).is_empty());
    assert_eq!(f.key(), "1");
}

#[test]
fn incremental_sync_reports_server_side_add_update_and_delete() {
    let mut f = Fixture::synced();
    let inbox = f.id_of_type(2);
    let doomed = f.server_create(None, "Old", 12);
    let renamed = f.server_create(None, "Before", 12);
    assert_eq!(count(&f.sync("1")), Some(2));
    assert_eq!(f.key(), "2");
    // The device synced the doomed folder's items once.
    f.state.collections.insert(
        CollectionId::from(doomed.as_str()),
        CollectionState::default(),
    );

    let added = f.server_create(Some(&inbox), "New", 12);
    f.backend
        .inner
        .update_folder(
            &CollectionId::from(renamed.as_str()),
            Some(&CollectionId::from(inbox.as_str())),
            "After",
        )
        .unwrap();
    f.backend
        .inner
        .delete_folder(&CollectionId::from(doomed.as_str()))
        .unwrap();

    let r = f.sync("2");
    assert_eq!(r.status, FolderSyncStatus::Success);
    assert_eq!(r.sync_key.as_deref(), Some("3"));
    assert_eq!(count(&r), Some(3));
    assert_eq!(
        changes(&r),
        [
            ('A', added.clone(), inbox.clone(), "New".to_string(), 12),
            ('U', renamed.clone(), inbox.clone(), "After".to_string(), 12),
            ('D', doomed.clone(), String::new(), String::new(), 0),
        ]
    );
    assert!(!f.state.collections.contains_key(doomed.as_str()));
    // And then it is quiet again.
    assert_eq!(count(&f.sync("3")), Some(0));
}

#[test]
fn a_repeated_previous_key_replays_the_lost_response() {
    let mut f = Fixture::synced();
    f.server_create(None, "Projects", 12);
    let first = f.sync("1");
    assert_eq!(first.sync_key.as_deref(), Some("2"));
    // More happens on the server before the device retries.
    f.server_create(None, "Later", 12);
    let again = f.sync("1");
    assert_eq!(again, first);
    assert_eq!(f.key(), "2");
    // The new key then brings the later change, once.
    let next = f.sync("2");
    assert_eq!(count(&next), Some(1));
    assert_eq!(changes(&next)[0].3, "Later");
}

#[test]
fn unknown_or_malformed_keys_are_status_9() {
    let mut f = Fixture::synced();
    f.server_create(None, "A", 12);
    f.sync("1");
    f.server_create(None, "B", 12);
    f.sync("2");
    assert_eq!(f.key(), "3");
    for bad in ["1", "4", "99", "abc", "", "-1"] {
        let r = f.sync(bad);
        assert_eq!(r.status, FolderSyncStatus::InvalidSyncKey, "{bad:?}");
        assert_eq!(r.sync_key, None);
        assert_eq!(r.changes, None);
    }
    assert_eq!(f.key(), "3");
}

#[test]
fn a_never_synced_device_must_start_from_zero() {
    let mut f = Fixture::new();
    assert_eq!(f.sync("1").status, FolderSyncStatus::InvalidSyncKey);
}

#[test]
fn key_zero_resets_with_a_fresh_key_and_invalidates_the_old_one() {
    let mut f = Fixture::synced();
    f.server_create(None, "A", 12);
    f.sync("1");
    let r = f.sync("0");
    assert_eq!(r.sync_key.as_deref(), Some("3"));
    assert_eq!(count(&r), Some(10));
    assert!(changes(&r).iter().all(|c| c.0 == 'A'));
    assert_eq!(f.sync("2").status, FolderSyncStatus::InvalidSyncKey);
    assert_eq!(count(&f.sync("3")), Some(0));
}

#[test]
fn a_store_failure_is_status_6_and_changes_nothing() {
    let mut f = Fixture::synced();
    let before = f.state.clone();
    f.backend.down = true;
    let r = f.sync("1");
    assert_eq!(r.status, FolderSyncStatus::ServerError);
    assert_eq!(r.sync_key, None);
    assert_eq!(f.state, before);
}

#[test]
fn folder_create_gives_an_id_and_a_new_key_and_is_not_echoed() {
    let mut f = Fixture::synced();
    let inbox = f.id_of_type(2);
    let (status, key, id) = f.create("1", &inbox, "Receipts", 12);
    assert_eq!(status, 1);
    assert_eq!(key.as_deref(), Some("2"));
    let id = id.unwrap();
    let (folders, _) = f.backend.folders().unwrap();
    let made = folders.iter().find(|x| x.id.as_str() == id).unwrap();
    assert_eq!(made.name, "Receipts");
    assert_eq!(made.parent.as_ref().map(|p| p.to_string()), Some(inbox));
    // The next FolderSync uses the new key and does not send the folder back.
    let r = f.sync("2");
    assert_eq!(r.status, FolderSyncStatus::Success);
    assert_eq!(count(&r), Some(0));
    // The old key is spent.
    assert_eq!(f.sync("1").status, FolderSyncStatus::InvalidSyncKey);
}

#[test]
fn folder_create_at_the_top_and_of_each_user_type() {
    let mut f = Fixture::synced();
    let mut key = f.key();
    for (n, t) in [1, 12, 13, 14, 15, 16, 17].into_iter().enumerate() {
        let (status, new_key, _) = f.create(&key, "0", &format!("F{n}"), t);
        assert_eq!(status, 1, "type {t}");
        key = new_key.unwrap();
    }
    assert_eq!(count(&f.sync(&key)), Some(0));
}

#[test]
fn the_device_change_is_not_echoed_but_a_concurrent_server_change_is() {
    let mut f = Fixture::synced();
    let server_side = f.server_create(None, "From the web", 12);
    let (status, key, mine) = f.create("1", "0", "From the phone", 12);
    assert_eq!(status, 1);
    let r = f.sync(&key.unwrap());
    let ids: Vec<String> = changes(&r).into_iter().map(|c| c.1).collect();
    assert_eq!(ids, [server_side]);
    assert!(!ids.contains(&mine.unwrap()));
}

#[test]
fn folder_create_statuses() {
    let mut f = Fixture::synced();
    let inbox = f.id_of_type(2);
    assert_eq!(f.create("1", &inbox, "Dup", 12).0, 1);
    let key = f.key();
    // 2: the name is taken under that parent.
    assert_eq!(f.create(&key, &inbox, "Dup", 12), (2, None, None));
    // 5: no such parent.
    assert_eq!(f.create(&key, "nope", "X", 12), (5, None, None));
    // 10: default folder types and nonsense types are not for clients to create; nor is an
    // empty name.
    for t in [2, 8, 11, 18, 19, 300] {
        assert_eq!(f.create(&key, "0", "X", t).0, 10, "type {t}");
    }
    assert_eq!(f.create(&key, "0", "  ", 12).0, 10);
    // 9: a key that is not the current one.
    assert_eq!(f.create("1", "0", "X", 12).0, 9);
    assert_eq!(f.create("77", "0", "X", 12).0, 9);
    // 6: the store is down.
    f.backend.down = true;
    assert_eq!(f.create(&key, "0", "X", 12), (6, None, None));
    f.backend.down = false;
    // None of the failures moved the key.
    assert_eq!(f.key(), key);
}

#[test]
fn folder_create_under_the_recipient_information_cache_is_status_3() {
    let mut f = Fixture::synced();
    let ri = f.server_create(None, "RI", 19);
    f.sync("1");
    assert_eq!(f.create("2", &ri, "X", 12).0, 3);
}

#[test]
fn folder_commands_need_a_first_folder_sync() {
    let mut f = Fixture::new();
    assert_eq!(f.create("0", "0", "X", 12).0, 9);
    let inbox = f.id_of_type(2);
    assert_eq!(f.update("0", &inbox, "0", "X").0, 9);
    assert_eq!(f.delete("0", &inbox).0, 9);
}

#[test]
fn a_retried_folder_create_is_answered_not_applied_twice() {
    let mut f = Fixture::synced();
    let first = f.create("1", "0", "Once", 12);
    assert_eq!(first.0, 1);
    let again = f.create("1", "0", "Once", 12);
    assert_eq!(again, first);
    let (folders, _) = f.backend.folders().unwrap();
    assert_eq!(folders.iter().filter(|x| x.name == "Once").count(), 1);
    // A different request with the spent key is still refused.
    assert_eq!(f.create("1", "0", "Other", 12).0, 9);
}

#[test]
fn folder_update_renames_and_moves_without_echo() {
    let mut f = Fixture::synced();
    let inbox = f.id_of_type(2);
    let (_, key, id) = f.create("1", "0", "Old name", 12);
    let id = id.unwrap();
    let (status, key) = f.update(&key.unwrap(), &id, &inbox, "New name");
    assert_eq!(status, 1);
    let key = key.unwrap();
    assert_eq!(key, "3");
    let (folders, _) = f.backend.folders().unwrap();
    let moved = folders.iter().find(|x| x.id.as_str() == id).unwrap();
    assert_eq!(moved.name, "New name");
    assert_eq!(moved.parent.as_ref().map(|p| p.to_string()), Some(inbox));
    assert_eq!(count(&f.sync(&key)), Some(0));
    // Back to the top.
    let (status, key) = f.update(&key, &id, "0", "New name");
    assert_eq!(status, 1);
    assert_eq!(count(&f.sync(&key.unwrap())), Some(0));
}

#[test]
fn folder_update_statuses() {
    let mut f = Fixture::synced();
    let inbox = f.id_of_type(2);
    let (_, _, a) = f.create("1", "0", "A", 12);
    let (_, _, b) = f.create("2", "0", "B", 12);
    let (_, _, child) = f.create("3", &a.clone().unwrap(), "Child", 12);
    let ri = f.server_create(None, "RI", 19);
    let key = f.key();
    assert_eq!(key, "4");
    let r = f.sync(&key);
    assert_eq!(count(&r), Some(1));
    let key = r.sync_key.unwrap().to_string();
    let (a, b, child) = (a.unwrap(), b.unwrap(), child.unwrap());
    // 2: the name is taken there; or the folder is a default folder.
    assert_eq!(f.update(&key, &b, "0", "A"), (2, None));
    assert_eq!(f.update(&key, &inbox, "0", "Post"), (2, None));
    // 3: the Recipient information cache.
    assert_eq!(f.update(&key, &ri, "0", "Mine"), (3, None));
    // 4: no such folder.
    assert_eq!(f.update(&key, "nope", "0", "X"), (4, None));
    // 5: no such parent.
    assert_eq!(f.update(&key, &b, "nope", "B"), (5, None));
    // 10: under itself or its own subfolder; empty name.
    assert_eq!(f.update(&key, &a, &a, "A"), (10, None));
    assert_eq!(f.update(&key, &a, &child, "A"), (10, None));
    assert_eq!(f.update(&key, &b, "0", ""), (10, None));
    // 9: a stale key.
    assert_eq!(f.update("1", &b, "0", "B2"), (9, None));
    // 6: the store is down.
    f.backend.down = true;
    assert_eq!(f.update(&key, &b, "0", "B2"), (6, None));
    f.backend.down = false;
    assert_eq!(f.key(), key);
    assert_eq!(f.update(&key, &b, "0", "B2").0, 1);
}

#[test]
fn a_retried_folder_update_is_answered_again() {
    let mut f = Fixture::synced();
    let (_, key, id) = f.create("1", "0", "A", 12);
    let (key, id) = (key.unwrap(), id.unwrap());
    let first = f.update(&key, &id, "0", "B");
    assert_eq!(first.0, 1);
    assert_eq!(f.update(&key, &id, "0", "B"), first);
    assert_eq!(f.update(&key, &id, "0", "C").0, 9);
}

#[test]
fn folder_delete_removes_the_subtree_and_its_sync_state_without_echo() {
    let mut f = Fixture::synced();
    let (_, _, parent) = f.create("1", "0", "Parent", 12);
    let parent = parent.unwrap();
    let (_, key, child) = f.create("2", &parent, "Child", 12);
    let child = child.unwrap();
    for id in [&parent, &child] {
        f.state
            .collections
            .insert(CollectionId::from(id.as_str()), CollectionState::default());
    }
    let inbox = CollectionId::from(f.id_of_type(2).as_str());
    f.state
        .collections
        .insert(inbox.clone(), CollectionState::default());

    let (status, key) = f.delete(&key.unwrap(), &parent);
    assert_eq!(status, 1);
    let key = key.unwrap();
    assert_eq!(key, "4");
    assert!(!f.state.hierarchy.folders.contains_key(parent.as_str()));
    assert!(!f.state.hierarchy.folders.contains_key(child.as_str()));
    assert!(!f.state.collections.contains_key(parent.as_str()));
    assert!(!f.state.collections.contains_key(child.as_str()));
    assert!(f.state.collections.contains_key(&inbox));
    let (folders, _) = f.backend.folders().unwrap();
    assert!(
        folders
            .iter()
            .all(|x| x.id.as_str() != parent && x.id.as_str() != child)
    );
    assert_eq!(count(&f.sync(&key)), Some(0));
}

#[test]
fn folder_delete_statuses() {
    let mut f = Fixture::synced();
    let (_, key, id) = f.create("1", "0", "Mine", 12);
    let (key, id) = (key.unwrap(), id.unwrap());
    // 3: default folders stay.
    for t in [2, 3, 4, 5, 6, 7, 8, 9, 10] {
        let special = f.id_of_type(t);
        assert_eq!(f.delete(&key, &special), (3, None), "type {t}");
    }
    // 4: no such folder.
    assert_eq!(f.delete(&key, "nope"), (4, None));
    // 10: no id.
    assert_eq!(f.delete(&key, ""), (10, None));
    // 9: a stale key.
    assert_eq!(f.delete("1", &id), (9, None));
    // 6: the store is down.
    f.backend.down = true;
    assert_eq!(f.delete(&key, &id), (6, None));
    f.backend.down = false;
    assert_eq!(f.key(), key);
    let ok = f.delete(&key, &id);
    assert_eq!(ok.0, 1);
    // Retried: answered the same, not "not found".
    assert_eq!(f.delete(&key, &id), ok);
}

#[test]
fn a_server_side_default_folder_refusal_maps_to_the_spec_status() {
    // The snapshot does not know the folder (a device whose state predates it), so only the
    // backend can refuse: its SpecialFolder error must still come out as 3.
    let mut f = Fixture::synced();
    let inbox = CollectionId::from(f.id_of_type(2).as_str());
    f.state.hierarchy.folders.remove(&inbox);
    assert_eq!(f.delete("1", inbox.as_str()), (3, None));
    assert_eq!(f.update("1", inbox.as_str(), "0", "X"), (2, None));
}
