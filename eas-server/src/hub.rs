//! In-process change notifications: what lets a parked Ping or Sync-with-Wait sleep as a
//! cheap async wait and wake within milliseconds of a delivery, with no polling loop per
//! connection.
//!
//! Each account has a [`watch`] channel carrying a change counter, and a map from folder to
//! the counter value of its last change. A writer (a delivery, another device's Sync, an
//! admin import) calls [`Hub::notify`] after its transaction commits. A waiter subscribes
//! *before* it checks the store, so a change that lands between the check and the wait is
//! never missed; when woken it asks [`Waiter::changed_since`] whether one of *its* folders (or
//! the hierarchy) changed, and only then touches the database.
//!
//! Memory per parked request: one watch receiver (a pointer and a version) and the waiter's
//! list of folder ids.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use eas_sync_engine::CollectionId;
use tokio::sync::watch;

/// One account's signal.
#[derive(Debug)]
struct AccountSignal {
    tx: watch::Sender<u64>,
    marks: Mutex<Marks>,
}

#[derive(Debug, Default)]
struct Marks {
    /// Counter value of each folder's last change.
    folders: HashMap<CollectionId, u64>,
    /// Counter value of the last hierarchy change (or change of what the account may see).
    hierarchy: u64,
}

/// The notification hub shared by every connection.
#[derive(Debug, Default)]
pub struct Hub {
    accounts: Mutex<HashMap<i64, Arc<AccountSignal>>>,
    devices: Mutex<HashMap<(i64, String), u64>>,
}

impl Hub {
    /// A new hub.
    pub fn new() -> Hub {
        Hub::default()
    }

    fn signal(&self, account: i64) -> Arc<AccountSignal> {
        let mut map = self.accounts.lock().unwrap_or_else(PoisonError::into_inner);
        map.entry(account)
            .or_insert_with(|| {
                Arc::new(AccountSignal {
                    tx: watch::Sender::new(0),
                    marks: Mutex::new(Marks::default()),
                })
            })
            .clone()
    }

    /// Announce committed changes of an account: the folders whose contents changed, and
    /// whether its hierarchy did. Wakes every waiter of the account, each of which then
    /// checks in memory whether the change concerns it.
    pub fn notify<'a>(
        &self,
        account: i64,
        folders: impl IntoIterator<Item = &'a CollectionId>,
        hierarchy: bool,
    ) {
        let signal = self.signal(account);
        let mut marks = signal.marks.lock().unwrap_or_else(PoisonError::into_inner);
        let next = signal.tx.borrow().wrapping_add(1);
        let mut any = false;
        for f in folders {
            marks.folders.insert(f.clone(), next);
            any = true;
        }
        if hierarchy {
            marks.hierarchy = next;
            any = true;
        }
        if any {
            // Sent while the marks are locked, so a waiter that sees the new value also sees
            // the marks that go with it.
            signal.tx.send_replace(next);
        }
    }

    /// Start waiting for changes of `folders` (and the hierarchy) of an account. Subscribe
    /// before checking the store.
    pub fn waiter(&self, account: i64, folders: Vec<CollectionId>) -> Waiter {
        let signal = self.signal(account);
        let mut rx = signal.tx.subscribe();
        let seen = *rx.borrow_and_update();
        Waiter {
            signal,
            rx,
            seen,
            folders,
        }
    }

    /// Record that a device started a new request, returning its number. A parked request
    /// of the device that is no longer the newest was abandoned by the device (it only sends
    /// a new one after giving up on the old), and must not change its state.
    pub fn begin_request(&self, account: i64, device: &str) -> u64 {
        let mut map = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry((account, device.to_string())).or_insert(0);
        *n = n.wrapping_add(1);
        *n
    }

    /// Whether `request` (from [`Hub::begin_request`]) is still the device's newest.
    pub fn is_current(&self, account: i64, device: &str, request: u64) -> bool {
        let map = self.devices.lock().unwrap_or_else(PoisonError::into_inner);
        map.get(&(account, device.to_string())) == Some(&request)
    }

    /// How many accounts have a signal (for metrics and tests).
    pub fn accounts(&self) -> usize {
        self.accounts
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// A parked request's subscription.
#[derive(Debug)]
pub struct Waiter {
    signal: Arc<AccountSignal>,
    rx: watch::Receiver<u64>,
    seen: u64,
    folders: Vec<CollectionId>,
}

/// What woke a waiter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// One of the watched folders, or the hierarchy, changed.
    Changed,
    /// The hub is gone (server stopping).
    Closed,
}

impl Waiter {
    /// Wait until a watched folder or the hierarchy changes. Changes of other folders of the
    /// account are absorbed here without returning.
    pub async fn next(&mut self) -> Wake {
        loop {
            if self.rx.changed().await.is_err() {
                return Wake::Closed;
            }
            let now = *self.rx.borrow_and_update();
            let relevant = self.changed_since(self.seen);
            self.seen = now;
            if relevant {
                return Wake::Changed;
            }
        }
    }

    /// Whether a watched folder or the hierarchy changed after counter value `since`.
    pub fn changed_since(&self, since: u64) -> bool {
        let marks = self
            .signal
            .marks
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        // The counter wraps only after 2^64 changes; compare by distance to stay correct.
        let after = |v: u64| v.wrapping_sub(since).wrapping_sub(1) < u64::MAX / 2;
        after(marks.hierarchy)
            || self
                .folders
                .iter()
                .any(|f| marks.folders.get(f).is_some_and(|&v| after(v)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn id(s: &str) -> CollectionId {
        CollectionId(s.to_string())
    }

    #[tokio::test]
    async fn a_change_of_a_watched_folder_wakes_the_waiter() {
        let hub = Hub::new();
        let mut w = hub.waiter(1, vec![id("5")]);
        hub.notify(1, [&id("5")], false);
        let r = tokio::time::timeout(Duration::from_secs(1), w.next()).await;
        assert_eq!(r.unwrap(), Wake::Changed);
    }

    #[tokio::test]
    async fn changes_elsewhere_do_not_wake_it() {
        let hub = Hub::new();
        let mut w = hub.waiter(1, vec![id("5")]);
        hub.notify(1, [&id("6")], false);
        hub.notify(2, [&id("5")], false);
        let r = tokio::time::timeout(Duration::from_millis(100), w.next()).await;
        assert!(r.is_err(), "woken by another folder or account");
        // A later relevant change still wakes it.
        hub.notify(1, [&id("5")], false);
        let r = tokio::time::timeout(Duration::from_secs(1), w.next()).await;
        assert_eq!(r.unwrap(), Wake::Changed);
    }

    #[tokio::test]
    async fn a_hierarchy_change_wakes_every_waiter_of_the_account() {
        let hub = Hub::new();
        let mut a = hub.waiter(1, vec![id("5")]);
        let mut b = hub.waiter(1, vec![]);
        hub.notify(1, std::iter::empty(), true);
        for w in [&mut a, &mut b] {
            let r = tokio::time::timeout(Duration::from_secs(1), w.next()).await;
            assert_eq!(r.unwrap(), Wake::Changed);
        }
    }

    #[tokio::test]
    async fn a_change_before_the_wait_starts_is_not_lost() {
        let hub = Hub::new();
        let mut w = hub.waiter(1, vec![id("5")]);
        // Lands after subscribing, before awaiting (the store check happens in between).
        hub.notify(1, [&id("5")], false);
        tokio::task::yield_now().await;
        let r = tokio::time::timeout(Duration::from_secs(1), w.next()).await;
        assert_eq!(r.unwrap(), Wake::Changed);
    }

    #[test]
    fn only_the_newest_request_of_a_device_is_current() {
        let hub = Hub::new();
        let first = hub.begin_request(1, "dev");
        assert!(hub.is_current(1, "dev", first));
        let second = hub.begin_request(1, "dev");
        assert!(!hub.is_current(1, "dev", first));
        assert!(hub.is_current(1, "dev", second));
        assert!(
            !hub.is_current(1, "other", 1),
            "a device never seen has no current request"
        );
    }
}
