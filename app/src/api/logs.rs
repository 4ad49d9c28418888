//! Server functions of the Logs tab.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::api::AppError;
use crate::model::{LogDetail, LogPage};

/// One page of the Logs table for the filter and page in `query` (the page's own query
/// string, without `?`). An invalid filter is answered with 400 and the parameter at fault.
#[server(input = GetUrl, endpoint = "list_logs")]
pub async fn list_logs(query: String) -> Result<LogPage, AppError> {
    use crate::api::access::{access_for_query, answer, refuse};
    let access = access_for_query(&query, crate::model::Role::Viewer)?;
    let filter = match crate::url_state::LogsFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => return refuse(error.into()),
    };
    answer(
        crate::api::backend::backend()?
            .logs(access.workspace_id, filter)
            .await,
    )
}

/// Everything stored about the call with `request_id` in workspace `ws`; 404 when retention
/// no longer keeps it (or it never arrived).
#[server(input = GetUrl, endpoint = "get_log")]
pub async fn get_log(request_id: String, ws: Option<i64>) -> Result<LogDetail, AppError> {
    use crate::api::access::{access, answer, invalid, refuse};
    let access = access(ws, crate::model::Role::Viewer)?;
    let request_id = request_id.trim().to_owned();
    if request_id.is_empty() || request_id.chars().count() > crate::url_state::MAX_REQUEST_ID_CHARS
    {
        return invalid("id: a request ID is 1 to 128 characters");
    }
    match crate::api::backend::backend()?
        .log(access.workspace_id, request_id)
        .await
    {
        Err(crate::api::backend::BackendError::NotFound) => refuse(AppError::NotFound(
            "no call with this request ID is kept".into(),
        )),
        other => answer(other),
    }
}
