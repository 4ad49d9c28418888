//! Attribute values converted to what a field needs. OTLP clients send numbers as ints,
//! doubles or (JSON clients) decimal strings; all are accepted when they mean the same number.

use opentelemetry_proto::tonic::common::v1::any_value::Value;
use opentelemetry_proto::tonic::common::v1::AnyValue;

use super::aliases::Unit;
use crate::ingest::record::limits;

/// A converted attribute value.
#[derive(Clone, Debug, PartialEq)]
pub enum Converted {
    Text(String),
    Count(i64),
    /// Milliseconds, possibly fractional (the record rounds).
    Millis(f64),
    Flag(bool),
    Status(u16),
}

/// Converts `value` by `unit`, or says why it cannot be (the caller names the attribute).
pub fn convert(unit: Unit, value: Option<&AnyValue>) -> Result<Converted, String> {
    let value = value.and_then(|value| value.value.as_ref());
    match unit {
        Unit::Text => match value {
            Some(Value::StringValue(text)) => Ok(Converted::Text(text.clone())),
            other => Err(format!("must be a string, got {}", describe(other))),
        },
        Unit::Count => {
            let number = number(value)?;
            if number < 0.0 {
                return Err(format!("must not be negative, got {number}"));
            }
            if number.fract() != 0.0 {
                return Err(format!("must be a whole number, got {number}"));
            }
            if number > limits::MAX_COUNT as f64 {
                return Err(format!("must be at most {}", limits::MAX_COUNT));
            }
            Ok(Converted::Count(number as i64))
        }
        Unit::Seconds | Unit::Milliseconds => {
            let number = number(value)?;
            if number < 0.0 {
                return Err(format!("must not be negative, got {number}"));
            }
            let ms = if unit == Unit::Seconds {
                number * 1000.0
            } else {
                number
            };
            if ms > limits::MAX_DURATION_MS as f64 {
                return Err("must be at most one day".to_owned());
            }
            Ok(Converted::Millis(ms))
        }
        Unit::Flag => match value {
            Some(Value::BoolValue(flag)) => Ok(Converted::Flag(*flag)),
            Some(Value::StringValue(text)) if text.eq_ignore_ascii_case("true") => {
                Ok(Converted::Flag(true))
            }
            Some(Value::StringValue(text)) if text.eq_ignore_ascii_case("false") => {
                Ok(Converted::Flag(false))
            }
            other => Err(format!("must be true or false, got {}", describe(other))),
        },
        Unit::HttpStatus => {
            let number = number(value)?;
            if number.fract() != 0.0 || !(100.0..=599.0).contains(&number) {
                return Err(format!(
                    "must be an HTTP status code between 100 and 599, got {number}"
                ));
            }
            Ok(Converted::Status(number as u16))
        }
    }
}

/// A finite number from an int, a double or a decimal string.
fn number(value: Option<&Value>) -> Result<f64, String> {
    let number = match value {
        Some(Value::IntValue(int)) => *int as f64,
        Some(Value::DoubleValue(double)) => *double,
        Some(Value::StringValue(text)) => text
            .trim()
            .parse::<f64>()
            .map_err(|_| format!("must be a number, got the string {:?}", clip(text, 40)))?,
        other => return Err(format!("must be a number, got {}", describe(other))),
    };
    if number.is_finite() {
        Ok(number)
    } else {
        Err(format!("must be a finite number, got {number}"))
    }
}

fn describe(value: Option<&Value>) -> &'static str {
    match value {
        None => "no value",
        Some(Value::StringValue(_)) => "a string",
        Some(Value::BoolValue(_)) => "a boolean",
        Some(Value::IntValue(_)) => "an int",
        Some(Value::DoubleValue(_)) => "a double",
        Some(Value::ArrayValue(_)) => "an array",
        Some(Value::KvlistValue(_)) => "a key-value list",
        Some(Value::BytesValue(_)) => "bytes",
        Some(Value::StringValueStrindex(_)) => "a string-table reference",
    }
}

/// At most `max` characters of `text`, with an ellipsis when cut.
pub fn clip(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn any(value: Value) -> AnyValue {
        AnyValue { value: Some(value) }
    }

    #[test]
    fn counts_accept_ints_whole_doubles_and_decimal_strings() {
        for value in [
            Value::IntValue(42),
            Value::DoubleValue(42.0),
            Value::StringValue("42".into()),
            Value::StringValue(" 42 ".into()),
        ] {
            assert_eq!(
                convert(Unit::Count, Some(&any(value))),
                Ok(Converted::Count(42))
            );
        }
    }

    #[test]
    fn counts_refuse_negative_fractional_huge_and_non_numeric_values() {
        for (value, reason) in [
            (Value::IntValue(-1), "negative"),
            (Value::DoubleValue(1.5), "whole"),
            (Value::IntValue(limits::MAX_COUNT + 1), "at most"),
            (Value::StringValue("many".into()), "number"),
            (Value::BoolValue(true), "a boolean"),
            (Value::DoubleValue(f64::NAN), "finite"),
        ] {
            let error = convert(Unit::Count, Some(&any(value))).expect_err("refused");
            assert!(error.contains(reason), "{error}");
        }
        assert!(convert(Unit::Count, None)
            .expect_err("refused")
            .contains("no value"));
    }

    #[test]
    fn seconds_become_milliseconds_and_milliseconds_stay() {
        let value = any(Value::DoubleValue(0.25));
        assert_eq!(
            convert(Unit::Seconds, Some(&value)),
            Ok(Converted::Millis(250.0))
        );
        assert_eq!(
            convert(Unit::Milliseconds, Some(&value)),
            Ok(Converted::Millis(0.25))
        );
        assert!(convert(Unit::Seconds, Some(&any(Value::IntValue(-2)))).is_err());
        assert!(convert(Unit::Seconds, Some(&any(Value::IntValue(90_000)))).is_err());
    }

    #[test]
    fn flags_and_statuses_accept_their_spellings() {
        let flag = |value| convert(Unit::Flag, Some(&any(value)));
        assert_eq!(flag(Value::BoolValue(true)), Ok(Converted::Flag(true)));
        assert_eq!(
            flag(Value::StringValue("False".into())),
            Ok(Converted::Flag(false))
        );
        assert!(flag(Value::IntValue(1)).is_err());
        let status = |value| convert(Unit::HttpStatus, Some(&any(value)));
        assert_eq!(status(Value::IntValue(429)), Ok(Converted::Status(429)));
        assert_eq!(
            status(Value::StringValue("503".into())),
            Ok(Converted::Status(503))
        );
        assert!(status(Value::IntValue(99)).is_err());
        assert!(status(Value::IntValue(600)).is_err());
    }

    #[test]
    fn text_must_be_a_string_and_clipping_respects_characters() {
        assert!(convert(Unit::Text, Some(&any(Value::IntValue(3))))
            .expect_err("refused")
            .contains("an int"));
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("hi", 2), "hi");
    }
}
