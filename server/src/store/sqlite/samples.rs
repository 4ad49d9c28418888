//! The benchmark commands' questions, in SQLite.

use app::model::WorkspaceId;

use super::encoding::REQUEST_ID_TEXT;
use super::SqliteStore;
use crate::store::samples::{Samples, StorageBytes};
use crate::store::StoreError;

#[async_trait::async_trait]
impl Samples for SqliteStore {
    async fn newest_cell_ms(&self) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar("SELECT max(bucket_ms) FROM rollup_1m")
            .fetch_one(self.pool())
            .await?)
    }

    async fn newest_call_ms(&self, workspace_id: WorkspaceId) -> Result<Option<i64>, StoreError> {
        Ok(
            sqlx::query_scalar("SELECT max(ts_ms) FROM requests WHERE workspace_id = ?")
                .bind(workspace_id.get())
                .fetch_one(self.pool())
                .await?,
        )
    }

    async fn nth_newest_call_ms(
        &self,
        workspace_id: WorkspaceId,
        n: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "SELECT ts_ms FROM requests WHERE workspace_id = ? ORDER BY ts_ms DESC LIMIT 1 OFFSET ?",
        )
        .bind(workspace_id.get())
        .bind(n)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn call_count(&self, with_ttft_and_usage: bool) -> Result<i64, StoreError> {
        let sql = if with_ttft_and_usage {
            "SELECT count(*) FROM requests WHERE ttft_ms IS NOT NULL AND total_tokens IS NOT NULL"
        } else {
            "SELECT count(*) FROM requests"
        };
        Ok(sqlx::query_scalar(sql).fetch_one(self.pool()).await?)
    }

    async fn request_id_at(&self, n: i64) -> Result<Option<String>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "SELECT {REQUEST_ID_TEXT} FROM requests ORDER BY id DESC LIMIT 1 OFFSET ?"
        ))
        .bind(n)
        .fetch_optional(self.pool())
        .await?)
    }

    async fn random_request_ids(&self, count: i64) -> Result<Vec<String>, StoreError> {
        Ok(sqlx::query_scalar(&format!(
            "WITH RECURSIVE picks(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM picks WHERE n < ?) \
             SELECT {REQUEST_ID_TEXT} FROM requests WHERE id IN (SELECT abs(random()) % \
             (SELECT max(id) FROM requests) + 1 FROM picks)"
        ))
        .bind(count)
        .fetch_all(self.pool())
        .await?)
    }

    async fn checkpoint(&self) -> Result<(), StoreError> {
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(self.pool())
            .await?;
        Ok(())
    }

    async fn storage_bytes(&self) -> Result<StorageBytes, StoreError> {
        let total = ["", "-wal"]
            .iter()
            .filter_map(|suffix| {
                std::fs::metadata(format!("{}{suffix}", self.path().display())).ok()
            })
            .map(|meta| meta.len())
            .sum();
        Ok(StorageBytes {
            total,
            ..StorageBytes::default()
        })
    }
}
