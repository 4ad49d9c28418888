//! Workspace rows.

use app::model::WorkspaceInfo;
use sqlx::SqlitePool;

use super::StoreError;

/// The workspace with this id, if it exists.
pub async fn workspace_by_id(
    pool: &SqlitePool,
    id: i64,
) -> Result<Option<WorkspaceInfo>, StoreError> {
    let row: Option<(i64, String, i64)> =
        sqlx::query_as("SELECT id, name, retention_days FROM workspaces WHERE id = ?")
            .bind(id)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, name, retention_days)| WorkspaceInfo {
        id,
        name,
        retention_days: u32::try_from(retention_days).unwrap_or(u32::MAX),
    }))
}
