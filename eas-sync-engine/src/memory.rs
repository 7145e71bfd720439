//! In-memory implementations of [`Backend`] and [`StateStore`], for tests, simulations,
//! benchmarks and as the reference for real implementations.
//!
//! The backend keeps a modification sequence per folder: every add, change and delete takes
//! the next number, and an index from number to item answers the change feed in
//! O(log n + page) — the same shape as a `modseq` column with an index in SQL.

use std::collections::{BTreeMap, HashMap};

use eas_codec::data::ApplicationData;

use crate::backend::{
    Backend, BackendError, Change, ChangePage, ChangeToken, Folder, FolderClass, ItemMeta,
    RenderContext,
};
use crate::ids::{CollectionId, DeviceId, ItemId};
use crate::state::{DeviceState, StateStore, StoreError};

#[derive(Debug, Clone)]
struct Stored {
    data: ApplicationData,
    meta: ItemMeta,
    modseq: u64,
}

#[derive(Debug, Clone, Default)]
struct Contents {
    live: BTreeMap<ItemId, Stored>,
    /// modseq → the item whose latest change it is, and whether that change deleted it.
    feed: BTreeMap<u64, (ItemId, bool)>,
    /// Deleted items' last modseq, so a re-added id replaces its tombstone.
    tombstones: HashMap<ItemId, u64>,
    modseq: u64,
}

impl Contents {
    fn bump(&mut self, id: &ItemId, deleted: bool) -> u64 {
        self.modseq += 1;
        let seq = self.modseq;
        if let Some(old) = self.live.get(id).map(|s| s.modseq) {
            self.feed.remove(&old);
        }
        if let Some(old) = self.tombstones.remove(id) {
            self.feed.remove(&old);
        }
        self.feed.insert(seq, (id.clone(), deleted));
        if deleted {
            self.tombstones.insert(id.clone(), seq);
        }
        seq
    }
}

/// A mailbox in memory. Server-side changes (new mail arriving, an appointment edited on the
/// web) are made with [`MemoryBackend::server_add`], [`server_change`](Self::server_change)
/// and [`server_delete`](Self::server_delete).
#[derive(Debug, Clone, Default)]
pub struct MemoryBackend {
    folders: BTreeMap<CollectionId, Folder>,
    hierarchy: u64,
    next_folder: u64,
    next_item: u64,
    contents: HashMap<CollectionId, Contents>,
}

/// The date FilterType compares, and completeness, read from a wire item.
fn meta_of(id: ItemId, data: &ApplicationData) -> ItemMeta {
    let date = match data {
        ApplicationData::Email(e) => e.date_received.as_deref(),
        ApplicationData::Calendar(c) => c.end_time.as_deref(),
        ApplicationData::Task(t) => t.utc_due_date.as_deref(),
        _ => None,
    }
    .and_then(parse_date);
    let complete = matches!(data, ApplicationData::Task(t) if t.complete == Some(1));
    ItemMeta { id, date, complete }
}

fn parse_date(s: &str) -> Option<chrono::DateTime<chrono::Utc>> {
    let body = s.trim().trim_end_matches('Z');
    ["%Y%m%dT%H%M%S", "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| chrono::NaiveDateTime::parse_from_str(body, f).ok())
        .map(|n| n.and_utc())
}

impl MemoryBackend {
    /// An empty mailbox with the default folders: Inbox, Drafts, Deleted Items, Sent Items,
    /// Outbox, Calendar, Contacts, Tasks and Notes.
    pub fn with_default_folders() -> Self {
        let mut b = MemoryBackend::default();
        for (name, folder_type, class) in [
            ("Inbox", 2, FolderClass::Email),
            ("Drafts", 3, FolderClass::Email),
            ("Deleted Items", 4, FolderClass::Email),
            ("Sent Items", 5, FolderClass::Email),
            ("Outbox", 6, FolderClass::Email),
            ("Tasks", 7, FolderClass::Tasks),
            ("Calendar", 8, FolderClass::Calendar),
            ("Contacts", 9, FolderClass::Contacts),
            ("Notes", 10, FolderClass::Notes),
        ] {
            b.insert_folder(None, name, folder_type, class);
        }
        b
    }

    fn insert_folder(
        &mut self,
        parent: Option<&CollectionId>,
        name: &str,
        folder_type: u8,
        class: FolderClass,
    ) -> Folder {
        self.next_folder += 1;
        self.hierarchy += 1;
        let folder = Folder {
            id: CollectionId(self.next_folder.to_string()),
            parent: parent.cloned(),
            name: name.to_string(),
            folder_type,
            class,
        };
        self.folders.insert(folder.id.clone(), folder.clone());
        self.contents.insert(folder.id.clone(), Contents::default());
        folder
    }

    /// The folder of a type (the first, for user folders).
    pub fn folder_of_type(&self, folder_type: u8) -> Option<CollectionId> {
        self.folders
            .values()
            .find(|f| f.folder_type == folder_type)
            .map(|f| f.id.clone())
    }

    fn contents(&self, folder: &CollectionId) -> Result<&Contents, BackendError> {
        self.contents
            .get(folder)
            .ok_or_else(|| BackendError::NoFolder(folder.clone()))
    }

    fn contents_mut(&mut self, folder: &CollectionId) -> Result<&mut Contents, BackendError> {
        self.contents
            .get_mut(folder)
            .ok_or_else(|| BackendError::NoFolder(folder.clone()))
    }

    fn new_item_id(&mut self, folder: &CollectionId) -> ItemId {
        self.next_item += 1;
        ItemId(format!("{folder}:{}", self.next_item))
    }

    /// A new item arriving on the server side.
    pub fn server_add(
        &mut self,
        folder: &CollectionId,
        data: ApplicationData,
    ) -> Result<ItemId, BackendError> {
        let id = self.new_item_id(folder);
        let meta = meta_of(id.clone(), &data);
        let c = self.contents_mut(folder)?;
        let modseq = c.bump(&id, false);
        c.live.insert(id.clone(), Stored { data, meta, modseq });
        Ok(id)
    }

    /// An item changed on the server side (replaced whole).
    pub fn server_change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: ApplicationData,
    ) -> Result<(), BackendError> {
        let c = self.contents_mut(folder)?;
        if !c.live.contains_key(id) {
            return Err(BackendError::NoItem {
                folder: folder.clone(),
                item: id.clone(),
            });
        }
        let modseq = c.bump(id, false);
        let meta = meta_of(id.clone(), &data);
        c.live.insert(id.clone(), Stored { data, meta, modseq });
        Ok(())
    }

    /// An item deleted on the server side.
    pub fn server_delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
    ) -> Result<(), BackendError> {
        let c = self.contents_mut(folder)?;
        if !c.live.contains_key(id) {
            return Err(BackendError::NoItem {
                folder: folder.clone(),
                item: id.clone(),
            });
        }
        c.bump(id, true);
        c.live.remove(id);
        Ok(())
    }

    /// The item's stored data, for tests comparing a device's copy with the server's.
    pub fn get(&self, folder: &CollectionId, id: &ItemId) -> Option<&ApplicationData> {
        self.contents.get(folder)?.live.get(id).map(|s| &s.data)
    }

    /// Every live item of a folder, in id order.
    pub fn all(&self, folder: &CollectionId) -> Vec<(ItemId, ApplicationData)> {
        self.contents.get(folder).map_or_else(Vec::new, |c| {
            c.live
                .iter()
                .map(|(id, s)| (id.clone(), s.data.clone()))
                .collect()
        })
    }
}

impl Backend for MemoryBackend {
    fn folders(&self) -> Result<(Vec<Folder>, ChangeToken), BackendError> {
        Ok((
            self.folders.values().cloned().collect(),
            ChangeToken(self.hierarchy),
        ))
    }

    fn create_folder(
        &mut self,
        parent: Option<&CollectionId>,
        name: &str,
        folder_type: u8,
    ) -> Result<Folder, BackendError> {
        if let Some(p) = parent
            && !self.folders.contains_key(p)
        {
            return Err(BackendError::NoFolder(p.clone()));
        }
        if self
            .folders
            .values()
            .any(|f| f.parent.as_ref() == parent && f.name == name)
        {
            return Err(BackendError::FolderExists(name.to_string()));
        }
        let class = match folder_type {
            7 | 15 => FolderClass::Tasks,
            8 | 13 => FolderClass::Calendar,
            9 | 14 => FolderClass::Contacts,
            10 | 17 => FolderClass::Notes,
            _ => FolderClass::Email,
        };
        Ok(self.insert_folder(parent, name, folder_type, class))
    }

    fn update_folder(
        &mut self,
        id: &CollectionId,
        parent: Option<&CollectionId>,
        name: &str,
    ) -> Result<(), BackendError> {
        if let Some(p) = parent
            && !self.folders.contains_key(p)
        {
            return Err(BackendError::NoFolder(p.clone()));
        }
        let clash = self
            .folders
            .values()
            .any(|f| &f.id != id && f.parent.as_ref() == parent && f.name == name);
        let folder = self
            .folders
            .get_mut(id)
            .ok_or_else(|| BackendError::NoFolder(id.clone()))?;
        if folder.folder_type != 1 && folder.folder_type < 12 {
            return Err(BackendError::SpecialFolder(id.clone()));
        }
        if clash {
            return Err(BackendError::FolderExists(name.to_string()));
        }
        folder.parent = parent.cloned();
        folder.name = name.to_string();
        self.hierarchy += 1;
        Ok(())
    }

    fn delete_folder(&mut self, id: &CollectionId) -> Result<(), BackendError> {
        let folder = self
            .folders
            .get(id)
            .ok_or_else(|| BackendError::NoFolder(id.clone()))?;
        if folder.folder_type != 1 && folder.folder_type < 12 {
            return Err(BackendError::SpecialFolder(id.clone()));
        }
        // Subfolders go with it.
        let mut doomed = vec![id.clone()];
        let mut i = 0;
        while let Some(d) = doomed.get(i).cloned() {
            doomed.extend(
                self.folders
                    .values()
                    .filter(|f| f.parent.as_ref() == Some(&d))
                    .map(|f| f.id.clone()),
            );
            i += 1;
        }
        for d in doomed {
            self.folders.remove(&d);
            self.contents.remove(&d);
        }
        self.hierarchy += 1;
        Ok(())
    }

    fn changes(
        &self,
        folder: &CollectionId,
        since: ChangeToken,
        limit: usize,
    ) -> Result<ChangePage, BackendError> {
        let c = self.contents(folder)?;
        let mut range = c.feed.range(since.0.saturating_add(1)..);
        let mut changes = Vec::new();
        let mut next = since;
        for (&seq, (id, deleted)) in range.by_ref().take(limit) {
            next = ChangeToken(seq);
            changes.push(if *deleted {
                Change::Delete(id.clone())
            } else {
                match c.live.get(id) {
                    Some(s) => Change::Upsert(s.meta.clone()),
                    None => Change::Delete(id.clone()),
                }
            });
        }
        Ok(ChangePage {
            changes,
            next,
            more: range.next().is_some(),
        })
    }

    fn items(
        &self,
        folder: &CollectionId,
        after: Option<&ItemId>,
        limit: usize,
    ) -> Result<Vec<ItemMeta>, BackendError> {
        let c = self.contents(folder)?;
        let iter: Box<dyn Iterator<Item = (&ItemId, &Stored)>> = match after {
            Some(a) => Box::new(
                c.live
                    .range::<ItemId, _>((std::ops::Bound::Excluded(a), std::ops::Bound::Unbounded)),
            ),
            None => Box::new(c.live.iter()),
        };
        Ok(iter.take(limit).map(|(_, s)| s.meta.clone()).collect())
    }

    fn item(&self, folder: &CollectionId, id: &ItemId) -> Result<Option<ItemMeta>, BackendError> {
        Ok(self.contents(folder)?.live.get(id).map(|s| s.meta.clone()))
    }

    fn render(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        _ctx: &RenderContext<'_>,
    ) -> Result<ApplicationData, BackendError> {
        // Stored items are wire items already; a real store renders per version and body
        // preference here.
        self.contents(folder)?
            .live
            .get(id)
            .map(|s| s.data.clone())
            .ok_or_else(|| BackendError::NoItem {
                folder: folder.clone(),
                item: id.clone(),
            })
    }

    fn add(
        &mut self,
        folder: &CollectionId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        let class = self
            .folders
            .get(folder)
            .map(|f| f.class)
            .ok_or_else(|| BackendError::NoFolder(folder.clone()))?;
        let fits = matches!(
            (class, data),
            (FolderClass::Email, ApplicationData::Email(_))
                | (FolderClass::Calendar, ApplicationData::Calendar(_))
                | (FolderClass::Contacts, ApplicationData::Contact(_))
                | (FolderClass::Tasks, ApplicationData::Task(_))
                | (FolderClass::Notes, ApplicationData::Note(_))
        );
        if !fits {
            return Err(BackendError::InvalidItem(format!(
                "a {class:?} folder cannot hold this item"
            )));
        }
        let id = self.server_add(folder, data.clone())?;
        Ok(meta_of(id, data))
    }

    fn change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError> {
        self.server_change(folder, id, data.clone())?;
        Ok(meta_of(id.clone(), data))
    }

    fn delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        to_trash: bool,
    ) -> Result<(), BackendError> {
        let trash = self.folder_of_type(4);
        match trash {
            Some(t) if to_trash && &t != folder => self.move_item(folder, id, &t).map(|_| ()),
            _ => self.server_delete(folder, id),
        }
    }

    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError> {
        if !self.contents.contains_key(to) {
            return Err(BackendError::NoFolder(to.clone()));
        }
        let data = self
            .get(from, id)
            .cloned()
            .ok_or_else(|| BackendError::NoItem {
                folder: from.clone(),
                item: id.clone(),
            })?;
        self.server_delete(from, id)?;
        self.server_add(to, data)
    }
}

/// Device states in memory.
#[derive(Debug, Clone, Default)]
pub struct MemoryStateStore {
    states: HashMap<DeviceId, DeviceState>,
    /// How many saves were made (tests check that a response is never sent unsaved).
    pub saves: u64,
}

impl StateStore for MemoryStateStore {
    fn load(&self, device: &DeviceId) -> Result<Option<DeviceState>, StoreError> {
        Ok(self.states.get(device).cloned())
    }

    fn save(&mut self, device: &DeviceId, state: &DeviceState) -> Result<(), StoreError> {
        self.saves += 1;
        self.states.insert(device.clone(), state.clone());
        Ok(())
    }

    fn remove(&mut self, device: &DeviceId) -> Result<(), StoreError> {
        self.states.remove(device);
        Ok(())
    }
}
