//! One span to one request record: the alias table picks the attributes, the span's times and
//! status give timing and outcome, and the record is then checked by the same
//! [`record::validate`] as an ingest-API record, so both paths accept exactly the same data.

use std::collections::HashMap;
use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::AnyValue;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;
use serde_json::{Map, Value};

use super::aliases::{self, Field, ALIASES};
use super::value::{clip, convert, Converted};
use crate::ingest::record::{self, limits, NewRequest, Source};

/// Where a record field came from: an attribute, or a part of the span itself.
#[derive(Clone, Copy, Debug)]
enum Origin {
    Attribute(&'static str),
    Span(&'static str),
}

/// Why a span was not stored: not a model call at all, or a model call with bad data.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    NotGenAi(String),
    Invalid(String),
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Refusal::NotGenAi(reason) => write!(f, "not a GenAI call ({reason})"),
            Refusal::Invalid(reason) => f.write_str(reason),
        }
    }
}

/// Maps `span`, exported by service `service_name`, into a validated record, as received at
/// `now_ms`.
pub fn to_record(
    span: &Span,
    service_name: Option<&str>,
    now_ms: i64,
) -> Result<NewRequest, Refusal> {
    let attributes: HashMap<&str, Option<&AnyValue>> = span
        .attributes
        .iter()
        .map(|pair| (pair.key.as_str(), pair.value.as_ref()))
        .collect();
    let has_model = ALIASES
        .iter()
        .any(|alias| alias.field == Field::Model && attributes.contains_key(alias.name));
    if !has_model {
        let marker = [
            "gen_ai.operation.name",
            "gen_ai.provider.name",
            "gen_ai.system",
        ]
        .into_iter()
        .find(|name| attributes.contains_key(name));
        return Err(Refusal::NotGenAi(match marker {
            Some(name) => format!("{name} but no model attribute"),
            None => "no model attribute".to_owned(),
        }));
    }
    let (trace_id, span_id) = ids(span).ok_or_else(|| {
        Refusal::Invalid("no valid trace id and span id (16 and 8 bytes, not all zero)".into())
    })?;

    let mut builder = Builder::default();
    for alias in ALIASES {
        if builder.has(alias.field) {
            continue;
        }
        let Some(value) = attributes.get(alias.name) else {
            continue;
        };
        let converted = convert(alias.unit, *value)
            .map_err(|reason| Refusal::Invalid(format!("attribute {}: {reason}", alias.name)))?;
        builder.set(alias.field, alias.name, converted);
    }

    if span.start_time_unix_nano == 0 {
        return Err(Refusal::Invalid("the span has no start time".into()));
    }
    let start_ms = i64::try_from(span.start_time_unix_nano / 1_000_000).unwrap_or(i64::MAX);
    builder.put(
        "timestamp",
        Origin::Span("startTimeUnixNano"),
        Value::from(start_ms),
    );
    if span.end_time_unix_nano != 0 {
        let Some(nanos) = span
            .end_time_unix_nano
            .checked_sub(span.start_time_unix_nano)
        else {
            return Err(Refusal::Invalid("the span ends before it starts".into()));
        };
        builder.put(
            "latency_ms",
            Origin::Span("endTimeUnixNano - startTimeUnixNano"),
            Value::from(nanos as f64 / 1_000_000.0),
        );
    }
    builder.outcome(span);
    builder.request_id = format!("{trace_id}-{span_id}");
    if let Some(service) = service_name.filter(|name| !name.trim().is_empty()) {
        builder.note("service_name", clip(service, limits::SHORT_TEXT_CHARS));
    }
    if !span.name.trim().is_empty() {
        builder.note("span_name", clip(&span.name, limits::SHORT_TEXT_CHARS));
    }
    builder.note("trace_id", trace_id);
    builder.note("span_id", span_id);
    builder.finish(now_ms)
}

/// The span's trace and span ids in lowercase hex, when they are valid.
pub fn ids(span: &Span) -> Option<(String, String)> {
    let valid = |bytes: &[u8], len: usize| bytes.len() == len && bytes.iter().any(|b| *b != 0);
    (valid(&span.trace_id, 16) && valid(&span.span_id, 8))
        .then(|| (hex(&span.trace_id), hex(&span.span_id)))
}

/// `bytes` in lowercase hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut text, byte| {
            let _ = write!(text, "{byte:02x}");
            text
        })
}

/// The ingest record being built, and where each of its fields came from.
#[derive(Default)]
struct Builder {
    record: Map<String, Value>,
    usage: Map<String, Value>,
    metadata: Map<String, Value>,
    /// Record field path -> the attribute (or span part) that gave it.
    origin: Vec<(&'static str, Origin)>,
    fields: Vec<Field>,
    http_status: Option<(u16, &'static str)>,
    request_id: String,
}

impl Builder {
    fn has(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    fn set(&mut self, field: Field, attribute: &'static str, value: Converted) {
        self.fields.push(field);
        match (field, value) {
            (Field::HttpStatus, Converted::Status(code)) => {
                self.http_status = Some((code, attribute));
            }
            (Field::Operation, Converted::Text(name)) => {
                if let Some((operation, kind)) = aliases::operation(name.trim()) {
                    let origin = Origin::Attribute(attribute);
                    self.put("operation", origin, Value::from(operation));
                    if let Some(kind) = kind {
                        self.put("model_kind", origin, Value::from(kind.as_str()));
                    }
                }
            }
            (field, value) => self.put(
                field.record_path(),
                Origin::Attribute(attribute),
                value.to_json(),
            ),
        }
    }

    /// Puts `value` at `path` (`usage.x`, `metadata.x` or a top-level field).
    fn put(&mut self, path: &'static str, origin: Origin, value: Value) {
        self.origin.push((path, origin));
        if let Some(key) = path.strip_prefix("usage.") {
            self.usage.insert(key.to_owned(), value);
        } else if let Some(key) = path.strip_prefix("metadata.") {
            self.metadata.insert(key.to_owned(), value);
        } else {
            self.record.insert(path.to_owned(), value);
        }
    }

    fn note(&mut self, key: &str, value: String) {
        self.metadata.insert(key.to_owned(), Value::from(value));
    }

    /// Status and error message: a span marked ERROR is a failed call (its HTTP status when it
    /// says so, else 500); any other span has the HTTP status attribute, or 200.
    fn outcome(&mut self, span: &Span) {
        let status = span.status.as_ref();
        let failed = status.is_some_and(|status| status.code == StatusCode::Error as i32);
        let (code, origin) = match (failed, self.http_status) {
            (true, Some((code, attribute))) if code >= 400 => (code, Origin::Attribute(attribute)),
            (true, _) => (500, Origin::Span("status.code")),
            (false, Some((code, attribute))) => (code, Origin::Attribute(attribute)),
            (false, None) => (200, Origin::Span("status.code")),
        };
        self.put("status", origin, Value::from(code));
        if let Some(message) = status
            .filter(|_| failed)
            .map(|status| status.message.trim())
            .filter(|message| !message.is_empty())
        {
            let message = clip(message, limits::ERROR_MESSAGE_CHARS - 1);
            self.put(
                "error_message",
                Origin::Span("status.message"),
                Value::from(message),
            );
        }
    }

    fn finish(mut self, now_ms: i64) -> Result<NewRequest, Refusal> {
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

#[cfg(test)]
pub(super) mod tests;
