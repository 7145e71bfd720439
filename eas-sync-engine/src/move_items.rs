//! MoveItems (MS-ASCMD 2.2.1.12): move items between folders.
//!
//! **No echo.** The backend's feeds show a move as a Delete in the source folder and an Add
//! (under the new id) in the destination. The device that moved the item already knows both:
//! so the engine drops the old id from the source collection's `known` set (the feed's Delete
//! then concerns an item the device does not hold, and is not sent) and adds the new id to the
//! destination's `known` set with the write's token as an echo (the feed's Add is recognised
//! as the device's own write, and skipped; a later server change to the item is still sent).
//! Collections the device never synced are left alone: their first sync sends what is there.
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
use crate::sync::Tail;

impl Engine {
    /// MoveItems. Moves through the backend and updates the device's view of both folders
    /// as the module documentation describes.
    pub fn move_items(
        &self,
        _ctx: &Context<'_>,
        state: &mut DeviceState,
        backend: &mut impl Backend,
        req: &MoveItemsRequest,
    ) -> MoveItemsResponse {
        // The end of each involved folder's feed, read before the first move into it.
        let mut tails: BTreeMap<CollectionId, Option<Tail>> = BTreeMap::new();
        let responses = req
            .moves
            .iter()
            .map(|m| move_one(state, backend, &mut tails, m))
            .collect();
        MoveItemsResponse {
            status: None,
            responses,
        }
    }
}

fn move_one(
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
    match backend.move_item(&src, &item, &dst) {
        Ok(new_id) => {
            if let Some(coll) = state.collections.get_mut(&src) {
                coll.known.remove(&item);
                coll.echo.remove(&item);
            }
            if let Some(coll) = state.collections.get_mut(&dst) {
                coll.known.insert(new_id.clone());
                if let Some(Some(tail)) = tails.get_mut(&dst)
                    && let Ok(Some(token)) = tail.record(&*backend, &dst, &new_id)
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
