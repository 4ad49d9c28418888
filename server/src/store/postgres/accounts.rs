//! Users, sessions, memberships and workspaces in PostgreSQL: the seam's `Accounts`.
//! E-mail addresses are unique ignoring case through the index on `lower(email)`, so every
//! lookup compares `lower(email)`; session tokens arrive only as their SHA-256.

use app::model::{Member, Membership, Role, Viewer, WorkspaceId, WorkspaceInfo};

use super::PgStore;
use crate::store::{Accounts, StoreError, StoredUser};

/// Sessions that ended more than this long ago are purged.
const SESSION_PURGE_AFTER_MS: i64 = 86_400_000;

fn parse_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role {text}")))
}

fn workspace_info(id: i64, name: String, retention_days: i64) -> WorkspaceInfo {
    WorkspaceInfo {
        id,
        name,
        retention_days: u32::try_from(retention_days).unwrap_or(u32::MAX),
    }
}

#[async_trait::async_trait]
impl Accounts for PgStore {
    async fn user_by_email(&self, email: &str) -> Result<Option<StoredUser>, StoreError> {
        let row: Option<(i64, String, String, bool)> = sqlx::query_as(
            "SELECT id, email, password_hash, is_admin FROM users WHERE lower(email) = lower($1)",
        )
        .bind(email)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|(id, email, password_hash, is_admin)| StoredUser {
            id,
            email,
            password_hash,
            is_admin,
        }))
    }

    async fn user_count(&self) -> Result<i64, StoreError> {
        Ok(sqlx::query_scalar("SELECT count(*) FROM users")
            .fetch_one(&self.pool)
            .await?)
    }

    async fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        is_admin: bool,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        Ok(sqlx::query_scalar(
            "INSERT INTO users (email, password_hash, is_admin, created_at_ms) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (lower(email)) DO NOTHING RETURNING id",
        )
        .bind(email)
        .bind(password_hash)
        .bind(is_admin)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?)
    }

    async fn update_user(
        &self,
        user_id: i64,
        password_hash: &str,
        is_admin: Option<bool>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE users SET password_hash = $1, is_admin = coalesce($2, is_admin) WHERE id = $3",
        )
        .bind(password_hash)
        .bind(is_admin)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn set_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Role,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, $3) \
             ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
        )
        .bind(workspace_id.get())
        .bind(user_id)
        .bind(role.as_str())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn change_membership(
        &self,
        workspace_id: WorkspaceId,
        user_id: i64,
        role: Option<Role>,
    ) -> Result<Result<(), &'static str>, StoreError> {
        let workspace_id = workspace_id.get();
        let mut tx = self.pool.begin().await?;
        // Changes to one workspace's members queue on its row. SQLite has one writer, so a
        // transaction that read a stale admin count fails when it writes; under READ COMMITTED
        // two admins demoting each other at once would both count two admins and leave none.
        // `NO KEY UPDATE` does not wait for inserts that merely reference the workspace.
        sqlx::query("SELECT 1 FROM workspaces WHERE id = $1 FOR NO KEY UPDATE")
            .bind(workspace_id)
            .execute(&mut *tx)
            .await?;
        let current: Option<String> = sqlx::query_scalar(
            "SELECT role FROM memberships WHERE workspace_id = $1 AND user_id = $2",
        )
        .bind(workspace_id)
        .bind(user_id)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(current) = current else {
            return Ok(Err("user_id: not a member of this workspace"));
        };
        if role != Some(Role::Admin) && parse_role(&current)? == Role::Admin {
            let admins: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM memberships WHERE workspace_id = $1 AND role = 'admin'",
            )
            .bind(workspace_id)
            .fetch_one(&mut *tx)
            .await?;
            if admins <= 1 {
                return Ok(Err("user_id: a workspace keeps at least one admin"));
            }
        }
        let change = match role {
            Some(role) => sqlx::query(
                "UPDATE memberships SET role = $3 WHERE workspace_id = $1 AND user_id = $2",
            )
            .bind(workspace_id)
            .bind(user_id)
            .bind(role.as_str()),
            None => sqlx::query("DELETE FROM memberships WHERE workspace_id = $1 AND user_id = $2")
                .bind(workspace_id)
                .bind(user_id),
        };
        change.execute(&mut *tx).await?;
        tx.commit().await?;
        Ok(Ok(()))
    }

    async fn members(&self, workspace_id: WorkspaceId) -> Result<Vec<Member>, StoreError> {
        // SQLite orders these addresses with NOCASE: ASCII letters folded, then byte order.
        // `lower` under the "C" collation folds exactly the ASCII letters, whatever the
        // database's own collation.
        let rows: Vec<(i64, String, String)> = sqlx::query_as(
            "SELECT users.id, users.email, memberships.role FROM memberships \
             JOIN users ON users.id = memberships.user_id \
             WHERE memberships.workspace_id = $1 ORDER BY lower(users.email COLLATE \"C\")",
        )
        .bind(workspace_id.get())
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(user_id, email, text)| {
                Ok(Member {
                    user_id,
                    email,
                    role: parse_role(&text)?,
                })
            })
            .collect()
    }

    async fn create_session(
        &self,
        token_hash: &[u8],
        user_id: i64,
        now_ms: i64,
        expires_at_ms: i64,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(now_ms)
        .bind(expires_at_ms)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn session_viewer(
        &self,
        token_hash: &[u8],
        now_ms: i64,
    ) -> Result<Option<Viewer>, StoreError> {
        let user: Option<(i64, String, bool)> = sqlx::query_as(
            "SELECT users.id, users.email, users.is_admin FROM sessions \
             JOIN users ON users.id = sessions.user_id \
             WHERE sessions.token_hash = $1 AND sessions.revoked_at_ms IS NULL \
             AND sessions.expires_at_ms > $2",
        )
        .bind(token_hash)
        .bind(now_ms)
        .fetch_optional(&self.pool)
        .await?;
        let Some((user_id, email, is_admin)) = user else {
            return Ok(None);
        };
        Ok(Some(Viewer {
            user_id,
            email,
            is_admin,
            memberships: self.memberships(user_id).await?,
        }))
    }

    async fn memberships(&self, user_id: i64) -> Result<Vec<Membership>, StoreError> {
        let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
            "SELECT workspaces.id, workspaces.name, workspaces.retention_days, memberships.role \
             FROM memberships JOIN workspaces ON workspaces.id = memberships.workspace_id \
             WHERE memberships.user_id = $1 ORDER BY workspaces.id",
        )
        .bind(user_id)
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|(id, name, retention_days, text)| {
                Ok(Membership {
                    workspace: workspace_info(id, name, retention_days),
                    role: parse_role(&text)?,
                })
            })
            .collect()
    }

    async fn revoke_session(&self, token_hash: &[u8], now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 \
             WHERE token_hash = $2 AND revoked_at_ms IS NULL",
        )
        .bind(now_ms)
        .bind(token_hash)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    async fn revoke_sessions_of(&self, user_id: i64, now_ms: i64) -> Result<u64, StoreError> {
        let done = sqlx::query(
            "UPDATE sessions SET revoked_at_ms = $1 WHERE user_id = $2 \
             AND revoked_at_ms IS NULL AND expires_at_ms > $1",
        )
        .bind(now_ms)
        .bind(user_id)
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    async fn purge_sessions(&self, now_ms: i64) -> Result<u64, StoreError> {
        let done =
            sqlx::query("DELETE FROM sessions WHERE expires_at_ms < $1 OR revoked_at_ms < $1")
                .bind(now_ms - SESSION_PURGE_AFTER_MS)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }

    async fn create_workspace(
        &self,
        name: &str,
        admin_user: i64,
        now_ms: i64,
    ) -> Result<Option<i64>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO workspaces (name, created_at_ms) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING RETURNING id",
        )
        .bind(name)
        .bind(now_ms)
        .fetch_optional(&mut *tx)
        .await?;
        if let Some(id) = id {
            sqlx::query(
                "INSERT INTO memberships (workspace_id, user_id, role) VALUES ($1, $2, 'admin')",
            )
            .bind(id)
            .bind(admin_user)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    async fn set_retention(&self, workspace_id: WorkspaceId, days: u32) -> Result<(), StoreError> {
        sqlx::query("UPDATE workspaces SET retention_days = $1 WHERE id = $2")
            .bind(i64::from(days))
            .bind(workspace_id.get())
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    async fn workspace_by_id(&self, id: WorkspaceId) -> Result<Option<WorkspaceInfo>, StoreError> {
        let row: Option<(i64, String, i64)> =
            sqlx::query_as("SELECT id, name, retention_days FROM workspaces WHERE id = $1")
                .bind(id.get())
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.map(|(id, name, retention_days)| workspace_info(id, name, retention_days)))
    }

    async fn find_or_create_workspace(
        &self,
        name: &str,
        now_ms: i64,
    ) -> Result<WorkspaceId, StoreError> {
        sqlx::query(
            "INSERT INTO workspaces (name, created_at_ms) VALUES ($1, $2) \
             ON CONFLICT (name) DO NOTHING",
        )
        .bind(name)
        .bind(now_ms)
        .execute(&self.pool)
        .await?;
        let id = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = $1")
            .bind(name)
            .fetch_one(&self.pool)
            .await?;
        Ok(WorkspaceId::trusted(id))
    }

    async fn retention_by_workspace(&self) -> Result<Vec<(WorkspaceId, i64)>, StoreError> {
        let rows: Vec<(i64, i64)> =
            sqlx::query_as("SELECT id, retention_days FROM workspaces ORDER BY id")
                .fetch_all(&self.pool)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(id, days)| (WorkspaceId::trusted(id), days))
            .collect())
    }

    async fn find_workspace_id(&self, name: &str) -> Result<Option<WorkspaceId>, StoreError> {
        let id: Option<i64> = sqlx::query_scalar("SELECT id FROM workspaces WHERE name = $1")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(id.map(WorkspaceId::trusted))
    }
}
