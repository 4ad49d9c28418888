//! Who is asking (ssr only): the signed-in user the session middleware put on the request,
//! their access to the workspace a call names, and the HTTP status of refusals.

use leptos::prelude::*;

use crate::api::backend::BackendError;
use crate::api::AppError;
use crate::model::{Role, Viewer, WorkspaceId};

/// Sets the status of the server function's HTTP answer.
pub fn answer_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// The status a refusal is answered with; `None` leaves it to Leptos (500 for a server
/// function, the page's own status while a page renders).
pub fn status_of(error: &AppError) -> Option<http::StatusCode> {
    match error {
        AppError::Unauthorized => Some(http::StatusCode::UNAUTHORIZED),
        AppError::Forbidden(_) => Some(http::StatusCode::FORBIDDEN),
        AppError::NotFound(_) => Some(http::StatusCode::NOT_FOUND),
        AppError::Invalid(_) => Some(http::StatusCode::BAD_REQUEST),
        AppError::TooMany(_) => Some(http::StatusCode::TOO_MANY_REQUESTS),
        AppError::Internal | AppError::Transport(_) => None,
    }
}

/// Refuses the call with `error`, answered with its status.
pub fn refuse<T>(error: AppError) -> Result<T, AppError> {
    if let Some(status) = status_of(&error) {
        answer_status(status);
    }
    Err(error)
}

/// A 400 refusal: `reason` says which field is wrong and why (`field: reason`).
pub fn invalid<T>(reason: impl Into<String>) -> Result<T, AppError> {
    refuse(AppError::Invalid(reason.into()))
}

/// What a call may do in the workspace it names.
#[derive(Clone, Debug)]
pub struct Access {
    pub workspace_id: WorkspaceId,
    pub role: Role,
    pub viewer: Viewer,
}

/// The signed-in user (401 without one).
pub fn viewer() -> Result<Viewer, AppError> {
    let viewer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned());
    match viewer {
        Some(viewer) => Ok(viewer),
        None => refuse(AppError::Unauthorized),
    }
}

/// Access to workspace `ws` (the user's default when `None`) with at least `needed`: 403 for
/// a workspace the user is not a member of, or a role that is not enough.
pub fn access(ws: Option<i64>, needed: Role) -> Result<Access, AppError> {
    let viewer = viewer()?;
    let Some(membership) = viewer.membership(ws) else {
        return refuse(AppError::Forbidden("ws: not a workspace of yours".into()));
    };
    if !membership.role.allows(needed) {
        return refuse(AppError::Forbidden(
            "only an admin of this workspace may do this".into(),
        ));
    }
    Ok(Access {
        workspace_id: WorkspaceId::trusted(membership.workspace.id),
        role: membership.role,
        viewer: viewer.clone(),
    })
}

/// Access for a call whose page query string names the workspace (`ws=`).
pub fn access_for_query(query: &str, needed: Role) -> Result<Access, AppError> {
    match crate::url_state::workspace_param(query) {
        Ok(ws) => access(ws, needed),
        Err(error) => refuse(error.into()),
    }
}

/// The engine's answer with its status: 404 for what does not exist, 400 for what cannot be
/// done as asked, 429 with `Retry-After` for too many attempts; an internal failure (logged by
/// the engine) stays generic.
pub fn answer<T>(result: Result<T, BackendError>) -> Result<T, AppError> {
    result.or_else(|error| match error {
        BackendError::NotFound => refuse(AppError::NotFound("not found".into())),
        BackendError::Forbidden(reason) => refuse(AppError::Forbidden(reason)),
        BackendError::Invalid(reason) => invalid(reason),
        BackendError::TooMany {
            reason,
            retry_after_secs,
        } => {
            if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
                response.insert_header(
                    http::header::RETRY_AFTER,
                    http::HeaderValue::from(retry_after_secs),
                );
            }
            refuse(AppError::TooMany(reason))
        }
        BackendError::Internal => Err(AppError::Internal),
    })
}

/// What the session middleware knows of a signed-in request beyond its user: the SHA-256 of
/// its session token (the session a password change keeps) and the client's address
/// (password checks count against it as login attempts do).
#[derive(Clone, Debug)]
pub struct RequestSession {
    pub token_hash: Vec<u8>,
    pub client: String,
}

/// The signed-in request's session (401 without one).
pub fn request_session() -> Result<RequestSession, AppError> {
    let session = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<RequestSession>().cloned());
    match session {
        Some(session) => Ok(session),
        None => refuse(AppError::Unauthorized),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_keep_the_statuses_they_always_had() {
        let status = |error: AppError| status_of(&error).map(|status| status.as_u16());
        assert_eq!(status(AppError::Unauthorized), Some(401));
        assert_eq!(status(AppError::Forbidden("no".into())), Some(403));
        assert_eq!(status(AppError::NotFound("gone".into())), Some(404));
        assert_eq!(status(AppError::Invalid("a: b".into())), Some(400));
        assert_eq!(status(AppError::Internal), None);
    }

    #[test]
    fn the_engines_errors_map_to_their_variants() {
        assert_eq!(
            answer::<()>(Err(BackendError::NotFound)),
            Err(AppError::NotFound("not found".into()))
        );
        assert_eq!(
            answer::<()>(Err(BackendError::Invalid("channels: not yours".into()))),
            Err(AppError::Invalid("channels: not yours".into()))
        );
        assert_eq!(
            answer::<()>(Err(BackendError::Internal)),
            Err(AppError::Internal)
        );
        assert_eq!(answer(Ok(7)), Ok(7));
    }
}
