//! Password changes in PostgreSQL: the seam's `Passwords`. The new hash and the sessions the
//! change ends go in one transaction; every server reads sessions from the database on each
//! request, so an ended session is refused everywhere at once.

use app::model::WorkspaceId;

use super::PgStore;
use crate::store::{Passwords, StoreError};

/// Ends the live sessions of `user_id` at `now_ms` but the one whose hash is `keep` (none kept
/// for `None`); returns how many ended.
async fn end_sessions(
    conn: &mut sqlx::PgConnection,
    user_id: i64,
    keep: Option<&[u8]>,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at_ms = $1 WHERE user_id = $2 AND revoked_at_ms IS NULL \
         AND expires_at_ms > $1 AND ($3::BYTEA IS NULL OR token_hash <> $3)",
    )
    .bind(now_ms)
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

#[async_trait::async_trait]
impl Passwords for PgStore {
    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &[u8],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(password_hash)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let ended = end_sessions(&mut tx, user_id, Some(keep_session), now_ms).await?;
        tx.commit().await?;
        Ok(ended)
    }

    async fn reset_member_password(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let updated = sqlx::query(
            "UPDATE users SET password_hash = $1 WHERE id = $2 AND EXISTS \
             (SELECT 1 FROM memberships WHERE workspace_id = $3 AND user_id = $2)",
        )
        .bind(password_hash)
        .bind(user_id)
        .bind(workspace_id.get())
        .execute(&mut *tx)
        .await?;
        if updated.rows_affected() == 0 {
            return Ok(None);
        }
        let ended = end_sessions(&mut tx, user_id, None, now_ms).await?;
        tx.commit().await?;
        Ok(Some(ended))
    }
}
