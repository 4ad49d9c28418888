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

use super::upstream::Upstream;
use crate::helpers::{spawn_app_configured, TestApp};

pub(super) const PROVIDER_KEY: &str = "sk-upstream-secret-123";

pub(super) fn config(addr: SocketAddr, timeout_secs: u64) -> ProxyConfig {
    config_with(addr, timeout_secs, false)
}

/// `config` with the upstream's `pass_through` set.
pub(super) fn config_with(addr: SocketAddr, timeout_secs: u64, pass_through: bool) -> ProxyConfig {
    let option = if pass_through {
        r#", "pass_through": true"#
    } else {
        ""
    };
    let text = format!(
        r#"{{"upstreams": [{{"name": "fake", "base_url": "http://{addr}/v1", "models": ["*"], "api_key_env": "FAKE_KEY"{option}}}], "timeout_secs": {timeout_secs}}}"#
    );
    ProxyConfig::parse(&text, |_| Some(PROVIDER_KEY.to_owned())).expect("valid configuration")
}

pub(super) async fn proxied_with_timeout(timeout_secs: u64) -> (TestApp, Upstream) {
    proxied_with(timeout_secs, false).await
}

/// A server whose proxy points at a fresh fake provider, passing unknown paths through or not.
pub(super) async fn proxied_with(timeout_secs: u64, pass_through: bool) -> (TestApp, Upstream) {
    let (upstream, addr) = Upstream::start().await;
    let app = spawn_app_configured(WriterConfig::default(), |state| {
        state
            .with_proxy(config_with(addr, timeout_secs, pass_through))
            .expect("proxy")
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
    app.respond(request).await
}

/// Sends `GET path` with the app's workspace key; the answer's body still streams.
pub(super) async fn get(app: &TestApp, path: &str) -> axum::response::Response {
    let request = Request::get(path)
        .header("authorization", format!("Bearer {}", app.key))
        .body(Body::empty())
        .expect("request");
    app.respond(request).await
}

/// Sends `method path` to the listening server at `addr` exactly as written, over a plain TCP
/// connection (an HTTP client would resolve `..` in the path first); returns the status and the
/// JSON body.
pub(super) async fn raw_request(
    addr: SocketAddr,
    method: &str,
    path: &str,
    key: &str,
) -> (u16, Value) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nauthorization: Bearer {key}\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{{}}"
    );
    stream.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("a head and a body");
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .expect("a status line");
    let body = serde_json::from_str(body).unwrap_or_else(|_| panic!("JSON body: {answer}"));
    (status, body)
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
