//! `POST /api/v1/requests`: the ingest API.

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::{Extension, Json, Router};
use serde::Serialize;

use super::parse::{self, ParseError};
use super::record::{Rejection, Source};
use super::slots::DecodeSlots;
use super::writer::{IngestHandle, SubmitError};
use crate::engine::Engine;
use crate::error::ApiError;
use crate::store::KeyOwner;
use crate::store::Pending;

/// Largest body accepted, checked while reading.
pub const MAX_BODY_BYTES: usize = 10 * 1024 * 1024;

/// What the ingest API answers.
#[derive(Debug, Serialize)]
pub struct IngestReply {
    pub accepted: usize,
    pub duplicates: usize,
    pub rejected: usize,
    pub errors: Vec<Rejection>,
}

/// The ingest API's routes, for any router state that holds the engine and the writer.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    Engine: FromRef<S>,
    IngestHandle: FromRef<S>,
{
    Router::new()
        .route("/api/v1/requests", post(ingest))
        .layer(Extension(DecodeSlots::for_this_machine("bodies")))
}

async fn ingest(
    State(engine): State<Engine>,
    State(writer): State<IngestHandle>,
    Extension(slots): Extension<DecodeSlots>,
    headers: HeaderMap,
    body: Body,
) -> Result<Json<IngestReply>, ApiError> {
    let owner = authenticate(&engine, &headers).await?;
    if let Some(encoding) = headers.get(header::CONTENT_ENCODING) {
        if encoding.as_bytes() != b"identity" {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Content-Encoding is not supported here; send the body uncompressed",
            ));
        }
    }
    let bytes = read_body(
        &headers,
        body,
        MAX_BODY_BYTES,
        "send fewer records per call",
    )
    .await?;
    let ndjson = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("ndjson") || value.contains("jsonlines"));
    let now_ms = chrono::Utc::now().timestamp_millis();
    let (pending, errors) = decode(&slots, bytes, ndjson, now_ms, owner).await?;
    if pending.is_empty() {
        let rejected = errors.len();
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            format!("all {rejected} records were rejected; nothing was stored"),
        )
        .with_details(serde_json::json!({
            "accepted": 0,
            "duplicates": 0,
            "rejected": rejected,
            "errors": errors,
        })));
    }

    let stored = writer.submit(pending).await.map_err(submit_error)?;
    let accepted = stored.iter().filter(|stored| **stored).count();
    Ok(Json(IngestReply {
        accepted,
        duplicates: stored.len() - accepted,
        rejected: errors.len(),
        errors,
    }))
}

/// Splits and validates a body into records for the writer and rejections, on a blocking
/// thread once a decode slot is free.
async fn decode(
    slots: &DecodeSlots,
    bytes: axum::body::Bytes,
    ndjson: bool,
    now_ms: i64,
    owner: KeyOwner,
) -> Result<(Vec<Pending>, Vec<Rejection>), ApiError> {
    // Held by the blocking task: the slot stays taken until the work ends, even when the
    // client leaves.
    let slot = slots.acquire().await?;
    tokio::task::spawn_blocking(move || {
        let _slot = slot;
        let items = parse::split(&bytes, ndjson).map_err(parse_error)?;
        let mut pending = Vec::with_capacity(items.len());
        let mut errors = Vec::new();
        for (index, item) in items.into_iter().enumerate() {
            let outcome = item
                .map_err(|message| Rejection {
                    index,
                    field: String::new(),
                    message,
                })
                .and_then(|record| {
                    record
                        .validate(now_ms, Source::Api)
                        .map_err(|error| Rejection::new(index, error))
                });
            match outcome {
                Ok(record) => pending.push(Pending {
                    workspace_id: owner.workspace_id,
                    ingest_key_id: Some(owner.key_id),
                    record,
                }),
                Err(rejection) => errors.push(rejection),
            }
        }
        Ok((pending, errors))
    })
    .await
    .map_err(ApiError::internal)?
}

/// The workspace key of `Authorization: Bearer <key>`, or a 401 saying what is wrong.
pub(crate) async fn authenticate(
    engine: &Engine,
    headers: &HeaderMap,
) -> Result<KeyOwner, ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "missing API key: send Authorization: Bearer <workspace API key>",
        ));
    };
    let key = value
        .to_str()
        .ok()
        .and_then(|value| value.strip_prefix("Bearer "))
        .map(str::trim)
        .ok_or_else(|| {
            ApiError::unauthorized("the Authorization header must be: Bearer <workspace API key>")
        })?;
    engine
        .keys()
        .verify(engine.storage().as_ref(), key)
        .await
        .map_err(ApiError::internal)?
        .ok_or_else(|| ApiError::unauthorized("invalid or revoked API key"))
}

/// Reads the whole body, refusing (413) a declared or streamed body over `limit` bytes while
/// reading it; `advice` tells the client what to do instead.
pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
    advice: &str,
) -> Result<axum::body::Bytes, ApiError> {
    let too_large = || {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the body is larger than {limit} bytes; {advice}"),
        )
    };
    let declared = headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return Err(too_large());
    }
    axum::body::to_bytes(body, limit).await.map_err(|error| {
        let is_limit = std::error::Error::source(&error)
            .is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
        if is_limit {
            too_large()
        } else {
            ApiError::bad_request(format!("could not read the body: {error}"))
        }
    })
}

fn parse_error(error: ParseError) -> ApiError {
    match error {
        ParseError::TooMany(_) | ParseError::TooManyValues => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, error.to_string())
        }
        _ => ApiError::bad_request(error.to_string()),
    }
}

/// The answer to a submission the writer refused: 503 + `Retry-After` when full or stopping.
pub(crate) fn submit_error(error: SubmitError) -> ApiError {
    match error {
        SubmitError::QueueFull => {
            ApiError::unavailable("the ingest queue is full; retry shortly", 1)
        }
        SubmitError::Stopped => {
            ApiError::unavailable("the server is shutting down; retry shortly", 5)
        }
        SubmitError::TooLarge(_) => ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, error.to_string()),
        SubmitError::Storage => {
            ApiError::unavailable("storage failed; nothing was stored, retry", 5)
        }
    }
}
