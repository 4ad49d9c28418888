//! `GET /healthz`: is the server up and does the database answer?

use crate::store::SharedStorage;
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};

/// 200 with `{"status":"ok"}` when the database answers, 503 otherwise.
pub async fn healthz(State(storage): State<SharedStorage>) -> (StatusCode, Json<Value>) {
    match storage.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ok", "database": "ok" })),
        ),
        Err(error) => {
            tracing::error!(%error, "health check: database unavailable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({ "status": "unavailable", "database": "unavailable" })),
            )
        }
    }
}
