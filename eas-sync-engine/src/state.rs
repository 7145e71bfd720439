//! What the engine remembers per device between requests, and the store that keeps it.
//!
//! A response depends on state (the new sync key, what the device now holds); the server
//! saves the state the engine returns *before* it sends the response, in one write per
//! device, so a crash between the two costs at most a replay, never a lost or doubled item.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use chrono::{DateTime, Utc};
use eas_codec::command::folder::FolderSyncResponse;
use eas_codec::command::sync::{SyncOptions, SyncRequest, SyncResponseCollection};

use crate::backend::ChangeToken;
use crate::folder::FolderCommandReplay;
use crate::ids::{CollectionId, DeviceId, ItemId};
use crate::push::PingState;

/// A sync key. On the wire it is the decimal counter; `0` asks to start over. Keys only
/// grow, so a key the engine did not hand out is recognised as invalid.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SyncKey(pub u64);

impl SyncKey {
    /// The key a client sends to start (or restart) a sync.
    pub const INITIAL: SyncKey = SyncKey(0);

    /// Read a key from the wire; anything but a decimal number is `None` (and answered with
    /// "invalid sync key").
    pub fn parse(s: &str) -> Option<SyncKey> {
        let s = s.trim();
        if s.is_empty() || s.len() > 20 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        s.parse().ok().map(SyncKey)
    }

    /// The key after this one.
    pub fn next(self) -> SyncKey {
        SyncKey(self.0.saturating_add(1))
    }

    /// The wire form.
    pub fn to_wire(self) -> String {
        self.0.to_string()
    }
}

/// A folder as the device was last told about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FolderSnapshot {
    /// Parent id (`"0"` on the wire for the top).
    pub parent: Option<CollectionId>,
    /// Display name.
    pub name: String,
    /// MS-ASCMD FolderType.
    pub folder_type: u8,
}

/// The folder hierarchy as the device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HierarchyState {
    /// The key the device must send next.
    pub key: SyncKey,
    /// The folders the device has.
    pub folders: BTreeMap<CollectionId, FolderSnapshot>,
    /// The last response and the key it answered, replayed if the device repeats that key
    /// (it lost the response).
    pub last: Option<(SyncKey, FolderSyncResponse)>,
    /// The last successful FolderCreate, FolderUpdate or FolderDelete and the key it
    /// answered, replayed if the device repeats the same request with that key.
    pub last_command: Option<(SyncKey, FolderCommandReplay)>,
}

/// One collection as the device holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CollectionState {
    /// The key the device must send next.
    pub key: SyncKey,
    /// Changes in the backend's feed up to here have been sent.
    pub cursor: ChangeToken,
    /// The items the device holds. Memory is the ids only, whatever the folder's size.
    pub known: BTreeSet<ItemId>,
    /// The FilterType in force (`None`: everything).
    pub filter_type: Option<u32>,
    /// ClientId → ServerId of the device's recent Adds, so a retried Add is answered, not
    /// applied twice. Bounded (oldest dropped).
    pub client_ids: BTreeMap<String, ItemId>,
    /// The last response and the key it answered, replayed if the device repeats that key;
    /// dropped once the device sends the new key (it has the response then).
    pub last: Option<(SyncKey, SyncResponseCollection)>,
    /// The ClientIds of `client_ids` oldest first, so the oldest is the one dropped.
    ///
    /// MS-ASCMD 2.2.3.28.2 asks a ClientId to be unique only within one request (a counter
    /// restarting per request is allowed), so the engine keeps the ClientIds of the latest
    /// request with Adds and matches within that request only; a request repeated after a
    /// lost response is answered by replaying `last`, which never applies an Add twice.
    pub client_id_order: VecDeque<String>,
    /// A fingerprint of the item each ClientId of `client_ids` added: the same ClientId with a
    /// different item is a different Add.
    pub client_id_prints: BTreeMap<String, u64>,
    /// The collection's Options as last sent: MS-ASCMD lets a client omit them from later
    /// requests, and rendering and FilterType keep using the cached ones.
    pub options: Vec<SyncOptions>,
    /// The device's own writes still ahead of `cursor`: item → the feed token of the write.
    /// A feed entry for the item *at exactly that token* is the device's own change and is
    /// not sent back; a later entry is a genuine server change (see `sync` module docs).
    pub echo: BTreeMap<ItemId, ChangeToken>,
    /// A FilterType change (or an expiry check) still being applied, resumable across
    /// responses.
    pub refilter: Option<Refilter>,
    /// When the held items were last checked against a date window: items age out of it as
    /// time passes without any change in the feed, so the check is repeated (see `sync`).
    pub window_checked: Option<DateTime<Utc>>,
}

/// Where a FilterType change or an expiry check stands. A FilterType change runs both passes,
/// Items then Known; an expiry check (a date window that time has moved) runs Known alone.
/// Each pass resumes from the last id handled, so a large folder spreads over several
/// responses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refilter {
    /// Walking the folder's live items (via `Backend::items`), after the one given: those
    /// inside the window the device does not hold are sent as Add. The Known pass follows.
    Items(Option<ItemId>),
    /// Checking the ids the device holds, after the one given: those now outside the window
    /// are sent as SoftDelete. The last pass.
    Known(Option<ItemId>),
}

/// Everything the engine keeps for one device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DeviceState {
    /// FolderSync state.
    pub hierarchy: HierarchyState,
    /// Sync state per collection.
    pub collections: BTreeMap<CollectionId, CollectionState>,
    /// The last full Sync request, which an empty Sync or a `Partial` one refers to.
    pub last_sync_request: Option<SyncRequest>,
    /// Ping's cached parameters and the generation of the newest Ping.
    pub ping: PingState,
}

/// Why state could not be read or written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("state store: {0}")]
pub struct StoreError(pub String);

/// Where device states live between requests.
pub trait StateStore {
    /// The device's state, `None` for a device never seen (or reset).
    fn load(&self, device: &DeviceId) -> Result<Option<DeviceState>, StoreError>;
    /// Replace the device's state, atomically.
    fn save(&mut self, device: &DeviceId, state: &DeviceState) -> Result<(), StoreError>;
    /// Forget the device (remote wipe, account removed).
    fn remove(&mut self, device: &DeviceId) -> Result<(), StoreError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sync_keys_are_decimal_counters() {
        assert_eq!(SyncKey::parse("0"), Some(SyncKey::INITIAL));
        assert_eq!(SyncKey::parse("42"), Some(SyncKey(42)));
        assert_eq!(SyncKey(41).next().to_wire(), "42");
        for bad in ["", "-1", "1a", "{abc}", "99999999999999999999999"] {
            assert_eq!(SyncKey::parse(bad), None, "{bad}");
        }
    }
}
