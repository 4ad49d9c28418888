//! Read snapshots in PostgreSQL: a pooled connection inside one `REPEATABLE READ READ ONLY`
//! transaction, driven from a blocking thread with the runtime's `block_on` (the engine's
//! searches are synchronous loops with deadlines). Every question of the seam's [`Snapshot`]
//! sees the database as it was when the snapshot began, whatever other servers write
//! meanwhile.

mod call_row;
mod calls;
mod cells;
mod conditions;
mod tagged;

use std::cell::{OnceCell, RefCell};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::Postgres;
use tokio::runtime::Handle;

use crate::store::postgres::partitions;
use crate::store::reads::{Order, ReadWork};
use crate::store::StoreError;

/// The storage's [`crate::store::Reads`] on PostgreSQL.
pub struct PgReads {
    pool: PgPool,
    running: Arc<AtomicUsize>,
}

impl PgReads {
    pub fn new(pool: PgPool) -> Self {
        Self {
            pool,
            running: Arc::new(AtomicUsize::new(0)),
        }
    }
}

/// Counts a read as running until it is dropped.
struct Running(Arc<AtomicUsize>);

impl Drop for Running {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One snapshot: the connection and the runtime that drives it.
pub struct PgSnapshot {
    runtime: Handle,
    conn: RefCell<PoolConnection<Postgres>>,
    /// The days with a partition of calls, ascending, once a read asked.
    days: OnceCell<Vec<i64>>,
}

impl PgSnapshot {
    /// Runs `future` (a query on the snapshot's connection) to its end on this thread.
    fn run<T>(
        &self,
        query: impl AsyncFnOnce(&mut sqlx::PgConnection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut conn = self
            .conn
            .try_borrow_mut()
            .map_err(|_| StoreError::Task("a snapshot was used from inside itself".into()))?;
        self.runtime.block_on(query(&mut **conn))
    }

    /// The hours of `window` on days that have calls, in `order`: what a probe of an index led
    /// by the hour visits.
    fn hours(&self, window: (i64, i64), order: Order) -> Result<Vec<i64>, StoreError> {
        let days = match self.days.get() {
            Some(days) => days,
            None => {
                let mut days = self.run(async |conn| partitions::days(conn, "requests").await)?;
                days.sort_unstable();
                self.days.get_or_init(|| days)
            }
        };
        Ok(conditions::hours_on_days(window, days, order))
    }
}

#[async_trait::async_trait]
impl crate::store::Reads for PgReads {
    async fn read_boxed(&self, work: ReadWork) -> Result<(), StoreError> {
        self.running.fetch_add(1, Ordering::SeqCst);
        let running = Running(Arc::clone(&self.running));
        let conn = self.pool.acquire().await?;
        let runtime = Handle::current();
        // Everything from BEGIN to ROLLBACK happens on the blocking thread, so the connection
        // goes back to the pool outside any transaction even when the caller stops waiting
        // (an export whose client left) or the work panics.
        tokio::task::spawn_blocking(move || {
            let _running = running;
            let snapshot = PgSnapshot {
                runtime,
                conn: RefCell::new(conn),
                days: OnceCell::new(),
            };
            if let Err(error) = snapshot.execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            {
                snapshot.conn.into_inner().close_on_drop();
                return Err(error);
            }
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| work(&snapshot)))
                .unwrap_or_else(|_| Err(StoreError::Task("a read panicked".into())));
            if snapshot.execute("ROLLBACK").is_err() {
                snapshot.conn.into_inner().close_on_drop();
            }
            result
        })
        .await
        .map_err(|error| StoreError::Task(error.to_string()))?
    }

    fn running(&self) -> usize {
        self.running.load(Ordering::SeqCst)
    }
}
