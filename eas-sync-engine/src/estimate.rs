//! GetItemEstimate (MS-ASCMD 2.2.1.9): how many items the next Sync of a collection would
//! send.
//!
//! The estimate is not a guess: it runs the very planner Sync uses (the FilterType passes,
//! then the change feed after the cursor, with echoes of the device's own writes skipped)
//! without a window and without changing anything, and counts the commands. So the next
//! Syncs, taken together until MoreAvailable clears, send exactly that many commands if the
//! mailbox does not change in between. A collection synced with key 0 and nothing since has
//! its cursor at the start of the feed, so its estimate is the number of live items inside
//! the filter window.
//!
//! Statuses (MS-ASCMD 2.2.3.177.6): a collection the backend does not have is 2; one the
//! device never synced, or whose key is `0`, is 3 (not primed: Sync with key 0 first); a key
//! other than the collection's current one is 4. An invalid FilterType is 2 as well: the
//! request names no collection the engine could estimate.

use std::collections::BTreeSet;

use eas_codec::command::estimate::{
    EstimateCollection, EstimateResponse, EstimateResult, GetItemEstimateRequest,
    GetItemEstimateResponse, GetItemEstimateStatus,
};

use crate::backend::Backend;
use crate::engine::{Context, Engine};
use crate::ids::CollectionId;
use crate::state::{DeviceState, SyncKey};
use crate::sync::{Filter, filter_type_of, plan, refilter_for};

impl Engine {
    /// GetItemEstimate. Reads the device's state and the backend; changes neither.
    pub fn get_item_estimate(
        &self,
        ctx: &Context<'_>,
        state: &DeviceState,
        backend: &impl Backend,
        req: &GetItemEstimateRequest,
    ) -> GetItemEstimateResponse {
        let responses = req
            .collections
            .collections
            .iter()
            .map(|c| self.estimate_one(ctx, state, backend, c))
            .collect();
        GetItemEstimateResponse {
            status: None,
            responses,
        }
    }

    fn estimate_one(
        &self,
        ctx: &Context<'_>,
        state: &DeviceState,
        backend: &impl Backend,
        c: &EstimateCollection,
    ) -> EstimateResponse {
        let answer = |status, estimate| EstimateResponse {
            status,
            collection: Some(EstimateResult {
                class: c.class.clone(),
                collection_id: c.collection_id.clone(),
                estimate,
            }),
        };
        let id = CollectionId::from(c.collection_id.as_str());
        if backend.changes(&id, crate::ChangeToken::START, 0).is_err() {
            return answer(GetItemEstimateStatus::InvalidCollection, None);
        }
        let Some(coll) = state.collections.get(&id) else {
            return answer(GetItemEstimateStatus::SyncStateNotPrimed, None);
        };
        if let Some(wire) = &c.sync_key {
            match SyncKey::parse(wire) {
                Some(SyncKey::INITIAL) => {
                    return answer(GetItemEstimateStatus::SyncStateNotPrimed, None);
                }
                Some(k) if k == coll.key => {}
                _ => return answer(GetItemEstimateStatus::InvalidSyncKey, None),
            }
        }
        // The FilterType the next Sync will use: the one given here (12.x carries it in the
        // collection, 14.0+ in Options), else the one in force.
        let filter_type = if c.filter_type.is_some() {
            c.filter_type.filter(|&f| f != 0)
        } else if !c.options.is_empty() {
            filter_type_of(&c.options)
        } else {
            coll.filter_type
        };
        let Some(filter) = Filter::from_type(filter_type, ctx.now) else {
            return answer(GetItemEstimateStatus::InvalidCollection, None);
        };
        let (refilter, _) = refilter_for(coll, filter_type, ctx.now);
        // Between requests no write is this request's: nothing is `fresh`.
        match plan(
            backend,
            &id,
            coll,
            refilter,
            filter,
            usize::MAX,
            &BTreeSet::new(),
        ) {
            Ok(p) => answer(
                GetItemEstimateStatus::Success,
                Some(u32::try_from(p.ops.len()).unwrap_or(u32::MAX)),
            ),
            // No status means "server error" here; "invalid collection" makes the client
            // re-check its hierarchy rather than trust a wrong count.
            Err(_) => answer(GetItemEstimateStatus::InvalidCollection, None),
        }
    }
}
