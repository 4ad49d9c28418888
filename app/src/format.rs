//! Numbers as people read them: compact counts, durations, shares, money, UTC times and the
//! change against the previous period. Pure functions; the same text on the server and in the
//! browser, so hydration never disagrees.

use chrono::{DateTime, Utc};

mod alert;
mod call;
mod units;

pub use alert::{alert_summary, metric_value};
pub use call::{call_time, call_usage, grouped, utc_second};
pub use units::{amount_exact, kind_units, other_units};

use crate::model::Granularity;

/// `950`, `12.3k`, `4.56M`, `7.8B`.
pub fn count(value: i64) -> String {
    compact(value as f64)
}

fn compact(value: f64) -> String {
    let magnitude = value.abs();
    let (scaled, suffix) = if magnitude >= 1e9 {
        (value / 1e9, "B")
    } else if magnitude >= 1e6 {
        (value / 1e6, "M")
    } else if magnitude >= 1e3 {
        (value / 1e3, "k")
    } else {
        return if value.fract() == 0.0 {
            format!("{value:.0}")
        } else {
            format!("{value:.1}")
        };
    };
    let digits = if scaled.abs() >= 100.0 {
        0
    } else if scaled.abs() >= 10.0 {
        1
    } else {
        2
    };
    format!("{scaled:.digits$}{suffix}")
}

/// A rate such as calls per minute: `0.42`, `3.5`, `1.2k`.
pub fn rate(value: f64) -> String {
    if value.abs() >= 1_000.0 {
        compact(value)
    } else if value.abs() >= 10.0 {
        format!("{value:.0}")
    } else if value.abs() >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    }
}

/// `—` for no value, `850 ms`, `2.35 s`, `1.5 min`.
pub fn millis(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(ms) if ms >= 60_000.0 => format!("{:.1} min", ms / 60_000.0),
        Some(ms) if ms >= 1_000.0 => format!("{:.2} s", ms / 1_000.0),
        Some(ms) => format!("{ms:.0} ms"),
    }
}

/// A share 0..=1 as `99.2 %`; `—` for none.
pub fn percent(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(share) if (0.9995..1.0).contains(&share) => "99.9 %".to_owned(),
        Some(share) => format!("{:.1} %", share * 100.0),
    }
}

/// `$12.34`, `$0.0042`; `—` when no price was known.
pub fn money(value: Option<f64>) -> String {
    match value {
        None => "—".to_owned(),
        Some(amount) if amount != 0.0 && amount.abs() < 0.01 => format!("${amount:.4}"),
        Some(amount) => format!("${amount:.2}"),
    }
}

/// What a cost total covers: `cost of 97.2 % of calls; 2 models have no price`; `None` without
/// calls.
pub fn cost_coverage(priced: i64, requests: i64, unpriced_models: usize) -> Option<String> {
    if requests <= 0 {
        return None;
    }
    let models = match unpriced_models {
        0 => String::new(),
        1 => "; 1 model has no price".to_owned(),
        many => format!("; {many} models have no price"),
    };
    Some(if priced >= requests {
        "cost of every call".to_owned()
    } else if priced == 0 {
        format!("no call has a price{models}")
    } else {
        let share = (priced as f64 / requests as f64 * 1000.0).floor() / 10.0;
        format!("cost of {share:.1} % of calls{models}")
    })
}

/// `2026-11-20 14:05 UTC`.
pub fn utc_minute(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

/// `14:05:09 UTC`.
pub fn utc_clock(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%H:%M:%S UTC").to_string())
        .unwrap_or_default()
}

/// The label of a chart point: the day for daily points, else day and time.
pub fn bucket_label(ms: i64, granularity: Granularity) -> String {
    let Some(time) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return String::new();
    };
    match granularity {
        Granularity::Day => time.format("%m-%d").to_string(),
        _ => time.format("%m-%d %H:%M").to_string(),
    }
}

/// `2026-11-20T14:05` for a `datetime-local` field (read as UTC).
pub fn datetime_local(ms: i64) -> String {
    DateTime::<Utc>::from_timestamp_millis(ms)
        .map(|time| time.format("%Y-%m-%dT%H:%M").to_string())
        .unwrap_or_default()
}

/// Whether a metric going up is good, bad or neither.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Polarity {
    HigherIsBetter,
    LowerIsBetter,
    Neutral,
}

/// The change of a KPI against the previous period, ready to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// `+12.5 %`, `−0.4 pp`, `new`.
    pub text: String,
    /// `up`, `down` or `flat`.
    pub direction: &'static str,
    /// `good`, `bad` or `neutral`.
    pub tone: &'static str,
}

fn change_of(delta: f64, text: String, polarity: Polarity) -> Change {
    let direction = if delta > 0.0 {
        "up"
    } else if delta < 0.0 {
        "down"
    } else {
        "flat"
    };
    let tone = match (polarity, direction) {
        (_, "flat") | (Polarity::Neutral, _) => "neutral",
        (Polarity::HigherIsBetter, "up") | (Polarity::LowerIsBetter, "down") => "good",
        _ => "bad",
    };
    Change {
        text,
        direction,
        tone,
    }
}

/// Relative change of a quantity; `None` when either side is unknown.
pub fn relative_change(
    current: Option<f64>,
    previous: Option<f64>,
    polarity: Polarity,
) -> Option<Change> {
    let (current, previous) = (current?, previous?);
    if previous == 0.0 {
        return (current != 0.0).then(|| change_of(current, "new".to_owned(), polarity));
    }
    let delta = (current - previous) / previous.abs();
    let rounded = (delta * 1_000.0).round() / 10.0;
    let text = if rounded == 0.0 {
        "±0 %".to_owned()
    } else {
        format!(
            "{}{:.1} %",
            if rounded > 0.0 { "+" } else { "−" },
            rounded.abs()
        )
    };
    Some(change_of(rounded, text, polarity))
}

/// Change of a share in percentage points; `None` when either side is unknown.
pub fn point_change(
    current: Option<f64>,
    previous: Option<f64>,
    polarity: Polarity,
) -> Option<Change> {
    let delta = (current? - previous?) * 100.0;
    let rounded = (delta * 10.0).round() / 10.0;
    let text = if rounded == 0.0 {
        "±0 pp".to_owned()
    } else {
        format!(
            "{}{:.1} pp",
            if rounded > 0.0 { "+" } else { "−" },
            rounded.abs()
        )
    };
    Some(change_of(rounded, text, polarity))
}

/// Seconds as `12.5 s`, `3.2 min`, `1.5 h`.
pub fn seconds(value: f64) -> String {
    if value >= 3_600.0 {
        format!("{:.1} h", value / 3_600.0)
    } else if value >= 60.0 {
        format!("{:.1} min", value / 60.0)
    } else {
        format!("{value:.1} s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cost_coverage_says_what_a_total_leaves_out_and_never_rounds_up_to_all() {
        assert_eq!(cost_coverage(0, 0, 0), None);
        assert_eq!(
            cost_coverage(10, 10, 0).as_deref(),
            Some("cost of every call")
        );
        assert_eq!(
            cost_coverage(9_725, 10_000, 2).as_deref(),
            Some("cost of 97.2 % of calls; 2 models have no price")
        );
        assert_eq!(
            cost_coverage(9_999, 10_000, 1).as_deref(),
            Some("cost of 99.9 % of calls; 1 model has no price")
        );
        assert_eq!(
            cost_coverage(0, 5, 1).as_deref(),
            Some("no call has a price; 1 model has no price")
        );
    }

    #[test]
    fn counts_and_durations_read_compactly() {
        assert_eq!(count(950), "950");
        assert_eq!(count(12_345), "12.3k");
        assert_eq!(count(4_560_000), "4.56M");
        assert_eq!(count(123_456_789), "123M");
        assert_eq!(millis(Some(850.4)), "850 ms");
        assert_eq!(millis(Some(2_345.0)), "2.35 s");
        assert_eq!(millis(None), "—");
        assert_eq!(percent(Some(0.98765)), "98.8 %");
        assert_eq!(percent(Some(0.9999)), "99.9 %", "never rounds up to 100 %");
        assert_eq!(percent(Some(1.0)), "100.0 %");
        assert_eq!(money(Some(0.0042)), "$0.0042");
        assert_eq!(money(Some(12.345)), "$12.35");
        assert_eq!(utc_minute(1_763_596_800_000), "2025-11-20 00:00 UTC");
    }

    #[test]
    fn changes_carry_direction_and_tone() {
        let up = relative_change(Some(120.0), Some(100.0), Polarity::LowerIsBetter).expect("known");
        assert_eq!(
            (up.text.as_str(), up.direction, up.tone),
            ("+20.0 %", "up", "bad")
        );
        let down = point_change(Some(0.95), Some(0.99), Polarity::HigherIsBetter).expect("known");
        assert_eq!(
            (down.text.as_str(), down.direction, down.tone),
            ("−4.0 pp", "down", "bad")
        );
        let new = relative_change(Some(5.0), Some(0.0), Polarity::Neutral).expect("known");
        assert_eq!(new.text, "new");
        assert_eq!(
            relative_change(Some(0.0), Some(0.0), Polarity::Neutral),
            None
        );
        assert_eq!(relative_change(None, Some(1.0), Polarity::Neutral), None);
    }
}
