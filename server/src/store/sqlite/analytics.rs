//! Reading rollup cells for analytics (never raw rows): the cells of a query plan's segments,
//! and the workspace's models. The arithmetic over them lives in `engine::analytics`.

use std::collections::HashMap;

use app::model::{Amount, ModelKind, ModelOption, UnitTotals, UNIT_COUNT};
use rusqlite::types::Value;
use rusqlite::{Connection, Row};

use super::StoreError;
use crate::rollup::plan::Segment;
use crate::rollup::{Cell, Level, Sketch};
use crate::store::reads::{Cells, Sketches, StoredCell, WorkspaceModel};
use crate::store::sqlite::encoding::read_amount;

/// Every model the workspace has seen, by name.
pub fn models(conn: &Connection, workspace_id: i64) -> Result<Vec<WorkspaceModel>, StoreError> {
    let mut statement = conn
        .prepare_cached("SELECT id, name, kind FROM models WHERE workspace_id = ? ORDER BY name")?;
    let rows = statement.query_map([workspace_id], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
        ))
    })?;
    let mut models = Vec::new();
    for row in rows {
        let (id, name, kind) = row?;
        let kind = ModelKind::parse(&kind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown model kind {kind}")))?;
        models.push(WorkspaceModel {
            id,
            option: ModelOption { name, kind },
        });
    }
    Ok(models)
}

mod dimensions;

pub use dimensions::{dimension_ranks, dimension_totals, dimension_values};
use dimensions::{each_bucket, unindexed_of};

pub use crate::store::columns::{cell_columns, CELL_COLUMN_COUNT};

fn sketch(row: &Row<'_>, index: usize) -> Result<Sketch, StoreError> {
    let value = row.get_ref(index)?;
    let bytes = value
        .as_blob_or_null()
        .map_err(|_| StoreError::Corrupt(format!("column {index} is not a sketch")))?;
    match bytes {
        Some(bytes) => {
            Sketch::decode(bytes).map_err(|error| StoreError::Corrupt(error.to_string()))
        }
        None => Ok(Sketch::new()),
    }
}

/// A cell from a row selected with [`cell_columns`].
pub fn read_cell(
    level: Level,
    row: &Row<'_>,
    sketches: Sketches,
) -> Result<StoredCell, StoreError> {
    let units = UnitTotals::try_from_each(|offset, measure| {
        Ok::<_, StoreError>(
            read_amount(row.get_ref(8 + offset)?, measure)?.unwrap_or(Amount::Count(0)),
        )
    })?;
    let next = 8 + UNIT_COUNT;
    let peak_requests: Option<i64> = row.get(next + 8)?;
    let peak_tokens: Option<i64> = row.get(next + 9)?;
    Ok(StoredCell {
        level,
        bucket_ms: row.get(0)?,
        model_id: row.get(1)?,
        cell: Cell {
            requests: row.get(2)?,
            status_2xx: row.get(3)?,
            status_4xx: row.get(4)?,
            status_429: row.get(5)?,
            status_5xx: row.get(6)?,
            streamed: row.get(7)?,
            units,
            cost: row.get(next)?,
            cost_count: row.get(next + 1)?,
            latency_sum: row.get(next + 2)?,
            latency_count: row.get(next + 3)?,
            ttft_sum: row.get(next + 4)?,
            ttft_count: row.get(next + 5)?,
            latency: match sketches {
                Sketches::Neither => Sketch::new(),
                Sketches::LatencyOnly | Sketches::LatencyAndTtft => sketch(row, next + 6)?,
            },
            ttft: match sketches {
                Sketches::LatencyAndTtft => sketch(row, next + 7)?,
                Sketches::Neither | Sketches::LatencyOnly => Sketch::new(),
            },
        },
        peak_minute: peak_requests.zip(peak_tokens),
    })
}

/// The chosen cells of `segments`, in time order per segment.
pub fn cells(
    conn: &Connection,
    workspace_id: i64,
    segments: &[Segment],
    which: Cells<'_>,
    sketches: Sketches,
) -> Result<Vec<StoredCell>, StoreError> {
    let mut cells = Vec::new();
    each_row(
        conn,
        workspace_id,
        segments,
        which,
        sketches,
        &mut |level, row| {
            cells.push(read_cell(level, row, sketches)?);
            Ok(())
        },
    )?;
    for stored in unindexed_of(conn, workspace_id, segments, which)? {
        cells.push(stored);
    }
    Ok(cells)
}

/// The cells of `which` in `segments` merged per model or value, each stored sketch decoded
/// straight into its total (no sketch per cell).
pub fn merged_cells(
    conn: &Connection,
    workspace_id: i64,
    segments: &[Segment],
    which: Cells<'_>,
    sketches: Sketches,
) -> Result<HashMap<i64, Cell>, StoreError> {
    let mut merged: HashMap<i64, Cell> = HashMap::new();
    let next = 8 + UNIT_COUNT;
    each_row(
        conn,
        workspace_id,
        segments,
        which,
        sketches,
        &mut |level, row| {
            let stored = read_cell(level, row, Sketches::Neither)?;
            let total = merged.entry(stored.model_id).or_default();
            total.merge_sums(&stored.cell);
            if sketches != Sketches::Neither {
                merge_sketch(row, next + 6, &mut total.latency)?;
            }
            if sketches == Sketches::LatencyAndTtft {
                merge_sketch(row, next + 7, &mut total.ttft)?;
            }
            Ok(())
        },
    )?;
    for stored in unindexed_of(conn, workspace_id, segments, which)? {
        merged
            .entry(stored.model_id)
            .or_default()
            .merge(&stored.cell);
    }
    Ok(merged)
}

fn merge_sketch(row: &Row<'_>, index: usize, into: &mut Sketch) -> Result<(), StoreError> {
    let value = row.get_ref(index)?;
    let bytes = value
        .as_blob_or_null()
        .map_err(|_| StoreError::Corrupt(format!("column {index} is not a sketch")))?;
    match bytes {
        Some(bytes) => into
            .merge_encoded(bytes)
            .map_err(|error| StoreError::Corrupt(error.to_string())),
        None => Ok(()),
    }
}

/// Calls `visit` with each stored cell row of `which` in `segments` (selected with
/// [`cell_columns`]).
fn each_row(
    conn: &Connection,
    workspace_id: i64,
    segments: &[Segment],
    which: Cells<'_>,
    sketches: Sketches,
    visit: &mut dyn FnMut(Level, &Row<'_>) -> Result<(), StoreError>,
) -> Result<(), StoreError> {
    if which.ids().is_some_and(<[i64]>::is_empty) {
        return Ok(());
    }
    for segment in segments {
        if which.dimension().is_some() && segment.level == Level::Minute {
            continue;
        }
        let table = which.table(segment.level);
        let mut sql = format!(
            "SELECT {} FROM {table} WHERE workspace_id = ?1",
            cell_columns(segment.level, which, sketches)
        );
        let mut values: Vec<Value> = vec![workspace_id.into()];
        match which.dimension() {
            Some(dimension) => {
                sql.push_str(&format!(" AND dimension = ?2 AND {}", each_bucket(3)));
                values.extend([
                    dimension.code().into(),
                    segment.from_ms.into(),
                    segment.to_ms.into(),
                    segment.level.width_ms().into(),
                ]);
            }
            None => {
                sql.push_str(" AND bucket_ms >= ?2 AND bucket_ms < ?3");
                values.extend([segment.from_ms.into(), segment.to_ms.into()]);
            }
        }
        if let Some(ids) = which.ids() {
            let first = values.len() + 1;
            let placeholders: Vec<String> = (0..ids.len())
                .map(|index| format!("?{}", index + first))
                .collect();
            sql.push_str(&format!(
                " AND {} IN ({})",
                which.key_column(),
                placeholders.join(", ")
            ));
            values.extend(ids.iter().map(|id| Value::Integer(*id)));
        }
        let mut statement = conn.prepare_cached(&sql)?;
        let mut rows = statement.query(rusqlite::params_from_iter(values))?;
        while let Some(row) = rows.next()? {
            visit(segment.level, row)?;
        }
    }
    Ok(())
}
