//! A request record as the engine stores it, and the checks every incoming record passes.
//!
//! Records arrive as JSON objects (ingest API) or are built by other paths (OTLP, proxy, demo);
//! [`validate`] turns one JSON object into a [`NewRequest`] or says which field is wrong and why.

mod usage;

use app::model::{ModelKind, Usage};
use chrono::DateTime;
use serde_json::{Map, Value};

pub use crate::domain::record::{NewRequest, Source};

/// Why one record was refused: its position in the call, the field, and the reason.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Rejection {
    pub index: usize,
    pub field: String,
    pub message: String,
}

/// Limits on one record.
pub mod limits {
    pub const REQUEST_ID_CHARS: usize = 128;
    pub const MODEL_CHARS: usize = 200;
    pub const SHORT_TEXT_CHARS: usize = 256;
    pub const ERROR_MESSAGE_CHARS: usize = 8_192;
    pub const METADATA_BYTES: usize = 16 * 1024;
    pub const BODY_BYTES: usize = 1024 * 1024;
    /// No single call reports more units of one kind than this.
    pub const MAX_COUNT: i64 = 1_000_000_000;
    /// A day: no call takes longer.
    pub const MAX_DURATION_MS: i64 = 86_400_000;
    pub const MAX_MEDIA_SECONDS: f64 = 86_400.0;
    /// How far ahead of the server's clock a timestamp may be.
    pub const FUTURE_SLACK_MS: i64 = 5 * 60 * 1000;
    /// How old a timestamp may be: as long as hourly rollups are kept.
    pub const MAX_AGE_MS: i64 = 400 * 86_400_000;
}

const KNOWN_FIELDS: &[&str] = &[
    "request_id",
    "timestamp",
    "model",
    "model_kind",
    "operation",
    "status",
    "error_type",
    "error_message",
    "usage",
    "latency_ms",
    "ttft_ms",
    "first_byte_ms",
    "stream",
    "api_key",
    "metadata",
    "upstream_request_id",
    "request_body",
    "response_body",
];

pub(super) type FieldResult<T> = Result<T, (String, String)>;

pub(super) fn wrong(field: &str, message: impl Into<String>) -> (String, String) {
    (field.to_owned(), message.into())
}

/// Checks and normalises record number `index` of a call received at `now_ms`.
pub fn validate(
    index: usize,
    value: Value,
    now_ms: i64,
    source: Source,
) -> Result<NewRequest, Rejection> {
    validate_fields(value, now_ms, source).map_err(|(field, message)| Rejection {
        index,
        field,
        message,
    })
}

fn validate_fields(value: Value, now_ms: i64, source: Source) -> FieldResult<NewRequest> {
    let Value::Object(mut record) = value else {
        return Err(wrong("", "a record must be a JSON object"));
    };
    if let Some(unknown) = record
        .keys()
        .find(|key| !KNOWN_FIELDS.contains(&key.as_str()))
    {
        return Err(wrong(
            unknown,
            "unknown field (usage units go inside \"usage\", free data inside \"metadata\")",
        ));
    }

    let model = required_text(&mut record, "model", limits::MODEL_CHARS)?;
    let ts_ms = timestamp(record.remove("timestamp"), now_ms)?;
    let status = status(record.remove("status"))?;
    let request_id = match optional_text(&mut record, "request_id", limits::REQUEST_ID_CHARS)? {
        Some(id) => id,
        None => uuid::Uuid::now_v7().to_string(),
    };
    let kind = match optional_text(&mut record, "model_kind", 32)? {
        Some(text) => Some(ModelKind::parse(&text).ok_or_else(|| {
            wrong(
                "model_kind",
                "must be one of llm, image, video, speech, omni, embedding",
            )
        })?),
        None => None,
    };
    let operation = optional_text(&mut record, "operation", 64)?;
    let error_type = optional_text(&mut record, "error_type", limits::SHORT_TEXT_CHARS)?;
    let error_message = optional_text(&mut record, "error_message", limits::ERROR_MESSAGE_CHARS)?;
    let latency_ms = duration(&mut record, "latency_ms")?;
    let ttft_ms = duration(&mut record, "ttft_ms")?;
    let first_byte_ms = duration(&mut record, "first_byte_ms")?;
    if let (Some(ttft), Some(latency)) = (ttft_ms, latency_ms) {
        if ttft > latency {
            return Err(wrong("ttft_ms", "must not exceed latency_ms"));
        }
    }
    if let (Some(first_byte), Some(latency)) = (first_byte_ms, latency_ms) {
        if first_byte > latency {
            return Err(wrong("first_byte_ms", "must not exceed latency_ms"));
        }
    }
    let stream = match record.remove("stream") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(flag)) => flag,
        Some(_) => return Err(wrong("stream", "must be true or false")),
    };
    let api_key = optional_text(&mut record, "api_key", limits::SHORT_TEXT_CHARS)?
        .map(|key| mask_secret(&key));
    let metadata = match record.remove("metadata") {
        None | Some(Value::Null) => None,
        Some(value @ Value::Object(_)) => {
            let text = value.to_string();
            if text.len() > limits::METADATA_BYTES {
                return Err(wrong(
                    "metadata",
                    format!("must be at most {} bytes", limits::METADATA_BYTES),
                ));
            }
            Some(text)
        }
        Some(_) => return Err(wrong("metadata", "must be a JSON object")),
    };
    let upstream_request_id =
        optional_text(&mut record, "upstream_request_id", limits::SHORT_TEXT_CHARS)?;
    let request_body = body(record.remove("request_body"), "request_body")?;
    let response_body = body(record.remove("response_body"), "response_body")?;
    let usage = match record.remove("usage") {
        None | Some(Value::Null) => Usage::default(),
        Some(Value::Object(map)) => usage::usage(map)?,
        Some(_) => return Err(wrong("usage", "must be a JSON object")),
    };

    Ok(NewRequest {
        request_id,
        ts_ms,
        model,
        kind,
        operation,
        status,
        error_type,
        error_message,
        usage,
        latency_ms,
        ttft_ms,
        first_byte_ms,
        stream,
        api_key,
        metadata,
        upstream_request_id,
        request_body,
        response_body,
        source,
    })
}

fn optional_text(
    record: &mut Map<String, Value>,
    field: &str,
    max_chars: usize,
) -> FieldResult<Option<String>> {
    match record.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => {
            let trimmed = text.trim();
            if trimmed.is_empty() {
                return Err(wrong(field, "must not be empty"));
            }
            if trimmed.chars().count() > max_chars {
                return Err(wrong(
                    field,
                    format!("must be at most {max_chars} characters"),
                ));
            }
            if trimmed.chars().any(char::is_control) && field != "error_message" {
                return Err(wrong(field, "must not contain control characters"));
            }
            Ok(Some(trimmed.to_owned()))
        }
        Some(other) => Err(wrong(
            field,
            format!("must be a string, got {}", type_name(&other)),
        )),
    }
}

fn required_text(
    record: &mut Map<String, Value>,
    field: &str,
    max_chars: usize,
) -> FieldResult<String> {
    optional_text(record, field, max_chars)?.ok_or_else(|| wrong(field, "is required"))
}

fn timestamp(value: Option<Value>, now_ms: i64) -> FieldResult<i64> {
    let ts_ms = match value {
        None | Some(Value::Null) => return Err(wrong("timestamp", "is required")),
        Some(Value::String(text)) => DateTime::parse_from_rfc3339(text.trim())
            .map_err(|_| {
                wrong(
                    "timestamp",
                    "must be RFC 3339 (2026-11-26T09:30:00.123Z) or epoch milliseconds",
                )
            })?
            .timestamp_millis(),
        Some(Value::Number(number)) => number
            .as_i64()
            .ok_or_else(|| wrong("timestamp", "epoch milliseconds must be a whole number"))?,
        Some(other) => {
            return Err(wrong(
                "timestamp",
                format!(
                    "must be an RFC 3339 string or epoch milliseconds, got {}",
                    type_name(&other)
                ),
            ))
        }
    };
    if ts_ms > now_ms + limits::FUTURE_SLACK_MS {
        return Err(wrong(
            "timestamp",
            "is more than 5 minutes in the future (check the client's clock; epoch values are milliseconds)",
        ));
    }
    if ts_ms < now_ms - limits::MAX_AGE_MS {
        return Err(wrong(
            "timestamp",
            "is more than 400 days old (epoch values are milliseconds, not seconds)",
        ));
    }
    Ok(ts_ms)
}

fn status(value: Option<Value>) -> FieldResult<u16> {
    match value {
        None | Some(Value::Null) => {
            Err(wrong("status", "is required (the HTTP status of the call)"))
        }
        Some(Value::Number(number)) => number
            .as_u64()
            .and_then(|code| u16::try_from(code).ok())
            .filter(|code| (100..=599).contains(code))
            .ok_or_else(|| wrong("status", "must be an HTTP status code between 100 and 599")),
        Some(other) => Err(wrong(
            "status",
            format!("must be a number, got {}", type_name(&other)),
        )),
    }
}

fn duration(record: &mut Map<String, Value>, field: &str) -> FieldResult<Option<i64>> {
    match record.remove(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => {
            let ms = number
                .as_f64()
                .filter(|ms| ms.is_finite() && *ms >= 0.0)
                .ok_or_else(|| wrong(field, "must be a non-negative number of milliseconds"))?;
            if ms > limits::MAX_DURATION_MS as f64 {
                return Err(wrong(field, "must be at most one day (86400000 ms)"));
            }
            Ok(Some(ms.round() as i64))
        }
        Some(other) => Err(wrong(
            field,
            format!("must be a number, got {}", type_name(&other)),
        )),
    }
}

fn body(value: Option<Value>, field: &str) -> FieldResult<Option<String>> {
    let text = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(text)) => text,
        Some(value) => value.to_string(),
    };
    if text.len() > limits::BODY_BYTES {
        return Err(wrong(
            field,
            format!("must be at most {} bytes", limits::BODY_BYTES),
        ));
    }
    Ok(Some(text))
}

pub(super) fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Keeps enough of a key to recognise it (`sk-…a1b2`), never the secret.
pub fn mask_secret(key: &str) -> String {
    let chars: Vec<char> = key.chars().collect();
    if chars.len() <= 8 {
        return "…".to_owned();
    }
    let head: String = chars.iter().take(3).collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}…{tail}")
}
