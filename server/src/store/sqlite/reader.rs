//! Read snapshots: plain rusqlite connections kept in a small pool and used on blocking
//! threads, each read inside one transaction. Reading many rollup cells
//! this way is several times faster than through sqlx's row stream (see BENCHMARKS.md).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};

use super::StoreError;
use crate::store::reads::ReadWork;

/// Idle connections kept for reuse (each keeps its own page cache warm).
const MAX_IDLE: usize = 4;

/// A pool of read-only connections to one database file.
pub struct Reader {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// Reads running now, each on a blocking thread inside a read transaction.
    running: AtomicUsize,
}

/// Counts a read as running until it is dropped.
struct Running<'a>(&'a AtomicUsize);

impl<'a> Running<'a> {
    fn start(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::SeqCst);
        Self(count)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn open(path: &PathBuf) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    conn.busy_timeout(Duration::from_secs(5))?;
    // Reads only: a bug here can never change data.
    conn.pragma_update(None, "query_only", true)?;
    conn.pragma_update(None, "cache_size", -65_536)?;
    conn.pragma_update(None, "mmap_size", 1_i64 << 30)?;
    conn.set_prepared_statement_cache_capacity(64);
    Ok(conn)
}

impl Reader {
    /// Read connections to the SQLite file at `path` (opened when first needed).
    pub fn new(path: PathBuf) -> Arc<Self> {
        Arc::new(Self {
            path,
            idle: Mutex::new(Vec::new()),
            running: AtomicUsize::new(0),
        })
    }

    /// Runs `work` with a connection inside one read transaction, on this thread.
    fn run(&self, work: ReadWork) -> Result<(), StoreError> {
        let _running = Running::start(&self.running);
        let idle = self.idle.lock().ok().and_then(|mut idle| idle.pop());
        let mut conn = match idle {
            Some(conn) => conn,
            None => open(&self.path)?,
        };
        let result = (|| {
            let tx = conn.transaction()?;
            work(&*tx as &Connection)?;
            tx.finish()?;
            Ok(())
        })();
        if let Ok(mut idle) = self.idle.lock() {
            if idle.len() < MAX_IDLE {
                idle.push(conn);
            }
        }
        result
    }
}

/// Handed out as the storage's [`Reads`]: every read runs on a blocking thread.
pub struct Reads(pub Arc<Reader>);

#[async_trait::async_trait]
impl crate::store::Reads for Reads {
    async fn read_boxed(&self, work: ReadWork) -> Result<(), StoreError> {
        let reader = Arc::clone(&self.0);
        tokio::task::spawn_blocking(move || reader.run(work))
            .await
            .map_err(|error| StoreError::Task(error.to_string()))?
    }

    fn running(&self) -> usize {
        self.0.running.load(Ordering::SeqCst)
    }
}
