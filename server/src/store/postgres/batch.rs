//! Writing a batch of calls to PostgreSQL: the batch writer's side of the store, on the writer's
//! own connection, one transaction per batch, acknowledged after its commit.
//!
//! Rows travel by COPY, PostgreSQL's bulk path, straight into `requests`, and the unique indexes
//! on (workspace, request id, hour) are the deduplication rule (one for ids kept as UUIDs, one
//! for the others): a batch holding a record stored before (by this server or another, even
//! one committing at the same moment) makes the COPY fail on an index. The transaction is then rolled back and the batch written again the
//! careful way: COPY into a temporary staging table, and one `INSERT ... SELECT ... ON CONFLICT
//! DO NOTHING RETURNING id`, which says which records went in. Duplicates are rare (a client's
//! retry), so nearly every batch takes the fast path. Only the calls that went in reach the
//! bodies and the rollup cells, in the same transaction; their dimension cells wait in
//! `dim_pending` for the indexer (`dim_index`), which the writer runs every second or so.

mod catalog;
mod copy;
mod dictionary;
pub(super) mod rollups;

use std::collections::{BTreeMap, HashSet};

use crate::fast_map::{FastMap, FastSet};
use crate::store::postings::Entry;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::PgPool;
use sqlx::{Connection, PgConnection};
use tokio::runtime::Handle;

use self::catalog::CatalogCache;
use super::dim_index;
use super::partitions::Partitions;
use crate::cost;
use crate::rollup;
use crate::store::dimensions::{self, DictionaryCache, StoredDimensions};
use crate::store::{Pending, StoreError};
use app::model::ModelKind;

/// How often a batch is tried again after PostgreSQL broke off its transaction to resolve a
/// deadlock or a serialization conflict (both mean: nothing was written, try again).
const ATTEMPTS: usize = 5;

/// The batch writer's connection and caches.
pub struct PgBatchWriter {
    runtime: Handle,
    pool: PgPool,
    conn: Option<PgConnection>,
    partitions: Arc<Partitions>,
    catalog: CatalogCache,
    dictionary: DictionaryCache,
    indexer: dim_index::Indexer,
}

impl PgBatchWriter {
    /// A writer on its own connection from `pool` (taken when the first batch comes). Must be
    /// created inside the runtime whose threads the writer blocks on.
    pub fn new(pool: PgPool, partitions: Arc<Partitions>) -> Result<Self, StoreError> {
        let runtime = Handle::try_current()
            .map_err(|error| StoreError::Task(format!("the writer needs a runtime: {error}")))?;
        let indexer = dim_index::Indexer::start(&runtime, &pool);
        Ok(Self {
            runtime,
            pool,
            conn: None,
            partitions,
            catalog: CatalogCache::new(Duration::from_secs(30)),
            dictionary: DictionaryCache::default(),
            indexer,
        })
    }
}

impl crate::store::BatchWriter for PgBatchWriter {
    fn write(&mut self, batch: &[Pending], now_ms: i64) -> Result<Vec<bool>, StoreError> {
        let runtime = self.runtime.clone();
        let result = runtime.block_on(async {
            let mut attempt = 0;
            let mut path = Path::Fast;
            loop {
                attempt += 1;
                let result = self.write_once(batch, now_ms, path).await;
                if result.is_err() {
                    // Models created in the failed transaction do not exist: forget them. A
                    // connection that failed may be broken: take a fresh one next time.
                    self.catalog.clear();
                    self.dictionary.clear();
                }
                match result {
                    Err(StoreError::Query(error)) if path == Path::Fast && duplicate(&error) => {
                        // A record of the batch is stored already: sort them out row by row.
                        path = Path::Careful;
                        attempt -= 1;
                    }
                    Err(StoreError::Query(error)) if attempt < ATTEMPTS && missing_partition(&error) => {
                        // Retention on some server dropped a day this server thought existed.
                        self.partitions.clear()?;
                    }
                    Err(StoreError::Query(error)) if attempt < ATTEMPTS && retryable(&error) => {
                        tracing::warn!(%error, attempt, "batch conflicted with another server; retrying");
                    }
                    Err(error) => {
                        self.conn = None;
                        return Err(error);
                    }
                    Ok(stored) => return Ok(stored),
                }
            }
        });
        if let Ok(stored) = &result {
            self.indexer
                .stored(stored.iter().filter(|stored| **stored).count());
        }
        result
    }

    fn idle(&mut self) {
        // No batch waits: index to the end (also before stopping, and what others left).
        self.runtime
            .clone()
            .block_on(dim_index::Indexer::run(&self.pool, true));
    }
}

/// A row found no partition (SQLSTATE 23514 on a partitioned table's routing).
fn missing_partition(error: &sqlx::Error) -> bool {
    error.as_database_error().is_some_and(|error| {
        error.code().as_deref() == Some("23514") && error.message().contains("no partition")
    })
}

/// Deadlock detected or serialization failure: the transaction was rolled back as a whole and
/// may be tried again.
fn retryable(error: &sqlx::Error) -> bool {
    has_sqlstate(error, &["40P01", "40001"])
}

/// A unique index refused a row: on the fast path, a record stored before.
fn duplicate(error: &sqlx::Error) -> bool {
    has_sqlstate(error, &["23505"])
}

fn has_sqlstate(error: &sqlx::Error, codes: &[&str]) -> bool {
    error
        .as_database_error()
        .and_then(|error| error.code())
        .is_some_and(|code| codes.contains(&code.as_ref()))
}

impl PgBatchWriter {
    async fn connection(&mut self) -> Result<&mut PgConnection, StoreError> {
        if self.conn.is_none() {
            self.conn = Some(self.pool.acquire().await?.detach());
        }
        self.conn
            .as_mut()
            .ok_or_else(|| StoreError::Task("the writer has no connection".into()))
    }

    async fn write_once(
        &mut self,
        batch: &[Pending],
        now_ms: i64,
        path: Path,
    ) -> Result<Vec<bool>, StoreError> {
        let partitions = Arc::clone(&self.partitions);
        let conn = self.connection().await?;
        partitions.ensure(conn, batch.iter().map(hour_of)).await?;
        // Split the borrow: the connection lives in `self.conn`, the cache beside it.
        let Self {
            conn,
            catalog,
            dictionary,
            ..
        } = self;
        let conn = conn
            .as_mut()
            .ok_or_else(|| StoreError::Task("the writer has no connection".into()))?;
        let mut tx = conn.begin().await?;
        let caches = Caches {
            catalog,
            dictionary,
        };
        let stored = insert_batch(&mut tx, caches, batch, now_ms, path).await?;
        tx.commit().await?;
        Ok(stored)
    }
}

/// How rows go into `requests`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Path {
    /// COPY straight in; fails on a record stored before.
    Fast,
    /// COPY into a staging table, then an insert that skips records stored before.
    Careful,
}

/// The writer's caches, borrowed for one batch.
struct Caches<'a> {
    catalog: &'a mut CatalogCache,
    dictionary: &'a mut DictionaryCache,
}

/// Stores `batch` in the open transaction; per record, whether it was stored.
async fn insert_batch(
    conn: &mut PgConnection,
    caches: Caches<'_>,
    batch: &[Pending],
    now_ms: i64,
    path: Path,
) -> Result<Vec<bool>, StoreError> {
    // Repeats inside the batch: the first one counts, as in SQLite.
    let mut seen: FastSet<(i64, i64, &str)> =
        FastSet::with_capacity_and_hasher(batch.len(), Default::default());
    let first: Vec<bool> = batch
        .iter()
        .map(|pending| {
            seen.insert((
                pending.workspace_id.get(),
                hour_of(pending),
                pending.record.request_id.as_str(),
            ))
        })
        .collect();
    let new: Vec<usize> = (0..batch.len()).filter(|index| first[*index]).collect();
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT nextval('requests_id_seq') FROM generate_series(1, $1)")
            .bind(new.len() as i64)
            .fetch_all(&mut *conn)
            .await?;

    let Caches {
        catalog,
        dictionary,
    } = caches;
    // Models new to the catalog are created in one sorted order, so writers creating the same
    // ones at once wait for each other instead of deadlocking. A model takes the kind of its
    // first call in the batch.
    let mut models: BTreeMap<(i64, &str), Option<ModelKind>> = BTreeMap::new();
    for index in &new {
        let pending = &batch[*index];
        models
            .entry((pending.workspace_id.get(), pending.record.model.as_str()))
            .or_insert(pending.record.kind);
    }
    for ((workspace_id, name), kind) in models {
        catalog.get(conn, workspace_id, name, kind, now_ms).await?;
    }
    // Each new call's model, kind, cost and the provider its price catalog names.
    let mut priced = Vec::with_capacity(new.len());
    for index in &new {
        let pending = &batch[*index];
        let record = &pending.record;
        let model = catalog
            .get(
                conn,
                pending.workspace_id.get(),
                &record.model,
                record.kind,
                now_ms,
            )
            .await?;
        let kind = record.kind.unwrap_or(model.kind);
        let cost = cost::call_cost(&model.prices, &record.usage, kind, record.status);
        priced.push((model.id, kind, cost, model.provider));
    }
    let stored_dimensions = resolve_dimensions(conn, dictionary, batch, &new, &priced).await?;

    // Each new call: (index in the batch, row id, model id, cost, dimensions).
    let mut inserted = Vec::with_capacity(new.len());
    let mut lines = String::with_capacity(new.len() * 256);
    for (((index, row_id), (model_id, kind, cost, _)), dimensions) in
        new.into_iter().zip(ids).zip(priced).zip(stored_dimensions)
    {
        let pending = &batch[index];
        copy::push_call(
            &mut lines,
            crate::store::writes::CallToWrite {
                row_id,
                pending,
                model_id,
                kind,
                cost,
                dimensions: &dimensions,
            },
        );
        inserted.push((index, row_id, model_id, cost, dimensions));
    }
    if !lines.is_empty() {
        let target = match path {
            Path::Fast => "requests",
            Path::Careful => {
                sqlx::query(
                    "CREATE TEMPORARY TABLE IF NOT EXISTS staging_requests \
                     (LIKE requests) ON COMMIT DELETE ROWS",
                )
                .execute(&mut *conn)
                .await?;
                "staging_requests"
            }
        };
        copy::send(conn, target, &copy::COLUMNS, lines).await?;
    }
    if path == Path::Careful {
        let went_in: HashSet<i64> = sqlx::query_scalar(
            "INSERT INTO requests SELECT * FROM staging_requests ORDER BY id \
             ON CONFLICT DO NOTHING RETURNING id",
        )
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .collect();
        inserted.retain(|(_, row_id, _, _, _)| went_in.contains(row_id));
    }

    let mut stored = vec![false; batch.len()];
    let mut observations = Vec::with_capacity(inserted.len());
    let mut values = Vec::with_capacity(inserted.len());
    let mut bodies = String::new();
    let mut tag_lists: FastMap<(i64, i64, i64), Vec<Entry>> = FastMap::default();
    for (index, row_id, model_id, cost, dimensions) in inserted {
        stored[index] = true;
        let pending = &batch[index];
        let record = &pending.record;
        if record.request_body.is_some() || record.response_body.is_some() {
            copy::push_bodies(&mut bodies, row_id, pending);
        }
        for tag in &dimensions.tags {
            let key = (pending.workspace_id.get(), *tag, hour_of(pending));
            tag_lists
                .entry(key)
                .or_default()
                .push((record.ts_ms, row_id));
        }
        observations.push(pending.observation(model_id, cost));
        values.push(dimensions.cells);
    }
    let mut lists = String::new();
    copy::push_tag_lists(&mut lists, tag_lists);
    copy::send(conn, "tag_lists", copy::TAG_LIST_COLUMNS, lists).await?;
    copy::send(conn, "request_bodies", copy::BODY_COLUMNS, bodies).await?;
    let dimension_cells = rollup::dims::aggregate(
        observations
            .iter()
            .copied()
            .zip(values.iter().map(Vec::as_slice)),
    );
    rollups::add_cells(conn, rollup::aggregate(observations)).await?;
    dim_index::queue(conn, dimension_cells).await?;
    Ok(stored)
}

/// The stored dimensions of the new calls `new` of `batch` (with their `priced` model, kind,
/// cost and catalog provider), learning unknown key names and values in one round trip each.
async fn resolve_dimensions(
    conn: &mut PgConnection,
    dictionary: &mut DictionaryCache,
    batch: &[Pending],
    new: &[usize],
    priced: &[(i64, ModelKind, Option<f64>, Option<String>)],
) -> Result<Vec<StoredDimensions>, StoreError> {
    dictionary::learn_keys(
        conn,
        dictionary,
        new.iter().filter_map(|index| batch[*index].ingest_key_id),
    )
    .await?;
    let key_name = |dictionary: &DictionaryCache, pending: &Pending| {
        pending
            .ingest_key_id
            .and_then(|key_id| dictionary.key_name(key_id).flatten().map(str::to_owned))
    };
    let mut wanted = Vec::new();
    for (index, (_, kind, _, provider)) in new.iter().zip(priced) {
        let pending = &batch[*index];
        let name = key_name(dictionary, pending);
        let pairs = dimensions::pairs(&pending.record, *kind, name.as_deref(), provider.as_deref());
        let workspace_id = pending.workspace_id.get();
        for (dimension, value) in dictionary.missing(workspace_id, &pairs) {
            wanted.push((workspace_id, dimension, value.to_owned()));
        }
    }
    dictionary::learn_values(conn, dictionary, wanted).await?;
    new.iter()
        .zip(priced)
        .map(|(index, (_, kind, _, provider))| {
            let pending = &batch[*index];
            let name = key_name(dictionary, pending);
            let pairs =
                dimensions::pairs(&pending.record, *kind, name.as_deref(), provider.as_deref());
            dictionary.stored(pending.workspace_id.get(), &pairs)
        })
        .collect()
}

/// The hour of a call (the partition key and part of the deduplication rule).
fn hour_of(pending: &Pending) -> i64 {
    pending.record.ts_ms.div_euclid(3_600_000)
}
