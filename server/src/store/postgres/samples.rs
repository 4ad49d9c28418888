//! The benchmark commands' questions, in PostgreSQL: the seam's `Samples`.

use app::model::WorkspaceId;

use super::PgStore;
use crate::store::samples::{Samples, StorageBytes};
use crate::store::StoreError;

#[async_trait::async_trait]
impl Samples for PgStore {
    async fn newest_cell_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT max(bucket_ms) FROM rollup_1m")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn newest_call_ms(&self, workspace_id: WorkspaceId) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT max(ts_ms) FROM requests WHERE workspace_id = $1")
                .bind(workspace_id.get())
                .fetch_one(&self.pool)
                .await?,
        )
    }

    async fn nth_newest_call_ms(
        &self,
        workspace_id: WorkspaceId,
        n: i64,
    ) -> Result<Option<i64>, StoreError> {
        // SQLite reads a negative OFFSET as 0; PostgreSQL refuses one.
        Ok(sqlx::query_scalar(
            "SELECT ts_ms FROM requests WHERE workspace_id = $1 \
             ORDER BY ts_ms DESC LIMIT 1 OFFSET $2",
        )
        .bind(workspace_id.get())
        .bind(n.max(0))
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn call_count(&self, with_ttft_and_usage: bool) -> Result<i64, StoreError> {
        let sql = if with_ttft_and_usage {
            "SELECT count(*) FROM requests WHERE ttft_ms IS NOT NULL AND total_tokens IS NOT NULL"
        } else {
            "SELECT count(*) FROM requests"
        };
        Ok(sqlx::query_scalar(sql).fetch_one(&self.pool).await?)
    }

    async fn request_id_at(&self, n: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT coalesce(request_id, request_uuid::text) FROM requests \
                 ORDER BY id DESC LIMIT 1 OFFSET $1",
        )
        .bind(n.max(0))
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn random_request_ids(&self, count: i64) -> Result<Vec<String>, StoreError> {
        // `count` row ids drawn from 1 to the largest one; those that exist are answered (as
        // in SQLite: ids missing, or drawn twice, make the answer shorter).
        Ok(sqlx::query_scalar(
            "SELECT coalesce(request_id, request_uuid::text) FROM requests WHERE id IN ( \
               SELECT floor(random() * (SELECT max(id) FROM requests))::BIGINT + 1 \
               FROM generate_series(1, $1))",
        )
        .bind(count)
        .fetch_all(&self.pool)
        .await?)
    }

    /// PostgreSQL has no write-ahead log to fold into the data files on request, as SQLite's
    /// `wal_checkpoint` does: the server checkpoints on its own schedule, and its WAL is not
    /// part of what a database's size reports. What a benchmark needs after a bulk load is the
    /// steady state it will measure, so this refreshes the planner's statistics (`ANALYZE`),
    /// which autovacuum would otherwise do at some later moment, changing plans mid-run.
    async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("ANALYZE").execute(&self.pool).await?;
        Ok(())
    }

    async fn storage_bytes(&self) -> Result<StorageBytes, StoreError> {
        // Partitions, their indexes and TOAST, summed per partitioned table.
        let part = |table: &str| {
            format!(
                "(SELECT coalesce(sum(pg_total_relation_size(inhrelid)), 0)::bigint \
                 FROM pg_inherits WHERE inhparent = '{table}'::regclass)"
            )
        };
        let (total, calls, bodies, rollups): (i64, i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT pg_database_size(current_database()), {}, {}, \
             (SELECT sum(pg_total_relation_size(c.oid))::bigint FROM pg_class c \
              WHERE c.relkind = 'r' AND c.relname LIKE 'rollup\\_%')",
            part("requests"),
            part("request_bodies")
        ))
        .fetch_one(&self.pool)
        .await?;
        let bytes = |value: i64| u64::try_from(value).unwrap_or(0);
        Ok(StorageBytes {
            total: bytes(total),
            calls: Some(bytes(calls)),
            bodies: Some(bytes(bodies)),
            rollups: Some(bytes(rollups)),
        })
    }
}
