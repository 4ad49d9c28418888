//! The checks every record passes, whichever path it came in by, and its normalisation: text
//! trimmed, durations rounded, the API key masked, totals filled in, a request id made up when
//! none was given. Fields are checked in [`Step`] order and the first wrong one is named.

use app::model::{Amount, Usage, UNITS};

use super::{dimensions, limits, Dimensions, NewRequest, RecordInput, Source};

/// The order fields are checked in: of several faults in one record, the first in this order
/// is the one reported (the ingest API's JSON faults take their place in it too).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Not an object, or a field Modelwatch does not know.
    Shape,
    Model,
    Timestamp,
    Status,
    RequestId,
    ModelKind,
    Operation,
    ErrorType,
    ErrorMessage,
    LatencyMs,
    TtftMs,
    FirstByteMs,
    /// TTFT and first byte against the latency.
    Timings,
    Stream,
    ApiKey,
    Metadata,
    UpstreamRequestId,
    RequestBody,
    ResponseBody,
    Usage,
}

/// Why a record was refused: the field (`usage.images` inside objects, empty for the record
/// itself) and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    pub step: Step,
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(step: Step, field: &str, message: impl Into<String>) -> Self {
        Self {
            step,
            field: field.to_owned(),
            message: message.into(),
        }
    }
}

type Checked<T> = Result<T, FieldError>;

impl RecordInput {
    /// Checks and normalises the record of a call from `source`, received at `now_ms`.
    pub fn validate(self, now_ms: i64, source: Source) -> Checked<NewRequest> {
        let text =
            |step, field: &str, value, max_chars| optional_text(step, field, value, max_chars);
        let model = text(Step::Model, "model", self.model, limits::MODEL_CHARS)?
            .ok_or_else(|| FieldError::new(Step::Model, "model", "is required"))?;
        let ts_ms = timestamp(self.timestamp_ms, now_ms)?;
        let status = status(self.status)?;
        let request_id = text(
            Step::RequestId,
            "request_id",
            self.request_id,
            limits::REQUEST_ID_CHARS,
        )?
        .unwrap_or_else(|| uuid::Uuid::now_v7().to_string());
        let operation = text(
            Step::Operation,
            "operation",
            self.operation,
            limits::OPERATION_CHARS,
        )?;
        let error_type = text(
            Step::ErrorType,
            "error_type",
            self.error_type,
            limits::SHORT_TEXT_CHARS,
        )?;
        let error_message = text(
            Step::ErrorMessage,
            "error_message",
            self.error_message,
            limits::ERROR_MESSAGE_CHARS,
        )?;
        let latency_ms = duration(Step::LatencyMs, "latency_ms", self.latency_ms)?;
        let ttft_ms = duration(Step::TtftMs, "ttft_ms", self.ttft_ms)?;
        let first_byte_ms = duration(Step::FirstByteMs, "first_byte_ms", self.first_byte_ms)?;
        for (field, part) in [("ttft_ms", ttft_ms), ("first_byte_ms", first_byte_ms)] {
            if let (Some(part), Some(latency)) = (part, latency_ms) {
                if part > latency {
                    return Err(FieldError::new(
                        Step::Timings,
                        field,
                        "must not exceed latency_ms",
                    ));
                }
            }
        }
        let api_key = text(
            Step::ApiKey,
            "api_key",
            self.api_key,
            limits::SHORT_TEXT_CHARS,
        )?
        .map(|key| mask_secret(&key));
        let (metadata, dimensions) = match self.metadata {
            None => (None, Dimensions::default()),
            Some(mut map) => {
                // Serialised from the map itself (a clone of it cost more than the text).
                let text = metadata_text(&map)?;
                if text.len() > limits::METADATA_BYTES {
                    return Err(FieldError::new(
                        Step::Metadata,
                        "metadata",
                        format!("must be at most {} bytes", limits::METADATA_BYTES),
                    ));
                }
                let dimensions = dimensions::take(&mut map);
                let rest = if dimensions.stripped == 0 {
                    Some(text)
                } else {
                    match map.is_empty() {
                        true => None,
                        false => Some(metadata_text(&map)?),
                    }
                };
                (rest, dimensions)
            }
        };
        let upstream_request_id = text(
            Step::UpstreamRequestId,
            "upstream_request_id",
            self.upstream_request_id,
            limits::SHORT_TEXT_CHARS,
        )?;
        let request_body = body(Step::RequestBody, "request_body", self.request_body)?;
        let response_body = body(Step::ResponseBody, "response_body", self.response_body)?;
        let usage = checked_usage(self.usage)?;

        Ok(NewRequest {
            request_id,
            ts_ms,
            model,
            kind: self.model_kind,
            operation,
            status,
            error_type,
            error_message,
            usage,
            latency_ms,
            ttft_ms,
            first_byte_ms,
            stream: self.stream,
            api_key,
            metadata,
            dimensions,
            upstream_request_id,
            request_body,
            response_body,
            source,
        })
    }
}

/// The metadata object as compact JSON text.
fn metadata_text(map: &serde_json::Map<String, serde_json::Value>) -> Checked<String> {
    serde_json::to_string(map)
        .map_err(|error| FieldError::new(Step::Metadata, "metadata", error.to_string()))
}

/// `text` trimmed, or why it is not acceptable as `field`: empty, longer than `max_chars`, or
/// (except in an error message) holding control characters.
pub fn checked_text(step: Step, field: &str, text: String, max_chars: usize) -> Checked<String> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return Err(FieldError::new(step, field, "must not be empty"));
    }
    // Counting characters is only needed when the bytes could be too many.
    if trimmed.len() > max_chars && trimmed.chars().count() > max_chars {
        return Err(FieldError::new(
            step,
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    if field != "error_message" && trimmed.chars().any(char::is_control) {
        return Err(FieldError::new(
            step,
            field,
            "must not contain control characters",
        ));
    }
    Ok(if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    })
}

fn optional_text(
    step: Step,
    field: &str,
    text: Option<String>,
    max_chars: usize,
) -> Checked<Option<String>> {
    text.map(|text| checked_text(step, field, text, max_chars))
        .transpose()
}

fn timestamp(ts_ms: Option<i64>, now_ms: i64) -> Checked<i64> {
    let wrong = |message| Err(FieldError::new(Step::Timestamp, "timestamp", message));
    let Some(ts_ms) = ts_ms else {
        return wrong("is required");
    };
    if ts_ms > now_ms.saturating_add(limits::FUTURE_SLACK_MS) {
        return wrong("is more than 5 minutes in the future (check the client's clock; epoch values are milliseconds)");
    }
    if ts_ms < now_ms - limits::MAX_AGE_MS {
        return wrong("is more than 400 days old (epoch values are milliseconds, not seconds)");
    }
    Ok(ts_ms)
}

fn status(status: Option<u16>) -> Checked<u16> {
    match status {
        None => Err(FieldError::new(
            Step::Status,
            "status",
            "is required (the HTTP status of the call)",
        )),
        Some(code) if (100..=599).contains(&code) => Ok(code),
        Some(_) => Err(status_range()),
    }
}

/// A status that is no HTTP status code.
pub fn status_range() -> FieldError {
    FieldError::new(
        Step::Status,
        "status",
        "must be an HTTP status code between 100 and 599",
    )
}

fn duration(step: Step, field: &str, ms: Option<f64>) -> Checked<Option<i64>> {
    let Some(ms) = ms else { return Ok(None) };
    if !(ms.is_finite() && ms >= 0.0) {
        return Err(FieldError::new(
            step,
            field,
            "must be a non-negative number of milliseconds",
        ));
    }
    if ms > limits::MAX_DURATION_MS as f64 {
        return Err(FieldError::new(
            step,
            field,
            "must be at most one day (86400000 ms)",
        ));
    }
    Ok(Some(ms.round() as i64))
}

fn body(step: Step, field: &str, text: Option<String>) -> Checked<Option<String>> {
    match text {
        Some(text) if text.len() > limits::BODY_BYTES => Err(FieldError::new(
            step,
            field,
            format!("must be at most {} bytes", limits::BODY_BYTES),
        )),
        text => Ok(text),
    }
}

/// Every unit within its limits, no part larger than its whole, and the totals the provider
/// left out filled in from their parts (input + output tokens): the usage step of
/// [`RecordInput::validate`], for a caller that would rather drop a usage than the record.
pub fn checked_usage(mut usage: Usage) -> Checked<Usage> {
    let field = |key: &str| format!("usage.{key}");
    for spec in &UNITS {
        let wrong = match usage.get(spec.unit) {
            Some(Amount::Count(count)) if !(0..=limits::MAX_COUNT).contains(&count) => {
                format!("must be between 0 and {}", limits::MAX_COUNT)
            }
            Some(Amount::Seconds(seconds))
                if !(seconds.is_finite()
                    && (0.0..=limits::MAX_MEDIA_SECONDS).contains(&seconds)) =>
            {
                format!(
                    "must be between 0 and {} seconds",
                    limits::MAX_MEDIA_SECONDS
                )
            }
            _ => continue,
        };
        return Err(FieldError::new(Step::Usage, &field(spec.key), wrong));
    }
    for spec in &UNITS {
        let Some(whole) = spec.part_of else { continue };
        if let (Some(part), Some(of)) = (usage.get(spec.unit), usage.get(whole)) {
            if part.as_f64() > of.as_f64() {
                return Err(FieldError::new(
                    Step::Usage,
                    &field(spec.key),
                    format!("must not exceed {}", whole.key()),
                ));
            }
        }
    }
    for total in &UNITS {
        if usage.get(total.unit).is_some() {
            continue;
        }
        let parts: Vec<Amount> = UNITS
            .iter()
            .filter(|spec| spec.adds_to == Some(total.unit))
            .filter_map(|spec| usage.get(spec.unit))
            .collect();
        if !parts.is_empty() {
            let sum = parts.iter().map(|part| part.as_f64()).sum::<f64>();
            usage.set(total.unit, Some(Amount::Count(sum as i64)));
        }
    }
    Ok(usage)
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

#[cfg(test)]
mod tests;
