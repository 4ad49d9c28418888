//! A rule's metric over a window, from the window's rollup cells merged into one. Pure code.

use app::model::{Metric, StatusFilter};

use crate::rollup::Cell;

/// The value of `metric` for the calls summed in `cell` over a window of `window_ms`;
/// `raw_status_count` answers [`Metric::StatusCount`] for statuses rollups do not keep (a
/// single code other than 429, or the 1xx/3xx classes). `None` when the metric has no value
/// (a rate or latency with no calls).
pub fn metric_value(
    metric: Metric,
    status: Option<StatusFilter>,
    cell: &Cell,
    window_ms: i64,
    raw_status_count: Option<i64>,
) -> Option<f64> {
    let minutes = window_ms as f64 / 60_000.0;
    let share = |part: i64| (cell.requests > 0).then(|| part as f64 / cell.requests as f64 * 100.0);
    let average = |sum: i64, count: i64| (count > 0).then(|| sum as f64 / count as f64);
    let (input, output) = (cell.units.input_tokens, cell.units.output_tokens);
    match metric {
        Metric::Requests => Some(cell.requests as f64),
        Metric::ErrorRate => share(cell.status_4xx + cell.status_5xx),
        Metric::SuccessRate => share(cell.status_2xx),
        Metric::StatusCount => rollup_status_count(cell, status?)
            .or(raw_status_count)
            .map(|count| count as f64),
        Metric::LatencyAvg => average(cell.latency_sum, cell.latency_count),
        Metric::LatencyP50 => cell.latency.quantile(0.50),
        Metric::LatencyP95 => cell.latency.quantile(0.95),
        Metric::LatencyP99 => cell.latency.quantile(0.99),
        Metric::TtftAvg => average(cell.ttft_sum, cell.ttft_count),
        Metric::TtftP95 => cell.ttft.quantile(0.95),
        Metric::InputTokens => Some(input as f64),
        Metric::OutputTokens => Some(output as f64),
        Metric::TotalTokens => Some((input + output) as f64),
        Metric::Cost => Some(cell.cost),
        Metric::Rpm => (minutes > 0.0).then(|| cell.requests as f64 / minutes),
        Metric::Tpm => (minutes > 0.0).then(|| (input + output) as f64 / minutes),
    }
}

/// Calls of `status` as rollup cells count them, when they do.
pub fn rollup_status_count(cell: &Cell, status: StatusFilter) -> Option<i64> {
    match status {
        StatusFilter::Code(429) => Some(cell.status_429),
        StatusFilter::Class(2) => Some(cell.status_2xx),
        StatusFilter::Class(4) => Some(cell.status_4xx),
        StatusFilter::Class(5) => Some(cell.status_5xx),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rollup::Sketch;

    fn cell() -> Cell {
        let mut latency = Sketch::new();
        for ms in 1..=100 {
            latency.add(f64::from(ms) * 10.0);
        }
        let units = app::model::UnitTotals {
            input_tokens: 9_000,
            output_tokens: 1_000,
            ..Default::default()
        };
        Cell {
            requests: 100,
            status_2xx: 90,
            status_4xx: 6,
            status_429: 4,
            status_5xx: 3,
            units,
            cost: 1.25,
            latency_sum: 50_500,
            latency_count: 100,
            ttft_sum: 2_000,
            ttft_count: 10,
            latency,
            ..Cell::default()
        }
    }

    #[test]
    fn metrics_come_from_the_summed_cell() {
        let cell = cell();
        let five_minutes = 300_000;
        let value = |metric| metric_value(metric, None, &cell, five_minutes, None);
        assert_eq!(value(Metric::Requests), Some(100.0));
        assert_eq!(value(Metric::ErrorRate), Some(9.0));
        assert_eq!(value(Metric::SuccessRate), Some(90.0));
        assert_eq!(value(Metric::LatencyAvg), Some(505.0));
        assert_eq!(value(Metric::TtftAvg), Some(200.0));
        assert_eq!(value(Metric::TotalTokens), Some(10_000.0));
        assert_eq!(value(Metric::Rpm), Some(20.0));
        assert_eq!(value(Metric::Tpm), Some(2_000.0));
        assert_eq!(value(Metric::Cost), Some(1.25));
        let p95 = value(Metric::LatencyP95).expect("p95");
        assert!((p95 - 950.0).abs() <= 950.0 * 0.02, "{p95}");
        assert_eq!(value(Metric::TtftP95), None, "no TTFT sketch: no value");
    }

    #[test]
    fn status_counts_use_rollups_where_they_can() {
        let cell = cell();
        let count =
            |status, raw| metric_value(Metric::StatusCount, Some(status), &cell, 60_000, raw);
        assert_eq!(count(StatusFilter::Code(429), None), Some(4.0));
        assert_eq!(count(StatusFilter::Class(5), None), Some(3.0));
        assert_eq!(count(StatusFilter::Code(503), Some(2)), Some(2.0));
        assert_eq!(count(StatusFilter::Code(503), None), None);
        let empty = Cell::default();
        assert_eq!(
            metric_value(Metric::ErrorRate, None, &empty, 60_000, None),
            None
        );
        assert_eq!(
            metric_value(Metric::Requests, None, &empty, 60_000, None),
            Some(0.0)
        );
    }
}
