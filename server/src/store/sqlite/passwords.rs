//! Password changes in SQLite: the new hash and the sessions the change ends, in one
//! transaction (`store::Passwords`).

use sqlx::SqlitePool;

use super::StoreError;

/// Ends the live sessions of `user_id` at `now_ms` but the one whose hash is `keep` (none kept
/// for `None`); returns how many ended.
async fn end_sessions(
    conn: &mut sqlx::SqliteConnection,
    user_id: i64,
    keep: Option<&[u8]>,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at_ms = ?1 WHERE user_id = ?2 AND revoked_at_ms IS NULL \
         AND expires_at_ms > ?1 AND (?3 IS NULL OR token_hash <> ?3)",
    )
    .bind(now_ms)
    .bind(user_id)
    .bind(keep)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Sets `user_id`'s password hash and ends their other sessions (all but `keep_session`).
pub async fn change_password(
    pool: &SqlitePool,
    user_id: i64,
    password_hash: &str,
    keep_session: &[u8],
    now_ms: i64,
) -> Result<u64, StoreError> {
    let mut tx = pool.begin().await?;
    sqlx::query("UPDATE users SET password_hash = ? WHERE id = ?")
        .bind(password_hash)
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    let ended = end_sessions(&mut tx, user_id, Some(keep_session), now_ms).await?;
    tx.commit().await?;
    Ok(ended)
}

/// Sets the password hash of member `user_id` of `workspace_id` and ends all their sessions;
/// `None` when they are not a member there.
pub async fn reset_member_password(
    pool: &SqlitePool,
    workspace_id: i64,
    user_id: i64,
    password_hash: &str,
    now_ms: i64,
) -> Result<Option<u64>, StoreError> {
    let mut tx = pool.begin().await?;
    let updated = sqlx::query(
        "UPDATE users SET password_hash = ?1 WHERE id = ?2 AND EXISTS \
         (SELECT 1 FROM memberships WHERE workspace_id = ?3 AND user_id = ?2)",
    )
    .bind(password_hash)
    .bind(user_id)
    .bind(workspace_id)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() == 0 {
        return Ok(None);
    }
    let ended = end_sessions(&mut tx, user_id, None, now_ms).await?;
    tx.commit().await?;
    Ok(Some(ended))
}
