//! Server functions for passwords: a signed-in user changing their own (Settings, Account), an
//! admin resetting a member's (Settings, Members).

use leptos::prelude::*;

use crate::api::AppError;
use crate::model::ResetPassword;

/// Sets the signed-in user's password to `new_password` (the rules of new accounts) when
/// `current_password` is theirs, checked and counted against the login limits as a login is.
/// Every other session of theirs ends; this one stays. Returns how many sessions ended.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<u64, AppError> {
    use crate::api::access::{answer, invalid, request_session, viewer};
    use crate::api::backend::PasswordChange;
    let viewer = viewer()?;
    let session = request_session()?;
    if current_password.is_empty() || current_password.len() > crate::model::MAX_PASSWORD_BYTES {
        return invalid("current_password: your password now, at most 1024 bytes");
    }
    if let Err(reason) = crate::model::validate_new_password("new_password", &new_password) {
        return invalid(reason);
    }
    answer(
        crate::api::backend::backend()?
            .change_password(PasswordChange {
                user_id: viewer.user_id,
                email: viewer.email,
                current_password,
                new_password,
                keep_session: session.token_hash,
                client: session.client,
            })
            .await,
    )
}

/// Gives member `user_id` of workspace `ws` a new random password, returned once, and ends
/// all their sessions (admins of the workspace only, and only for members whose every
/// workspace they administer).
#[server(endpoint = "reset_member_password")]
pub async fn reset_member_password(
    ws: Option<i64>,
    user_id: i64,
) -> Result<ResetPassword, AppError> {
    use crate::api::access::{access, answer};
    let access = access(ws, crate::model::Role::Admin)?;
    answer(
        crate::api::backend::backend()?
            .reset_member_password(access.workspace_id, access.viewer, user_id)
            .await,
    )
}
