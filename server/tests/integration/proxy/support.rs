//! What the proxy tests share: a server whose proxy points at the fake provider, calls through
//! it, and reading back the answer and the stored call.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use app::model::LogDetail;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::Value;
use server::ingest::writer::WriterConfig;
use server::proxy::upstreams::ProxyConfig;
use tower::ServiceExt;

use super::upstream::Upstream;
use crate::helpers::{spawn_app_configured, TestApp};

pub(super) const PROVIDER_KEY: &str = "sk-upstream-secret-123";

pub(super) fn config(addr: SocketAddr, timeout_secs: u64) -> ProxyConfig {
    let text = format!(
        r#"{{"upstreams": [{{"name": "fake", "base_url": "http://{addr}/v1", "models": ["*"], "api_key_env": "FAKE_KEY"}}], "timeout_secs": {timeout_secs}}}"#
    );
    ProxyConfig::parse(&text, |_| Some(PROVIDER_KEY.to_owned())).expect("valid configuration")
}

pub(super) async fn proxied_with_timeout(timeout_secs: u64) -> (TestApp, Upstream) {
    let (upstream, addr) = Upstream::start().await;
    let app = spawn_app_configured(WriterConfig::default(), |state| {
        state.with_proxy(config(addr, timeout_secs)).expect("proxy")
    })
    .await;
    (app, upstream)
}

pub(super) async fn proxied() -> (TestApp, Upstream) {
    proxied_with_timeout(30).await
}

/// Sends `body` to `path` with the app's workspace key; the answer's body still streams.
pub(super) async fn call(app: &TestApp, path: &str, body: Value) -> axum::response::Response {
    call_with_headers(app, path, body, &[]).await
}

/// `call` with more headers.
pub(super) async fn call_with_headers(
    app: &TestApp,
    path: &str,
    body: Value,
    headers: &[(&str, &str)],
) -> axum::response::Response {
    let mut request = Request::post(path)
        .header("authorization", format!("Bearer {}", app.key))
        .header("content-type", "application/json");
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Body::from(body.to_string())).expect("request");
    app.router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible")
}

/// Sends `GET path` with the app's workspace key; the answer's body still streams.
pub(super) async fn get(app: &TestApp, path: &str) -> axum::response::Response {
    let request = Request::get(path)
        .header("authorization", format!("Bearer {}", app.key))
        .body(Body::empty())
        .expect("request");
    app.router
        .clone()
        .oneshot(request)
        .await
        .expect("infallible")
}

/// Calls chat completions with `body` and reads the whole answer: the call's record id, the
/// pieces of the body, and whether it broke off.
pub(super) async fn chat(app: &TestApp, body: Value) -> (String, Vec<(Duration, String)>, bool) {
    let response = call(app, "/proxy/v1/chat/completions", body).await;
    let id = record_id(&response);
    let (pieces, broken) = frames(response, Instant::now()).await;
    (id, pieces, broken)
}

/// The whole body of `response`.
pub(super) async fn read_all(response: axum::response::Response) -> axum::body::Bytes {
    response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes()
}

/// The body's pieces with when each arrived (after `start`), and whether it ended in an error.
pub(super) async fn frames(
    response: axum::response::Response,
    start: Instant,
) -> (Vec<(Duration, String)>, bool) {
    let mut body = response.into_body();
    let mut pieces = Vec::new();
    while let Some(frame) = body.frame().await {
        match frame {
            Ok(frame) => {
                if let Ok(data) = frame.into_data() {
                    pieces.push((start.elapsed(), String::from_utf8_lossy(&data).into_owned()));
                }
            }
            Err(_) => return (pieces, true),
        }
    }
    (pieces, false)
}

pub(super) fn record_id(response: &axum::response::Response) -> String {
    response
        .headers()
        .get(server::proxy::RECORD_HEADER)
        .and_then(|value| value.to_str().ok())
        .expect("the answer names its record")
        .to_owned()
}

/// The stored call `id`, once the writer has committed it.
pub(super) async fn stored(app: &TestApp, id: &str) -> LogDetail {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let response = app.get_json(&format!("/api/get_log?request_id={id}")).await;
        if response.status == StatusCode::OK {
            return serde_json::from_str(&response.body).expect("detail");
        }
        assert!(
            Instant::now() < deadline,
            "call {id} was never recorded: {}",
            response.body
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many calls are stored: once `expected` are (up to 5 s), or, when none are expected,
/// after giving a wrongly recorded call time to land.
pub(super) async fn calls_recorded(app: &TestApp, expected: i64) -> i64 {
    if expected == 0 {
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let count = app.count("SELECT count(*) FROM requests").await;
        if count >= expected || Instant::now() > deadline {
            return count;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

pub(super) fn metadata_note(detail: &LogDetail) -> String {
    detail
        .metadata
        .as_ref()
        .and_then(|metadata| metadata.get("usage"))
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned()
}
