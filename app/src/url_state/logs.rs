//! The Logs tab's filter <-> query string: time range, models, status, request ID and the page
//! position. The side panel's `id` is not part of the filter (it opens one call on any page).

use super::{
    add_models, encode_value, invalid, models_param, range_params, time_range, FilterError,
    Narrowing, QueryParams,
};
use crate::model::{Cursor, StatusFilter, TimeRange};

/// Longest request ID (as the ingest API accepts them).
pub const MAX_REQUEST_ID_CHARS: usize = 128;

/// Which request IDs the filter keeps: written `abc` (exact) or `abc*` (prefix).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RequestIdFilter {
    Exact(String),
    Prefix(String),
}

impl RequestIdFilter {
    /// The URL form.
    pub fn as_param(&self) -> String {
        match self {
            Self::Exact(id) => id.clone(),
            Self::Prefix(prefix) => format!("{prefix}*"),
        }
    }
}

/// Which page of the newest-first list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PageAt {
    /// The newest calls.
    #[default]
    Newest,
    /// The calls just older than the cursor (the next page).
    Before(Cursor),
    /// The calls just newer than the cursor (the previous page).
    After(Cursor),
}

/// The Logs tab's filter and page.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LogsFilter {
    pub range: TimeRange,
    /// Empty: all models.
    pub models: Vec<String>,
    pub status: Option<StatusFilter>,
    pub request_id: Option<RequestIdFilter>,
    /// Who and what (user, app, key, tag, ...), metadata, error type, and at-least values.
    pub narrowing: Narrowing,
    pub page: PageAt,
}

impl LogsFilter {
    /// Reads a filter from a raw query string (without `?`).
    pub fn from_query(query: &str) -> Result<Self, FilterError> {
        Self::from_params(&QueryParams::parse(query))
    }

    /// Reads a filter from decoded query parameters. Unknown parameters are ignored; known ones
    /// must be valid. A repeated key counts once, by its first value, except the model names:
    /// `model` and `models` both name models (Analytics links use either) and add up.
    pub fn from_params(params: &QueryParams) -> Result<Self, FilterError> {
        let mut filter = LogsFilter {
            range: time_range(params.get("range"), params.get("from"), params.get("to"))?
                .unwrap_or_default(),
            ..LogsFilter::default()
        };
        for key in ["model", "models"] {
            for value in params.get_all(key) {
                add_models(key, value, &mut filter.models)?;
            }
        }
        filter.status = match params.get("status").map(str::trim) {
            None | Some("") => None,
            Some(value) => Some(StatusFilter::parse(value).ok_or_else(|| {
                invalid(
                    "status",
                    "must be an HTTP status such as 429 or a class such as 4xx",
                )
            })?),
        };
        filter.request_id = match params.get("request_id") {
            Some(value) => request_id(value)?,
            None => None,
        };
        filter.narrowing = Narrowing::from_params(params)?;
        let before = params
            .get("before")
            .map(|value| cursor("before", value))
            .transpose()?;
        let after = params
            .get("after")
            .map(|value| cursor("after", value))
            .transpose()?;
        filter.page = match (before, after) {
            (Some(_), Some(_)) => return Err(invalid("after", "use either before or after")),
            (Some(cursor), None) => PageAt::Before(cursor),
            (None, Some(cursor)) => PageAt::After(cursor),
            (None, None) => PageAt::Newest,
        };
        Ok(filter)
    }

    /// The query string (without `?`) of the filter alone, without the page position: what
    /// the export link and a "first page" link carry.
    pub fn filter_query(&self) -> String {
        let mut parts = Vec::new();
        range_params(self.range, &mut parts);
        models_param("model", &self.models, &mut parts);
        if let Some(status) = self.status {
            parts.push(format!("status={}", status.as_param()));
        }
        if let Some(request_id) = &self.request_id {
            parts.push(format!(
                "request_id={}",
                encode_value(&request_id.as_param())
            ));
        }
        self.narrowing.push_params(&mut parts);
        parts.join("&")
    }

    /// The query string (without `?`) that reproduces this filter and page.
    pub fn to_query(&self) -> String {
        let mut query = self.filter_query();
        let page = match self.page {
            PageAt::Newest => None,
            PageAt::Before(cursor) => Some(format!("before={}", cursor.to_param())),
            PageAt::After(cursor) => Some(format!("after={}", cursor.to_param())),
        };
        if let Some(page) = page {
            if !query.is_empty() {
                query.push('&');
            }
            query.push_str(&page);
        }
        query
    }
}

fn request_id(value: &str) -> Result<Option<RequestIdFilter>, FilterError> {
    let value = value.trim();
    if value.is_empty() {
        return Ok(None);
    }
    if value.chars().count() > MAX_REQUEST_ID_CHARS + 1 {
        return Err(invalid(
            "request_id",
            format!("a request ID is at most {MAX_REQUEST_ID_CHARS} characters"),
        ));
    }
    let (text, prefix) = match value.strip_suffix('*') {
        Some(text) => (text, true),
        None => (value, false),
    };
    if text.is_empty() {
        return Err(invalid(
            "request_id",
            "a prefix needs at least one character before *",
        ));
    }
    if text.contains('*') {
        return Err(invalid(
            "request_id",
            "* may only end a prefix (abc*); other wildcards are not supported",
        ));
    }
    if text.chars().count() > MAX_REQUEST_ID_CHARS {
        return Err(invalid(
            "request_id",
            format!("a request ID is at most {MAX_REQUEST_ID_CHARS} characters"),
        ));
    }
    Ok(Some(if prefix {
        RequestIdFilter::Prefix(text.to_owned())
    } else {
        RequestIdFilter::Exact(text.to_owned())
    }))
}

fn cursor(parameter: &'static str, value: &str) -> Result<Cursor, FilterError> {
    Cursor::parse(value).ok_or_else(|| {
        invalid(
            parameter,
            "must be a position from a Logs page link, like 1764201600000.42",
        )
    })
}

/// The Logs page for `range` filtered by `key` = `value` (a model, a user, a tag, ...), in
/// workspace `ws`.
pub fn logs_link_for(range: TimeRange, (key, value): (&str, &str), ws: Option<i64>) -> String {
    let ws = ws.map(|ws| ws.to_string());
    let (range_key, from, to) = match range {
        TimeRange::Preset(preset) => (Some(preset.as_str()), None, None),
        TimeRange::Custom { from_ms, to_ms } => (
            None,
            Some(super::format_time(from_ms)),
            Some(super::format_time(to_ms)),
        ),
    };
    super::link(
        "/logs",
        "",
        &[
            ("range", range_key),
            ("from", from.as_deref()),
            ("to", to.as_deref()),
            (key, Some(value)),
            ("ws", ws.as_deref()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RangePreset;

    #[test]
    fn logs_filters_round_trip_through_the_query_string() {
        let filters = [
            LogsFilter::default(),
            LogsFilter {
                range: TimeRange::Preset(RangePreset::LastHour),
                models: vec!["qwen-plus".into(), "a b+c".into()],
                status: Some(StatusFilter::Class(4)),
                request_id: Some(RequestIdFilter::Prefix("req_&=%".into())),
                narrowing: Narrowing::from_params(&QueryParams::parse(
                    "app=checkout&meta=plan:pro&min_cost=1.5",
                ))
                .expect("valid"),
                page: PageAt::Before(Cursor { ts_ms: 5, row: 7 }),
            },
            LogsFilter {
                range: TimeRange::Custom {
                    from_ms: 1_763_596_800_000,
                    to_ms: 1_763_683_200_000,
                },
                models: vec![],
                status: Some(StatusFilter::Code(429)),
                request_id: Some(RequestIdFilter::Exact("req_abc".into())),
                narrowing: Narrowing::default(),
                page: PageAt::After(Cursor { ts_ms: 9, row: 1 }),
            },
        ];
        for filter in filters {
            let query = filter.to_query();
            assert_eq!(LogsFilter::from_query(&query), Ok(filter), "{query}");
        }
    }

    #[test]
    fn the_design_documents_logs_url_parses() {
        let filter = LogsFilter::from_query(
            "from=2026-11-20T00:00Z&to=2026-11-21T00:00Z&model=qwen-plus&status=429&id=req_abc",
        )
        .expect("valid");
        assert_eq!(filter.models, vec!["qwen-plus"]);
        assert_eq!(filter.status, Some(StatusFilter::Code(429)));
        assert_eq!(
            filter.request_id, None,
            "id opens the panel; it is not a filter"
        );
        assert_eq!(
            filter.filter_query(),
            "from=2026-11-20T00:00Z&to=2026-11-21T00:00Z&model=qwen-plus&status=429"
        );
    }

    #[test]
    fn statuses_are_codes_or_classes() {
        assert_eq!(StatusFilter::parse("429"), Some(StatusFilter::Code(429)));
        assert_eq!(StatusFilter::parse("5XX"), Some(StatusFilter::Class(5)));
        assert_eq!(StatusFilter::Class(4).bounds(), (400, 500));
        assert_eq!(StatusFilter::Code(404).bounds(), (404, 405));
        for bad in [
            "", "6xx", "0xx", "42", "4290", "099", "600", "abc", "+429", "4x",
        ] {
            assert_eq!(StatusFilter::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn invalid_logs_parameters_are_named() {
        let error = |query: &str| LogsFilter::from_query(query).expect_err(query).parameter;
        assert_eq!(error("status=teapot"), "status");
        assert_eq!(error("request_id=*"), "request_id");
        assert_eq!(error("request_id=a*b"), "request_id");
        assert_eq!(
            error(&format!("request_id={}", "x".repeat(129))),
            "request_id"
        );
        assert_eq!(error("before=yesterday"), "before");
        assert_eq!(error("before=1.2&after=3.4"), "after");
        assert_eq!(error("range=2d"), "range");
        assert_eq!(
            LogsFilter::from_query("request_id=+abc*+&status=").map(|f| (f.request_id, f.status)),
            Ok((Some(RequestIdFilter::Prefix("abc".into())), None))
        );
    }
}
