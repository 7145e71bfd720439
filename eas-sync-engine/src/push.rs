//! Ping (MS-ASCMD 2.2.1.13): the bookkeeping of a device's long-lived request, without the
//! waiting, which is the server's.
//!
//! **Two steps.** [`Engine::ping`] checks the request and either answers at once
//! ([`PingOutcome::Respond`]: an error, or changes that are already waiting) or hands the
//! server a [`PingPlan`]: which collections to watch and until when. The server parks the
//! request; whenever it learns of a change in a watched collection, when the heartbeat
//! expires, or on a polling timer of its own, it loads the device's state and calls
//! [`Engine::ping_result`], which says what to do: answer, keep waiting, or end the request
//! unanswered because a newer Ping has replaced it ([`PingWake`]).
//!
//! **Cached parameters.** MS-ASCMD 3.1.5.8: "The server MUST cache the value of the
//! HeartbeatInterval element" and "the list of included folders and use it in subsequent
//! Ping requests" that omit them; a Ping may have no body at all. The cache is
//! [`PingState`] in the device's state, written only when a request is valid in full, so a
//! rejected heartbeat or folder list never becomes the default of the next empty Ping.
//!
//! **Supersession.** Each Ping raises [`PingState::generation`] and its plan carries the
//! value. A device sends a new Ping only after giving up on the old one (a dropped connection,
//! new parameters), so when a parked request wakes to find a newer generation saved, it is
//! answered by nobody: [`PingWake::Superseded`] tells the server to close it without a body
//! rather than send a result computed against the newer request's state.
//!
//! **When to answer at once.** Changes the device has not synced yet (its collection's
//! `cursor` is behind the backend's feed) are reported without waiting — waiting for the
//! *next* change would leave them unannounced. A hierarchy the device has not caught up with
//! (a folder added, renamed or removed on the server since its last FolderSync), or a watched
//! folder it has never synced or that is gone, is status 7: the device must FolderSync first.

use std::collections::BTreeSet;

use chrono::{DateTime, TimeDelta, Utc};
use eas_codec::command::ping::{ChangedFolders, PingRequest, PingResponse, PingStatus};

use crate::backend::{Backend, BackendError};
use crate::engine::{Context, Engine};
use crate::folder::current_hierarchy;
use crate::ids::CollectionId;
use crate::state::DeviceState;

/// What Ping remembers for a device.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PingState {
    /// The last valid HeartbeatInterval, seconds: used when a Ping omits it.
    pub heartbeat: Option<u32>,
    /// The last valid folder list: used when a Ping omits it.
    pub folders: Vec<CollectionId>,
    /// Raised by every Ping; a parked Ping whose plan carries an older value is superseded.
    pub generation: u64,
}

/// What the server waits for after [`PingOutcome::Wait`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PingPlan {
    /// The collections to watch, in the order the device listed them.
    pub collections: Vec<CollectionId>,
    /// The heartbeat in force, seconds.
    pub heartbeat: u32,
    /// When the heartbeat expires: answer status 1 at this time if nothing changed.
    pub until: DateTime<Utc>,
    /// The generation of the Ping this plan belongs to.
    pub generation: u64,
}

/// What [`Engine::ping`] decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingOutcome {
    /// Answer now.
    Respond(PingResponse),
    /// Park the request and call [`Engine::ping_result`] on a change or at `until`.
    Wait(PingPlan),
}

/// What [`Engine::ping_result`] decided for a parked Ping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PingWake {
    /// Answer with this response and end the request.
    Respond(PingResponse),
    /// Nothing to report and the heartbeat has not expired: keep waiting.
    KeepWaiting,
    /// A newer Ping from the device replaced this one: end the request without a body.
    Superseded,
}

fn status(status: PingStatus) -> PingResponse {
    PingResponse {
        status,
        heartbeat_interval: None,
        max_folders: None,
        folders: None,
    }
}

fn changes_occurred(changed: Vec<CollectionId>) -> PingResponse {
    PingResponse {
        folders: Some(ChangedFolders {
            folders: changed.iter().map(|c| c.as_str().into()).collect(),
        }),
        ..status(PingStatus::ChangesOccurred)
    }
}

/// Which of `watched` the device should sync now (hinted by the server, or with changes in the
/// backend's feed after the device's cursor), or the status that ends the Ping instead.
fn pending(
    state: &DeviceState,
    backend: &impl Backend,
    watched: &[CollectionId],
    hinted: &BTreeSet<&CollectionId>,
) -> Result<Vec<CollectionId>, PingStatus> {
    let current = current_hierarchy(backend).map_err(|_| PingStatus::ServerError)?;
    if current != state.hierarchy.folders {
        return Err(PingStatus::FolderSyncRequired);
    }
    let mut changed = Vec::new();
    for id in watched {
        let Some(collection) = state.collections.get(id) else {
            return Err(PingStatus::FolderSyncRequired);
        };
        if !current.contains_key(id) {
            return Err(PingStatus::FolderSyncRequired);
        }
        if hinted.contains(id) {
            changed.push(id.clone());
            continue;
        }
        match backend.changes(id, collection.cursor, 1) {
            Ok(page) if !page.changes.is_empty() => changed.push(id.clone()),
            Ok(_) => {}
            Err(BackendError::NoFolder(_)) => return Err(PingStatus::FolderSyncRequired),
            Err(_) => return Err(PingStatus::ServerError),
        }
    }
    Ok(changed)
}

impl Engine {
    /// Ping (MS-ASCMD 2.2.1.13). Raises the device's Ping generation (superseding any parked
    /// Ping), resolves the parameters against the cache, and answers at once — status 5 with
    /// the violated bound for a heartbeat outside `min_heartbeat..=max_heartbeat`, 6 with
    /// MaxFolders for more than `max_collections` folders, 3 when a parameter is neither sent
    /// nor cached, 7 when the hierarchy or a watched folder needs a FolderSync, 8 when the
    /// store fails, 2 when changes are already pending — or returns the plan to wait on.
    ///
    /// A `Folders` element with no `Folder` in it counts as omitted; a folder listed twice is
    /// watched once; a folder's `Class` is not checked, its id alone names it.
    pub fn ping(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &PingRequest,
    ) -> PingOutcome {
        state.ping.generation = state.ping.generation.wrapping_add(1);
        let generation = state.ping.generation;
        let limits = &self.limits;

        // Resolved values are checked, cached ones too: the limits may have changed since.
        let heartbeat = req.heartbeat_interval.or(state.ping.heartbeat);
        if let Some(hb) = heartbeat {
            let bound = if hb < limits.min_heartbeat {
                Some(limits.min_heartbeat)
            } else if hb > limits.max_heartbeat {
                Some(limits.max_heartbeat)
            } else {
                None
            };
            if let Some(bound) = bound {
                return PingOutcome::Respond(PingResponse {
                    heartbeat_interval: Some(bound),
                    ..status(PingStatus::InvalidHeartbeatInterval)
                });
            }
        }
        let requested: Option<Vec<CollectionId>> = req.folders.as_ref().and_then(|f| {
            let mut seen = BTreeSet::new();
            let ids: Vec<CollectionId> = f
                .folders
                .iter()
                .map(|folder| CollectionId::from(folder.id.trim()))
                .filter(|id| !id.as_str().is_empty() && seen.insert(id.clone()))
                .collect();
            (!ids.is_empty()).then_some(ids)
        });
        let folders = match requested {
            Some(ids) => Some(ids),
            None if state.ping.folders.is_empty() => None,
            None => Some(state.ping.folders.clone()),
        };
        if let Some(ids) = &folders
            && ids.len() > limits.max_collections
        {
            return PingOutcome::Respond(PingResponse {
                max_folders: Some(u32::try_from(limits.max_collections).unwrap_or(u32::MAX)),
                ..status(PingStatus::TooManyFolders)
            });
        }
        let (Some(heartbeat), Some(folders)) = (heartbeat, folders) else {
            return PingOutcome::Respond(status(PingStatus::MissingParameters));
        };

        let changed = match pending(state, backend, &folders, &BTreeSet::new()) {
            Ok(changed) => changed,
            Err(s) => return PingOutcome::Respond(status(s)),
        };
        state.ping.heartbeat = Some(heartbeat);
        state.ping.folders.clone_from(&folders);
        if !changed.is_empty() {
            return PingOutcome::Respond(changes_occurred(changed));
        }
        let until = ctx
            .now
            .checked_add_signed(TimeDelta::seconds(i64::from(heartbeat)))
            .unwrap_or(DateTime::<Utc>::MAX_UTC);
        PingOutcome::Wait(PingPlan {
            collections: folders,
            heartbeat,
            until,
            generation,
        })
    }

    /// A parked Ping woke: `changed` lists the watched collections the server was told about
    /// (empty at the heartbeat's expiry or on a polling timer). The backend's feed is checked
    /// as well, so a missed notification costs a heartbeat at most and a server without
    /// notifications can poll. Returns [`PingWake::Superseded`] when a newer Ping replaced
    /// this one; status 2 with the changed collections; status 7 or 8 as in
    /// [`Engine::ping`]; status 1 when nothing changed and `ctx.now` has reached
    /// `plan.until`; else [`PingWake::KeepWaiting`].
    ///
    /// The state is only read: nothing needs saving after this call.
    pub fn ping_result(
        &self,
        ctx: &Context<'_>,
        state: &DeviceState,
        backend: &impl Backend,
        plan: &PingPlan,
        changed: &[CollectionId],
    ) -> PingWake {
        if state.ping.generation != plan.generation {
            return PingWake::Superseded;
        }
        let hinted: BTreeSet<&CollectionId> = changed.iter().collect();
        match pending(state, backend, &plan.collections, &hinted) {
            Err(s) => PingWake::Respond(status(s)),
            Ok(changed) if !changed.is_empty() => PingWake::Respond(changes_occurred(changed)),
            Ok(_) if ctx.now >= plan.until => {
                PingWake::Respond(status(PingStatus::HeartbeatExpired))
            }
            Ok(_) => PingWake::KeepWaiting,
        }
    }
}
