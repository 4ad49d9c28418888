//! Analytics grouped by a dimension: spend and usage per user, app, key, tag, operation, kind or
//! provider, from the dimension's own rollup cells.

use serde::{Deserialize, Serialize};

use super::{Dimension, Granularity, UnitTotals};

/// Rows the grouped table lists; the rest are summed into one "other" row.
pub const MAX_GROUP_ROWS: usize = 50;
/// Groups the charts stack; the rest are one "other" band.
pub const CHART_GROUPS: usize = 5;

/// What ranks the groups (largest first).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupSort {
    #[default]
    Cost,
    Requests,
    Tokens,
    Errors,
}

impl GroupSort {
    pub const ALL: [GroupSort; 4] = [
        GroupSort::Cost,
        GroupSort::Requests,
        GroupSort::Tokens,
        GroupSort::Errors,
    ];

    /// The URL name.
    pub fn as_str(self) -> &'static str {
        match self {
            GroupSort::Cost => "cost",
            GroupSort::Requests => "requests",
            GroupSort::Tokens => "tokens",
            GroupSort::Errors => "errors",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|sort| sort.as_str() == text)
    }

    /// The label in the table and controls.
    pub fn label(self) -> &'static str {
        match self {
            GroupSort::Cost => "Cost",
            GroupSort::Requests => "Calls",
            GroupSort::Tokens => "Tokens",
            GroupSort::Errors => "Errors",
        }
    }
}

/// One group's numbers (or the "other" row's: `value` `None`, no percentiles).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupRow {
    pub value: Option<String>,
    pub requests: i64,
    /// Calls without a 2xx status.
    pub errors: i64,
    pub success_rate: Option<f64>,
    pub units: UnitTotals,
    pub cost: Option<f64>,
    /// Calls whose cost is known: what `cost` covers.
    pub priced_requests: i64,
    pub latency_avg_ms: Option<f64>,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub ttft_avg_ms: Option<f64>,
    pub ttft_p95_ms: Option<f64>,
    /// Calls and total tokens per minute over the grouped range.
    pub rpm_avg: f64,
    pub tpm_avg: f64,
}

/// One bucket of a stacked band.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GroupPoint {
    pub bucket_ms: i64,
    pub requests: i64,
    pub tokens: i64,
    pub cost: f64,
}

/// One band of the stacked charts: a top group, or "other" (`name` `None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupSeries {
    pub name: Option<String>,
    pub points: Vec<GroupPoint>,
}

/// The report grouped by a dimension.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupReport {
    pub dimension: Dimension,
    pub sort: GroupSort,
    /// The range the groups cover: the report's range widened to whole UTC hours (whole days
    /// for a dimension kept daily only), since dimension cells are hourly and daily.
    pub from_ms: i64,
    pub to_ms: i64,
    /// The charts' granularity: the report's, at least the cells' width.
    pub granularity: Granularity,
    /// How many values had calls in the range.
    pub groups: i64,
    /// The first [`MAX_GROUP_ROWS`] groups by `sort`.
    pub rows: Vec<GroupRow>,
    /// The groups after those, summed.
    pub other: Option<GroupRow>,
    /// The first [`CHART_GROUPS`] groups and the rest, per bucket.
    pub series: Vec<GroupSeries>,
}
