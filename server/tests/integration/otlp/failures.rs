//! Failed calls as instrumentation libraries report them, over the real router: a span with
//! status ERROR, no attributes, the GenAI name and an `exception` event is stored with the
//! status of its SDK error, so the Logs tab's 429 filter finds it.

use axum::http::StatusCode;
use serde_json::json;

use super::fixtures::*;
use crate::helpers::{now_ms, spawn_app};

#[tokio::test]
async fn an_error_span_with_nothing_but_a_name_is_stored_as_a_429() {
    let app = spawn_app().await;
    let start_ns = (now_ms() - 5_000) as u64 * 1_000_000;
    let message = "Error code: 429 - {'error': {'code': 'rate_limit_exceeded'}}";
    let body = json!({
        "resourceSpans": [{ "scopeSpans": [{ "spans": [{
            "traceId": "1a".repeat(16),
            "spanId": "1b".repeat(8),
            "name": "chat gpt-4o-mini",
            "startTimeUnixNano": start_ns.to_string(),
            "endTimeUnixNano": (start_ns + 250_000_000).to_string(),
            "status": { "code": 2, "message": format!("RateLimitError: {message}") },
            "events": [{
                "name": "exception",
                "timeUnixNano": (start_ns + 250_000_000).to_string(),
                "attributes": [
                    { "key": "exception.type", "value": { "stringValue": "openai.RateLimitError" } },
                    { "key": "exception.message", "value": { "stringValue": message } }
                ]
            }]
        }]}]}]
    });
    let response = send(&app, JSON, None, body.to_string().into_bytes()).await;
    assert_eq!(response.status, StatusCode::OK);
    assert_eq!(json_answer(&response), json!({}), "nothing rejected");

    let rows = stored_where(&app, "CAST(r.status AS TEXT) = $1", "429").await;
    assert_eq!(rows.len(), 1, "the failed call is found by its status");
    let failed = &rows[0];
    assert_eq!(failed.model, "gpt-4o-mini");
    assert_eq!(failed.error_type.as_deref(), Some("openai.RateLimitError"));
    assert_eq!(
        failed.error_message.as_deref(),
        Some(format!("RateLimitError: {message}").as_str())
    );
    assert_eq!(failed.latency_ms, Some(250));
}
