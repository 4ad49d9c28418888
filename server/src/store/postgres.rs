//! The PostgreSQL implementation of the storage seam, for several Modelwatch servers on one
//! database (ARCHITECTURE.md, "Several servers"). One driver, sqlx, for everything: the async
//! questions run on the pool; the read snapshots and the batch writer run on blocking threads
//! and drive their own pooled connection with the runtime's `block_on`.
//!
//! What differs from SQLite, and why:
//! - raw calls and bodies are partitioned by day ([`partitions`]), so retention drops whole
//!   partitions where every workspace's retention allows it;
//! - deduplication is a unique index on (workspace, hour, request id), so two servers writing
//!   the same record at once store it once;
//! - the writer sends rows with COPY into a staging table and moves them with one
//!   `INSERT ... ON CONFLICT DO NOTHING`, and merges rollup cells under row locks taken in one
//!   order, so cells written by several servers at once stay exact ([`batch`]);
//! - request ids are found through the deduplication index, not an in-memory index;
//! - calls by tag are packed lists per batch, tag and hour ([`tag_lists`]), not posting lists
//!   merged by an indexer.

mod accounts;
mod alerting;
mod batch;
mod catalog;
mod coordination;
pub mod copy_text;
mod dim_index;
mod housekeeping;
mod keys;
pub mod partitions;
mod passwords;
mod reads;
mod samples;
mod tag_lists;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};

pub use super::StoreError;
use super::{url, BatchWriter, Reads, Storage};

/// The schema, embedded in the binary; migrations are numbered and never edited once landed.
/// sqlx takes an advisory lock while migrating, so servers starting together apply each once.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/postgres");

/// Connections per server: the pool serves the async questions and the read snapshots; the
/// batch writer holds one more of its own.
const POOL_CONNECTIONS: u32 = 16;

/// Batch writers per server unless the operator says otherwise: while one waits for its commit
/// or gathers the next batch, another's batch keeps the database busy.
const WRITERS: usize = 2;

/// One PostgreSQL database.
pub struct PgStore {
    pool: PgPool,
    reads: Arc<reads::PgReads>,
    partitions: Arc<partitions::Partitions>,
}

impl PgStore {
    /// Connects to the database at `url` and applies pending migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        url::check(url)?;
        let options = PgConnectOptions::from_str(url).map_err(|source| StoreError::InvalidUrl {
            url: url::redact(url),
            source,
        })?;
        let pool = PgPoolOptions::new()
            .max_connections(POOL_CONNECTIONS)
            .acquire_timeout(Duration::from_secs(10))
            // PostgreSQL's notices ("already exists, skipping") are not worth a log line each.
            .connect_with(
                options
                    .application_name("modelwatch")
                    .options([("client_min_messages", "warning")]),
            )
            .await
            .map_err(|source| StoreError::Open {
                url: url::redact(url),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            reads: Arc::new(reads::PgReads::new(pool.clone())),
            partitions: Arc::new(partitions::Partitions::default()),
            pool,
        })
    }

    /// The sqlx pool (tests check stored rows through it).
    pub fn pool(&self) -> &PgPool {
        &self.pool
    }

    /// The day partitions this server knows exist.
    pub fn partitions(&self) -> &partitions::Partitions {
        &self.partitions
    }
}

#[async_trait::async_trait]
impl Storage for PgStore {
    fn reads(&self) -> Arc<dyn Reads> {
        Arc::clone(&self.reads) as Arc<dyn Reads>
    }

    fn batch_writer(&self) -> Result<Box<dyn BatchWriter>, StoreError> {
        Ok(Box::new(batch::PgBatchWriter::new(
            self.pool.clone(),
            Arc::clone(&self.partitions),
        )?))
    }

    fn writers(&self, asked: Option<usize>) -> usize {
        asked.unwrap_or(WRITERS).max(1)
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}
