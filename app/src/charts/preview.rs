//! The rule editor's preview chart: the metric over the last 24 hours for each target, the
//! threshold (or, for a baseline rule on one target, the earlier window's values), and the
//! points the rule would judge as breaching.

use super::spec::Series;
use super::{labelled_frame, Chart};
use crate::format::bucket_label;
use crate::model::{Condition, Granularity, Metric, RulePreview, RuleSpec, Verdict};

const THRESHOLD_COLOUR: &str = "#ee6666";
const BASELINE_COLOUR: &str = "#999999";

/// A value as the chart shows it (two decimals are plenty for every metric).
fn shown(value: f64) -> f64 {
    (value * 100.0).round() / 100.0
}

/// The y axis's name: the metric's unit (its full name is in the table above the chart and
/// would not fit the axis).
fn unit(metric: Metric) -> &'static str {
    match metric {
        Metric::ErrorRate | Metric::SuccessRate => "%",
        Metric::LatencyAvg
        | Metric::LatencyP50
        | Metric::LatencyP95
        | Metric::LatencyP99
        | Metric::TtftAvg
        | Metric::TtftP95 => "ms",
        Metric::Cost => "USD",
        Metric::Rpm => "calls/min",
        Metric::Tpm => "tokens/min",
        Metric::InputTokens | Metric::OutputTokens | Metric::TotalTokens => "tokens",
        Metric::Requests | Metric::StatusCount => "calls",
    }
}

/// The target as a legend names it.
pub fn target_label(target: &str) -> &str {
    if target.is_empty() {
        "All in scope"
    } else {
        target
    }
}

/// The preview chart of `preview` as `spec` judges it.
pub fn preview_chart(preview: &RulePreview, spec: &RuleSpec) -> Chart {
    let times: Vec<i64> = preview
        .series
        .first()
        .map(|series| series.points.iter().map(|point| point.at_ms).collect())
        .unwrap_or_default();
    let labels = times
        .iter()
        .map(|ms| bucket_label(*ms, Granularity::Minute))
        .collect();
    let mut chart = labelled_frame(labels, unit(spec.metric));
    for series in &preview.series {
        let values = series.points.iter().map(|point| point.value.map(shown));
        let breaching = series.points.iter().map(|point| {
            match spec.judge(point.value, point.baseline, point.requests) {
                Verdict::Breaching(_) => point.value.map(shown),
                _ => None,
            }
        });
        chart = chart
            .series(Series::line(target_label(&series.target), values))
            .series(Series::scatter("Breaching", breaching).colour(THRESHOLD_COLOUR));
    }
    match spec.condition {
        Condition::Threshold { value, .. } => chart.series(
            Series::line("Threshold", vec![Some(shown(value)); times.len()])
                .dashed()
                .colour(THRESHOLD_COLOUR),
        ),
        Condition::Baseline { .. } if preview.series.len() == 1 => {
            let earlier = preview.series[0]
                .points
                .iter()
                .map(|point| point.baseline.map(shown));
            chart.series(
                Series::line("Earlier window", earlier)
                    .dashed()
                    .colour(BASELINE_COLOUR),
            )
        }
        Condition::Baseline { .. } => chart,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::model::{PreviewPoint, PreviewSeries, RuleDraft};

    fn spec(condition: &str) -> RuleSpec {
        RuleDraft {
            name: "r".into(),
            scope: "each".into(),
            condition: condition.into(),
            ..RuleDraft::new_rule()
        }
        .validate()
        .expect("valid")
    }

    fn preview() -> RulePreview {
        let point = |at_ms, requests, value: Option<f64>, baseline| PreviewPoint {
            at_ms,
            requests,
            value,
            baseline,
        };
        RulePreview {
            now_ms: 1_763_600_400_000,
            series: vec![PreviewSeries {
                target: "qwen-plus".into(),
                points: vec![
                    point(1_763_599_500_000, 20, Some(2.0), Some(2.0)),
                    point(1_763_600_400_000, 20, Some(8.123), Some(4.0)),
                    point(1_763_601_300_000, 3, Some(50.0), Some(4.0)),
                ],
            }],
            more_targets: 0,
        }
    }

    fn json(chart: &Chart) -> Value {
        serde_json::to_value(chart).expect("serialises")
    }

    #[test]
    fn threshold_previews_mark_breaching_points_and_draw_the_threshold() {
        let chart = json(&preview_chart(&preview(), &spec("threshold")));
        let series = chart["series"].as_array().expect("series");
        assert_eq!(series.len(), 3);
        assert_eq!(series[0]["name"], "qwen-plus");
        assert_eq!(series[0]["data"], json!([2.0, 8.12, 50.0]));
        // The last point has too few calls to be judged.
        assert_eq!(series[1]["type"], "scatter");
        assert_eq!(series[1]["data"], json!([null, 8.12, null]));
        assert_eq!(series[2]["name"], "Threshold");
        assert_eq!(series[2]["data"], json!([5.0, 5.0, 5.0]));
        assert_eq!(
            chart["xAxis"]["data"],
            json!(["11-20 00:45", "11-20 01:00", "11-20 01:15"])
        );
    }

    #[test]
    fn baseline_previews_draw_the_earlier_window() {
        let chart = json(&preview_chart(&preview(), &spec("baseline")));
        let series = chart["series"].as_array().expect("series");
        assert_eq!(series[1]["data"], json!([null, 8.12, null]));
        assert_eq!(series[2]["name"], "Earlier window");
        assert_eq!(series[2]["data"], json!([2.0, 4.0, 4.0]));
    }
}
