//! Ingest API keys in PostgreSQL: the seam's `Keys`. Keys are made and hashed by
//! `store::keys`, so both storages make and check the same keys.

use app::model::{ApiKeyInfo, WorkspaceId};

use super::PgStore;
use crate::store::keys::{hash, random_key, SHOWN_CHARS};
use crate::store::{KeyOwner, Keys, NewKey, StoreError, KEY_PREFIX};

/// Tells every server (`Signal::KeyRevoked`, from the store itself) about each key the `revoked`
/// step of the statement revoked, when the revocation commits, whichever way it was asked for
/// (the dashboard, or `modelwatch keys revoke` from a shell).
const NOTIFY_REVOKED: &str = "SELECT revoked.id, pg_notify('modelwatch', \
     json_build_object('origin', 'store', 'signal', json_build_object('key', revoked.id))::text) \
     FROM revoked";

/// The last-used time is kept to the minute: one write a minute per key at most, however busy
/// the key.
const LAST_USED_RESOLUTION_MS: i64 = 60_000;

#[async_trait::async_trait]
impl Keys for PgStore {
    async fn create_key(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        now_ms: i64,
    ) -> Result<NewKey, StoreError> {
        let key = random_key();
        let id = sqlx::query_scalar(
            "INSERT INTO api_keys (workspace_id, name, prefix, key_hash, created_at_ms) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id",
        )
        .bind(workspace_id.get())
        .bind(name)
        .bind(&key[..SHOWN_CHARS])
        .bind(hash(&key))
        .bind(now_ms)
        .fetch_one(&self.pool)
        .await?;
        Ok(NewKey {
            id,
            workspace_id,
            key,
        })
    }

    async fn verify_key(&self, key: &str) -> Result<Option<KeyOwner>, StoreError> {
        if !key.starts_with(KEY_PREFIX) || key.len() > 128 {
            return Ok(None);
        }
        let row: Option<(i64, i64, Option<i64>)> = sqlx::query_as(
            "SELECT id, workspace_id, last_used_ms FROM api_keys \
             WHERE key_hash = $1 AND revoked_at_ms IS NULL",
        )
        .bind(hash(key))
        .fetch_optional(&self.pool)
        .await?;
        let Some((key_id, workspace_id, last_used)) = row else {
            return Ok(None);
        };
        let now = crate::clock::now_ms();
        if last_used.is_none_or(|last| now - last >= LAST_USED_RESOLUTION_MS) {
            // In the background: a write must never hold up (or block) an ingest call.
            let pool = self.pool.clone();
            tokio::spawn(async move {
                let written = sqlx::query("UPDATE api_keys SET last_used_ms = $1 WHERE id = $2")
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

    async fn list_keys(&self, workspace_id: WorkspaceId) -> Result<Vec<ApiKeyInfo>, StoreError> {
        type Row = (i64, String, String, i64, Option<i64>, Option<i64>);
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, name, prefix, created_at_ms, last_used_ms, revoked_at_ms FROM api_keys \
             WHERE workspace_id = $1 ORDER BY id DESC",
        )
        .bind(workspace_id.get())
        .fetch_all(&self.pool)
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

    async fn revoke_key_by_id(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let revoked = sqlx::query(&format!(
            "WITH revoked AS (UPDATE api_keys SET revoked_at_ms = $1 \
             WHERE id = $2 AND workspace_id = $3 AND revoked_at_ms IS NULL RETURNING id) \
             {NOTIFY_REVOKED}"
        ))
        .bind(now_ms)
        .bind(id)
        .bind(workspace_id.get())
        .fetch_all(&self.pool)
        .await?;
        Ok(revoked.len() == 1)
    }

    async fn revoke_key(&self, key_or_prefix: &str, now_ms: i64) -> Result<u64, StoreError> {
        let revoked = sqlx::query(&format!(
            "WITH revoked AS (UPDATE api_keys SET revoked_at_ms = $1 \
             WHERE revoked_at_ms IS NULL AND (key_hash = $2 OR prefix = $3) RETURNING id) \
             {NOTIFY_REVOKED}"
        ))
        .bind(now_ms)
        .bind(hash(key_or_prefix))
        .bind(key_or_prefix)
        .fetch_all(&self.pool)
        .await?;
        Ok(revoked.len() as u64)
    }
}
