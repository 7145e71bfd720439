//! FolderSync, FolderCreate, FolderUpdate and FolderDelete (MS-ASCMD 2.2.1.3–2.2.1.6).
//!
//! **Keys.** The hierarchy has one sync key per device, shared by the four commands. The
//! engine keeps, in [`HierarchyState::folders`], the folders as the device was last told about
//! them; a FolderSync with the current key diffs the backend's list against that snapshot.
//! A FolderSync that finds nothing to report answers `Count` 0 and *keeps* the key (MS-ASCMD
//! 2.2.3.37: "If there are no changes … a Count element value of 0 is returned"; handing out a
//! new key for an empty answer would only make a lost response costlier). A FolderSync that
//! repeats the key before the current one gets the saved response again: the device lost it,
//! and the changes it carried are already in the snapshot.
//!
//! **The device's own changes.** A successful FolderCreate, FolderUpdate or FolderDelete
//! applies the change to the snapshot as well as to the backend, so the next FolderSync does
//! not echo it back. Its response is saved with the key it answered: a device that retries
//! the very same request with that key (it lost the response) gets the saved response instead
//! of a second folder or a "not found".
//!
//! **Order of changes.** Adds come first, parents before children (a device cannot file a
//! folder under a parent it has not seen); then Updates, in the same order of their new
//! parents (so a swap of two folders never forms a cycle on the device); then Deletes,
//! children before parents (each Delete names a folder the device still holds).

use std::collections::{BTreeMap, BTreeSet};

use eas_codec::command::folder::{
    Folder as WireFolder, FolderChange, FolderChanges, FolderCreateRequest, FolderCreateResponse,
    FolderCreateStatus, FolderDelete as WireFolderDelete, FolderDeleteRequest,
    FolderDeleteResponse, FolderDeleteStatus, FolderSyncRequest, FolderSyncResponse,
    FolderSyncStatus, FolderUpdateRequest, FolderUpdateResponse, FolderUpdateStatus,
};

use crate::backend::{Backend, BackendError, Folder};
use crate::engine::{Context, Engine};
use crate::ids::CollectionId;
use crate::state::{DeviceState, FolderSnapshot, HierarchyState, SyncKey};

/// The wire's `ParentId` for a top-level folder.
const TOP: &str = "0";

/// MS-ASCMD 2.2.3.186.3: the Recipient information cache, which clients may not change.
const RECIPIENT_INFO_CACHE: u8 = 19;

/// A FolderCreate, FolderUpdate or FolderDelete that succeeded, with its response: replayed if
/// the device repeats the same request with the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FolderCommandReplay {
    /// A FolderCreate.
    Create(FolderCreateRequest, FolderCreateResponse),
    /// A FolderUpdate.
    Update(FolderUpdateRequest, FolderUpdateResponse),
    /// A FolderDelete.
    Delete(FolderDeleteRequest, FolderDeleteResponse),
}

/// Whether a folder type is one of the default folders (MS-ASCMD 2.2.3.186.2: "Folder types
/// 2–11 and 19 are reserved for default folder types"), which a client may not rename, move or
/// delete.
fn is_default_type(folder_type: u8) -> bool {
    (2..=11).contains(&folder_type) || folder_type == RECIPIENT_INFO_CACHE
}

/// The types a client may create (MS-ASCMD 2.2.3.186.2): generic (1) and the user-created
/// mail, calendar, contacts, tasks, journal and notes folders (12–17).
fn is_creatable_type(folder_type: u32) -> bool {
    folder_type == 1 || (12..=17).contains(&folder_type)
}

/// `"0"` is the top; anything else names a folder.
fn parent_of_wire(parent_id: &str) -> Option<CollectionId> {
    let p = parent_id.trim();
    if p == TOP || p.is_empty() {
        None
    } else {
        Some(CollectionId::from(p))
    }
}

fn snapshot_of(folder: &Folder) -> FolderSnapshot {
    FolderSnapshot {
        parent: folder.parent.clone(),
        name: folder.name.clone(),
        folder_type: folder.folder_type,
    }
}

fn wire_folder(id: &CollectionId, snap: &FolderSnapshot) -> WireFolder {
    WireFolder {
        server_id: id.as_str().into(),
        parent_id: snap.parent.as_ref().map_or(TOP, |p| p.as_str()).into(),
        display_name: snap.name.as_str().into(),
        folder_type: u32::from(snap.folder_type),
    }
}

/// The ids of `set`, each after its parent when the parent is in `set` too. A cycle (which a
/// sane backend never reports) is broken where it is found rather than looping.
fn parents_first(set: &BTreeMap<CollectionId, FolderSnapshot>) -> Vec<&CollectionId> {
    let mut placed: BTreeSet<&CollectionId> = BTreeSet::new();
    let mut out = Vec::with_capacity(set.len());
    for start in set.keys() {
        // Walk up to the highest ancestor not yet placed, then place the chain top-down.
        let mut chain: Vec<&CollectionId> = Vec::new();
        let mut cur = Some(start);
        while let Some(id) = cur {
            if placed.contains(id) || chain.contains(&id) {
                break;
            }
            chain.push(id);
            cur = set
                .get(id)
                .and_then(|s| s.parent.as_ref())
                .and_then(|p| set.get_key_value(p).map(|(k, _)| k));
        }
        for id in chain.into_iter().rev() {
            placed.insert(id);
            out.push(id);
        }
    }
    out
}

/// The changes that take a device holding `known` to `current`, in the order the module
/// documentation gives.
pub(crate) fn hierarchy_diff(
    known: &BTreeMap<CollectionId, FolderSnapshot>,
    current: &BTreeMap<CollectionId, FolderSnapshot>,
) -> Vec<FolderChange> {
    let mut adds = BTreeMap::new();
    let mut updates = BTreeMap::new();
    let mut deletes = BTreeMap::new();
    for (id, snap) in current {
        match known.get(id) {
            None => {
                adds.insert(id.clone(), snap.clone());
            }
            Some(old) if old != snap => {
                updates.insert(id.clone(), snap.clone());
            }
            Some(_) => {}
        }
    }
    for (id, snap) in known {
        if !current.contains_key(id) {
            deletes.insert(id.clone(), snap.clone());
        }
    }
    let mut changes = Vec::with_capacity(adds.len() + updates.len() + deletes.len());
    for id in parents_first(&adds) {
        if let Some(snap) = adds.get(id) {
            changes.push(FolderChange::Add(wire_folder(id, snap)));
        }
    }
    for id in parents_first(&updates) {
        if let Some(snap) = updates.get(id) {
            changes.push(FolderChange::Update(wire_folder(id, snap)));
        }
    }
    for id in parents_first(&deletes).into_iter().rev() {
        changes.push(FolderChange::Delete(WireFolderDelete {
            server_id: id.as_str().into(),
        }));
    }
    changes
}

/// The backend's folders as snapshots, by id.
pub(crate) fn current_hierarchy(
    backend: &impl Backend,
) -> Result<BTreeMap<CollectionId, FolderSnapshot>, BackendError> {
    let (folders, _token) = backend.folders()?;
    Ok(folders
        .iter()
        .map(|f| (f.id.clone(), snapshot_of(f)))
        .collect())
}

/// `id` and every folder under it in the snapshot.
fn subtree(
    folders: &BTreeMap<CollectionId, FolderSnapshot>,
    id: &CollectionId,
) -> BTreeSet<CollectionId> {
    let mut found = BTreeSet::from([id.clone()]);
    // Repeat until no folder joins: the snapshot is small, and a parent listed after its
    // child in id order is still found on the next round.
    loop {
        let before = found.len();
        for (child, snap) in folders {
            if let Some(p) = &snap.parent
                && found.contains(p)
            {
                found.insert(child.clone());
            }
        }
        if found.len() == before {
            return found;
        }
    }
}

fn changes_response(key: SyncKey, changes: Vec<FolderChange>) -> FolderSyncResponse {
    FolderSyncResponse {
        status: FolderSyncStatus::Success,
        sync_key: Some(key.to_wire().into()),
        changes: Some(FolderChanges {
            count: Some(u32::try_from(changes.len()).unwrap_or(u32::MAX)),
            changes,
        }),
    }
}

fn folder_sync_error(status: FolderSyncStatus) -> FolderSyncResponse {
    FolderSyncResponse {
        status,
        sync_key: None,
        changes: None,
    }
}

/// The key a FolderCreate, FolderUpdate or FolderDelete may carry: the current one, and only
/// once the device has done its first FolderSync.
fn current_key(hierarchy: &HierarchyState, wire: &str) -> Option<SyncKey> {
    SyncKey::parse(wire).filter(|k| *k != SyncKey::INITIAL && *k == hierarchy.key)
}

/// Record a successful FolderCreate, FolderUpdate or FolderDelete: the hierarchy moves to a
/// new key, and the saved FolderSync response no longer answers the key before it.
fn advance(hierarchy: &mut HierarchyState, replay: FolderCommandReplay) -> SyncKey {
    let answered = hierarchy.key;
    hierarchy.key = hierarchy.key.next();
    hierarchy.last = None;
    hierarchy.last_command = Some((answered, replay));
    hierarchy.key
}

impl Engine {
    /// FolderSync (MS-ASCMD 2.2.1.5): key `0` sends every folder as an Add; the current key
    /// sends what changed since; the key before it replays the last response; anything else
    /// is status 9. A backend failure is status 6 and changes nothing.
    ///
    /// Sync state (`DeviceState::collections`) of folders that no longer exist is dropped;
    /// that of folders that still exist is kept, even on key 0 — a device that wants to
    /// restart a collection does so with that collection's own key 0.
    pub fn folder_sync(
        &self,
        _ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &FolderSyncRequest,
    ) -> FolderSyncResponse {
        let Some(key) = SyncKey::parse(&req.sync_key) else {
            return folder_sync_error(FolderSyncStatus::InvalidSyncKey);
        };
        let hierarchy = &mut state.hierarchy;
        let initial = key == SyncKey::INITIAL;
        if !initial && key != hierarchy.key {
            return match &hierarchy.last {
                Some((answered, response)) if *answered == key => response.clone(),
                _ => folder_sync_error(FolderSyncStatus::InvalidSyncKey),
            };
        }
        let current = match current_hierarchy(backend) {
            Ok(c) => c,
            Err(_) => return folder_sync_error(FolderSyncStatus::ServerError),
        };
        let known = if initial {
            BTreeMap::new()
        } else {
            std::mem::take(&mut hierarchy.folders)
        };
        let changes = hierarchy_diff(&known, &current);
        if !initial && changes.is_empty() {
            hierarchy.folders = known;
            return changes_response(hierarchy.key, changes);
        }
        // A reset also moves to a fresh key: keys only grow, so no key handed out before the
        // reset can be mistaken for a current one.
        let new_key = hierarchy.key.next();
        let response = changes_response(new_key, changes);
        hierarchy.last = (!initial).then(|| (key, response.clone()));
        hierarchy.last_command = None;
        hierarchy.key = new_key;
        hierarchy.folders = current;
        // Sync state for folders that are gone is dead weight (and a re-created folder with a
        // reused id must start from key 0).
        let folders = &state.hierarchy.folders;
        state.collections.retain(|id, _| folders.contains_key(id));
        response
    }

    /// FolderCreate (MS-ASCMD 2.2.1.3). Status 2 when the parent already holds a folder of
    /// that name, 3 when the parent is the Recipient information cache, 5 when it does not
    /// exist, 6 when the store fails, 9 for a key that is not the current one, 10 for an empty
    /// name or a type clients may not create.
    pub fn folder_create(
        &self,
        _ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &FolderCreateRequest,
    ) -> FolderCreateResponse {
        let fail = |status| FolderCreateResponse {
            status,
            sync_key: None,
            server_id: None,
        };
        let hierarchy = &mut state.hierarchy;
        if current_key(hierarchy, &req.sync_key).is_none() {
            return match &hierarchy.last_command {
                Some((k, FolderCommandReplay::Create(r, response)))
                    if r == req && SyncKey::parse(&req.sync_key) == Some(*k) =>
                {
                    response.clone()
                }
                _ => fail(FolderCreateStatus::InvalidSyncKey),
            };
        }
        let name = req.display_name.trim();
        if name.is_empty() || !is_creatable_type(req.folder_type) {
            return fail(FolderCreateStatus::IncorrectFormat);
        }
        let Ok(folder_type) = u8::try_from(req.folder_type) else {
            return fail(FolderCreateStatus::IncorrectFormat);
        };
        let parent = parent_of_wire(&req.parent_id);
        if let Some(p) = &parent
            && hierarchy
                .folders
                .get(p)
                .is_some_and(|s| s.folder_type == RECIPIENT_INFO_CACHE)
        {
            return fail(FolderCreateStatus::SpecialParent);
        }
        match backend.create_folder(parent.as_ref(), name, folder_type) {
            Ok(folder) => {
                hierarchy
                    .folders
                    .insert(folder.id.clone(), snapshot_of(&folder));
                let mut response = FolderCreateResponse {
                    status: FolderCreateStatus::Success,
                    sync_key: None,
                    server_id: Some(folder.id.as_str().into()),
                };
                let new_key = hierarchy.key.next();
                response.sync_key = Some(new_key.to_wire().into());
                advance(
                    hierarchy,
                    FolderCommandReplay::Create(req.clone(), response.clone()),
                );
                response
            }
            Err(e) => fail(match e {
                BackendError::FolderExists(_) => FolderCreateStatus::AlreadyExists,
                BackendError::SpecialFolder(_) => FolderCreateStatus::SpecialParent,
                BackendError::NoFolder(_) => FolderCreateStatus::ParentNotFound,
                BackendError::InvalidItem(_) => FolderCreateStatus::IncorrectFormat,
                BackendError::NoItem { .. } | BackendError::Unavailable(_) => {
                    FolderCreateStatus::ServerError
                }
            }),
        }
    }

    /// FolderUpdate (MS-ASCMD 2.2.1.6): rename or move. Status 2 when the parent already
    /// holds a folder of that name or the folder is a default folder, 3 for the Recipient
    /// information cache, 4 when the folder does not exist, 5 when the parent does not, 6 when
    /// the store fails, 9 for a key that is not the current one, 10 for an empty name or a
    /// move under the folder itself or one of its subfolders.
    pub fn folder_update(
        &self,
        _ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &FolderUpdateRequest,
    ) -> FolderUpdateResponse {
        let fail = |status| FolderUpdateResponse {
            status,
            sync_key: None,
        };
        let hierarchy = &mut state.hierarchy;
        if current_key(hierarchy, &req.sync_key).is_none() {
            return match &hierarchy.last_command {
                Some((k, FolderCommandReplay::Update(r, response)))
                    if r == req && SyncKey::parse(&req.sync_key) == Some(*k) =>
                {
                    response.clone()
                }
                _ => fail(FolderUpdateStatus::InvalidSyncKey),
            };
        }
        let id = CollectionId::from(req.server_id.trim());
        let name = req.display_name.trim();
        if id.as_str().is_empty() || name.is_empty() {
            return fail(FolderUpdateStatus::IncorrectFormat);
        }
        match hierarchy.folders.get(&id).map(|s| s.folder_type) {
            Some(RECIPIENT_INFO_CACHE) => return fail(FolderUpdateStatus::SpecialFolder),
            Some(t) if is_default_type(t) => return fail(FolderUpdateStatus::AlreadyExists),
            _ => {}
        }
        let parent = parent_of_wire(&req.parent_id);
        if let Some(p) = &parent
            && subtree(&hierarchy.folders, &id).contains(p)
        {
            return fail(FolderUpdateStatus::IncorrectFormat);
        }
        if let Err(e) = backend.update_folder(&id, parent.as_ref(), name) {
            return fail(match e {
                BackendError::NoFolder(missing) if missing == id => FolderUpdateStatus::NotFound,
                BackendError::NoFolder(_) => FolderUpdateStatus::ParentNotFound,
                BackendError::FolderExists(_) | BackendError::SpecialFolder(_) => {
                    FolderUpdateStatus::AlreadyExists
                }
                BackendError::InvalidItem(_) => FolderUpdateStatus::IncorrectFormat,
                BackendError::NoItem { .. } | BackendError::Unavailable(_) => {
                    FolderUpdateStatus::ServerError
                }
            });
        }
        match hierarchy.folders.get_mut(&id) {
            Some(snap) => {
                snap.parent = parent;
                snap.name = name.to_string();
            }
            None => {
                // The device changed a folder it was never told about (its state predates
                // ours): record the folder as the backend now has it, so the next FolderSync
                // does not announce it as new. If the list cannot be read, that Add is the
                // worst outcome, and the device copes with it.
                if let Ok(current) = current_hierarchy(backend)
                    && let Some(snap) = current.get(&id)
                {
                    hierarchy.folders.insert(id.clone(), snap.clone());
                }
            }
        }
        let response = FolderUpdateResponse {
            status: FolderUpdateStatus::Success,
            sync_key: Some(hierarchy.key.next().to_wire().into()),
        };
        advance(
            hierarchy,
            FolderCommandReplay::Update(req.clone(), response.clone()),
        );
        response
    }

    /// FolderDelete (MS-ASCMD 2.2.1.4): the folder and its subfolders go, and so does the
    /// device's Sync state for them. Status 3 for a default folder, 4 when the folder does not
    /// exist, 6 when the store fails, 9 for a key that is not the current one, 10 for an empty
    /// ServerId.
    pub fn folder_delete(
        &self,
        _ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &FolderDeleteRequest,
    ) -> FolderDeleteResponse {
        let fail = |status| FolderDeleteResponse {
            status,
            sync_key: None,
        };
        let hierarchy = &mut state.hierarchy;
        if current_key(hierarchy, &req.sync_key).is_none() {
            return match &hierarchy.last_command {
                Some((k, FolderCommandReplay::Delete(r, response)))
                    if r == req && SyncKey::parse(&req.sync_key) == Some(*k) =>
                {
                    response.clone()
                }
                _ => fail(FolderDeleteStatus::InvalidSyncKey),
            };
        }
        let id = CollectionId::from(req.server_id.trim());
        if id.as_str().is_empty() {
            return fail(FolderDeleteStatus::IncorrectFormat);
        }
        if hierarchy
            .folders
            .get(&id)
            .is_some_and(|s| is_default_type(s.folder_type))
        {
            return fail(FolderDeleteStatus::SpecialFolder);
        }
        if let Err(e) = backend.delete_folder(&id) {
            return fail(match e {
                BackendError::NoFolder(_) => FolderDeleteStatus::NotFound,
                BackendError::SpecialFolder(_) => FolderDeleteStatus::SpecialFolder,
                BackendError::FolderExists(_)
                | BackendError::InvalidItem(_)
                | BackendError::NoItem { .. }
                | BackendError::Unavailable(_) => FolderDeleteStatus::ServerError,
            });
        }
        let gone = subtree(&hierarchy.folders, &id);
        hierarchy.folders.retain(|f, _| !gone.contains(f));
        let response = FolderDeleteResponse {
            status: FolderDeleteStatus::Success,
            sync_key: Some(hierarchy.key.next().to_wire().into()),
        };
        advance(
            hierarchy,
            FolderCommandReplay::Delete(req.clone(), response.clone()),
        );
        state.collections.retain(|c, _| !gone.contains(c));
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap(parent: Option<&str>, name: &str) -> FolderSnapshot {
        FolderSnapshot {
            parent: parent.map(CollectionId::from),
            name: name.to_string(),
            folder_type: 12,
        }
    }

    fn ids(changes: &[FolderChange]) -> Vec<(char, String)> {
        changes
            .iter()
            .map(|c| match c {
                FolderChange::Add(f) => ('A', f.server_id.to_string()),
                FolderChange::Update(f) => ('U', f.server_id.to_string()),
                FolderChange::Delete(d) => ('D', d.server_id.to_string()),
            })
            .collect()
    }

    #[test]
    fn adds_put_parents_first_and_deletes_children_first() {
        // "10" sorts before "9", but is its child.
        let current = BTreeMap::from([
            (CollectionId::from("10"), snap(Some("9"), "child")),
            (CollectionId::from("9"), snap(None, "parent")),
        ]);
        let added = hierarchy_diff(&BTreeMap::new(), &current);
        assert_eq!(ids(&added), [('A', "9".into()), ('A', "10".into())]);
        let deleted = hierarchy_diff(&current, &BTreeMap::new());
        assert_eq!(ids(&deleted), [('D', "10".into()), ('D', "9".into())]);
    }

    #[test]
    fn a_parent_cycle_is_broken_not_looped() {
        let cyclic = BTreeMap::from([
            (CollectionId::from("a"), snap(Some("b"), "a")),
            (CollectionId::from("b"), snap(Some("a"), "b")),
        ]);
        assert_eq!(hierarchy_diff(&BTreeMap::new(), &cyclic).len(), 2);
    }
}
