//! The editor's preview: a rule's metric over the last 24 hours, measured the way the
//! evaluator measures it, at every point of `app::model::preview_times`.

use app::model::WorkspaceId;
use std::collections::BTreeMap;

use crate::store::reads::Snapshot;
use app::model::{
    preview_times, Condition, PreviewPoint, PreviewSeries, RulePreview, RuleSpec, PREVIEW_TARGETS,
};

use super::measure::Targets;
use crate::store::StoreError;

/// The preview of `spec` in `workspace_id` at `now_ms`.
pub fn preview(
    snapshot: &dyn Snapshot,
    workspace_id: WorkspaceId,
    spec: &RuleSpec,
    now_ms: i64,
    minute_cutoff: i64,
) -> Result<RulePreview, StoreError> {
    let targets = Targets::resolve(snapshot, workspace_id, spec)?;
    let window_ms = i64::from(spec.window_secs) * 1_000;
    let offset = match spec.condition {
        Condition::Baseline { offset, .. } => Some(offset.millis()),
        Condition::Threshold { .. } => None,
    };
    let times = preview_times(now_ms);
    let first = times[0] - window_ms - offset.unwrap_or(0);
    // A status rollups do not count: the matching calls' times, read once.
    let raw_times = targets.raw_status_times(snapshot, first, now_ms)?;
    let measure = |window: (i64, i64)| -> Result<_, StoreError> {
        if targets.on_dimension() {
            // Its raw status counts need the value's conditions: counted per window.
            return targets.measure(snapshot, window, minute_cutoff);
        }
        let mut measured = targets.measure_cells(snapshot, window, minute_cutoff)?;
        if targets.raw_status().is_some() {
            for (target, totals) in measured.iter_mut() {
                let calls = raw_times.get(target).map_or(&[][..], Vec::as_slice);
                let count = calls.partition_point(|ts| *ts < window.1)
                    - calls.partition_point(|ts| *ts < window.0);
                totals.raw_status_count = Some(count as i64);
            }
        }
        Ok(measured)
    };
    let mut series: BTreeMap<String, Vec<PreviewPoint>> = BTreeMap::new();
    for at_ms in times {
        let current = measure((at_ms - window_ms, at_ms))?;
        let baseline = match offset {
            Some(offset) => Some(measure((at_ms - window_ms - offset, at_ms - offset))?),
            None => None,
        };
        for (target, measured) in current {
            let baseline = baseline
                .as_ref()
                .and_then(|earlier| earlier.get(&target))
                .and_then(|earlier| earlier.value(spec, window_ms));
            series.entry(target).or_default().push(PreviewPoint {
                at_ms,
                requests: measured.cell.requests,
                value: measured.value(spec, window_ms),
                baseline,
            });
        }
    }
    let mut series: Vec<PreviewSeries> = series
        .into_iter()
        .map(|(target, points)| PreviewSeries { target, points })
        .collect();
    // Highest current value first; targets without a value last, by name.
    let current = |series: &PreviewSeries| {
        series
            .points
            .last()
            .and_then(|point| point.value)
            .unwrap_or(f64::NEG_INFINITY)
    };
    series.sort_by(|a, b| {
        current(b)
            .total_cmp(&current(a))
            .then_with(|| a.target.cmp(&b.target))
    });
    let more_targets = series.len().saturating_sub(PREVIEW_TARGETS);
    series.truncate(PREVIEW_TARGETS);
    Ok(RulePreview {
        now_ms,
        series,
        more_targets,
    })
}
