//! What the Logs tab shows: one page of calls, and everything stored about one call.

use serde::{Deserialize, Serialize};

use super::{ModelKind, ModelOption, Usage};

/// Calls on one page of the Logs table.
pub const PAGE_SIZE: usize = 50;

/// A position in the newest-first order of calls: the call's time and its row number (which
/// breaks ties between calls of the same millisecond). Written `<ts_ms>.<row>` in URLs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Cursor {
    pub ts_ms: i64,
    pub row: i64,
}

impl Cursor {
    /// The URL form.
    pub fn to_param(self) -> String {
        format!("{}.{}", self.ts_ms, self.row)
    }

    /// Reads the URL form.
    pub fn parse(text: &str) -> Option<Self> {
        let (ts, row) = text.split_once('.')?;
        let ts_ms = ts.parse().ok()?;
        let row = row.parse().ok()?;
        (row >= 0).then_some(Cursor { ts_ms, row })
    }
}

/// One row of the Logs table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRow {
    pub cursor: Cursor,
    pub request_id: String,
    pub ts_ms: i64,
    pub model: String,
    pub kind: ModelKind,
    pub status: u16,
    /// Usage without the provider's extra keys (the details panel has them).
    pub usage: Usage,
    pub ttft_ms: Option<i64>,
    pub latency_ms: Option<i64>,
    pub cost: Option<f64>,
    pub stream: bool,
}

/// One page of the Logs table and what the page knows about the rest.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogPage {
    /// The range searched (`from` inclusive, `to` exclusive), after clamping to retention.
    pub from_ms: i64,
    pub to_ms: i64,
    /// Newest first, at most [`PAGE_SIZE`].
    pub rows: Vec<LogRow>,
    /// Where the next (older) page starts; `None` when nothing older matches.
    pub older: Option<Cursor>,
    /// Where the previous (newer) page starts; `None` on the newest page.
    pub newer: Option<Cursor>,
    /// The search stopped at this time to answer quickly: older calls were not looked at yet
    /// (the `older` cursor continues from here).
    pub searched_to_ms: Option<i64>,
    /// How many calls match the whole filter, when rollups can tell.
    pub matching: Option<i64>,
    /// How long raw calls are kept.
    pub retention_days: u32,
    /// When the page was answered.
    pub generated_at_ms: i64,
    /// Every model of the workspace, for the model filter.
    pub model_options: Vec<ModelOption>,
}

/// Everything stored about one call.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogDetail {
    pub request_id: String,
    pub ts_ms: i64,
    pub model: String,
    pub kind: ModelKind,
    pub operation: String,
    pub status: u16,
    pub error_type: Option<String>,
    pub error_message: Option<String>,
    pub usage: Usage,
    pub latency_ms: Option<i64>,
    pub ttft_ms: Option<i64>,
    pub first_byte_ms: Option<i64>,
    pub cost: Option<f64>,
    /// `api`, `otlp` or `proxy`.
    pub source: String,
    pub stream: bool,
    /// The caller's provider key, masked.
    pub api_key: Option<String>,
    /// Free metadata as sent (a JSON object), when any.
    pub metadata: Option<serde_json::Value>,
    pub upstream_request_id: Option<String>,
    pub request_body: Option<String>,
    pub response_body: Option<String>,
}

/// The class of an HTTP status, as the table colours it: `2xx`, `4xx`, ...
pub fn status_class(status: u16) -> &'static str {
    match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_through_the_url() {
        let cursor = Cursor {
            ts_ms: 1_764_201_600_123,
            row: 42,
        };
        assert_eq!(Cursor::parse(&cursor.to_param()), Some(cursor));
        assert_eq!(Cursor::parse("-5.0").map(|c| c.ts_ms), Some(-5));
        for bad in ["", "12", "a.b", "1.-1", "1.2.3"] {
            assert_eq!(Cursor::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn newer_positions_compare_greater() {
        let older = Cursor { ts_ms: 10, row: 9 };
        let same_ms_later_row = Cursor { ts_ms: 10, row: 10 };
        assert!(same_ms_later_row > older);
        assert!(Cursor { ts_ms: 11, row: 1 } > same_ms_later_row);
        assert_eq!(status_class(429), "4xx");
        assert_eq!(status_class(599), "5xx");
    }
}
