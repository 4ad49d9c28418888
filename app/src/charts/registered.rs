//! The browser draws charts with its own small script (`end2end/charts/entry.js`, on uPlot),
//! which reads only the parts of a chart it knows: a builder that starts to use another part
//! (a field, a series kind) must teach the script too, or the part would be dropped without a
//! word. Every chart the builders here produce is checked against the script.

use std::collections::BTreeSet;

use serde_json::Value;

use super::spec::KINDS;
use super::*;
use crate::model::{
    GroupPoint, GroupSeries, PreviewPoint, PreviewSeries, RuleDraft, RulePreview, SeriesPoint,
};

const ENTRY: &str = include_str!("../../../end2end/charts/entry.js");

/// Every field of `chart` and of its series, as `.name` the script would read it by.
fn fields(chart: &Value) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    let object = chart.as_object().expect("a chart is an object");
    for (key, value) in object {
        fields.insert(format!(".{key}"));
        if let Some(inner) = value.as_object() {
            fields.extend(inner.keys().map(|key| format!(".{key}")));
        }
    }
    for series in object["series"].as_array().expect("series").iter() {
        let series = series.as_object().expect("a series is an object");
        fields.extend(series.keys().map(|key| format!(".{key}")));
    }
    fields
}

fn every_chart() -> Vec<Value> {
    let points: Vec<SeriesPoint> = (0..3)
        .map(|k| SeriesPoint {
            bucket_ms: 1_763_596_800_000 + k * 3_600_000,
            requests: 4,
            latency_p50_ms: Some(120.0),
            ..SeriesPoint::default()
        })
        .collect();
    let bands = vec![GroupSeries {
        name: Some("alice".into()),
        points: vec![GroupPoint {
            bucket_ms: 1_763_596_800_000,
            requests: 2,
            tokens: 20,
            cost: 0.5,
        }],
    }];
    let preview = RulePreview {
        now_ms: 1_763_600_400_000,
        series: vec![PreviewSeries {
            target: "qwen-plus".into(),
            points: vec![PreviewPoint {
                at_ms: 1_763_600_400_000,
                requests: 20,
                value: Some(8.0),
                baseline: Some(4.0),
            }],
        }],
        more_targets: 0,
    };
    let spec = |condition: &str| {
        RuleDraft {
            name: "r".into(),
            condition: condition.into(),
            ..RuleDraft::new_rule()
        }
        .validate()
        .expect("valid")
    };
    let mut charts = vec![
        tokens_chart(&points, Granularity::Hour),
        requests_chart(&points, Granularity::Hour),
        latency_chart(&points, Granularity::Hour, false),
        latency_chart(&points, Granularity::Hour, true),
        preview_chart(&preview, &spec("threshold")),
        preview_chart(&preview, &spec("baseline")),
    ];
    for measure in [
        GroupMeasure::Requests,
        GroupMeasure::Tokens,
        GroupMeasure::Cost,
    ] {
        charts.push(group_chart(&bands, Granularity::Hour, measure));
    }
    charts
        .iter()
        .map(|chart| serde_json::from_str(&chart.to_json()).expect("JSON"))
        .collect()
}

#[test]
fn the_chart_script_reads_every_field_the_builders_write() {
    let charts = every_chart();
    let all: BTreeSet<String> = charts.iter().flat_map(fields).collect();
    // Every optional field shows up in one chart or another.
    for field in [".stack", ".area", ".dashed", ".colour", ".min", ".color"] {
        assert!(all.contains(field), "no chart has {field}: {all:?}");
    }
    for field in &all {
        assert!(
            ENTRY.contains(field.as_str()),
            "end2end/charts/entry.js never reads {field}"
        );
    }
}

#[test]
fn the_chart_script_draws_every_kind_of_series_and_axis() {
    for kind in KINDS {
        let name = serde_json::to_value(kind).expect("a kind serialises");
        let name = name.as_str().expect("a kind is a name");
        assert!(
            ENTRY.contains(&format!("  {name}(")),
            "end2end/charts/entry.js has no drawing for {name} series"
        );
    }
    let axes: BTreeSet<String> = every_chart()
        .iter()
        .map(|chart| {
            chart["yAxis"]["type"]
                .as_str()
                .expect("axis type")
                .to_owned()
        })
        .collect();
    assert_eq!(axes, BTreeSet::from(["log".to_owned(), "value".to_owned()]));
    assert!(ENTRY.contains("'log'"), "entry.js handles log axes");
}

#[test]
fn a_field_the_script_does_not_read_is_caught() {
    let chart = serde_json::json!({
        "xAxis": { "data": [] },
        "series": [{ "type": "line", "markLine": {} }],
        "dataZoom": {},
    });
    let fields = fields(&chart);
    for field in [".markLine", ".dataZoom"] {
        assert!(fields.contains(field), "{field}");
        assert!(!ENTRY.contains(field), "{field}");
    }
}
