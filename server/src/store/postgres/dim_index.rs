//! PostgreSQL's dimension indexer. A batch's transaction does not read and rewrite the
//! dimension cells its calls touch (thousands of wide cells with sketches per batch when
//! 10,000 users call): it appends them to `dim_pending_packs`, packed per workspace, dimension
//! and level ([`queue`], `packs`). One server at a time (a transaction-level advisory lock,
//! [`INDEX_LOCK`]) takes a window of pending packs, deletes them, and adds their cells them merged to `rollup_dim_*`, to each bucket's totals (value id 0) and to the
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
mod packs;
mod ranks;

pub use cells::queue;
pub use packs::read_pending;
pub use ranks::{add as add_to_ranks, read_into as read_ranks_into};

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use app::model::Dimension;
use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection, Row};
use tokio::runtime::Handle;

use crate::rollup::dims::{DimCellKey, DimCellMap};
use crate::rollup::{Cell, Level};
use crate::store::indexing::{self, IndexSchedule};
use crate::store::reads::Sketches;
use crate::store::{rank_lists, StoreError};

/// The advisory lock of the indexer (a constant no other lock of the schema uses).
const INDEX_LOCK: i64 = 0x6d77_6469_6d78; // "mwdimx"

/// Pending cells folded in per transaction, about (a window takes whole packs, at least one).
const WINDOW_CELLS: i64 = 200_000;

/// Takes whole packs up to a window of cells (a batch still committing is not seen, and waits
/// for the next window): each pack's place and cells, and how many packs were waiting in all.
/// `ctid IN` is a hash join; `ctid = ANY(ARRAY(...))` was checked row by row against the whole
/// array.
const TAKE: &str = "DELETE FROM dim_pending_packs WHERE ctid IN (SELECT ctid FROM \
     (SELECT ctid, sum(cells) OVER (ORDER BY ctid) - cells AS before FROM dim_pending_packs) \
     AS waiting WHERE before < $1) \
     RETURNING workspace_id, dimension, level, packed, (SELECT count(*) FROM dim_pending_packs)";

fn level_of(code: i64) -> Result<Level, StoreError> {
    match code {
        1 => Ok(Level::Hour),
        2 => Ok(Level::Day),
        _ => Err(StoreError::Corrupt(format!("pending cell of level {code}"))),
    }
}

fn dimension_of(code: i64) -> Result<Dimension, StoreError> {
    Dimension::from_code(code)
        .ok_or_else(|| StoreError::Corrupt(format!("pending cell of dimension {code}")))
}

/// What a window took.
struct Window {
    /// Pending cells folded in.
    cells: usize,
    /// Packs were left waiting.
    more: bool,
}

/// Folds a window of pending packs into the cells, totals and rank lists, inside the caller's
/// transaction, which holds [`INDEX_LOCK`].
async fn fold_window(conn: &mut PgConnection) -> Result<Window, StoreError> {
    let rows = sqlx::query(TAKE)
        .bind(WINDOW_CELLS)
        .fetch_all(&mut *conn)
        .await?;
    let mut cells: DimCellMap = DimCellMap::default();
    let (mut taken, mut waiting) = (0, 0i64);
    for row in &rows {
        let workspace_id: i64 = row.try_get(0)?;
        let dimension = dimension_of(row.try_get(1)?)?;
        let level = level_of(row.try_get(2)?)?;
        waiting = row.try_get(4)?;
        let add = |bucket_ms, value_id, cell: Cell| {
            taken += 1;
            let key = DimCellKey {
                level,
                workspace_id,
                dimension,
                bucket_ms,
                value_id,
            };
            cells.entry(key).or_default().merge(&cell);
        };
        packs::decode(row.try_get(3)?, Sketches::LatencyAndTtft, |_, _| true, add)?;
    }
    fold(conn, cells).await?;
    Ok(Window {
        cells: taken,
        more: waiting > rows.len() as i64,
    })
}

/// Adds `cells` to the rank lists, the buckets' totals and the dimension cells.
async fn fold(conn: &mut PgConnection, mut cells: DimCellMap) -> Result<(), StoreError> {
    if cells.is_empty() {
        return Ok(());
    }
    ranks::add(conn, rank_lists::of_cells(&cells)).await?;
    indexing::add_totals(&mut cells);
    cells::add_cells(conn, cells).await
}

/// One window in its own transaction on `conn`; `None` when another server holds the lock and
/// `wait` is false (with `wait`, it waits for that server's window to end).
async fn index_window(conn: &mut PgConnection, wait: bool) -> Result<Option<Window>, StoreError> {
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
    let window = fold_window(&mut tx).await?;
    tx.commit().await?;
    Ok(Some(window))
}

/// Indexes every pending cell, window by window; returns how many pending cells this call
/// took. Unless `wait`, it leaves the work to another server found at it.
pub async fn catch_up(conn: &mut PgConnection, wait: bool) -> Result<usize, StoreError> {
    let mut total = 0;
    while let Some(window) = index_window(conn, wait).await? {
        total += window.cells;
        if !window.more {
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
    while fold_window(tx).await?.more {}
    Ok(())
}

/// Pending cells taken between vacuums of `dim_pending` while calls come in.
const VACUUM_EVERY: usize = 300_000;

/// Pending cells taken since the last vacuum of `dim_pending`, by this process.
static TAKEN_SINCE_VACUUM: AtomicUsize = AtomicUsize::new(0);

/// Skipped when another server's vacuum is at it.
const VACUUM: &str = "VACUUM (SKIP_LOCKED) dim_pending_packs";

/// Whether `dim_pending_packs` is due a vacuum after `taken` more cells left it: every
/// [`VACUUM_EVERY`] cells, and when the writer is idle (`idle`) after any (a vacuum of a small
/// table takes a millisecond). Every pack is written by a batch and deleted by the indexer, and
/// its bytes live in the table's TOAST rows: at 30,000 calls a second that is megabytes of dead
/// rows a second, which autovacuum (a visit a minute) lets pile up. Vacuumed this often the
/// table stays within a few seconds' worth, and one drained at the end of a burst shrinks to
/// nothing.
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
