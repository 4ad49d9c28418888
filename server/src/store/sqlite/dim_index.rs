//! The dimension indexer: SQLite's per-value cells (`rollup_dim_1h`, `rollup_dim_1d`) and the
//! user and tag posting lists (`dimension_postings`) are not written in each batch's
//! transaction but from a window of many batches' calls at once, read back from their rows.
//! A window touches each user's day once where every batch touched it again (10,000 users, a
//! few thousand cells per batch), and a posting list is one value per user-day or tag-hour
//! instead of a B-tree entry per call, placed at random. BENCHMARKS.md, "Spend by who and
//! what", has the measurements behind it.
//!
//! `dimension_index.indexed_upto` says how far the cells and lists go; it moves in the same
//! transaction as they do, so a crash loses nothing: the writer indexes the rest when it starts.
//! Row ids only grow (the batch writer numbers rows past the watermark), so "after the
//! watermark" is exactly "not yet indexed". Readers add the calls after it from their rows
//! (`tail::unindexed_cells`, and the Logs conditions), so answers never lag the calls.

pub mod postings;
pub mod ranks;
mod reprice;
pub mod tail;

pub use reprice::{reprice, CostChange};

use rusqlite::{Connection, TransactionBehavior};

use super::batch::dim_rollups;
use crate::fast_map::FastMap;
use crate::store::{indexing, rank_lists, StoreError};
use postings::ListKey;

/// Calls indexed per transaction at most.
const WINDOW_CALLS: usize = 200_000;

/// Indexes up to [`WINDOW_CALLS`] calls after the watermark in one transaction; returns how
/// many.
pub fn index_window(conn: &mut Connection) -> Result<usize, StoreError> {
    // Without taking the write lock when there is nothing to do.
    let newest: i64 = conn.query_row("SELECT coalesce(max(id), 0) FROM requests", [], |row| {
        row.get(0)
    })?;
    if newest <= tail::watermark(conn)? {
        return Ok(0);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let after = tail::watermark(&tx)?;
    let calls = tail::calls_after(&tx, after, None, WINDOW_CALLS)?;
    let Some(last) = calls.last().map(|call| call.row) else {
        return Ok(0);
    };
    let mut lookups = tail::Lookups::new(&tx, true);
    let mut values = Vec::with_capacity(calls.len());
    let mut lists: FastMap<ListKey, Vec<postings::Entry>> = FastMap::default();
    for call in &calls {
        let call_values = lookups.values(call, None)?;
        for (dimension, value_id) in &call_values {
            if postings::POSTED.contains(dimension) {
                let key = ListKey {
                    workspace_id: call.workspace_id,
                    dimension: *dimension,
                    value_id: *value_id,
                    bucket_ms: postings::level(*dimension).bucket(call.ts_ms),
                };
                lists.entry(key).or_default().push((call.ts_ms, call.row));
            }
        }
        values.push(call_values);
    }
    drop(lookups);
    let mut cells = crate::rollup::dims::aggregate(
        calls
            .iter()
            .map(tail::TailCall::observation)
            .zip(values.iter().map(Vec::as_slice)),
    );
    ranks::add(&tx, rank_lists::of_cells(&cells))?;
    indexing::add_totals(&mut cells);
    dim_rollups::add_cells(&tx, cells)?;
    postings::append(&tx, lists)?;
    tx.execute(
        "INSERT INTO dimension_index (id, indexed_upto) VALUES (1, ?1) \
         ON CONFLICT (id) DO UPDATE SET indexed_upto = excluded.indexed_upto",
        [last],
    )?;
    tx.commit()?;
    Ok(calls.len())
}

/// Indexes every call after the watermark; returns how many.
pub fn catch_up(conn: &mut Connection) -> Result<usize, StoreError> {
    let mut total = 0;
    loop {
        let done = index_window(conn)?;
        total += done;
        if done < WINDOW_CALLS {
            return Ok(total);
        }
    }
}
