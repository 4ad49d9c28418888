//! Server functions about the signed-in user.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::Viewer;

/// The signed-in user with their workspaces and roles (401 without a session).
#[server(input = GetUrl, endpoint = "current_viewer")]
pub async fn current_viewer() -> Result<Viewer, ServerFnError> {
    crate::api::access::viewer()
}
