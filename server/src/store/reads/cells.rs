//! The rollup side of a snapshot: the cells Analytics and alert rules add up, the models they
//! belong to and a dimension's values, ranks and totals.

use std::collections::HashMap;

use app::model::{Dimension, ModelOption, WorkspaceId};

use crate::rollup::plan::Segment;
use crate::rollup::{Cell, Level};
use crate::store::StoreError;

/// One stored rollup cell as read back.
#[derive(Clone)]
pub struct StoredCell {
    pub level: Level,
    pub bucket_ms: i64,
    pub model_id: i64,
    pub cell: Cell,
    /// The busiest minute inside the cell (calls, total tokens); `None` when unknown (an hour
    /// or day whose minute cells had expired before peaks were kept).
    pub peak_minute: Option<(i64, i64)>,
}

/// A model of the workspace.
pub struct WorkspaceModel {
    pub id: i64,
    pub option: ModelOption,
}

/// Which sketches to decode (decoding is most of the cost of reading a cell); the others are
/// left empty.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sketches {
    /// Counts and sums only.
    Neither,
    LatencyOnly,
    LatencyAndTtft,
}

/// Which cells to read.
#[derive(Clone, Copy, Debug)]
pub enum Cells<'a> {
    /// The all-models cells (one per bucket).
    AllModels,
    /// Every model's own cells.
    EachModel,
    /// The own cells of these models only (an empty list matches none).
    Models(&'a [i64]),
    /// The cells of every value of a dimension (`StoredCell::model_id` is the value's id).
    Dimension(Dimension),
    /// The cells of these values of a dimension only.
    DimensionValues(Dimension, &'a [i64]),
}

impl Cells<'_> {
    /// The table read for a segment of `level`.
    pub fn table(&self, level: Level) -> &'static str {
        match self {
            Cells::AllModels => level.all_models_table(),
            Cells::EachModel | Cells::Models(_) => level.table(),
            Cells::Dimension(_) | Cells::DimensionValues(..) => crate::rollup::dims::table(level),
        }
    }

    /// The dimension whose cells are read, if any.
    pub fn dimension(&self) -> Option<Dimension> {
        match self {
            Cells::Dimension(dimension) | Cells::DimensionValues(dimension, _) => Some(*dimension),
            _ => None,
        }
    }

    /// The only models or values read, if limited.
    pub fn ids(&self) -> Option<&[i64]> {
        match self {
            Cells::Models(ids) | Cells::DimensionValues(_, ids) => Some(ids),
            _ => None,
        }
    }

    /// The column that names a cell's model or value.
    pub fn key_column(&self) -> &'static str {
        match self.dimension() {
            Some(_) => "value_id",
            None => "model_id",
        }
    }
}

/// What a dimension value is ranked by, summed over a range: [`CellReads::dimension_ranks`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct ValueRank {
    /// The value's dictionary id.
    pub value_id: i64,
    pub requests: i64,
    /// Calls without a 2xx status.
    pub errors: i64,
    pub tokens: i64,
    pub cost: f64,
}

impl ValueRank {
    /// Adds `other`'s sums (of the same value).
    pub fn add(&mut self, other: &ValueRank) {
        self.requests += other.requests;
        self.errors += other.errors;
        self.tokens += other.tokens;
        self.cost += other.cost;
    }

    /// The sums of a cell of this value.
    pub fn of_cell(value_id: i64, cell: &crate::rollup::Cell) -> Self {
        Self {
            value_id,
            requests: cell.requests,
            errors: cell.requests - cell.status_2xx,
            tokens: cell.units.total_tokens,
            cost: cell.cost,
        }
    }
}

/// Rollup cells and the models they belong to.
pub trait CellReads {
    /// Every model the workspace has seen, by name.
    fn models(&self, workspace_id: WorkspaceId) -> Result<Vec<WorkspaceModel>, StoreError>;

    /// The dictionary values of `ids` in `workspace_id`: (id, dimension, value).
    fn dimension_values(
        &self,
        workspace_id: WorkspaceId,
        ids: &[i64],
    ) -> Result<Vec<(i64, Dimension, String)>, StoreError>;

    /// The dictionary id of `value` of `dimension`, when the workspace has seen it.
    fn dimension_value_id(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        value: &str,
    ) -> Result<Option<i64>, StoreError>;

    /// Every value of `dimension` with calls in `segments` (hour or day), with its sums over
    /// all of them: one entry per value, in no particular order.
    fn dimension_ranks(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<ValueRank>, StoreError>;

    /// Per bucket of `segments` (hour or day), the cells of every value of `dimension` summed
    /// (`StoredCell::model_id` 0), without sketches; at most one entry per bucket and segment.
    fn dimension_totals(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<StoredCell>, StoreError>;

    /// The cells of `which` models in `segments` (each segment one level and range), decoding
    /// only `sketches`.
    fn cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        which: Cells<'_>,
        sketches: Sketches,
    ) -> Result<Vec<StoredCell>, StoreError>;

    /// The cells of `which` in `segments` merged across buckets, per model or value
    /// (`StoredCell::model_id`): what a table over the whole range reads.
    fn merged_cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        which: Cells<'_>,
        sketches: Sketches,
    ) -> Result<HashMap<i64, Cell>, StoreError> {
        let mut merged: HashMap<i64, Cell> = HashMap::new();
        for stored in self.cells(workspace_id, segments, which, sketches)? {
            merged
                .entry(stored.model_id)
                .or_default()
                .merge(&stored.cell);
        }
        Ok(merged)
    }
}
