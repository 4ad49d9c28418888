//! A fake OpenAI-compatible provider on 127.0.0.1: what it answers depends on the model asked
//! for, and it remembers every request it received (headers and body).
//!
//! Chat models: `stream-ok` (role chunk, "Hel", "lo", finish, usage when asked, `[DONE]`),
//! `slow-first` (300 ms between the role chunk and the first token), `tools` (a tool call
//! instead of text), `drop` (the connection breaks after the first token), `stall` (nothing
//! after the first token), `hang` (no answer at all), `rate-limited` (429); any model without
//! `stream` gets a whole JSON answer. `GET /v1/files/stalled`, a path the proxy passes through
//! unrecorded, sends a first piece and then nothing. Any other path is remembered too (as the
//! path arrived) and answered with `{"object": "passed"}`.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// What the fake provider received.
#[derive(Clone, Debug)]
pub struct Seen {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

#[derive(Clone, Default)]
pub struct Upstream {
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// How long `slow-first` waits before its first token.
pub const SLOW_FIRST: Duration = Duration::from_millis(300);
/// The usage every answer reports.
pub const USAGE: &str = r#"{"prompt_tokens":12,"completion_tokens":5,"total_tokens":17,"prompt_tokens_details":{"cached_tokens":4},"completion_tokens_details":{"reasoning_tokens":2}}"#;

impl Upstream {
    /// Starts the fake provider; answers on `http://<addr>/v1/...`.
    pub async fn start() -> (Self, SocketAddr) {
        let upstream = Upstream::default();
        let app = Router::new()
            .route("/v1/chat/completions", post(chat))
            .route("/v1/completions", post(chat))
            .route("/v1/embeddings", post(embeddings))
            .route("/v1/images/generations", post(images))
            .route("/v1/audio/speech", post(speech))
            .route("/v1/audio/transcriptions", post(transcription))
            .route("/v1/models", get(models))
            .route("/v1/files/stalled", get(stalled_download))
            .fallback(anything)
            .with_state(upstream.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            axum::serve(listener, app)
                .await
                .expect("fake upstream runs");
        });
        (upstream, addr)
    }

    /// The requests received so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }

    fn remember(&self, path: &str, headers: &HeaderMap, body: &Bytes) {
        self.seen.lock().expect("lock").push(Seen {
            path: path.to_owned(),
            headers: headers.clone(),
            body: body.clone(),
        });
    }
}

/// One step of a streamed answer.
enum Step {
    Send(String),
    Wait(Duration),
    Break,
    Hang,
}

fn event(data: &Value) -> Step {
    Step::Send(format!("data: {data}\n\n"))
}

fn chunk(delta: Value, finish: Option<&str>, with_usage_field: bool) -> Value {
    let mut chunk = json!({
        "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": 1, "model": "fake-2026-01-01",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
    });
    if with_usage_field {
        chunk["usage"] = Value::Null;
    }
    chunk
}

fn streamed(steps: Vec<Step>) -> Response {
    let queue: VecDeque<Step> = steps.into();
    let body = futures_util::stream::unfold(queue, |mut queue| async move {
        loop {
            match queue.pop_front()? {
                Step::Send(text) => return Some((Ok(Bytes::from(text)), queue)),
                Step::Wait(duration) => tokio::time::sleep(duration).await,
                Step::Break => {
                    queue.clear();
                    return Some((Err(std::io::Error::other("connection dropped")), queue));
                }
                Step::Hang => std::future::pending::<()>().await,
            }
        }
    });
    let mut response = Response::new(Body::from_stream(body));
    let headers = response.headers_mut();
    headers.insert("content-type", "text/event-stream".parse().expect("value"));
    headers.insert("x-request-id", "req-up-stream".parse().expect("value"));
    response
}

async fn chat(
    State(upstream): State<Upstream>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upstream.remember(uri.path(), &headers, &body);
    let request: Value = serde_json::from_slice(&body).expect("the proxy forwards JSON");
    let model = request["model"].as_str().unwrap_or_default().to_owned();
    let include_usage = request["stream_options"]["include_usage"] == json!(true);
    match model.as_str() {
        "rate-limited" => {
            let error = json!({"error": {"message": "Rate limit reached for requests", "type": "requests", "code": "rate_limit_exceeded"}});
            return (
                StatusCode::TOO_MANY_REQUESTS,
                [("x-request-id", "req-up-429")],
                Json(error),
            )
                .into_response();
        }
        "hang" => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        _ => {}
    }
    if request["stream"] != json!(true) {
        let answer = json!({
            "id": "chatcmpl-2", "object": "chat.completion", "model": "fake-2026-01-01",
            "choices": [{"index": 0, "message": {"role": "assistant", "content": "Hello"}, "finish_reason": "stop"}],
            "usage": serde_json::from_str::<Value>(USAGE).expect("usage"),
        });
        return ([("x-request-id", "req-up-json")], Json(answer)).into_response();
    }
    let mut steps = vec![event(&chunk(
        json!({"role": "assistant", "content": ""}),
        None,
        include_usage,
    ))];
    if model == "slow-first" {
        steps.push(Step::Wait(SLOW_FIRST));
    }
    if model == "tools" {
        steps.push(event(&chunk(
            json!({"tool_calls": [{"index": 0, "id": "call_1", "type": "function", "function": {"name": "lookup", "arguments": ""}}]}),
            None,
            include_usage,
        )));
    } else {
        steps.push(event(&chunk(
            json!({"content": "Hel"}),
            None,
            include_usage,
        )));
    }
    match model.as_str() {
        "drop" => steps.extend([Step::Wait(Duration::from_millis(50)), Step::Break]),
        "stall" => steps.push(Step::Hang),
        _ => {}
    }
    steps.push(event(&chunk(json!({"content": "lo"}), None, include_usage)));
    steps.push(event(&chunk(json!({}), Some("stop"), include_usage)));
    if include_usage {
        let usage: Value = serde_json::from_str(USAGE).expect("usage");
        steps.push(event(&json!({"id": "chatcmpl-1", "object": "chat.completion.chunk", "model": "fake-2026-01-01", "choices": [], "usage": usage})));
    }
    steps.push(Step::Send("data: [DONE]\n\n".into()));
    streamed(steps)
}

async fn embeddings(State(upstream): State<Upstream>, headers: HeaderMap, body: Bytes) -> Response {
    upstream.remember("/v1/embeddings", &headers, &body);
    Json(json!({
        "object": "list", "model": "text-embedding-3-small",
        "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
        "usage": {"prompt_tokens": 8, "total_tokens": 8}
    }))
    .into_response()
}

async fn images(State(upstream): State<Upstream>, headers: HeaderMap, body: Bytes) -> Response {
    upstream.remember("/v1/images/generations", &headers, &body);
    Json(json!({"created": 1, "data": [{"url": "http://img/1"}, {"url": "http://img/2"}]}))
        .into_response()
}

async fn speech(State(upstream): State<Upstream>, headers: HeaderMap, body: Bytes) -> Response {
    upstream.remember("/v1/audio/speech", &headers, &body);
    (
        [("content-type", "audio/mpeg")],
        vec![0xFF_u8, 0xFB, 0x90, 0x00, 0x01, 0x02],
    )
        .into_response()
}

async fn transcription(
    State(upstream): State<Upstream>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upstream.remember("/v1/audio/transcriptions", &headers, &body);
    Json(json!({"text": "hello there", "usage": {"type": "duration", "seconds": 3.5}}))
        .into_response()
}

async fn models(State(upstream): State<Upstream>, headers: HeaderMap) -> Response {
    upstream.remember("/v1/models", &headers, &Bytes::new());
    Json(json!({"object": "list", "data": [{"id": "stream-ok", "object": "model"}]}))
        .into_response()
}

async fn stalled_download(State(upstream): State<Upstream>, headers: HeaderMap) -> Response {
    upstream.remember("/v1/files/stalled", &headers, &Bytes::new());
    streamed(vec![Step::Send("partial".to_owned()), Step::Hang])
}

async fn anything(
    State(upstream): State<Upstream>,
    uri: axum::http::Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    upstream.remember(uri.path(), &headers, &body);
    Json(json!({"object": "passed"})).into_response()
}
