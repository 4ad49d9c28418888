//! One span to one request record: the alias table picks the attributes, the span's times and
//! status give timing and outcome, all filled into a typed
//! [`RecordInput`](crate::domain::record::RecordInput), which is then checked like an
//! ingest-API record, so both paths accept exactly the same data.
//!
//! Two rules are the receiver's own. A failed span without a model attribute is still a call
//! when its name has the conventions' `{operation} {model}` form (`failure.rs`): failed calls are
//! what monitoring is for. And a time to first token is kept only for a streamed call and only
//! when it is below the latency: some libraries report the whole duration as TTFT for answers
//! that did not stream, which would make Average TTFT an average latency.

use std::collections::HashMap;
use std::fmt::Write as _;

use opentelemetry_proto::tonic::common::v1::AnyValue;
use opentelemetry_proto::tonic::trace::v1::status::StatusCode;
use opentelemetry_proto::tonic::trace::v1::Span;

use super::aliases::{Field, ALIASES};
use super::value::{clip, convert};
use crate::ingest::record::{limits, NewRequest};
use builder::{Builder, Origin};

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
    // A failed call may be known by its span name alone (`chat gpt-4o-mini`).
    let named = (!has_model && failed(span))
        .then(|| failure::named_call(&span.name))
        .flatten();
    if !has_model && named.is_none() {
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
    if let Some(call) = named {
        let origin = Origin::Span("name");
        builder.model(call.model.to_owned(), origin);
        if !builder.has(Field::Operation) {
            builder.operation(call.operation, origin);
        }
    }

    if span.start_time_unix_nano == 0 {
        return Err(Refusal::Invalid("the span has no start time".into()));
    }
    let start_ms = i64::try_from(span.start_time_unix_nano / 1_000_000).unwrap_or(i64::MAX);
    builder.timestamp(start_ms, Origin::Span("startTimeUnixNano"));
    let mut latency_ms = None;
    if span.end_time_unix_nano != 0 {
        let Some(nanos) = span
            .end_time_unix_nano
            .checked_sub(span.start_time_unix_nano)
        else {
            return Err(Refusal::Invalid("the span ends before it starts".into()));
        };
        let ms = nanos as f64 / 1_000_000.0;
        latency_ms = Some(ms);
        builder.latency(ms, Origin::Span("endTimeUnixNano - startTimeUnixNano"));
    }
    builder.ttft_of_streams_only(latency_ms);
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

/// Whether the span's status is ERROR.
fn failed(span: &Span) -> bool {
    span.status
        .as_ref()
        .is_some_and(|status| status.code == StatusCode::Error as i32)
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

mod builder;
mod failure;

#[cfg(test)]
pub(super) mod tests;
