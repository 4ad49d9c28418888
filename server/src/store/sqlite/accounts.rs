//! Users, their memberships in workspaces, and login sessions, in SQLite. Passwords arrive here already
//! hashed (`auth::password`); session tokens only as their SHA-256.

use app::model::{Member, Membership, Role, Viewer, WorkspaceInfo};
use sqlx::SqlitePool;

use super::StoreError;
use crate::store::StoredUser;

fn parse_role(text: &str) -> Result<Role, StoreError> {
    Role::parse(text).ok_or_else(|| StoreError::Corrupt(format!("role {text}")))
}

/// The user with this e-mail address (any case).
pub async fn user_by_email(
    pool: &SqlitePool,
    email: &str,
) -> Result<Option<StoredUser>, StoreError> {
    let row: Option<(i64, String, String, bool)> =
        sqlx::query_as("SELECT id, email, password_hash, is_admin FROM users WHERE email = ?")
            .bind(email)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(id, email, password_hash, is_admin)| StoredUser {
        id,
        email,
        password_hash,
        is_admin,
    }))
}

/// How many users exist.
pub async fn user_count(pool: &SqlitePool) -> Result<i64, StoreError> {
    Ok(sqlx::query_scalar("SELECT count(*) FROM users")
        .fetch_one(pool)
        .await?)
}

/// Creates a user; `None` when the address is taken.
pub async fn create_user(
    pool: &SqlitePool,
    email: &str,
    password_hash: &str,
    is_admin: bool,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    Ok(sqlx::query_scalar(
        "INSERT INTO users (email, password_hash, is_admin, created_at_ms) VALUES (?, ?, ?, ?) \
         ON CONFLICT (email) DO NOTHING RETURNING id",
    )
    .bind(email)
    .bind(password_hash)
    .bind(is_admin)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?)
}

/// Sets a user's password hash (and admin flag when given).
pub async fn update_user(
    pool: &SqlitePool,
    user_id: i64,
    password_hash: &str,
    is_admin: Option<bool>,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE users SET password_hash = ?, is_admin = coalesce(?, is_admin) WHERE id = ?",
    )
    .bind(password_hash)
    .bind(is_admin)
    .bind(user_id)
    .execute(pool)
    .await?;
    Ok(())
}

/// Gives `user_id` `role` in `workspace_id` (replacing any role it had there).
pub async fn set_membership(
    pool: &SqlitePool,
    workspace_id: i64,
    user_id: i64,
    role: Role,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, ?, ?) \
         ON CONFLICT (workspace_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(workspace_id)
    .bind(user_id)
    .bind(role.as_str())
    .execute(pool)
    .await?;
    Ok(())
}

/// Changes a member's role, or removes them (`None`), unless that would leave the workspace
/// without an admin. Returns false when the user is not a member; `Err(LastAdmin)`-like
/// refusals come back as `Ok(Err(reason))`.
pub async fn change_membership(
    pool: &SqlitePool,
    workspace_id: i64,
    user_id: i64,
    role: Option<Role>,
) -> Result<Result<(), &'static str>, StoreError> {
    let mut tx = pool.begin().await?;
    let current: Option<String> =
        sqlx::query_scalar("SELECT role FROM memberships WHERE workspace_id = ? AND user_id = ?")
            .bind(workspace_id)
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(current) = current else {
        return Ok(Err("user_id: not a member of this workspace"));
    };
    if role != Some(Role::Admin) && parse_role(&current)? == Role::Admin {
        let admins: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM memberships WHERE workspace_id = ? AND role = 'admin'",
        )
        .bind(workspace_id)
        .fetch_one(&mut *tx)
        .await?;
        if admins <= 1 {
            return Ok(Err("user_id: a workspace keeps at least one admin"));
        }
    }
    match role {
        Some(role) => {
            sqlx::query("UPDATE memberships SET role = ? WHERE workspace_id = ? AND user_id = ?")
                .bind(role.as_str())
                .bind(workspace_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
        None => {
            sqlx::query("DELETE FROM memberships WHERE workspace_id = ? AND user_id = ?")
                .bind(workspace_id)
                .bind(user_id)
                .execute(&mut *tx)
                .await?;
        }
    }
    tx.commit().await?;
    Ok(Ok(()))
}

/// The members of `workspace_id`, by address.
pub async fn members(pool: &SqlitePool, workspace_id: i64) -> Result<Vec<Member>, StoreError> {
    let rows: Vec<(i64, String, String)> = sqlx::query_as(
        "SELECT users.id, users.email, memberships.role FROM memberships \
         JOIN users ON users.id = memberships.user_id \
         WHERE memberships.workspace_id = ? ORDER BY users.email",
    )
    .bind(workspace_id)
    .fetch_all(pool)
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

/// Stores a new session for `user_id`.
pub async fn create_session(
    pool: &SqlitePool,
    token_hash: &[u8],
    user_id: i64,
    now_ms: i64,
    expires_at_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at_ms, expires_at_ms) \
         VALUES (?, ?, ?, ?)",
    )
    .bind(token_hash)
    .bind(user_id)
    .bind(now_ms)
    .bind(expires_at_ms)
    .execute(pool)
    .await?;
    Ok(())
}

/// The signed-in user of a live session (not revoked, not expired at `now_ms`), with their
/// workspaces.
pub async fn session_viewer(
    pool: &SqlitePool,
    token_hash: &[u8],
    now_ms: i64,
) -> Result<Option<Viewer>, StoreError> {
    let user: Option<(i64, String, bool)> = sqlx::query_as(
        "SELECT users.id, users.email, users.is_admin FROM sessions \
         JOIN users ON users.id = sessions.user_id \
         WHERE sessions.token_hash = ? AND sessions.revoked_at_ms IS NULL \
         AND sessions.expires_at_ms > ?",
    )
    .bind(token_hash)
    .bind(now_ms)
    .fetch_optional(pool)
    .await?;
    let Some((user_id, email, is_admin)) = user else {
        return Ok(None);
    };
    Ok(Some(Viewer {
        user_id,
        email,
        is_admin,
        memberships: memberships(pool, user_id).await?,
    }))
}

/// The workspaces of `user_id`, oldest first.
pub async fn memberships(pool: &SqlitePool, user_id: i64) -> Result<Vec<Membership>, StoreError> {
    let rows: Vec<(i64, String, i64, String)> = sqlx::query_as(
        "SELECT workspaces.id, workspaces.name, workspaces.retention_days, memberships.role \
         FROM memberships JOIN workspaces ON workspaces.id = memberships.workspace_id \
         WHERE memberships.user_id = ? ORDER BY workspaces.id",
    )
    .bind(user_id)
    .fetch_all(pool)
    .await?;
    rows.into_iter()
        .map(|(id, name, retention_days, text)| {
            Ok(Membership {
                workspace: WorkspaceInfo {
                    id,
                    name,
                    retention_days: u32::try_from(retention_days).unwrap_or(u32::MAX),
                },
                role: parse_role(&text)?,
            })
        })
        .collect()
}

/// Revokes one session.
pub async fn revoke_session(
    pool: &SqlitePool,
    token_hash: &[u8],
    now_ms: i64,
) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE sessions SET revoked_at_ms = ? WHERE token_hash = ? AND revoked_at_ms IS NULL",
    )
    .bind(now_ms)
    .bind(token_hash)
    .execute(pool)
    .await?;
    Ok(())
}

/// Revokes every session of `user_id`; returns how many were live.
pub async fn revoke_sessions_of(
    pool: &SqlitePool,
    user_id: i64,
    now_ms: i64,
) -> Result<u64, StoreError> {
    let done = sqlx::query(
        "UPDATE sessions SET revoked_at_ms = ? WHERE user_id = ? AND revoked_at_ms IS NULL \
         AND expires_at_ms > ?",
    )
    .bind(now_ms)
    .bind(user_id)
    .bind(now_ms)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Removes sessions that ended more than a day before `now_ms`.
pub async fn purge_sessions(pool: &SqlitePool, now_ms: i64) -> Result<u64, StoreError> {
    let done = sqlx::query("DELETE FROM sessions WHERE expires_at_ms < ?1 OR revoked_at_ms < ?1")
        .bind(now_ms - 86_400_000)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

/// Creates a workspace named `name` with `admin_user` as its admin; `None` when the name is
/// taken.
pub async fn create_workspace(
    pool: &SqlitePool,
    name: &str,
    admin_user: i64,
    now_ms: i64,
) -> Result<Option<i64>, StoreError> {
    let mut tx = pool.begin().await?;
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO workspaces (name, created_at_ms) VALUES (?, ?) \
         ON CONFLICT (name) DO NOTHING RETURNING id",
    )
    .bind(name)
    .bind(now_ms)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(id) = id {
        sqlx::query("INSERT INTO memberships (workspace_id, user_id, role) VALUES (?, ?, 'admin')")
            .bind(id)
            .bind(admin_user)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(id)
}

/// Sets the raw-data retention of `workspace_id`.
pub async fn set_retention(
    pool: &SqlitePool,
    workspace_id: i64,
    days: u32,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE workspaces SET retention_days = ? WHERE id = ?")
        .bind(i64::from(days))
        .bind(workspace_id)
        .execute(pool)
        .await?;
    Ok(())
}
