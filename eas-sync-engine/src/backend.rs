//! What the engine needs from a mailbox store: folders, a change feed per folder, items
//! rendered for a client, and the client's changes applied.
//!
//! The feed is the one abstraction every store can offer: "what changed in this folder after
//! token T, oldest first". A store with modification sequences (an SQL table with a modseq
//! column, IMAP with CONDSTORE/QRESYNC, a CalDAV collection with sync-tokens) maps it directly;
//! a store without change tracking can keep a snapshot of (id, version) pairs and answer by
//! diffing against it. Deletions are part of the feed (tombstones), so a device that was
//! offline for a week learns about them.

use chrono::{DateTime, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::sync::SyncOptions;
use eas_codec::data::ApplicationData;

use crate::ids::{CollectionId, ItemId};

/// A position in a folder's change feed. Tokens only grow; `ChangeToken::START` is before
/// every change, so reading from it returns every live item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct ChangeToken(pub u64);

impl ChangeToken {
    /// Before the first change.
    pub const START: ChangeToken = ChangeToken(0);
}

/// The kind of data a folder holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FolderClass {
    /// Mail.
    Email,
    /// Appointments.
    Calendar,
    /// Contacts.
    Contacts,
    /// Tasks.
    Tasks,
    /// Notes.
    Notes,
}

/// A folder as FolderSync shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Folder {
    /// Its server id (`CollectionId` in Sync).
    pub id: CollectionId,
    /// The parent, `None` at the top.
    pub parent: Option<CollectionId>,
    /// The display name.
    pub name: String,
    /// MS-ASCMD FolderType: 1 generic, 2 Inbox, 3 Drafts, 4 Deleted Items, 5 Sent Items,
    /// 6 Outbox, 7 Tasks, 8 Calendar, 9 Contacts, 10 Notes, 11 Journal, 12 user mail, …
    pub folder_type: u8,
    /// What the folder holds.
    pub class: FolderClass,
}

/// What the engine knows of an item without rendering it: enough to apply FilterType.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemMeta {
    /// The item's id in its folder.
    pub id: ItemId,
    /// The date FilterType windows compare: a mail's arrival, an appointment's end, a task's
    /// due date. `None` means "always inside the window".
    pub date: Option<DateTime<Utc>>,
    /// For tasks: whether it is complete (FilterType 8 sends incomplete tasks only).
    pub complete: bool,
}

/// One entry of a change feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// The item is new or changed; this is its current state.
    Upsert(ItemMeta),
    /// The item is gone.
    Delete(ItemId),
}

impl Change {
    /// The item the change is about.
    pub fn id(&self) -> &ItemId {
        match self {
            Change::Upsert(m) => &m.id,
            Change::Delete(id) => id,
        }
    }
}

/// A page of a change feed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ChangePage {
    /// The changes after the token asked for, oldest first, each item at most once (its
    /// latest state).
    pub changes: Vec<Change>,
    /// Where the next page starts: after the last change returned.
    pub next: ChangeToken,
    /// Whether changes remain after `next`.
    pub more: bool,
}

/// How to render an item for a client.
#[derive(Debug, Clone, Copy)]
pub struct RenderContext<'a> {
    /// The client's protocol version.
    pub version: ProtocolVersion,
    /// The collection's options for the item's class (body preferences, MIME support).
    pub options: Option<&'a SyncOptions>,
}

/// Why the store could not do what the engine asked.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackendError {
    /// No such folder.
    #[error("no folder {0}")]
    NoFolder(CollectionId),
    /// No such item.
    #[error("no item {item} in folder {folder}")]
    NoItem {
        /// The folder.
        folder: CollectionId,
        /// The item.
        item: ItemId,
    },
    /// The client's item cannot be stored (wrong class, invalid values).
    #[error("invalid item: {0}")]
    InvalidItem(String),
    /// A folder with that name already exists under the parent.
    #[error("a folder named {0:?} already exists there")]
    FolderExists(String),
    /// The folder is a special (system) folder the client may not change.
    #[error("{0} is a special folder")]
    SpecialFolder(CollectionId),
    /// The store failed; the engine answers with a retriable server error.
    #[error("store failure: {0}")]
    Unavailable(String),
}

/// A mailbox store, for one user.
pub trait Backend {
    /// Every folder, and a token that changes whenever the hierarchy does.
    fn folders(&self) -> Result<(Vec<Folder>, ChangeToken), BackendError>;
    /// Create a folder.
    fn create_folder(
        &mut self,
        parent: Option<&CollectionId>,
        name: &str,
        folder_type: u8,
    ) -> Result<Folder, BackendError>;
    /// Rename or move a folder.
    fn update_folder(
        &mut self,
        id: &CollectionId,
        parent: Option<&CollectionId>,
        name: &str,
    ) -> Result<(), BackendError>;
    /// Delete a folder and everything in it.
    fn delete_folder(&mut self, id: &CollectionId) -> Result<(), BackendError>;

    /// The folder's changes after `since`, oldest first, at most `limit` of them.
    fn changes(
        &self,
        folder: &CollectionId,
        since: ChangeToken,
        limit: usize,
    ) -> Result<ChangePage, BackendError>;
    /// The folder's live items with ids after `after` (in id order), at most `limit`: used
    /// when a changed FilterType widens the window.
    fn items(
        &self,
        folder: &CollectionId,
        after: Option<&ItemId>,
        limit: usize,
    ) -> Result<Vec<ItemMeta>, BackendError>;
    /// The item's metadata, `None` when it does not exist.
    fn item(&self, folder: &CollectionId, id: &ItemId) -> Result<Option<ItemMeta>, BackendError>;
    /// The item as the client gets it.
    fn render(
        &self,
        folder: &CollectionId,
        id: &ItemId,
        ctx: &RenderContext<'_>,
    ) -> Result<ApplicationData, BackendError>;

    /// Store a client's new item.
    fn add(
        &mut self,
        folder: &CollectionId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError>;
    /// Apply a client's change to an item (only the properties it sent; ghosted ones kept).
    fn change(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        data: &ApplicationData,
    ) -> Result<ItemMeta, BackendError>;
    /// Delete an item; `to_trash` moves it to Deleted Items instead (DeletesAsMoves).
    fn delete(
        &mut self,
        folder: &CollectionId,
        id: &ItemId,
        to_trash: bool,
    ) -> Result<(), BackendError>;
    /// Move an item to another folder; returns its id there.
    fn move_item(
        &mut self,
        from: &CollectionId,
        id: &ItemId,
        to: &CollectionId,
    ) -> Result<ItemId, BackendError>;
}
