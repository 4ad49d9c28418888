//! Measuring a rule's targets over a window from rollup cells (raw rows only for a status
//! count rollups do not keep). A rule on one dimension value (user X, app Y) reads that value's
//! hourly (daily, for users) cells for the whole buckets inside the window and the matching raw
//! calls at its edges.

use app::model::WorkspaceId;
use std::collections::{BTreeMap, HashMap};

use app::model::{Dimension, Metric, RuleScope, RuleSpec, StatusFilter};
use app::url_state::Narrowing;

use super::evaluate::{metric_value, rollup_status_count};
use crate::rollup::dims;
use crate::rollup::plan::plan;
use crate::rollup::{Cell, Level, Observation};
use crate::store::narrowing;
use crate::store::reads::{CallFilter, Cells, Narrow, Order, Sketches, Snapshot, StatusMatch};
use crate::store::StoreError;

/// What one target measured over a window.
#[derive(Default)]
pub struct Measured {
    pub cell: Cell,
    /// Calls of the rule's status, where rollups do not keep that status.
    pub raw_status_count: Option<i64>,
}

impl Measured {
    /// The rule's metric over a window of `window_ms`.
    pub fn value(&self, spec: &RuleSpec, window_ms: i64) -> Option<f64> {
        metric_value(
            spec.metric,
            spec.status,
            &self.cell,
            window_ms,
            self.raw_status_count,
        )
    }
}

/// A rule's targets in one workspace: '' for the rule as a whole, else each model's name.
pub struct Targets<'a> {
    workspace_id: WorkspaceId,
    spec: &'a RuleSpec,
    /// Model names by id.
    names: HashMap<i64, String>,
    /// The chosen models' ids (a rule on chosen models).
    chosen: Option<Vec<i64>>,
    /// The rule's dimension value, resolved.
    only: Option<Only>,
}

/// A rule's dimension value: the conditions on raw rows and the value's dictionary id for its
/// cells (`None`: never seen, so no calls).
struct Only {
    dimension: Dimension,
    conditions: Vec<Narrow>,
    value_id: Option<i64>,
}

impl<'a> Targets<'a> {
    /// Reads the workspace's models once for any number of windows.
    pub fn resolve(
        snapshot: &dyn Snapshot,
        workspace_id: WorkspaceId,
        spec: &'a RuleSpec,
    ) -> Result<Self, StoreError> {
        let models = snapshot.models(workspace_id)?;
        let chosen = match &spec.scope {
            RuleScope::Models(wanted) => Some(
                models
                    .iter()
                    .filter(|model| wanted.contains(&model.option.name))
                    .map(|model| model.id)
                    .collect(),
            ),
            _ => None,
        };
        let names = models
            .into_iter()
            .map(|model| (model.id, model.option.name))
            .collect();
        let only = match &spec.dimension {
            None => None,
            Some(only) => {
                let narrowing = Narrowing {
                    dimensions: vec![(only.dimension, only.value.clone())],
                    ..Narrowing::default()
                };
                Some(Only {
                    dimension: only.dimension,
                    conditions: narrowing::resolve(snapshot, workspace_id, &narrowing)?,
                    value_id: snapshot.dimension_value_id(
                        workspace_id,
                        only.dimension,
                        &only.value,
                    )?,
                })
            }
        };
        Ok(Self {
            workspace_id,
            spec,
            names,
            chosen,
            only,
        })
    }

    /// Each target's totals over `window`. Every target is present even without calls:
    /// "fewer than N requests" must see 0.
    pub fn measure(
        &self,
        snapshot: &dyn Snapshot,
        window: (i64, i64),
        minute_cutoff: i64,
    ) -> Result<BTreeMap<String, Measured>, StoreError> {
        let mut measured = self.measure_cells(snapshot, window, minute_cutoff)?;
        if let Some(status) = self.raw_status() {
            let (low, high) = status.bounds();
            for (target, totals) in measured.iter_mut() {
                let filter = CallFilter {
                    workspace_id: self.workspace_id,
                    from_ms: window.0,
                    to_ms: window.1,
                    models: self.target_models(target),
                    status: Some(StatusMatch::Range(i64::from(low), i64::from(high))),
                    id_prefix: None,
                    narrowing: self.conditions(),
                };
                totals.raw_status_count = Some(snapshot.count_calls(&filter, window)?);
            }
        }
        Ok(measured)
    }

    /// The conditions on raw rows of the rule's dimension value.
    fn conditions(&self) -> Vec<Narrow> {
        self.only
            .as_ref()
            .map(|only| only.conditions.clone())
            .unwrap_or_default()
    }

    /// Whether the rule watches one dimension value.
    pub fn on_dimension(&self) -> bool {
        self.only.is_some()
    }

    /// The rule's status when it is one rollups do not count (raw rows must).
    pub fn raw_status(&self) -> Option<StatusFilter> {
        match (self.spec.metric, self.spec.status) {
            (Metric::StatusCount, Some(status))
                if rollup_status_count(&Cell::default(), status).is_none() =>
            {
                Some(status)
            }
            _ => None,
        }
    }

    /// The model ids behind `target` (`None`: every model).
    fn target_models(&self, target: &str) -> Option<Vec<i64>> {
        match self.spec.scope {
            RuleScope::EachModel => Some(
                self.names
                    .iter()
                    .filter(|(_, name)| *name == target)
                    .map(|(id, _)| *id)
                    .collect(),
            ),
            _ => self.chosen.clone(),
        }
    }

    /// The times of the calls with the rule's raw status in `[from, to)`, sorted, per target:
    /// one read for many windows (the preview's) instead of a count per window.
    pub fn raw_status_times(
        &self,
        snapshot: &dyn Snapshot,
        from: i64,
        to: i64,
    ) -> Result<HashMap<String, Vec<i64>>, StoreError> {
        let mut times: HashMap<String, Vec<i64>> = HashMap::new();
        let Some(status) = self.raw_status().filter(|_| self.only.is_none()) else {
            return Ok(times);
        };
        let (low, high) = status.bounds();
        snapshot.status_times(
            self.workspace_id,
            (from, to),
            (i64::from(low), i64::from(high)),
            &mut |ts_ms, model_id| {
                let target = match (&self.spec.scope, &self.chosen) {
                    (RuleScope::EachModel, _) => match self.names.get(&model_id) {
                        Some(name) => name.clone(),
                        None => return,
                    },
                    (_, Some(chosen)) if !chosen.contains(&model_id) => return,
                    _ => String::new(),
                };
                times.entry(target).or_default().push(ts_ms);
            },
        )?;
        for list in times.values_mut() {
            list.sort_unstable();
        }
        Ok(times)
    }

    /// Each target's totals over `window` from rollup cells alone (raw status counts left
    /// unset).
    pub fn measure_cells(
        &self,
        snapshot: &dyn Snapshot,
        window: (i64, i64),
        minute_cutoff: i64,
    ) -> Result<BTreeMap<String, Measured>, StoreError> {
        let spec = self.spec;
        if let Some(only) = &self.only {
            let mut measured = BTreeMap::new();
            measured.insert(
                String::new(),
                Measured {
                    cell: self.dimension_cell(snapshot, only, window)?,
                    raw_status_count: None,
                },
            );
            return Ok(measured);
        }
        let segments = plan(window.0, window.1, Level::Hour, minute_cutoff);
        let which = match (&spec.scope, &self.chosen) {
            (RuleScope::AllModels, _) => Cells::AllModels,
            (RuleScope::EachModel, _) => Cells::EachModel,
            (RuleScope::Models(_), Some(ids)) => Cells::Models(ids),
            (RuleScope::Models(_), None) => Cells::Models(&[]),
        };
        let mut measured: BTreeMap<String, Measured> = BTreeMap::new();
        match &spec.scope {
            RuleScope::EachModel => {
                for name in self.names.values() {
                    measured.entry(name.clone()).or_default();
                }
            }
            _ => {
                measured.entry(String::new()).or_default();
            }
        }
        for stored in snapshot.cells(
            self.workspace_id,
            &segments,
            which,
            sketches_for(spec.metric),
        )? {
            let target = match spec.scope {
                RuleScope::EachModel => self
                    .names
                    .get(&stored.model_id)
                    .cloned()
                    .unwrap_or_else(|| format!("model #{}", stored.model_id)),
                _ => String::new(),
            };
            measured.entry(target).or_default().cell.merge(&stored.cell);
        }
        Ok(measured)
    }
}

impl Targets<'_> {
    /// The totals of `only`'s calls over `window`: its cells for the whole buckets inside, raw
    /// calls at the edges.
    fn dimension_cell(
        &self,
        snapshot: &dyn Snapshot,
        only: &Only,
        window: (i64, i64),
    ) -> Result<Cell, StoreError> {
        let mut cell = Cell::default();
        let Some(value_id) = only.value_id else {
            return Ok(cell);
        };
        let level = dims::levels(only.dimension)[0];
        let width = level.width_ms();
        let floored = level.bucket(window.0);
        let whole_from = if floored == window.0 {
            floored
        } else {
            floored + width
        };
        let whole_to = level.bucket(window.1);
        let filter = CallFilter {
            workspace_id: self.workspace_id,
            from_ms: window.0,
            to_ms: window.1,
            models: None,
            status: None,
            id_prefix: None,
            narrowing: only.conditions.clone(),
        };
        if whole_from >= whole_to {
            raw_cell(snapshot, &filter, window, &mut cell)?;
            return Ok(cell);
        }
        raw_cell(snapshot, &filter, (window.0, whole_from), &mut cell)?;
        raw_cell(snapshot, &filter, (whole_to, window.1), &mut cell)?;
        let segments = plan(whole_from, whole_to, Level::Day, whole_from);
        for stored in snapshot.cells(
            self.workspace_id,
            &segments,
            Cells::DimensionValues(only.dimension, &[value_id]),
            sketches_for(self.spec.metric),
        )? {
            cell.merge(&stored.cell);
        }
        Ok(cell)
    }
}

/// Adds the calls of `filter` in `window` to `cell`, read from raw rows a page at a time.
fn raw_cell(
    snapshot: &dyn Snapshot,
    filter: &CallFilter,
    window: (i64, i64),
    cell: &mut Cell,
) -> Result<(), StoreError> {
    const PAGE: usize = 5_000;
    if window.0 >= window.1 {
        return Ok(());
    }
    let mut cursor = None;
    loop {
        let calls = snapshot
            .calls_in_window(filter, window, cursor, Order::OldestFirst, PAGE, None)?
            .unwrap_or_default();
        for call in &calls {
            cell.add(&Observation {
                workspace_id: filter.workspace_id.get(),
                model_id: call.model_id,
                ts_ms: call.ts_ms,
                status: u16::try_from(call.status).unwrap_or(0),
                stream: call.stream,
                usage: &call.usage,
                latency_ms: call.latency_ms,
                ttft_ms: call.ttft_ms,
                cost: call.cost,
            });
        }
        match calls.last() {
            Some(last) if calls.len() == PAGE => cursor = Some((last.ts_ms, last.row)),
            _ => return Ok(()),
        }
    }
}

/// The sketches a metric needs (decoding them is most of the cost of reading cells).
fn sketches_for(metric: Metric) -> Sketches {
    match metric {
        Metric::LatencyP50 | Metric::LatencyP95 | Metric::LatencyP99 => Sketches::LatencyOnly,
        Metric::TtftP95 => Sketches::LatencyAndTtft,
        _ => Sketches::Neither,
    }
}
