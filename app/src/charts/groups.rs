//! The grouped Analytics charts: calls, tokens or cost per point, stacked by the top groups and
//! "other".

use super::spec::Series;
use super::{labelled_frame, Chart};
use crate::format::bucket_label;
use crate::model::{Granularity, GroupPoint, GroupSeries};

/// What a grouped chart stacks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupMeasure {
    Requests,
    Tokens,
    Cost,
}

impl GroupMeasure {
    fn axis(self) -> &'static str {
        match self {
            GroupMeasure::Requests => "calls",
            GroupMeasure::Tokens => "tokens",
            GroupMeasure::Cost => "USD",
        }
    }

    fn value(self, point: &GroupPoint) -> f64 {
        match self {
            GroupMeasure::Requests => point.requests as f64,
            GroupMeasure::Tokens => point.tokens as f64,
            // Cents are the finest a chart needs; sums of many calls carry float noise.
            GroupMeasure::Cost => (point.cost * 1e6).round() / 1e6,
        }
    }
}

/// One stacked bar per group per point, the groups in `series` order, "other" last.
pub fn group_chart(
    series: &[GroupSeries],
    granularity: Granularity,
    measure: GroupMeasure,
) -> Chart {
    let labels: Vec<String> = series
        .first()
        .map(|band| {
            band.points
                .iter()
                .map(|point| bucket_label(point.bucket_ms, granularity))
                .collect()
        })
        .unwrap_or_default();
    let mut chart = labelled_frame(labels, measure.axis());
    for band in series {
        let data = band.points.iter().map(|point| Some(measure.value(point)));
        let name = band.name.as_deref().unwrap_or("other");
        chart = chart.series(Series::bar(name, data).stack("groups"));
    }
    chart
}

#[cfg(test)]
mod tests {
    use super::*;

    fn band(name: Option<&str>, values: [(i64, f64); 2]) -> GroupSeries {
        GroupSeries {
            name: name.map(str::to_owned),
            points: values
                .iter()
                .enumerate()
                .map(|(index, (requests, cost))| GroupPoint {
                    bucket_ms: 1_763_596_800_000 + index as i64 * 3_600_000,
                    requests: *requests,
                    tokens: requests * 10,
                    cost: *cost,
                })
                .collect(),
        }
    }

    #[test]
    fn each_group_is_one_stacked_band_and_the_rest_is_other() {
        let series = [
            band(Some("alice"), [(3, 0.5), (0, 0.0)]),
            band(None, [(1, 0.1000000001), (2, 0.2)]),
        ];
        let chart =
            serde_json::to_value(group_chart(&series, Granularity::Hour, GroupMeasure::Cost))
                .expect("serialises");
        let bands = chart["series"].as_array().expect("series");
        assert_eq!(bands.len(), 2);
        assert_eq!(bands[0]["name"], "alice");
        assert_eq!(bands[1]["name"], "other");
        assert!(bands
            .iter()
            .all(|band| band["stack"] == "groups" && band["type"] == "bar"));
        assert_eq!(bands[1]["data"], serde_json::json!([0.1, 0.2]));
        assert_eq!(chart["yAxis"]["name"], "USD");
        assert_eq!(
            chart["xAxis"]["data"],
            serde_json::json!(["11-20 00:00", "11-20 01:00"])
        );
        let calls = serde_json::to_value(group_chart(
            &series,
            Granularity::Hour,
            GroupMeasure::Requests,
        ))
        .expect("serialises");
        assert_eq!(calls["series"][0]["data"], serde_json::json!([3.0, 0.0]));
    }
}
