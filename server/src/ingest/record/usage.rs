//! A `usage` JSON object (the ingest API's, or a provider's answer in the proxy) read into a
//! typed [`Usage`]: provider names mapped onto our units by the units table (`UNITS`: keys,
//! aliases, `*_tokens_details` breakdowns), each value checked, unknown keys kept as sent.

use app::model::{Amount, Measure, Side, Unit, UnitSpec, Usage, UNITS};
use serde_json::{Map, Value};

use crate::domain::record::{limits, FieldError, Step};

type Checked<T> = Result<T, FieldError>;

fn wrong(field: &str, message: impl Into<String>) -> FieldError {
    FieldError::new(Step::Usage, field, message)
}

/// The unit a top-level usage key names (its own name or a provider's alias).
fn unit_named(key: &str) -> Option<&'static UnitSpec> {
    UNITS
        .iter()
        .find(|spec| spec.key == key || spec.aliases.contains(&key))
}

/// The side whose breakdown a usage key holds (`prompt_tokens_details`).
fn breakdown_of(key: &str) -> Option<Side> {
    [Side::Input, Side::Output]
        .into_iter()
        .find(|side| side.detail_keys().contains(&key))
}

/// Reads a `usage` object; a value that is not an amount of its unit is named
/// `usage.<key>` (`usage.<breakdown>.<key>` inside a breakdown).
pub fn usage_from_json(map: Map<String, Value>) -> Checked<Usage> {
    let mut usage = Usage::default();
    for (key, value) in map {
        if let Some(spec) = unit_named(&key) {
            let amount = amount(spec.measure, &value, || format!("usage.{key}"))?;
            usage.set(spec.unit, amount);
            continue;
        }
        match (breakdown_of(&key), &value) {
            // The parts we have units for; the whole breakdown is also kept as sent.
            (Some(side), Value::Object(parts)) => {
                breakdown(&key, side, parts, &mut usage)?;
                usage.other.insert(key, value);
            }
            (_, Value::Null) => {}
            _ => {
                usage.other.insert(key, value);
            }
        }
    }
    Ok(usage)
}

/// Fills the units of `side`'s breakdown the top level did not report.
fn breakdown(key: &str, side: Side, parts: &Map<String, Value>, usage: &mut Usage) -> Checked<()> {
    for (part, value) in parts {
        let unit: Option<Unit> = UNITS
            .iter()
            .find(|spec| spec.detail == Some((side, part.as_str())))
            .map(|spec| spec.unit);
        let Some(unit) = unit else { continue };
        if usage.get(unit).is_none() {
            let amount = amount(unit.spec().measure, value, || format!("usage.{key}.{part}"))?;
            usage.set(unit, amount);
        }
    }
    Ok(())
}

/// `value` as an amount of a unit measured by `measure` (`None` for null); `field` names it
/// in the refusal.
fn amount(
    measure: Measure,
    value: &Value,
    field: impl FnOnce() -> String,
) -> Checked<Option<Amount>> {
    let number = match value {
        Value::Null => return Ok(None),
        Value::Number(number) => number,
        other => {
            return Err(wrong(
                &field(),
                format!("must be a number, got {}", type_name(other)),
            ))
        }
    };
    match measure {
        Measure::Count => match number.as_i64() {
            Some(count) if (0..=limits::MAX_COUNT).contains(&count) => {
                Ok(Some(Amount::Count(count)))
            }
            Some(_) => Err(wrong(
                &field(),
                format!("must be between 0 and {}", limits::MAX_COUNT),
            )),
            None => Err(wrong(&field(), "must be a whole number")),
        },
        Measure::Seconds => match number.as_f64() {
            Some(seconds)
                if seconds.is_finite() && (0.0..=limits::MAX_MEDIA_SECONDS).contains(&seconds) =>
            {
                Ok(Some(Amount::Seconds(seconds)))
            }
            _ => Err(wrong(
                &field(),
                format!(
                    "must be between 0 and {} seconds",
                    limits::MAX_MEDIA_SECONDS
                ),
            )),
        },
    }
}

/// `a string`, `an object`...: what a JSON value is, for refusals.
pub fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn read(value: Value) -> Checked<Usage> {
        match value {
            Value::Object(map) => usage_from_json(map),
            _ => panic!("test usage must be an object"),
        }
    }

    #[test]
    fn provider_names_and_breakdowns_land_on_our_units_and_the_rest_is_kept() {
        let usage = read(json!({
            "prompt_tokens": 100,
            "completion_tokens": 20,
            "prompt_tokens_details": { "cached_tokens": 40, "audio_tokens": 5 },
            "completion_tokens_details": { "reasoning_tokens": 8, "rejected_prediction_tokens": 1 },
            "audio_seconds": 1.5,
            "credits": 3,
            "ignored": null,
        }))
        .expect("valid");
        assert_eq!(usage.input_tokens, Some(100));
        assert_eq!(usage.output_tokens, Some(20));
        assert_eq!(usage.cached_tokens, Some(40));
        assert_eq!(usage.input_audio_tokens, Some(5));
        assert_eq!(usage.reasoning_tokens, Some(8));
        assert_eq!(usage.audio_seconds, Some(1.5));
        assert_eq!(usage.total_tokens, None, "totals are the validation's job");
        let kept: Vec<&str> = usage.other.keys().map(String::as_str).collect();
        assert_eq!(
            kept,
            [
                "completion_tokens_details",
                "credits",
                "prompt_tokens_details"
            ]
        );
    }

    #[test]
    fn a_top_level_unit_beats_its_breakdown() {
        let usage = read(json!({
            "cached_tokens": 3,
            "input_tokens_details": { "cached_tokens": 9 },
        }))
        .expect("valid");
        assert_eq!(usage.cached_tokens, Some(3));
    }

    #[test]
    fn wrong_values_are_named_by_their_path() {
        for (value, field, message) in [
            (
                json!({ "images": "three" }),
                "usage.images",
                "must be a number, got a string",
            ),
            (
                json!({ "input_tokens": -1 }),
                "usage.input_tokens",
                "must be between 0 and 1000000000",
            ),
            (
                json!({ "output_tokens": 1.5 }),
                "usage.output_tokens",
                "must be a whole number",
            ),
            (
                json!({ "video_seconds": 90_000 }),
                "usage.video_seconds",
                "must be between 0 and 86400 seconds",
            ),
            (
                json!({ "prompt_tokens_details": { "cached_tokens": "x" } }),
                "usage.prompt_tokens_details.cached_tokens",
                "must be a number, got a string",
            ),
        ] {
            let error = read(value).expect_err("refused");
            assert_eq!(
                (error.field.as_str(), error.message.as_str()),
                (field, message)
            );
            assert_eq!(error.step, Step::Usage);
        }
    }
}
