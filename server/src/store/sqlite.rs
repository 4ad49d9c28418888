//! The SQLite implementation of the storage seam (the default): sqlx for the async questions (accounts, keys, alerting, the catalog,
//! housekeeping), plain rusqlite connections for the batch writer and the read snapshots,
//! where per-row work is several times cheaper (see BENCHMARKS.md).
//!
//! Connection settings live in one place each: [`connect_options`] for the pool and the
//! readers' `open` in `reader.rs` (both `synchronous=NORMAL`, read-only for readers), and the
//! writer's `open_connection` in `batch.rs` (`synchronous=FULL`: an acknowledged call survives a
//! power loss).

pub mod accounts;
pub mod alert_history;
pub mod alerts;
pub mod analytics;
pub mod api_keys;
pub mod backfill;
pub mod batch;
pub mod catalog;
pub mod channels;
pub mod costs;
pub mod dim_index;
pub mod encoding;
pub mod logs;
mod passwords;
pub mod price_catalog;
mod prices;
pub mod reader;
pub mod requests;
pub mod retention;
mod samples;
mod seam;
mod snapshot;
pub mod workspaces;

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub use super::StoreError;
use super::{url, BatchWriter, Reads, Storage};
use reader::Reader;

/// The schema, embedded in the binary; migrations are numbered and never edited once landed.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations/sqlite");

/// One SQLite database: a sqlx pool, read connections, and the file the batch writer opens.
pub struct SqliteStore {
    pool: SqlitePool,
    reads: Arc<reader::Reads>,
    path: std::path::PathBuf,
}

impl SqliteStore {
    /// Opens (creating when missing) the SQLite database at `url` with WAL,
    /// `synchronous=NORMAL`, a busy timeout and foreign keys on, then applies pending
    /// migrations.
    pub async fn open(url: &str) -> Result<Self, StoreError> {
        let options = connect_options(url)?;
        let path = options.get_filename().to_path_buf();
        let pool = SqlitePoolOptions::new()
            .max_connections(8)
            .acquire_timeout(Duration::from_secs(10))
            .connect_with(options)
            .await
            .map_err(|source| StoreError::Open {
                url: url::redact(url),
                source,
            })?;
        MIGRATOR.run(&pool).await?;
        Ok(Self {
            pool,
            reads: Arc::new(reader::Reads(Reader::new(path.clone()))),
            path,
        })
    }

    /// The sqlx pool (tests check stored rows through it).
    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

#[async_trait::async_trait]
impl Storage for SqliteStore {
    fn reads(&self) -> Arc<dyn Reads> {
        Arc::clone(&self.reads) as Arc<dyn Reads>
    }

    fn batch_writer(&self) -> Result<Box<dyn BatchWriter>, StoreError> {
        let mut conn = batch::open_connection(&self.path)?;
        backfill::all_models_cells(&mut conn)?;
        Ok(Box::new(batch::SqliteBatchWriter::new(conn)?))
    }

    fn writers(&self, asked: Option<usize>) -> usize {
        // SQLite lets one transaction write at a time: a second writer would only wait.
        if asked.is_some_and(|asked| asked > 1) {
            tracing::warn!("SQLite takes one ingest writer; --ingest-writers is ignored");
        }
        1
    }

    async fn ping(&self) -> Result<(), StoreError> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    async fn close(&self) {
        self.pool.close().await;
    }
}

fn connect_options(url: &str) -> Result<SqliteConnectOptions, StoreError> {
    url::check(url)?;
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|source| StoreError::InvalidUrl {
            url: url::redact(url),
            source,
        })?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true);
    create_parent_folder(options.get_filename())?;
    Ok(options)
}

/// The file behind a SQLite database URL.
pub fn database_path(url: &str) -> Result<std::path::PathBuf, StoreError> {
    Ok(connect_options(url)?.get_filename().to_path_buf())
}

fn create_parent_folder(file: &Path) -> Result<(), StoreError> {
    let in_memory = file.as_os_str().is_empty() || file.as_os_str() == ":memory:";
    let Some(folder) = file
        .parent()
        .filter(|folder| !in_memory && !folder.as_os_str().is_empty())
    else {
        return Ok(());
    };
    std::fs::create_dir_all(folder).map_err(|source| StoreError::CreateFolder {
        folder: folder.display().to_string(),
        source,
    })
}
