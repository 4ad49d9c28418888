//! What the Analytics page shows: one report per filter, every number from rollups.

use serde::{Deserialize, Serialize};

use super::{Granularity, ModelKind, UnitTotals};

/// The headline numbers of a range. `None`: nothing to average or no known value.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Kpis {
    pub requests: i64,
    /// Share of calls with a 2xx status, 0..=1.
    pub success_rate: Option<f64>,
    pub total_tokens: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub avg_latency_ms: Option<f64>,
    pub p95_latency_ms: Option<f64>,
    pub avg_ttft_ms: Option<f64>,
    /// Sum of the known costs; `None` when no call in the range had a price.
    pub cost: Option<f64>,
    /// Calls whose cost is known (the rest used a unit without a price): what `cost` covers.
    pub priced_requests: i64,
}

impl Kpis {
    /// The share of calls `cost` covers, 0..=1; `None` without calls.
    pub fn cost_coverage(&self) -> Option<f64> {
        coverage(self.priced_requests, self.requests)
    }
}

/// `priced` of `requests` as a share; `None` when there are no calls.
pub fn coverage(priced: i64, requests: i64) -> Option<f64> {
    (requests > 0).then(|| priced as f64 / requests as f64)
}

/// One point of the time series: the bucket starting at `bucket_ms` (UTC, granularity wide).
/// Buckets without calls are present with zeros and no percentiles.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesPoint {
    pub bucket_ms: i64,
    pub requests: i64,
    /// Calls without a 2xx status.
    pub errors: i64,
    pub status_4xx: i64,
    pub status_5xx: i64,
    pub input_tokens: i64,
    pub output_tokens: i64,
    pub latency_p50_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
}

/// One row of the per-model table.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelRow {
    pub model: String,
    pub kind: ModelKind,
    pub requests: i64,
    pub success_rate: Option<f64>,
    /// Calls per minute over the whole range.
    pub rpm_avg: f64,
    /// Calls in the busiest minute; `None` when the minute detail has expired.
    pub rpm_peak: Option<i64>,
    /// Total tokens per minute over the whole range.
    pub tpm_avg: f64,
    /// Tokens in the busiest minute; `None` when the minute detail has expired.
    pub tpm_peak: Option<i64>,
    pub ttft_avg_ms: Option<f64>,
    pub ttft_p95_ms: Option<f64>,
    pub latency_avg_ms: Option<f64>,
    pub latency_p95_ms: Option<f64>,
    pub latency_p99_ms: Option<f64>,
    pub units: UnitTotals,
    pub cost: Option<f64>,
    /// Calls of this model whose cost is known.
    pub priced_requests: i64,
}

/// Usage summed over the models of one kind.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct KindUsage {
    pub kind: ModelKind,
    pub requests: i64,
    pub units: UnitTotals,
}

/// A model the workspace has seen, offered in the model filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelOption {
    pub name: String,
    pub kind: ModelKind,
}

/// Everything the Analytics page shows for one filter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AnalyticsReport {
    /// The range answered (UTC ms, `to` exclusive), after resolving a preset at `generated_at_ms`.
    pub from_ms: i64,
    pub to_ms: i64,
    pub granularity: Granularity,
    pub generated_at_ms: i64,
    pub kpis: Kpis,
    /// The same numbers for the period of the same length just before `from_ms`.
    pub previous: Kpis,
    /// The charts' points; empty when the report is grouped (the groups' chart stands there).
    pub series: Vec<SeriesPoint>,
    pub models: Vec<ModelRow>,
    pub kinds: Vec<KindUsage>,
    /// Every model of the workspace, for the model filter.
    pub model_options: Vec<ModelOption>,
    /// The report grouped by the filter's dimension, when it names one.
    pub groups: Option<super::GroupReport>,
}
