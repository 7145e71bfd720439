//! MoveItems (MS-ASCMD 2.2.1.12): move items between folders.
//!
//! **No echo.** The backend's feeds show a move as a Delete in the source folder and an Add
//! (under the new id) in the destination. The device that moved the item already knows both:
//! so the engine drops the old id from the source collection's `known` set (the feed's Delete
//! then concerns an item the device does not hold, and is not sent) and adds the new id to the
//! destination's `known` set with the write's token as an echo (the feed's Add is recognised
//! as the device's own write, and skipped; a later server change to the item is still sent).
//! If the server changed the item after the device last synced the source folder, the device
//! moved an old copy: then the new id is known but not an echo, and the next sync of the
//! destination sends the server's version as a Change. Collections the device never synced
//! are left alone: their first sync sends what is there.
//! Sync keys do not change: MoveItems has none.
//!
//! Statuses (MS-ASCMD 2.2.3.177.9): 3 success with the new id; 4 same source and destination;
//! 1 unknown source folder or item; 2 unknown destination; 5 anything else the store refused.

use std::collections::BTreeMap;

use eas_codec::command::move_items::{
    MoveItem, MoveItemsRequest, MoveItemsResponse, MoveItemsStatus, MoveResponse,
};

use crate::backend::{Backend, BackendError};
use crate::engine::{Context, Engine};
use crate::ids::{CollectionId, ItemId};
use crate::state::DeviceState;
use crate::sync::{Filter, Tail, is_own_write};

impl Engine {
    /// MoveItems. Moves through the backend and updates the device's view of both folders
    /// as the module documentation describes.
    pub fn move_items(
        &self,
        ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &MoveItemsRequest,
    ) -> MoveItemsResponse {
        // The end of each involved folder's feed, read before the first move into it.
        let mut tails: BTreeMap<CollectionId, Option<Tail>> = BTreeMap::new();
        let responses = req
            .moves
            .iter()
            .map(|m| move_one(ctx, state, backend, &mut tails, m))
            .collect();
        MoveItemsResponse {
            status: None,
            responses,
        }
    }
}

fn move_one(
    ctx: &Context<'_>,
    state: &mut DeviceState,
    backend: &mut impl Backend,
    tails: &mut BTreeMap<CollectionId, Option<Tail>>,
    m: &MoveItem,
) -> MoveResponse {
    let answer = |status, dst: Option<&ItemId>| MoveResponse {
        src_msg_id: m.src_msg_id.clone(),
        status,
        dst_msg_id: dst.map(|d| d.as_str().into()),
    };
    let src = CollectionId::from(m.src_fld_id.as_str());
    let dst = CollectionId::from(m.dst_fld_id.as_str());
    let item = ItemId::from(m.src_msg_id.as_str());
    if src == dst {
        return answer(MoveItemsStatus::SameSourceAndDestination, None);
    }
    if let Some(coll) = state.collections.get(&dst)
        && !tails.contains_key(&dst)
    {
        let tail = Tail::scan(&*backend, &dst, coll.cursor, |_| {}).ok();
        tails.insert(dst.clone(), tail);
    }
    // If the server changed the item since the device last synced the source, the device
    // moved an old copy: the new id is then not an echo, so its feed entry goes to the
    // device as a Change and brings the copy up to date.
    let stale = match state.collections.get(&src) {
        Some(coll) => {
            let mut seen = false;
            let scanned = Tail::scan(&*backend, &src, coll.cursor, |c| seen |= *c.id() == item);
            match scanned {
                Ok(_) if seen => !is_own_write(&*backend, &src, &coll.echo, &item).unwrap_or(false),
                Ok(_) => false,
                Err(_) => true,
            }
        }
        None => true,
    };
    match backend.move_item(&src, &item, &dst) {
        Ok(new_id) => {
            if let Some(coll) = state.collections.get_mut(&src) {
                coll.known.remove(&item);
                coll.echo.remove(&item);
            }
            if let Some(coll) = state.collections.get_mut(&dst) {
                coll.known.insert(new_id.clone());
                // Outside the destination's filter window, the move is not an echo either: the
                // feed entry then takes the item off the device with a SoftDelete.
                let inside = Filter::from_type(coll.filter_type, ctx.now).is_some_and(
                    |f| matches!(backend.item(&dst, &new_id), Ok(Some(meta)) if f.admits(&meta)),
                );
                if let Some(Some(tail)) = tails.get_mut(&dst)
                    && let Ok(Some(token)) = tail.record(&*backend, &dst, &new_id)
                    && !stale
                    && inside
                {
                    coll.echo.insert(new_id.clone(), token);
                }
            }
            answer(MoveItemsStatus::Success, Some(&new_id))
        }
        Err(BackendError::NoFolder(f)) if f == dst => {
            answer(MoveItemsStatus::InvalidDestination, None)
        }
        Err(BackendError::NoFolder(_) | BackendError::NoItem { .. }) => {
            answer(MoveItemsStatus::InvalidSource, None)
        }
        Err(_) => answer(MoveItemsStatus::Failure, None),
    }
}
