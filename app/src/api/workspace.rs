//! Server functions about the current workspace.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::WorkspaceInfo;

/// The workspace the dashboard is showing.
#[server(input = GetUrl, endpoint = "get_workspace")]
pub async fn get_workspace() -> Result<WorkspaceInfo, ServerFnError> {
    Ok(crate::api::backend::backend()?.current_workspace().await?)
}
