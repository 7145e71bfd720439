//! Sync (MS-ASCMD 2.2.1.21): the client's changes in, the server's changes out.
//!
//! **Keys.** Each collection has its own key ([`CollectionState::key`]). Key `0` resets the
//! collection and is answered with key `1` and no items. The current key runs a normal sync.
//! The key *before* the current one is a device that lost our last response: the response
//! saved in [`CollectionState::last`] is sent again, unchanged, and nothing in the request is
//! applied (its changes were applied the first time). Any other key is status 3, and the
//! collection's state is dropped so the device's resync from `0` starts clean. A new key is
//! handed out whenever a response changes what the device holds (a client write, or a server
//! change sent); a response that changes nothing keeps the key, so there is nothing to lose.
//!
//! **ClientIds** are unique only within one request (MS-ASCMD 2.2.3.28.2), so an Add repeated
//! within a request is answered once with the same ServerId, and a request repeated after a
//! lost response is answered by the replay; a later request that reuses a ClientId adds a new
//! item.
//!
//! **Server changes** come from the backend's change feed after [`CollectionState::cursor`],
//! paged, never a whole folder at once: an upsert of an item the device does not hold is an
//! Add (if the FilterType admits it), of one it holds a Change (or a SoftDelete if it has
//! left the window), a delete of one it holds a Delete, of one it does not hold nothing. At
//! most WindowSize commands are sent; the cursor moves exactly past the last entry handled,
//! and MoreAvailable is set only when a further entry *would* be sent (entries that send
//! nothing are skipped over even when the window is full), so it never promises an empty
//! round.
//!
//! **Echoes.** The device's own writes (Adds, Changes, MoveItems destinations) show up in the
//! feed like anyone's. Right after each write the engine finds the write's token in the feed
//! (it is the newest entry, just after the head it saw before writing) and keeps it in
//! [`CollectionState::echo`]. The feed shows each item once, at its latest change; so when an
//! item with an echo entry turns up, one lookup (`changes(token - 1, 1)`) tells whether its
//! latest change is still that write (skip it) or a later server change (send it). This is
//! exact even when the server changes the item again before the device's next sync. The
//! engine assumes no other writer touches the folder between a write and that lookup, which
//! holds for a server that serialises a user's requests.
//!
//! **Conflicts.** Before applying a request's Changes and Deletes the feed after the cursor is
//! read once (memory: only the ids the request touches). An item in it that is not an echo
//! changed on the server since the device last synced. With `Conflict` 0 the client's change
//! is applied and the server's change is superseded (the item's feed entry becomes the
//! device's own write). With 1, the default, the client's change is discarded with status 7
//! (MS-ASCMD 2.2.3.34) and the server's version reaches the device through the feed as a
//! Change; a discarded Delete makes the item unknown to the engine, so the device gets it back
//! as an Add.
//!
//! **FilterType changes** take effect in the response to the request that changes it. The
//! feed is drained first (with the new filter); then two resumable passes ([`Refilter`]): one
//! over the folder's items (`Backend::items`, paged) sends Add for those inside the window
//! that the device lacks, one over the ids the device holds sends SoftDelete for those now
//! outside it. Every response drains the feed before the passes go on, so an item a pass
//! adds has no older feed entry waiting, and anything that changes during the passes still
//! comes through the feed.
//!
//! **Ageing.** Time moves a date window without any change in the feed: an item inside it
//! yesterday may be outside it today. So the held ids are re-checked (the Known pass alone)
//! once a date window has gone unchecked for a 24th of its length — an hour for one day, a
//! week for six months. An item the device itself writes in a request is left out of a pass
//! in that request's response (a SoftDelete there would race the client's bookkeeping of
//! its own Add); if it is outside the window, the held items are checked again on the next
//! sync, which takes it off.
//!
//! **Empty and Partial requests** (12.1+) are resolved against
//! [`DeviceState::last_sync_request`], the last full request without its commands, with
//! every collection's key replaced by the current one. Wait and HeartbeatInterval make the
//! engine answer [`SyncOutcome::Wait`] when no collection has anything to report; the server
//! parks the request and calls [`Engine::sync_after_wait`] when the backend changes or when
//! the time is up.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Bound;

use chrono::{DateTime, Months, TimeDelta, Utc};
use eas_codec::ProtocolVersion;
use eas_codec::command::sync::{
    AddResponse, ChangeResponse, FetchResponse, ItemChange, ItemDelete, ItemFetch, ServerAdd,
    SyncCollection, SyncCollections, SyncItemResponse, SyncOptions, SyncRequest,
    SyncRequestCommand, SyncResponse, SyncResponseCollection, SyncResponseCollections,
    SyncResponseCommand, SyncResponseCommands, SyncResponses, SyncStatus,
};

use crate::backend::{Backend, BackendError, Change, ChangeToken, ItemMeta, RenderContext};
use crate::engine::{Context, Engine};
use crate::ids::{CollectionId, ItemId};
use crate::state::{CollectionState, DeviceState, Refilter, SyncKey};

/// How many feed entries or items the engine asks the backend for at once.
const PAGE: usize = 256;

/// What [`Engine::sync`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncOutcome {
    /// Send this response now.
    Respond(SyncResponse),
    /// The request carried Wait or HeartbeatInterval and no collection has anything to
    /// report: park it, and call [`Engine::sync_after_wait`] whenever one of `collections`
    /// may have changed, and at `until` at the latest.
    Wait {
        /// The collections to watch.
        collections: Vec<CollectionId>,
        /// When the wait ends.
        until: DateTime<Utc>,
    },
    /// The wait ended with nothing to report: send an empty response (HTTP 200 with no body,
    /// MS-ASCMD 4.5.10); the device answers it with an empty Sync to keep waiting.
    Empty,
}

/// Which items a FilterType admits (MS-ASCMD 2.2.3.68.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filter {
    /// 0 or none: everything.
    All,
    /// 1–7: items dated at or after this instant (undated items always).
    Since(DateTime<Utc>),
    /// 8: incomplete tasks only.
    IncompleteTasks,
}

impl Filter {
    /// The filter for a FilterType value at `now`; `None` for a value the protocol does not
    /// define.
    pub(crate) fn from_type(filter_type: Option<u32>, now: DateTime<Utc>) -> Option<Filter> {
        // Checked arithmetic: a clock at the edge of chrono's range must not panic.
        let days = |d: i64| {
            now.checked_sub_signed(TimeDelta::days(d))
                .unwrap_or(DateTime::<Utc>::MIN_UTC)
        };
        let months = |m: u32, fallback: i64| {
            Some(Filter::Since(
                now.checked_sub_months(Months::new(m))
                    .unwrap_or_else(|| days(fallback)),
            ))
        };
        let days = |d: i64| Some(Filter::Since(days(d)));
        match filter_type.unwrap_or(0) {
            0 => Some(Filter::All),
            1 => days(1),
            2 => days(3),
            3 => days(7),
            4 => days(14),
            5 => months(1, 31),
            6 => months(3, 92),
            7 => months(6, 183),
            8 => Some(Filter::IncompleteTasks),
            _ => None,
        }
    }

    /// Whether the device should hold this item.
    pub(crate) fn admits(&self, meta: &ItemMeta) -> bool {
        match self {
            Filter::All => true,
            Filter::Since(t) => meta.date.is_none_or(|d| d >= *t),
            Filter::IncompleteTasks => !meta.complete,
        }
    }
}

/// The FilterType of a collection's options: the first Options element for the folder's own
/// class (one without a Class, or not the SMS one a mailbox may carry as a second).
pub(crate) fn filter_type_of(options: &[SyncOptions]) -> Option<u32> {
    options
        .iter()
        .find(|o| o.class.as_deref().is_none_or(|c| c != "SMS"))
        .and_then(|o| o.filter_type)
        .filter(|&f| f != 0)
}

/// One command the server will send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Op {
    /// The device lacks the item.
    Add(ItemId),
    /// The device holds an older version.
    Change(ItemId),
    /// The item is gone.
    Delete(ItemId),
    /// The item left the filter window.
    SoftDelete(ItemId),
}

/// What the next response for a collection sends, computed without changing anything.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    /// The commands, in order.
    pub(crate) ops: Vec<Op>,
    /// The feed position after them.
    pub(crate) cursor: ChangeToken,
    /// The FilterType pass after them.
    pub(crate) refilter: Option<Refilter>,
    /// A further command is waiting.
    pub(crate) more: bool,
    /// A held item the device wrote in this request is outside the window: the next sync
    /// checks the held items again.
    pub(crate) recheck: bool,
}

/// Whether `id`'s latest feed entry is still the device's own write recorded in `echo`.
pub(crate) fn is_own_write(
    backend: &impl Backend,
    folder: &CollectionId,
    echo: &BTreeMap<ItemId, ChangeToken>,
    id: &ItemId,
) -> Result<bool, BackendError> {
    let Some(&token) = echo.get(id) else {
        return Ok(false);
    };
    let Some(before) = token.0.checked_sub(1) else {
        return Ok(false);
    };
    let page = backend.changes(folder, ChangeToken(before), 1)?;
    Ok(page.next == token && page.changes.first().map(Change::id) == Some(id))
}

/// The end of a folder's feed, followed across the engine's own writes so each write's token
/// is known.
#[derive(Debug, Clone)]
pub(crate) struct Tail {
    /// Where the feed ended when it was read.
    start: ChangeToken,
    head: ChangeToken,
}

impl Tail {
    /// Read the feed from `from` to its end, showing every entry to `seen`.
    pub(crate) fn scan(
        backend: &impl Backend,
        folder: &CollectionId,
        from: ChangeToken,
        mut seen: impl FnMut(&Change),
    ) -> Result<Tail, BackendError> {
        let mut head = from;
        loop {
            let page = backend.changes(folder, head, PAGE)?;
            page.changes.iter().for_each(&mut seen);
            if page.changes.is_empty() || page.next <= head {
                return Ok(Tail { start: head, head });
            }
            head = page.next;
            if !page.more {
                return Ok(Tail { start: head, head });
            }
        }
    }

    /// After a write to `id`: its token (the first entry after the head for that item), with
    /// the head moved past it. `None` if the write left no entry.
    pub(crate) fn record(
        &mut self,
        backend: &impl Backend,
        folder: &CollectionId,
        id: &ItemId,
    ) -> Result<Option<ChangeToken>, BackendError> {
        loop {
            let page = backend.changes(folder, self.head, 1)?;
            let Some(change) = page.changes.first() else {
                return Ok(None);
            };
            if page.next <= self.head {
                return Ok(None);
            }
            self.head = page.next;
            if change.id() == id {
                return Ok(Some(page.next));
            }
        }
    }
}

/// Computes a [`Plan`]: the collection's state is read, never written; what the plan would
/// change is tracked in `added` and `removed`.
struct Planner<'a, B: Backend> {
    backend: &'a B,
    folder: &'a CollectionId,
    coll: &'a CollectionState,
    fresh: &'a BTreeSet<ItemId>,
    filter: Filter,
    limit: usize,
    ops: Vec<Op>,
    added: BTreeSet<ItemId>,
    removed: BTreeSet<ItemId>,
    recheck: bool,
}

impl<B: Backend> Planner<'_, B> {
    fn is_known(&self, id: &ItemId) -> bool {
        (self.coll.known.contains(id) || self.added.contains(id)) && !self.removed.contains(id)
    }

    /// Take `op` if the window has room; `false` (and nothing taken) if it is full.
    fn offer(&mut self, op: Op) -> bool {
        if self.ops.len() >= self.limit {
            return false;
        }
        match &op {
            Op::Add(id) => {
                self.removed.remove(id);
                self.added.insert(id.clone());
            }
            Op::Delete(id) | Op::SoftDelete(id) => {
                self.added.remove(id);
                self.removed.insert(id.clone());
            }
            Op::Change(_) => {}
        }
        self.ops.push(op);
        true
    }

    /// What a feed entry sends.
    fn classify(&self, change: &Change) -> Result<Option<Op>, BackendError> {
        if is_own_write(self.backend, self.folder, &self.coll.echo, change.id())? {
            return Ok(None);
        }
        Ok(match change {
            Change::Upsert(meta) => match (self.is_known(&meta.id), self.filter.admits(meta)) {
                (true, true) => Some(Op::Change(meta.id.clone())),
                (true, false) => Some(Op::SoftDelete(meta.id.clone())),
                (false, true) => Some(Op::Add(meta.id.clone())),
                (false, false) => None,
            },
            Change::Delete(id) => self.is_known(id).then(|| Op::Delete(id.clone())),
        })
    }

    /// The FilterType passes. Returns where they stopped (`None`: done) and whether they
    /// stopped because the window is full.
    fn refilter(
        &mut self,
        mut at: Option<Refilter>,
    ) -> Result<(Option<Refilter>, bool), BackendError> {
        while let Some(pass) = at.clone() {
            match pass {
                Refilter::Items(after) => {
                    // A feed read from the start (just now, in full) has shown every item.
                    if self.coll.cursor == ChangeToken::START {
                        at = Some(Refilter::Known(None));
                        continue;
                    }
                    let page = self.backend.items(self.folder, after.as_ref(), PAGE)?;
                    let full_page = page.len() >= PAGE;
                    let mut last = after;
                    for meta in page {
                        if self.filter.admits(&meta)
                            && !self.is_known(&meta.id)
                            && !self.offer(Op::Add(meta.id.clone()))
                        {
                            return Ok((Some(Refilter::Items(last)), true));
                        }
                        last = Some(meta.id);
                    }
                    at = Some(if full_page {
                        Refilter::Items(last)
                    } else {
                        Refilter::Known(None)
                    });
                }
                Refilter::Known(after) => {
                    let lower = after.as_ref().map_or(Bound::Unbounded, Bound::Excluded);
                    let batch: Vec<ItemId> = self
                        .coll
                        .known
                        .range::<ItemId, _>((lower, Bound::Unbounded))
                        .take(PAGE)
                        .cloned()
                        .collect();
                    if batch.is_empty() {
                        at = None;
                        continue;
                    }
                    let mut last = after;
                    for id in batch {
                        if !self.is_known(&id) {
                            last = Some(id);
                            continue;
                        }
                        let outside = match self.backend.item(self.folder, &id)? {
                            Some(meta) => !self.filter.admits(&meta),
                            // Gone: the feed's Delete tells the device.
                            None => false,
                        };
                        // The device's writes of this very request are skipped: they would get
                        // a SoftDelete in the response that acknowledges them. The next sync
                        // checks again.
                        if outside && self.fresh.contains(&id) {
                            self.recheck = true;
                            last = Some(id);
                            continue;
                        }
                        if outside && !self.offer(Op::SoftDelete(id.clone())) {
                            return Ok((Some(Refilter::Known(last)), true));
                        }
                        last = Some(id);
                    }
                    at = Some(Refilter::Known(last));
                }
            }
        }
        Ok((None, false))
    }

    /// The feed after the cursor. Returns the new cursor and whether the window filled.
    fn feed(&mut self) -> Result<(ChangeToken, bool), BackendError> {
        let mut pos = self.coll.cursor;
        loop {
            let page = self.backend.changes(self.folder, pos, PAGE)?;
            for (i, change) in page.changes.iter().enumerate() {
                if let Some(op) = self.classify(change)?
                    && !self.offer(op)
                {
                    // Stop just before entry i: the token after entry i-1 is the `next` of
                    // the first i entries.
                    if i > 0 {
                        pos = self.backend.changes(self.folder, pos, i)?.next;
                    }
                    return Ok((pos, true));
                }
            }
            if page.changes.is_empty() || page.next <= pos {
                return Ok((pos, false));
            }
            pos = page.next;
            if !page.more {
                return Ok((pos, false));
            }
        }
    }
}

/// What the next response for `coll` sends, at most `limit` commands.
pub(crate) fn plan(
    backend: &impl Backend,
    folder: &CollectionId,
    coll: &CollectionState,
    refilter: Option<Refilter>,
    filter: Filter,
    limit: usize,
    fresh: &BTreeSet<ItemId>,
) -> Result<Plan, BackendError> {
    let mut planner = Planner {
        backend,
        folder,
        coll,
        fresh,
        filter,
        limit,
        ops: Vec::new(),
        added: BTreeSet::new(),
        removed: BTreeSet::new(),
        recheck: false,
    };
    // The feed first, drained, then the FilterType passes: an item the passes add has no
    // pending feed entry left, so a later entry for it is a genuine change, never a repeat.
    let (cursor, full) = planner.feed()?;
    if full {
        return Ok(Plan {
            ops: planner.ops,
            cursor,
            refilter,
            more: true,
            recheck: false,
        });
    }
    let (refilter, more) = planner.refilter(refilter)?;
    Ok(Plan {
        ops: planner.ops,
        cursor,
        more: more || refilter.is_some(),
        refilter,
        recheck: planner.recheck,
    })
}

/// How long a date window may go unchecked: a 24th of its length, so an item stays on the
/// device at most that long after it ages out (an hour for one day, a week for six months),
/// and a device is not made to look up every item it holds on every sync.
fn expiry_interval(filter_type: u32) -> Option<TimeDelta> {
    let hours = match filter_type {
        1 => 1,
        2 => 3,
        3 => 7,
        4 => 14,
        5 => 31,
        6 => 92,
        7 => 183,
        _ => return None,
    };
    Some(TimeDelta::hours(hours))
}

/// The FilterType pass a request runs, and whether it starts a check of the held items (then
/// `window_checked` becomes now): a new FilterType starts both passes; a date window unchecked
/// for [`expiry_interval`] starts the Known pass (again from the first id, if one was under
/// way, so the ids it had passed are not left unchecked for another interval); otherwise an
/// unfinished pass resumes.
pub(crate) fn refilter_for(
    coll: &CollectionState,
    filter_type: Option<u32>,
    now: DateTime<Utc>,
) -> (Option<Refilter>, bool) {
    if filter_type != coll.filter_type {
        return (Some(Refilter::Items(None)), true);
    }
    let due = filter_type.and_then(expiry_interval).is_some_and(|every| {
        coll.window_checked
            .is_none_or(|t| now.signed_duration_since(t) >= every)
    });
    match &coll.refilter {
        // An Items pass under way ends in a Known pass, which checks every held item then.
        Some(pass @ Refilter::Items(_)) => (Some(pass.clone()), false),
        Some(Refilter::Known(_)) | None if due => (Some(Refilter::Known(None)), true),
        other => (other.clone(), false),
    }
}

fn collection_response(
    collection_id: &str,
    key: SyncKey,
    status: SyncStatus,
) -> SyncResponseCollection {
    SyncResponseCollection {
        class: None,
        sync_key: key.to_wire().into(),
        collection_id: collection_id.into(),
        status,
        more_available: None,
        commands: None,
        responses: None,
    }
}

fn request_status(status: SyncStatus, limit: Option<u32>) -> SyncResponse {
    SyncResponse {
        status: Some(status),
        limit,
        collections: None,
    }
}

/// The answer for one collection and whether it is worth answering a waiting request for.
struct Answered {
    response: SyncResponseCollection,
    reportable: bool,
}

impl Answered {
    fn status(collection_id: &str, key: SyncKey, status: SyncStatus) -> Answered {
        Answered {
            response: collection_response(collection_id, key, status),
            reportable: true,
        }
    }
}

fn item_status(e: &BackendError) -> SyncStatus {
    match e {
        BackendError::NoItem { .. } | BackendError::NoFolder(_) => SyncStatus::ObjectNotFound,
        BackendError::InvalidItem(_) => SyncStatus::ConversionError,
        _ => SyncStatus::ServerError,
    }
}

impl Engine {
    /// Sync (MS-ASCMD 2.2.1.21). Resolves an empty or Partial request against the cached
    /// one, checks Wait/HeartbeatInterval (status 14 with the violated bound in `Limit`; both
    /// at once is status 4) and the number of collections (status 15 with `Limit`), then syncs
    /// each collection as the module documentation describes. `state` is changed in place:
    /// the caller saves it, then sends the response.
    pub fn sync(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &SyncRequest,
    ) -> SyncOutcome {
        let resolved = match self.resolve(state, req) {
            Ok(r) => r,
            Err(resp) => return SyncOutcome::Respond(resp),
        };
        let wait = match (resolved.wait, resolved.heartbeat_interval) {
            (Some(_), Some(_)) => {
                return SyncOutcome::Respond(request_status(SyncStatus::ProtocolError, None));
            }
            (Some(w), None) => {
                let (lo, hi) = (self.limits.min_wait, self.limits.max_wait);
                if !(lo..=hi).contains(&w) {
                    let bound = if w < lo { lo } else { hi };
                    return SyncOutcome::Respond(request_status(
                        SyncStatus::InvalidWaitOrHeartbeat,
                        Some(bound),
                    ));
                }
                Some(TimeDelta::minutes(i64::from(w)))
            }
            (None, Some(h)) => {
                let (lo, hi) = (self.limits.min_heartbeat, self.limits.max_heartbeat);
                if !(lo..=hi).contains(&h) {
                    let bound = if h < lo { lo } else { hi };
                    return SyncOutcome::Respond(request_status(
                        SyncStatus::InvalidWaitOrHeartbeat,
                        Some(bound),
                    ));
                }
                Some(TimeDelta::seconds(i64::from(h)))
            }
            (None, None) => None,
        };
        let count = resolved
            .collections
            .as_ref()
            .map_or(0, |c| c.collections.len());
        if count > self.limits.max_collections {
            return SyncOutcome::Respond(request_status(
                SyncStatus::InvalidRequest,
                Some(u32::try_from(self.limits.max_collections).unwrap_or(u32::MAX)),
            ));
        }
        // The cache keeps the request without its commands: an empty request repeats the
        // collections and options, never the client's changes.
        let mut cached = resolved.clone();
        if let Some(cs) = cached.collections.as_mut() {
            for c in &mut cs.collections {
                c.commands = None;
            }
        }
        cached.partial = None;
        state.last_sync_request = Some(cached);

        let (collections, reportable) = self.run(ctx, state, backend, &resolved);
        match wait {
            Some(delta) if !reportable => SyncOutcome::Wait {
                collections: collections
                    .iter()
                    .map(|c| CollectionId::from(c.collection_id.as_str()))
                    .collect(),
                until: ctx
                    .now
                    .checked_add_signed(delta)
                    .unwrap_or(DateTime::<Utc>::MAX_UTC),
            },
            _ => SyncOutcome::Respond(SyncResponse {
                status: None,
                limit: None,
                collections: Some(SyncResponseCollections { collections }),
            }),
        }
    }

    /// A parked Sync ([`SyncOutcome::Wait`]) woken up: by the server learning that a watched
    /// collection changed, or at `until`. Runs the cached request again (without commands,
    /// with the current keys): [`SyncOutcome::Respond`] if any collection has something to
    /// send, else [`SyncOutcome::Empty`] once `ctx.now` has reached `until`, else
    /// [`SyncOutcome::Wait`] again with the same `until` (a wake-up for a change that sends
    /// nothing, such as the device's own write).
    pub fn sync_after_wait(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        until: DateTime<Utc>,
    ) -> SyncOutcome {
        let Some(cached) = state.last_sync_request.clone() else {
            return SyncOutcome::Respond(request_status(SyncStatus::IncompleteRequest, None));
        };
        let req = with_current_keys(state, cached);
        let (collections, reportable) = self.run(ctx, state, backend, &req);
        if reportable {
            SyncOutcome::Respond(SyncResponse {
                status: None,
                limit: None,
                collections: Some(SyncResponseCollections { collections }),
            })
        } else if ctx.now >= until {
            SyncOutcome::Empty
        } else {
            SyncOutcome::Wait {
                collections: collections
                    .iter()
                    .map(|c| CollectionId::from(c.collection_id.as_str()))
                    .collect(),
                until,
            }
        }
    }

    /// The full request an empty or Partial one stands for, or the status that refuses it.
    fn resolve(&self, state: &DeviceState, req: &SyncRequest) -> Result<SyncRequest, SyncResponse> {
        let listed = req.collections.as_ref().map_or(0, |c| c.collections.len());
        if req.partial.is_none() && listed > 0 {
            return Ok(req.clone());
        }
        let Some(cached) = state.last_sync_request.clone() else {
            return Err(request_status(SyncStatus::IncompleteRequest, None));
        };
        let mut full = with_current_keys(state, cached);
        if let Some(given) = &req.collections {
            let list = &mut full
                .collections
                .get_or_insert_with(SyncCollections::default)
                .collections;
            for c in &given.collections {
                match list.iter_mut().find(|x| x.collection_id == c.collection_id) {
                    Some(slot) => *slot = c.clone(),
                    None => list.push(c.clone()),
                }
            }
        }
        full.wait = req.wait.or(full.wait);
        full.heartbeat_interval = req.heartbeat_interval.or(full.heartbeat_interval);
        if req.wait.is_some() {
            full.heartbeat_interval = req.heartbeat_interval;
        }
        if req.heartbeat_interval.is_some() {
            full.wait = req.wait;
        }
        full.window_size = req.window_size.or(full.window_size);
        full.partial = None;
        Ok(full)
    }

    /// Sync every collection of a resolved request. Returns the answers and whether any is
    /// worth answering a waiting request for.
    fn run(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &SyncRequest,
    ) -> (Vec<SyncResponseCollection>, bool) {
        let max = usize::try_from(self.limits.max_window)
            .unwrap_or(usize::MAX)
            .max(1);
        // 14.0+: a request-level WindowSize bounds all collections together.
        let mut budget = match req.window_size {
            Some(w) if ctx.version >= ProtocolVersion::V14_0 => {
                usize::try_from(w).unwrap_or(usize::MAX).clamp(1, max)
            }
            _ => usize::MAX,
        };
        // A collection that repeats its previous key gets its saved answer again, unchanged:
        // those commands are sent whatever the order, so they use the budget first.
        for c in req.collections.iter().flat_map(|c| &c.collections) {
            let replayed = SyncKey::parse(&c.sync_key).and_then(|key| {
                let coll = state.collections.get(c.collection_id.as_str())?;
                let (last_key, response) = coll.last.as_ref()?;
                (key != coll.key && *last_key == key)
                    .then(|| response.commands.as_ref().map_or(0, |c| c.commands.len()))
            });
            budget = budget.saturating_sub(replayed.unwrap_or(0));
        }
        let mut out = Vec::new();
        let mut reportable = false;
        for c in req.collections.iter().flat_map(|c| &c.collections) {
            let answered = self.sync_collection(ctx, state, backend, c, &mut budget);
            reportable |= answered.reportable;
            out.push(answered.response);
        }
        (out, reportable)
    }

    fn sync_collection(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        c: &SyncCollection,
        budget: &mut usize,
    ) -> Answered {
        let wire_id = c.collection_id.as_str();
        let id = CollectionId::from(wire_id);
        let Some(key) = SyncKey::parse(&c.sync_key) else {
            state.collections.remove(&id);
            return Answered::status(wire_id, SyncKey::INITIAL, SyncStatus::InvalidSyncKey);
        };
        match backend.changes(&id, ChangeToken::START, 0) {
            Ok(_) => {}
            Err(BackendError::NoFolder(_)) => {
                return Answered::status(wire_id, key, SyncStatus::FolderHierarchyChanged);
            }
            Err(_) => return Answered::status(wire_id, key, SyncStatus::ServerError),
        }
        if key == SyncKey::INITIAL {
            let filter_type = filter_type_of(&c.options);
            if Filter::from_type(filter_type, ctx.now).is_none() {
                return Answered::status(wire_id, key, SyncStatus::ProtocolError);
            }
            let fresh = CollectionState {
                key: SyncKey(1),
                filter_type,
                options: c.options.clone(),
                window_checked: Some(ctx.now),
                ..CollectionState::default()
            };
            state.collections.insert(id, fresh);
            return Answered::status(wire_id, SyncKey(1), SyncStatus::Success);
        }
        let Some(coll) = state.collections.get_mut(&id) else {
            return Answered::status(wire_id, SyncKey::INITIAL, SyncStatus::InvalidSyncKey);
        };
        if key != coll.key {
            if let Some((last_key, response)) = &coll.last
                && *last_key == key
            {
                return Answered {
                    response: response.clone(),
                    reportable: true,
                };
            }
            state.collections.remove(&id);
            return Answered::status(wire_id, SyncKey::INITIAL, SyncStatus::InvalidSyncKey);
        }
        // The device sent the key its last response gave it, so it has that response: the
        // copy kept to replay it can go (it would otherwise be loaded and saved with every
        // later request of the device, items and all).
        coll.last = None;
        self.sync_current(ctx, coll, backend, &id, c, key, budget)
    }

    /// A normal sync with the current key.
    #[allow(clippy::too_many_arguments)]
    fn sync_current(
        &self,
        ctx: &Context<'_>,
        coll: &mut CollectionState,
        backend: &mut impl Backend,
        id: &CollectionId,
        c: &SyncCollection,
        key: SyncKey,
        budget: &mut usize,
    ) -> Answered {
        let wire_id = c.collection_id.as_str();
        let options = if c.options.is_empty() {
            coll.options.clone()
        } else {
            c.options.clone()
        };
        let filter_type = filter_type_of(&options);
        let Some(filter) = Filter::from_type(filter_type, ctx.now) else {
            return Answered::status(wire_id, key, SyncStatus::ProtocolError);
        };
        let conflict_client_wins = options.first().and_then(|o| o.conflict) == Some(0);
        let commands: &[SyncRequestCommand] =
            c.commands.as_ref().map_or(&[], |cs| cs.commands.as_slice());
        let writes = commands
            .iter()
            .any(|cmd| !matches!(cmd, SyncRequestCommand::Fetch(_)));

        // Read the feed once before writing: where it ends (to find our writes' tokens) and
        // which of the items the request changes or deletes changed on the server meanwhile.
        let mut tail = None;
        let mut conflicted = BTreeSet::new();
        if writes {
            let touched: BTreeSet<&str> = commands
                .iter()
                .filter_map(|cmd| match cmd {
                    SyncRequestCommand::Change(ch) => Some(ch.server_id.as_str()),
                    SyncRequestCommand::Delete(d) => Some(d.server_id.as_str()),
                    _ => None,
                })
                .collect();
            let mut candidates = Vec::new();
            let scanned = Tail::scan(backend, id, coll.cursor, |change| {
                if touched.contains(change.id().as_str()) {
                    candidates.push(change.id().clone());
                }
            });
            match scanned {
                Ok(t) => tail = Some(t),
                Err(_) => return Answered::status(wire_id, key, SyncStatus::ServerError),
            }
            for item in candidates {
                match is_own_write(backend, id, &coll.echo, &item) {
                    Ok(true) => {}
                    Ok(false) => {
                        conflicted.insert(item);
                    }
                    Err(_) => return Answered::status(wire_id, key, SyncStatus::ServerError),
                }
            }
        }
        coll.options = options;

        // ClientIds are unique only within one request (MS-ASCMD 2.2.3.28.2: clients may number
        // them per request), so the memory holds this request's Adds: an Add repeated within
        // it is answered once. A request repeated after a lost response is answered by the
        // replay above; a later request reusing a ClientId adds a new item, even an identical
        // one.
        if commands
            .iter()
            .any(|cmd| matches!(cmd, SyncRequestCommand::Add(_)))
        {
            coll.client_ids.clear();
            coll.client_id_order.clear();
            coll.client_id_prints.clear();
        }
        let mut responses = Vec::new();
        let rules = Rules {
            conflicted: &conflicted,
            client_wins: conflict_client_wins,
            deletes_as_moves: c.deletes_as_moves.is_none_or(|t| t.is_on()),
            filter,
        };
        for cmd in commands {
            if let Some(r) = self.apply(ctx, coll, backend, id, cmd, tail.as_mut(), &rules) {
                responses.push(r);
            }
        }

        // The items this request wrote: their feed entries come after the head read before.
        let fresh: BTreeSet<ItemId> = match &tail {
            Some(t) => coll
                .echo
                .iter()
                .filter(|(_, token)| **token > t.start)
                .map(|(item, _)| item.clone())
                .collect(),
            None => BTreeSet::new(),
        };
        let (refilter, started) = refilter_for(coll, filter_type, ctx.now);
        let filter_changed = filter_type != coll.filter_type;
        coll.filter_type = filter_type;
        coll.refilter = refilter.clone();
        if started {
            coll.window_checked = Some(ctx.now);
        }

        let get_changes = c.get_changes.is_none_or(|t| t.is_on());
        let mut sent = Vec::new();
        let mut more = false;
        if get_changes {
            let max = usize::try_from(self.limits.max_window)
                .unwrap_or(usize::MAX)
                .max(1);
            let window = c
                .window_size
                .or(Some(self.limits.default_window))
                .map_or(max, |w| usize::try_from(w).unwrap_or(max).clamp(1, max))
                .min(*budget);
            match self.send_changes(ctx, coll, backend, id, refilter, filter, window, &fresh) {
                Ok((commands, m)) => {
                    sent = commands;
                    more = m;
                }
                // The writes above are applied and remembered; the device is told to come back
                // for the server's changes.
                Err(_) if writes => more = true,
                Err(_) => return Answered::status(wire_id, key, SyncStatus::ServerError),
            }
            *budget = budget.saturating_sub(sent.len());
        }

        let changed = writes || !sent.is_empty() || filter_changed;
        let new_key = if changed { key.next() } else { key };
        let mut response = collection_response(wire_id, new_key, SyncStatus::Success);
        if more {
            response.more_available = Some(eas_codec::codec::Empty);
        }
        let reportable = changed || more || !responses.is_empty();
        if !sent.is_empty() {
            response.commands = Some(SyncResponseCommands { commands: sent });
        }
        if !responses.is_empty() {
            response.responses = Some(SyncResponses { responses });
        }
        if changed {
            coll.last = Some((key, response.clone()));
            coll.key = new_key;
        }
        Answered {
            response,
            reportable,
        }
    }

    /// Apply one client command; its answer, if it has one.
    #[allow(clippy::too_many_arguments)]
    fn apply(
        &self,
        ctx: &Context<'_>,
        coll: &mut CollectionState,
        backend: &mut impl Backend,
        id: &CollectionId,
        cmd: &SyncRequestCommand,
        mut tail: Option<&mut Tail>,
        rules: &Rules<'_>,
    ) -> Option<SyncItemResponse> {
        match cmd {
            SyncRequestCommand::Add(add) => {
                let client_id = add.client_id.to_string();
                let answer = |server_id: Option<&ItemId>, status| {
                    Some(SyncItemResponse::Add(AddResponse {
                        class: add.class.clone(),
                        client_id: add.client_id.clone(),
                        server_id: server_id.map(|s| s.as_str().into()),
                        status,
                    }))
                };
                let print = fingerprint(&add.application_data);
                if let Some(server_id) = coll.client_ids.get(&client_id)
                    && coll.client_id_prints.get(&client_id) == Some(&print)
                {
                    return answer(Some(server_id), SyncStatus::Success);
                }
                match backend.add(id, &add.application_data) {
                    Ok(meta) => {
                        coll.known.insert(meta.id.clone());
                        note_write(
                            coll,
                            &*backend,
                            id,
                            tail.as_deref_mut(),
                            &meta,
                            rules.filter,
                        );
                        if coll
                            .client_ids
                            .insert(client_id.clone(), meta.id.clone())
                            .is_some()
                        {
                            // A reused ClientId: its older entry in the order goes.
                            coll.client_id_order.retain(|c| *c != client_id);
                        }
                        coll.client_id_prints.insert(client_id.clone(), print);
                        coll.client_id_order.push_back(client_id);
                        while coll.client_id_order.len() > self.limits.client_id_memory {
                            if let Some(old) = coll.client_id_order.pop_front() {
                                coll.client_ids.remove(&old);
                                coll.client_id_prints.remove(&old);
                            }
                        }
                        answer(Some(&meta.id), SyncStatus::Success)
                    }
                    Err(e) => answer(None, item_status(&e)),
                }
            }
            SyncRequestCommand::Change(change) => {
                let item = ItemId::from(change.server_id.as_str());
                let answer = |status| {
                    Some(SyncItemResponse::Change(ChangeResponse {
                        class: change.class.clone(),
                        server_id: change.server_id.clone(),
                        status,
                    }))
                };
                if !coll.known.contains(&item) {
                    return answer(SyncStatus::ObjectNotFound);
                }
                if rules.conflicted.contains(&item) && !rules.client_wins {
                    return answer(SyncStatus::Conflict);
                }
                match backend.change(id, &item, &change.application_data) {
                    Ok(meta) => {
                        note_write(coll, &*backend, id, tail, &meta, rules.filter);
                        None
                    }
                    Err(e) => answer(item_status(&e)),
                }
            }
            SyncRequestCommand::Delete(delete) => {
                let item = ItemId::from(delete.server_id.as_str());
                let answer = |status| {
                    Some(SyncItemResponse::Delete(ChangeResponse {
                        class: delete.class.clone(),
                        server_id: delete.server_id.clone(),
                        status,
                    }))
                };
                if !coll.known.contains(&item) {
                    return answer(SyncStatus::ObjectNotFound);
                }
                if rules.conflicted.contains(&item) && !rules.client_wins {
                    // The device no longer holds the item; forgetting it makes the feed's
                    // entry for the server's version an Add, which restores it.
                    coll.known.remove(&item);
                    return answer(SyncStatus::Conflict);
                }
                match backend.delete(id, &item, rules.deletes_as_moves) {
                    Ok(()) => {
                        coll.known.remove(&item);
                        coll.echo.remove(&item);
                        None
                    }
                    Err(e) => {
                        if matches!(e, BackendError::NoItem { .. }) {
                            coll.known.remove(&item);
                        }
                        answer(item_status(&e))
                    }
                }
            }
            SyncRequestCommand::Fetch(fetch) => {
                let item = ItemId::from(fetch.server_id.as_str());
                let render = RenderContext {
                    version: ctx.version,
                    options: coll.options.first(),
                };
                let (status, data) = match backend.render(id, &item, &render) {
                    Ok(data) => (SyncStatus::Success, Some(data)),
                    Err(e) => (item_status(&e), None),
                };
                Some(SyncItemResponse::Fetch(FetchResponse {
                    server_id: fetch.server_id.clone(),
                    status,
                    application_data: data,
                }))
            }
        }
    }

    /// Plan, render and commit the server's changes for one response.
    #[allow(clippy::too_many_arguments)]
    fn send_changes(
        &self,
        ctx: &Context<'_>,
        coll: &mut CollectionState,
        backend: &impl Backend,
        id: &CollectionId,
        refilter: Option<Refilter>,
        filter: Filter,
        window: usize,
        fresh: &BTreeSet<ItemId>,
    ) -> Result<(Vec<SyncResponseCommand>, bool), BackendError> {
        let plan = plan(backend, id, coll, refilter, filter, window, fresh)?;
        let render = RenderContext {
            version: ctx.version,
            options: coll.options.first(),
        };
        // Render everything before changing the state, so a failure leaves it untouched.
        let mut out = Vec::with_capacity(plan.ops.len());
        let mut done = Vec::with_capacity(plan.ops.len());
        for op in plan.ops {
            let command = match &op {
                Op::Add(item) | Op::Change(item) => match backend.render(id, item, &render) {
                    Ok(data) if matches!(op, Op::Add(_)) => SyncResponseCommand::Add(ServerAdd {
                        class: None,
                        server_id: item.as_str().into(),
                        application_data: data,
                    }),
                    Ok(data) => SyncResponseCommand::Change(ItemChange {
                        class: None,
                        server_id: item.as_str().into(),
                        application_data: data,
                    }),
                    // Gone since the feed was read: its Delete follows in the feed.
                    Err(BackendError::NoItem { .. }) => continue,
                    Err(e) => return Err(e),
                },
                Op::Delete(item) => SyncResponseCommand::Delete(ItemDelete {
                    class: None,
                    server_id: item.as_str().into(),
                    instance_id: None,
                }),
                Op::SoftDelete(item) => SyncResponseCommand::SoftDelete(ItemFetch {
                    server_id: item.as_str().into(),
                }),
            };
            out.push(command);
            done.push(op);
        }
        for op in done {
            match op {
                Op::Add(item) => {
                    coll.known.insert(item);
                }
                Op::Delete(item) | Op::SoftDelete(item) => {
                    coll.known.remove(&item);
                }
                Op::Change(_) => {}
            }
        }
        coll.cursor = plan.cursor;
        coll.refilter = plan.refilter;
        if plan.recheck {
            coll.window_checked = None;
        }
        let cursor = coll.cursor;
        coll.echo.retain(|_, token| *token > cursor);
        Ok((out, plan.more))
    }
}

/// FNV-1a, 64 bits, over a stream of text.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        for b in s.bytes() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// A fingerprint of an item a client sent, to tell a retried Add from a new one that reuses
/// a ClientId. It hashes the item's `Debug` form, which is deterministic; should it change
/// with a new build, a retry is at worst stored twice, never a new item lost.
fn fingerprint(data: &eas_codec::data::ApplicationData) -> u64 {
    use std::fmt::Write as _;
    let mut h = Fnv(0xcbf2_9ce4_8422_2325);
    // Writing to `Fnv` never fails.
    let _ = write!(h, "{data:?}");
    h.0
}

/// Remember a write of the device's as an echo, at its token in the feed. Without a tail (the
/// feed could not be read) the write is not remembered, and the device at worst gets its own
/// change back once. An item the device writes outside its window stays an echo too, but the
/// held items are then checked again on the next sync (see Ageing), which takes it off.
fn note_write(
    coll: &mut CollectionState,
    backend: &impl Backend,
    folder: &CollectionId,
    tail: Option<&mut Tail>,
    item: &ItemMeta,
    filter: Filter,
) {
    if let Some(tail) = tail
        && let Ok(Some(token)) = tail.record(backend, folder, &item.id)
    {
        coll.echo.insert(item.id.clone(), token);
    }
    // Written outside the window: the held items are checked on the next sync.
    if !filter.admits(item) {
        coll.window_checked = None;
    }
}

/// How a request's commands are applied to one collection.
struct Rules<'a> {
    /// Items changed on the server since the device's cursor.
    conflicted: &'a BTreeSet<ItemId>,
    /// `Conflict` 0.
    client_wins: bool,
    /// Deleted items go to Deleted Items.
    deletes_as_moves: bool,
    /// The FilterType in force.
    filter: Filter,
}

/// `req` with each collection's key replaced by the device's current one (when the device
/// has state for it): what an empty Sync means.
fn with_current_keys(state: &DeviceState, mut req: SyncRequest) -> SyncRequest {
    if let Some(cs) = req.collections.as_mut() {
        for c in &mut cs.collections {
            if let Some(coll) = state.collections.get(c.collection_id.as_str()) {
                c.sync_key = coll.key.to_wire().into();
            }
        }
    }
    req
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

    use chrono::TimeZone;
    use eas_codec::data::{ApplicationData, Task};

    use super::*;
    use crate::memory::MemoryBackend;

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 31, 12, 0, 0).unwrap()
    }

    fn meta(date: Option<DateTime<Utc>>, complete: bool) -> ItemMeta {
        ItemMeta {
            id: ItemId::from("x"),
            date,
            complete,
        }
    }

    #[test]
    fn filter_windows_follow_the_filter_type_table() {
        let n = now();
        let edge = |ft: u32, inside: DateTime<Utc>, outside: DateTime<Utc>| {
            let f = Filter::from_type(Some(ft), n).unwrap();
            assert!(f.admits(&meta(Some(inside), false)), "{ft} inside");
            assert!(!f.admits(&meta(Some(outside), false)), "{ft} outside");
            assert!(
                f.admits(&meta(None, false)),
                "{ft}: undated items are always in"
            );
        };
        let d = |days: i64| n - TimeDelta::days(days);
        let s = TimeDelta::seconds(1);
        edge(1, d(1), d(1) - s);
        edge(2, d(3), d(3) - s);
        edge(3, d(7), d(7) - s);
        edge(4, d(14), d(14) - s);
        // Calendar months: one month before 31 March is 28 February (2026 is no leap year).
        let feb28 = Utc.with_ymd_and_hms(2026, 2, 28, 12, 0, 0).unwrap();
        edge(5, feb28, feb28 - s);
        edge(
            6,
            Utc.with_ymd_and_hms(2025, 12, 31, 12, 0, 0).unwrap(),
            d(91),
        );
        edge(
            7,
            Utc.with_ymd_and_hms(2025, 9, 30, 12, 0, 0).unwrap(),
            d(183),
        );
        let all = Filter::from_type(None, n).unwrap();
        assert!(all.admits(&meta(Some(DateTime::<Utc>::MIN_UTC), true)));
        assert_eq!(Filter::from_type(Some(0), n), Some(Filter::All));
        let tasks = Filter::from_type(Some(8), n).unwrap();
        assert!(tasks.admits(&meta(Some(d(900)), false)));
        assert!(!tasks.admits(&meta(None, true)));
        for bad in [9, 100, u32::MAX] {
            assert_eq!(Filter::from_type(Some(bad), n), None);
        }
        // No panic at the edge of the calendar.
        assert!(Filter::from_type(Some(7), DateTime::<Utc>::MIN_UTC).is_some());
    }

    #[test]
    fn filter_type_comes_from_the_folder_class_options() {
        let opts = |class: Option<&str>, ft: u32| SyncOptions {
            class: class.map(Into::into),
            filter_type: Some(ft),
            ..SyncOptions::default()
        };
        assert_eq!(filter_type_of(&[]), None);
        assert_eq!(filter_type_of(&[opts(None, 0)]), None);
        assert_eq!(
            filter_type_of(&[opts(Some("SMS"), 1), opts(Some("Email"), 3)]),
            Some(3)
        );
    }

    fn task(complete: bool) -> ApplicationData {
        ApplicationData::Task(Box::new(Task {
            subject: Some("t".into()),
            complete: Some(u8::from(complete)),
            ..Task::default()
        }))
    }

    #[test]
    fn own_writes_are_recognised_by_their_exact_token() {
        let mut b = MemoryBackend::with_default_folders();
        let f = b.folder_of_type(7).unwrap();
        let a = b.server_add(&f, task(false)).unwrap();
        let c = b.server_add(&f, task(false)).unwrap();
        let mut tail = Tail::scan(&b, &f, ChangeToken::START, |_| {}).unwrap();
        b.server_change(&f, &a, task(true)).unwrap();
        let token = tail.record(&b, &f, &a).unwrap().unwrap();
        let echo = BTreeMap::from([(a.clone(), token)]);
        assert!(is_own_write(&b, &f, &echo, &a).unwrap());
        assert!(
            !is_own_write(&b, &f, &echo, &c).unwrap(),
            "not in the echo set"
        );
        // Another change to the same item after the write: no longer an echo.
        b.server_change(&f, &a, task(false)).unwrap();
        assert!(!is_own_write(&b, &f, &echo, &a).unwrap());
        // An item with no later entry: `record` finds nothing.
        let mut tail = Tail::scan(&b, &f, ChangeToken::START, |_| {}).unwrap();
        assert_eq!(tail.record(&b, &f, &c).unwrap(), None);
    }

    #[test]
    fn more_available_is_exact_when_only_skipped_entries_remain() {
        let mut b = MemoryBackend::with_default_folders();
        let f = b.folder_of_type(7).unwrap();
        for _ in 0..3 {
            b.server_add(&f, task(false)).unwrap();
        }
        // Entries that send nothing: an unknown item deleted, and completed tasks under
        // FilterType 8.
        let gone = b.server_add(&f, task(false)).unwrap();
        b.server_delete(&f, &gone).unwrap();
        b.server_add(&f, task(true)).unwrap();
        let coll = CollectionState::default();
        let filter = Filter::IncompleteTasks;
        let p = plan(&b, &f, &coll, None, filter, 3, &BTreeSet::new()).unwrap();
        assert_eq!(p.ops.len(), 3);
        assert!(!p.more, "nothing further would be sent");
        let (_, head) = {
            let page = b.changes(&f, ChangeToken::START, 100).unwrap();
            (page.changes.len(), page.next)
        };
        assert_eq!(p.cursor, head, "skipped entries are passed over");
        // With a window of 2 the cursor stops right after the second item.
        let p = plan(&b, &f, &coll, None, filter, 2, &BTreeSet::new()).unwrap();
        assert!(p.more);
        let rest = b.changes(&f, p.cursor, 100).unwrap();
        assert_eq!(
            rest.changes.len(),
            3,
            "one item, the delete, the completed task"
        );
    }

    #[test]
    fn planning_changes_nothing() {
        let mut b = MemoryBackend::with_default_folders();
        let f = b.folder_of_type(2).unwrap();
        let id = b
            .server_add(&f, ApplicationData::Email(Box::default()))
            .unwrap();
        let coll = CollectionState {
            known: [id.clone()].into(),
            ..CollectionState::default()
        };
        let before = coll.clone();
        let p = plan(
            &b,
            &f,
            &coll,
            Some(Refilter::Known(None)),
            Filter::All,
            10,
            &BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(p.ops, [Op::Change(id)]);
        assert_eq!(coll, before);
    }
}
