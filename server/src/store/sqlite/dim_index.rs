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
mod varint;

pub use reprice::{reprice, CostChange};

use std::collections::HashMap;
use std::time::{Duration, Instant};

use rusqlite::{Connection, TransactionBehavior};

use super::batch::dim_rollups;
use crate::rollup::dims::DimCellKey;
use crate::rollup::Cell;
use crate::store::StoreError;
use postings::ListKey;

/// Calls indexed per transaction at most.
const WINDOW_CALLS: usize = 200_000;
/// The writer indexes once this many calls wait...
const INDEX_AFTER_CALLS: usize = 100_000;
/// ...or when this long has passed since it last did (and at once when idle).
const INDEX_AFTER: Duration = Duration::from_secs(1);

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
    let mut lists: HashMap<ListKey, Vec<postings::Entry>> = HashMap::new();
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
    ranks::add(&tx, ranks::of_cells(&cells))?;
    add_totals(&mut cells);
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

/// Adds to `cells` (one window's) the totals of each dimension's bucket: a cell with value id
/// 0 that sums all of the bucket's values, without sketches. Grouped Analytics takes the
/// listed values from it to show the rest as one row and one band.
pub fn add_totals(cells: &mut HashMap<DimCellKey, Cell>) {
    let mut totals: HashMap<DimCellKey, Cell> = HashMap::new();
    for (key, cell) in cells.iter() {
        let total = DimCellKey {
            value_id: 0,
            ..*key
        };
        totals.entry(total).or_default().merge_sums(cell);
    }
    cells.extend(totals);
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

/// When the batch writer indexes: calls stored since it last did, and when that was.
pub struct IndexSchedule {
    waiting: usize,
    last: Instant,
}

impl Default for IndexSchedule {
    fn default() -> Self {
        Self {
            waiting: 0,
            last: Instant::now(),
        }
    }
}

impl IndexSchedule {
    /// Counts `stored` more calls; true when it is time to index.
    pub fn stored(&mut self, stored: usize) -> bool {
        self.waiting += stored;
        self.waiting >= INDEX_AFTER_CALLS
            || (self.waiting > 0 && self.last.elapsed() >= INDEX_AFTER)
    }

    /// Everything waiting was indexed.
    pub fn done(&mut self) {
        self.waiting = 0;
        self.last = Instant::now();
    }
}
