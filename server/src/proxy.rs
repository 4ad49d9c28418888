//! The OpenAI-compatible proxy: `/proxy/v1/...` is forwarded to the upstream configured for the
//! call's model, the answer streams back unchanged as it arrives, and the call is recorded
//! (first byte, first content token, total time, status, usage, the upstream's request id,
//! errors) through the batch writer like any ingested call.
//!
//! The client authenticates with a workspace API key (`Authorization: Bearer mw_...`, which is
//! what an OpenAI SDK sends as its `api_key`); the provider key from the configuration replaces
//! it on the way out. Provider keys are never logged or stored. Only the model endpoints and
//! the model list are forwarded (`scope.rs`), other paths only to an upstream that opts in.

mod answer;
mod body;
pub mod call;
mod headers;
mod json;
mod multipart;
pub mod observe;
mod request;
mod scope;
pub mod sse;
pub mod tags;
pub mod upstreams;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::{FromRef, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::StreamExt;

use self::body::{ObservedBody, Reader};
use self::call::{Call, CallStart, Outcome};
use self::headers::{is_hop_by_hop, upstream_headers};
use self::request::{prepare_bounded, Prepared};
use self::scope::{Endpoint, Scope};
use self::upstreams::{ProxyConfig, Upstream};

/// Largest request body forwarded (audio uploads included).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// How many large request bodies are read at once (each on the blocking pool).
const LARGE_BODY_READERS: usize = 2;

/// The header naming the call's record, so a client can find it in the Logs tab.
pub const RECORD_HEADER: &str = "x-modelwatch-request-id";

/// Where providers put their id of a call: OpenAI and most compatible servers, Anthropic,
/// AWS, Azure.
const UPSTREAM_ID_HEADERS: &[&str] = &[
    "x-request-id",
    "request-id",
    "x-amzn-requestid",
    "apim-request-id",
];

/// The proxy's configuration and its connection pool to the upstreams.
pub struct Proxy {
    pub config: ProxyConfig,
    client: reqwest::Client,
    /// Slots for reading large request bodies.
    large_bodies: Arc<tokio::sync::Semaphore>,
}

impl Proxy {
    pub fn new(config: ProxyConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(1024)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self {
            config,
            client,
            large_bodies: Arc::new(tokio::sync::Semaphore::new(LARGE_BODY_READERS)),
        })
    }
}

/// The proxy's routes, for any router state that holds the engine, the writer and the proxy.
pub fn router<S>() -> Router<S>
where
    S: Clone + Send + Sync + 'static,
    crate::engine::Engine: FromRef<S>,
    crate::ingest::writer::IngestHandle: FromRef<S>,
    std::sync::Arc<Proxy>: FromRef<S>,
{
    Router::new()
        .route("/proxy/v1", any(forward))
        .route("/proxy/v1/{*rest}", any(forward))
}

async fn forward(
    State(engine): State<crate::engine::Engine>,
    State(writer): State<crate::ingest::writer::IngestHandle>,
    State(proxy): State<std::sync::Arc<Proxy>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let ts_ms = chrono::Utc::now().timestamp_millis();
    let owner = match crate::ingest::api::authenticate(&engine, &headers).await {
        Ok(owner) => owner,
        Err(error) => return openai_error(error.status, "authentication_error", &error.message),
    };
    let rest = uri.path().strip_prefix("/proxy/v1").unwrap_or_default();
    if let Err(reason) = scope::check_path(rest) {
        return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", &reason);
    }
    let endpoint = Endpoint::of(&method, rest);
    if endpoint.scope == Scope::Other && !proxy.config.any_pass_through() {
        return not_forwarded(&method, rest);
    }
    let bytes = match axum::body::to_bytes(body, MAX_REQUEST_BYTES).await {
        Ok(bytes) => bytes,
        Err(_) => {
            return openai_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "invalid_request_error",
                &format!(
                "the request body is larger than {MAX_REQUEST_BYTES} bytes or could not be read"
            ),
            )
        }
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let prepared = prepare_bounded(&proxy.large_bodies, endpoint, rest, content_type, bytes);
    let mut prepared = match prepared.await {
        Ok(prepared) => prepared,
        Err(message) => {
            return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", &message)
        }
    };
    let upstream = match &prepared.model {
        Some(model) => proxy.config.route(model),
        None => proxy.config.default_upstream(),
    };
    let Some(upstream) = upstream else {
        let message = match &prepared.model {
            Some(model) => format!("no upstream is configured for model {model:?}; add it to the proxy configuration (--proxy-config)"),
            None => "no catch-all upstream (\"*\") is configured for calls that name no model".to_owned(),
        };
        return openai_error(StatusCode::NOT_FOUND, "model_not_found", &message);
    };
    if endpoint.scope == Scope::Other && !upstream.pass_through {
        return not_forwarded(&method, rest);
    }
    if !upstream.stream_usage {
        prepared.unchanged();
    }

    let metadata = match &prepared.model {
        Some(_) => match tags::caller_metadata(&headers, prepared.user.as_deref()) {
            Ok(metadata) => metadata,
            Err(message) => {
                return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", &message)
            }
        },
        None => serde_json::Map::new(),
    };
    let call = prepared.model.clone().map(|model| {
        Call::new(CallStart {
            writer: writer.clone(),
            workspace_id: owner.workspace_id,
            key_id: owner.key_id,
            model,
            kind: endpoint.kind,
            operation: endpoint.operation,
            stream: prepared.stream,
            request_body: prepared.text.clone().filter(|_| proxy.config.store_bodies),
            request_usage: prepared.request_usage.clone(),
            metadata,
            upstream: upstream.name.clone(),
            started,
            ts_ms,
        })
    });
    send(&proxy, upstream, method, &uri, &headers, prepared, call).await
}

/// Forwards the request and turns the upstream's answer into the client's.
async fn send(
    proxy: &Proxy,
    upstream: &Upstream,
    method: Method,
    uri: &Uri,
    headers: &HeaderMap,
    prepared: Prepared,
    call: Option<Call>,
) -> Response {
    let rest = uri.path().strip_prefix("/proxy/v1").unwrap_or_default();
    // No overall deadline: an answer may stream for minutes. The upstream must start answering
    // within the timeout, and then never fall silent for longer (the body's idle timer).
    let request = proxy
        .client
        .request(method, upstream.url(rest, uri.query()))
        .headers(upstream_headers(headers, upstream))
        .body(prepared.body);
    let timeout = proxy.config.timeout;
    let answer = match tokio::time::timeout(timeout, request.send()).await {
        Ok(Ok(answer)) => answer,
        Ok(Err(error)) => {
            let message = format!(
                "the upstream {} could not be reached: {}",
                upstream.name,
                without_url(&error)
            );
            if let Some(call) = call {
                call.finish(Outcome::failed(
                    502,
                    "upstream_unreachable",
                    message.clone(),
                ));
            }
            return openai_error(StatusCode::BAD_GATEWAY, "upstream_error", &message);
        }
        Err(_) => {
            let message = format!(
                "the upstream {} did not answer within {} s",
                upstream.name,
                timeout.as_secs()
            );
            if let Some(call) = call {
                call.finish(Outcome::failed(504, "upstream_timeout", message.clone()));
            }
            return openai_error(StatusCode::GATEWAY_TIMEOUT, "timeout", &message);
        }
    };
    let status = answer.status();
    let upstream_request_id = UPSTREAM_ID_HEADERS
        .iter()
        .find_map(|name| answer.headers().get(*name))
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let content_type = answer
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let mut response = Response::builder().status(status.as_u16());
    let filter = prepared.strip_usage_chunk && content_type.starts_with("text/event-stream");
    if let Some(out) = response.headers_mut() {
        for (name, value) in answer.headers() {
            let length_changes = filter && name == header::CONTENT_LENGTH;
            if !(is_hop_by_hop(name.as_str()) || length_changes) {
                out.append(name.clone(), value.clone());
            }
        }
    }
    let length = answer
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok())
        .filter(|_| !filter);
    let upstream_body = answer.bytes_stream().boxed();
    let body = match call {
        None => Body::from_stream(ObservedBody::unrecorded(upstream_body, timeout)),
        Some(mut call) => {
            call.answered(upstream_request_id);
            if let (Some(out), Ok(value)) = (
                response.headers_mut(),
                HeaderValue::from_str(&call.request_id),
            ) {
                out.insert(HeaderName::from_static(RECORD_HEADER), value);
            }
            let reader = if content_type.starts_with("text/event-stream") {
                Reader::events(filter)
            } else {
                Reader::whole(content_type.contains("json") || content_type.starts_with("text/"))
            };
            Body::from_stream(ObservedBody::new(
                upstream_body,
                reader,
                call,
                status.as_u16(),
                timeout,
                proxy.config.store_bodies,
                length,
            ))
        }
    };
    response
        .body(body)
        .unwrap_or_else(|_| StatusCode::BAD_GATEWAY.into_response())
}

/// A connection error's reason without the URL (which the client knows and logs may not need).
fn without_url(error: &reqwest::Error) -> String {
    let mut reason = String::new();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        reason = cause.to_string();
        source = cause.source();
    }
    if reason.is_empty() {
        if error.is_connect() {
            "connection failed".into()
        } else {
            "request failed".into()
        }
    } else {
        reason
    }
}

/// The 404 for a path the proxy does not forward.
fn not_forwarded(method: &Method, rest: &str) -> Response {
    let message = format!(
        "the proxy does not forward {method} /proxy/v1{rest}: it serves {} (an upstream with \"pass_through\": true forwards other paths)",
        scope::allowed_paths()
    );
    openai_error(StatusCode::NOT_FOUND, "invalid_request_error", &message)
}

/// An error in the shape OpenAI clients read: `{"error": {"message", "type", "code"}}`.
fn openai_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "error": { "message": message, "type": kind, "code": status.as_u16() }
    });
    (status, axum::Json(body)).into_response()
}
