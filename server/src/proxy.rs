//! The OpenAI-compatible proxy: `/proxy/v1/...` is forwarded to the upstream configured for the
//! call's model, the answer streams back unchanged as it arrives, and the call is recorded
//! (first byte, first content token, total time, status, usage, the upstream's request id,
//! errors) through the batch writer like any ingested call.
//!
//! The client authenticates with a workspace API key (`Authorization: Bearer mw_...`, which is
//! what an OpenAI SDK sends as its `api_key`); the provider key from the configuration replaces
//! it on the way out. Provider keys are never logged or stored.

mod body;
pub mod call;
pub mod observe;
mod request;
pub mod sse;
pub mod tags;
pub mod upstreams;

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use futures_util::StreamExt;

use self::body::{ObservedBody, Reader};
use self::call::{Call, CallStart, Outcome};
use self::request::{prepare, Endpoint, Prepared};
use self::upstreams::{ProxyConfig, Upstream};
use crate::http::AppState;

/// Largest request body forwarded (audio uploads included).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

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
}

impl Proxy {
    pub fn new(config: ProxyConfig) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .connect_timeout(config.connect_timeout)
            .pool_max_idle_per_host(1024)
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        Ok(Self { config, client })
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/proxy/v1", any(forward))
        .route("/proxy/v1/{*rest}", any(forward))
}

async fn forward(
    State(state): State<AppState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let started = Instant::now();
    let ts_ms = chrono::Utc::now().timestamp_millis();
    let owner = match crate::ingest::api::authenticate(&state.engine, &headers).await {
        Ok(owner) => owner,
        Err(error) => return openai_error(error.status, "authentication_error", &error.message),
    };
    let rest = uri.path().strip_prefix("/proxy/v1").unwrap_or_default();
    let endpoint = Endpoint::of(&method, rest);
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
    let mut prepared = match prepare(&endpoint, rest, &headers, bytes) {
        Ok(prepared) => prepared,
        Err(message) => {
            return openai_error(StatusCode::BAD_REQUEST, "invalid_request_error", &message)
        }
    };
    let proxy = &state.proxy;
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
            writer: state.ingest.clone(),
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
    send(proxy, upstream, method, &uri, &headers, prepared, call).await
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

/// The client's headers as sent upstream: hop-by-hop headers, the client's credentials and
/// cookies left out, the provider key added, and no compression (the proxy reads the answer).
fn upstream_headers(headers: &HeaderMap, upstream: &Upstream) -> HeaderMap {
    let mut out = HeaderMap::with_capacity(headers.len() + 2);
    for (name, value) in headers {
        let name_text = name.as_str();
        let dropped = is_hop_by_hop(name_text)
            || matches!(
                name_text,
                "host"
                    | "content-length"
                    | "authorization"
                    | "accept-encoding"
                    | "cookie"
                    | "api-key"
                    | "x-api-key"
                    | "origin"
                    | "referer"
            )
            || name_text.starts_with("x-modelwatch-")
            || name_text.starts_with("x-forwarded-");
        if !dropped {
            out.append(name.clone(), value.clone());
        }
    }
    if let Some(key) = upstream.api_key() {
        if let Ok(mut value) = HeaderValue::from_str(&format!("Bearer {}", key.expose())) {
            value.set_sensitive(true);
            out.insert(header::AUTHORIZATION, value);
        }
    }
    out.insert(
        header::ACCEPT_ENCODING,
        HeaderValue::from_static("identity"),
    );
    out
}

/// Headers that belong to one connection, never forwarded (RFC 9110, 7.6.1).
fn is_hop_by_hop(name: &str) -> bool {
    matches!(
        name,
        "connection"
            | "keep-alive"
            | "proxy-authenticate"
            | "proxy-authorization"
            | "proxy-connection"
            | "te"
            | "trailer"
            | "transfer-encoding"
            | "upgrade"
    )
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

/// An error in the shape OpenAI clients read: `{"error": {"message", "type", "code"}}`.
fn openai_error(status: StatusCode, kind: &str, message: &str) -> Response {
    let body = serde_json::json!({
        "error": { "message": message, "type": kind, "code": status.as_u16() }
    });
    (status, axum::Json(body)).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_and_hop_by_hop_headers_stay_behind() {
        let config = ProxyConfig::parse(
            r#"{"upstreams":[{"base_url":"http://127.0.0.1:1/v1","models":["*"],"api_key":"sk-provider"}]}"#,
            |_| None,
        )
        .expect("valid");
        let upstream = config.default_upstream().expect("catch-all");
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("content-type", "application/json"),
            ("authorization", "Bearer mw_client"),
            ("cookie", "mw_session=x"),
            ("connection", "keep-alive"),
            ("accept-encoding", "gzip"),
            ("openai-organization", "org-1"),
        ] {
            headers.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        let out = upstream_headers(&headers, upstream);
        assert_eq!(
            out.get("authorization").map(|v| v.as_bytes()),
            Some(&b"Bearer sk-provider"[..])
        );
        assert!(out.get("cookie").is_none() && out.get("connection").is_none());
        assert_eq!(
            out.get("accept-encoding").map(|v| v.as_bytes()),
            Some(&b"identity"[..])
        );
        assert_eq!(
            out.get("openai-organization").map(|v| v.as_bytes()),
            Some(&b"org-1"[..])
        );
    }
}
