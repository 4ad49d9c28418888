//! Users, their memberships in workspaces, login sessions and the workspaces themselves.
//! Passwords arrive already hashed (`auth::password`); session tokens only as their SHA-256.

use app::model::WorkspaceId;
use app::model::{Member, Membership, Role, Viewer, WorkspaceInfo};

use super::StoreError;

/// A user as login needs it.
#[derive(Clone, Debug)]
pub struct StoredUser {
    pub id: i64,
    pub email: String,
    pub password_hash: String,
    pub is_admin: bool,
}

/// Users, sessions, memberships and workspaces.
#[async_trait::async_trait]
pub trait Accounts: Send + Sync {
    /// The user with this e-mail address (any case).
    async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError>;

    /// How many users exist.
    async fn user_count(&self) -> Result<i64, StoreError>;

    /// Creates a user; `None` when the address is taken.
    async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        is_admin: bool,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// Sets a user's password hash (and admin flag when given).
    async fn update_user(
        &self,
        user_id: i64,
        password_hash: &str,
        is_admin: Option<bool>,
    ) -> Result<(), StoreError>;

    /// Gives `user_id` `role` in `workspace_id` (replacing any role it had there).
    async fn set_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Role,
    ) -> Result<(), StoreError>;

    /// Changes a member's role, or removes them (`None`), unless that would leave the workspace
    /// without an admin. Returns false when the user is not a member; `Err(LastAdmin)`-like
    /// refusals come back as `Ok(Err(reason))`.
    async fn change_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<Result<(), &'static str>, StoreError>;

    /// The members of `workspace_id`, by address.
    async fn members(&self, workspace_id: WorkspaceId) -> Result<Vec<Member>, StoreError>;

    /// Stores a new session for `user_id`.
    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError>;

    /// The signed-in user of a live session (not revoked, not expired at `now_ms`), with their
    /// workspaces.
    async fn session_viewer(
        &self,
        token_hash: &[u8],
        now_ms: i64,
    ) -> Result<Option<Viewer>, StoreError>;

    /// The workspaces of `user_id`, oldest first.
    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError>;

    /// Revokes one session.
    async fn revoke_session(&self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError>;

    /// Revokes every session of `user_id`; returns how many were live.
    async fn revoke_sessions_of(&self, user_id: i64, now_ms: i64) -> Result<u64, StoreError>;

    /// Removes sessions that ended more than a day before `now_ms`.
    async fn purge_sessions(&self, now_ms: i64) -> Result<u64, StoreError>;

    /// Creates a workspace named `name` with `admin_user` as its admin; `None` when the name is
    /// taken.
    async fn create_workspace(
        &self,
        name: &str,
        admin_user: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError>;

    /// Sets the raw-data retention of `workspace_id`.
    async fn set_retention(&self, workspace_id: WorkspaceId, days: u32) -> Result<(), StoreError>;

    /// The workspace with this id, if it exists.
    async fn workspace_by_id(&self, id: WorkspaceId) -> Result<Option<WorkspaceInfo>, StoreError>;

    /// The id of the workspace named `name`, created (with default retention) when missing.
    async fn find_or_create_workspace(
        &self,
        name: &str,
        now_ms: i64,
    ) -> Result<WorkspaceId, StoreError>;

    /// Every workspace with its raw-data retention in days.
    async fn retention_by_workspace(&self) -> Result<Vec<(WorkspaceId, i64)>, StoreError>;

    /// The id of the workspace named `name`.
    async fn find_workspace_id(&self, name: &str) -> Result<Option<WorkspaceId>, StoreError>;
}
