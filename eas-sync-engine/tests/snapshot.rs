//! A store without change tracking, made into a Backend with `SnapshotFeed`, synced by the
//! engine: the device sees adds, changes and deletes found by comparing listings.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::cell::RefCell;
use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use chrono::{TimeZone, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::folder::FolderSyncRequest;
use eas_codec::command::sync::{
    SyncCollection, SyncCollections, SyncRequest, SyncResponse, SyncResponseCommand,
};
use eas_codec::data::{ApplicationData, notes::Note};
use eas_sync_engine::backend::RenderContext;
use eas_sync_engine::memory::MemoryBackend;
use eas_sync_engine::snapshot::SnapshotFeed;
use eas_sync_engine::{
    Backend, BackendError, ChangePage, ChangeToken, CollectionId, Context, DeviceId, DeviceState,
    Engine, Folder, ItemId, ItemMeta, SyncOutcome,
};

/// The "dumb" store: it can list items but not say what changed. (`MemoryBackend` stands in
/// for the storage; its own feed is never used.)
struct DumbStore {
    store: MemoryBackend,
    feed: RefCell<SnapshotFeed>,
}

impl DumbStore {
    fn refresh(&self, folder: &CollectionId) {
        let listing: Vec<(ItemMeta, u64)> = self
            .store
            .all(folder)
            .into_iter()
            .map(|(id, data)| {
                let mut h = DefaultHasher::new();
                format!("{data:?}").hash(&mut h);
                let meta = self.store.item(folder, &id).unwrap().unwrap();
                (meta, h.finish())
            })
            .collect();
        self.feed.borrow_mut().refresh(folder, listing);
    }
}

impl Backend for DumbStore {
    fn folders(&self) -> Result<(Vec<Folder>, ChangeToken), BackendError> {
        self.store.folders()
    }
    fn create_folder(
        &mut self,
        p: Option<&CollectionId>,
        n: &str,
        t: u8,
    ) -> Result<Folder, BackendError> {
        self.store.create_folder(p, n, t)
    }
    fn update_folder(
        &mut self,
        id: &CollectionId,
        p: Option<&CollectionId>,
        n: &str,
    ) -> Result<(), BackendError> {
        self.store.update_folder(id, p, n)
    }
    fn delete_folder(&mut self, id: &CollectionId) -> Result<(), BackendError> {
        self.store.delete_folder(id)
    }
    fn changes(
        &self,
        folder: &CollectionId,
        since: ChangeToken,
        limit: usize,
    ) -> Result<ChangePage, BackendError> {
        // Compare listings on every read: the store cannot tell us otherwise.
        self.refresh(folder);
        Ok(self.feed.borrow().changes(folder, since, limit))
    }
    fn items(
        &self,
        folder: &CollectionId,
        after: Option<&ItemId>,
        limit: usize,
    ) -> Result<Vec<ItemMeta>, BackendError> {
        self.store.items(folder, after, limit)
    }
    fn item(&self, folder: &CollectionId, id: &ItemId) -> Result<Option<ItemMeta>, BackendError> {
        self.store.item(folder, id)
    }
    fn render(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        ctx: &RenderContext<'_>,
    ) -> Result<ApplicationData, BackendError> {
        self.store.render(folder, id, ctx)
    }
    fn add(
        &mut self,
        folder: &CollectionId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        self.store.add(folder, data)
    }
    fn change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        self.store.change(folder, id, data)
    }
    fn delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        to_trash: bool,
    ) -> Result<(), BackendError> {
        self.store.delete(folder, id, to_trash)
    }
    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        self.store.move_item(from, id, to)
    }
}

fn note(subject: &str) -> ApplicationData {
    ApplicationData::Note(Box::new(Note {
        subject: Some(subject.into()),
        ..Note::default()
    }))
}

fn sync(
    engine: &Engine,
    ctx: &Context<'_>,
    state: &mut DeviceState,
    b: &mut DumbStore,
    folder: &CollectionId,
    key: &str,
) -> SyncResponse {
    let req = SyncRequest {
        collections: Some(SyncCollections {
            collections: vec![SyncCollection {
                sync_key: key.into(),
                collection_id: folder.as_str().into(),
                ..SyncCollection::default()
            }],
        }),
        ..SyncRequest::default()
    };
    match engine.sync(ctx, state, b, &req) {
        SyncOutcome::Respond(r) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_store_without_change_tracking_syncs_through_listing_comparison() {
    let mut b = DumbStore {
        store: MemoryBackend::with_default_folders(),
        feed: RefCell::default(),
    };
    let notes = b.store.folder_of_type(10).unwrap();
    let ids: Vec<ItemId> = (0..5)
        .map(|i| {
            b.store
                .server_add(&notes, note(&format!("note {i}")))
                .unwrap()
        })
        .collect();
    let engine = Engine::default();
    let device = DeviceId::from("phone");
    let ctx = Context {
        device: &device,
        version: ProtocolVersion::V16_1,
        now: Utc.with_ymd_and_hms(2026, 11, 22, 8, 0, 0).unwrap(),
    };
    let mut state = DeviceState::default();
    engine.folder_sync(
        &ctx,
        &mut state,
        &mut b,
        &FolderSyncRequest {
            sync_key: "0".into(),
        },
    );

    let key_of = |r: &SyncResponse| {
        r.collections.as_ref().unwrap().collections[0]
            .sync_key
            .to_string()
    };
    let commands = |r: &SyncResponse| {
        r.collections.as_ref().unwrap().collections[0]
            .commands
            .as_ref()
            .map(|c| c.commands.clone())
            .unwrap_or_default()
    };
    let r0 = sync(&engine, &ctx, &mut state, &mut b, &notes, "0");
    let r1 = sync(&engine, &ctx, &mut state, &mut b, &notes, &key_of(&r0));
    let adds = commands(&r1);
    assert_eq!(adds.len(), 5);
    assert!(
        adds.iter()
            .all(|c| matches!(c, SyncResponseCommand::Add(_)))
    );

    // The store changes behind our back: one edited, one removed, one new.
    b.store
        .server_change(&notes, &ids[1], note("note 1, edited"))
        .unwrap();
    b.store.server_delete(&notes, &ids[3]).unwrap();
    b.store.server_add(&notes, note("note 5")).unwrap();
    let r2 = sync(&engine, &ctx, &mut state, &mut b, &notes, &key_of(&r1));
    let got = commands(&r2);
    assert_eq!(got.len(), 3, "{got:?}");
    assert!(got.iter().any(
        |c| matches!(c, SyncResponseCommand::Change(ch) if ch.server_id.as_str() == ids[1].as_str())
    ));
    assert!(got.iter().any(
        |c| matches!(c, SyncResponseCommand::Delete(d) if d.server_id.as_str() == ids[3].as_str())
    ));
    assert!(got.iter().any(|c| matches!(c, SyncResponseCommand::Add(_))));

    // Nothing changed: nothing sent.
    let r3 = sync(&engine, &ctx, &mut state, &mut b, &notes, &key_of(&r2));
    assert!(commands(&r3).is_empty());
}
