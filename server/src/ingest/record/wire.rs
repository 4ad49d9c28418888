//! The ingest API's JSON record read straight into a [`RecordInput`], without building a
//! `serde_json::Value` of the record first. A value of the wrong JSON type does not stop the
//! read (the other records of the call still count): it is kept as a fault in its field's
//! place of the check order, so the reason a record is refused is the one the checks of the
//! typed record would have given first.

use std::fmt;

use app::model::{ModelKind, Usage};
use chrono::DateTime;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use super::usage::usage_from_json;
use crate::domain::record::{
    checked_text, limits, status_range, FieldError, NewRequest, RecordInput, Source, Step,
};
use scalar::Scalar;

/// One record as read from JSON: the typed input and the first fault of its JSON, if any.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct WireRecord {
    input: RecordInput,
    faults: Vec<FieldError>,
}

impl WireRecord {
    /// Checks the record of a call received at `now_ms`: its first fault in check order, be it
    /// a JSON value of the wrong type or a value the typed checks refuse.
    pub fn validate(self, now_ms: i64, source: Source) -> Result<NewRequest, FieldError> {
        let fault = self.faults.into_iter().min_by_key(|fault| fault.step);
        match (self.input.validate(now_ms, source), fault) {
            (Ok(_), Some(fault)) => Err(fault),
            (Err(error), Some(fault)) if fault.step <= error.step => Err(fault),
            (checked, _) => checked,
        }
    }

    fn fault(&mut self, error: FieldError) {
        self.faults.push(error);
    }

    fn not_an_object() -> Self {
        WireRecord {
            input: RecordInput::default(),
            faults: vec![FieldError::new(
                Step::Shape,
                "",
                "a record must be a JSON object",
            )],
        }
    }
}

/// The record fields, each with its step in the check order.
const FIELDS: [(&str, Step); 18] = [
    ("request_id", Step::RequestId),
    ("timestamp", Step::Timestamp),
    ("model", Step::Model),
    ("model_kind", Step::ModelKind),
    ("operation", Step::Operation),
    ("status", Step::Status),
    ("error_type", Step::ErrorType),
    ("error_message", Step::ErrorMessage),
    ("usage", Step::Usage),
    ("latency_ms", Step::LatencyMs),
    ("ttft_ms", Step::TtftMs),
    ("first_byte_ms", Step::FirstByteMs),
    ("stream", Step::Stream),
    ("api_key", Step::ApiKey),
    ("metadata", Step::Metadata),
    ("upstream_request_id", Step::UpstreamRequestId),
    ("request_body", Step::RequestBody),
    ("response_body", Step::ResponseBody),
];

/// A key of a record object: a field (matched without allocating) or an unknown key.
enum Key {
    Field(&'static str, Step),
    Unknown(String),
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }
            fn visit_str<E>(self, key: &str) -> Result<Key, E> {
                Ok(match FIELDS.iter().find(|(name, _)| *name == key) {
                    Some(&(name, step)) => Key::Field(name, step),
                    None => Key::Unknown(key.to_owned()),
                })
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

impl WireRecord {
    /// The first unknown key in key order is named, as the checks always did.
    fn unknown(&mut self, key: String) {
        let earlier = self
            .faults
            .iter()
            .any(|fault| fault.step == Step::Shape && fault.field <= key);
        if !earlier {
            self.faults.retain(|fault| fault.step != Step::Shape);
            self.faults.push(FieldError {
                step: Step::Shape,
                field: key,
                message:
                    "unknown field (usage units go inside \"usage\", free data inside \"metadata\")"
                        .to_owned(),
            });
        }
    }

    /// Reads the value of record field `field`. A repeated key replaces what came before,
    /// fault included, as in any JSON object.
    fn read_field<'de, A: MapAccess<'de>>(
        &mut self,
        field: &'static str,
        step: Step,
        map: &mut A,
    ) -> Result<(), A::Error> {
        self.faults.retain(|fault| fault.step != step);
        match field {
            "timestamp" => self.input.timestamp_ms = self.timestamp(map.next_value()?),
            "status" => self.input.status = self.status(map.next_value()?),
            "model_kind" => self.input.model_kind = self.model_kind(map.next_value()?),
            "latency_ms" | "ttft_ms" | "first_byte_ms" => {
                let ms = self.duration(field, step, map.next_value()?);
                *match step {
                    Step::LatencyMs => &mut self.input.latency_ms,
                    Step::TtftMs => &mut self.input.ttft_ms,
                    _ => &mut self.input.first_byte_ms,
                } = ms;
            }
            "stream" => {
                self.input.stream = match map.next_value()? {
                    Scalar::Null => false,
                    Scalar::Bool(flag) => flag,
                    _ => {
                        self.fault(FieldError::new(step, field, "must be true or false"));
                        false
                    }
                }
            }
            "metadata" => {
                self.input.metadata = match map.next_value()? {
                    Value::Null => None,
                    Value::Object(fields) => Some(fields),
                    _ => {
                        self.fault(FieldError::new(step, field, "must be a JSON object"));
                        None
                    }
                }
            }
            "request_body" => self.input.request_body = body(map.next_value()?),
            "response_body" => self.input.response_body = body(map.next_value()?),
            "usage" => {
                self.input.usage = match map.next_value()? {
                    Value::Null => Usage::default(),
                    Value::Object(fields) => usage_from_json(fields).unwrap_or_else(|error| {
                        self.fault(error);
                        Usage::default()
                    }),
                    _ => {
                        self.fault(FieldError::new(step, field, "must be a JSON object"));
                        Usage::default()
                    }
                }
            }
            _ => {
                let text = match map.next_value()? {
                    Scalar::Null => None,
                    Scalar::String(text) => Some(text),
                    other => {
                        self.fault(FieldError::new(
                            step,
                            field,
                            format!("must be a string, got {}", other.type_name()),
                        ));
                        None
                    }
                };
                *self.text_field(step) = text;
            }
        }
        Ok(())
    }

    /// The text field checked at `step`.
    fn text_field(&mut self, step: Step) -> &mut Option<String> {
        let input = &mut self.input;
        match step {
            Step::RequestId => &mut input.request_id,
            Step::Model => &mut input.model,
            Step::Operation => &mut input.operation,
            Step::ErrorType => &mut input.error_type,
            Step::ErrorMessage => &mut input.error_message,
            Step::ApiKey => &mut input.api_key,
            _ => &mut input.upstream_request_id,
        }
    }

    fn timestamp(&mut self, value: Scalar) -> Option<i64> {
        let fault = match value {
            Scalar::Null => return None,
            Scalar::String(text) => match DateTime::parse_from_rfc3339(text.trim()) {
                Ok(time) => return Some(time.timestamp_millis()),
                Err(_) => {
                    "must be RFC 3339 (2026-11-26T09:30:00.123Z) or epoch milliseconds".to_owned()
                }
            },
            Scalar::Number(number) => match number.as_i64() {
                Some(ms) => return Some(ms),
                None => "epoch milliseconds must be a whole number".to_owned(),
            },
            other => format!(
                "must be an RFC 3339 string or epoch milliseconds, got {}",
                other.type_name()
            ),
        };
        self.fault(FieldError::new(Step::Timestamp, "timestamp", fault));
        None
    }

    fn status(&mut self, value: Scalar) -> Option<u16> {
        match value {
            Scalar::Null => None,
            Scalar::Number(number) => {
                let code = number.as_u64().and_then(|code| u16::try_from(code).ok());
                if code.is_none() {
                    self.fault(status_range());
                }
                code
            }
            other => {
                self.fault(FieldError::new(
                    Step::Status,
                    "status",
                    format!("must be a number, got {}", other.type_name()),
                ));
                None
            }
        }
    }

    fn model_kind(&mut self, value: Scalar) -> Option<ModelKind> {
        let outcome = match value {
            Scalar::Null => return None,
            Scalar::String(text) => {
                checked_text(Step::ModelKind, "model_kind", text, limits::KIND_CHARS).and_then(
                    |name| {
                        ModelKind::parse(&name).ok_or_else(|| {
                            FieldError::new(
                                Step::ModelKind,
                                "model_kind",
                                format!("must be one of {}", ModelKind::names()),
                            )
                        })
                    },
                )
            }
            other => Err(FieldError::new(
                Step::ModelKind,
                "model_kind",
                format!("must be a string, got {}", other.type_name()),
            )),
        };
        outcome.map_err(|error| self.fault(error)).ok()
    }

    fn duration(&mut self, field: &str, step: Step, value: Scalar) -> Option<f64> {
        match value {
            Scalar::Null => None,
            // Every JSON number is a finite `f64`; its range is the typed check's.
            Scalar::Number(number) => number.as_f64(),
            other => {
                self.fault(FieldError::new(
                    step,
                    field,
                    format!("must be a number, got {}", other.type_name()),
                ));
                None
            }
        }
    }
}

/// A body as sent: a string as it is, any other JSON as its text.
fn body(value: Value) -> Option<String> {
    match value {
        Value::Null => None,
        Value::String(text) => Some(text),
        other => Some(other.to_string()),
    }
}

impl<'de> Deserialize<'de> for WireRecord {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = WireRecord;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a record (a JSON object)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WireRecord, A::Error> {
                let mut record = WireRecord::default();
                while let Some(key) = map.next_key::<Key>()? {
                    match key {
                        Key::Field(field, step) => record.read_field(field, step, &mut map)?,
                        Key::Unknown(key) => {
                            map.next_value::<IgnoredAny>()?;
                            record.unknown(key);
                        }
                    }
                }
                Ok(record)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WireRecord, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(WireRecord::not_an_object())
            }
            fn visit_unit<E: de::Error>(self) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<WireRecord, E> {
                Ok(WireRecord::not_an_object())
            }
        }
        deserializer.deserialize_any(RecordVisitor)
    }
}

/// Reads one record from a JSON value (the wrapper form's records, tests, callers that hold
/// a value); a value that is not an object gives a record refused as such.
pub fn from_value(value: Value) -> WireRecord {
    WireRecord::deserialize(value).unwrap_or_else(|_| WireRecord::not_an_object())
}

mod scalar;
#[cfg(test)]
mod tests;
