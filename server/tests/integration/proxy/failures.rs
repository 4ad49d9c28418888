//! Calls that fail: upstream errors, broken and stalled answers, clients that leave, calls
//! refused before anything is forwarded.

use std::time::{Duration, Instant};

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use server::ingest::writer::WriterConfig;
use server::proxy::upstreams::ProxyConfig;
use tower::ServiceExt;

use super::support::{
    call, calls_recorded, chat, frames, get, metadata_note, proxied, proxied_with,
    proxied_with_timeout, read_all, record_id, stored,
};
use super::upstream::Upstream;
use crate::helpers::spawn_app_configured;

#[tokio::test]
async fn a_dropped_upstream_connection_is_a_502_with_usage_unknown() {
    let (app, _upstream) = proxied().await;
    let (id, pieces, broken) = chat(
        &app,
        json!({"model": "drop", "stream": true, "messages": []}),
    )
    .await;
    assert!(
        broken,
        "the client must see the answer break off, not a clean end"
    );
    assert!(pieces.iter().any(|(_, text)| text.contains("Hel")));
    let detail = stored(&app, &id).await;
    assert_eq!(detail.status, 502);
    assert_eq!(detail.error_type.as_deref(), Some("upstream_stream_cut"));
    assert!(detail.ttft_ms.is_some(), "the first token did arrive");
    assert_eq!(
        (
            detail.usage.input_tokens,
            detail.usage.output_tokens,
            detail.usage.total_tokens
        ),
        (None, None, None)
    );
    assert!(
        metadata_note(&detail).starts_with("unknown"),
        "{:?}",
        detail.metadata
    );
}

#[tokio::test]
async fn a_client_that_goes_away_is_a_499() {
    let (app, _upstream) = proxied().await;
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "stall", "stream": true, "messages": []}),
    )
    .await;
    let id = record_id(&response);
    let mut body = response.into_body();
    let first = body.frame().await.expect("a frame").expect("data");
    assert!(String::from_utf8_lossy(first.data_ref().expect("data")).contains("role"));
    drop(body);
    let detail = stored(&app, &id).await;
    assert_eq!(detail.status, 499);
    assert_eq!(detail.error_type.as_deref(), Some("client_cancelled"));
    assert!(metadata_note(&detail).starts_with("unknown"));
}

#[tokio::test]
async fn an_upstream_that_does_not_answer_is_a_504() {
    let (app, _upstream) = proxied_with_timeout(1).await;
    let start = Instant::now();
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "hang", "messages": []}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::GATEWAY_TIMEOUT);
    assert!(start.elapsed() < Duration::from_secs(3));
    let body = read_all(response).await;
    let body: Value = serde_json::from_slice(&body).expect("json");
    assert!(body["error"]["message"]
        .as_str()
        .expect("message")
        .contains("did not answer within 1 s"));
    assert_eq!(calls_recorded(&app, 1).await, 1);
    let status: i64 = app.count("SELECT status FROM requests").await;
    assert_eq!(status, 504);
}

#[tokio::test]
async fn a_stream_that_stalls_past_the_timeout_is_a_504() {
    let (app, _upstream) = proxied_with_timeout(1).await;
    let (id, _, broken) = chat(
        &app,
        json!({"model": "stall", "stream": true, "messages": []}),
    )
    .await;
    assert!(broken);
    let detail = stored(&app, &id).await;
    assert_eq!(
        (detail.status, detail.error_type.as_deref()),
        (504, Some("upstream_timeout"))
    );
}

#[tokio::test]
async fn a_pass_through_answer_that_stalls_is_cut_after_the_timeout() {
    let (app, upstream) = proxied_with(1, true).await;
    let started = Instant::now();
    let response = get(&app, "/proxy/v1/files/stalled").await;
    assert_eq!(response.status(), StatusCode::OK);
    let (pieces, broken) = tokio::time::timeout(Duration::from_secs(10), frames(response, started))
        .await
        .expect("the answer is cut, not left hanging");
    assert!(broken, "{pieces:?}");
    assert_eq!(pieces.len(), 1, "{pieces:?}");
    assert_eq!(pieces[0].1, "partial");
    assert!(started.elapsed() >= Duration::from_millis(900));
    assert_eq!(upstream.seen()[0].path, "/v1/files/stalled");
    assert_eq!(calls_recorded(&app, 0).await, 0);
}

#[tokio::test]
async fn calls_without_a_valid_key_or_model_are_refused_and_not_recorded() {
    let (app, upstream) = proxied().await;
    let body = json!({"model": "stream-ok", "messages": []}).to_string();
    for authorization in [None, Some("Bearer mw_not_a_key"), Some("Basic abc")] {
        let mut request =
            Request::post("/proxy/v1/chat/completions").header("content-type", "application/json");
        if let Some(value) = authorization {
            request = request.header("authorization", value);
        }
        let response = app
            .router
            .clone()
            .oneshot(request.body(Body::from(body.clone())).expect("request"))
            .await
            .expect("infallible");
        assert_eq!(
            response.status(),
            StatusCode::UNAUTHORIZED,
            "{authorization:?}"
        );
        let answer = read_all(response).await;
        let answer: Value = serde_json::from_slice(&answer).expect("json");
        assert_eq!(answer["error"]["type"], "authentication_error");
    }
    for (body, status, reason) in [
        (
            json!({"messages": []}),
            StatusCode::BAD_REQUEST,
            "must name a model",
        ),
        (
            json!({"model": 3}),
            StatusCode::BAD_REQUEST,
            "model must be a string",
        ),
    ] {
        let response = call(&app, "/proxy/v1/chat/completions", body).await;
        assert_eq!(response.status(), status);
        let answer = read_all(response).await;
        assert!(String::from_utf8_lossy(&answer).contains(reason));
    }
    assert!(upstream.seen().is_empty(), "nothing reached the provider");
    assert_eq!(calls_recorded(&app, 0).await, 0);
}

#[tokio::test]
async fn a_model_without_an_upstream_is_named_in_a_404() {
    let (upstream, addr) = Upstream::start().await;
    let text = format!(
        r#"{{"upstreams": [{{"name": "fake", "base_url": "http://{addr}/v1", "models": ["gpt-*"]}}]}}"#
    );
    let config = ProxyConfig::parse(&text, |_| None).expect("valid");
    let app = spawn_app_configured(WriterConfig::default(), |state| {
        state.with_proxy(config).expect("proxy")
    })
    .await;
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "claude-x", "messages": []}),
    )
    .await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    let answer = read_all(response).await;
    let answer: Value = serde_json::from_slice(&answer).expect("json");
    let message = answer["error"]["message"].as_str().expect("message");
    assert!(
        message.contains("\"claude-x\"") && message.contains("--proxy-config"),
        "{message}"
    );
    let response = call(
        &app,
        "/proxy/v1/chat/completions",
        json!({"model": "gpt-4o", "messages": []}),
    )
    .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "served without a provider key too"
    );
    assert!(
        upstream.seen()[0].headers.get("authorization").is_none(),
        "the workspace key never goes upstream"
    );
}
