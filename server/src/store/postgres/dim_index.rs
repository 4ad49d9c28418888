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
pub use ranks::{add as add_to_ranks, read_into as read_ranks_into};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};

use app::model::Dimension;
use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection, Row};
use tokio::runtime::Handle;

use super::reads::read_cell;
use crate::rollup::dims::{DimCellKey, DimCellMap};
use crate::rollup::Level;
use crate::store::columns::{cell_columns, CELL_COLUMN_COUNT};
use crate::store::indexing::{self, IndexSchedule};
use crate::store::reads::{Cells, Sketches};
use crate::store::{rank_lists, StoreError};

/// The advisory lock of the indexer (a constant no other lock of the schema uses).
const INDEX_LOCK: i64 = 0x6d77_6469_6d78; // "mwdimx"

/// Pending cells folded in per transaction at most.
const WINDOW_CELLS: usize = 200_000;

/// Takes up to a window of pending cells (a batch still committing is not seen, and waits for
/// the next window): the cell columns, then the level, workspace and dimension. `ctid IN` is a
/// hash join; `ctid = ANY(ARRAY(...))` was checked row by row against the whole array (1.8 s
/// for 22,000 cells).
static TAKE: LazyLock<String> = LazyLock::new(|| {
    let columns = cell_columns(
        Level::Hour,
        Cells::Dimension(Dimension::User),
        Sketches::LatencyAndTtft,
    );
    format!(
        "DELETE FROM dim_pending WHERE ctid IN (SELECT ctid FROM dim_pending LIMIT \
         {WINDOW_CELLS}) RETURNING {columns}, level, workspace_id, dimension"
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
    let mut cells: DimCellMap = DimCellMap::default();
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

/// One window in its own transaction on `conn`; `None` when another server holds the lock and
/// `wait` is false (with `wait`, it waits for that server's window to end).
async fn index_window(conn: &mut PgConnection, wait: bool) -> Result<Option<usize>, StoreError> {
    let mut tx = conn.begin().await?;
    if wait {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(INDEX_LOCK)
            .execute(&mut *tx)
            .await?;
    } else {
        let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
            .bind(INDEX_LOCK)
            .fetch_one(&mut *tx)
            .await?;
        if !locked {
            return Ok(None);
        }
    }
    let taken = fold_window(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(taken))
}

/// Indexes every pending cell, window by window; returns how many pending cells this call
/// took. Unless `wait`, it leaves the work to another server found at it.
pub async fn catch_up(conn: &mut PgConnection, wait: bool) -> Result<usize, StoreError> {
    let mut total = 0;
    while let Some(taken) = index_window(conn, wait).await? {
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

/// Pending cells taken between vacuums of `dim_pending` while calls come in.
const VACUUM_EVERY: usize = 300_000;

/// Pending cells taken since the last vacuum of `dim_pending`, by this process.
static TAKEN_SINCE_VACUUM: AtomicUsize = AtomicUsize::new(0);

/// Skipped when another server's vacuum is at it.
const VACUUM: &str = "VACUUM (SKIP_LOCKED) dim_pending";

/// Whether `dim_pending` is due a vacuum after `taken` more cells left it: every
/// [`VACUUM_EVERY`] cells, and when the writer is idle (`idle`) after any (a vacuum of a small
/// table takes a millisecond). Every
/// cell is a row written by a batch and deleted by the indexer: at 30,000 calls a second that
/// is about 13 MB of dead rows a second, which autovacuum (a visit a minute) let grow to 660 MB
/// at 10M calls. Vacuumed this often the table stays within a few seconds' worth, and one
/// drained at the end of a burst shrinks to nothing.
fn vacuum_due(taken: usize, idle: bool) -> bool {
    let since = TAKEN_SINCE_VACUUM.fetch_add(taken, Ordering::Relaxed) + taken;
    let due = since >= VACUUM_EVERY || (idle && since > 0);
    if due {
        TAKEN_SINCE_VACUUM.store(0, Ordering::Relaxed);
    }
    due
}

/// [`catch_up`], then a vacuum of `dim_pending` when one is due.
async fn index_and_vacuum(conn: &mut PgConnection, wait: bool) -> Result<usize, StoreError> {
    let taken = catch_up(conn, wait).await?;
    if vacuum_due(taken, wait) {
        // A vacuum skipped for another server's says so as a WARNING: not worth a log line.
        sqlx::query("SET client_min_messages = error")
            .execute(&mut *conn)
            .await?;
        let vacuumed = sqlx::query(VACUUM)
            .persistent(false)
            .execute(&mut *conn)
            .await;
        sqlx::query("RESET client_min_messages")
            .execute(&mut *conn)
            .await?;
        vacuumed?;
    }
    Ok(taken)
}

/// The dimension indexer's task (`dim_index`), beside the writer on its own connection: PostgreSQL
/// folds pending cells in while the next batches go in, where SQLite's single writer must
/// take turns. The writer counts its calls in ([`Indexer::stored`]), which wakes the task on the
/// schedule SQLite's writer keeps; when idle, the writer indexes to the end itself.
pub struct Indexer {
    schedule: IndexSchedule,
    wake: Arc<tokio::sync::Notify>,
    task: tokio::task::JoinHandle<()>,
}

impl Indexer {
    pub fn start(runtime: &Handle, pool: &PgPool) -> Self {
        let wake = Arc::new(tokio::sync::Notify::new());
        let (pool, woken) = (pool.clone(), Arc::clone(&wake));
        let task = runtime.spawn(async move {
            loop {
                woken.notified().await;
                Self::run(&pool, false).await;
            }
        });
        // Cells a crash or a migration left wait no longer than the first batch.
        wake.notify_one();
        Self {
            schedule: IndexSchedule::default(),
            wake,
            task,
        }
    }

    /// Indexes every pending cell; unless `wait`, not when another server (or this one's other
    /// path) is at it. Then vacuums `dim_pending` when enough cells left it ([`vacuum_due`]).
    pub async fn run(pool: &PgPool, wait: bool) {
        let started = std::time::Instant::now();
        let result = match pool.acquire().await {
            Ok(mut conn) => index_and_vacuum(&mut conn, wait).await,
            Err(error) => Err(error.into()),
        };
        match result {
            Ok(0) => {}
            Ok(taken) => tracing::debug!(
                cells = taken,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "indexed pending dimension cells"
            ),
            // Retried when next woken; readers count the pending cells meanwhile.
            Err(error) => tracing::error!(%error, "indexing dimensions failed; will retry"),
        }
    }

    /// Counts `stored` more calls, and wakes the task when it is time to index.
    pub fn stored(&mut self, stored: usize) {
        if self.schedule.stored(stored) {
            self.wake.notify_one();
            self.schedule.done();
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.task.abort();
    }
}
