//! Who is asking (ssr only): the signed-in user the session middleware put on the request,
//! their access to the workspace a call names, and the HTTP status of refusals.

use leptos::prelude::*;

use crate::api::backend::BackendError;
use crate::model::{Role, Viewer, WorkspaceId};

/// Sets the status of the server function's HTTP answer.
pub fn answer_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// A refusal with `status` and a reason.
pub fn refuse<T>(status: http::StatusCode, reason: impl Into<String>) -> Result<T, ServerFnError> {
    answer_status(status);
    Err(ServerFnError::new(reason.into()))
}

/// What a call may do in the workspace it names.
#[derive(Clone, Debug)]
pub struct Access {
    pub workspace_id: WorkspaceId,
    pub role: Role,
    pub viewer: Viewer,
}

/// The signed-in user (401 without one).
pub fn viewer() -> Result<Viewer, ServerFnError> {
    let viewer = use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned());
    match viewer {
        Some(viewer) => Ok(viewer),
        None => refuse(http::StatusCode::UNAUTHORIZED, "sign in first"),
    }
}

/// Access to workspace `ws` (the user's default when `None`) with at least `needed`: 403 for
/// a workspace the user is not a member of, or a role that is not enough.
pub fn access(ws: Option<i64>, needed: Role) -> Result<Access, ServerFnError> {
    let viewer = viewer()?;
    let Some(membership) = viewer.membership(ws) else {
        return refuse(http::StatusCode::FORBIDDEN, "ws: not a workspace of yours");
    };
    if !membership.role.allows(needed) {
        return refuse(
            http::StatusCode::FORBIDDEN,
            "only an admin of this workspace may do this",
        );
    }
    Ok(Access {
        workspace_id: WorkspaceId::trusted(membership.workspace.id),
        role: membership.role,
        viewer: viewer.clone(),
    })
}

/// Access for a call whose page query string names the workspace (`ws=`).
pub fn access_for_query(query: &str, needed: Role) -> Result<Access, ServerFnError> {
    match crate::url_state::workspace_param(query) {
        Ok(ws) => access(ws, needed),
        Err(error) => refuse(http::StatusCode::BAD_REQUEST, error.to_string()),
    }
}

/// The engine's answer with its status: 404 for what does not exist, 400 for what cannot be
/// done as asked.
pub fn answer<T>(result: Result<T, BackendError>) -> Result<T, ServerFnError> {
    match result {
        Ok(value) => Ok(value),
        Err(BackendError::NotFound) => refuse(http::StatusCode::NOT_FOUND, "not found"),
        Err(BackendError::Invalid(reason)) => refuse(http::StatusCode::BAD_REQUEST, reason),
        Err(error) => Err(error.into()),
    }
}
