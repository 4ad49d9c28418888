//! Which paths the proxy forwards: dot segments never (they would leave the upstream's
//! `base_url` with the provider key attached), unknown paths only to an upstream that opts in
//! with `pass_through`, and the model endpoints and `GET /models` always.

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::support::{call, calls_recorded, get, proxied, proxied_with, raw_request, read_all};
use crate::helpers::serve;

/// The OpenAI error shape, with `reason` in the message.
fn assert_openai_error(body: &Value, code: u16, reason: &str) {
    let error = &body["error"];
    let message = error["message"].as_str().unwrap_or_default();
    assert!(message.contains(reason), "{body}");
    assert_eq!(error["type"], "invalid_request_error", "{body}");
    assert_eq!(error["code"], code, "{body}");
}

#[tokio::test]
async fn dot_segments_are_refused_and_never_reach_the_upstream() {
    for pass_through in [false, true] {
        let (app, upstream) = proxied_with(30, pass_through).await;
        let addr = serve(app.router.clone()).await;
        for (method, path) in [
            ("GET", "/proxy/v1/../../x"),
            ("GET", "/proxy/v1/%2e%2e/x"),
            ("POST", "/proxy/v1/chat/%2E%2E/%2e%2e/x"),
            ("POST", "/proxy/v1/.%2e/.%2E/x"),
            ("GET", "/proxy/v1/models%2f..%2fx"),
        ] {
            let (status, body) = raw_request(addr, method, path, &app.key).await;
            assert_eq!(status, 400, "{method} {path}: {body}");
            let message = body["error"]["message"].as_str().unwrap_or_default();
            assert!(
                message.contains("dot segments") || message.contains("encoded slashes"),
                "{path}: {body}"
            );
            assert_eq!(body["error"]["type"], "invalid_request_error");
        }
        let seen: Vec<String> = upstream.seen().into_iter().map(|seen| seen.path).collect();
        assert!(seen.is_empty(), "the upstream received {seen:?}");
        assert_eq!(calls_recorded(&app, 0).await, 0);
    }
}

#[tokio::test]
async fn an_unknown_path_is_a_404_unless_the_upstream_passes_it_through() {
    let (app, upstream) = proxied().await;
    let response = call(&app, "/proxy/v1/files", json!({"purpose": "batch"})).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let body: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
    assert_openai_error(&body, 404, "does not forward POST /proxy/v1/files");
    assert_openai_error(&body, 404, "POST /chat/completions");
    assert_openai_error(&body, 404, "pass_through");
    for path in [
        "/proxy/v1/files/file-1/content",
        "/proxy/v1",
        "/proxy/v1/chat/completions",
    ] {
        let response = get(&app, path).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "GET {path}");
        let body: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
        assert_openai_error(&body, 404, "does not forward GET");
    }
    let addr = serve(app.router.clone()).await;
    let (status, body) = raw_request(addr, "DELETE", "/proxy/v1/models/ft-1", &app.key).await;
    assert_eq!(status, 404, "{body}");
    assert!(upstream.seen().is_empty(), "the upstream received nothing");

    // The model list stays allowed (SDKs ask for it), unrecorded.
    let response = get(&app, "/proxy/v1/models/stream-ok").await;
    assert_eq!(response.status(), StatusCode::OK);
    read_all(response).await;
    assert_eq!(upstream.seen()[0].path, "/v1/models/stream-ok");
    assert_eq!(calls_recorded(&app, 0).await, 0);

    let (app, upstream) = proxied_with(30, true).await;
    let response = get(&app, "/proxy/v1/files/file-1/content").await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = serde_json::from_slice(&read_all(response).await).expect("JSON");
    assert_eq!(body["object"], "passed");
    assert_eq!(upstream.seen()[0].path, "/v1/files/file-1/content");
    assert_eq!(
        calls_recorded(&app, 0).await,
        0,
        "passed through unrecorded"
    );
}
