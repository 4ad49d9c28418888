//! The browser's ECharts is a trimmed build (`end2end/echarts/entry.js`): it draws only the
//! series types and components registered there, and ignores any other part of an option
//! without a warning. Every option the builders here produce must stay within that build.

use std::collections::BTreeSet;

use serde_json::Value;

use super::*;
use crate::model::{
    GroupPoint, GroupSeries, PreviewPoint, PreviewSeries, RuleDraft, RulePreview, SeriesPoint,
};

const ENTRY: &str = include_str!("../../../end2end/echarts/entry.js");

/// What a part of an option needs registered: the import name in `entry.js`, or `None` for
/// plain settings every build has.
fn needs(key: &str) -> Result<Option<&'static str>, String> {
    Ok(match key {
        "backgroundColor" | "animation" | "color" | "series" => None,
        "tooltip" => Some("TooltipComponent"),
        "legend" => Some("LegendPlainComponent"),
        "grid" | "xAxis" | "yAxis" => Some("GridComponent"),
        "series:line" => Some("LineChart"),
        "series:bar" => Some("BarChart"),
        "series:scatter" => Some("ScatterChart"),
        "containLabel" => Some("LegacyGridContainLabel"),
        other => return Err(format!("{other}: register it in entry.js and list it here")),
    })
}

/// Every part of `option` that [`needs`] a registration.
fn parts(option: &Value) -> BTreeSet<String> {
    let mut parts = BTreeSet::new();
    let object = option.as_object().expect("an option is an object");
    for (key, value) in object {
        parts.insert(key.clone());
        if key == "grid" && value.get("containLabel") == Some(&Value::Bool(true)) {
            parts.insert("containLabel".to_owned());
        }
    }
    let series = object.get("series").and_then(Value::as_array);
    for one in series.into_iter().flatten() {
        let kind = one["type"].as_str().expect("a series names its type");
        parts.insert(format!("series:{kind}"));
        for key in one.as_object().expect("a series is an object").keys() {
            if key.starts_with("mark") {
                parts.insert(key.clone());
            }
        }
    }
    parts
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
        .map(|chart| serde_json::to_value(chart).expect("serialises"))
        .collect()
}

#[test]
fn every_chart_uses_only_what_the_trimmed_echarts_registers() {
    let registered: BTreeSet<&str> = ENTRY
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect();
    assert!(
        registered.contains("CanvasRenderer"),
        "entry.js draws on canvas"
    );
    for option in every_chart() {
        for part in parts(&option) {
            match needs(&part) {
                Ok(Some(import)) => assert!(
                    registered.contains(import),
                    "{part} needs {import} registered in end2end/echarts/entry.js"
                ),
                Ok(None) => {}
                Err(problem) => panic!("{problem}"),
            }
        }
    }
}

#[test]
fn an_unlisted_part_of_an_option_is_caught() {
    let option = serde_json::json!({
        "series": [{ "type": "pie", "markLine": {} }],
        "dataZoom": {},
    });
    let parts = parts(&option);
    assert!(parts.contains("series:pie"));
    assert!(parts.contains("markLine"));
    for part in ["series:pie", "markLine", "dataZoom"] {
        assert!(needs(part).is_err(), "{part}");
    }
}
