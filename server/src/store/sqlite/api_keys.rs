//! Ingest API keys: random, shown once, stored as a SHA-256 hash, revocable.

use app::model::{ApiKeyInfo, WorkspaceId};
use sqlx::SqlitePool;

use crate::store::keys::{hash, random_key, KeyOwner, NewKey, KEY_PREFIX, SHOWN_CHARS};
use crate::store::StoreError;

/// Creates a key named `name` for `workspace_id`.
pub async fn create_key(
    pool: &SqlitePool,
    workspace_id: i64,
    name: &str,
    now_ms: i64,
) -> Result<NewKey, StoreError> {
    let key = random_key();
    let id = sqlx::query_scalar(
        "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, created_at_ms) \
         VALUES (?, ?, ?, ?, ?) RETURNING id",
    )
    .bind(workspace_id)
    .bind(name)
    .bind(&key[..SHOWN_CHARS])
    .bind(hash(&key))
    .bind(now_ms)
    .fetch_one(pool)
    .await?;
    Ok(NewKey {
        id,
        workspace_id: WorkspaceId::trusted(workspace_id),
        key,
    })
}

/// The owner of `key`, when it exists and is not revoked.
pub async fn verify_key(pool: &SqlitePool, key: &str) -> Result<Option<KeyOwner>, StoreError> {
    if !key.starts_with(KEY_PREFIX) || key.len() > 128 {
        return Ok(None);
    }
    let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
        "SELECT id, workspace_id, last_used_ms FROM api_keys \
         WHERE key_hash = ? AND revoked_at_ms IS NULL",
    )
    .bind(hash(key))
    .fetch_optional(pool)
    .await?;
    let Some((key_id, workspace_id, last_used)) = row else {
        return Ok(None);
    };
    // The last-used time is kept to the minute: one write a minute per key at most, however
    // busy the key.
    let now = crate::clock::now_ms();
    if last_used.is_none_or(|last| now - last >= 60_000) {
        // In the background: a write must never hold up (or block) an ingest call.
        let pool = pool.clone();
        tokio::spawn(async move {
            let written = sqlx::query("UPDATE api_keys SET last_used_ms = ? WHERE id = ?")
                .bind(now)
                .bind(key_id)
                .execute(&pool)
                .await;
            if let Err(error) = written {
                tracing::warn!(%error, key_id, "could not record a key's last use");
            }
        });
    }
    Ok(Some(KeyOwner {
        key_id,
        workspace_id: WorkspaceId::trusted(workspace_id),
    }))
}

/// The keys of `workspace_id`, newest first (revoked ones too, marked).
pub async fn list_keys(
    pool: &SqlitePool,
    workspace_id: i64,
) -> Result<Vec<ApiKeyInfo>, StoreError> {
    type Row = (i64, String, String, i64, Option<i64>, Option<i64>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, name, prefix, created_at_ms, last_used_ms, revoked_at_ms FROM api_keys \
         WHERE workspace_id = ? ORDER BY id DESC",
    )
    .bind(workspace_id)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, name, prefix, created_at_ms, last_used_ms, revoked_at_ms)| ApiKeyInfo {
                id,
                name,
                prefix,
                created_at_ms,
                last_used_ms,
                revoked_at_ms,
            },
        )
        .collect())
}

/// Revokes key `id` of `workspace_id`; false when it is not that workspace's live key.
pub async fn revoke_key_by_id(
    pool: &SqlitePool,
    workspace_id: i64,
    id: i64,
    now_ms: i64,
) -> Result<bool, StoreError> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at_ms = ? \
         WHERE id = ? AND workspace_id = ? AND revoked_at_ms IS NULL",
    )
    .bind(now_ms)
    .bind(id)
    .bind(workspace_id)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Revokes the key whose clear prefix or full text is `key_or_prefix`. Returns how many keys
/// were revoked (0 when none matched or it was revoked already).
pub async fn revoke_key(
    pool: &SqlitePool,
    key_or_prefix: &str,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE api_keys SET revoked_at_ms = ? \
         WHERE revoked_at_ms IS NULL AND (key_hash = ? OR prefix = ?)",
    )
    .bind(now_ms)
    .bind(hash(key_or_prefix))
    .bind(key_or_prefix)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}
