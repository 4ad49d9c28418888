//! A read transaction on a rusqlite connection as the seam's [`Snapshot`]: each question is
//! the function of the same name in `analytics` and `logs`.

use std::collections::HashMap;
use std::time::Instant;

use app::model::{Dimension, WorkspaceId};
use rusqlite::Connection;

use super::{analytics, logs};
use crate::rollup::plan::Segment;
use crate::rollup::Cell;
use crate::store::reads::{
    CallFilter, CallReads, CellReads, Cells, Order, Sketches, StoredCall, StoredCell, ValueRank,
    WorkspaceModel,
};
use crate::store::StoreError;

impl CellReads for Connection {
    fn models(&self, workspace_id: WorkspaceId) -> Result<Vec<WorkspaceModel>, StoreError> {
        analytics::models(self, workspace_id.get())
    }

    fn dimension_values(
        &self,
        workspace_id: WorkspaceId,
        ids: &[i64],
    ) -> Result<Vec<(i64, Dimension, String)>, StoreError> {
        analytics::dimension_values(self, workspace_id.get(), ids)
    }

    fn dimension_value_id(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        value: &str,
    ) -> Result<Option<i64>, StoreError> {
        super::batch::dictionary::lookup(self, workspace_id.get(), dimension, value)
    }

    fn dimension_ranks(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<ValueRank>, StoreError> {
        analytics::dimension_ranks(self, workspace_id.get(), dimension, segments)
    }

    fn dimension_totals(
        &self,
        workspace_id: WorkspaceId,
        dimension: Dimension,
        segments: &[Segment],
    ) -> Result<Vec<StoredCell>, StoreError> {
        analytics::dimension_totals(self, workspace_id.get(), dimension, segments)
    }

    fn cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        which: Cells<'_>,
        sketches: Sketches,
    ) -> Result<Vec<StoredCell>, StoreError> {
        analytics::cells(self, workspace_id.get(), segments, which, sketches)
    }

    fn merged_cells(
        &self,
        workspace_id: WorkspaceId,
        segments: &[Segment],
        which: Cells<'_>,
        sketches: Sketches,
    ) -> Result<HashMap<i64, Cell>, StoreError> {
        analytics::merged_cells(self, workspace_id.get(), segments, which, sketches)
    }
}

impl CallReads for Connection {
    fn error_codes(
        &self,
        workspace_id: WorkspaceId,
        low: i64,
        high: i64,
    ) -> Result<Vec<i64>, StoreError> {
        logs::error_codes(self, workspace_id.get(), low, high)
    }

    fn calls_in_window(
        &self,
        filter: &CallFilter,
        window: (i64, i64),
        cursor: Option<(i64, i64)>,
        order: Order,
        limit: usize,
        deadline: Option<Instant>,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        logs::calls_in_window(self, filter, window, cursor, order, limit, deadline)
    }

    fn key_ids_named(&self, workspace_id: WorkspaceId, name: &str) -> Result<Vec<i64>, StoreError> {
        let mut statement =
            self.prepare_cached("SELECT id FROM api_keys WHERE workspace_id = ?1 AND name = ?2")?;
        let ids = statement
            .query_map((workspace_id.get(), name), |row| row.get(0))?
            .collect::<Result<_, _>>()?;
        Ok(ids)
    }

    fn count_calls(&self, filter: &CallFilter, window: (i64, i64)) -> Result<i64, StoreError> {
        logs::count_calls(self, filter, window)
    }

    fn calls_by_key(
        &self,
        filter: &CallFilter,
        hour: i64,
        request_key: i64,
    ) -> Result<Vec<StoredCall>, StoreError> {
        logs::calls_by_key(self, filter, hour, request_key)
    }

    fn calls_with_request_id(
        &self,
        _filter: &CallFilter,
        _request_id: &str,
    ) -> Result<Option<Vec<StoredCall>>, StoreError> {
        // The table has no index on request ids; the engine's in-memory index finds the hours.
        Ok(None)
    }

    fn bodies(&self, row: i64) -> Result<(Option<String>, Option<String>), StoreError> {
        logs::bodies(self, row)
    }

    fn each_call(
        &self,
        filter: &CallFilter,
        each: &mut dyn FnMut(Vec<StoredCall>) -> Result<bool, StoreError>,
    ) -> Result<u64, StoreError> {
        logs::each_call(self, filter, each)
    }

    fn status_times(
        &self,
        workspace_id: WorkspaceId,
        window: (i64, i64),
        statuses: (i64, i64),
        each: &mut dyn FnMut(i64, i64),
    ) -> Result<(), StoreError> {
        logs::status_times(self, workspace_id.get(), window, statuses, each)
    }

    fn id_entries_after(
        &self,
        after_row: i64,
        limit: i64,
    ) -> Result<Vec<(i64, i64, i64, i64)>, StoreError> {
        logs::id_entries_after(self, after_row, limit)
    }

    fn id_entries_upto(
        &self,
        last_row: i64,
        each: &mut dyn FnMut(i64, i64, i64),
    ) -> Result<(), StoreError> {
        logs::id_entries_upto(self, last_row, each)
    }

    fn last_row(&self) -> Result<i64, StoreError> {
        logs::last_row(self)
    }
}
