//! The ingest record a span is being mapped into, and where each of its fields came from (so a
//! validation failure names the attribute that fed the field). The status and error rules of
//! failed calls and the TTFT rule live here.

use app::model::Amount;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value};

use super::super::aliases::{self, Field};
use super::super::value::{clip, Converted};
use super::{failed, failure, Refusal};
use crate::ingest::record::{limits, NewRequest, RecordInput, Source};

/// Where a record field came from: an attribute, or a part of the span itself.
#[derive(Clone, Copy, Debug)]
pub(super) enum Origin {
    Attribute(&'static str),
    Span(&'static str),
}

/// The record being built, and where each of its fields came from.
#[derive(Default)]
pub(super) struct Builder {
    input: RecordInput,
    metadata: Map<String, Value>,
    /// The stream flag, when the span said.
    stream: Option<bool>,
    /// Record field path (as a refusal names it) -> the attribute (or span part) that gave it.
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

    /// Notes that the record field at `path` came from `origin`.
    fn from(&mut self, path: &'static str, origin: Origin) {
        self.origin.push((path, origin));
    }

    pub(super) fn set(&mut self, field: Field, attribute: &'static str, value: Converted) {
        self.fields.push(field);
        let origin = Origin::Attribute(attribute);
        match (field, value) {
            (Field::HttpStatus, Converted::Status(code)) => {
                self.http_status = Some((code, attribute));
                return;
            }
            (Field::Operation, Converted::Text(name)) => {
                self.operation(&name, origin);
                return;
            }
            (Field::ErrorType, Converted::Text(name)) => {
                self.error_type = Some((name.clone(), attribute));
                self.input.error_type = Some(name);
            }
            (Field::Model, Converted::Text(name)) => self.input.model = Some(name),
            (Field::UpstreamRequestId, Converted::Text(id)) => {
                self.input.upstream_request_id = Some(id);
            }
            (Field::Ttft, Converted::Millis(ms)) => self.input.ttft_ms = Some(ms),
            (Field::Stream, Converted::Flag(flag)) => self.stream = Some(flag),
            (field, Converted::Text(text)) if field.metadata_key().is_some() => {
                if let Some(key) = field.metadata_key() {
                    self.metadata.insert(key.to_owned(), Value::from(text));
                }
            }
            (field, Converted::Count(count)) => match field.unit() {
                Some(unit) => self.input.usage.set(unit, Some(Amount::Count(count))),
                None => return,
            },
            // The alias table gives every field the conversion it takes (see its tests).
            _ => return,
        }
        self.from(field.record_path(), origin);
    }

    /// The model named by the span rather than an attribute.
    pub(super) fn model(&mut self, model: String, origin: Origin) {
        self.input.model = Some(model);
        self.from("model", origin);
    }

    pub(super) fn timestamp(&mut self, ts_ms: i64, origin: Origin) {
        self.input.timestamp_ms = Some(ts_ms);
        self.from("timestamp", origin);
    }

    pub(super) fn latency(&mut self, ms: f64, origin: Origin) {
        self.input.latency_ms = Some(ms);
        self.from("latency_ms", origin);
    }

    /// The operation named `name`, and the model kind it implies.
    pub(super) fn operation(&mut self, name: &str, origin: Origin) {
        if let Some((operation, kind)) = aliases::operation(name.trim()) {
            self.input.operation = Some(operation);
            self.from("operation", origin);
            if let Some(kind) = kind {
                self.input.model_kind = Some(kind);
                self.from("model_kind", origin);
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
        let Some(ttft) = self.input.ttft_ms else {
            return;
        };
        let streamed = match self.stream {
            Some(flag) => flag,
            None => match self.origin_of("ttft_ms") {
                Some(origin @ Origin::Attribute(name)) if aliases::STREAM_ONLY.contains(&name) => {
                    self.stream = Some(true);
                    self.from("stream", origin);
                    true
                }
                _ => false,
            },
        };
        let before_the_end = latency_ms.is_none_or(|latency| ttft < latency);
        if !(streamed && before_the_end) {
            self.input.ttft_ms = None;
            self.origin.retain(|(path, _)| *path != "ttft_ms");
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
            self.input.status = Some(code);
            self.from("status", origin);
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
        self.input.status = Some(code);
        self.from("status", origin);

        let described = match message {
            Some(message) => Some((message, Origin::Span("status.message"))),
            None => exception
                .message
                .map(|message| (message, Origin::Span("exception.message"))),
        };
        if let Some((message, origin)) = described {
            let message = clip(message, limits::ERROR_MESSAGE_CHARS - 1);
            self.input.error_message = Some(message);
            self.from("error_message", origin);
        }
        if let (None, Some(kind)) = (&self.error_type, exception.kind) {
            let kind = clip(kind, limits::SHORT_TEXT_CHARS - 1);
            self.input.error_type = Some(kind);
            self.from("error_type", Origin::Span("exception.type"));
        }
    }

    pub(super) fn finish(mut self, now_ms: i64) -> Result<NewRequest, Refusal> {
        self.input.request_id = Some(self.request_id);
        self.input.stream = self.stream.unwrap_or(false);
        self.input.metadata = Some(self.metadata);
        let origin = self.origin;
        self.input.validate(now_ms, Source::Otlp).map_err(|error| {
            let (field, message) = (error.field, error.message);
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
