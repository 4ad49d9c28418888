//! The Logs filters on who and what and on measured values, shared by the Logs tab and the
//! export: one value per dimension (`user=alice&tag=beta`), metadata pairs
//! (`meta=feature:search`, repeatable), the error type, and latency, TTFT or cost at least a
//! value (`min_latency=2000`, `min_ttft=500`, `min_cost=0.25`).

use super::{encode_value, invalid, FilterError, QueryParams};
use crate::model::{valid_value, Dimension};

/// Metadata pairs a filter may hold.
pub const MAX_METADATA_PAIRS: usize = 5;
/// Longest metadata key or value compared.
const MAX_METADATA_CHARS: usize = 128;
/// The largest duration filter: a day in milliseconds.
const MAX_MILLIS: i64 = 86_400_000;
/// The largest cost filter, in millionths of a dollar ($1,000,000).
const MAX_COST_MICROS: i64 = 1_000_000_000_000;

/// Narrowing filters; empty narrows nothing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Narrowing {
    /// At most one value per dimension, in dimension order.
    pub dimensions: Vec<(Dimension, String)>,
    /// `(key, value)`: the call's metadata has `key` equal to `value` (as text).
    pub metadata: Vec<(String, String)>,
    pub error_type: Option<String>,
    pub min_latency_ms: Option<i64>,
    pub min_ttft_ms: Option<i64>,
    /// Millionths of a dollar, so the filter stays exact in the URL.
    pub min_cost_micros: Option<i64>,
}

impl Narrowing {
    /// Whether it narrows anything.
    pub fn is_empty(&self) -> bool {
        *self == Narrowing::default()
    }

    /// The value of `dimension`, if filtered.
    pub fn value(&self, dimension: Dimension) -> Option<&str> {
        self.dimensions
            .iter()
            .find(|(known, _)| *known == dimension)
            .map(|(_, value)| value.as_str())
    }

    /// Reads the narrowing parameters of `params`.
    pub fn from_params(params: &QueryParams) -> Result<Self, FilterError> {
        let mut narrowing = Narrowing::default();
        for dimension in Dimension::ALL {
            let Some(value) = params.get(dimension.as_str()).map(str::trim) else {
                continue;
            };
            if value.is_empty() {
                continue;
            }
            if !valid_value(value) {
                return Err(invalid(
                    dimension.as_str(),
                    "a value of at most 128 characters without control characters",
                ));
            }
            narrowing.dimensions.push((dimension, value.to_owned()));
        }
        for pair in params.get_all("meta") {
            if pair.trim().is_empty() {
                continue;
            }
            let Some((key, value)) = pair.split_once(':') else {
                return Err(invalid("meta", "a metadata pair written key:value"));
            };
            let (key, value) = (key.trim(), value.trim());
            let bounded = |text: &str| {
                !text.is_empty()
                    && text.chars().count() <= MAX_METADATA_CHARS
                    && !text.chars().any(char::is_control)
            };
            if !bounded(key) || !bounded(value) {
                return Err(invalid(
                    "meta",
                    "a key and a value of 1 to 128 characters each (key:value)",
                ));
            }
            if narrowing.metadata.len() == MAX_METADATA_PAIRS {
                return Err(invalid(
                    "meta",
                    format!("at most {MAX_METADATA_PAIRS} metadata pairs"),
                ));
            }
            narrowing.metadata.push((key.to_owned(), value.to_owned()));
        }
        narrowing.error_type = match params.get("error_type").map(str::trim) {
            None | Some("") => None,
            Some(value) if valid_value(value) => Some(value.to_owned()),
            Some(_) => {
                return Err(invalid(
                    "error_type",
                    "an error type of at most 128 characters",
                ))
            }
        };
        narrowing.min_latency_ms = millis(params, "min_latency")?;
        narrowing.min_ttft_ms = millis(params, "min_ttft")?;
        narrowing.min_cost_micros = match params.get("min_cost").map(str::trim) {
            None | Some("") => None,
            Some(value) => Some(cost_micros(value).ok_or_else(|| {
                invalid(
                    "min_cost",
                    "a cost in USD from 0 to 1000000, at most 6 decimals (0.25)",
                )
            })?),
        };
        Ok(narrowing)
    }

    /// The query parameters, in one order.
    pub fn push_params(&self, parts: &mut Vec<String>) {
        for (dimension, value) in &self.dimensions {
            parts.push(format!("{}={}", dimension.as_str(), encode_value(value)));
        }
        for (key, value) in &self.metadata {
            parts.push(format!("meta={}", encode_value(&format!("{key}:{value}"))));
        }
        if let Some(error_type) = &self.error_type {
            parts.push(format!("error_type={}", encode_value(error_type)));
        }
        if let Some(ms) = self.min_latency_ms {
            parts.push(format!("min_latency={ms}"));
        }
        if let Some(ms) = self.min_ttft_ms {
            parts.push(format!("min_ttft={ms}"));
        }
        if let Some(micros) = self.min_cost_micros {
            parts.push(format!("min_cost={}", format_micros(micros)));
        }
    }
}

fn millis(params: &QueryParams, key: &'static str) -> Result<Option<i64>, FilterError> {
    match params.get(key).map(str::trim) {
        None | Some("") => Ok(None),
        Some(value) => value
            .parse::<i64>()
            .ok()
            .filter(|ms| (0..=MAX_MILLIS).contains(ms))
            .map(Some)
            .ok_or_else(|| invalid(key, "milliseconds from 0 to 86400000")),
    }
}

/// `0.25` as 250000 millionths; `None` unless a plain decimal with at most 6 decimals in range.
fn cost_micros(text: &str) -> Option<i64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |part: &str| part.bytes().all(|byte| byte.is_ascii_digit());
    if whole.is_empty()
        || whole.len() > 7
        || fraction.len() > 6
        || !digits(whole)
        || !digits(fraction)
    {
        return None;
    }
    let padded = format!("{fraction:0<6}");
    let micros = whole.parse::<i64>().ok()? * 1_000_000 + padded.parse::<i64>().ok()?;
    (micros <= MAX_COST_MICROS).then_some(micros)
}

/// 250000 as `0.25`.
pub fn format_micros(micros: i64) -> String {
    let text = format!("{}.{:06}", micros / 1_000_000, micros % 1_000_000);
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(query: &str) -> Result<Narrowing, FilterError> {
        Narrowing::from_params(&QueryParams::parse(query))
    }

    #[test]
    fn narrowing_round_trips_through_the_query_string() {
        let narrowing = parse(
            "tag=beta&user=alice%40example.com&meta=feature%3Asearch&meta=tier:gold&error_type=rate_limit_exceeded&min_latency=2000&min_ttft=500&min_cost=0.25",
        )
        .expect("valid");
        assert_eq!(
            narrowing.dimensions,
            [
                (Dimension::User, "alice@example.com".to_owned()),
                (Dimension::Tag, "beta".to_owned())
            ]
        );
        assert_eq!(narrowing.metadata.len(), 2);
        assert_eq!(narrowing.min_cost_micros, Some(250_000));
        let mut parts = Vec::new();
        narrowing.push_params(&mut parts);
        let query = parts.join("&");
        assert_eq!(parse(&query), Ok(narrowing), "{query}");
        assert!(parse("").expect("empty").is_empty());
    }

    #[test]
    fn bad_narrowing_names_its_parameter() {
        for (query, parameter) in [
            ("user=a%0Ab", "user"),
            ("meta=nocolon", "meta"),
            ("meta=:v", "meta"),
            ("min_latency=-1", "min_latency"),
            ("min_ttft=fast", "min_ttft"),
            ("min_cost=1e3", "min_cost"),
            ("min_cost=0.1234567", "min_cost"),
            ("min_cost=99999999", "min_cost"),
            (
                "meta=a:1&meta=b:2&meta=c:3&meta=d:4&meta=e:5&meta=f:6",
                "meta",
            ),
        ] {
            assert_eq!(
                parse(query).expect_err(query).parameter,
                parameter,
                "{query}"
            );
        }
    }

    #[test]
    fn costs_stay_exact_in_millionths() {
        assert_eq!(cost_micros("0.000001"), Some(1));
        assert_eq!(cost_micros("12"), Some(12_000_000));
        assert_eq!(cost_micros(".5"), None);
        assert_eq!(format_micros(250_000), "0.25");
        assert_eq!(format_micros(12_000_000), "12");
        assert_eq!(format_micros(1), "0.000001");
    }
}
