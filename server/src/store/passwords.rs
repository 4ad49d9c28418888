//! Passwords after sign-up: a user changing their own, an admin resetting a member's. Each sets
//! the new hash (already made by `auth::password`) and ends the sessions it must, in one
//! transaction, so no session signed in with the old password outlives the change.

use app::model::WorkspaceId;

use super::StoreError;

/// Password changes and the sessions they end.
#[async_trait::async_trait]
pub trait Passwords: Send + Sync {
    /// Sets `user_id`'s password hash and ends every live session of theirs but `keep_session`
    /// (the SHA-256 of the token of the session that asked); returns how many ended.
    async fn change_password(
        &self,
        user_id: i64,
        password_hash: &str,
        keep_session: &[u8],
        now_ms: i64,
    ) -> Result<u64, StoreError>;

    /// Sets the password hash of member `user_id` of `workspace_id` and ends every live session
    /// of theirs; returns how many ended, or `None` (nothing changed) when they are not a
    /// member of that workspace.
    async fn reset_member_password(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        password_hash: &str,
        now_ms: i64,
    ) -> Result<Option<u64>, StoreError>;
}
