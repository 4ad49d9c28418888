//! The client's request as the proxy reads it: which model, whether it streams, who the end
//! user is, and the one change ever made to a body (asking for streamed usage).
//!
//! A JSON body is read through a typed view of those few fields (`json.rs`): the rest (the
//! messages, images in base64, ...) is skipped without being built, nesting is capped, and
//! bodies larger than [`INLINE_BYTES`] are read on the blocking pool, a few at a time, so that
//! large uploads never hold up the async workers.

use std::sync::Arc;

use app::model::Usage;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::json::{self, Lenient, MAX_DEPTH, MAX_VALUE_BYTES};
use super::multipart;
use super::scope::Endpoint;
use crate::ingest::record::limits;

/// Bodies up to this size are read on the async worker (well under a millisecond).
pub const INLINE_BYTES: usize = 256 * 1024;

/// The client's request, read and checked.
pub(super) struct Prepared {
    pub model: Option<String>,
    pub stream: bool,
    pub body: Bytes,
    /// The proxy added `stream_options.include_usage`: leave the usage chunk out.
    pub strip_usage_chunk: bool,
    /// Usage known from the request itself (the characters of a speech input).
    pub request_usage: Usage,
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

/// The fields of a JSON request the proxy reads; every other field is skipped unread.
#[derive(Deserialize, Default)]
#[serde(default)]
struct RequestView<'a> {
    #[serde(borrow)]
    model: Option<&'a RawValue>,
    stream: Lenient<bool>,
    /// Present (even `null`) or not: the raw value, which the rewrite replaces in place.
    #[serde(borrow)]
    stream_options: Lenient<&'a RawValue>,
    user: Lenient<String>,
    safety_identifier: Lenient<String>,
    /// A speech request's text (its characters are the call's usage).
    #[serde(borrow)]
    input: Option<&'a RawValue>,
}

/// [`prepare`], on the blocking pool for a large body, with at most `permits` of those at once.
pub(super) async fn prepare_bounded(
    permits: &Arc<Semaphore>,
    endpoint: Endpoint,
    rest: &str,
    content_type: &str,
    body: Bytes,
) -> Result<Prepared, String> {
    if body.len() <= INLINE_BYTES {
        return prepare(&endpoint, rest, content_type, body);
    }
    let permit = permits
        .clone()
        .acquire_owned()
        .await
        .map_err(|_| "the server is shutting down".to_owned())?;
    let (rest, content_type) = (rest.to_owned(), content_type.to_owned());
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        prepare(&endpoint, &rest, &content_type, body)
    })
    .await
    .map_err(|_| "the request body could not be read".to_owned())?
}

/// Reads what the proxy needs from the client's body: the model, whether it streams, and (for
/// chat and completions streams that did not ask for it) adds `stream_options.include_usage`.
pub(super) fn prepare(
    endpoint: &Endpoint,
    rest: &str,
    content_type: &str,
    body: Bytes,
) -> Result<Prepared, String> {
    let mut prepared = Prepared {
        model: None,
        stream: false,
        original: body.clone(),
        body,
        strip_usage_chunk: false,
        request_usage: Usage::default(),
        text: None,
        user: None,
    };
    let model_call = endpoint.model_call();
    if content_type.starts_with("multipart/form-data") {
        let boundary = multipart::boundary(content_type)?;
        let fields = multipart::fields(&prepared.body, boundary, &["model", "stream"]);
        prepared.model = fields[0].clone();
        prepared.stream = fields[1].as_deref() == Some("true");
    } else if content_type.contains("json") || (model_call && content_type.is_empty()) {
        if !json::nesting_within(&prepared.body, MAX_DEPTH) {
            if !model_call {
                return Ok(prepared);
            }
            return Err(format!(
                "the body of {rest} nests arrays and objects deeper than {MAX_DEPTH} levels"
            ));
        }
        let original = prepared.original.clone();
        let view: RequestView = match json::object(&original) {
            Ok(view) => view,
            Err(_) if !model_call => return Ok(prepared),
            Err(error) => return Err(format!("the body of {rest} must be a JSON object: {error}")),
        };
        prepared.model = match view.model {
            None => None,
            Some(raw) => Some(
                serde_json::from_str::<String>(raw.get())
                    .map_err(|_| "model must be a string".to_owned())?,
            ),
        };
        prepared.stream = view.stream.0 == Some(true);
        prepared.user = view.user.0.or(view.safety_identifier.0);
        if endpoint.operation == "tts" {
            let input = view
                .input
                .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok());
            if let Some(characters) = input.map(|text| text.chars().count()) {
                prepared.request_usage.characters = i64::try_from(characters).ok();
            }
        }
        if original.len() <= limits::BODY_BYTES {
            prepared.text = Some(String::from_utf8_lossy(&original).into_owned());
        }
        if endpoint.asks_for_usage && prepared.stream {
            if let Some(body) = with_usage_asked(&original, view.stream_options.0) {
                prepared.body = body;
                prepared.strip_usage_chunk = true;
            }
        }
    }
    match &prepared.model {
        None if model_call => Err(format!("the body of {rest} must name a model")),
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

/// `body` (a JSON object) with `stream_options.include_usage` set, written into the bytes as
/// they are; `None` when the client already asked, or its `stream_options` is not an object.
fn with_usage_asked(body: &[u8], options: Option<&RawValue>) -> Option<Bytes> {
    let Some(options) = options else {
        // No `stream_options`: add it as the object's first member.
        let open = body.iter().position(|byte| *byte == b'{')?;
        let empty = body[open + 1..].trim_ascii_start().first() == Some(&b'}');
        let member = if empty {
            r#""stream_options":{"include_usage":true}"#
        } else {
            r#""stream_options":{"include_usage":true},"#
        };
        return Some(Bytes::from(
            [&body[..=open], member.as_bytes(), &body[open + 1..]].concat(),
        ));
    };
    let text = options.get();
    if text.len() > MAX_VALUE_BYTES || !text.starts_with('{') {
        return None;
    }
    let mut fields: Map<String, Value> = serde_json::from_str(text).ok()?;
    if fields.get("include_usage") == Some(&Value::Bool(true)) {
        return None;
    }
    fields.insert("include_usage".into(), Value::Bool(true));
    // The raw value borrows its bytes from `body`: where it starts is where it is replaced.
    let start = (text.as_ptr() as usize).checked_sub(body.as_ptr() as usize)?;
    let end = start + text.len();
    if body.get(start..end) != Some(text.as_bytes()) {
        return None;
    }
    let replaced = Value::Object(fields).to_string();
    Some(Bytes::from(
        [&body[..start], replaced.as_bytes(), &body[end..]].concat(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Method;

    fn chat() -> Endpoint {
        Endpoint::of(&Method::POST, "/chat/completions")
    }

    fn prepare_json(endpoint: &Endpoint, body: &str) -> Result<Prepared, String> {
        prepare(
            endpoint,
            "/chat/completions",
            "application/json",
            Bytes::from(body.to_owned()),
        )
    }

    #[test]
    fn a_stream_without_usage_gets_it_asked_for_and_stripped() {
        let body = r#"{"model":"gpt-4o","stream":true,"messages":[]}"#;
        let prepared = prepare_json(&chat(), body).expect("valid");
        assert!(prepared.strip_usage_chunk && prepared.stream);
        let sent: Value = serde_json::from_slice(&prepared.body).expect("json");
        assert_eq!(sent["stream_options"]["include_usage"], Value::Bool(true));
        assert_eq!(sent["model"], "gpt-4o");
        assert_eq!(prepared.text.as_deref(), Some(body));

        let asked = r#"{"model":"m","stream":true,"stream_options":{"include_usage":true}}"#;
        let prepared = prepare_json(&chat(), asked).expect("valid");
        assert!(!prepared.strip_usage_chunk);
        assert_eq!(prepared.body, asked.as_bytes(), "forwarded unchanged");
    }

    #[test]
    fn the_usage_request_is_written_into_the_body_without_touching_the_rest() {
        let body = r#" { "model": "m", "temperature": 1e0, "seed": 12345678901234567890123,
            "stream": true, "messages": [{"role": "user", "content": "}{"}] }"#;
        let prepared = prepare_json(&chat(), body).expect("valid");
        let expected = body.replacen('{', r#"{"stream_options":{"include_usage":true},"#, 1);
        assert_eq!(
            std::str::from_utf8(&prepared.body),
            Ok(expected.as_str()),
            "numbers, spacing and order as the client wrote them"
        );

        let body = r#"{"model":"m","stream_options":{"include_usage":false,"x":1},"stream":true}"#;
        let prepared = prepare_json(&chat(), body).expect("valid");
        assert!(prepared.strip_usage_chunk);
        assert_eq!(
            std::str::from_utf8(&prepared.body),
            Ok(r#"{"model":"m","stream_options":{"include_usage":true,"x":1},"stream":true}"#)
        );

        for unusual in [
            r#"{"model":"m","stream":true,"stream_options":null}"#,
            r#"{"model":"m","stream":true,"stream_options":[1]}"#,
            r#"{"model":"m","stream":"yes"}"#,
        ] {
            let prepared = prepare_json(&chat(), unusual).expect("valid");
            assert!(!prepared.strip_usage_chunk, "{unusual}");
            assert_eq!(prepared.body, unusual.as_bytes(), "{unusual}");
        }
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let deep = format!(
            r#"{{"model":"m","messages":{}{}}}"#,
            "[".repeat(MAX_DEPTH + 1),
            "]".repeat(MAX_DEPTH + 1)
        );
        for (body, expected) in [
            (r#"{"messages":[]}"#, "must name a model"),
            (r#"{"model":7}"#, "model must be a string"),
            (r#"{"model":"  "}"#, "must not be empty"),
            (r#"{"model":"m","model":"n"}"#, "duplicate field"),
            ("not json", "must be a JSON object"),
            ("[\"model\"]", "must be a JSON object"),
            (&deep, "deeper than 128 levels"),
        ] {
            let error = prepare_json(&chat(), body).err().expect("refused");
            assert!(error.contains(expected), "{body}: {error}");
        }
        let long = format!(r#"{{"model":"{}"}}"#, "m".repeat(201));
        let error = prepare_json(&chat(), &long).err().expect("refused");
        assert!(error.contains("at most 200"), "{error}");

        let other = Endpoint::of(&Method::POST, "/files");
        let prepared = prepare_json(&other, &deep).expect("pass-through bodies are not judged");
        assert!(prepared.model.is_none());
    }

    #[test]
    fn speech_counts_characters_and_multipart_names_its_model() {
        let endpoint = Endpoint::of(&Method::POST, "/audio/speech");
        let body = r#"{"model":"tts-1","input":"h\u00e9llo","voice":"alloy"}"#;
        let prepared = prepare_json(&endpoint, body).expect("valid");
        assert_eq!(prepared.request_usage.characters, Some(5));

        let body = "--XyZ\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--XyZ--\r\n";
        let endpoint = Endpoint::of(&Method::POST, "/audio/transcriptions");
        let prepared = prepare(
            &endpoint,
            "/audio/transcriptions",
            "multipart/form-data; boundary=XyZ",
            Bytes::from(body),
        )
        .expect("valid");
        assert_eq!(prepared.model.as_deref(), Some("whisper-1"));
        let error = prepare(
            &endpoint,
            "/audio/transcriptions",
            &format!("multipart/form-data; boundary={}", "x".repeat(71)),
            Bytes::from(body),
        )
        .err()
        .expect("refused");
        assert!(error.contains("1 to 70 characters"), "{error}");
    }

    #[tokio::test]
    async fn large_bodies_wait_for_a_reading_slot() {
        let permits = Arc::new(Semaphore::new(1));
        let held = permits.clone().acquire_owned().await.expect("permit");
        let big = format!(
            r#"{{"model":"m","messages":[{{"content":"{}"}}]}}"#,
            "x".repeat(INLINE_BYTES)
        );
        let reading = prepare_bounded(
            &permits,
            chat(),
            "/chat/completions",
            "application/json",
            Bytes::from(big),
        );
        tokio::pin!(reading);
        assert!(
            futures_util::FutureExt::now_or_never(reading.as_mut()).is_none(),
            "no slot is free: the body waits"
        );
        drop(held);
        let prepared = reading.await.expect("read once a slot is free");
        assert_eq!(prepared.model.as_deref(), Some("m"));
        let small = prepare_bounded(
            &permits,
            chat(),
            "/chat/completions",
            "application/json",
            Bytes::from_static(br#"{"model":"s"}"#),
        );
        let _hold_again = permits.clone().acquire_owned().await.expect("permit");
        assert!(small.await.is_ok(), "small bodies are read in place");
    }
}
