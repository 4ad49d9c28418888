//! The ingest record a span is being mapped into, and where each of its fields came from (so a
//! validation failure names the attribute that fed the field). The status and error rules of
//! failed calls and the TTFT rule live here.

use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value};

use super::super::aliases::{self, Field};
use super::super::value::{clip, Converted};
use super::{failed, failure, Refusal};
use crate::ingest::record::{self, limits, NewRequest, Source};

/// Where a record field came from: an attribute, or a part of the span itself.
#[derive(Clone, Copy, Debug)]
pub(super) enum Origin {
    Attribute(&'static str),
    Span(&'static str),
}

/// The ingest record being built, and where each of its fields came from.
#[derive(Default)]
pub(super) struct Builder {
    record: Map<String, Value>,
    usage: Map<String, Value>,
    metadata: Map<String, Value>,
    /// Record field path -> the attribute (or span part) that gave it.
    origin: Vec<(&'static str, Origin)>,
    fields: Vec<Field>,
    http_status: Option<(u16, &'static str)>,
    /// The error type attribute and its name.
    error_type: Option<(String, &'static str)>,
    pub(super) request_id: String,
}

impl Builder {
    pub(super) fn has(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    pub(super) fn set(&mut self, field: Field, attribute: &'static str, value: Converted) {
        self.fields.push(field);
        match (field, value) {
            (Field::HttpStatus, Converted::Status(code)) => {
                self.http_status = Some((code, attribute));
            }
            (Field::Operation, Converted::Text(name)) => {
                self.operation(&name, Origin::Attribute(attribute));
            }
            (Field::ErrorType, Converted::Text(name)) => {
                self.error_type = Some((name.clone(), attribute));
                self.put(
                    "error_type",
                    Origin::Attribute(attribute),
                    Value::from(name),
                );
            }
            (field, value) => self.put(
                field.record_path(),
                Origin::Attribute(attribute),
                value.to_json(),
            ),
        }
    }

    /// The operation named `name`, and the model kind it implies.
    pub(super) fn operation(&mut self, name: &str, origin: Origin) {
        if let Some((operation, kind)) = aliases::operation(name.trim()) {
            self.put("operation", origin, Value::from(operation));
            if let Some(kind) = kind {
                self.put("model_kind", origin, Value::from(kind.as_str()));
            }
        }
    }

    /// Where the value at `path` came from.
    fn origin_of(&self, path: &str) -> Option<Origin> {
        self.origin
            .iter()
            .find(|(known, _)| *known == path)
            .map(|(_, origin)| *origin)
    }

    /// Keeps the time to first token only for a streamed call and below `latency_ms`. A call is
    /// streamed when a stream flag says so; without a flag, only a TTFT attribute that just
    /// streamed calls carry (the Vercel AI SDK's) says so, and sets the flag.
    pub(super) fn ttft_of_streams_only(&mut self, latency_ms: Option<f64>) {
        let Some(ttft) = self.record.get("ttft_ms").and_then(Value::as_f64) else {
            return;
        };
        let ttft_origin = self.origin_of("ttft_ms");
        let streamed = match self.record.get("stream").and_then(Value::as_bool) {
            Some(flag) => flag,
            None => match ttft_origin {
                Some(origin @ Origin::Attribute(name)) if aliases::STREAM_ONLY.contains(&name) => {
                    self.put("stream", origin, Value::from(true));
                    true
                }
                _ => false,
            },
        };
        let before_the_end = latency_ms.is_none_or(|latency| ttft < latency);
        if !(streamed && before_the_end) {
            self.record.remove("ttft_ms");
            self.origin.retain(|(path, _)| *path != "ttft_ms");
        }
    }

    /// Puts `value` at `path` (`usage.x`, `metadata.x` or a top-level field).
    pub(super) fn put(&mut self, path: &'static str, origin: Origin, value: Value) {
        self.origin.push((path, origin));
        if let Some(key) = path.strip_prefix("usage.") {
            self.usage.insert(key.to_owned(), value);
        } else if let Some(key) = path.strip_prefix("metadata.") {
            self.metadata.insert(key.to_owned(), value);
        } else {
            self.record.insert(path.to_owned(), value);
        }
    }

    pub(super) fn note(&mut self, key: &str, value: String) {
        self.metadata.insert(key.to_owned(), Value::from(value));
    }

    /// Status and error: a span not marked ERROR has its HTTP status attribute, or 200. A span
    /// marked ERROR is a failed call, whose status is the first of: its HTTP status attribute
    /// when that is an error, the `Error code: NNN` of its status message or exception message,
    /// the status its error type stands for (`RateLimitError` is 429; the `error.type` attribute,
    /// else the exception's type), and 500. Its message is the status message, else the
    /// exception's; its error type, lacking the attribute, the exception's type.
    pub(super) fn outcome(&mut self, span: &Span) {
        if !failed(span) {
            let (code, origin) = match self.http_status {
                Some((code, attribute)) => (code, Origin::Attribute(attribute)),
                None => (200, Origin::Span("status.code")),
            };
            self.put("status", origin, Value::from(code));
            return;
        }
        let exception = failure::exception(span);
        let message = span
            .status
            .as_ref()
            .map(|status| status.message.trim())
            .filter(|message| !message.is_empty());
        let error_type = self.error_type.clone();
        let (code, origin) = self
            .http_status
            .filter(|(code, _)| *code >= 400)
            .map(|(code, attribute)| (code, Origin::Attribute(attribute)))
            .or_else(|| {
                message
                    .and_then(failure::status_in_message)
                    .map(|code| (code, Origin::Span("status.message")))
            })
            .or_else(|| {
                exception
                    .message
                    .and_then(failure::status_in_message)
                    .map(|code| (code, Origin::Span("exception.message")))
            })
            .or_else(|| {
                let (name, attribute) = error_type.as_ref()?;
                failure::status_of_error_type(name).map(|code| (code, Origin::Attribute(attribute)))
            })
            .or_else(|| {
                exception
                    .kind
                    .and_then(failure::status_of_error_type)
                    .map(|code| (code, Origin::Span("exception.type")))
            })
            .unwrap_or((500, Origin::Span("status.code")));
        self.put("status", origin, Value::from(code));

        let described = match message {
            Some(message) => Some((message, Origin::Span("status.message"))),
            None => exception
                .message
                .map(|message| (message, Origin::Span("exception.message"))),
        };
        if let Some((message, origin)) = described {
            let message = clip(message, limits::ERROR_MESSAGE_CHARS - 1);
            self.put("error_message", origin, Value::from(message));
        }
        if let (None, Some(kind)) = (&self.error_type, exception.kind) {
            let kind = clip(kind, limits::SHORT_TEXT_CHARS - 1);
            self.put(
                "error_type",
                Origin::Span("exception.type"),
                Value::from(kind),
            );
        }
    }

    pub(super) fn finish(mut self, now_ms: i64) -> Result<NewRequest, Refusal> {
        self.record
            .insert("request_id".to_owned(), Value::from(self.request_id));
        if !self.usage.is_empty() {
            self.record
                .insert("usage".to_owned(), Value::Object(self.usage));
        }
        self.record
            .insert("metadata".to_owned(), Value::Object(self.metadata));
        let origin = self.origin;
        record::validate(0, Value::Object(self.record), now_ms, Source::Otlp).map_err(|rejection| {
            let field = rejection.field;
            let message = rejection.message;
            let reason = match origin.iter().find(|(path, _)| *path == field) {
                Some((_, Origin::Attribute(name))) => {
                    format!("attribute {name} ({field}): {message}")
                }
                Some((_, Origin::Span(part))) => format!("{field} (span {part}): {message}"),
                None => format!("{field}: {message}"),
            };
            Refusal::Invalid(reason)
        })
    }
}
