//! The Alerts page's history filter: which events (`rule`, `kind`, `severity`, `model`), when
//! (`range`, or `from` and `to`; none: all kept), and the page (`before`).

use super::{encode_value, invalid, range_params, time_range, FilterError, QueryParams};
use crate::model::{Cursor, Severity, TimeRange, EVENT_KINDS};

/// Events one page shows.
pub const HISTORY_PAGE: u32 = 50;

/// The history filter.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct HistoryFilter {
    pub rule: Option<i64>,
    /// Event kinds (empty: every kind).
    pub kinds: Vec<String>,
    pub severity: Option<Severity>,
    /// Events about this model (as the target of an each-model rule or among a rule's models).
    pub model: Option<String>,
    /// `None`: every kept event.
    pub range: Option<TimeRange>,
    /// Events older than this one.
    pub before: Option<Cursor>,
}

impl HistoryFilter {
    /// Reads the filter from a raw query string (without `?`); unknown parameters are ignored.
    pub fn from_query(query: &str) -> Result<Self, FilterError> {
        Self::from_params(&QueryParams::parse(query))
    }

    /// Reads the filter from decoded query parameters. A repeated key counts once, by its first
    /// value, except `kind`, whose values add up. The form sends empty fields for "any" and
    /// "all kept": an empty value is no filter.
    pub fn from_params(params: &QueryParams) -> Result<Self, FilterError> {
        let given = |key: &str| {
            params
                .get(key)
                .map(str::trim)
                .filter(|value| !value.is_empty())
        };
        let mut filter = HistoryFilter {
            range: time_range(given("range"), given("from"), given("to"))?,
            ..HistoryFilter::default()
        };
        if let Some(value) = given("rule") {
            filter.rule = Some(
                value
                    .parse()
                    .ok()
                    .filter(|id: &i64| *id > 0)
                    .ok_or_else(|| invalid("rule", "must be a rule's number"))?,
            );
        }
        for value in params.get_all("kind") {
            for kind in value.split(',').map(str::trim).filter(|k| !k.is_empty()) {
                if !EVENT_KINDS.contains(&kind) {
                    return Err(invalid(
                        "kind",
                        format!("must be one of {}", EVENT_KINDS.join(", ")),
                    ));
                }
                if !filter.kinds.iter().any(|known| known == kind) {
                    filter.kinds.push(kind.to_owned());
                }
            }
        }
        if let Some(value) = given("severity") {
            filter.severity =
                Some(Severity::parse(value).ok_or_else(|| {
                    invalid("severity", "must be one of info, warning, critical")
                })?);
        }
        if let Some(value) = given("model") {
            if value.chars().count() > 200 {
                return Err(invalid("model", "a model name is at most 200 characters"));
            }
            filter.model = Some(value.to_owned());
        }
        if let Some(value) = params.get("before").map(str::trim) {
            filter.before = Some(Cursor::parse(value).ok_or_else(|| {
                invalid(
                    "before",
                    "must be a position from an \"Older events\" link, like 1764201600000.42",
                )
            })?);
        }
        Ok(filter)
    }

    /// The query string (without `?`) that reproduces the filter.
    pub fn to_query(&self) -> String {
        let mut parts = Vec::new();
        if let Some(rule) = self.rule {
            parts.push(format!("rule={rule}"));
        }
        if !self.kinds.is_empty() {
            parts.push(format!("kind={}", self.kinds.join(",")));
        }
        if let Some(severity) = self.severity {
            parts.push(format!("severity={}", severity.as_str()));
        }
        if let Some(model) = &self.model {
            parts.push(format!("model={}", encode_value(model)));
        }
        if let Some(range) = self.range {
            match range {
                // The default preset is written out: no range means all events here.
                TimeRange::Preset(preset) => parts.push(format!("range={}", preset.as_str())),
                custom => range_params(custom, &mut parts),
            }
        }
        if let Some(before) = self.before {
            parts.push(format!("before={}", before.to_param()));
        }
        parts.join("&")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RangePreset;

    #[test]
    fn history_filters_round_trip() {
        let filters = [
            HistoryFilter::default(),
            HistoryFilter {
                rule: Some(7),
                kinds: vec!["firing".into(), "resolved".into()],
                severity: Some(Severity::Critical),
                model: Some("qwen plus/2".into()),
                range: Some(TimeRange::Preset(RangePreset::Last24Hours)),
                before: Some(Cursor {
                    ts_ms: 1_764_201_600_000,
                    row: 42,
                }),
            },
            HistoryFilter {
                range: Some(TimeRange::Custom {
                    from_ms: 1_764_201_600_000,
                    to_ms: 1_764_288_000_000,
                }),
                ..HistoryFilter::default()
            },
        ];
        for filter in filters {
            let query = filter.to_query();
            assert_eq!(HistoryFilter::from_query(&query), Ok(filter), "{query}");
        }
    }

    #[test]
    fn empty_fields_from_a_form_mean_no_filter() {
        let filter =
            HistoryFilter::from_query("rule=&kind=&severity=&model=&range=").expect("valid");
        assert_eq!(filter, HistoryFilter::default());
    }

    #[test]
    fn invalid_parameters_are_named() {
        for (query, parameter) in [
            ("rule=abc", "rule"),
            ("rule=-1", "rule"),
            ("kind=exploded", "kind"),
            ("severity=urgent", "severity"),
            ("before=yesterday", "before"),
            ("range=2d", "range"),
            ("from=2026-11-20T00:00Z", "to"),
        ] {
            let error = HistoryFilter::from_query(query).expect_err(query);
            assert_eq!(error.parameter, parameter, "{query}");
        }
    }
}
