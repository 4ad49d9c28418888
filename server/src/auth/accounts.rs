//! Account operations shared by the CLI, first run and Settings: adding users with hashed
//! passwords, the first administrator.

use anyhow::{bail, Context};
use app::model::{validate_email, Role, MIN_PASSWORD_CHARS};
use sqlx::SqlitePool;

use crate::clock::now_ms;
use crate::store::{self, accounts::StoredUser};

/// Creates `email` with `password` (or sets the password of an existing account) and gives
/// it `role` in `workspace` (created when missing). Returns the user.
pub async fn add_user(
    pool: &SqlitePool,
    email: &str,
    password: &str,
    is_admin: bool,
    workspace: &str,
    role: Role,
) -> anyhow::Result<StoredUser> {
    let email = email.trim().to_lowercase();
    validate_email(&email).map_err(anyhow::Error::msg)?;
    if password.chars().count() < MIN_PASSWORD_CHARS {
        bail!("password: at least {MIN_PASSWORD_CHARS} characters");
    }
    let hash = super::password::hash(password.to_owned()).await?;
    let now = now_ms();
    let id = match store::accounts::create_user(pool, &email, &hash, is_admin, now).await? {
        Some(id) => id,
        None => {
            let existing = store::accounts::user_by_email(pool, &email)
                .await?
                .context("the user vanished")?;
            store::accounts::update_user(pool, existing.id, &hash, is_admin.then_some(true))
                .await?;
            existing.id
        }
    };
    let workspace_id = store::workspaces::find_or_create_workspace(pool, workspace, now).await?;
    let role = if is_admin { Role::Admin } else { role };
    store::accounts::set_membership(pool, workspace_id, id, role).await?;
    store::accounts::user_by_email(pool, &email)
        .await?
        .context("the user vanished")
}

/// On first run (no user at all): creates `email` as administrator of the default workspace
/// with a random password, and returns that password to be shown once.
pub async fn first_admin(pool: &SqlitePool, email: &str) -> anyhow::Result<Option<String>> {
    if store::accounts::user_count(pool).await? > 0 {
        return Ok(None);
    }
    let password = super::random_password();
    add_user(pool, email, &password, true, "default", Role::Admin).await?;
    Ok(Some(password))
}
