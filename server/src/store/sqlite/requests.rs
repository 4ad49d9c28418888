//! Reading stored calls.

use super::StoreError;

/// Whether the workspace has any stored call.
pub async fn has_requests(pool: &sqlx::SqlitePool, workspace_id: i64) -> Result<bool, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM requests WHERE workspace_id = ?)")
            .bind(workspace_id)
            .fetch_one(pool)
            .await?,
    )
}
