//! The seam's `Passwords` in SQLite: each answer is the function of the same name in
//! `sqlite::passwords`, on the sqlx pool.

use app::model::WorkspaceId;

use super::super::{passwords, SqliteStore};
use crate::store::{Passwords, StoreError};

#[async_trait::async_trait]
impl Passwords for SqliteStore {
    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &[u8],
        now_ms: i64,
    ) -> Result<u64, StoreError> {
        passwords::change_password(&self.pool, user_id, password_hash, keep_session, now_ms).await
    }

    async fn reset_member_password(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError> {
        passwords::reset_member_password(
            &self.pool,
            workspace_id.get(),
            user_id,
            password_hash,
            now_ms,
        )
        .await
    }
}
