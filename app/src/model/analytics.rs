//! What the Analytics page shows.

use serde::{Deserialize, Serialize};

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
}
