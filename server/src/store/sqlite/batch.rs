//! Writing a batch of calls: the batch writer's side of the store. It runs on the writer's own
//! thread with a plain (rusqlite) connection to the same SQLite file, because per-row work there
//! is several times cheaper than through the async driver (see BENCHMARKS.md). Deduplication,
//! raw rows, bodies and rollups all go into the caller's one transaction.

mod catalog;
pub mod dictionary;
pub mod dim_rollups;
pub mod rollups;
mod rows;

use crate::fast_map::FastSet;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use catalog::CatalogCache;

use super::dim_index;
use super::encoding::{request_key, REQUEST_ID_TEXT};
use super::StoreError;
use crate::cost;
use crate::rollup;
use crate::store::dimensions::DictionaryCache;
use crate::store::indexing::IndexSchedule;
use crate::store::Pending;

/// The hour of a call: duplicates are looked for among calls of the same workspace, request id
/// and UTC hour (a re-sent record carries its original timestamp).
pub fn dedup_hour(ts_ms: i64) -> i64 {
    ts_ms.div_euclid(3_600_000)
}

/// Opens the writer's connection to the (already migrated) database file: WAL,
/// `synchronous=FULL` so that a commit (and with it every acknowledgement) survives a power
/// loss, a busy timeout, and a large page cache for the indexes.
pub fn open_connection(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    conn.pragma_update(None, "journal_mode", "wal")?;
    conn.pragma_update(None, "synchronous", "full")?;
    conn.pragma_update(None, "cache_size", -262_144)?;
    // Checkpoint every 64 MiB of WAL instead of every 4 MiB: hot index pages are copied back to
    // the database file once per checkpoint, so fewer checkpoints mean fewer repeated writes.
    conn.pragma_update(None, "wal_autocheckpoint", 16_384)?;
    // Reads of index pages through the memory map instead of copies into the page cache.
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

/// Which of `batch` are already stored (or repeated earlier in the batch).
fn find_duplicates(tx: &Transaction<'_>, batch: &[Pending]) -> Result<Vec<bool>, StoreError> {
    // The expression must match the index's for SQLite to use it.
    let sql = format!(
        "SELECT {REQUEST_ID_TEXT} FROM requests \
         WHERE workspace_id = ?1 AND ts_ms / 3600000 = ?2 AND request_key = ?3"
    );
    let mut lookup = tx.prepare_cached(&sql)?;
    let mut seen: FastSet<(i64, i64, &str)> =
        FastSet::with_capacity_and_hasher(batch.len(), Default::default());
    let mut duplicates = Vec::with_capacity(batch.len());
    for pending in batch {
        let id = pending.record.request_id.as_str();
        let hour = dedup_hour(pending.record.ts_ms);
        if !seen.insert((pending.workspace_id.get(), hour, id)) {
            duplicates.push(true);
            continue;
        }
        let mut candidates = lookup.query((pending.workspace_id.get(), hour, request_key(id)))?;
        let mut stored = false;
        while let Some(row) = candidates.next()? {
            if row.get_ref(0)?.as_str().ok() == Some(id) {
                stored = true;
                break;
            }
        }
        duplicates.push(stored);
    }
    Ok(duplicates)
}

/// What the writer remembers between batches: catalog models and dimension values.
pub struct WriterCaches {
    pub catalog: CatalogCache,
    pub dictionary: DictionaryCache,
}

/// The batch writer's connection, with its caches and the dimension indexer's schedule.
pub struct SqliteBatchWriter {
    conn: Connection,
    caches: WriterCaches,
    schedule: IndexSchedule,
}

impl SqliteBatchWriter {
    /// A writer on `conn` (from [`open_connection`]), after indexing the calls a previous run
    /// stored but did not index (a crash, or an upgrade that rebuilds the index).
    pub fn new(mut conn: Connection) -> Result<Self, StoreError> {
        let started = std::time::Instant::now();
        let mut schedule = IndexSchedule::default();
        match dim_index::catch_up(&mut conn) {
            Ok(0) => {}
            Ok(indexed) => tracing::info!(
                calls = indexed,
                elapsed_ms = started.elapsed().as_millis() as u64,
                "indexed the dimensions of calls stored before this start"
            ),
            Err(error) => {
                tracing::warn!(%error, "indexing dimensions at start failed; will retry");
                schedule.stored(1);
            }
        }
        Ok(Self {
            conn,
            caches: WriterCaches {
                catalog: CatalogCache::new(Duration::from_secs(30)),
                dictionary: DictionaryCache::default(),
            },
            schedule,
        })
    }

    /// Indexes the calls waiting; a failure is logged and retried next time (the calls are
    /// stored, and readers count unindexed calls from their rows).
    fn index(&mut self) {
        match dim_index::catch_up(&mut self.conn) {
            Ok(_) => self.schedule.done(),
            Err(error) => tracing::error!(%error, "indexing dimensions failed; will retry"),
        }
    }
}

impl crate::store::BatchWriter for SqliteBatchWriter {
    fn write(&mut self, batch: &[Pending], now_ms: i64) -> Result<Vec<bool>, StoreError> {
        // IMMEDIATE: take the write lock first (waiting up to the busy timeout), so the reads in
        // the transaction never have to upgrade a stale snapshot after another writer committed.
        let result = (|| {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let stored = insert_batch(&tx, &mut self.caches, batch, now_ms)?;
            tx.commit()?;
            Ok(stored)
        })();
        match &result {
            Ok(stored) => {
                if self
                    .schedule
                    .stored(stored.iter().filter(|stored| **stored).count())
                {
                    self.index();
                }
            }
            Err(_) => {
                // Models and values created in the failed transaction do not exist: forget them.
                self.caches.catalog.clear();
                self.caches.dictionary.clear();
            }
        }
        result
    }

    fn idle(&mut self) {
        // Also when this writer stored nothing: calls a rebuild left unindexed (a cheap read
        // when there are none).
        self.index();
    }
}

/// Stores `batch` in the open transaction. Returns, per record, `true` when it was stored and
/// `false` when it was a duplicate.
pub fn insert_batch(
    tx: &Transaction<'_>,
    caches: &mut WriterCaches,
    batch: &[Pending],
    now_ms: i64,
) -> Result<Vec<bool>, StoreError> {
    let duplicates = find_duplicates(tx, batch)?;
    // Past the indexed watermark too: a row id the dimension indexer has passed is never reused
    // (when the newest rows were deleted with their workspace).
    let mut next_row_id: i64 = tx.query_row(
        "SELECT max(coalesce((SELECT max(id) FROM requests), 0), \
         coalesce((SELECT indexed_upto FROM dimension_index), 0)) + 1",
        [],
        |row| row.get(0),
    )?;

    let mut observations = Vec::with_capacity(batch.len());
    let mut inserts = rows::RowInserts::prepare(tx)?;
    for (pending, duplicate) in batch.iter().zip(&duplicates) {
        if *duplicate {
            continue;
        }
        let record = &pending.record;
        let model = caches.catalog.get(
            tx,
            pending.workspace_id.get(),
            &record.model,
            record.kind,
            now_ms,
        )?;
        let kind = record.kind.unwrap_or(model.kind);
        let cost = cost::call_cost(&model.prices, &record.usage, kind, record.status);
        let dimensions = caches.dictionary.resolve(
            &mut dictionary::TxDictionary(tx),
            pending.workspace_id.get(),
            pending.ingest_key_id,
            record,
            kind,
            model.provider.as_deref(),
        )?;
        rows::insert_row(
            &mut inserts,
            crate::store::writes::CallToWrite {
                row_id: next_row_id,
                pending,
                model_id: model.id,
                kind,
                cost,
                dimensions: &dimensions,
            },
        )?;
        observations.push(pending.observation(model.id, cost));
        next_row_id += 1;
    }
    drop(inserts);
    // Dimension cells and posting lists come later, from a window of batches (`dim_index`).
    rollups::add_cells(tx, rollup::aggregate(observations))?;
    Ok(duplicates.into_iter().map(|duplicate| !duplicate).collect())
}
