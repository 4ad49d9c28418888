//! The seam's `Coordination` in SQLite, where one process owns the database: job passes are
//! still claimed in a table (harmless, and right if two processes ever serve one file), there
//! is no other server to signal, and the in-memory login limiter counts every attempt.

use super::super::SqliteStore;
use crate::store::{Coordination, Signal, SignalStream, StoreError};

#[async_trait::async_trait]
impl Coordination for SqliteStore {
    async fn claim_slot(&self, job: &str, slot: i64, server: &str) -> Result<bool, StoreError> {
        let claimed = sqlx::query(
            "INSERT INTO job_slots (job, slot, server) VALUES (?1, ?2, ?3) \
             ON CONFLICT (job) DO UPDATE SET slot = excluded.slot, server = excluded.server \
             WHERE job_slots.slot < excluded.slot",
        )
        .bind(job)
        .bind(slot)
        .bind(server)
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(claimed == 1)
    }

    async fn send_signal(&self, _origin: &str, _signal: &Signal) -> Result<(), StoreError> {
        Ok(())
    }

    async fn listen(&self) -> Result<Option<SignalStream>, StoreError> {
        Ok(None)
    }

    async fn reserve_login(
        &self,
        _keys: &[(String, usize)],
        _now_ms: i64,
        _window_ms: i64,
    ) -> Result<Result<(), u64>, StoreError> {
        Ok(Ok(()))
    }

    async fn forgive_login(&self, _key: &str) -> Result<(), StoreError> {
        Ok(())
    }

    async fn forget_logins_before(&self, _before_ms: i64) -> Result<u64, StoreError> {
        Ok(0)
    }
}
