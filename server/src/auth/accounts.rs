//! Account operations shared by the CLI, first run and Settings: adding users with hashed
//! passwords, the first administrator.

use anyhow::Context;
use app::model::{validate_email, validate_new_password, Role};

use crate::clock::now_ms;
use crate::store::{Storage, StoredUser};

/// Creates `email` with `password` (or sets the password of an existing account) and gives
/// it `role` in `workspace` (created when missing). Returns the user.
pub async fn add_user(
    storage: &dyn Storage,
    email: &str,
    password: &str,
    is_admin: bool,
    workspace: &str,
    role: Role,
) -> anyhow::Result<StoredUser> {
    let email = email.trim().to_lowercase();
    validate_email(&email).map_err(anyhow::Error::msg)?;
    validate_new_password("password", password).map_err(anyhow::Error::msg)?;
    let hash = super::password::hash(password.to_owned()).await?;
    let now = now_ms();
    let id = match storage.create_user(&email, &hash, is_admin, now).await? {
        Some(id) => id,
        None => {
            let existing = storage
                .user_by_email(&email)
                .await?
                .context("the user vanished")?;
            storage
                .update_user(existing.id, &hash, is_admin.then_some(true))
                .await?;
            existing.id
        }
    };
    let workspace_id = storage.find_or_create_workspace(workspace, now).await?;
    let role = if is_admin { Role::Admin } else { role };
    storage.set_membership(workspace_id, id, role).await?;
    storage
        .user_by_email(&email)
        .await?
        .context("the user vanished")
}

/// On first run (no user at all): creates `email` as administrator of the default workspace
/// with a random password, and returns that password to be shown once.
pub async fn first_admin(storage: &dyn Storage, email: &str) -> anyhow::Result<Option<String>> {
    if storage.user_count().await? > 0 {
        return Ok(None);
    }
    let password = super::random_password();
    add_user(storage, email, &password, true, "default", Role::Admin).await?;
    Ok(Some(password))
}
