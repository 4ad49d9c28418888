//! The report grouped by a dimension: per value (user, app, key, tag, ...) the same numbers as
//! a model row, ranked, the first [`MAX_GROUP_ROWS`] listed and the rest summed, and the first
//! [`CHART_GROUPS`] stacked over time against the rest. Read from the dimension's hourly and
//! daily cells, so the range is widened to whole hours (days for users) and says so.

use std::collections::HashMap;

use app::model::{
    Dimension, Granularity, GroupPoint, GroupReport, GroupRow, GroupSeries, GroupSort,
    CHART_GROUPS, MAX_GROUP_ROWS,
};

use super::Scope;
use crate::rollup::dims;
use crate::rollup::plan::{finest_needed, plan};
use crate::rollup::{Cell, Level};
use crate::store::reads::{Cells, Sketches, Snapshot, ValueRank};
use crate::store::StoreError;

const MINUTE_MS: f64 = 60_000.0;

/// `[from_ms, to_ms)` widened to whole buckets of the finest cells `dimension` keeps.
pub fn group_range(dimension: Dimension, from_ms: i64, to_ms: i64) -> (i64, i64) {
    let finest = dims::levels(dimension)[0];
    let width = finest.width_ms();
    let to = to_ms.div_euclid(width) * width;
    let to = if to < to_ms { to + width } else { to };
    (
        finest.bucket(from_ms),
        to.max(finest.bucket(from_ms) + width),
    )
}

/// The charts' granularity: `granularity`, at least as wide as the cells.
fn chart_granularity(dimension: Dimension, granularity: Granularity) -> Granularity {
    let finest = dims::levels(dimension)[0];
    if granularity.width_ms() >= finest.width_ms() {
        granularity
    } else if finest == Level::Day {
        Granularity::Day
    } else {
        Granularity::Hour
    }
}

fn rank_of(value: &ValueRank, sort: GroupSort) -> f64 {
    match sort {
        GroupSort::Cost => value.cost,
        GroupSort::Requests => value.requests as f64,
        GroupSort::Tokens => value.tokens as f64,
        GroupSort::Errors => value.errors as f64,
    }
}

fn row(value: Option<String>, cell: &Cell, minutes: f64, percentiles: bool) -> GroupRow {
    let ratio = |sum: i64, count: i64| (count > 0).then(|| sum as f64 / count as f64);
    let quantile = |sketch: &crate::rollup::Sketch, q: f64| {
        if percentiles {
            sketch.quantile(q)
        } else {
            None
        }
    };
    GroupRow {
        value,
        requests: cell.requests,
        errors: cell.requests - cell.status_2xx,
        success_rate: ratio(cell.status_2xx, cell.requests),
        units: cell.units.clone(),
        cost: (cell.cost_count > 0).then_some(cell.cost),
        priced_requests: cell.cost_count,
        latency_avg_ms: ratio(cell.latency_sum, cell.latency_count),
        latency_p50_ms: quantile(&cell.latency, 0.50),
        latency_p95_ms: quantile(&cell.latency, 0.95),
        latency_p99_ms: quantile(&cell.latency, 0.99),
        ttft_avg_ms: ratio(cell.ttft_sum, cell.ttft_count),
        ttft_p95_ms: quantile(&cell.ttft, 0.95),
        rpm_avg: cell.requests as f64 / minutes,
        tpm_avg: cell.units.total_tokens as f64 / minutes,
    }
}

/// A dimension's values in `scope`, ranked: the first step of a grouped report, which the
/// table ([`rows`]) and the chart ([`chart`]) then read in parallel.
pub struct Ranked {
    dimension: Dimension,
    sort: GroupSort,
    from_ms: i64,
    to_ms: i64,
    /// How many values had calls.
    groups: i64,
    /// The listed values, first to last.
    top: Vec<i64>,
    /// Whether values past the listed ones had calls.
    more: bool,
    names: HashMap<i64, String>,
}

/// Ranks `dimension`'s values in `scope` by `sort`, from the rank lists alone.
pub fn rank(
    snapshot: &dyn Snapshot,
    scope: &Scope,
    dimension: Dimension,
    sort: GroupSort,
) -> Result<Ranked, StoreError> {
    let workspace_id = scope.workspace_id;
    let (from_ms, to_ms) = group_range(dimension, scope.from_ms, scope.to_ms);
    let segments = plan(from_ms, to_ms, Level::Day, from_ms);
    let mut ranked = snapshot.dimension_ranks(workspace_id, dimension, &segments)?;
    ranked.sort_by(|a, b| {
        rank_of(b, sort)
            .total_cmp(&rank_of(a, sort))
            .then(b.requests.cmp(&a.requests))
            .then(a.value_id.cmp(&b.value_id))
    });
    let top: Vec<i64> = ranked
        .iter()
        .take(MAX_GROUP_ROWS)
        .map(|value| value.value_id)
        .collect();
    let names = snapshot
        .dimension_values(workspace_id, &top)?
        .into_iter()
        .map(|(id, _, value)| (id, value))
        .collect();
    Ok(Ranked {
        dimension,
        sort,
        from_ms,
        to_ms,
        groups: ranked.len() as i64,
        more: ranked.len() > MAX_GROUP_ROWS,
        top,
        names,
    })
}

/// The table: each listed value's row, with its percentiles, and "other" when values past them
/// had calls.
pub fn rows(
    snapshot: &dyn Snapshot,
    scope: &Scope,
    ranked: &Ranked,
) -> Result<(Vec<GroupRow>, Option<GroupRow>), StoreError> {
    let (workspace_id, dimension) = (scope.workspace_id, ranked.dimension);
    let segments = plan(ranked.from_ms, ranked.to_ms, Level::Day, ranked.from_ms);
    // The listed groups' own cells, with their sketches.
    let mut full = snapshot.merged_cells(
        workspace_id,
        &segments,
        Cells::DimensionValues(dimension, &ranked.top),
        Sketches::LatencyAndTtft,
    )?;
    let minutes = ((ranked.to_ms - ranked.from_ms) as f64 / MINUTE_MS).max(1.0);
    // The rest: every value's totals less the listed ones.
    let mut rest = Cell::default();
    if ranked.more {
        for stored in snapshot.dimension_totals(workspace_id, dimension, &segments)? {
            rest.merge_sums(&stored.cell);
        }
    }
    let rows = ranked
        .top
        .iter()
        .map(|id| {
            let cell = full.remove(id).unwrap_or_default();
            rest.subtract_sums(&cell);
            row(ranked.names.get(id).cloned(), &cell, minutes, true)
        })
        .collect();
    let other = ranked.more.then(|| row(None, &rest, minutes, false));
    Ok((rows, other))
}

/// The chart: the first [`CHART_GROUPS`] listed values stacked over time against the rest.
pub fn chart(
    snapshot: &dyn Snapshot,
    scope: &Scope,
    ranked: &Ranked,
) -> Result<(Granularity, Vec<GroupSeries>), StoreError> {
    let granularity = chart_granularity(ranked.dimension, scope.granularity);
    let charted: Vec<i64> = ranked.top.iter().take(CHART_GROUPS).copied().collect();
    let series = series(
        snapshot,
        scope,
        (ranked.from_ms, ranked.to_ms),
        (ranked.dimension, granularity),
        &charted,
        &ranked.names,
    )?;
    Ok((granularity, series))
}

impl Ranked {
    /// The report, from the table and the chart read for these values.
    pub fn report(
        &self,
        (rows, other): (Vec<GroupRow>, Option<GroupRow>),
        (granularity, series): (Granularity, Vec<GroupSeries>),
    ) -> GroupReport {
        GroupReport {
            dimension: self.dimension,
            sort: self.sort,
            from_ms: self.from_ms,
            to_ms: self.to_ms,
            granularity,
            groups: self.groups,
            rows,
            other,
            series,
        }
    }
}

/// The stacked bands: each of `charted` per bucket, and everything else ("other").
fn series(
    snapshot: &dyn Snapshot,
    scope: &Scope,
    (from_ms, to_ms): (i64, i64),
    (dimension, granularity): (Dimension, Granularity),
    charted: &[i64],
    names: &HashMap<i64, String>,
) -> Result<Vec<GroupSeries>, StoreError> {
    let width = granularity.width_ms();
    let first = from_ms.div_euclid(width) * width;
    let buckets: Vec<i64> = (0..)
        .map(|step| first + step * width)
        .take_while(|start| *start < to_ms)
        .collect();
    let index_of =
        |bucket_ms: i64| ((bucket_ms.div_euclid(width) * width - first) / width) as usize;
    let empty = || -> Vec<GroupPoint> {
        buckets
            .iter()
            .map(|bucket_ms| GroupPoint {
                bucket_ms: *bucket_ms,
                ..GroupPoint::default()
            })
            .collect()
    };
    let add = |points: &mut Vec<GroupPoint>, bucket_ms: i64, cell: &Cell, sign: i64| {
        if let Some(point) = points.get_mut(index_of(bucket_ms)) {
            point.requests += sign * cell.requests;
            point.tokens += sign * cell.units.total_tokens;
            point.cost += sign as f64 * cell.cost;
        }
    };
    let segments = plan(from_ms, to_ms, finest_needed(granularity), from_ms);
    let mut other = empty();
    for stored in snapshot.dimension_totals(scope.workspace_id, dimension, &segments)? {
        add(&mut other, stored.bucket_ms, &stored.cell, 1);
    }
    let mut bands: Vec<(i64, Vec<GroupPoint>)> = charted.iter().map(|id| (*id, empty())).collect();
    for stored in snapshot.cells(
        scope.workspace_id,
        &segments,
        Cells::DimensionValues(dimension, charted),
        Sketches::Neither,
    )? {
        if let Some((_, points)) = bands.iter_mut().find(|(id, _)| *id == stored.model_id) {
            add(points, stored.bucket_ms, &stored.cell, 1);
        }
        add(&mut other, stored.bucket_ms, &stored.cell, -1);
    }
    let mut series: Vec<GroupSeries> = bands
        .into_iter()
        .map(|(id, points)| GroupSeries {
            name: Some(names.get(&id).cloned().unwrap_or_else(|| format!("#{id}"))),
            points,
        })
        .collect();
    if other.iter().any(|point| point.requests != 0) {
        series.push(GroupSeries {
            name: None,
            points: other,
        });
    }
    Ok(series)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOUR: i64 = 3_600_000;
    const DAY: i64 = 24 * HOUR;

    #[test]
    fn ranges_widen_to_whole_hours_and_whole_days_for_users() {
        assert_eq!(
            group_range(Dimension::App, 10 * HOUR + 5, 12 * HOUR + 1),
            (10 * HOUR, 13 * HOUR)
        );
        assert_eq!(
            group_range(Dimension::Tag, 10 * HOUR, 12 * HOUR),
            (10 * HOUR, 12 * HOUR)
        );
        assert_eq!(
            group_range(Dimension::User, DAY + HOUR, 2 * DAY + HOUR),
            (DAY, 3 * DAY)
        );
        assert_eq!(group_range(Dimension::App, 5, 5), (0, HOUR), "never empty");
    }

    #[test]
    fn charts_are_never_finer_than_the_cells() {
        assert_eq!(
            chart_granularity(Dimension::App, Granularity::Minute),
            Granularity::Hour
        );
        assert_eq!(
            chart_granularity(Dimension::User, Granularity::Hour),
            Granularity::Day
        );
        assert_eq!(
            chart_granularity(Dimension::Tag, Granularity::Day),
            Granularity::Day
        );
    }
}
