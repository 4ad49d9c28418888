//! Storage: the only place SQL lives. Opens the database, runs migrations, answers questions.

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
pub mod encoding;
pub mod logs;
pub mod prices;
pub mod reader;
pub mod requests;
pub mod retention;
pub mod url;
pub mod workspaces;

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::migrate::Migrator;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

/// The schema, embedded in the binary; migrations are numbered and never edited once landed.
pub static MIGRATOR: Migrator = sqlx::migrate!("./migrations");

/// Why the store could not be opened or used.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database URL names a kind of database this build cannot use.
    #[error("unsupported database url {url:?}: {reason}")]
    UnsupportedUrl { url: String, reason: String },
    /// The database URL does not parse.
    #[error("invalid database url {url:?}: {source}")]
    InvalidUrl { url: String, source: sqlx::Error },
    /// The folder for the database file could not be created.
    #[error("cannot create the database folder {folder}: {source}")]
    CreateFolder {
        folder: String,
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error("cannot open the database {url:?}: {source}")]
    Open { url: String, source: sqlx::Error },
    /// A migration failed; the database is left as it was before that migration.
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// A query failed.
    #[error("database query failed: {0}")]
    Query(#[from] sqlx::Error),
    /// A query on the batch writer's connection failed.
    #[error("database query failed: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// Stored data could not be read back (for example an undecodable sketch).
    #[error("stored data is corrupt: {0}")]
    Corrupt(String),
    /// A blocking database task ended without an answer (it panicked or was cancelled).
    #[error("a database task stopped: {0}")]
    Task(String),
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

/// Opens (creating when missing) the SQLite database at `url` with WAL, `synchronous=NORMAL`,
/// a busy timeout and foreign keys on, then applies pending migrations.
pub async fn open(url: &str) -> Result<SqlitePool, StoreError> {
    let pool = SqlitePoolOptions::new()
        .max_connections(8)
        .acquire_timeout(Duration::from_secs(10))
        .connect_with(connect_options(url)?)
        .await
        .map_err(|source| StoreError::Open {
            url: url::redact(url),
            source,
        })?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// The file behind a SQLite database URL (for the batch writer's own connection).
pub fn database_path(url: &str) -> Result<std::path::PathBuf, StoreError> {
    Ok(connect_options(url)?.get_filename().to_path_buf())
}

/// Answers whether the database responds to a trivial query.
pub async fn ping(pool: &SqlitePool) -> Result<(), StoreError> {
    sqlx::query("SELECT 1").execute(pool).await?;
    Ok(())
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
