//! PostgreSQL's dimension indexer. A batch's transaction does not read and rewrite the
//! dimension cells its calls touch (thousands of wide cells with sketches per batch when
//! 10,000 users call): it appends them to `dim_pending` ([`queue`]). One server at a time (a
//! transaction-level advisory lock, [`INDEX_LOCK`]) takes a window of pending cells, deletes
//! them, and adds them merged to `rollup_dim_*`, to each bucket's totals (value id 0) and to the
//! rank lists (`store::rank_lists`) in the same transaction, so a cell is counted pending or
//! indexed, never both and never neither, whichever server crashes when. A window merges many
//! batches' cells of the same user-day into one upsert. Readers add the pending cells (the
//! reads in `reads/cells.rs`), so answers never lag the calls.
//!
//! The batch writers of every server run it ([`catch_up`]) on the schedule SQLite's writer
//! keeps (`store::indexing::IndexSchedule`); one that finds the lock taken leaves the work to
//! the server holding it. Re-pricing folds in every pending cell first ([`drain`]), under the
//! same lock, so the cost it moves is all in the indexed cells.

mod cells;
mod ranks;

pub use cells::queue;
pub use ranks::read_into as read_ranks_into;

use std::collections::HashMap;
use std::sync::LazyLock;

use app::model::Dimension;
use sqlx::{Connection, PgConnection, Row};

use super::reads::read_cell;
use crate::rollup::dims::DimCellKey;
use crate::rollup::{Cell, Level};
use crate::store::columns::{cell_columns, CELL_COLUMN_COUNT};
use crate::store::reads::{Cells, Sketches};
use crate::store::{indexing, rank_lists, StoreError};

/// The advisory lock of the indexer (a constant no other lock of the schema uses).
const INDEX_LOCK: i64 = 0x6d77_6469_6d78; // "mwdimx"

/// Pending cells folded in per transaction at most.
const WINDOW_CELLS: usize = 200_000;

/// Takes up to a window of pending cells (a batch still committing is not seen, and waits for
/// the next window): the cell columns, then the level, workspace and dimension.
static TAKE: LazyLock<String> = LazyLock::new(|| {
    let columns = cell_columns(
        Level::Hour,
        Cells::Dimension(Dimension::User),
        Sketches::LatencyAndTtft,
    );
    format!(
        "DELETE FROM dim_pending WHERE ctid = ANY(ARRAY(SELECT ctid FROM dim_pending LIMIT \
         {WINDOW_CELLS})) RETURNING {columns}, level, workspace_id, dimension"
    )
});

fn level_of(code: i64) -> Result<Level, StoreError> {
    match code {
        1 => Ok(Level::Hour),
        2 => Ok(Level::Day),
        _ => Err(StoreError::Corrupt(format!("pending cell of level {code}"))),
    }
}

/// Folds up to a window of pending cells into the cells, totals and rank lists, inside the
/// caller's transaction, which holds [`INDEX_LOCK`]; returns how many pending cells it took.
async fn fold_window(conn: &mut PgConnection) -> Result<usize, StoreError> {
    let rows = sqlx::query(&TAKE).fetch_all(&mut *conn).await?;
    let taken = rows.len();
    let mut cells: HashMap<DimCellKey, Cell> = HashMap::new();
    for row in rows {
        let level = level_of(row.try_get(CELL_COLUMN_COUNT)?)?;
        let stored = read_cell(level, &row, Sketches::LatencyAndTtft)?;
        let code: i64 = row.try_get(CELL_COLUMN_COUNT + 2)?;
        let dimension = Dimension::from_code(code)
            .ok_or_else(|| StoreError::Corrupt(format!("pending cell of dimension {code}")))?;
        let key = DimCellKey {
            level,
            workspace_id: row.try_get(CELL_COLUMN_COUNT + 1)?,
            dimension,
            bucket_ms: stored.bucket_ms,
            value_id: stored.model_id,
        };
        cells.entry(key).or_default().merge(&stored.cell);
    }
    if cells.is_empty() {
        return Ok(taken);
    }
    ranks::add(conn, rank_lists::of_cells(&cells)).await?;
    indexing::add_totals(&mut cells);
    cells::add_cells(conn, cells).await?;
    Ok(taken)
}

/// One window in its own transaction on `conn`; `None` when another server holds the lock.
async fn index_window(conn: &mut PgConnection) -> Result<Option<usize>, StoreError> {
    let mut tx = conn.begin().await?;
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
        .bind(INDEX_LOCK)
        .fetch_one(&mut *tx)
        .await?;
    if !locked {
        return Ok(None);
    }
    let taken = fold_window(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(taken))
}

/// Indexes every pending cell, window by window, unless another server is at it; returns how
/// many pending cells this call took.
pub async fn catch_up(conn: &mut PgConnection) -> Result<usize, StoreError> {
    let mut total = 0;
    while let Some(taken) = index_window(conn).await? {
        total += taken;
        if taken < WINDOW_CELLS {
            break;
        }
    }
    Ok(total)
}

/// Folds in every pending cell inside the caller's transaction, waiting for a server that is
/// indexing, and keeps the lock to the transaction's end (re-pricing moves indexed cells only).
pub async fn drain(tx: &mut PgConnection) -> Result<(), StoreError> {
    sqlx::query("SELECT pg_advisory_xact_lock($1)")
        .bind(INDEX_LOCK)
        .execute(&mut *tx)
        .await?;
    while fold_window(tx).await? == WINDOW_CELLS {}
    Ok(())
}

/// For re-pricing: adds cost changes to rank lists (`lists`, each sorted, only `cost` set).
pub async fn add_to_ranks(
    tx: &mut PgConnection,
    lists: HashMap<rank_lists::RankKey, Vec<crate::store::reads::ValueRank>>,
) -> Result<(), StoreError> {
    ranks::add(tx, lists).await
}
