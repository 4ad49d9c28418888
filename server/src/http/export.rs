//! `GET /api/v1/logs/export?format=csv|jsonl&bodies=0|1&<the Logs filter>`: the handler. It
//! checks the workspace and the filter, holds one of the user's export places, and runs
//! [`crate::export::write_all`] on a read connection, handing its chunks to the response
//! through a small channel: a slow client slows the reader, and one that stops reading for
//! [`AppState::export_stall`] ends the export.

use app::url_state::{LogsFilter, QueryParams};
use axum::body::{Body, Bytes};
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderValue};
use axum::response::Response;
use axum::routing::get;
use axum::{Extension, Router};

use super::AppState;
use crate::clock::now_ms;
use crate::engine::logs::LogScope;
use crate::error::ApiError;
use crate::export::{Format, Layout, CHANNEL_CHUNKS};

/// The export's route.
pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/logs/export", get(export))
}

/// Whether the export includes bodies: `bodies=1` (or `0`, the default); anything else is a
/// 400 naming the parameter.
fn with_bodies(params: &QueryParams) -> Result<bool, ApiError> {
    match params.get("bodies") {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(_) => Err(ApiError::bad_request("bodies: must be 0 or 1")),
    }
}

/// The export's file name: what it holds and when.
fn file_name(scope: &LogScope, format: Format) -> String {
    let stamp = |ms: i64| {
        chrono::DateTime::from_timestamp_millis(ms)
            .map(|time| time.format("%Y%m%dT%H%MZ").to_string())
            .unwrap_or_else(|| ms.to_string())
    };
    format!(
        "modelwatch-logs-{}-{}.{}",
        stamp(scope.calls.from_ms),
        stamp(scope.calls.to_ms),
        format.extension()
    )
}

async fn export(
    State(state): State<AppState>,
    Extension(viewer): Extension<app::model::Viewer>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let query = query.unwrap_or_default();
    let workspace_id = crate::http::session::readable_workspace(&viewer, &query)?;
    let slot = state.exports.open(viewer.user_id)?;
    let params = QueryParams::parse(&query);
    let format = match params.get("format") {
        None => Format::Csv,
        Some(value) => Format::parse(value)
            .ok_or_else(|| ApiError::bad_request("format: must be csv or jsonl"))?,
    };
    let layout = Layout {
        format,
        bodies: with_bodies(&params)?,
    };
    let filter =
        LogsFilter::from_query(&query).map_err(|error| ApiError::bad_request(error.to_string()))?;
    let engine = &state.engine;
    let (scope, _) = engine
        .log_scope(workspace_id, &filter, now_ms())
        .await
        .map_err(ApiError::internal)?;
    let name = file_name(&scope, format);
    let (sender, mut receiver) =
        tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(CHANNEL_CHUNKS);
    let stall = state.export_stall;
    let engine = engine.clone();
    let runtime = tokio::runtime::Handle::current();
    tokio::spawn(async move {
        let _slot = slot;
        let chunks = sender.clone();
        let sink = move |chunk: Vec<u8>| {
            // On the export's own thread: wait for room, but not forever.
            let sent = runtime.block_on(async {
                tokio::time::timeout(stall, chunks.send(Ok(Bytes::from(chunk)))).await
            });
            match sent {
                Ok(sent) => sent.is_ok(),
                Err(_) => {
                    tracing::info!(
                        stall_secs = stall.as_secs_f64(),
                        "export ended: the client stopped reading"
                    );
                    false
                }
            }
        };
        let result = crate::export::run(&engine, scope, layout, sink).await;
        if let Err(error) = result {
            tracing::error!(%error, "export failed");
            // Breaks the download rather than ending it as if it were complete.
            let _ = sender
                .send(Err(std::io::Error::other("export failed")))
                .await;
        }
    });
    let stream = futures_util::stream::poll_fn(move |context| receiver.poll_recv(context));
    let mut response = Response::new(Body::from_stream(stream));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}
