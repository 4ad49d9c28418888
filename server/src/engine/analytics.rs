//! The Analytics report's reads: which rollup cells answer the chart, the per-model table and
//! the previous period, read on a read connection and added up by `aggregate`.

use app::model::WorkspaceId;
pub mod aggregate;
pub mod groups;

pub use aggregate::{kpis, per_model, series, unit_totals};

use std::collections::HashMap;

use app::model::{Granularity, KindUsage, Kpis, ModelOption, ModelRow, SeriesPoint};
use app::url_state::AnalyticsFilter;

use crate::rollup::plan::{finest_needed, plan};
use crate::rollup::Level;
use crate::store::reads::{Cells, Sketches, Snapshot};
use crate::store::StoreError;

/// One report's question, resolved: the range (presets at `now_ms`), the granularity in effect
/// and the chosen models' ids (`None`: all models). The report is three independent reads,
/// [`chart`], [`table`] and [`previous`], which the engine runs in parallel.
#[derive(Clone, Debug)]
pub struct Scope {
    pub workspace_id: WorkspaceId,
    pub from_ms: i64,
    pub to_ms: i64,
    pub granularity: Granularity,
    /// Minute cells before this have expired; edges there use whole hours.
    pub minute_cutoff_ms: i64,
    pub chosen: Option<Vec<i64>>,
    /// Every model of the workspace by id.
    pub models: HashMap<i64, ModelOption>,
}

impl Scope {
    /// Resolves `filter` for `workspace_id`; also returns the workspace's models by name.
    pub fn resolve(
        snapshot: &dyn Snapshot,
        workspace_id: WorkspaceId,
        filter: &AnalyticsFilter,
        now_ms: i64,
        minute_cutoff_ms: i64,
    ) -> Result<(Scope, Vec<ModelOption>), StoreError> {
        let (from_ms, to_ms) = filter.range.bounds(now_ms);
        let models = snapshot.models(workspace_id)?;
        let chosen = (!filter.models.is_empty()).then(|| {
            models
                .iter()
                .filter(|model| filter.models.contains(&model.option.name))
                .map(|model| model.id)
                .collect()
        });
        let scope = Scope {
            workspace_id,
            from_ms,
            to_ms,
            granularity: filter.effective_granularity(),
            minute_cutoff_ms,
            chosen,
            models: models
                .iter()
                .map(|model| (model.id, model.option.clone()))
                .collect(),
        };
        Ok((
            scope,
            models.into_iter().map(|model| model.option).collect(),
        ))
    }

    /// All-models cells (one per bucket) unless models are chosen.
    fn together(&self) -> Cells<'_> {
        match &self.chosen {
            None => Cells::AllModels,
            Some(ids) => Cells::Models(ids),
        }
    }

    /// Every model's own cells, or the chosen models'.
    fn each(&self) -> Cells<'_> {
        match &self.chosen {
            None => Cells::EachModel,
            Some(ids) => Cells::Models(ids),
        }
    }
}

/// The chart's time series: cells at the granularity's level.
pub fn chart(snapshot: &dyn Snapshot, scope: &Scope) -> Result<Vec<SeriesPoint>, StoreError> {
    let segments = plan(
        scope.from_ms,
        scope.to_ms,
        finest_needed(scope.granularity),
        scope.minute_cutoff_ms,
    );
    let cells = snapshot.cells(
        scope.workspace_id,
        &segments,
        scope.together(),
        Sketches::LatencyOnly,
    )?;
    Ok(series(cells, scope.from_ms, scope.to_ms, scope.granularity))
}

/// The per-model table, usage by kind and the KPIs: the coarsest cells per model.
pub fn table(
    snapshot: &dyn Snapshot,
    scope: &Scope,
) -> Result<(Vec<ModelRow>, Vec<KindUsage>, Kpis), StoreError> {
    let segments = plan(
        scope.from_ms,
        scope.to_ms,
        Level::Day,
        scope.minute_cutoff_ms,
    );
    let cells = snapshot.cells(
        scope.workspace_id,
        &segments,
        scope.each(),
        Sketches::LatencyAndTtft,
    )?;
    Ok(per_model(cells, &scope.models, scope.to_ms - scope.from_ms))
}

/// The KPIs of the period of the same length just before the range: the coarsest cells.
pub fn previous(snapshot: &dyn Snapshot, scope: &Scope) -> Result<Kpis, StoreError> {
    let span_ms = scope.to_ms - scope.from_ms;
    let segments = plan(
        scope.from_ms - span_ms,
        scope.from_ms,
        Level::Day,
        scope.minute_cutoff_ms,
    );
    let cells = snapshot.cells(
        scope.workspace_id,
        &segments,
        scope.together(),
        Sketches::LatencyOnly,
    )?;
    Ok(kpis(cells))
}
