//! The client's request as the proxy reads it: which endpoint, which model, whether it
//! streams, and the one change ever made to a body (asking for streamed usage).

use axum::http::{header, HeaderMap, Method};
use bytes::Bytes;
use serde_json::{Map, Value};

use crate::ingest::record::limits;

/// What an endpoint is: how its calls are named and recorded.
pub(super) struct Endpoint {
    pub kind: Option<&'static str>,
    pub operation: &'static str,
    /// A model call: the body must name a model.
    pub model_call: bool,
    /// Streams of this endpoint report usage only when asked (`stream_options`).
    pub asks_for_usage: bool,
}

impl Endpoint {
    pub fn of(method: &Method, rest: &str) -> Self {
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
pub(super) struct Prepared {
    pub model: Option<String>,
    pub stream: bool,
    pub body: Bytes,
    /// The proxy added `stream_options.include_usage`: leave the usage chunk out.
    pub strip_usage_chunk: bool,
    pub request_usage: Map<String, Value>,
    /// The body as the client sent it, when it is JSON text.
    pub text: Option<String>,
    /// The end user the body names: OpenAI's `user`, or `safety_identifier`, which replaces it.
    pub user: Option<String>,
    /// The body as the client sent it.
    original: Bytes,
}

impl Prepared {
    /// Forwards the body exactly as the client sent it (for upstreams that refuse
    /// `stream_options`): the stream's usage then stays unknown unless the client asked.
    pub fn unchanged(&mut self) {
        self.body = self.original.clone();
        self.strip_usage_chunk = false;
    }
}

/// Reads what the proxy needs from the client's body: the model, whether it streams, and (for
/// chat and completions streams that did not ask for it) adds `stream_options.include_usage`.
pub(super) fn prepare(
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
        original: body.clone(),
        body,
        strip_usage_chunk: false,
        request_usage: Map::new(),
        text: None,
        user: None,
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
        prepared.user = ["user", "safety_identifier"]
            .iter()
            .find_map(|field| object.get(*field).and_then(Value::as_str))
            .map(str::to_owned);
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

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

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
}
