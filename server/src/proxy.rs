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
pub mod sse;
pub mod upstreams;

use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::any;
use axum::Router;
use bytes::Bytes;
use futures_util::StreamExt;
use serde_json::{Map, Value};

use self::body::{ObservedBody, Reader};
use self::call::{Call, CallStart, Outcome};
use self::upstreams::{ProxyConfig, Upstream};
use crate::http::AppState;
use crate::ingest::record::limits;

/// Largest request body forwarded (audio uploads included).
pub const MAX_REQUEST_BYTES: usize = 64 * 1024 * 1024;

/// The header naming the call's record, so a client can find it in the Logs tab.
pub const RECORD_HEADER: &str = "x-modelwatch-request-id";

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

/// What an endpoint is: how its calls are named and recorded.
struct Endpoint {
    kind: Option<&'static str>,
    operation: &'static str,
    /// A model call: the body must name a model.
    model_call: bool,
    /// Streams of this endpoint report usage only when asked (`stream_options`).
    asks_for_usage: bool,
}

impl Endpoint {
    fn of(method: &Method, rest: &str) -> Self {
        let call = |kind, operation, asks_for_usage| Endpoint {
            kind,
            operation,
            model_call: true,
            asks_for_usage,
        };
        if method != Method::POST {
            return Endpoint {
                kind: None,
                operation: "other",
                model_call: false,
                asks_for_usage: false,
            };
        }
        match rest {
            "/chat/completions" => call(None, "chat", true),
            "/completions" => call(None, "completion", true),
            "/responses" => call(None, "responses", false),
            "/embeddings" => call(Some("embedding"), "embedding", false),
            "/images/generations" => call(Some("image"), "image_generation", false),
            "/images/edits" => call(Some("image"), "image_edit", false),
            "/audio/speech" => call(Some("speech"), "tts", false),
            "/audio/transcriptions" => call(Some("speech"), "asr", false),
            "/audio/translations" => call(Some("speech"), "translation", false),
            _ => Endpoint {
                kind: None,
                operation: "other",
                model_call: false,
                asks_for_usage: false,
            },
        }
    }
}

/// The client's request, read and checked.
struct Prepared {
    model: Option<String>,
    stream: bool,
    body: Bytes,
    /// The proxy added `stream_options.include_usage`: leave the usage chunk out.
    strip_usage_chunk: bool,
    request_usage: Map<String, Value>,
    /// The body as the client sent it, when it is JSON text.
    text: Option<String>,
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
    let prepared = match prepare(&endpoint, rest, &headers, bytes) {
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
    let mut request = proxy
        .client
        .request(method, upstream.url(rest, uri.query()))
        .headers(upstream_headers(headers, upstream))
        .body(prepared.body);
    if prepared.stream {
        // Streams stay open as long as tokens flow; the idle timeout watches them instead.
        request = request.timeout(std::time::Duration::from_secs(86_400));
    }
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
    let upstream_request_id = answer
        .headers()
        .get("x-request-id")
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
        None => Body::from_stream(upstream_body),
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

/// Reads what the proxy needs from the client's body: the model, whether it streams, and (for
/// chat and completions streams that did not ask for it) adds `stream_options.include_usage`.
fn prepare(
    endpoint: &Endpoint,
    rest: &str,
    headers: &HeaderMap,
    body: Bytes,
) -> Result<Prepared, String> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let mut prepared = Prepared {
        model: None,
        stream: false,
        body,
        strip_usage_chunk: false,
        request_usage: Map::new(),
        text: None,
    };
    if content_type.starts_with("multipart/form-data") {
        let fields = multipart_fields(content_type, &prepared.body, &["model", "stream"]);
        prepared.model = fields[0].clone();
        prepared.stream = fields[1].as_deref() == Some("true");
    } else if content_type.contains("json") || (endpoint.model_call && content_type.is_empty()) {
        let parsed: Value = match serde_json::from_slice(&prepared.body) {
            Ok(value) => value,
            Err(_) if !endpoint.model_call => return Ok(prepared),
            Err(error) => return Err(format!("the body of {rest} must be a JSON object: {error}")),
        };
        let Value::Object(mut object) = parsed else {
            if endpoint.model_call {
                return Err(format!("the body of {rest} must be a JSON object"));
            }
            return Ok(prepared);
        };
        prepared.model = match object.get("model") {
            None | Some(Value::Null) => None,
            Some(Value::String(model)) => Some(model.clone()),
            Some(_) => return Err("model must be a string".into()),
        };
        prepared.stream = object.get("stream").and_then(Value::as_bool) == Some(true);
        if endpoint.operation == "tts" {
            if let Some(input) = object.get("input").and_then(Value::as_str) {
                prepared
                    .request_usage
                    .insert("characters".into(), input.chars().count().into());
            }
        }
        if prepared.body.len() <= limits::BODY_BYTES {
            prepared.text = Some(String::from_utf8_lossy(&prepared.body).into_owned());
        }
        if endpoint.asks_for_usage && prepared.stream && !includes_usage(&object) {
            let options = object
                .entry("stream_options")
                .or_insert_with(|| Value::Object(Map::new()));
            if let Value::Object(options) = options {
                options.insert("include_usage".into(), Value::Bool(true));
                prepared.body = Bytes::from(Value::Object(object).to_string());
                prepared.strip_usage_chunk = true;
            }
        }
    }
    match &prepared.model {
        None if endpoint.model_call => Err(format!("the body of {rest} must name a model")),
        Some(model) if model.trim().is_empty() => Err("model must not be empty".into()),
        Some(model) if model.chars().count() > limits::MODEL_CHARS => Err(format!(
            "model must be at most {} characters",
            limits::MODEL_CHARS
        )),
        Some(model) if model.chars().any(char::is_control) => {
            Err("model must not contain control characters".into())
        }
        _ => Ok(prepared),
    }
}

fn includes_usage(request: &Map<String, Value>) -> bool {
    request
        .get("stream_options")
        .and_then(|options| options.get("include_usage"))
        .and_then(Value::as_bool)
        == Some(true)
}

/// The values of the named plain fields of a `multipart/form-data` body (file parts are
/// skipped without being copied).
fn multipart_fields(content_type: &str, body: &[u8], names: &[&str]) -> Vec<Option<String>> {
    let mut found = vec![None; names.len()];
    let Some(boundary) = content_type
        .split(';')
        .filter_map(|part| part.trim().strip_prefix("boundary="))
        .next()
        .map(|boundary| boundary.trim_matches('"'))
    else {
        return found;
    };
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut parts = split_on(body, delimiter).into_iter().skip(1);
    for part in parts.by_ref() {
        let Some(header_end) = find(part, b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&part[..header_end]).to_ascii_lowercase();
        if head.contains("filename=") {
            continue;
        }
        let value = &part[header_end + 4..];
        let value = value.strip_suffix(b"\r\n").unwrap_or(value);
        for (slot, name) in found.iter_mut().zip(names) {
            if head.contains(&format!("name=\"{name}\"")) && value.len() <= 1024 {
                *slot = Some(String::from_utf8_lossy(value).trim().to_owned());
            }
        }
    }
    found
}

fn split_on<'a>(haystack: &'a [u8], needle: &[u8]) -> Vec<&'a [u8]> {
    let mut pieces = Vec::new();
    let mut rest = haystack;
    while let Some(at) = find(rest, needle) {
        pieces.push(&rest[..at]);
        rest = &rest[at + needle.len()..];
    }
    pieces.push(rest);
    pieces
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
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

    fn json_headers() -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        headers
    }

    #[test]
    fn a_stream_without_usage_gets_it_asked_for_and_stripped() {
        let endpoint = Endpoint::of(&Method::POST, "/chat/completions");
        let body = Bytes::from_static(br#"{"model":"gpt-4o","stream":true,"messages":[]}"#);
        let prepared =
            prepare(&endpoint, "/chat/completions", &json_headers(), body).expect("valid");
        assert!(prepared.strip_usage_chunk && prepared.stream);
        let sent: Value = serde_json::from_slice(&prepared.body).expect("json");
        assert_eq!(sent["stream_options"]["include_usage"], Value::Bool(true));
        assert_eq!(sent["model"], "gpt-4o");
        assert_eq!(
            prepared.text.as_deref(),
            Some(r#"{"model":"gpt-4o","stream":true,"messages":[]}"#)
        );

        let asked = Bytes::from_static(
            br#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#,
        );
        let prepared = prepare(
            &endpoint,
            "/chat/completions",
            &json_headers(),
            asked.clone(),
        )
        .expect("valid");
        assert!(!prepared.strip_usage_chunk);
        assert_eq!(prepared.body, asked, "forwarded unchanged");
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let endpoint = Endpoint::of(&Method::POST, "/chat/completions");
        for (body, expected) in [
            (&br#"{"messages":[]}"#[..], "must name a model"),
            (br#"{"model":7}"#, "model must be a string"),
            (br#"{"model":"  "}"#, "must not be empty"),
            (b"not json", "must be a JSON object"),
            (b"[1]", "must be a JSON object"),
        ] {
            let error = prepare(
                &endpoint,
                "/chat/completions",
                &json_headers(),
                Bytes::from_static(body),
            )
            .err()
            .expect("refused");
            assert!(error.contains(expected), "{error}");
        }
        let long = format!(r#"{{"model":"{}"}}"#, "m".repeat(201));
        let error = prepare(&endpoint, "/x", &json_headers(), Bytes::from(long))
            .err()
            .expect("refused");
        assert!(error.contains("at most 200"), "{error}");
    }

    #[test]
    fn speech_counts_characters_and_multipart_names_its_model() {
        let endpoint = Endpoint::of(&Method::POST, "/audio/speech");
        let body = Bytes::from_static(
            "{\"model\":\"tts-1\",\"input\":\"héllo\",\"voice\":\"alloy\"}".as_bytes(),
        );
        let prepared = prepare(&endpoint, "/audio/speech", &json_headers(), body).expect("valid");
        assert_eq!(
            prepared.request_usage.get("characters"),
            Some(&Value::from(5))
        );

        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("multipart/form-data; boundary=XyZ"),
        );
        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.wav\"\r\n\r\nname=\"model\"\r\n--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--XyZ--\r\n";
        let endpoint = Endpoint::of(&Method::POST, "/audio/transcriptions");
        let prepared = prepare(
            &endpoint,
            "/audio/transcriptions",
            &headers,
            Bytes::from(body),
        )
        .expect("valid");
        assert_eq!(prepared.model.as_deref(), Some("whisper-1"));
    }

    #[test]
    fn credentials_and_hop_by_hop_headers_stay_behind() {
        let config = ProxyConfig::parse(
            r#"{"upstreams":[{"base_url":"http://127.0.0.1:1/v1","models":["*"],"api_key":"sk-provider"}]}"#,
            |_| None,
        )
        .expect("valid");
        let upstream = config.default_upstream().expect("catch-all");
        let mut headers = json_headers();
        for (name, value) in [
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
