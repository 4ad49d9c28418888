//! The Analytics charts as plain chart descriptions ([`spec`]), built by pure functions from
//! the report's time series (unit-tested natively; drawn only in the browser by
//! `components::chart`).

use crate::format::bucket_label;
use crate::model::{Granularity, SeriesPoint};

const INPUT_COLOUR: &str = "#5470c6";
const OUTPUT_COLOUR: &str = "#91cc75";
const SUCCESS_COLOUR: &str = "#73c0de";
const CLIENT_ERROR_COLOUR: &str = "#fac858";
const SERVER_ERROR_COLOUR: &str = "#ee6666";
const P50_COLOUR: &str = "#3ba272";
const P95_COLOUR: &str = "#fc8452";
const P99_COLOUR: &str = "#9a60b4";

mod groups;
mod preview;
#[cfg(test)]
mod registered;
pub mod spec;

pub use groups::{group_chart, GroupMeasure};
pub use preview::{preview_chart, target_label};
pub use spec::Chart;
use spec::{Series, YAxis};

/// The frame every chart shares: time labels along x, a linear y axis named `y_name`. (The
/// browser draws every chart with a legend that shows the values under the pointer.)
fn frame(points: &[SeriesPoint], granularity: Granularity, y_name: &str) -> Chart {
    let labels: Vec<String> = points
        .iter()
        .map(|point| bucket_label(point.bucket_ms, granularity))
        .collect();
    labelled_frame(labels, y_name)
}

/// The shared frame over any x labels.
fn labelled_frame(labels: Vec<String>, y_name: &str) -> Chart {
    Chart::new(labels, YAxis::value(y_name))
}

/// Tokens Analysis: input and output tokens per point, stacked; empty points are zero.
pub fn tokens_chart(points: &[SeriesPoint], granularity: Granularity) -> Chart {
    let input = points.iter().map(|point| Some(point.input_tokens as f64));
    let output = points.iter().map(|point| Some(point.output_tokens as f64));
    frame(points, granularity, "tokens")
        .color(vec![INPUT_COLOUR, OUTPUT_COLOUR])
        .series(Series::line("Input tokens", input).stack("tokens").area())
        .series(Series::line("Output tokens", output).stack("tokens").area())
}

/// Requests per point, stacked by outcome: successful, 4xx, 5xx and other failures.
pub fn requests_chart(points: &[SeriesPoint], granularity: Granularity) -> Chart {
    let count =
        |value: fn(&SeriesPoint) -> i64| points.iter().map(move |point| Some(value(point) as f64));
    frame(points, granularity, "calls")
        .color(vec![
            SUCCESS_COLOUR,
            CLIENT_ERROR_COLOUR,
            SERVER_ERROR_COLOUR,
        ])
        .series(
            Series::bar("Successful", count(|point| point.requests - point.errors)).stack("calls"),
        )
        .series(Series::bar("4xx", count(|point| point.status_4xx)).stack("calls"))
        .series(
            Series::bar(
                "5xx and other",
                count(|point| point.errors - point.status_4xx),
            )
            .stack("calls"),
        )
}

/// Latency percentiles per point; points without calls are gaps, not zeros. On a logarithmic
/// axis (`log`) chat calls of a second and video generations of minutes both stay readable;
/// it starts at 1 ms, so a quicker percentile is drawn there.
pub fn latency_chart(points: &[SeriesPoint], granularity: Granularity, log: bool) -> Chart {
    let line = |name: &str, value: fn(&SeriesPoint) -> Option<f64>| {
        let data = points
            .iter()
            .map(|point| value(point).map(|ms| if log { ms.round().max(1.0) } else { ms.round() }));
        Series::line(name, data)
    };
    let labels = points
        .iter()
        .map(|point| bucket_label(point.bucket_ms, granularity))
        .collect();
    let y_axis = if log {
        YAxis::log("ms (log)", 1.0)
    } else {
        YAxis::value("ms")
    };
    Chart::new(labels, y_axis)
        .color(vec![P50_COLOUR, P95_COLOUR, P99_COLOUR])
        .series(line("p50", |point| point.latency_p50_ms))
        .series(line("p95", |point| point.latency_p95_ms))
        .series(line("p99", |point| point.latency_p99_ms))
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn points() -> Vec<SeriesPoint> {
        vec![
            SeriesPoint {
                bucket_ms: 1_763_596_800_000,
                requests: 10,
                errors: 3,
                status_4xx: 2,
                status_5xx: 1,
                input_tokens: 1_000,
                output_tokens: 250,
                latency_p50_ms: Some(120.4),
                latency_p95_ms: Some(480.0),
                latency_p99_ms: Some(900.0),
            },
            SeriesPoint {
                bucket_ms: 1_763_600_400_000,
                ..SeriesPoint::default()
            },
        ]
    }

    fn json(chart: &Chart) -> Value {
        serde_json::to_value(chart).expect("serialises")
    }

    #[test]
    fn the_tokens_chart_stacks_input_and_output_with_empty_points_as_zero() {
        let chart = json(&tokens_chart(&points(), Granularity::Hour));
        let series = chart["series"].as_array().expect("series");
        assert_eq!(series.len(), 2);
        assert_eq!(series[0]["name"], "Input tokens");
        assert_eq!(series[0]["stack"], "tokens");
        assert_eq!(series[1]["stack"], "tokens");
        assert_eq!(series[0]["data"], serde_json::json!([1000.0, 0.0]));
        assert_eq!(series[1]["data"], serde_json::json!([250.0, 0.0]));
        assert_eq!(series[0]["area"], true);
        assert_eq!(
            chart["xAxis"]["data"],
            serde_json::json!(["11-20 00:00", "11-20 01:00"])
        );
        assert_eq!(chart["xAxis"]["name"], "UTC");
    }

    #[test]
    fn the_requests_chart_splits_calls_by_outcome() {
        let chart = json(&requests_chart(&points(), Granularity::Hour));
        let series = chart["series"].as_array().expect("series");
        let data: Vec<&Value> = series.iter().map(|series| &series["data"]).collect();
        assert_eq!(
            data,
            vec![
                &serde_json::json!([7.0, 0.0]),
                &serde_json::json!([2.0, 0.0]),
                &serde_json::json!([1.0, 0.0])
            ]
        );
        assert!(series.iter().all(|series| series["type"] == "bar"));
    }

    #[test]
    fn latency_lines_leave_gaps_where_there_were_no_calls() {
        let chart = json(&latency_chart(&points(), Granularity::Day, false));
        let series = chart["series"].as_array().expect("series");
        assert_eq!(
            series.iter().map(|s| s["name"].clone()).collect::<Vec<_>>(),
            vec!["p50", "p95", "p99"]
        );
        assert_eq!(series[0]["data"], serde_json::json!([120.0, null]));
        assert_eq!(
            chart["xAxis"]["data"],
            serde_json::json!(["11-20", "11-20"])
        );
        assert_eq!(chart["yAxis"]["type"], "value");
    }

    #[test]
    fn a_log_latency_axis_starts_at_one_millisecond() {
        let mut points = points();
        points[0].latency_p50_ms = Some(0.3);
        points[0].latency_p99_ms = Some(180_000.0);
        let chart = json(&latency_chart(&points, Granularity::Day, true));
        assert_eq!(chart["yAxis"]["type"], "log");
        assert_eq!(chart["yAxis"]["min"], 1.0);
        let series = chart["series"].as_array().expect("series");
        assert_eq!(series[0]["data"], serde_json::json!([1.0, null]));
        assert_eq!(series[2]["data"][0], serde_json::json!(180_000.0));
    }
}
