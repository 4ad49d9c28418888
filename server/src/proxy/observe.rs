//! What the proxy learns from an answer while passing it on: when the first piece of content
//! arrived (TTFT), the usage, the model that answered, the produced text, and errors.
//!
//! Streams are read event by event (`sse.rs`); whole bodies once, at their end. Both shapes of
//! OpenAI's API are understood: chat/completions chunks (`choices[].delta`, `choices[].text`,
//! a final `usage`) and Responses API events (`response.*.delta`, `response.completed`).

use serde_json::{Map, Value};

/// Text kept from an answer for the Logs details (the record's body limit).
pub const MAX_TEXT_BYTES: usize = crate::ingest::record::limits::BODY_BYTES;

/// What the proxy does with one event.
#[derive(Debug, PartialEq, Eq)]
pub struct Verdict {
    /// This event carried the first content (a token, a tool call, reasoning): TTFT.
    pub first_content: bool,
    /// Pass the event on to the client (false for the usage chunk the proxy asked for).
    pub keep: bool,
}

/// An upstream's error report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UpstreamError {
    pub kind: String,
    pub message: String,
}

/// Everything learnt from an answer.
#[derive(Debug, Default)]
pub struct Observer {
    /// Leave out the usage-only chunk: the client did not ask for it, the proxy did.
    strip_usage_chunk: bool,
    seen_content: bool,
    pub usage: Option<Map<String, Value>>,
    pub response_model: Option<String>,
    pub text: String,
    pub text_truncated: bool,
    pub error: Option<UpstreamError>,
    /// The stream said it was complete (`[DONE]` or a final Responses event).
    pub completed: bool,
    /// How many items a whole answer's `data` list holds (generated images, embeddings).
    pub data_items: Option<usize>,
}

impl Observer {
    pub fn new(strip_usage_chunk: bool) -> Self {
        Self {
            strip_usage_chunk,
            ..Self::default()
        }
    }

    pub fn seen_content(&self) -> bool {
        self.seen_content
    }

    /// One event's `data`.
    pub fn event(&mut self, data: &[u8]) -> Verdict {
        let keep = Verdict {
            first_content: false,
            keep: true,
        };
        if data.trim_ascii() == b"[DONE]" {
            self.completed = true;
            return keep;
        }
        let Ok(Value::Object(event)) = serde_json::from_slice::<Value>(data) else {
            return keep;
        };
        if let Some(error) = event.get("error").and_then(upstream_error) {
            self.error = Some(error);
        }
        let content = match event.get("type").and_then(Value::as_str) {
            Some(kind) if kind.starts_with("response.") || kind == "error" => {
                self.responses_event(kind, &event)
            }
            _ => self.chat_chunk(&event),
        };
        let first_content = content && !self.seen_content;
        self.seen_content |= content;
        let usage_only = event
            .get("choices")
            .and_then(Value::as_array)
            .is_some_and(Vec::is_empty)
            && event.get("usage").is_some_and(Value::is_object);
        Verdict {
            first_content,
            keep: !(self.strip_usage_chunk && usage_only),
        }
    }

    /// A chat/completions chunk: whether it carries content.
    fn chat_chunk(&mut self, chunk: &Map<String, Value>) -> bool {
        if let Some(Value::Object(usage)) = chunk.get("usage") {
            self.usage = Some(usage.clone());
        }
        self.note_model(chunk.get("model"));
        let mut content = false;
        for choice in chunk
            .get("choices")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(text) = choice.get("text").and_then(Value::as_str) {
                content |= !text.is_empty();
                self.keep_text(text);
            }
            let Some(delta) = choice.get("delta").and_then(Value::as_object) else {
                continue;
            };
            if let Some(text) = delta.get("content").and_then(Value::as_str) {
                self.keep_text(text);
            }
            content |= delta_has_content(delta);
        }
        content
    }

    /// A Responses API event: whether it carries content.
    fn responses_event(&mut self, kind: &str, event: &Map<String, Value>) -> bool {
        if kind == "error" {
            self.error = Some(UpstreamError {
                kind: text_of(event.get("code")).unwrap_or_else(|| "stream_error".into()),
                message: text_of(event.get("message")).unwrap_or_default(),
            });
            return false;
        }
        if let Some(response) = event.get("response").and_then(Value::as_object) {
            self.note_model(response.get("model"));
            if let Some(Value::Object(usage)) = response.get("usage") {
                self.usage = Some(usage.clone());
            }
            if let Some(error) = response.get("error").and_then(upstream_error) {
                self.error = Some(error);
            }
            if matches!(
                kind,
                "response.completed" | "response.incomplete" | "response.failed"
            ) {
                self.completed = true;
            }
        }
        if !kind.ends_with(".delta") {
            return false;
        }
        let delta = event
            .get("delta")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if kind == "response.output_text.delta" {
            self.keep_text(delta);
        }
        !delta.is_empty()
    }

    /// A whole (not streamed) JSON answer.
    pub fn body(&mut self, body: &[u8]) {
        let Ok(Value::Object(answer)) = serde_json::from_slice::<Value>(body) else {
            return;
        };
        self.completed = true;
        if let Some(error) = answer.get("error").and_then(upstream_error) {
            self.error = Some(error);
        }
        self.note_model(answer.get("model"));
        self.data_items = answer.get("data").and_then(Value::as_array).map(Vec::len);
        if let Some(Value::Object(usage)) = answer.get("usage") {
            self.usage = Some(usage.clone());
        }
    }

    fn note_model(&mut self, model: Option<&Value>) {
        if self.response_model.is_none() {
            self.response_model = model.and_then(Value::as_str).map(str::to_owned);
        }
    }

    fn keep_text(&mut self, text: &str) {
        if self.text.len() + text.len() <= MAX_TEXT_BYTES {
            self.text.push_str(text);
        } else if !text.is_empty() {
            self.text_truncated = true;
        }
    }
}

/// Whether a chat delta carries something the user waits for: text, reasoning, a refusal, a
/// tool or function call, or audio. The role-only first chunk does not.
fn delta_has_content(delta: &Map<String, Value>) -> bool {
    let text = |key: &str| {
        delta
            .get(key)
            .and_then(Value::as_str)
            .is_some_and(|s| !s.is_empty())
    };
    let non_empty = |key: &str| match delta.get(key) {
        Some(Value::Array(items)) => !items.is_empty(),
        Some(Value::Object(fields)) => !fields.is_empty(),
        Some(Value::String(text)) => !text.is_empty(),
        _ => false,
    };
    text("content")
        || text("reasoning_content")
        || text("reasoning")
        || text("refusal")
        || non_empty("tool_calls")
        || non_empty("function_call")
        || non_empty("audio")
        || matches!(delta.get("content"), Some(Value::Array(parts)) if !parts.is_empty())
}

/// `{"error": {"type": ..., "code": ..., "message": ...}}` or `{"error": "text"}`.
fn upstream_error(error: &Value) -> Option<UpstreamError> {
    match error {
        Value::Object(fields) => Some(UpstreamError {
            kind: text_of(fields.get("type"))
                .or_else(|| text_of(fields.get("code")))
                .unwrap_or_else(|| "upstream_error".into()),
            message: text_of(fields.get("message")).unwrap_or_else(|| error.to_string()),
        }),
        Value::String(message) => Some(UpstreamError {
            kind: "upstream_error".into(),
            message: message.clone(),
        }),
        _ => None,
    }
}

fn text_of(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(text) if !text.trim().is_empty() => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chunk(delta: &str) -> String {
        format!(
            r#"{{"id":"c1","object":"chat.completion.chunk","model":"gpt-4o-2024-08-06","choices":[{{"index":0,"delta":{delta},"finish_reason":null}}],"usage":null}}"#
        )
    }

    #[test]
    fn the_role_only_chunk_is_not_the_first_token() {
        let mut observer = Observer::new(false);
        let role = observer.event(chunk(r#"{"role":"assistant","content":""}"#).as_bytes());
        assert!(!role.first_content && role.keep);
        let token = observer.event(chunk(r#"{"content":"Hel"}"#).as_bytes());
        assert!(token.first_content);
        let again = observer.event(chunk(r#"{"content":"lo"}"#).as_bytes());
        assert!(!again.first_content);
        assert_eq!(observer.text, "Hello");
        assert_eq!(
            observer.response_model.as_deref(),
            Some("gpt-4o-2024-08-06")
        );
    }

    #[test]
    fn tool_calls_reasoning_refusals_and_audio_count_as_content() {
        for delta in [
            r#"{"tool_calls":[{"index":0,"id":"call_1","function":{"name":"f","arguments":""}}]}"#,
            r#"{"reasoning_content":"thinking"}"#,
            r#"{"reasoning":"thinking"}"#,
            r#"{"refusal":"no"}"#,
            r#"{"audio":{"id":"a","data":"AAAA"}}"#,
        ] {
            let mut observer = Observer::new(false);
            assert!(
                observer.event(chunk(delta).as_bytes()).first_content,
                "{delta}"
            );
        }
        for delta in [
            r#"{"role":"assistant"}"#,
            r#"{"content":null}"#,
            r#"{"tool_calls":[]}"#,
            "{}",
        ] {
            let mut observer = Observer::new(false);
            assert!(
                !observer.event(chunk(delta).as_bytes()).first_content,
                "{delta}"
            );
        }
    }

    #[test]
    fn the_usage_chunk_is_read_and_left_out_only_when_the_proxy_asked_for_it() {
        let usage = r#"{"id":"c1","choices":[],"usage":{"prompt_tokens":9,"completion_tokens":2,"total_tokens":11}}"#;
        for strip in [true, false] {
            let mut observer = Observer::new(strip);
            let verdict = observer.event(usage.as_bytes());
            assert_eq!(verdict.keep, !strip);
            let read = observer.usage.as_ref().expect("usage read");
            assert_eq!(read.get("completion_tokens"), Some(&Value::from(2)));
        }
        let mut observer = Observer::new(true);
        assert!(observer.event(chunk(r#"{"content":"x"}"#).as_bytes()).keep);
        assert!(observer.event(b"[DONE]").keep);
        assert!(observer.completed);
    }

    #[test]
    fn completions_and_responses_api_events() {
        let mut observer = Observer::new(false);
        let empty = r#"{"choices":[{"text":"","index":0}]}"#;
        assert!(!observer.event(empty.as_bytes()).first_content);
        assert!(
            observer
                .event(br#"{"choices":[{"text":"Once","index":0}]}"#)
                .first_content
        );

        let mut observer = Observer::new(false);
        assert!(
            !observer
                .event(br#"{"type":"response.created","response":{"model":"gpt-5"}}"#)
                .first_content
        );
        assert!(
            observer
                .event(br#"{"type":"response.output_text.delta","delta":"Hi"}"#)
                .first_content
        );
        observer.event(br#"{"type":"response.completed","response":{"model":"gpt-5","usage":{"input_tokens":5,"output_tokens":1}}}"#);
        assert!(observer.completed);
        assert_eq!(observer.text, "Hi");
        assert_eq!(
            observer.usage.as_ref().and_then(|u| u.get("input_tokens")),
            Some(&Value::from(5))
        );
    }

    #[test]
    fn errors_in_bodies_and_streams_are_read() {
        let mut observer = Observer::new(false);
        observer.body(br#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#);
        let error = observer.error.expect("error");
        assert_eq!(
            (error.kind.as_str(), error.message.as_str()),
            ("requests", "Rate limit reached")
        );
        let mut observer = Observer::new(false);
        observer.event(br#"{"error":{"message":"overloaded","code":503}}"#);
        assert_eq!(observer.error.map(|e| e.kind), Some("503".to_owned()));
    }

    #[test]
    fn text_beyond_the_limit_is_marked_not_kept() {
        let mut observer = Observer::new(false);
        let big = "x".repeat(MAX_TEXT_BYTES);
        observer.keep_text(&big);
        observer.keep_text("more");
        assert_eq!(observer.text.len(), MAX_TEXT_BYTES);
        assert!(observer.text_truncated);
    }

    proptest::proptest! {
        /// Whatever an upstream sends as an event, the observer neither panics nor drops it
        /// unless it is a usage-only chunk.
        #[test]
        fn arbitrary_events_never_panic(data in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
            let mut observer = Observer::new(true);
            let verdict = observer.event(&data);
            proptest::prop_assert!(verdict.keep || observer.usage.is_some());
        }
    }
}
