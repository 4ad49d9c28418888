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
mod tests;
