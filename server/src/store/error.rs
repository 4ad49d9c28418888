//! Why storage could not answer.

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
