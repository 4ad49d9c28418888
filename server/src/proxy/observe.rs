//! What the proxy learns from an answer while passing it on: when the first piece of content
//! arrived (TTFT), the usage, the model that answered, the produced text, and errors.
//!
//! Streams are read event by event (`sse.rs`); whole bodies once, at their end. Both shapes of
//! OpenAI's API are understood: chat/completions chunks (`choices[].delta`, `choices[].text`,
//! a final `usage`) and Responses API events (`response.*.delta`, `response.completed`).

use serde_json::value::RawValue;
use serde_json::{Map, Value};

use super::answer::{self, AnswerView, Delta};
use super::json::{self, small_value, Lenient};

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
        let Ok(event) = json::object::<AnswerView>(data) else {
            return keep;
        };
        if let Some(error) = small_value(event.error).as_ref().and_then(upstream_error) {
            self.error = Some(error);
        }
        let content = match event.kind.0.as_deref() {
            Some(kind) if kind.starts_with("response.") || kind == "error" => {
                self.responses_event(kind, &event)
            }
            _ => self.chat_chunk(&event),
        };
        let first_content = content && !self.seen_content;
        self.seen_content |= content;
        let usage_only = event.choices.0.as_ref().is_some_and(Vec::is_empty)
            && event
                .usage
                .is_some_and(|usage| usage.get().starts_with('{'));
        Verdict {
            first_content,
            keep: !(self.strip_usage_chunk && usage_only),
        }
    }

    /// A chat/completions chunk: whether it carries content.
    fn chat_chunk(&mut self, chunk: &AnswerView) -> bool {
        if let Some(usage) = usage_of(chunk.usage) {
            self.usage = Some(usage);
        }
        self.note_model(&chunk.model);
        let mut content = false;
        let choices = chunk.choices.0.iter().flatten();
        for choice in choices.filter_map(|choice| choice.0.as_ref()) {
            if let Some(text) = &choice.text.0 {
                content |= !text.is_empty();
                self.keep_text(text);
            }
            let Some(delta) = &choice.delta.0 else {
                continue;
            };
            if let Some(text) = delta
                .content
                .and_then(|raw| serde_json::from_str::<String>(raw.get()).ok())
            {
                self.keep_text(&text);
            }
            content |= delta_has_content(delta);
        }
        content
    }

    /// A Responses API event: whether it carries content.
    fn responses_event(&mut self, kind: &str, event: &AnswerView) -> bool {
        if kind == "error" {
            self.error = Some(UpstreamError {
                kind: text_of(small_value(event.code).as_ref())
                    .unwrap_or_else(|| "stream_error".into()),
                message: text_of(small_value(event.message).as_ref()).unwrap_or_default(),
            });
            return false;
        }
        if let Some(response) = &event.response.0 {
            self.note_model(&response.model);
            if let Some(usage) = usage_of(response.usage) {
                self.usage = Some(usage);
            }
            if let Some(error) = small_value(response.error)
                .as_ref()
                .and_then(upstream_error)
            {
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
        let delta = event.delta.0.as_deref().unwrap_or_default();
        if kind == "response.output_text.delta" {
            self.keep_text(delta);
        }
        !delta.is_empty()
    }

    /// A whole (not streamed) JSON answer.
    pub fn body(&mut self, body: &[u8]) {
        let Ok(answer) = json::object::<AnswerView>(body) else {
            return;
        };
        self.completed = true;
        if let Some(error) = small_value(answer.error).as_ref().and_then(upstream_error) {
            self.error = Some(error);
        }
        self.note_model(&answer.model);
        self.data_items = answer::items(answer.data);
        if let Some(usage) = usage_of(answer.usage) {
            self.usage = Some(usage);
        }
    }

    fn note_model(&mut self, model: &Lenient<String>) {
        if self.response_model.is_none() {
            self.response_model.clone_from(&model.0);
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
fn delta_has_content(delta: &Delta) -> bool {
    json::filled(delta.content, b"\"[")
        || json::filled(delta.reasoning_content, b"\"")
        || json::filled(delta.reasoning, b"\"")
        || json::filled(delta.refusal, b"\"")
        || json::filled(delta.tool_calls, b"\"[{")
        || json::filled(delta.function_call, b"\"[{")
        || json::filled(delta.audio, b"\"[{")
}

/// A usage object, when it is one and of a sensible size.
fn usage_of(raw: Option<&RawValue>) -> Option<Map<String, Value>> {
    match small_value(raw)? {
        Value::Object(usage) => Some(usage),
        _ => None,
    }
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

    #[test]
    fn only_a_usage_of_sensible_size_is_built_and_large_answers_are_read_whole() {
        let padding = format!("\"{}\"", "p".repeat(json::MAX_VALUE_BYTES));
        let huge_usage =
            format!(r#"{{"choices":[],"usage":{{"prompt_tokens":1,"pad":{padding}}}}}"#);
        let mut observer = Observer::new(true);
        let verdict = observer.event(huge_usage.as_bytes());
        assert!(
            observer.usage.is_none(),
            "a usage object over the cap is not built"
        );
        assert!(
            !verdict.keep,
            "still the usage-only chunk the proxy asked for"
        );

        let images = format!(
            r#"{{"created":1,"data":[{}{{"b64_json":"x"}}],"model":"gpt-image-1","usage":{{"total_tokens":7}}}}"#,
            r#"{"b64_json":"AAAA"},"#.repeat(10_000)
        );
        let mut observer = Observer::new(false);
        observer.body(images.as_bytes());
        assert_eq!(observer.data_items, Some(10_001));
        assert_eq!(observer.response_model.as_deref(), Some("gpt-image-1"));
        assert_eq!(
            observer
                .usage
                .as_ref()
                .and_then(|usage| usage.get("total_tokens")),
            Some(&Value::from(7))
        );
    }

    #[test]
    fn fields_of_another_shape_are_ignored_not_fatal() {
        let mut observer = Observer::new(false);
        let odd =
            r#"{"model":7,"choices":[3,{"delta":["x"]},{"delta":{"content":"ok"}}],"usage":[1]}"#;
        assert!(observer.event(odd.as_bytes()).first_content);
        assert_eq!(observer.text, "ok");
        assert!(observer.response_model.is_none() && observer.usage.is_none());
        let mut observer = Observer::new(false);
        assert!(!observer.event(br#"[{"choices":[]}]"#).first_content);
        observer.body(br#"["model", "x"]"#);
        assert!(!observer.completed, "an array is not an answer");
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
