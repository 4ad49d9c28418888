//! The columns the read paths select, the same in both implementations (their tables carry the
//! same column names): a stored call's, and a rollup cell's.

use std::fmt;
use std::sync::LazyLock;

use app::model::{UNITS, UNIT_COUNT};

use crate::rollup::Level;
use crate::store::reads::{Cells, Sketches};

/// The columns of a stored call as both implementations read it back (the usage units from
/// the units table), built once.
pub static CALL_COLUMNS: CallColumns = CallColumns(LazyLock::new(|| {
    let units: Vec<&str> = UNITS.iter().map(|spec| spec.column).collect();
    format!(
        "id, ts_ms, request_id, model_id, kind, operation, status, error_type, error_message, \
         {}, usage_other, latency_ms, ttft_ms, first_byte_ms, cost, source, stream, api_key, \
         metadata, upstream_request_id, has_body, user_id, app_id, provider_id, tag_ids, \
         stripped",
        units.join(", ")
    )
}));

/// The column list, written into SQL with `{}`.
pub struct CallColumns(LazyLock<String>);

impl fmt::Display for CallColumns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// How many columns [`cell_columns`] selects.
pub const CELL_COLUMN_COUNT: usize = 8 + UNIT_COUNT + 10;

/// The columns of a rollup cell of `level` in the cells of `which` as both implementations read
/// it back (for minute cells, their own calls and tokens stand where the busiest minute is;
/// dimension cells keep no busiest minute). Sketches not asked for are selected as NULL: the
/// database never copies their bytes out.
pub fn cell_columns(level: Level, which: Cells<'_>, sketches: Sketches) -> String {
    let peaks = match (level, which.dimension()) {
        (_, Some(_)) => "CAST(NULL AS BIGINT), CAST(NULL AS BIGINT)",
        (Level::Minute, None) => "requests, total_tokens",
        (Level::Hour | Level::Day, None) => "peak_minute_requests, peak_minute_tokens",
    };
    let sketches = match sketches {
        Sketches::Neither => "NULL, NULL",
        Sketches::LatencyOnly => "latency_sketch, NULL",
        Sketches::LatencyAndTtft => "latency_sketch, ttft_sketch",
    };
    format!(
        "bucket_ms, {key}, requests, status_2xx, status_4xx, status_429, status_5xx, \
         streamed, {units}, cost, cost_count, latency_sum, latency_count, ttft_sum, ttft_count, \
         {sketches}, {peaks}",
        key = which.key_column(),
        units = UNITS.map(|spec| spec.column).join(", "),
    )
}

/// A cell's counted columns before its units (then `cost`, then [`SUMS_AFTER_COST`]).
pub const COUNTS_BEFORE_UNITS: [&str; 6] = [
    "requests",
    "status_2xx",
    "status_4xx",
    "status_429",
    "status_5xx",
    "streamed",
];

/// A cell's summed columns after `cost`.
pub const SUMS_AFTER_COST: [&str; 5] = [
    "cost_count",
    "latency_sum",
    "latency_count",
    "ttft_sum",
    "ttft_count",
];
