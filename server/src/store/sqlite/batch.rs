//! Writing a batch of calls: the batch writer's side of the store. It runs on the writer's own
//! thread with a plain (rusqlite) connection to the same SQLite file, because per-row work there
//! is several times cheaper than through the async driver (see BENCHMARKS.md). Deduplication,
//! raw rows, bodies and rollups all go into the caller's one transaction.

mod catalog;
mod dictionary;
pub mod dim_rollups;
pub mod rollups;
mod rows;

use std::collections::HashSet;
use std::path::Path;
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

pub use catalog::CatalogCache;

use super::encoding::{request_key, REQUEST_ID_TEXT};
use super::StoreError;
use crate::cost;
use crate::rollup;
use crate::store::dimensions::DictionaryCache;
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
    let mut seen: HashSet<(i64, i64, &str)> = HashSet::with_capacity(batch.len());
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

/// The batch writer's connection, with its caches.
pub struct SqliteBatchWriter {
    conn: Connection,
    caches: WriterCaches,
}

impl SqliteBatchWriter {
    /// A writer on `conn` (from [`open_connection`]).
    pub fn new(conn: Connection) -> Self {
        Self {
            conn,
            caches: WriterCaches {
                catalog: CatalogCache::new(Duration::from_secs(30)),
                dictionary: DictionaryCache::default(),
            },
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
        if result.is_err() {
            // Models and values created in the failed transaction do not exist: forget them.
            self.caches.catalog.clear();
            self.caches.dictionary.clear();
        }
        result
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
    let mut next_row_id: i64 =
        tx.query_row("SELECT coalesce(max(id), 0) + 1 FROM requests", [], |row| {
            row.get(0)
        })?;

    let mut observations = Vec::with_capacity(batch.len());
    let mut values = Vec::with_capacity(batch.len());
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
        values.push(dimensions.cells);
        next_row_id += 1;
    }
    drop(inserts);
    dim_rollups::add_cells(
        tx,
        rollup::dims::aggregate(
            observations
                .iter()
                .copied()
                .zip(values.iter().map(Vec::as_slice)),
        ),
    )?;
    rollups::add_cells(tx, rollup::aggregate(observations))?;
    Ok(duplicates.into_iter().map(|duplicate| !duplicate).collect())
}
