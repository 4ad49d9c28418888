//! `GET /api/v1/logs/call?id=<request id>&ws=<workspace>`: one call as a JSON file to download,
//! everything the details panel shows (bodies included), for a member of the workspace. The
//! path holds no dot: the session middleware treats a dotted last segment as a static file.

use app::url_state::{QueryParams, MAX_REQUEST_ID_CHARS};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};

use super::AppState;
use crate::clock::now_ms;
use crate::error::ApiError;

/// The download's path.
pub const PATH: &str = "/api/v1/logs/call";

/// The download's route.
pub fn router() -> Router<AppState> {
    Router::new().route(PATH, get(download))
}

/// The file name for a call: its request ID with anything but ASCII letters, digits, `-` and
/// `_` replaced by `_`, so the header stays plain and no path can be formed.
fn file_name(request_id: &str) -> String {
    let safe: String = request_id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_') {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("modelwatch-call-{safe}.json")
}

/// The request ID asked for: 1 to 128 characters once trimmed (400 otherwise).
fn request_id(params: &QueryParams) -> Result<String, ApiError> {
    params
        .get("id")
        .map(str::trim)
        .filter(|id| !id.is_empty() && id.chars().count() <= MAX_REQUEST_ID_CHARS)
        .map(str::to_owned)
        .ok_or_else(|| ApiError::bad_request("id: a request ID of 1 to 128 characters"))
}

async fn download(
    State(state): State<AppState>,
    Extension(viewer): Extension<app::model::Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = query.unwrap_or_default();
    let workspace_id = crate::http::session::readable_workspace(&viewer, &query)?;
    let request_id = request_id(&QueryParams::parse(&query))?;
    let name = file_name(&request_id);
    let detail = state
        .engine
        .log_detail(workspace_id, request_id, now_ms())
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "id: no call with this request ID is kept",
            )
        })?;
    let body = serde_json::to_vec_pretty(&detail).map_err(ApiError::internal)?;
    let mut response = body.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::file_name;

    #[test]
    fn file_names_keep_only_plain_characters_of_the_request_id() {
        assert_eq!(file_name("req_abc-1"), "modelwatch-call-req_abc-1.json");
        assert_eq!(
            file_name("../a\"b/c d.e"),
            "modelwatch-call-___a_b_c_d_e.json"
        );
        assert_eq!(file_name("模型"), "modelwatch-call-__.json");
    }
}
