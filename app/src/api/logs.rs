//! Server functions of the Logs tab.

use leptos::prelude::*;
use leptos::server_fn::codec::GetUrl;

use crate::model::{LogDetail, LogPage};

/// Sets the status of the server function's HTTP answer.
#[cfg(feature = "ssr")]
fn answer_status(status: http::StatusCode) {
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(status);
    }
}

/// One page of the Logs table for the filter and page in `query` (the page's own query
/// string, without `?`). An invalid filter is answered with 400 and the parameter at fault.
#[server(input = GetUrl, endpoint = "list_logs")]
pub async fn list_logs(query: String) -> Result<LogPage, ServerFnError> {
    let filter = match crate::url_state::LogsFilter::from_query(&query) {
        Ok(filter) => filter,
        Err(error) => {
            answer_status(http::StatusCode::BAD_REQUEST);
            return Err(ServerFnError::new(error.to_string()));
        }
    };
    Ok(crate::api::backend::backend()?.logs(filter).await?)
}

/// Everything stored about the call with `request_id`; 404 when retention no longer keeps it
/// (or it never arrived).
#[server(input = GetUrl, endpoint = "get_log")]
pub async fn get_log(request_id: String) -> Result<LogDetail, ServerFnError> {
    use crate::api::backend::BackendError;
    let request_id = request_id.trim().to_owned();
    if request_id.is_empty() || request_id.chars().count() > crate::url_state::MAX_REQUEST_ID_CHARS
    {
        answer_status(http::StatusCode::BAD_REQUEST);
        return Err(ServerFnError::new(
            "id: a request ID is 1 to 128 characters",
        ));
    }
    match crate::api::backend::backend()?.log(request_id).await {
        Ok(detail) => Ok(detail),
        Err(BackendError::NotFound) => {
            answer_status(http::StatusCode::NOT_FOUND);
            Err(ServerFnError::new("no call with this request ID is kept"))
        }
        Err(error) => Err(error.into()),
    }
}
