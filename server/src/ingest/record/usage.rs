//! The `usage` object of a record: provider names mapped onto our columns, limits checked,
//! unknown keys kept as sent.

use app::model::Usage;
use serde_json::{Map, Value};

use super::{limits, type_name, wrong, FieldResult};

/// Usage keys under the names providers use, mapped onto our columns.
pub(super) fn usage(map: Map<String, Value>) -> FieldResult<Usage> {
    let mut usage = Usage::default();
    for (key, value) in map {
        let field = format!("usage.{key}");
        match key.as_str() {
            "input_tokens" | "prompt_tokens" => usage.input_tokens = count(&field, &value)?,
            "output_tokens" | "completion_tokens" => usage.output_tokens = count(&field, &value)?,
            "total_tokens" => usage.total_tokens = count(&field, &value)?,
            "cached_tokens" => usage.cached_tokens = count(&field, &value)?,
            "reasoning_tokens" => usage.reasoning_tokens = count(&field, &value)?,
            "input_text_tokens" => usage.input_text_tokens = count(&field, &value)?,
            "input_audio_tokens" => usage.input_audio_tokens = count(&field, &value)?,
            "input_image_tokens" => usage.input_image_tokens = count(&field, &value)?,
            "input_video_tokens" => usage.input_video_tokens = count(&field, &value)?,
            "output_text_tokens" => usage.output_text_tokens = count(&field, &value)?,
            "output_audio_tokens" => usage.output_audio_tokens = count(&field, &value)?,
            "images" => usage.images = count(&field, &value)?,
            "characters" => usage.characters = count(&field, &value)?,
            "video_seconds" => usage.video_seconds = seconds(&field, &value)?,
            "audio_seconds" => usage.audio_seconds = seconds(&field, &value)?,
            // OpenAI-style breakdowns: the parts we have columns for, the rest kept as sent.
            "prompt_tokens_details" | "input_tokens_details" if value.is_object() => {
                details(&field, &value, &mut usage, Direction::Input)?;
                usage.other.insert(key, value);
            }
            "completion_tokens_details" | "output_tokens_details" if value.is_object() => {
                details(&field, &value, &mut usage, Direction::Output)?;
                usage.other.insert(key, value);
            }
            _ => {
                if !matches!(value, Value::Null) {
                    usage.other.insert(key, value);
                }
            }
        }
    }
    if let (Some(cached), Some(input)) = (usage.cached_tokens, usage.input_tokens) {
        if cached > input {
            return Err(wrong("usage.cached_tokens", "must not exceed input_tokens"));
        }
    }
    if let (Some(reasoning), Some(output)) = (usage.reasoning_tokens, usage.output_tokens) {
        if reasoning > output {
            return Err(wrong(
                "usage.reasoning_tokens",
                "must not exceed output_tokens",
            ));
        }
    }
    if usage.total_tokens.is_none()
        && (usage.input_tokens.is_some() || usage.output_tokens.is_some())
    {
        usage.total_tokens =
            Some(usage.input_tokens.unwrap_or(0) + usage.output_tokens.unwrap_or(0));
    }
    Ok(usage)
}

enum Direction {
    Input,
    Output,
}

fn details(field: &str, value: &Value, usage: &mut Usage, direction: Direction) -> FieldResult<()> {
    let Value::Object(parts) = value else {
        return Ok(());
    };
    for (key, part) in parts {
        let field = format!("{field}.{key}");
        let slot = match (&direction, key.as_str()) {
            (Direction::Input, "cached_tokens") => &mut usage.cached_tokens,
            (Direction::Input, "text_tokens") => &mut usage.input_text_tokens,
            (Direction::Input, "audio_tokens") => &mut usage.input_audio_tokens,
            (Direction::Input, "image_tokens") => &mut usage.input_image_tokens,
            (Direction::Input, "video_tokens") => &mut usage.input_video_tokens,
            (Direction::Output, "reasoning_tokens") => &mut usage.reasoning_tokens,
            (Direction::Output, "text_tokens") => &mut usage.output_text_tokens,
            (Direction::Output, "audio_tokens") => &mut usage.output_audio_tokens,
            _ => continue,
        };
        if slot.is_none() {
            *slot = count(&field, part)?;
        }
    }
    Ok(())
}

fn count(field: &str, value: &Value) -> FieldResult<Option<i64>> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => match number.as_i64() {
            Some(n) if (0..=limits::MAX_COUNT).contains(&n) => Ok(Some(n)),
            Some(_) => Err(wrong(
                field,
                format!("must be between 0 and {}", limits::MAX_COUNT),
            )),
            None => Err(wrong(field, "must be a whole number")),
        },
        other => Err(wrong(
            field,
            format!("must be a number, got {}", type_name(other)),
        )),
    }
}

fn seconds(field: &str, value: &Value) -> FieldResult<Option<f64>> {
    match value {
        Value::Null => Ok(None),
        Value::Number(number) => match number.as_f64() {
            Some(s) if s.is_finite() && (0.0..=limits::MAX_MEDIA_SECONDS).contains(&s) => {
                Ok(Some(s))
            }
            _ => Err(wrong(
                field,
                format!(
                    "must be between 0 and {} seconds",
                    limits::MAX_MEDIA_SECONDS
                ),
            )),
        },
        other => Err(wrong(
            field,
            format!("must be a number, got {}", type_name(other)),
        )),
    }
}
