//! Passwords after sign-up: a user changing their own (the current one checked as a login
//! checks it, and counted against the same limits) and an admin resetting a member's (a random
//! password, shown once). Both end the sessions the old password opened.

use app::api::backend::{BackendError, PasswordChange};
use app::model::{ResetPassword, Viewer, WorkspaceId};

use super::Engine;
use crate::auth::limiter::{account_key, counted_keys, Refused, WINDOW_MS};

/// Logs the full error and hands the UI only its generic kind.
fn internal(error: impl std::fmt::Display) -> BackendError {
    tracing::error!(%error, "a password change failed");
    BackendError::Internal
}

/// The limiter's refusal as the UI sees it (429 with `Retry-After`).
fn refused(refusal: Refused) -> BackendError {
    match refusal {
        Refused::TooMany { retry_after_secs } => BackendError::TooMany {
            reason: format!(
                "current_password: too many attempts; try again in {retry_after_secs} seconds"
            ),
            retry_after_secs,
        },
        Refused::Busy { retry_after_secs } => BackendError::TooMany {
            reason: format!(
                "the server is busy checking passwords; try again in {retry_after_secs} seconds"
            ),
            retry_after_secs,
        },
    }
}

impl Engine {
    /// Changes `change.user_id`'s password at `now_ms` (see `Backend::change_password`).
    pub async fn change_own_password(
        &self,
        change: PasswordChange,
        now_ms: i64,
    ) -> Result<u64, BackendError> {
        let PasswordChange {
            user_id,
            email,
            current_password,
            new_password,
            keep_session,
            client,
        } = change;
        // A slot first, so an attempt refused for load is not counted against the account.
        let _slot = self.limiter.verification_slot().await.map_err(refused)?;
        self.limiter
            .reserve(Some(&email), &client, now_ms)
            .map_err(refused)?;
        let keys = counted_keys(Some(&email), &client);
        match self.storage.reserve_login(&keys, now_ms, WINDOW_MS).await {
            Ok(Ok(())) => {}
            Ok(Err(retry_after_secs)) => {
                return Err(refused(Refused::TooMany { retry_after_secs }))
            }
            Err(error) => return Err(internal(error)),
        }
        let user = self
            .storage
            .user_by_email(&email)
            .await
            .map_err(internal)?
            .filter(|user| user.id == user_id)
            .ok_or_else(|| internal(format!("user {user_id} has no account under its address")))?;
        self.limiter.count_verification();
        let matches =
            crate::auth::password::verify(current_password, Some(user.password_hash)).await;
        if !matches {
            tracing::info!(user_id, %client, "password change refused: wrong current password");
            return Err(BackendError::Invalid(
                "current_password: not your current password".into(),
            ));
        }
        self.forgive(&email).await;
        let hash = crate::auth::password::hash(new_password)
            .await
            .map_err(internal)?;
        let ended = self
            .storage
            .change_password(user_id, &hash, &keep_session, now_ms)
            .await
            .map_err(internal)?;
        tracing::info!(user_id, ended, "password changed");
        Ok(ended)
    }

    /// Resets the password of member `user_id` of `ws` for admin `by` at `now_ms` (see
    /// `Backend::reset_member_password`).
    pub async fn reset_password_of(
        &self,
        ws: WorkspaceId,
        by: &Viewer,
        user_id: i64,
        now_ms: i64,
    ) -> Result<ResetPassword, BackendError> {
        if user_id == by.user_id {
            return Err(BackendError::Invalid(
                "user_id: change your own password under Account".into(),
            ));
        }
        let member = self
            .storage
            .members(ws)
            .await
            .map_err(internal)?
            .into_iter()
            .find(|member| member.user_id == user_id)
            .ok_or(BackendError::NotFound)?;
        self.may_reset(by, user_id, &member.email).await?;
        let password = crate::auth::random_password();
        let hash = {
            // Hashing is the same work as a login's check: it takes one of the same slots.
            let _slot = self.limiter.verification_slot().await.map_err(refused)?;
            crate::auth::password::hash(password.clone())
                .await
                .map_err(internal)?
        };
        let ended = self
            .storage
            .reset_member_password(ws, user_id, &hash, now_ms)
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)?;
        // A member locked out by failed logins may sign in with the new password at once.
        self.forgive(&member.email).await;
        tracing::info!(
            user_id,
            by = by.user_id,
            ended,
            "password reset by an admin"
        );
        Ok(ResetPassword {
            user_id,
            email: member.email,
            password,
        })
    }

    /// Whether admin `by` may reset the password of `user_id` (`email`): only when `by`
    /// administers every workspace the member belongs to, and a server administrator's only
    /// when `by` is one too; else taking over the account would reach further than `by` does.
    async fn may_reset(&self, by: &Viewer, user_id: i64, email: &str) -> Result<(), BackendError> {
        let target = self
            .storage
            .user_by_email(email)
            .await
            .map_err(internal)?
            .ok_or(BackendError::NotFound)?;
        if target.is_admin && !by.is_admin {
            return Err(BackendError::Forbidden(
                "user_id: only a server administrator may reset a server administrator's password"
                    .into(),
            ));
        }
        let theirs = self.storage.memberships(user_id).await.map_err(internal)?;
        let beyond = theirs.iter().any(|membership| {
            by.membership(Some(membership.workspace.id))
                .is_none_or(|mine| mine.role != app::model::Role::Admin)
        });
        if beyond {
            return Err(BackendError::Forbidden(
                "user_id: they are also a member of a workspace you do not administer".into(),
            ));
        }
        Ok(())
    }

    /// Forgets the failed attempts counted against `email` (in this process and in the
    /// database), as a successful login does.
    async fn forgive(&self, email: &str) {
        self.limiter.succeeded(email);
        if let Err(error) = self.storage.forgive_login(&account_key(email)).await {
            tracing::warn!(%error, "a password change left failed attempts counted");
        }
    }
}
