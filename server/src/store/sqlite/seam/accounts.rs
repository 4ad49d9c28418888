//! The seam's `Accounts` and `Keys` in SQLite: each answer is the function of the same name in
//! `sqlite::accounts`, `sqlite::workspaces` or `sqlite::api_keys`, on the sqlx pool.

use app::model::{ApiKeyInfo, Member, Membership, Role, Viewer, WorkspaceId, WorkspaceInfo};

use super::super::{accounts, api_keys, workspaces, SqliteStore};
use crate::store::{Accounts, KeyOwner, Keys, NewKey, StoreError, StoredUser};

#[async_trait::async_trait]
impl Accounts for SqliteStore {
    async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
        accounts::user_by_email(&self.pool, email).await
    }

    async fn user_count(&self) -> Result<i64, StoreError> {
        accounts::user_count(&self.pool).await
    }

    async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        is_admin: bool,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        accounts::create_user(&self.pool, email, password_hash, is_admin, now_ms).await
    }

    async fn update_user(
        &self,
        user_id: i64,
        password_hash: &str,
        is_admin: Option<bool>,
    ) -> Result<(), StoreError> {
        accounts::update_user(&self.pool, user_id, password_hash, is_admin).await
    }

    async fn set_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Role,
    ) -> Result<(), StoreError> {
        accounts::set_membership(&self.pool, workspace_id.get(), user_id, role).await
    }

    async fn change_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<Result<(), &'static str>, StoreError> {
        accounts::change_membership(&self.pool, workspace_id.get(), user_id, role).await
    }

    async fn members(&self, workspace_id: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        accounts::members(&self.pool, workspace_id.get()).await
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        accounts::create_session(&self.pool, token_hash, user_id, now_ms, expires_at_ms).await
    }

    async fn session_viewer(
        &self,
        token_hash: &[u8],
        now_ms: i64,
    ) -> Result<Option<Viewer>, StoreError> {
        accounts::session_viewer(&self.pool, token_hash, now_ms).await
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        accounts::memberships(&self.pool, user_id).await
    }

    async fn revoke_session(&self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        accounts::revoke_session(&self.pool, token_hash, now_ms).await
    }

    async fn revoke_sessions_of(&self, user_id: i64, now_ms: i64) -> Result<u64, StoreError> {
        accounts::revoke_sessions_of(&self.pool, user_id, now_ms).await
    }

    async fn purge_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        accounts::purge_sessions(&self.pool, now_ms).await
    }

    async fn create_workspace(
        &self,
        name: &str,
        admin_user: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        accounts::create_workspace(&self.pool, name, admin_user, now_ms).await
    }

    async fn set_retention(&self, workspace_id: WorkspaceId, days: u32) -> Result<(), StoreError> {
        accounts::set_retention(&self.pool, workspace_id.get(), days).await
    }

    async fn workspace_by_id(&self, id: WorkspaceId) -> Result<Option<WorkspaceInfo>, StoreError> {
        workspaces::workspace_by_id(&self.pool, id.get()).await
    }

    async fn find_or_create_workspace(
        &self,
        name: &str,
        now_ms: i64,
    ) -> Result<WorkspaceId, StoreError> {
        workspaces::find_or_create_workspace(&self.pool, name, now_ms)
            .await
            .map(WorkspaceId::trusted)
    }

    async fn retention_by_workspace(&self) -> Result<Vec<(WorkspaceId, i64)>, StoreError> {
        let workspaces = workspaces::retention_by_workspace(&self.pool).await?;
        Ok(workspaces
            .into_iter()
            .map(|(id, days)| (WorkspaceId::trusted(id), days))
            .collect())
    }

    async fn find_workspace_id(&self, name: &str) -> Result<Option<WorkspaceId>, StoreError> {
        let id = workspaces::find_workspace_id(&self.pool, name).await?;
        Ok(id.map(WorkspaceId::trusted))
    }
}

#[async_trait::async_trait]
impl Keys for SqliteStore {
    async fn create_key(
        &self,
        workspace_id: WorkspaceId,
        name: &str,
        now_ms: i64,
    ) -> Result<NewKey, StoreError> {
        api_keys::create_key(&self.pool, workspace_id.get(), name, now_ms).await
    }

    async fn verify_key(&self, key: &str) -> Result<Option<KeyOwner>, StoreError> {
        api_keys::verify_key(&self.pool, key).await
    }

    async fn list_keys(&self, workspace_id: WorkspaceId) -> Result<Vec<ApiKeyInfo>, StoreError> {
        api_keys::list_keys(&self.pool, workspace_id.get()).await
    }

    async fn revoke_key_by_id(
        &self,
        workspace_id: WorkspaceId,
        id: i64,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        api_keys::revoke_key_by_id(&self.pool, workspace_id.get(), id, now_ms).await
    }

    async fn revoke_key(&self, key_or_prefix: &str, now_ms: i64) -> Result<u64, StoreError> {
        api_keys::revoke_key(&self.pool, key_or_prefix, now_ms).await
    }
}
