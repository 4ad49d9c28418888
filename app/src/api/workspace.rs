//! Server functions about the signed-in user.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::api::AppError;
use crate::model::Viewer;

/// The signed-in user with their workspaces and roles; `None` when signed out (the login
/// page renders the same application shell).
#[server(input = GetUrl, endpoint = "current_viewer")]
pub async fn current_viewer() -> Result<Option<Viewer>, AppError> {
    Ok(use_context::<http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<Viewer>().cloned()))
}
