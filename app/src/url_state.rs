//! Filters <-> query strings, in one place. Every filtered view is a URL: the query string is
//! the state, and parsing it back gives the same filter (tested below).

use chrono::{DateTime, NaiveDateTime, Timelike, Utc};

use crate::model::{Dimension, Granularity, GroupSort, RangePreset, TimeRange};

mod codec;
mod history;
mod logs;
mod narrowing;
#[cfg(test)]
mod repeated_keys;

pub use crate::model::StatusFilter;
pub use codec::{encode_value, link, query_pairs, with_params, QueryParams};
pub use history::{HistoryFilter, HISTORY_PAGE};
pub use logs::{logs_link_for, LogsFilter, PageAt, RequestIdFilter, MAX_REQUEST_ID_CHARS};
pub use narrowing::{format_micros, Narrowing, MAX_METADATA_PAIRS};

/// Most models one filter may name.
pub const MAX_MODELS: usize = 50;
/// Longest custom range (hourly rollups are kept this long).
pub const MAX_RANGE_MS: i64 = 400 * 86_400_000;

/// The Analytics page's filter.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AnalyticsFilter {
    pub range: TimeRange,
    /// `None`: the range's default granularity.
    pub granularity: Option<Granularity>,
    /// Empty: all models.
    pub models: Vec<String>,
    /// Group the report by this dimension (`group=user`).
    pub group: Option<Dimension>,
    /// What ranks the groups (`by=cost`, the default).
    pub group_sort: GroupSort,
}

/// Why a query string is not a valid filter; the message names the parameter.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{parameter}: {message}")]
pub struct FilterError {
    pub parameter: &'static str,
    pub message: String,
}

/// A filter that lives in the URL: read from a page's query string and written back in its
/// canonical form (defaults left out, keys in one order), so equal filters give equal queries.
pub trait UrlFilter: Sized {
    /// Reads the filter from a raw query string (without `?`).
    fn from_query(query: &str) -> Result<Self, FilterError>;
    /// The canonical query string (without `?`) of the filter.
    fn to_query(&self) -> String;
}

macro_rules! url_filter {
    ($($filter:ty),*) => {$(
        impl UrlFilter for $filter {
            fn from_query(query: &str) -> Result<Self, FilterError> {
                <$filter>::from_query(query)
            }
            fn to_query(&self) -> String {
                <$filter>::to_query(self)
            }
        }
    )*};
}
url_filter!(AnalyticsFilter, LogsFilter, HistoryFilter);

pub(crate) fn invalid(parameter: &'static str, message: impl Into<String>) -> FilterError {
    FilterError {
        parameter,
        message: message.into(),
    }
}

/// The workspace a query string names (`ws=`), if any.
pub fn workspace_param(query: &str) -> Result<Option<i64>, FilterError> {
    match QueryParams::parse(query).get("ws") {
        None => Ok(None),
        Some(value) if value.trim().is_empty() => Ok(None),
        Some(value) => value
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| *id > 0)
            .map(Some)
            .ok_or_else(|| invalid("ws", "must be a workspace's number")),
    }
}

/// Parses `2026-11-20T00:00Z` (the short form the URLs use), any RFC 3339 time, or a time
/// without an offset as a `datetime-local` field sends it (`2026-11-20T00:00`), read as UTC.
pub fn parse_time(text: &str) -> Option<i64> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text) {
        return Some(time.timestamp_millis());
    }
    ["%Y-%m-%dT%H:%MZ", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .map(|time| time.and_utc().timestamp_millis())
}

/// Formats a time for a URL: the short form when it falls on a whole minute.
pub fn format_time(ms: i64) -> String {
    let Some(time) = DateTime::<Utc>::from_timestamp_millis(ms) else {
        return ms.to_string();
    };
    if time.second() == 0 && time.nanosecond() == 0 {
        time.format("%Y-%m-%dT%H:%MZ").to_string()
    } else {
        time.format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
    }
}

/// The time range the parameters name (`range`, or `from` and `to`), each the query's first
/// value of its key; `None` when none is given. `from` and `to` win over `range`.
pub(crate) fn time_range(
    range: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> Result<Option<TimeRange>, FilterError> {
    let preset = range
        .map(|value| {
            RangePreset::parse(value)
                .ok_or_else(|| invalid("range", "must be one of 1h, 6h, 24h, 7d, 14d, 30d"))
        })
        .transpose()?;
    let from = from
        .map(|value| {
            parse_time(value)
                .ok_or_else(|| invalid("from", "must be a time like 2026-11-20T00:00Z"))
        })
        .transpose()?;
    let to = to
        .map(|value| {
            parse_time(value).ok_or_else(|| invalid("to", "must be a time like 2026-11-21T00:00Z"))
        })
        .transpose()?;
    match (from, to) {
        (Some(from_ms), Some(to_ms)) => {
            if from_ms >= to_ms {
                return Err(invalid("from", "must be before to"));
            }
            if to_ms - from_ms > MAX_RANGE_MS {
                return Err(invalid("to", "a range is at most 400 days"));
            }
            Ok(Some(TimeRange::Custom { from_ms, to_ms }))
        }
        (Some(_), None) => Err(invalid("to", "is required with from")),
        (None, Some(_)) => Err(invalid("from", "is required with to")),
        (None, None) => Ok(preset.map(TimeRange::Preset)),
    }
}

/// The query parameters of `range` (nothing for the default).
pub(crate) fn range_params(range: TimeRange, parts: &mut Vec<String>) {
    match range {
        TimeRange::Preset(_) if range == TimeRange::default() => {}
        TimeRange::Preset(preset) => parts.push(format!("range={}", preset.as_str())),
        TimeRange::Custom { from_ms, to_ms } => {
            parts.push(format!("from={}", encode_value(&format_time(from_ms))));
            parts.push(format!("to={}", encode_value(&format_time(to_ms))));
        }
    }
}

/// Adds the comma-separated model names of `value` to `models` (once each).
pub(crate) fn add_models(
    parameter: &'static str,
    value: &str,
    models: &mut Vec<String>,
) -> Result<(), FilterError> {
    for name in value
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
    {
        if name.chars().count() > 200 {
            return Err(invalid(parameter, "a model name is at most 200 characters"));
        }
        if !models.iter().any(|known| known == name) {
            models.push(name.to_owned());
        }
    }
    if models.len() > MAX_MODELS {
        return Err(invalid(parameter, format!("at most {MAX_MODELS} models")));
    }
    Ok(())
}

/// The `models`-style parameter of `models` (nothing when empty).
pub(crate) fn models_param(key: &str, models: &[String], parts: &mut Vec<String>) {
    if !models.is_empty() {
        let names: Vec<String> = models.iter().map(|name| encode_value(name)).collect();
        parts.push(format!("{key}={}", names.join(",")));
    }
}

impl AnalyticsFilter {
    /// Reads a filter from a raw query string (without `?`).
    pub fn from_query(query: &str) -> Result<Self, FilterError> {
        Self::from_params(&QueryParams::parse(query))
    }

    /// Reads a filter from decoded query parameters. Unknown parameters are ignored (other
    /// views share the URL); known ones must be valid. A repeated key counts once, by its first
    /// value, except `models`, whose values add up.
    pub fn from_params(params: &QueryParams) -> Result<Self, FilterError> {
        let range = time_range(params.get("range"), params.get("from"), params.get("to"))?;
        let granularity = params
            .get("gran")
            .map(|value| {
                Granularity::parse(value)
                    .ok_or_else(|| invalid("gran", "must be one of 1m, 5m, 1h, 1d"))
            })
            .transpose()?;
        let mut models = Vec::new();
        for value in params.get_all("models") {
            add_models("models", value, &mut models)?;
        }
        let group = params
            .get("group")
            .map(|value| {
                Dimension::parse(value).ok_or_else(|| {
                    invalid("group", format!("must be one of {}", Dimension::names()))
                })
            })
            .transpose()?;
        let group_sort = params
            .get("by")
            .map(|value| {
                GroupSort::parse(value)
                    .ok_or_else(|| invalid("by", "must be one of cost, requests, tokens, errors"))
            })
            .transpose()?
            .unwrap_or_default();
        Ok(Self {
            range: range.unwrap_or_default(),
            granularity,
            models,
            group,
            group_sort,
        })
    }

    /// The granularity in effect: the chosen one when the range offers it, else the default.
    pub fn effective_granularity(&self) -> Granularity {
        let span = self.range.span_ms();
        self.granularity
            .filter(|gran| Granularity::choices_for(span).contains(gran))
            .unwrap_or_else(|| Granularity::default_for(span))
    }

    /// The query string (without `?`) that reproduces this filter; defaults are left out.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        range_params(self.range, &mut parts);
        if let Some(gran) = self.granularity {
            parts.push(format!("gran={}", gran.as_str()));
        }
        models_param("models", &self.models, &mut parts);
        if let Some(group) = self.group {
            parts.push(format!("group={}", group.as_str()));
        }
        if self.group_sort != GroupSort::default() {
            parts.push(format!("by={}", self.group_sort.as_str()));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_pairs(pairs: &[(&str, &str)]) -> Result<AnalyticsFilter, FilterError> {
        AnalyticsFilter::from_params(&pairs.iter().copied().collect())
    }

    fn round_trip(filter: &AnalyticsFilter) -> AnalyticsFilter {
        AnalyticsFilter::from_query(&filter.to_query()).expect("parses back")
    }

    #[test]
    fn filters_round_trip_through_the_query_string() {
        let filters = [
            AnalyticsFilter::default(),
            AnalyticsFilter {
                range: TimeRange::Preset(RangePreset::Last7Days),
                granularity: Some(Granularity::Hour),
                models: vec!["qwen-plus".into(), "qwen-max".into()],
                group: Some(Dimension::User),
                group_sort: GroupSort::Requests,
            },
            AnalyticsFilter {
                range: TimeRange::Custom {
                    from_ms: 1_763_596_800_000,
                    to_ms: 1_763_683_200_123,
                },
                granularity: None,
                models: vec!["org/model name+v2".into(), "模型".into()],
                group: None,
                group_sort: GroupSort::Cost,
            },
        ];
        for filter in filters {
            assert_eq!(round_trip(&filter), filter, "{}", filter.to_query());
        }
        assert_eq!(AnalyticsFilter::default().to_query(), "");
        let grouped = from_pairs(&[("group", "tag"), ("by", "errors")]).expect("valid");
        assert_eq!(grouped.to_query(), "group=tag&by=errors");
        let error = from_pairs(&[("group", "team")]).expect_err("no such dimension");
        assert_eq!(error.parameter, "group");
        assert_eq!(
            from_pairs(&[("by", "size")])
                .expect_err("bad sort")
                .parameter,
            "by"
        );
    }

    #[test]
    fn the_design_documents_example_url_parses() {
        let filter = from_pairs(&[
            ("range", "24h"),
            ("gran", "1h"),
            ("models", "qwen-plus,qwen-max"),
            ("id", "req_abc"),
        ])
        .expect("valid");
        assert_eq!(filter.range, TimeRange::Preset(RangePreset::Last24Hours));
        assert_eq!(filter.effective_granularity(), Granularity::Hour);
        assert_eq!(filter.models, vec!["qwen-plus", "qwen-max"]);
        let custom = from_pairs(&[("from", "2026-11-20T00:00Z"), ("to", "2026-11-21T00:00Z")])
            .expect("valid");
        assert_eq!(
            custom.to_query(),
            "from=2026-11-20T00:00Z&to=2026-11-21T00:00Z"
        );
    }

    #[test]
    fn invalid_parameters_are_named() {
        let error = |pairs: &[(&str, &str)]| from_pairs(pairs).expect_err("invalid").parameter;
        assert_eq!(error(&[("range", "2h")]), "range");
        assert_eq!(error(&[("gran", "10s")]), "gran");
        assert_eq!(
            error(&[("from", "yesterday"), ("to", "2026-11-21T00:00Z")]),
            "from"
        );
        assert_eq!(error(&[("from", "2026-11-21T00:00Z")]), "to");
        assert_eq!(
            error(&[("from", "2026-11-21T00:00Z"), ("to", "2026-11-20T00:00Z")]),
            "from"
        );
        assert_eq!(
            error(&[("from", "2024-01-01T00:00Z"), ("to", "2026-11-20T00:00Z")]),
            "to"
        );
    }

    #[test]
    fn form_encoded_queries_decode_like_a_browser_writes_them() {
        let filter = AnalyticsFilter::from_query("models=my+model&models=b%2Cc&range=7d&x=%zz")
            .expect("valid");
        assert_eq!(filter.models, vec!["my model", "b", "c"]);
        assert_eq!(filter.range, TimeRange::Preset(RangePreset::Last7Days));
        assert_eq!(
            query_pairs("a=%E6%A8%A1&b=50%&c"),
            vec![
                ("a".to_owned(), "模".to_owned()),
                ("b".to_owned(), "50%".to_owned()),
                ("c".to_owned(), String::new()),
            ]
        );
    }

    #[test]
    fn links_change_only_their_own_keys() {
        let query = "range=7d&models=a%20b,c&sort=calls";
        assert_eq!(
            with_params(query, &[("range", Some("24h")), ("gran", None)]),
            "models=a%20b%2Cc&sort=calls&range=24h"
        );
        assert_eq!(
            with_params(query, &[("models", None), ("sort", None)]),
            "range=7d"
        );
        assert_eq!(with_params("", &[("gran", Some("1h"))]), "gran=1h");
    }

    #[test]
    fn a_granularity_the_range_does_not_offer_falls_back_to_the_default() {
        let filter = from_pairs(&[("range", "30d"), ("gran", "1m")]).expect("valid");
        assert_eq!(filter.effective_granularity(), Granularity::Day);
    }
}
