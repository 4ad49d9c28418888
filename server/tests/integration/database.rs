//! The database under test: a fresh SQLite file, or a fresh database on the private PostgreSQL
//! cluster `scripts/with-postgres` started, chosen by `MODELWATCH_TEST_BACKEND` (`sqlite`, the
//! default, or `postgres`). Every test body runs the same way on either; `make test` runs the
//! whole suite once per backend.

use std::sync::atomic::{AtomicU64, Ordering};

use sqlx::{AnyPool, Connection};
use tempfile::TempDir;

/// Which database the suite runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The backend `MODELWATCH_TEST_BACKEND` chooses.
pub fn backend() -> Backend {
    match std::env::var("MODELWATCH_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("MODELWATCH_TEST_BACKEND={other:?}: use sqlite or postgres"),
    }
}

/// A database of its own for one test: removed with its folder (SQLite) or left to the
/// cluster, which is removed at the end of the run (PostgreSQL).
pub struct TestDatabase {
    pub url: String,
    _dir: TempDir,
}

static NEXT: AtomicU64 = AtomicU64::new(0);

impl TestDatabase {
    /// [`TestDatabase::fresh`] for tests that run no runtime of their own.
    pub fn fresh_blocking() -> Self {
        tokio::runtime::Runtime::new()
            .expect("runtime")
            .block_on(Self::fresh())
    }

    /// A folder that lives as long as the database, for files a test needs beside it.
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A new, empty database of the chosen backend (not yet migrated).
    pub async fn fresh() -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = match backend() {
            Backend::Sqlite => format!("sqlite://{}", dir.path().join("test.db").display()),
            Backend::Postgres => postgres_database().await,
        };
        Self { url, _dir: dir }
    }
}

/// The URL of a new, empty database on the cluster `scripts/with-postgres` started.
pub async fn postgres_database() -> String {
    let admin = std::env::var("MODELWATCH_TEST_POSTGRES")
        .expect("MODELWATCH_TEST_POSTGRES is unset: run the tests through scripts/with-postgres");
    let name = format!(
        "mw_test_{}_{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::SeqCst)
    );
    let mut conn = sqlx::PgConnection::connect(&admin)
        .await
        .expect("connect to the test cluster");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create a test database");
    conn.close().await.expect("close");
    let (base, _) = admin.rsplit_once('/').expect("a database in the url");
    format!("{base}/{name}")
}

/// A pool for checks on stored rows with SQL both backends run (`$1` placeholders in order,
/// integer sums cast to BIGINT).
pub async fn rows_pool(url: &str) -> AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::any::AnyPoolOptions::new()
        .max_connections(4)
        .connect(url)
        .await
        .expect("a pool for checks")
}

/// SQL for the text of `key` in the JSON object text `column` (SQLite's `json_extract`,
/// PostgreSQL's `->>` on a cast).
pub fn json_text(column: &str, key: &str) -> String {
    match backend() {
        Backend::Sqlite => format!("json_extract({column}, '$.{key}')"),
        Backend::Postgres => format!("(CAST({column} AS json) ->> '{key}')"),
    }
}

/// SQL for a stored call's request id as text (SQLite keeps canonical UUIDs as 16-byte blobs).
pub fn request_id_text() -> &'static str {
    match backend() {
        Backend::Sqlite => server::store::sqlite::encoding::REQUEST_ID_TEXT,
        Backend::Postgres => "coalesce(request_id, request_uuid::text)",
    }
}

/// Holds a lock that stops the batch writer's next transaction until the connection is
/// dropped or rolled back: SQLite's write lock (`BEGIN IMMEDIATE`), or in PostgreSQL a SHARE
/// lock on `requests`, which every insert waits for.
pub async fn hold_write_lock(pool: &AnyPool) -> sqlx::pool::PoolConnection<sqlx::Any> {
    let mut blocker = pool.acquire().await.expect("connection");
    let statements: &[&str] = match backend() {
        Backend::Sqlite => &["BEGIN IMMEDIATE"],
        Backend::Postgres => &["BEGIN", "LOCK TABLE requests IN SHARE MODE"],
    };
    for statement in statements {
        sqlx::query(statement)
            .execute(&mut *blocker)
            .await
            .expect("lock");
    }
    blocker
}
