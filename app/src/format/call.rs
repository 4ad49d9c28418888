//! One call's numbers for the Logs table and panel: exact counts with digit grouping, its
//! usage in its kind's own units, and its time in UTC or the browser's local time.

use chrono::{DateTime, Utc};

use crate::model::{ModelKind, Usage};

/// `1,234,567`.
pub fn grouped(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if value < 0 {
        out.push('-');
    }
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn tokens(usage: &Usage) -> Option<String> {
    let total = usage
        .total_tokens
        .or(match (usage.input_tokens, usage.output_tokens) {
            (None, None) => None,
            (input, output) => Some(input.unwrap_or(0) + output.unwrap_or(0)),
        })?;
    let parts: Vec<String> = [("in", usage.input_tokens), ("out", usage.output_tokens)]
        .into_iter()
        .filter_map(|(label, value)| value.map(|value| format!("{} {label}", grouped(value))))
        .collect();
    Some(if parts.is_empty() {
        format!("{} tok", grouped(total))
    } else {
        format!("{} tok ({})", grouped(total), parts.join(" · "))
    })
}

/// A call's usage in its kind's units: `1,100 tok (1,000 in · 100 out)`, `2 images`,
/// `5.0 s video`, `500 chars`; `—` when the provider reported none.
pub fn call_usage(kind: ModelKind, usage: &Usage) -> String {
    let media = || super::units::call_media(usage);
    let text = match kind {
        ModelKind::Llm | ModelKind::Omni | ModelKind::Embedding => tokens(usage).or_else(media),
        ModelKind::Image | ModelKind::Video | ModelKind::Speech => {
            media().or_else(|| tokens(usage))
        }
    };
    text.unwrap_or_else(|| "—".to_owned())
}

/// `2026-11-20 14:05:09 UTC`.
pub fn utc_second(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%d %H:%M:%S%.3f UTC").to_string())
        .unwrap_or_default()
}

/// The time of a call as the table shows it: local time when the browser's offset from UTC
/// is known (minutes east of UTC), else UTC (on the server, before hydration).
pub fn call_time(ms: i64, local_offset_minutes: Option<i32>) -> String {
    match local_offset_minutes {
        None => DateTime::<Utc>::from_timestamp_millis(ms)
            .map(|time| time.format("%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default(),
        Some(offset) => DateTime::<Utc>::from_timestamp_millis(ms + i64::from(offset) * 60_000)
            .map(|time| time.format("%m-%d %H:%M:%S").to_string())
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(-1_234_567), "-1,234,567");
    }

    #[test]
    fn each_kind_shows_its_own_units() {
        let llm = Usage {
            input_tokens: Some(1_000),
            output_tokens: Some(100),
            ..Usage::default()
        };
        assert_eq!(
            call_usage(ModelKind::Llm, &llm),
            "1,100 tok (1,000 in · 100 out)"
        );
        let image = Usage {
            images: Some(2),
            ..Usage::default()
        };
        assert_eq!(call_usage(ModelKind::Image, &image), "2 images");
        let speech = Usage {
            characters: Some(500),
            ..Usage::default()
        };
        assert_eq!(call_usage(ModelKind::Speech, &speech), "500 chars");
        assert_eq!(call_usage(ModelKind::Video, &Usage::default()), "—");
    }

    #[test]
    fn times_are_utc_until_the_browser_says_its_offset() {
        let ms = 1_764_201_600_000; // 2025-11-27 00:00:00 UTC
        assert_eq!(call_time(ms, None), "11-27 00:00:00 UTC");
        assert_eq!(call_time(ms, Some(60)), "11-27 01:00:00");
        assert_eq!(call_time(ms, Some(-300)), "11-26 19:00:00");
        assert_eq!(utc_second(ms + 5), "2025-11-27 00:00:00.005 UTC");
    }
}
