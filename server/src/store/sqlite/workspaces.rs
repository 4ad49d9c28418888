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

/// The id of the workspace named `name`, created (with default retention) when missing.
pub async fn find_or_create_workspace(
    pool: &SqlitePool,
    name: &str,
    now_ms: i64,
) -> Result<i64, StoreError> {
    sqlx::query(
        "INSERT INTO workspaces (name, created_at_ms) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(now_ms)
    .execute(pool)
    .await?;
    let id = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = ?")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(id)
}

/// Every workspace with its raw-data retention in days.
pub async fn retention_by_workspace(pool: &SqlitePool) -> Result<Vec<(i64, i64)>, StoreError> {
    Ok(
        sqlx::query_as("SELECT id, retention_days FROM workspaces ORDER BY id")
            .fetch_all(pool)
            .await?,
    )
}

/// The id of the workspace named `name`.
pub async fn find_workspace_id(pool: &SqlitePool, name: &str) -> Result<Option<i64>, StoreError> {
    Ok(
        sqlx::query_scalar("SELECT id FROM workspaces WHERE name = ?")
            .bind(name)
            .fetch_optional(pool)
            .await?,
    )
}
