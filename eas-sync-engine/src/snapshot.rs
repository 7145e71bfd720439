//! A change feed for stores that cannot say what changed: a POP-style maildir, a CardDAV
//! server without sync-tokens, a directory of files.
//!
//! [`SnapshotFeed`] remembers, per folder, every item's last seen version fingerprint (an
//! mtime, an ETag, a content hash). [`SnapshotFeed::refresh`] compares a fresh listing with it
//! and appends what differs — new or changed items as upserts, missing ones as deletions — to
//! a log with growing tokens; [`SnapshotFeed::changes`] answers [`Backend::changes`] from that
//! log. A backend built on such a store calls `refresh` before answering (or on a timer) and
//! delegates `changes` here. Memory is one fingerprint per live item plus one log entry per
//! item, as each item appears in the log once, at its latest change.
//!
//! [`Backend::changes`]: crate::Backend::changes

use std::collections::{BTreeMap, HashMap};

use crate::backend::{Change, ChangePage, ChangeToken, ItemMeta};
use crate::ids::{CollectionId, ItemId};

#[derive(Debug, Clone, Default)]
struct FolderLog {
    /// id → (fingerprint, metadata, the token of its log entry).
    seen: BTreeMap<ItemId, (u64, ItemMeta, u64)>,
    /// token → (id, deleted). One entry per item: the latest.
    log: BTreeMap<u64, (ItemId, bool)>,
    /// Deleted items' log tokens.
    gone: HashMap<ItemId, u64>,
    seq: u64,
}

impl FolderLog {
    fn record(&mut self, id: &ItemId, deleted: bool) -> u64 {
        self.seq += 1;
        if let Some((_, _, old)) = self.seen.get(id) {
            self.log.remove(old);
        }
        if let Some(old) = self.gone.remove(id) {
            self.log.remove(&old);
        }
        self.log.insert(self.seq, (id.clone(), deleted));
        self.seq
    }
}

/// Change feeds derived by comparing listings. See the module documentation.
#[derive(Debug, Clone, Default)]
pub struct SnapshotFeed {
    folders: HashMap<CollectionId, FolderLog>,
}

/// What a [`SnapshotFeed::refresh`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RefreshCounts {
    /// Items not seen before.
    pub added: usize,
    /// Items whose fingerprint changed.
    pub changed: usize,
    /// Items no longer listed.
    pub deleted: usize,
}

impl SnapshotFeed {
    /// Compare `listing` — every item of the folder now, with its version fingerprint — with
    /// the last listing, and log the differences.
    pub fn refresh(
        &mut self,
        folder: &CollectionId,
        listing: impl IntoIterator<Item = (ItemMeta, u64)>,
    ) -> RefreshCounts {
        let f = self.folders.entry(folder.clone()).or_default();
        let mut counts = RefreshCounts::default();
        let mut listed: BTreeMap<ItemId, (ItemMeta, u64)> = BTreeMap::new();
        for (meta, print) in listing {
            listed.insert(meta.id.clone(), (meta, print));
        }
        let vanished: Vec<ItemId> = f
            .seen
            .keys()
            .filter(|id| !listed.contains_key(*id))
            .cloned()
            .collect();
        for id in vanished {
            f.record(&id, true);
            let seq = f.seq;
            f.seen.remove(&id);
            f.gone.insert(id, seq);
            counts.deleted += 1;
        }
        for (id, (meta, print)) in listed {
            match f.seen.get(&id) {
                Some((old, _, _)) if *old == print => {}
                known => {
                    if known.is_some() {
                        counts.changed += 1;
                    } else {
                        counts.added += 1;
                    }
                    let seq = f.record(&id, false);
                    f.seen.insert(id, (print, meta, seq));
                }
            }
        }
        counts
    }

    /// The folder's changes after `since`, as [`crate::Backend::changes`] returns them.
    pub fn changes(&self, folder: &CollectionId, since: ChangeToken, limit: usize) -> ChangePage {
        let Some(f) = self.folders.get(folder) else {
            return ChangePage {
                changes: Vec::new(),
                next: since,
                more: false,
            };
        };
        let mut range = f.log.range(since.0.saturating_add(1)..);
        let mut changes = Vec::new();
        let mut next = since;
        for (&seq, (id, deleted)) in range.by_ref().take(limit) {
            next = ChangeToken(seq);
            changes.push(match (deleted, f.seen.get(id)) {
                (false, Some((_, meta, _))) => Change::Upsert(meta.clone()),
                _ => Change::Delete(id.clone()),
            });
        }
        ChangePage {
            changes,
            next,
            more: range.next().is_some(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meta(id: &str) -> ItemMeta {
        ItemMeta {
            id: ItemId::from(id),
            date: None,
            complete: false,
        }
    }

    #[test]
    fn listings_become_a_feed_with_each_item_once_at_its_latest_change() {
        let folder = CollectionId::from("cards");
        let mut feed = SnapshotFeed::default();
        let counts = feed.refresh(&folder, [(meta("a"), 1), (meta("b"), 1), (meta("c"), 1)]);
        assert_eq!(
            counts,
            RefreshCounts {
                added: 3,
                changed: 0,
                deleted: 0
            }
        );
        let first = feed.changes(&folder, ChangeToken::START, 10);
        assert_eq!(first.changes.len(), 3);
        assert!(!first.more);
        let cursor = first.next;

        // Nothing changed: nothing new in the feed.
        assert_eq!(
            feed.refresh(&folder, [(meta("a"), 1), (meta("b"), 1), (meta("c"), 1)]),
            RefreshCounts::default()
        );
        assert!(feed.changes(&folder, cursor, 10).changes.is_empty());

        // b changed, c vanished, d appeared.
        let counts = feed.refresh(&folder, [(meta("a"), 1), (meta("b"), 2), (meta("d"), 1)]);
        assert_eq!(
            counts,
            RefreshCounts {
                added: 1,
                changed: 1,
                deleted: 1
            }
        );
        let page = feed.changes(&folder, cursor, 10);
        assert_eq!(
            page.changes,
            vec![
                Change::Delete(ItemId::from("c")),
                Change::Upsert(meta("b")),
                Change::Upsert(meta("d")),
            ]
        );

        // A device that starts now sees only live items (the deletion of an item it never had
        // is in the log but after every upsert of live ones it needs); paging works.
        let p1 = feed.changes(&folder, ChangeToken::START, 2);
        assert!(p1.more);
        let p2 = feed.changes(&folder, p1.next, 10);
        assert!(!p2.more);
        let ids: Vec<_> = p1
            .changes
            .iter()
            .chain(&p2.changes)
            .filter(|c| matches!(c, Change::Upsert(_)))
            .map(|c| c.id().as_str().to_string())
            .collect();
        assert_eq!(ids.len(), 3);
        for id in ["a", "b", "d"] {
            assert!(ids.iter().any(|i| i == id), "{id} missing");
        }

        // c comes back: its deletion entry is replaced by an upsert.
        feed.refresh(
            &folder,
            [
                (meta("a"), 1),
                (meta("b"), 2),
                (meta("c"), 5),
                (meta("d"), 1),
            ],
        );
        let all = feed.changes(&folder, ChangeToken::START, 10).changes;
        assert_eq!(all.len(), 4, "{all:?}");
        assert!(all.iter().all(|c| matches!(c, Change::Upsert(_))));
    }

    #[test]
    fn an_unknown_folder_has_an_empty_feed() {
        let feed = SnapshotFeed::default();
        let page = feed.changes(&CollectionId::from("x"), ChangeToken(7), 5);
        assert!(page.changes.is_empty());
        assert_eq!(page.next, ChangeToken(7));
    }
}
